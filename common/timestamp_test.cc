#include "common/timestamp.h"

#include <random>

#include "gtest/gtest.h"

namespace meridian {
namespace {

TEST(TimestampTest, OrderIsWallThenLogical) {
  EXPECT_LT((Timestamp{1, 5}), (Timestamp{2, 0}));
  EXPECT_LT((Timestamp{2, 0}), (Timestamp{2, 1}));
  EXPECT_EQ((Timestamp{3, 3}), (Timestamp{3, 3}));
}

TEST(TimestampTest, NextAndPrevAreAdjacent) {
  Timestamp t{10, std::numeric_limits<uint32_t>::max()};
  EXPECT_EQ(t.Next(), (Timestamp{11, 0}));
  EXPECT_EQ(t.Next().Prev(), t);
  EXPECT_EQ((Timestamp{5, 2}).Next(), (Timestamp{5, 3}));
}

TEST(TimestampTest, EncodingPreservesOrderAndRoundTrips) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> wall(std::numeric_limits<int64_t>::min(),
                                              std::numeric_limits<int64_t>::max());
  for (int i = 0; i < 10000; ++i) {
    Timestamp a{wall(rng) >> (rng() % 64), static_cast<uint32_t>(rng() >> (rng() % 64))};
    Timestamp b{wall(rng) >> (rng() % 64), static_cast<uint32_t>(rng() >> (rng() % 64))};
    if (i % 3 == 0) b.wall_ns = a.wall_ns;
    std::string ea = a.Encode(), eb = b.Encode();
    ASSERT_EQ(ea.size(), Timestamp::kEncodedSize);
    EXPECT_EQ(a < b, ea < eb) << a.ToString() << " vs " << b.ToString();
    EXPECT_EQ(*Timestamp::Decode(ea), a);
  }
}

TEST(TimestampTest, DecodeRejectsWrongSize) {
  EXPECT_FALSE(Timestamp::Decode("short").ok());
  EXPECT_FALSE(Timestamp::Decode(std::string(13, 'x')).ok());
}

TEST(TimestampTest, ToStringIsReadable) {
  EXPECT_EQ((Timestamp{1700000000000000123, 4}).ToString(), "1700000000.000000123,4");
}

}  // namespace
}  // namespace meridian
