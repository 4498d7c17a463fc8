#include "common/clock/physical_clock.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace meridian::clock {
namespace {

TEST(SystemClockTest, ReadsNanosecondsSinceTheUnixEpoch) {
  const int64_t before = absl::ToUnixNanos(absl::Now());
  const int64_t reading = SystemClock::Default()->NowNanos();
  const int64_t after = absl::ToUnixNanos(absl::Now());
  // Same underlying clock; allow a generous margin for an NTP step between the calls.
  EXPECT_GE(reading, before - 100'000'000);
  EXPECT_LE(reading, after + 100'000'000);
}

TEST(SystemClockTest, DefaultIsASingleton) {
  EXPECT_EQ(SystemClock::Default(), SystemClock::Default());
}

TEST(SystemClockTest, SleepLetsAtLeastThatMuchTimePass) {
  constexpr int64_t kSleepNs = 3'000'000;
  const auto start = std::chrono::steady_clock::now();
  SystemClock::Default()->SleepForNanos(kSleepNs);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(), kSleepNs);
}

TEST(ManualClockTest, MovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowNanos(), 1000);
  EXPECT_EQ(clock.NowNanos(), 1000);
  clock.Advance(5);
  EXPECT_EQ(clock.NowNanos(), 1005);
  clock.Set(10);  // Backwards, as a clock step would.
  EXPECT_EQ(clock.NowNanos(), 10);
}

TEST(ManualClockTest, SleepAdvancesTheClockInsteadOfBlocking) {
  ManualClock clock(1000);
  clock.SleepForNanos(3'600'000'000'000);  // An hour, instantly.
  EXPECT_EQ(clock.NowNanos(), 1000 + 3'600'000'000'000);
  clock.SleepForNanos(0);
  clock.SleepForNanos(-7);
  EXPECT_EQ(clock.NowNanos(), 1000 + 3'600'000'000'000);
}

TEST(ManualClockTest, ConcurrentAdvancesAreNotLost) {
  ManualClock clock(0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&clock] {
      for (int j = 0; j < 10000; ++j) {
        if (j % 2 == 0) {
          clock.Advance(1);
        } else {
          clock.SleepForNanos(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.NowNanos(), 40000);
}

}  // namespace
}  // namespace meridian::clock
