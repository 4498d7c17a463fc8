// Seeds of the transactional simulation (a bank over several Paxos groups, with crashes,
// partitions, message faults and clock skew). A failing seed prints every violation and
// replays exactly with
//   MERIDIAN_SIM_SEED=<seed> ./txn_sim_test --gtest_filter=TxnSim.OneSeed
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "common/logging.h"
#include "gtest/gtest.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/txn_cluster.h"

namespace meridian::sim {
namespace {

class Quiet : public ::testing::Environment {
 public:
  // Recovery logs a line per aborted or in-doubt transaction; thousands per run.
  void SetUp() override { SetMinLogLevel(LogLevel::kWarning); }
};
const auto* const kQuiet = ::testing::AddGlobalTestEnvironment(new Quiet);

TxnSimResult RunSeeds(uint64_t first, uint64_t count, int64_t chaos_ns) {
  int failures = 0;
  TxnSimResult total;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    TxnSimOptions o;
    o.seed = seed;
    o.chaos_ns = chaos_ns;
    TxnSimResult r = RunTxnSimulation(o);
    total.committed += r.committed;
    total.multi_range += r.multi_range;
    total.read_only_parts += r.read_only_parts;
    total.uncertain += r.uncertain;
    total.restarts += r.restarts;
    total.audits += r.audits;
    total.crashes += r.crashes;
    total.partitions += r.partitions;
    total.snapshots += r.snapshots;
    total.messages += r.messages;
    total.events += r.events;
    if (!r.ok()) {
      ++failures;
      for (const std::string& v : r.violations) ADD_FAILURE() << v;
      if (failures >= 3) break;
    }
  }
  std::printf("seeds %llu..%llu: %s\n", static_cast<unsigned long long>(first),
              static_cast<unsigned long long>(first + count - 1), total.Summary().c_str());
  return total;
}

// A few hundred seeds in make test, in shards so ctest runs them in parallel (a fifth of them
// under the sanitizers, see CMakeLists.txt).
class TxnSimShard : public ::testing::TestWithParam<int> {};

TEST_P(TxnSimShard, BankUnderMixedFaults) {
  constexpr int kSeedsPerShard = 25 / MERIDIAN_SIM_SEED_DIVISOR;
  TxnSimResult r = RunSeeds(1 + GetParam() * kSeedsPerShard, kSeedsPerShard, 6'000'000'000);
  EXPECT_GT(r.committed, 0);
  EXPECT_GT(r.multi_range, 0);
  EXPECT_GT(r.read_only_parts, 0);
  EXPECT_GT(r.audits, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, TxnSimShard, ::testing::Range(0, 8));

TEST(TxnSim, OneSeed) {
  TxnSimOptions o;
  o.seed = EnvInt("MERIDIAN_SIM_SEED", 7);
  o.chaos_ns = EnvInt("MERIDIAN_SIM_CHAOS_MS", 8000) * int64_t{1'000'000};
  TxnSimResult r = RunTxnSimulation(o);
  for (const std::string& v : r.violations) ADD_FAILURE() << v;
  std::printf("seed %llu: %s\n", static_cast<unsigned long long>(o.seed), r.Summary().c_str());
  EXPECT_GT(r.committed, 50);
  EXPECT_GT(r.audits, 10);
}

TEST(TxnSim, SameSeedReplaysExactly) {
  TxnSimOptions o;
  o.seed = 42;
  o.chaos_ns = 3'000'000'000;
  TxnSimResult a = RunTxnSimulation(o);
  TxnSimResult b = RunTxnSimulation(o);
  EXPECT_EQ(a.Summary(), b.Summary());
}

// Without faults, no transfer is ever uncertain and all of them commit.
TEST(TxnSim, NoFaultsNoUncertainty) {
  TxnSimOptions o;
  o.seed = 3;
  o.crashes = o.partitions = o.message_faults = o.clock_faults = false;
  TxnSimResult r = RunTxnSimulation(o);
  for (const std::string& v : r.violations) ADD_FAILURE() << v;
  EXPECT_EQ(r.uncertain, 0);
  EXPECT_GT(r.committed, 100);
}

// Runs seeds 1..max_seeds without faults, each with `sabotage` applied, until the checkers
// report a violation; true if one did (the first is printed).
bool SabotageCaught(uint64_t max_seeds, const std::function<void(TxnSimOptions*)>& sabotage) {
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    TxnSimOptions o;
    o.seed = seed;
    o.chaos_ns = 2'000'000'000;
    o.crashes = o.partitions = o.message_faults = false;
    sabotage(&o);
    TxnSimResult r = RunTxnSimulation(o);
    if (r.ok()) continue;
    std::printf("seed %llu caught, as intended: %s\n", static_cast<unsigned long long>(seed),
                r.violations[0].substr(0, 300).c_str());
    return true;
  }
  return false;
}

// The checkers are not vacuous: transfers that read without locks lose updates, and the
// bank audit or the serializability checker says so.
TEST(TxnSim, UnlockedReadsAreCaught) {
  EXPECT_TRUE(SabotageCaught(5, [](TxnSimOptions* o) { o->unsafe_unlocked_reads = true; }));
}

// Nor are the read-only participants' holds: a client that releases a range it only read
// before its commit lets a writer there commit below the transfer's timestamp, and the
// serializability checker sees the transfer's read of a value already overwritten.
TEST(TxnSim, ReleasingReadOnlyRangesBeforeTheCommitIsCaught) {
  EXPECT_TRUE(SabotageCaught(10, [](TxnSimOptions* o) {
    o->transfer_clients = 6;
    o->unsafe_early_release = true;
  }));
}

// make soak: thousands of seeds, longer chaos.
TEST(TxnSimSoak, ManySeeds) {
  const int seeds = EnvInt("MERIDIAN_SOAK_SEEDS", 2000);
  TxnSimResult r = RunSeeds(100000, seeds, 15'000'000'000);
  EXPECT_GT(r.committed, 0);
}

}  // namespace
}  // namespace meridian::sim
