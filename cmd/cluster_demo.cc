#include "cmd/cluster_demo.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cmd/kv_shell.h"
#include "common/net.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/range_filter.h"

namespace meridian::cmd {
namespace {

constexpr const char* kRegions[] = {"us-east1", "europe-west1", "asia-south1"};
// One-way delays between the regions above, in ms (about half the public cloud RTTs).
constexpr int64_t kDelayMs[3][3] = {{0, 38, 105}, {38, 0, 65}, {105, 65, 0}};

std::string Quoted(const std::string& s) { return absl::StrCat("\"", s, "\""); }

}  // namespace

absl::StatusOr<std::unique_ptr<ClusterDemo>> ClusterDemo::Start(ClusterDemoOptions options) {
  if (options.nodes < 1 || options.nodes > 9) {
    return absl::InvalidArgumentError("--nodes must be 1..9");
  }
  if (options.splits.empty()) {
    options.splits = sql::SqlSplitKeys();
    options.splits.push_back("m");
  }
  std::unique_ptr<ClusterDemo> demo(new ClusterDemo(std::move(options)));
  for (int i = 1; i <= demo->options_.nodes; ++i) {
    ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    demo->addresses_[i] = absl::StrCat("127.0.0.1:", port);
  }
  for (const auto& [id, addr] : demo->addresses_) RETURN_IF_ERROR(demo->StartNode(id));
  demo->ApplyFaults();
  // The front end sits in us-east1 with node 1: stale reads (AS OF SYSTEM TIME, bounded
  // staleness) read at node 1's replicas first (ForNode).
  server::SqlNodeOptions so = server::SqlNodeOptions::ForNode(demo->NodeOptionsFor(1));
  so.pgwire = sql::PgServerOptions{.port = static_cast<uint16_t>(demo->options_.sql_port)};
  so.local_node = demo->nodes_.at(1).get();
  ASSIGN_OR_RETURN(demo->sql_, server::SqlNode::Start(std::move(so)));
  // Every range's first leaseholder, so the first command does not race the elections.
  RETURN_IF_ERROR(demo->sql_->AwaitRanges(absl::Seconds(30)));
  return demo;
}

ClusterDemo::~ClusterDemo() {
  open_.reset();
  sql_.reset();
  for (auto& [id, node] : nodes_) node->Stop();
}

std::string ClusterDemo::Region(uint64_t id) const { return kRegions[(id - 1) % 3]; }

int64_t ClusterDemo::OneWayDelayMs(uint64_t a, uint64_t b) const {
  if (!options_.wan) return 0;
  return kDelayMs[(a - 1) % 3][(b - 1) % 3];
}

server::NodeOptions ClusterDemo::NodeOptionsFor(uint64_t id) const {
  server::NodeOptions o;
  o.scan_filters = sql::CompileRangeFilter;  // SQL filters run next to the data
  o.row_updates = sql::CompileRowUpdate;     // and single-row UPDATEs too
  o.node_id = id;
  o.listen_address = addresses_.at(id);
  o.peers = addresses_;
  o.data_dir = absl::StrCat(options_.data_dir, "/n", id);
  o.epsilon_us = options_.epsilon_us;
  // WAN round trips reach ~210 ms: heartbeat every 80 ms, elect after 0.8-1.6 s.
  o.tick_ms = 10;
  o.heartbeat_ticks = 8;
  o.election_timeout_ticks = 80;
  o.lease_ms = 2000;
  o.splits = options_.splits;
  o.ranges = static_cast<int>(options_.splits.size()) + 1;
  return o;
}

absl::Status ClusterDemo::StartNode(uint64_t id) {
  ASSIGN_OR_RETURN(nodes_[id], server::Node::Start(NodeOptionsFor(id)));
  // Node 1, restarted, serves the front end in this process directly again.
  if (sql_ != nullptr && id == 1) sql_->rpc().AttachLocal(id, nodes_[id].get());
  return absl::OkStatus();
}

void ClusterDemo::StopNode(uint64_t id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  it->second->Stop();
  if (sql_ != nullptr) {
    sql_->rpc().DetachLocal(id);
    sql_->rpc().Forget(id);
  }
  nodes_.erase(it);
}

void ClusterDemo::ApplyFaults() {
  for (auto& [id, node] : nodes_) {
    proto::FaultSpec spec;
    for (const auto& [other, addr] : addresses_) {
      if (other == id) continue;
      proto::LinkFault* f = spec.add_links();
      f->set_to(other);
      f->set_delay_us(OneWayDelayMs(id, other) * 1000);
      f->set_jitter_us(options_.wan ? 1000 : 0);
      f->set_blocked(partitioned_.count(id) > 0 || partitioned_.count(other) > 0);
    }
    (void)node->OnSetFaults(spec);
  }
}

uint64_t ClusterDemo::Leaseholder(uint64_t range) {
  for (auto& [id, node] : nodes_) {
    const proto::NodeStatusResponse status = node->OnStatus();
    for (const proto::RangeStatus& r : status.ranges()) {
      if (r.range_id() == range && r.has_lease()) return id;
    }
  }
  return 0;
}

std::string ClusterDemo::Banner(bool sql) const {
  std::string out =
      absl::StrFormat("Meridian demo: %d replicated nodes in this process, data in %s\n",
                      options_.nodes, options_.data_dir);
  for (const auto& [id, addr] : addresses_) {
    absl::StrAppendFormat(&out, "  node %d  %-13s %s\n", id, Region(id), addr);
  }
  if (options_.wan) {
    out +=
        "One-way WAN delays: us-east1<->europe-west1 38 ms, us-east1<->asia-south1 105 ms,\n"
        "europe-west1<->asia-south1 65 ms. A write commits at the leaseholder after a\n"
        "majority accepts it (one round trip to the nearest other region) and commit wait.\n";
  }
  if (sql_port() != 0) {
    absl::StrAppendFormat(&out, "PostgreSQL clients: psql -h 127.0.0.1 -p %d -U root meridian\n",
                          sql_port());
  }
  out += sql ? "SQL shell: statements end with ';'. Type \\? for help, \\q to quit."
             : "Type help for commands.";
  return out;
}

std::string ClusterDemo::Help() {
  return R"(commands:
  put KEY VALUE | get KEY | del KEY   each its own transaction, at the key's leaseholder
  scan START [END]       a read-only transaction across ranges (keys < "m": range 1, else 2)
  begin [ro]             open a read-write (or read-only) transaction; until commit or
                         rollback, get/put/del/scan run inside it (reads lock; writes are
                         buffered; a transaction over both ranges commits with 2PC)
  commit | rollback      end it; commit prints the timestamp and where the time went
  stale N|follower KEY [MS]
                         bounded-staleness read served by node N (or any running follower)
                         itself, default bound 10 s: no WAN round trip
  status                 each node's region, role, lease and applied index
  stop N|leader|follower stop a node (its data stays on disk)
  start N | start all    restart stopped nodes; they catch up from the others
  partition N|leader|follower
                         cut a node off from every other node. Cutting off the leaseholder
                         leaves its in-flight writes with an unknown outcome; the others
                         elect a new leaseholder once its lease has expired.
  heal                   restore every link
  help | quit)";
}

std::string ClusterDemo::Execute(std::string_view line) {
  return ExecuteCommandLine(line,
                            [this](const std::vector<std::string>& args) { return Run(args); });
}

absl::StatusOr<std::string> ClusterDemo::Kv(proto::KvRequest req) {
  absl::Time start = absl::Now();
  txn::Routed<proto::KvResponse> routed = sql_->client().router().SendKv(
      req, {.timeout = absl::Seconds(20), .attempt_timeout = absl::Seconds(6)});
  ASSIGN_OR_RETURN(proto::KvResponse r, std::move(routed.response));
  const uint64_t served_by = routed.node;
  double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (r.code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(r.code()), r.message());
  }
  std::string where = absl::StrFormat("(node %d, %s, %.1f ms)", served_by, Region(served_by), ms);
  Timestamp ts{r.timestamp().wall_ns(), r.timestamp().logical()};
  switch (req.op()) {
    case proto::KvRequest::GET:
      return absl::StrCat(r.found() ? Quoted(r.value()) : "(not found)", " ", where);
    case proto::KvRequest::SCAN: {
      std::string out;
      for (int i = 0; i < r.keys_size(); ++i) {
        absl::StrAppend(&out, Quoted(r.keys(i)), " = ", Quoted(r.values(i)), "\n");
      }
      return absl::StrCat(out, "(", r.keys_size(), " rows) ", where);
    }
    default:
      return absl::StrCat("OK ", ts.ToString(), " ", where);
  }
}

absl::StatusOr<std::string> ClusterDemo::Scan(txn::Txn& t, const std::string& start,
                                              const std::string& end) {
  ASSIGN_OR_RETURN(std::vector<txn::Row> rows, t.Scan(start, end));
  std::string out;
  for (const txn::Row& r : rows) absl::StrAppend(&out, Quoted(r.key), " = ", Quoted(r.value), "\n");
  return absl::StrCat(out, "(", rows.size(), " rows)");
}

absl::StatusOr<std::string> ClusterDemo::RunTxn(const std::vector<std::string>& a) {
  const std::string cmd = absl::AsciiStrToLower(a[0]);
  const absl::Time start = absl::Now();
  auto took = [&] { return absl::ToDoubleMilliseconds(absl::Now() - start); };
  if (cmd == "begin" && (a.size() == 1 || (a.size() == 2 && a[1] == "ro"))) {
    if (open_ != nullptr) {
      return WithSqlState(absl::FailedPreconditionError("a transaction is already open"), "25001");
    }
    const bool ro = a.size() == 2;
    open_ = sql_->client().Begin({.mode = ro ? txn::TxnMode::kReadOnly : txn::TxnMode::kReadWrite});
    open_since_ = absl::Now();
    return absl::StrCat("BEGIN ", ro ? "read-only" : "read-write", " ", open_->id());
  }
  if (cmd == "scan" && open_ == nullptr && (a.size() == 2 || a.size() == 3)) {
    std::unique_ptr<txn::Txn> ro = sql_->client().Begin({.mode = txn::TxnMode::kReadOnly});
    ASSIGN_OR_RETURN(std::string out, Scan(*ro, a[1], a.size() == 3 ? a[2] : ""));
    return absl::StrFormat("%s read-only at %s (%.1f ms)", out, ro->read_timestamp()->ToString(),
                           took());
  }
  if (open_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no transaction is open; ", a[0], " needs one (begin)"));
  }
  // Any error ends the transaction, as in PostgreSQL after a failed statement (40001 means
  // it was aborted to let an older one through: run it again).
  auto fail = [&](absl::Status s) -> absl::Status {
    if (cmd != "commit") (void)open_->Rollback();
    open_.reset();
    return absl::Status(s.code(), absl::StrCat(s.message(), " (transaction ended)"));
  };
  if (cmd == "get" && a.size() == 2) {
    absl::StatusOr<std::optional<std::string>> v = open_->Get(a[1]);
    if (!v.ok()) return fail(v.status());
    return absl::StrFormat("%s (%.1f ms)", v->has_value() ? Quoted(**v) : "(not found)", took());
  }
  if (cmd == "put" && a.size() == 3) {
    if (absl::Status s = open_->Put(a[1], a[2]); !s.ok()) return fail(s);
    return std::string("buffered");
  }
  if (cmd == "del" && a.size() == 2) {
    if (absl::Status s = open_->Delete(a[1]); !s.ok()) return fail(s);
    return std::string("buffered");
  }
  if (cmd == "scan" && (a.size() == 2 || a.size() == 3)) {
    absl::StatusOr<std::string> out = Scan(*open_, a[1], a.size() == 3 ? a[2] : "");
    if (!out.ok()) return fail(out.status());
    return *out;
  }
  if (cmd == "rollback" && a.size() == 1) {
    (void)open_->Rollback();
    open_.reset();
    return std::string("ROLLBACK");
  }
  if (cmd == "commit" && a.size() == 1) {
    absl::StatusOr<Timestamp> ts = open_->Commit();
    if (!ts.ok()) return fail(ts.status());
    const txn::CommitStats st = open_->commit_stats();
    const bool ro = open_->mode() == txn::TxnMode::kReadOnly;
    open_.reset();
    if (ro) return absl::StrCat("COMMIT (read-only at ", ts->ToString(), ")");
    return absl::StrFormat(
        "COMMIT %s (%d range%s, %.1f ms: prepare %.1f, paxos %.1f, commit wait %.1f)",
        ts->ToString(), st.participants, st.participants == 1 ? "" : "s", took(),
        absl::ToDoubleMilliseconds(st.prepare), absl::ToDoubleMilliseconds(st.replicate),
        absl::ToDoubleMilliseconds(st.commit_wait));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown or malformed command \"", a[0], "\" inside a transaction; type help"));
}

absl::StatusOr<std::string> ClusterDemo::Run(const std::vector<std::string>& a) {
  const std::string cmd = absl::AsciiStrToLower(a[0]);
  proto::KvRequest req;
  req.set_range_id(1);
  if (cmd == "help" || cmd == "\\?") return Help();
  if (cmd == "quit" || cmd == "exit" || cmd == "\\q") {
    done_ = true;
    return std::string();
  }
  if (open_ != nullptr || cmd == "begin" || cmd == "commit" || cmd == "rollback" || cmd == "scan") {
    static const std::set<std::string> kOutside = {"status", "stop",  "start", "partition",
                                                   "heal",   "stale", "help",  "quit"};
    if (!kOutside.contains(cmd)) {
      return RunTxn(a);
    }
  }
  if (a.size() >= 2) req.set_range_id(sql_->client().range_map().Lookup(a[1]).range_id);
  if (cmd == "put" && a.size() == 3) {
    req.set_op(proto::KvRequest::PUT);
    req.set_key(a[1]);
    req.set_value(a[2]);
    return Kv(req);
  }
  if (cmd == "get" && a.size() == 2) {
    req.set_op(proto::KvRequest::GET);
    req.set_key(a[1]);
    return Kv(req);
  }
  if (cmd == "del" && a.size() == 2) {
    req.set_op(proto::KvRequest::DELETE);
    req.set_key(a[1]);
    return Kv(req);
  }
  if (cmd == "stale" && (a.size() == 3 || a.size() == 4)) {
    uint64_t id = 0;
    int64_t ms = 10000;
    if (a[1] == "follower") {
      const uint64_t leaseholder = Leaseholder(1);
      for (const auto& [n, node] : nodes_) {
        if (n != leaseholder) id = n;
      }
    } else if (!absl::SimpleAtoi(a[1], &id)) {
      id = 0;
    }
    if (nodes_.count(id) == 0 || (a.size() == 4 && (!absl::SimpleAtoi(a[3], &ms) || ms <= 0))) {
      return absl::InvalidArgumentError("usage: stale N|follower KEY [MS] with N a running node");
    }
    req.set_op(proto::KvRequest::GET);
    req.set_key(a[2]);
    req.set_range_id(sql_->client().range_map().Lookup(a[2]).range_id);
    req.set_max_staleness_ms(ms);
    absl::Time start = absl::Now();
    proto::KvResponse r = nodes_.at(id)->OnKv(req);
    double took = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (r.code() != 0) return absl::Status(static_cast<absl::StatusCode>(r.code()), r.message());
    Timestamp ts{r.timestamp().wall_ns(), r.timestamp().logical()};
    return absl::StrFormat("%s at %s (node %d, %s, %.1f ms)",
                           r.found() ? Quoted(r.value()) : "(not found)", ts.ToString(), id,
                           Region(id), took);
  }
  if (cmd == "status" && a.size() == 1) {
    std::string out;
    for (const auto& [id, addr] : addresses_) {
      auto it = nodes_.find(id);
      if (it == nodes_.end()) {
        absl::StrAppendFormat(&out, "node %d %-13s stopped\n", id, Region(id));
        continue;
      }
      const proto::NodeStatusResponse status = it->second->OnStatus();
      for (const proto::RangeStatus& r : status.ranges()) {
        absl::StrAppendFormat(&out, "node %d %-13s range %d %-9s%s applied=%d%s\n", id, Region(id),
                              r.range_id(), r.role(), r.has_lease() ? " leaseholder" : "",
                              r.applied_index(), partitioned_.count(id) ? " (partitioned)" : "");
      }
    }
    if (!out.empty()) out.pop_back();
    return out;
  }
  if ((cmd == "stop" || cmd == "start" || cmd == "partition") && a.size() == 2) {
    std::vector<uint64_t> targets;
    if (a[1] == "leader") {
      uint64_t l = Leaseholder(1);
      if (l == 0) return absl::FailedPreconditionError("no node holds the lease right now");
      targets.push_back(l);
    } else if (a[1] == "follower") {
      const uint64_t l = Leaseholder(1);
      for (const auto& [n, node] : nodes_) {
        if (n != l) {
          targets.push_back(n);
          break;
        }
      }
      if (targets.empty()) return absl::FailedPreconditionError("no running follower");
    } else if (a[1] == "all") {
      for (const auto& [id, addr] : addresses_) targets.push_back(id);
    } else {
      uint64_t id = 0;
      if (!absl::SimpleAtoi(a[1], &id) || addresses_.count(id) == 0) {
        return absl::InvalidArgumentError(absl::StrCat("no node ", a[1]));
      }
      targets.push_back(id);
    }
    std::string out;
    for (uint64_t id : targets) {
      if (cmd == "stop") {
        if (!nodes_.count(id)) continue;
        StopNode(id);
        absl::StrAppend(&out, "stopped node ", id, " (", Region(id), ")\n");
      } else if (cmd == "start") {
        if (nodes_.count(id)) continue;
        RETURN_IF_ERROR(StartNode(id));
        absl::StrAppend(&out, "started node ", id, " (", Region(id), ")\n");
      } else {
        partitioned_.insert(id);
        absl::StrAppend(&out, "node ", id, " (", Region(id), ") is cut off\n");
      }
    }
    ApplyFaults();
    if (!out.empty()) out.pop_back();
    return out.empty() ? std::string("nothing to do") : out;
  }
  if (cmd == "heal" && a.size() == 1) {
    partitioned_.clear();
    ApplyFaults();
    return std::string("all links restored");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown or malformed command \"", a[0], "\"; type help"));
}

}  // namespace meridian::cmd
