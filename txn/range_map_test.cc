#include "txn/range_map.h"

#include "gtest/gtest.h"

namespace meridian::txn {
namespace {

TEST(RangeMapTest, LookupAndOverlap) {
  RangeMap m = *RangeMap::FromSplits({"g", "p"});
  ASSERT_EQ(m.ranges().size(), 3u);
  EXPECT_EQ(m.Lookup("a").range_id, 1u);
  EXPECT_EQ(m.Lookup("g").range_id, 2u);
  EXPECT_EQ(m.Lookup("ozz").range_id, 2u);
  EXPECT_EQ(m.Lookup("zzz").range_id, 3u);
  EXPECT_EQ(m.Lookup(KeySpaceEnd()).range_id, 3u);
  std::vector<RangeSpan> o = m.Overlapping("c", "h");
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].range_id, 1u);
  EXPECT_EQ(o[1].range_id, 2u);
  EXPECT_EQ(m.Overlapping("g", "p").size(), 1u);
  EXPECT_EQ(m.Overlapping("a", "").size(), 3u);
}

TEST(RangeMapTest, RejectsBadSplits) {
  EXPECT_FALSE(RangeMap::FromSplits({"b", "a"}).ok());
  EXPECT_FALSE(RangeMap::FromSplits({"a", "a"}).ok());
  EXPECT_FALSE(RangeMap::FromSplits({""}).ok());
  EXPECT_FALSE(RangeMap::ParseSplits("m,c").ok());
  EXPECT_EQ(RangeMap::ParseSplits("c,m")->size(), 2u);
  EXPECT_TRUE(RangeMap::ParseSplits("")->empty());
}

TEST(RangeMapTest, EvenCoversEverything) {
  RangeMap m = RangeMap::Even(4);
  ASSERT_EQ(m.ranges().size(), 4u);
  EXPECT_EQ(m.Lookup(std::string(1, '\0')).range_id, 1u);
  EXPECT_EQ(m.Lookup("\x7f").range_id, 2u);
  EXPECT_EQ(m.Lookup("\xff").range_id, 4u);
}

}  // namespace
}  // namespace meridian::txn
