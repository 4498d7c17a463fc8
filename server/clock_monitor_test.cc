#include "server/clock_monitor.h"

#include "gtest/gtest.h"

namespace meridian::server {
namespace {

constexpr int64_t kMs = 1'000'000;

ClockSample S(int64_t offset_ms, int64_t unc_ms, int64_t at_ms) {
  return ClockSample{offset_ms * kMs, unc_ms * kMs, at_ms * kMs};
}

TEST(ClockMonitorTest, NoPeersIsHealthy) { EXPECT_TRUE(EvaluateClock({}, 0, 0, kMs, kMs).healthy); }

TEST(ClockMonitorTest, AgreeingMajorityIsHealthy) {
  auto h =
      EvaluateClock({{2, S(0, 0, 1000)}, {3, S(50, 0, 1000)}}, 2, 1000 * kMs, 5 * kMs, 2000 * kMs);
  EXPECT_TRUE(h.healthy);  // one of two peers agrees: with us, a majority of three
}

TEST(ClockMonitorTest, OutlierStopsAndSaysWhy) {
  auto h = EvaluateClock({{2, S(200, 1, 1000)}, {3, S(-190, 1, 1000)}}, 2, 1000 * kMs, 5 * kMs,
                         2000 * kMs);
  EXPECT_FALSE(h.healthy);
  EXPECT_NE(h.problem.find("exceeds the bound of 5.000 ms"), std::string::npos) << h.problem;
  EXPECT_NE(h.problem.find("node 2"), std::string::npos) << h.problem;
}

TEST(ClockMonitorTest, UncertaintyGivesTheBenefitOfTheDoubt) {
  // 7 ms apart, but measured with 3 ms uncertainty: it may be within 5 ms.
  EXPECT_TRUE(EvaluateClock({{2, S(7, 3, 10)}}, 1, 10 * kMs, 5 * kMs, kMs).healthy);
  EXPECT_FALSE(EvaluateClock({{2, S(7, 1, 10)}}, 1, 10 * kMs, 5 * kMs, kMs).healthy);
}

TEST(ClockMonitorTest, StaleEvidenceIsNotEnough) {
  auto h = EvaluateClock({{2, S(0, 0, 0)}, {3, S(0, 0, 0)}}, 2, 5000 * kMs, 5 * kMs, 2000 * kMs);
  EXPECT_FALSE(h.healthy);
  EXPECT_NE(h.problem.find("cannot verify"), std::string::npos);
  EXPECT_FALSE(EvaluateClock({}, 2, 0, kMs, kMs).healthy);
}

}  // namespace
}  // namespace meridian::server
