#include "workload/tpcc/histogram.h"

#include <cmath>
#include <cstdint>

#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.Quantile(0.5), 50);
  EXPECT_EQ(h.Quantile(0.9), 90);
  EXPECT_EQ(h.Quantile(1.0), 100);
  EXPECT_EQ(h.max(), 100);
}

TEST(LatencyHistogram, LargeValuesWithinTheBucketPrecision) {
  LatencyHistogram h;
  // 1 ms .. 10 s, uniformly: the q-quantile is about q * 10 s.
  for (int64_t v = 1000; v <= 10'000'000; v += 1000) h.Record(v);
  for (double q : {0.5, 0.9, 0.95, 0.99}) {
    const double truth = q * 10'000'000;
    EXPECT_NEAR(static_cast<double>(h.Quantile(q)), truth, truth * 0.016) << q;
    EXPECT_GE(static_cast<double>(h.Quantile(q)), truth - 1000) << q;  // an upper bound
  }
  EXPECT_EQ(h.Quantile(1.0), 10'000'000);  // never above the maximum
}

TEST(LatencyHistogram, MergeAndReset) {
  LatencyHistogram a, b;
  for (int i = 0; i < 90; ++i) a.Record(10);
  for (int i = 0; i < 10; ++i) b.Record(5000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 100);
  EXPECT_EQ(a.Quantile(0.9), 10);
  EXPECT_GE(a.Quantile(0.91), 5000);
  EXPECT_EQ(a.max(), 5000);
  a.Reset();
  EXPECT_EQ(a.count(), 0);
  EXPECT_EQ(a.Quantile(0.99), 0);
}

}  // namespace
}  // namespace meridian::workload::tpcc
