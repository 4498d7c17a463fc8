#include "common/clock/true_time.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/clock/physical_clock.h"
#include "common/clock/simulated_clock.h"
#include "common/timestamp.h"
#include "gtest/gtest.h"

namespace meridian::clock {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000'000;  // November 2023.
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

int64_t HalfWidth(const TimeInterval& i) { return (i.latest_ns - i.earliest_ns) / 2; }

// ---------------------------------------------------------------------------------------------
// The interval on a hand-driven clock.

TEST(TrueTimeTest, IntervalIsEpsilonAroundTheReadingRightAfterSync) {
  ManualClock clock(kStart);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = 1000, .max_drift_ppm = 200});
  EXPECT_EQ(tt.Now(), (TimeInterval{kStart - 1000, kStart + 1000}));
}

TEST(TrueTimeTest, UncertaintyGrowsWithTimeSinceSyncAndResetsOnMarkSynchronized) {
  ManualClock clock(kStart);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 100});
  int64_t previous = HalfWidth(tt.Now());
  EXPECT_EQ(previous, kMs);
  for (int i = 1; i <= 10; ++i) {
    clock.Advance(kSecond);
    const TimeInterval now = tt.Now();
    EXPECT_EQ(now.earliest_ns + now.latest_ns, 2 * clock.NowNanos()) << "centred on the reading";
    EXPECT_GT(HalfWidth(now), previous);
    previous = HalfWidth(now);
  }
  // 10 s at 100 ppm: 1 ms / (1 - 1e-4) = 1000100.01 ns, rounded up.
  EXPECT_EQ(previous, kMs + 1'000'101);

  tt.MarkSynchronized();
  EXPECT_EQ(HalfWidth(tt.Now()), kMs);
  clock.Advance(kSecond);
  EXPECT_EQ(HalfWidth(tt.Now()), kMs + 100'011);  // 100010.001 rounded up.

  // Construction counts as a synchronization.
  TrueTime fresh(&clock, tt.options());
  EXPECT_EQ(HalfWidth(fresh.Now()), kMs);
}

TEST(TrueTimeTest, NoDriftMeansConstantUncertainty) {
  ManualClock clock(kStart);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = 5 * kMs, .max_drift_ppm = 0});
  clock.Advance(24 * 3600 * kSecond);
  EXPECT_EQ(HalfWidth(tt.Now()), 5 * kMs);
}

TEST(TrueTimeTest, AClockSteppedBackWithoutResyncKeepsAtLeastEpsilon) {
  ManualClock clock(kStart);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 200});
  clock.Set(kStart - kSecond);
  EXPECT_EQ(HalfWidth(tt.Now()), kMs);
}

TEST(TrueTimeTest, AfterAndBeforeAreStrictlyOutsideTheInterval) {
  ManualClock clock(1'000'000);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = 10, .max_drift_ppm = 0});
  ASSERT_EQ(tt.Now(), (TimeInterval{999'990, 1'000'010}));
  EXPECT_TRUE(tt.After(999'989));
  EXPECT_FALSE(tt.After(999'990));
  EXPECT_FALSE(tt.After(1'000'000));
  EXPECT_TRUE(tt.Before(1'000'011));
  EXPECT_FALSE(tt.Before(1'000'010));
  EXPECT_FALSE(tt.Before(1'000'000));

  // Timestamps compare on their wall part.
  constexpr uint32_t kMaxLogical = std::numeric_limits<uint32_t>::max();
  EXPECT_TRUE(tt.After(Timestamp{999'989, kMaxLogical}));
  EXPECT_FALSE(tt.After(Timestamp{999'990, 0}));
  EXPECT_TRUE(tt.Before(Timestamp{1'000'011, 0}));
  EXPECT_FALSE(tt.Before(Timestamp{1'000'010, kMaxLogical}));
}

// ---------------------------------------------------------------------------------------------
// Commit wait.

TEST(TrueTimeTest, CommitWaitNanosIsTheExactWaitNeeded) {
  std::mt19937_64 rng(1);
  for (const double drift_ppm : {0.0, 200.0, 5000.0}) {
    for (int i = 0; i < 300; ++i) {
      SCOPED_TRACE(absl::StrFormat("drift_ppm=%f i=%d", drift_ppm, i));
      ManualClock clock(kStart);
      TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = 3 * kMs, .max_drift_ppm = drift_ppm});
      clock.Advance(static_cast<int64_t>(rng() % (600 * kSecond)));  // Age since sync.
      const int64_t now = clock.NowNanos();
      const Timestamp t{now - 10 * kMs + static_cast<int64_t>(rng() % (10 * kSecond)),
                        static_cast<uint32_t>(rng())};
      const int64_t wait = tt.CommitWaitNanos(t);
      ASSERT_GE(wait, 0);
      if (wait == 0) {
        EXPECT_TRUE(tt.After(t));
        continue;
      }
      clock.Advance(wait - 1);
      EXPECT_FALSE(tt.After(t)) << "waited longer than needed";
      clock.Advance(1);
      EXPECT_TRUE(tt.After(t)) << "did not wait long enough";
      EXPECT_EQ(tt.CommitWaitNanos(t), 0);
    }
  }
}

TEST(TrueTimeTest, CommitWaitOnAManualClockSleepsExactlyTheNeededTime) {
  ManualClock clock(kStart);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = 2 * kMs, .max_drift_ppm = 200});
  clock.Advance(30 * kSecond);
  const Timestamp t{tt.Now().latest_ns, 0};
  const int64_t wait = tt.CommitWaitNanos(t);
  // From latest to beyond earliest: a little over twice the (growing) uncertainty.
  EXPECT_GT(wait, 2 * HalfWidth(tt.Now()));
  const int64_t before = clock.NowNanos();
  tt.CommitWait(t);
  EXPECT_EQ(clock.NowNanos() - before, wait);
  EXPECT_TRUE(tt.After(t));
}

TEST(TrueTimeTest, CommitWaitOnTheSystemClockWaitsOutTheUncertainty) {
  SystemClock* clock = SystemClock::Default();
  TrueTime tt(clock, TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 200});
  const Timestamp t{tt.Now().latest_ns, 0};
  EXPECT_GT(tt.CommitWaitNanos(t), 19 * kMs / 10);  // About 2 * epsilon still to go.
  const auto start = std::chrono::steady_clock::now();
  tt.CommitWait(t);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(tt.After(t));
  EXPECT_EQ(tt.CommitWaitNanos(t), 0);
  // The reading had to move from t - epsilon to past t + epsilon. Allow for NTP slewing of
  // CLOCK_REALTIME against the steady clock.
  EXPECT_GE(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(), 19 * kMs / 10);
}

TEST(TrueTimeTest, CommitWaitForAPastTimestampReturnsAtOnce) {
  ManualClock clock(kStart);
  TrueTime tt(&clock, TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 200});
  const Timestamp past{kStart - 2 * kMs, 0};
  EXPECT_EQ(tt.CommitWaitNanos(past), 0);
  tt.CommitWait(past);
  EXPECT_EQ(clock.NowNanos(), kStart);
}

// ---------------------------------------------------------------------------------------------
// Simulated clusters: the interval must contain true time whenever the clocks honour the bound.

// Draws values in [-bound, bound], hitting both ends often: the ends are where a wrong bound
// shows.
class BoundedDraw {
 public:
  explicit BoundedDraw(uint64_t seed) : rng_(seed) {}

  double Uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng_); }
  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  double Within(double bound) {
    switch (Int(0, 4)) {
      case 0:
        return -bound;
      case 1:
        return bound;
      default:
        return Uniform(-bound, bound);
    }
  }
  // A step of true time: usually up to a couple of seconds, sometimes minutes.
  int64_t Step() {
    switch (Int(0, 9)) {
      case 0:
        return Int(0, 1000);
      case 1:
        return Int(0, 600 * kSecond);
      default:
        return Int(0, 2 * kSecond);
    }
  }

 private:
  std::mt19937_64 rng_;
};

struct SimParams {
  int nodes = 5;
  int steps = 1000;
  // Multiplies each drawn skew / drift; above 1 the clocks leave the bound.
  double skew_scale = 1;
  double drift_scale = 1;
  // Fixed bounds; by default each seed draws its own.
  std::optional<TrueTimeOptions> options;
};

struct SimOutcome {
  std::optional<std::string> violation;  // The first interval that missed true time.
  double max_error_ratio = 0;            // max |reading - true| / half-width over all checks.
  int64_t checks = 0;
  int64_t resyncs = 0;
};

// Runs `params.nodes` nodes with random clock errors and random resync schedules over a long
// stretch of simulated time, checking every node's TrueTime interval at every step.
SimOutcome RunSawtooth(uint64_t seed, const SimParams& params) {
  BoundedDraw draw(seed);
  const TrueTimeOptions options = params.options.value_or(
      TrueTimeOptions{.epsilon_ns = draw.Int(0, 7 * kMs),
                      .max_drift_ppm = draw.Int(0, 3) == 0 ? 0 : draw.Uniform(0, 500)});
  auto skew = [&] {
    return std::llround(draw.Within(static_cast<double>(options.epsilon_ns)) * params.skew_scale);
  };
  auto drift = [&] { return draw.Within(options.max_drift_ppm) * params.drift_scale; };

  SimTime sim(kStart);
  struct Node {
    std::unique_ptr<SimulatedClock> clock;
    std::unique_ptr<TrueTime> tt;
    int64_t next_resync_ns;
  };
  auto next_resync = [&] { return sim.Now() + draw.Int(kSecond, 900 * kSecond); };
  std::vector<Node> nodes;
  for (int i = 0; i < params.nodes; ++i) {
    auto clock = std::make_unique<SimulatedClock>(&sim, skew(), drift());
    auto tt = std::make_unique<TrueTime>(clock.get(), options);
    nodes.push_back(Node{std::move(clock), std::move(tt), next_resync()});
  }

  SimOutcome out;
  for (int step = 0; step < params.steps; ++step) {
    sim.Advance(draw.Step());
    for (size_t i = 0; i < nodes.size(); ++i) {
      Node& node = nodes[i];
      if (sim.Now() >= node.next_resync_ns) {
        node.clock->Resync(skew(), drift());
        node.tt->MarkSynchronized();
        node.next_resync_ns = next_resync();
        ++out.resyncs;
      }
      const int64_t true_ns = sim.Now();
      const TimeInterval interval = node.tt->Now();
      ++out.checks;
      if (!interval.Contains(true_ns)) {
        out.violation = absl::StrFormat(
            "seed %d step %d node %d: true time %d outside [%d, %d] (skew %d, drift %f ppm, "
            "epsilon %d, max drift %f ppm)",
            seed, step, i, true_ns, interval.earliest_ns, interval.latest_ns, node.clock->skew_ns(),
            node.clock->drift_ppm(), options.epsilon_ns, options.max_drift_ppm);
        return out;
      }
      const int64_t half_width = HalfWidth(interval);
      if (half_width > 0) {
        out.max_error_ratio =
            std::max(out.max_error_ratio, std::abs(static_cast<double>(node.clock->OffsetNanos())) /
                                              static_cast<double>(half_width));
      }
    }
  }
  return out;
}

TEST(TrueTimeSimulationTest, IntervalAlwaysContainsTrueTimeWhenClocksStayInBounds) {
  double max_error_ratio = 0;
  int64_t checks = 0;
  int64_t resyncs = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const SimOutcome out = RunSawtooth(seed, SimParams{});
    ASSERT_FALSE(out.violation.has_value()) << *out.violation;
    max_error_ratio = std::max(max_error_ratio, out.max_error_ratio);
    checks += out.checks;
    resyncs += out.resyncs;
  }
  EXPECT_EQ(checks, 200 * 5 * 1000);
  EXPECT_GT(resyncs, 1000);
  // The check is not vacuous: some clock came within a hair of its interval's edge.
  EXPECT_GT(max_error_ratio, 0.999);
}

TEST(TrueTimeSimulationTest, CheckerCatchesSkewBeyondEpsilon) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const SimOutcome out = RunSawtooth(seed, SimParams{.skew_scale = 1.5});
    EXPECT_TRUE(out.violation.has_value()) << "seed " << seed;
  }
}

TEST(TrueTimeSimulationTest, CheckerCatchesDriftBeyondTheBound) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const SimOutcome out = RunSawtooth(
        seed, SimParams{.drift_scale = 2,
                        .options = TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 200}});
    EXPECT_TRUE(out.violation.has_value()) << "seed " << seed;
  }
}

TEST(TrueTimeSimulationTest, SkewJustBeyondEpsilonIsOutsideTheInterval) {
  SimTime sim(kStart);
  const TrueTimeOptions options{.epsilon_ns = kMs, .max_drift_ppm = 200};
  SimulatedClock ahead(&sim, kMs + 1, 0);
  SimulatedClock behind(&sim, -kMs - 1, 0);
  SimulatedClock at_bound(&sim, kMs, 0);
  EXPECT_FALSE(TrueTime(&ahead, options).Now().Contains(sim.Now()));
  EXPECT_FALSE(TrueTime(&behind, options).Now().Contains(sim.Now()));
  EXPECT_TRUE(TrueTime(&at_bound, options).Now().Contains(sim.Now()));
}

TEST(TrueTimeSimulationTest, ASlowClockAtTheDriftBoundIsCoveredTightly) {
  // Epsilon behind and losing 200 us/s: the worst case that the division by (1 - d) covers.
  // Without it the interval would miss true time by d^2 * elapsed (about 0.14 ms after an hour).
  SimTime sim(kStart);
  const TrueTimeOptions options{.epsilon_ns = kMs, .max_drift_ppm = 200};
  SimulatedClock clock(&sim, -kMs, -200);
  TrueTime tt(&clock, options);
  for (int minute = 0; minute <= 60; ++minute) {
    const TimeInterval interval = tt.Now();
    ASSERT_TRUE(interval.Contains(sim.Now())) << "minute " << minute;
    ASSERT_LE(interval.latest_ns - sim.Now(), 1) << "minute " << minute << ": bound not tight";
    sim.Advance(60 * kSecond);
  }
}

TEST(TrueTimeSimulationTest, CommitWaitMakesCommitOrderAgreeWithRealTime) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    BoundedDraw draw(seed);
    const TrueTimeOptions options{.epsilon_ns = draw.Int(kMs, 7 * kMs),
                                  .max_drift_ppm = draw.Uniform(0, 500)};
    auto skew = [&] { return std::llround(draw.Within(static_cast<double>(options.epsilon_ns))); };
    auto drift = [&] { return draw.Within(options.max_drift_ppm); };
    SimTime sim(kStart);
    std::vector<std::unique_ptr<SimulatedClock>> clocks;
    std::vector<std::unique_ptr<TrueTime>> tts;
    for (int i = 0; i < 3; ++i) {
      clocks.push_back(std::make_unique<SimulatedClock>(&sim, skew(), drift()));
      tts.push_back(std::make_unique<TrueTime>(clocks.back().get(), options));
    }

    // A chain of transactions, each starting (in true time) after the previous one's commit
    // became visible, each coordinated by a random node.
    int64_t previous_commit = std::numeric_limits<int64_t>::min();
    for (int txn = 0; txn < 200; ++txn) {
      SCOPED_TRACE(absl::StrFormat("seed %d txn %d", seed, txn));
      sim.Advance(draw.Step() / 100);
      const int n = static_cast<int>(draw.Int(0, 2));
      if (draw.Int(0, 9) == 0) {
        clocks[n]->Resync(skew(), drift());
        tts[n]->MarkSynchronized();
      }
      TrueTime& tt = *tts[n];
      const TimeInterval start = tt.Now();
      const Timestamp commit{start.latest_ns, 0};
      ASSERT_GT(commit.wall_ns, previous_commit) << "commit order disagrees with real time";

      const int64_t true_before = sim.Now();
      tt.CommitWait(commit);
      ASSERT_TRUE(tt.After(commit));
      ASSERT_GT(sim.Now(), commit.wall_ns) << "commit visible before its timestamp passed";
      // And the wait was not gratuitous: about twice the uncertainty.
      ASSERT_LE(sim.Now() - true_before, 2 * HalfWidth(start) * 101 / 100 + 10);
      previous_commit = commit.wall_ns;
    }
  }
}

}  // namespace
}  // namespace meridian::clock
