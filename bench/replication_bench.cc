// Replicated write throughput and latency on real `meridian start` processes on loopback.
//
//   replication_bench --binary=build/cmd/meridian [--nodes=3] [--ranges=1] [--clients=64]
//                     [--batch=1] [--seconds=10] [--value-bytes=100] [--epsilon-us=1000]
//                     [--no-sync]
// With --batch=N each request is an atomic BATCH of N writes (one Paxos command); writes/s
// and latencies then count each write (latency = its request's).
//
// Each client thread sends PUTs of distinct keys to the leaseholder of a range (ranges are
// spread over clients round-robin) and waits for the acknowledgement, which comes after
// the Paxos commit, the leader's apply and commit wait. Prints one result line.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cmd/flags.h"
#include "common/logging.h"
#include "tests/integration/process_cluster.h"

namespace {

struct Flags {
  std::string binary = "build/cmd/meridian";
  int nodes = 3, ranges = 1, clients = 64, seconds = 10, value_bytes = 100, batch = 1;
  int64_t epsilon_us = 1000;
  bool sync = true;
};

Flags Parse(int argc, char** argv) {
  meridian::cmd::ParsedArgs args =
      meridian::cmd::ParseArgsOrExit(argc - 1, argv + 1,
                                     {"binary", "nodes", "ranges", "clients", "seconds",
                                      "value-bytes", "batch", "epsilon-us", "no-sync"});
  Flags f;
  auto get = [&](const char* name, int64_t fallback) {
    return meridian::cmd::IntFlagOrExit(args, name, fallback);
  };
  if (args.flags.count("binary")) f.binary = args.flags["binary"];
  f.nodes = static_cast<int>(get("nodes", f.nodes));
  f.ranges = static_cast<int>(get("ranges", f.ranges));
  f.clients = static_cast<int>(get("clients", f.clients));
  f.seconds = static_cast<int>(get("seconds", f.seconds));
  f.value_bytes = static_cast<int>(get("value-bytes", f.value_bytes));
  f.batch = static_cast<int>(get("batch", f.batch));
  f.epsilon_us = get("epsilon-us", f.epsilon_us);
  f.sync = args.flags.count("no-sync") == 0;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  using meridian::testing::ProcessCluster;
  Flags f = Parse(argc, argv);
  std::vector<std::string> flags = {absl::StrCat("--ranges=", f.ranges), "--lease-ms=2000",
                                    absl::StrCat("--epsilon-us=", f.epsilon_us)};
  if (!f.sync) flags.push_back("--no-sync");
  ProcessCluster cluster(f.binary, f.nodes, flags);
  cluster.StartAll();
  std::map<uint64_t, uint64_t> leaseholder;  // range -> node
  for (int r = 1; r <= f.ranges; ++r) {
    leaseholder[r] = cluster.WaitForLeaseholder(r, absl::Seconds(30));
    CHECK(leaseholder[r] != 0) << "range " << r << " has no leaseholder";
  }
  std::map<uint64_t, int> leaders_per_node;
  for (auto& [r, n] : leaseholder) leaders_per_node[n]++;

  std::atomic<bool> stop{false}, measuring{false};
  std::vector<std::vector<double>> latencies(f.clients);
  std::atomic<int64_t> errors{0};
  std::vector<std::atomic<int64_t>> range_ok(f.ranges + 1), range_err(f.ranges + 1);
  std::vector<std::thread> threads;
  std::string value(f.value_bytes, 'v');
  for (int c = 0; c < f.clients; ++c) {
    threads.emplace_back([&, c] {
      uint64_t range = 1 + c % f.ranges;
      auto client = meridian::server::NodeClient::Connect(cluster.address(leaseholder[range]));
      CHECK(client.ok());
      meridian::proto::KvRequest req;
      req.set_range_id(range);
      req.set_op(f.batch > 1 ? meridian::proto::KvRequest::BATCH : meridian::proto::KvRequest::PUT);
      req.set_value(value);
      for (int64_t i = 0; !stop; ++i) {
        req.set_key(absl::StrCat("c", c, "/", i));
        req.clear_writes();
        for (int b = 0; f.batch > 1 && b < f.batch; ++b) {
          meridian::proto::KvWrite* w = req.add_writes();
          w->set_key(absl::StrCat("c", c, "/", i, "/", b));
          w->set_value(value);
        }
        absl::Time start = absl::Now();
        auto r = (*client)->Kv(req, absl::Seconds(10));
        double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        if (!r.ok() || r->code() != 0) {
          range_err[range]++;
          if (errors++ == 0) {
            std::fprintf(stderr, "first error: %s\n",
                         r.ok() ? r->message().c_str() : r.status().ToString().c_str());
          }
          continue;
        }
        range_ok[range]++;
        if (measuring) {
          for (int b = 0; b < std::max(1, f.batch); ++b) latencies[c].push_back(ms);
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(2));  // warm up
  measuring = true;
  absl::Time t0 = absl::Now();
  absl::SleepFor(absl::Seconds(f.seconds));
  measuring = false;
  double elapsed = absl::ToDoubleSeconds(absl::Now() - t0);
  stop = true;
  for (auto& t : threads) t.join();
  if (errors > 0 || std::getenv("BENCH_STATUS") != nullptr) {
    for (int r = 1; r <= f.ranges; ++r) {
      std::fprintf(stderr, "range %d: clients sent to node %llu: %lld ok, %lld errors\n", r,
                   (unsigned long long)leaseholder[r], (long long)range_ok[r].load(),
                   (long long)range_err[r].load());
    }
    for (uint64_t id : cluster.ids()) {
      auto st = cluster.client(id)->Status(absl::Seconds(2));
      if (!st.ok()) continue;
      for (const auto& r : st->ranges()) {
        std::fprintf(stderr,
                     "node %llu range %llu %s%s ballot=%llu.%llu learned=%llu applied=%llu "
                     "next=%llu queued=%llu inflight=%llu\n",
                     (unsigned long long)id, (unsigned long long)r.range_id(), r.role().c_str(),
                     r.has_lease() ? "*" : "", (unsigned long long)r.ballot().round(),
                     (unsigned long long)r.ballot().node(), (unsigned long long)r.learned_index(),
                     (unsigned long long)r.applied_index(), (unsigned long long)r.next_slot(),
                     (unsigned long long)r.queued(), (unsigned long long)r.inflight());
      }
    }
  }
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0 : all[static_cast<size_t>(p * (all.size() - 1))];
  };
  std::printf(
      "nodes=%d ranges=%d clients=%d batch=%d value=%dB sync=%d eps=%lldus leaders_on_nodes=%zu: "
      "%.0f writes/s  p50=%.2fms p99=%.2fms  errors=%lld\n",
      f.nodes, f.ranges, f.clients, f.batch, f.value_bytes, f.sync ? 1 : 0,
      static_cast<long long>(f.epsilon_us), leaders_per_node.size(), all.size() / elapsed, pct(0.5),
      pct(0.99), static_cast<long long>(errors.load()));
  return 0;
}
