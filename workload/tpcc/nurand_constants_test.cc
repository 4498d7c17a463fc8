#include "workload/tpcc/nurand_constants.h"

#include <set>

#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

TEST(CDelta, TheRuleOfClause2161) {
  // |C_Run - C_Load| in [65 .. 119], except 96 and 112, in either direction.
  EXPECT_FALSE(ValidCLastDelta(100, 164));  // 64
  EXPECT_TRUE(ValidCLastDelta(100, 165));   // 65
  EXPECT_TRUE(ValidCLastDelta(165, 100));   // -65
  EXPECT_FALSE(ValidCLastDelta(100, 196));  // 96
  EXPECT_FALSE(ValidCLastDelta(196, 100));
  EXPECT_TRUE(ValidCLastDelta(100, 197));  // 97
  EXPECT_FALSE(ValidCLastDelta(0, 112));   // 112
  EXPECT_TRUE(ValidCLastDelta(0, 111));
  EXPECT_TRUE(ValidCLastDelta(0, 119));   // 119
  EXPECT_FALSE(ValidCLastDelta(0, 120));  // 120
  EXPECT_FALSE(ValidCLastDelta(50, 50));  // 0
}

TEST(CDelta, RunConstantsObeyTheRuleForEveryLoadConstant) {
  TpccRandom rng(11);
  std::set<int64_t> deltas;
  for (int64_t c_load = 0; c_load <= kCLastA; ++c_load) {
    NURandConstants load{.c_last = c_load, .c_id = 5, .ol_i_id = 6};
    for (int i = 0; i < 40; ++i) {
      NURandConstants run = NURandConstants::ForRun(load, rng);
      ASSERT_TRUE(ValidCLastDelta(c_load, run.c_last)) << c_load << " -> " << run.c_last;
      ASSERT_TRUE(run.InRange());
      deltas.insert(run.c_last - c_load);
    }
  }
  // Every allowed delta is reachable, in both directions.
  for (int64_t d = 65; d <= 119; ++d) {
    if (d == 96 || d == 112) {
      EXPECT_EQ(deltas.count(d) + deltas.count(-d), 0u) << d;
    } else {
      EXPECT_EQ(deltas.count(d), 1u) << d;
      EXPECT_EQ(deltas.count(-d), 1u) << -d;
    }
  }
}

TEST(CDelta, LoadConstantsSpanTheirRanges) {
  TpccRandom rng(12);
  std::set<int64_t> c_last, c_id, ol_i_id;
  for (int i = 0; i < 20000; ++i) {
    NURandConstants c = NURandConstants::ForLoad(rng);
    ASSERT_TRUE(c.InRange());
    c_last.insert(c.c_last);
    c_id.insert(c.c_id);
    ol_i_id.insert(c.ol_i_id);
  }
  EXPECT_EQ(c_last.size(), 256u);
  EXPECT_EQ(c_id.size(), 1024u);
  EXPECT_GT(ol_i_id.size(), 7000u);
  EXPECT_FALSE((NURandConstants{.c_last = 256}).InRange());
  EXPECT_FALSE((NURandConstants{.c_id = -1}).InRange());
}

}  // namespace
}  // namespace meridian::workload::tpcc
