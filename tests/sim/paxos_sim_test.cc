// Seeds of the Paxos cluster simulation with mixed faults. Each shard runs its own range of
// seeds; a failing seed prints every violation and replays exactly with
//   MERIDIAN_SIM_SEED=<seed> MERIDIAN_SIM_CHAOS_MS=5000 ./paxos_sim_test
//       --gtest_filter=PaxosSim.OneSeed
#include <cstdlib>

#include "gtest/gtest.h"
#include "tests/sim/paxos_cluster.h"
#include "tests/sim/sim_network.h"

namespace meridian::sim {
namespace {

void RunSeeds(uint64_t first, uint64_t count, int64_t chaos_ns) {
  int failures = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    PaxosSimOptions o;
    o.seed = seed;
    o.chaos_ns = chaos_ns;
    PaxosSimResult r = RunPaxosSimulation(o);
    if (!r.ok()) {
      ++failures;
      for (const std::string& v : r.violations) ADD_FAILURE() << v;
      if (failures >= 3) return;
    }
  }
}

// 1,000 seeds in make test, split into shards so ctest can run them in parallel (a fifth of
// them under the sanitizers, see CMakeLists.txt).
class PaxosSimShard : public ::testing::TestWithParam<int> {};

TEST_P(PaxosSimShard, MixedFaults) {
  constexpr int kSeedsPerShard = 100 / MERIDIAN_SIM_SEED_DIVISOR;
  RunSeeds(1 + GetParam() * kSeedsPerShard, kSeedsPerShard, 5'000'000'000);
}

INSTANTIATE_TEST_SUITE_P(Seeds, PaxosSimShard, ::testing::Range(0, 10));

TEST(PaxosSim, OneSeed) {
  PaxosSimOptions o;
  o.seed = EnvInt("MERIDIAN_SIM_SEED", 7);
  o.chaos_ns = int64_t{EnvInt("MERIDIAN_SIM_CHAOS_MS", 20000)} * 1000000;
  PaxosSimResult r = RunPaxosSimulation(o);
  for (const std::string& v : r.violations) ADD_FAILURE() << v;
  std::printf("seed %llu: %s\n", static_cast<unsigned long long>(o.seed), r.Summary().c_str());
  EXPECT_GT(r.writes_acked, 50);
  EXPECT_GT(r.reads_served, 50);
}

TEST(PaxosSim, SameSeedReplaysExactly) {
  PaxosSimOptions o;
  o.seed = 42;
  o.chaos_ns = 3'000'000'000;
  PaxosSimResult a = RunPaxosSimulation(o);
  PaxosSimResult b = RunPaxosSimulation(o);
  EXPECT_EQ(a.Summary(), b.Summary());
  EXPECT_EQ(a.events, b.events);
}

// The checkers must be able to fail: replicas that serve reads without a lease produce
// stale reads under partitions, and the linearizability check (or lease check) catches it.
TEST(PaxosSim, UnsafeReadsAreCaught) {
  int caught = 0;
  for (uint64_t seed = 1; seed <= 20 && caught == 0; ++seed) {
    PaxosSimOptions o;
    o.seed = seed;
    o.chaos_ns = 5'000'000'000;
    o.unsafe_reads_without_lease = true;
    o.crashes = false;
    o.membership = false;
    PaxosSimResult r = RunPaxosSimulation(o);
    if (!r.ok()) {
      ++caught;
      std::printf("caught, as intended: %s\n", r.violations[0].c_str());
    }
  }
  EXPECT_GT(caught, 0);
}

// make soak: many more seeds, longer chaos.
TEST(PaxosSimSoak, ManySeeds) {
  int seeds = EnvInt("MERIDIAN_SOAK_SEEDS", 10000);
  RunSeeds(100000, seeds, 20'000'000'000);
}

}  // namespace
}  // namespace meridian::sim
