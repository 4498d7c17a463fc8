#include "common/clock/hlc.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/clock/physical_clock.h"
#include "common/timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::clock {
namespace {

using ::testing::HasSubstr;

// Runs `threads` callers of hlc.Now(), `calls` each, and checks that each caller saw strictly
// increasing timestamps and that no two callers ever got the same one.
void CheckConcurrentNowIsStrictlyIncreasing(Hlc& hlc, int threads, int calls) {
  std::vector<std::vector<Timestamp>> seen(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&hlc, &out = seen[i], calls] {
      out.reserve(calls);
      for (int j = 0; j < calls; ++j) out.push_back(hlc.Now());
    });
  }
  for (auto& w : workers) w.join();

  std::vector<Timestamp> all;
  for (int i = 0; i < threads; ++i) {
    for (size_t j = 1; j < seen[i].size(); ++j) {
      ASSERT_LT(seen[i][j - 1], seen[i][j])
          << "thread " << i << " call " << j << ": " << seen[i][j - 1].ToString() << " then "
          << seen[i][j].ToString();
    }
    all.insert(all.end(), seen[i].begin(), seen[i].end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(threads) * calls);
  std::sort(all.begin(), all.end());
  const auto dup = std::adjacent_find(all.begin(), all.end());
  EXPECT_EQ(dup, all.end()) << "timestamp handed out twice: " << dup->ToString();
  EXPECT_EQ(hlc.Last(), all.back());
}

TEST(HlcTest, ConcurrentCallersOnTheSystemClockGetDistinctIncreasingTimestamps) {
  Hlc hlc(SystemClock::Default());
  CheckConcurrentNowIsStrictlyIncreasing(hlc, /*threads=*/8, /*calls=*/20000);
}

// A clock stuck at one reading, without a lock of its own, so that callers of Hlc::Now() on
// it contend only on the HLC.
class StuckClock : public PhysicalClock {
 public:
  int64_t NowNanos() override { return 1'000'000; }
  void SleepForNanos(int64_t ns) override {}
};

TEST(HlcTest, ConcurrentCallersOnAStalledClockGetDistinctIncreasingTimestamps) {
  StuckClock clock;  // Every timestamp comes from the logical part.
  Hlc hlc(&clock);
  CheckConcurrentNowIsStrictlyIncreasing(hlc, /*threads=*/8, /*calls=*/20000);
}

TEST(HlcTest, ConcurrentCallersStayIncreasingWhileTheClockJumpsAround) {
  ManualClock clock(1'000'000);
  Hlc hlc(&clock);
  std::atomic<bool> done{false};
  std::thread stepper([&clock, &done] {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> time(0, 2'000'000);
    while (!done.load()) {
      clock.Set(time(rng));  // Often backwards.
      std::this_thread::yield();
    }
  });
  CheckConcurrentNowIsStrictlyIncreasing(hlc, /*threads=*/4, /*calls=*/20000);
  done.store(true);
  stepper.join();
}

TEST(HlcTest, FollowsThePhysicalClockAndTicksLogicallyWhenItStallsOrStepsBack) {
  ManualClock clock(1000);
  Hlc hlc(&clock);
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 0}));
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 1}));
  clock.Set(400);  // Stepped backwards.
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 2}));
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 3}));
  clock.Set(2000);
  EXPECT_EQ(hlc.Now(), (Timestamp{2000, 0}));
  EXPECT_EQ(hlc.Last(), (Timestamp{2000, 0}));
}

TEST(HlcTest, LogicalOverflowCarriesIntoTheWallPart) {
  ManualClock clock(1000);
  Hlc hlc(&clock);
  ASSERT_TRUE(hlc.Update(Timestamp{1000, std::numeric_limits<uint32_t>::max()}).ok());
  EXPECT_EQ(hlc.Now(), (Timestamp{1001, 0}));
}

TEST(HlcTest, UpdateRatchetsPastTheReceivedTimestamp) {
  ManualClock clock(1000);
  Hlc hlc(&clock);
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 0}));
  ASSERT_TRUE(hlc.Update(Timestamp{5000, 7}).ok());
  EXPECT_EQ(hlc.Last(), (Timestamp{5000, 7}));
  EXPECT_EQ(hlc.Now(), (Timestamp{5000, 8}));
  // An older timestamp changes nothing.
  ASSERT_TRUE(hlc.Update(Timestamp{10, 0}).ok());
  EXPECT_EQ(hlc.Last(), (Timestamp{5000, 8}));
  EXPECT_EQ(hlc.Now(), (Timestamp{5000, 9}));
  // Once the physical clock catches up, it takes over again.
  clock.Set(6000);
  EXPECT_EQ(hlc.Now(), (Timestamp{6000, 0}));
}

TEST(HlcTest, UpdateFromAClockTooFarAheadIsRejectedAndChangesNothing) {
  ManualClock clock(1000);
  Hlc hlc(&clock, HlcOptions{.max_offset_ns = 500});
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 0}));

  const absl::Status status = hlc.Update(Timestamp{1501, 0});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("too far ahead"));
  EXPECT_EQ(hlc.Last(), (Timestamp{1000, 0}));
  EXPECT_EQ(hlc.Now(), (Timestamp{1000, 1}));

  // Exactly at the bound is accepted.
  ASSERT_TRUE(hlc.Update(Timestamp{1500, 3}).ok());
  EXPECT_EQ(hlc.Now(), (Timestamp{1500, 4}));

  // The bound is relative to the physical clock, not to the HLC.
  clock.Set(2000);
  EXPECT_TRUE(hlc.Update(Timestamp{2500, 0}).ok());
  EXPECT_FALSE(hlc.Update(Timestamp{2501, 0}).ok());
}

TEST(HlcTest, UncheckedByDefault) {
  ManualClock clock(1000);
  Hlc hlc(&clock);
  ASSERT_TRUE(hlc.Update(Timestamp{1'000'000'000'000, 0}).ok());
  EXPECT_EQ(hlc.Now(), (Timestamp{1'000'000'000'000, 1}));
}

TEST(HlcTest, NowAfterAConcurrentUpdateExceedsTheReceivedTimestamp) {
  ManualClock clock(1'000'000);
  Hlc hlc(&clock);
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&hlc, i] {
      std::mt19937_64 rng(100 + i);
      std::uniform_int_distribution<int64_t> wall(0, 2'000'000);
      std::uniform_int_distribution<uint32_t> logical(0, 1000);
      Timestamp previous;
      for (int j = 0; j < 20000; ++j) {
        const Timestamp received{wall(rng), logical(rng)};
        ASSERT_TRUE(hlc.Update(received).ok());
        const Timestamp now = hlc.Now();
        ASSERT_GT(now, received);
        ASSERT_GT(now, previous);
        previous = now;
      }
    });
  }
  for (auto& w : workers) w.join();
}

}  // namespace
}  // namespace meridian::clock
