#include "common/clock/simulated_clock.h"

#include <cmath>
#include <cstdint>

#include "gtest/gtest.h"

namespace meridian::clock {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000'000;  // November 2023.
constexpr int64_t kSecond = 1'000'000'000;

TEST(SimTimeTest, AdvancesAndSets) {
  SimTime sim(kStart);
  EXPECT_EQ(sim.Now(), kStart);
  sim.Advance(42);
  EXPECT_EQ(sim.Now(), kStart + 42);
  sim.Set(7);
  EXPECT_EQ(sim.Now(), 7);
}

TEST(SimulatedClockTest, ReadsTrueTimePlusSkewPlusDrift) {
  SimTime sim(kStart);
  SimulatedClock fast(&sim, /*skew_ns=*/5000, /*drift_ppm=*/100);
  SimulatedClock slow(&sim, /*skew_ns=*/-3000, /*drift_ppm=*/-50);
  EXPECT_EQ(fast.NowNanos(), kStart + 5000);
  EXPECT_EQ(slow.NowNanos(), kStart - 3000);

  sim.Advance(kSecond);  // 100 ppm of a second is 100 us; 50 ppm is 50 us.
  EXPECT_EQ(fast.NowNanos(), kStart + kSecond + 5000 + 100'000);
  EXPECT_EQ(fast.OffsetNanos(), 105'000);
  EXPECT_EQ(slow.NowNanos(), kStart + kSecond - 3000 - 50'000);
  EXPECT_EQ(slow.OffsetNanos(), -53'000);
}

TEST(SimulatedClockTest, ResyncStepsTheClockAndRestartsTheDrift) {
  SimTime sim(kStart);
  SimulatedClock clock(&sim, 5000, 100);
  sim.Advance(kSecond);
  ASSERT_EQ(clock.OffsetNanos(), 105'000);

  clock.Resync(-2000, -10);  // A step backwards by 107 us.
  EXPECT_EQ(clock.skew_ns(), -2000);
  EXPECT_EQ(clock.drift_ppm(), -10);
  EXPECT_EQ(clock.NowNanos(), sim.Now() - 2000);
  sim.Advance(2 * kSecond);
  EXPECT_EQ(clock.OffsetNanos(), -2000 - 20'000);
}

TEST(SimulatedClockTest, SleepAdvancesTrueTimeByWhatTheLocalClockNeeds) {
  for (const double drift_ppm : {0.0, 250.0, -250.0, 123.456, 100'000.0, -100'000.0}) {
    SCOPED_TRACE(drift_ppm);
    SimTime sim(kStart);
    SimulatedClock clock(&sim, -777, drift_ppm);
    sim.Advance(3 * kSecond);
    for (const int64_t ns : {int64_t{1}, int64_t{999}, kSecond, 3600 * kSecond}) {
      SCOPED_TRACE(ns);
      const int64_t local_before = clock.NowNanos();
      const int64_t true_before = sim.Now();
      clock.SleepForNanos(ns);
      const int64_t local_slept = clock.NowNanos() - local_before;
      const int64_t true_slept = sim.Now() - true_before;
      // The local clock advanced by at least ns, and by no more than one true nanosecond's
      // worth beyond it.
      EXPECT_GE(local_slept, ns);
      EXPECT_LE(local_slept, ns + 2);
      const double expected_true = static_cast<double>(ns) / (1 + drift_ppm * 1e-6);
      EXPECT_NEAR(static_cast<double>(true_slept), expected_true, 2);
    }
  }
}

TEST(SimulatedClockTest, SleepIsANoOpForNonPositiveDurations) {
  SimTime sim(kStart);
  SimulatedClock clock(&sim, 0, 10);
  clock.SleepForNanos(0);
  clock.SleepForNanos(-5);
  EXPECT_EQ(sim.Now(), kStart);
}

TEST(SimulatedClockTest, NodesShareTrueTime) {
  SimTime sim(kStart);
  SimulatedClock a(&sim, 1000, 0);
  SimulatedClock b(&sim, -1000, 0);
  a.SleepForNanos(kSecond);
  EXPECT_EQ(sim.Now(), kStart + kSecond);
  EXPECT_EQ(b.NowNanos(), kStart + kSecond - 1000);
}

}  // namespace
}  // namespace meridian::clock
