#include "workload/tpcc/pacing.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

TEST(Pacing, KeyingTimesAreTheSpecMinimumsScaled) {
  const Pacing spec(1.0), half(0.5), flat(0.0);
  EXPECT_DOUBLE_EQ(spec.KeyingSeconds(TxnType::kNewOrder), 18);
  EXPECT_DOUBLE_EQ(spec.KeyingSeconds(TxnType::kPayment), 3);
  EXPECT_DOUBLE_EQ(spec.KeyingSeconds(TxnType::kStockLevel), 2);
  EXPECT_DOUBLE_EQ(half.KeyingSeconds(TxnType::kNewOrder), 9);
  EXPECT_DOUBLE_EQ(flat.KeyingSeconds(TxnType::kNewOrder), 0);
}

TEST(Pacing, ThinkTimesAreNegativeExponentialWithTheSpecMeanCutAtTenTimes) {
  const Pacing spec(1.0);
  TpccRandom rng(7);
  const int n = 200000;
  double sum = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    const double t = spec.ThinkSeconds(TxnType::kNewOrder, rng);
    ASSERT_GE(t, 0);
    sum += t;
    max = std::max(max, t);
  }
  // Mean 12 s (the cut at 120 s removes e^-10 of the mass: negligible).
  EXPECT_NEAR(sum / n, 12.0, 0.15);
  EXPECT_LE(max, 120.0);
  EXPECT_GT(max, 100.0);  // the tail is there
  EXPECT_EQ(Pacing(0).ThinkSeconds(TxnType::kPayment, rng), 0);
  TpccRandom a(3), b(3);
  EXPECT_DOUBLE_EQ(Pacing(0.25).ThinkSeconds(TxnType::kDelivery, a),
                   0.25 * spec.ThinkSeconds(TxnType::kDelivery, b));
}

}  // namespace
}  // namespace meridian::workload::tpcc
