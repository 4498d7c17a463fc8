// Transaction latency and throughput on real `meridian start` processes on loopback, in the
// manner of Spanner's Tables 3 and 4 (OSDI'12).
//
//   txn_bench --binary=build/cmd/meridian --table=3 [--replicas=1,3,5] [--seconds=5]
//             [--clients=32] [--epsilon-us=1000]
//   txn_bench --binary=build/cmd/meridian --table=4 [--participants=1,2,5,10] [--seconds=5]
//
// Table 3, per replica count (one range, every node a replica):
//   write        a read-write transaction: locking read of one key, write it, commit
//                (lock, Paxos, commit wait); latency from one client, throughput from many
//   read-only    a read-only transaction at Now().latest reading one key (lock-free)
//   snapshot     a read at a timestamp 100 ms old, served by the nearest replica (a follower)
// Table 4, on 3 nodes with 10 ranges: a transaction writing one key in each of P ranges
//   (P = 1 is a single-range commit; P > 1 is 2PC), latency from one client, with the
//   split into prepare round, coordinator replication and commit wait.
//
// Prints a markdown table. Numbers are from one machine; read docs/performance.md.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cmd/flags.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "common/logging.h"
#include "server/grpc_txn_rpc.h"
#include "tests/integration/process_cluster.h"
#include "txn/txn_client.h"

namespace {

using meridian::Timestamp;
using meridian::txn::Txn;
using meridian::txn::TxnClient;
using meridian::txn::TxnMode;

struct Flags {
  std::string binary = "build/cmd/meridian";
  int table = 3;
  std::vector<int> replicas = {1, 3, 5};
  std::vector<int> participants = {1, 2, 5, 10};
  int seconds = 5, clients = 32;
  int64_t epsilon_us = 1000;
};

std::vector<int> IntList(const std::string& s) {
  std::vector<int> out;
  for (absl::string_view p : absl::StrSplit(s, ',')) {
    int n = 0;
    if (absl::SimpleAtoi(p, &n)) out.push_back(n);
  }
  return out;
}

Flags Parse(int argc, char** argv) {
  meridian::cmd::ParsedArgs args = meridian::cmd::ParseArgsOrExit(
      argc - 1, argv + 1,
      {"binary", "table", "replicas", "participants", "seconds", "clients", "epsilon-us"});
  Flags f;
  auto get = [&](const char* name, int64_t fallback) {
    return meridian::cmd::IntFlagOrExit(args, name, fallback);
  };
  if (args.flags.count("binary")) f.binary = args.flags["binary"];
  if (args.flags.count("replicas")) f.replicas = IntList(args.flags["replicas"]);
  if (args.flags.count("participants")) f.participants = IntList(args.flags["participants"]);
  f.table = static_cast<int>(get("table", f.table));
  f.seconds = static_cast<int>(get("seconds", f.seconds));
  f.clients = static_cast<int>(get("clients", f.clients));
  f.epsilon_us = get("epsilon-us", f.epsilon_us);
  return f;
}

struct Samples {
  std::vector<double> ms;
  void Add(absl::Duration d) { ms.push_back(absl::ToDoubleMilliseconds(d)); }
  double Mean() const {
    double s = 0;
    for (double v : ms) s += v;
    return ms.empty() ? 0 : s / ms.size();
  }
  double Pct(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
  }
};

// A cluster of `nodes` processes with `ranges` ranges and a client for it.
struct Bench {
  Bench(const Flags& f, int nodes, std::vector<std::string> splits)
      : true_time(meridian::clock::SystemClock::Default(),
                  meridian::clock::TrueTimeOptions{.epsilon_ns = f.epsilon_us * 1000}) {
    std::vector<std::string> flags = {"--lease-ms=2000", "--tick-ms=10", "--election-ticks=30",
                                      absl::StrCat("--epsilon-us=", f.epsilon_us)};
    if (!splits.empty()) flags.push_back(absl::StrCat("--splits=", absl::StrJoin(splits, ",")));
    cluster = std::make_unique<meridian::testing::ProcessCluster>(f.binary, nodes, flags);
    cluster->StartAll();
    std::map<meridian::txn::NodeId, std::string> addrs;
    for (uint64_t id : cluster->ids()) addrs[id] = cluster->address(id);
    rpc = std::make_unique<meridian::server::GrpcTxnRpc>(addrs);
    for (size_t r = 1; r <= splits.size() + 1; ++r) {
      CHECK_NE(cluster->WaitForLeaseholder(r, absl::Seconds(30)), 0u) << "range " << r;
    }
    map = *meridian::txn::RangeMap::FromSplits(splits);
    client = NewClient(0);
  }
  std::unique_ptr<TxnClient> NewClient(uint64_t nearest) {
    return std::make_unique<TxnClient>(map, rpc.get(), &true_time,
                                       meridian::txn::TxnClientOptions{.nearest_node = nearest});
  }

  meridian::clock::TrueTime true_time;
  std::unique_ptr<meridian::testing::ProcessCluster> cluster;
  std::unique_ptr<meridian::server::GrpcTxnRpc> rpc;
  meridian::txn::RangeMap map;
  std::unique_ptr<TxnClient> client;
};

absl::Status ReadModifyWrite(TxnClient& c, const std::string& key, meridian::txn::CommitStats* st) {
  std::unique_ptr<Txn> t = c.Begin();
  absl::StatusOr<std::optional<std::string>> v = t->Get(key);
  if (!v.ok()) return v.status();
  if (absl::Status s = t->Put(key, "v"); !s.ok()) return s;
  absl::StatusOr<Timestamp> ts = t->Commit();
  if (!ts.ok()) return ts.status();
  if (st != nullptr) *st = t->commit_stats();
  return absl::OkStatus();
}

// Runs `op` for `seconds` on `clients` threads; returns operations per second.
template <typename Op>
double Throughput(int clients, int seconds, Op op) {
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        if (op(c, i)) ++done;
      }
    });
  }
  absl::SleepFor(absl::Seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return static_cast<double>(done) / seconds;
}

void Table3(const Flags& f) {
  std::printf(
      "| replicas | write latency ms (mean / p99) | of which commit wait ms | write txn/s "
      "(%d clients) | read-only ms (mean / p99) | read-only txn/s | snapshot read ms "
      "(mean / p99) | snapshot reads/s |\n|---|---|---|---|---|---|---|---|\n",
      f.clients);
  for (int replicas : f.replicas) {
    Bench b(f, replicas, {});
    TxnClient& c = *b.client;
    // Warm up the connections and caches.
    for (int i = 0; i < 50; ++i) (void)ReadModifyWrite(c, absl::StrCat("w", i), nullptr);
    Samples write, wait;
    const absl::Time end = absl::Now() + absl::Seconds(f.seconds);
    for (int i = 0; absl::Now() < end; ++i) {
      meridian::txn::CommitStats st;
      const absl::Time t0 = absl::Now();
      if (ReadModifyWrite(c, absl::StrCat("k", i % 100), &st).ok()) {
        write.Add(absl::Now() - t0);
        wait.Add(st.commit_wait);
      }
    }
    const double write_tps = Throughput(f.clients, f.seconds, [&](int cl, int i) {
      return ReadModifyWrite(c, absl::StrCat("c", cl, "-", i % 50), nullptr).ok();
    });
    Samples ro;
    const absl::Time end2 = absl::Now() + absl::Seconds(f.seconds);
    for (int i = 0; absl::Now() < end2; ++i) {
      const absl::Time t0 = absl::Now();
      std::unique_ptr<Txn> t = c.Begin({.mode = TxnMode::kReadOnly});
      if (t->Get(absl::StrCat("k", i % 100)).ok()) ro.Add(absl::Now() - t0);
    }
    const double ro_tps = Throughput(f.clients, f.seconds, [&](int, int i) {
      std::unique_ptr<Txn> t = c.Begin({.mode = TxnMode::kReadOnly});
      return t->Get(absl::StrCat("k", i % 100)).ok();
    });
    // Snapshot reads at the replica on the last node (a follower unless it leads).
    std::unique_ptr<TxnClient> near = b.NewClient(static_cast<uint64_t>(replicas));
    auto snapshot_read = [&](int i) {
      const Timestamp at{absl::ToUnixNanos(absl::Now()) - 100'000'000, 0};
      std::unique_ptr<Txn> t = near->Begin({.mode = TxnMode::kReadOnly, .read_timestamp = at});
      return t->Get(absl::StrCat("k", i % 100)).ok();
    };
    Samples snap;
    const absl::Time end3 = absl::Now() + absl::Seconds(f.seconds);
    for (int i = 0; absl::Now() < end3; ++i) {
      const absl::Time t0 = absl::Now();
      if (snapshot_read(i)) snap.Add(absl::Now() - t0);
    }
    const double snap_tps =
        Throughput(f.clients, f.seconds, [&](int, int i) { return snapshot_read(i); });
    std::printf("| %d | %.2f / %.2f | %.2f | %.0f | %.2f / %.2f | %.0f | %.2f / %.2f | %.0f |\n",
                replicas, write.Mean(), write.Pct(0.99), wait.Mean(), write_tps, ro.Mean(),
                ro.Pct(0.99), ro_tps, snap.Mean(), snap.Pct(0.99), snap_tps);
    std::fflush(stdout);
  }
}

void Table4(const Flags& f) {
  std::vector<std::string> splits;
  for (int i = 1; i < 10; ++i) splits.push_back(absl::StrCat("r", i));
  Bench b(f, 3, splits);
  TxnClient& c = *b.client;
  std::printf(
      "| participants | latency ms (mean / p99) | prepare round ms | coordinator Paxos ms | "
      "commit wait ms | commits |\n|---|---|---|---|---|---|\n");
  for (int p : f.participants) {
    auto commit = [&](int i, meridian::txn::CommitStats* st) {
      std::unique_ptr<Txn> t = c.Begin();
      for (int r = 0; r < p; ++r) {
        if (!t->Put(absl::StrCat("r", r, "/k", i % 100), "v").ok()) return false;
      }
      if (!t->Commit().ok()) return false;
      *st = t->commit_stats();
      return true;
    };
    meridian::txn::CommitStats st;
    for (int i = 0; i < 20; ++i) (void)commit(i, &st);
    Samples lat, prep, repl, wait;
    const absl::Time end = absl::Now() + absl::Seconds(f.seconds);
    for (int i = 0; absl::Now() < end; ++i) {
      const absl::Time t0 = absl::Now();
      if (!commit(i, &st)) continue;
      lat.Add(absl::Now() - t0);
      prep.Add(st.prepare);
      repl.Add(st.replicate);
      wait.Add(st.commit_wait);
    }
    std::printf("| %d | %.2f / %.2f | %.2f | %.2f | %.2f | %zu |\n", p, lat.Mean(), lat.Pct(0.99),
                prep.Mean(), repl.Mean(), wait.Mean(), lat.ms.size());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Flags f = Parse(argc, argv);
  if (f.table == 3) {
    Table3(f);
  } else if (f.table == 4) {
    Table4(f);
  } else {
    std::fprintf(stderr, "--table must be 3 or 4\n");
    return 2;
  }
  return 0;
}
