#include "cmd/node_commands.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cmd/flags.h"
#include "cmd/sql_password.h"
#include "common/clock/physical_clock.h"
#include "common/status.h"
#include "server/grpc_server.h"
#include "server/grpc_txn_rpc.h"
#include "server/node.h"
#include "server/sql_node.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/range_filter.h"
#include "txn/leaseholder_router.h"
#include "txn/range_map.h"

namespace meridian::cmd {
namespace {

const CommandSpec& StartSpec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian start --node-id=N --listen=HOST:PORT --peers=... --data-dir=DIR [flags]",
      .description =
          "Runs one node of a replicated cluster until SIGTERM or SIGINT. Every node of the\n"
          "cluster gets the same --peers and --splits. With --sql-listen the node also serves\n"
          "SQL over the PostgreSQL wire protocol: trust authentication, or SCRAM-SHA-256 with\n"
          "the password from --sql-password-file or --sql-password (not both), else from\n"
          "$MERIDIAN_SQL_PASSWORD.\n",
      .flags =
          {
              {"node-id", "N", "this node's id: a positive integer, unique in the cluster"},
              {"listen", "HOST:PORT", "address for node-to-node and client RPCs"},
              {"peers", "ID=HOST:PORT,...", "every node of the cluster, this one included"},
              {"data-dir", "DIR", "where the node keeps its Paxos logs and data (LevelDB)"},
              {"ranges", "N", "ranges 1..N, each a Paxos group over all peers (default 1)"},
              {"splits", "KEY,KEY,...|sql",
               "split keys: range i holds [key i-1, key i); --ranges becomes\n"
               "splits + 1. sql: the SQL layout (3 ranges: the catalog,\n"
               "tables 100..103, tables from 104 on)"},
              {"lease-ms", "MS", "leader lease length (default 1500)"},
              {"tick-ms", "MS", "timer resolution (default 10)"},
              {"election-ticks", "N",
               "a follower that hears no leader for 1-2x this many ticks\n"
               "campaigns (default 30)"},
              {"epsilon-us", "US",
               "TrueTime uncertainty bound; must cover the host clock's\n"
               "error (default 1000)"},
              {"max-offset-us", "US",
               "stop serving while this node's clock is further than this\n"
               "from a majority of its peers (default: --epsilon-us)"},
              {"txn-timeout-ms", "MS",
               "abort a transaction that is not prepared and silent this\n"
               "long (default 5000)"},
              {"wound-delay-us", "US",
               "an older transaction waits this long for a younger lock\n"
               "holder before it wounds (aborts) it (default 20000; 0: at once)"},
              {"no-sync", "", "do not fsync the Paxos log. UNSAFE: only to measure its cost"},
              {"clock-skew-ms", "MS",
               "testing: offset this node's clock, to exercise clock discipline"},
              {"sql-listen", "HOST:PORT", "also serve SQL (PostgreSQL wire protocol) here"},
              {"sql-password-file", "PATH",
               "require SCRAM-SHA-256 with the password on PATH's one line;\n"
               "other users must not be able to read or write the file"},
              {"sql-password", "PW",
               "the same, from the command line (visible to every user in\n"
               "ps: prefer --sql-password-file or $MERIDIAN_SQL_PASSWORD)"},
          },
  };
  return *spec;
}

const CommandSpec& KvSpec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian kv --peers=ID=HOST:PORT,... [flags] COMMAND [ARGS]",
      .description =
          "Reads and writes a cluster's ranges, shows their state and injects faults.\n"
          "Requests go to the range's leaseholder, following leader hints.\n"
          "\n"
          "commands:\n"
          "  put KEY VALUE | get KEY | del KEY | scan START [END] [LIMIT]\n"
          "  status            every node's view of its ranges\n"
          "  fault NODE TO     make NODE's traffic to TO slow, lossy or cut (TO=0: clear all)\n",
      .flags =
          {
              {"peers", "ID=HOST:PORT,...", "the nodes of the cluster"},
              {"range", "N", "the range the keys belong to (default 1)"},
              {"blocked", "", "fault: cut the link"},
              {"delay-ms", "MS", "fault: one-way delay"},
              {"jitter-ms", "MS", "fault: random extra delay, up to this"},
              {"loss", "P", "fault: drop each message with probability P (0..1)"},
          },
  };
  return *spec;
}

int Fail(const absl::Status& s, const CommandSpec& spec) {
  std::fprintf(stderr, "meridian: %s (%s)\n", std::string(s.message()).c_str(),
               spec.SeeHelp().c_str());
  return 2;
}

int Help(const CommandSpec& spec) {
  std::fputs(spec.Help().c_str(), stdout);
  return 0;
}

// The wire server's address and password for --sql-listen. Checked before anything starts,
// so a bad password file stops the node before it joins the cluster.
absl::StatusOr<sql::PgServerOptions> PgOptions(const ParsedArgs& args) {
  const std::string& listen = args.flags.at("sql-listen");
  size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError("--sql-listen must be HOST:PORT");
  }
  sql::PgServerOptions po;
  po.host = listen.substr(0, colon);
  po.port = static_cast<uint16_t>(port);
  SqlPasswordSources sources{.env = std::getenv(kSqlPasswordEnv)};
  if (auto it = args.flags.find("sql-password"); it != args.flags.end()) sources.flag = it->second;
  if (auto it = args.flags.find("sql-password-file"); it != args.flags.end()) {
    sources.file = it->second;
  }
  ASSIGN_OR_RETURN(po.password, ResolveSqlPassword(sources));
  return po;
}

}  // namespace

int StartCommand(int argc, char** argv) {
  const CommandSpec& spec = StartSpec();
  auto args = ParseCommandArgs(argc, argv, spec);
  if (!args.ok()) return Fail(args.status(), spec);
  if (args->help) return Help(spec);
  if (!args->positional.empty()) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("unexpected argument '", args->positional[0], "'")),
        spec);
  }
  server::NodeOptions o;
  o.scan_filters = sql::CompileRangeFilter;  // SQL filters run next to the data
  o.row_updates = sql::CompileRowUpdate;     // and single-row UPDATEs too
  auto id = IntFlag(*args, "node-id", 0);
  auto ranges = IntFlag(*args, "ranges", 1);
  auto lease = IntFlag(*args, "lease-ms", 1500);
  auto tick = IntFlag(*args, "tick-ms", 10);
  auto election = IntFlag(*args, "election-ticks", 30);
  auto eps = IntFlag(*args, "epsilon-us", 1000);
  auto max_offset = IntFlag(*args, "max-offset-us", 0);
  auto skew = IntFlag(*args, "clock-skew-ms", 0);
  auto txn_timeout = IntFlag(*args, "txn-timeout-ms", 5000);
  auto wound_delay = IntFlag(*args, "wound-delay-us", server::NodeOptions().wound_delay_us);
  for (const auto* s : {&id, &ranges, &lease, &tick, &election, &eps, &max_offset, &skew,
                        &txn_timeout, &wound_delay}) {
    if (!s->ok()) return Fail(s->status(), spec);
  }
  if (!args->flags.count("listen") || !args->flags.count("peers") ||
      !args->flags.count("data-dir")) {
    return Fail(absl::InvalidArgumentError("--listen, --peers and --data-dir are required"), spec);
  }
  auto peers = ParsePeers(args->flags["peers"]);
  if (!peers.ok()) return Fail(peers.status(), spec);
  if (*tick < 1 || *election < 3 || *lease < 10 * *tick || *eps < 0 || *wound_delay < 0 ||
      *wound_delay >= *txn_timeout * 1000) {
    return Fail(absl::InvalidArgumentError(
                    "need --tick-ms >= 1, --election-ticks >= 3, --lease-ms >= 10 ticks, "
                    "--epsilon-us >= 0, 0 <= --wound-delay-us < --txn-timeout-ms"),
                spec);
  }
  o.node_id = static_cast<uint64_t>(*id);
  o.listen_address = args->flags["listen"];
  o.peers = *peers;
  o.data_dir = args->flags["data-dir"];
  o.ranges = static_cast<int>(*ranges);
  o.lease_ms = *lease;
  o.tick_ms = *tick;
  o.election_timeout_ticks = static_cast<int>(*election);
  o.heartbeat_ticks = std::max<int>(1, static_cast<int>(*election) / 6);
  o.epsilon_us = *eps;
  o.sync_writes = args->flags.count("no-sync") == 0;
  o.max_clock_offset_us = *max_offset;
  o.clock_skew_ms = *skew;
  o.txn_heartbeat_timeout_ms = *txn_timeout;
  o.wound_delay_us = *wound_delay;
  if (args->flags.count("splits")) {
    if (args->flags["splits"] == "sql") {
      o.splits = sql::SqlSplitKeys();
    } else {
      auto splits = txn::RangeMap::ParseSplits(args->flags["splits"]);
      if (!splits.ok()) return Fail(splits.status(), spec);
      o.splits = *splits;
    }
    if (!args->flags.count("ranges")) o.ranges = static_cast<int>(o.splits.size()) + 1;
  }
  std::optional<sql::PgServerOptions> pgwire;
  if (args->flags.count("sql-listen")) {
    absl::StatusOr<sql::PgServerOptions> po = PgOptions(*args);
    if (!po.ok()) return Fail(po.status(), spec);
    pgwire = *std::move(po);
    if (args->flags.count("sql-password")) {
      std::fprintf(stderr,
                   "meridian start: warning: --sql-password is visible to every user of this "
                   "host (ps); prefer --sql-password-file or $%s\n",
                   kSqlPasswordEnv);
    }
  } else if (args->flags.count("sql-password") || args->flags.count("sql-password-file")) {
    return Fail(absl::InvalidArgumentError("a SQL password needs --sql-listen"), spec);
  }

  // Block the stop signals before any thread starts, then wait for one.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto node = server::Node::Start(o);
  if (!node.ok()) {
    std::fprintf(stderr, "meridian start: %s\n", node.status().ToString().c_str());
    return 1;
  }
  std::printf("node %llu listening on port %d\n", static_cast<unsigned long long>(o.node_id),
              (*node)->port());
  // SQL: a transaction client over the cluster, the engine, and the wire protocol server.
  std::unique_ptr<server::SqlNode> sql;
  if (pgwire.has_value()) {
    // Fresh reads go to the leaseholder; stale ones to this node's own replica first.
    server::SqlNodeOptions so = server::SqlNodeOptions::ForNode(o);
    so.pgwire = std::move(pgwire);
    so.local_node = node->get();  // requests this node answers are direct calls
    auto front = server::SqlNode::Start(std::move(so));
    if (!front.ok()) {
      std::fprintf(stderr, "meridian start: %s\n", front.status().ToString().c_str());
      (*node)->Stop();
      return 1;
    }
    sql = std::move(*front);
    std::printf("node %llu serving SQL on port %d\n", static_cast<unsigned long long>(o.node_id),
                sql->pg_port());
  }
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  sql.reset();
  (*node)->Stop();
  return 0;
}

int KvCommand(int argc, char** argv) {
  const CommandSpec& spec = KvSpec();
  auto args = ParseCommandArgs(argc, argv, spec);
  if (!args.ok()) return Fail(args.status(), spec);
  if (args->help) return Help(spec);
  if (!args->flags.count("peers") || args->positional.empty()) {
    return Fail(absl::InvalidArgumentError("--peers and a command are required"), spec);
  }
  auto peers = ParsePeers(args->flags["peers"]);
  if (!peers.ok()) return Fail(peers.status(), spec);
  auto range = IntFlag(*args, "range", 1);
  if (!range.ok()) return Fail(range.status(), spec);
  const std::vector<std::string>& p = args->positional;
  const std::string& cmd = p[0];

  if (cmd == "status") {
    for (const auto& [id, addr] : *peers) {
      auto c = server::NodeClient::Connect(addr);
      auto s = c.ok() ? (*c)->Status(absl::Seconds(2)) : c.status();
      if (!s.ok()) {
        std::printf("node %llu (%s): unreachable: %s\n", static_cast<unsigned long long>(id),
                    addr.c_str(), std::string(s.status().message()).c_str());
        continue;
      }
      if (!s->clock_problem().empty()) {
        std::printf("node %llu: NOT SERVING: %s\n", static_cast<unsigned long long>(id),
                    s->clock_problem().c_str());
      }
      for (const auto& r : s->ranges()) {
        std::printf("node %llu range %llu: %s%s ballot=%llu.%llu applied=%llu learned=%llu",
                    static_cast<unsigned long long>(id),
                    static_cast<unsigned long long>(r.range_id()), r.role().c_str(),
                    r.has_lease() ? " (leaseholder)" : "",
                    static_cast<unsigned long long>(r.ballot().round()),
                    static_cast<unsigned long long>(r.ballot().node()),
                    static_cast<unsigned long long>(r.applied_index()),
                    static_cast<unsigned long long>(r.learned_index()));
        if (r.role() == "leader") {
          std::printf(" next=%llu queued=%llu inflight=%llu",
                      static_cast<unsigned long long>(r.next_slot()),
                      static_cast<unsigned long long>(r.queued()),
                      static_cast<unsigned long long>(r.inflight()));
        }
        if (r.prepared_txns() > 0 || r.locked_txns() > 0) {
          std::printf(" prepared_txns=%llu locked_txns=%llu",
                      static_cast<unsigned long long>(r.prepared_txns()),
                      static_cast<unsigned long long>(r.locked_txns()));
        }
        std::printf("\n");
      }
    }
    return 0;
  }
  if (cmd == "fault") {
    uint64_t node = 0, to = 0;
    if (p.size() != 3 || !absl::SimpleAtoi(p[1], &node) || !absl::SimpleAtoi(p[2], &to) ||
        !peers->count(node)) {
      return Fail(absl::InvalidArgumentError("fault NODE TO, with NODE one of --peers"), spec);
    }
    proto::FaultSpec fault;
    if (to != 0) {
      auto delay = IntFlag(*args, "delay-ms", 0);
      auto jitter = IntFlag(*args, "jitter-ms", 0);
      if (!delay.ok()) return Fail(delay.status(), spec);
      if (!jitter.ok()) return Fail(jitter.status(), spec);
      proto::LinkFault* f = fault.add_links();
      f->set_to(to);
      f->set_blocked(args->flags.count("blocked") > 0);
      f->set_delay_us(*delay * 1000);
      f->set_jitter_us(*jitter * 1000);
      double loss = 0;
      if (args->flags.count("loss") && !absl::SimpleAtod(args->flags["loss"], &loss)) {
        return Fail(absl::InvalidArgumentError("--loss needs a number"), spec);
      }
      f->set_loss(loss);
    }
    auto c = server::NodeClient::Connect(peers->at(node));
    absl::Status s = c.ok() ? (*c)->SetFaults(fault, absl::Seconds(2)) : c.status();
    if (!s.ok()) {
      std::fprintf(stderr, "ERROR: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("OK\n");
    return 0;
  }
  proto::KvRequest req;
  req.set_range_id(static_cast<uint64_t>(*range));
  if (cmd == "put" && p.size() == 3) {
    req.set_op(proto::KvRequest::PUT);
    req.set_key(p[1]);
    req.set_value(p[2]);
  } else if (cmd == "get" && p.size() == 2) {
    req.set_op(proto::KvRequest::GET);
    req.set_key(p[1]);
  } else if (cmd == "del" && p.size() == 2) {
    req.set_op(proto::KvRequest::DELETE);
    req.set_key(p[1]);
  } else if (cmd == "scan" && p.size() >= 2 && p.size() <= 4) {
    req.set_op(proto::KvRequest::SCAN);
    req.set_key(p[1]);
    if (p.size() >= 3) req.set_end_key(p[2]);
    int64_t limit = 0;
    if (p.size() == 4 && !absl::SimpleAtoi(p[3], &limit)) {
      return Fail(absl::InvalidArgumentError("LIMIT must be an integer"), spec);
    }
    req.set_limit(limit);
  } else {
    return Fail(absl::InvalidArgumentError(absl::StrCat("bad command: ", cmd)), spec);
  }
  server::GrpcTxnRpc rpc(*peers);
  txn::LeaseholderRouter router(&rpc, clock::SystemClock::Default());
  txn::Routed<proto::KvResponse> routed =
      router.SendKv(req, {.timeout = absl::Seconds(15), .attempt_timeout = absl::Seconds(6)});
  if (!routed.response.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", routed.response.status().ToString().c_str());
    return 1;
  }
  const proto::KvResponse& resp = *routed.response;
  if (resp.code() != 0) {
    std::fprintf(stderr, "ERROR: %s: %s\n",
                 absl::StatusCodeToString(static_cast<absl::StatusCode>(resp.code())).c_str(),
                 resp.message().c_str());
    return 1;
  }
  Timestamp ts{resp.timestamp().wall_ns(), resp.timestamp().logical()};
  if (cmd == "get") {
    std::printf("%s\n", resp.found() ? resp.value().c_str() : "(not found)");
  } else if (cmd == "scan") {
    for (int i = 0; i < resp.keys_size(); ++i) {
      std::printf("%s = %s\n", resp.keys(i).c_str(), resp.values(i).c_str());
    }
    std::printf("(%d rows at %s)\n", resp.keys_size(), ts.ToString().c_str());
  } else {
    std::printf("OK %s\n", ts.ToString().c_str());
  }
  return 0;
}

}  // namespace meridian::cmd
