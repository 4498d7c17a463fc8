#include "storage/mvcc/mvcc_key.h"

#include <random>

#include "gtest/gtest.h"

namespace meridian::storage {
namespace {

std::string RandomKey(std::mt19937_64& rng) {
  static const char kAlphabet[] = {'\0', '\x01', '\x02', 'a', 'b', '\xfe', '\xff'};
  std::string k;
  int n = rng() % 6;
  for (int i = 0; i < n; ++i) k.push_back(kAlphabet[rng() % sizeof(kAlphabet)]);
  return k;
}

TEST(MvccKeyTest, RoundTrips) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    std::string k = RandomKey(rng);
    Timestamp ts{static_cast<int64_t>(rng() >> 1), static_cast<uint32_t>(rng())};
    auto intent = DecodeMvccKey("d", EncodeIntentKey("d", k));
    ASSERT_TRUE(intent.ok());
    EXPECT_EQ(intent->user_key, k);
    EXPECT_FALSE(intent->timestamp.has_value());
    auto version = DecodeMvccKey("d", EncodeVersionKey("d", k, ts));
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(version->user_key, k);
    EXPECT_EQ(version->timestamp, ts);
  }
}

// Encoded keys order by user key, then intent slot, then versions newest first, and every
// entry of a key lies in [EncodeSeekKey(k), EncodeKeyEnd(k)).
TEST(MvccKeyTest, OrderingMatchesUserKeysThenNewestFirst) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string a = RandomKey(rng), b = RandomKey(rng);
    Timestamp ta{static_cast<int64_t>(rng() % 100), static_cast<uint32_t>(rng() % 3)};
    Timestamp tb{static_cast<int64_t>(rng() % 100), static_cast<uint32_t>(rng() % 3)};
    std::string ea = EncodeVersionKey("d", a, ta), eb = EncodeVersionKey("d", b, tb);
    if (a != b) {
      EXPECT_EQ(a < b, ea < eb);
      EXPECT_EQ(a < b, EncodeKeyEnd("d", a) <= EncodeSeekKey("d", b));
    } else {
      EXPECT_EQ(ta > tb, ea < eb);
      EXPECT_LT(EncodeIntentKey("d", a), ea);
    }
    EXPECT_GE(ea, EncodeSeekKey("d", a));
    EXPECT_LT(ea, EncodeKeyEnd("d", a));
  }
}

TEST(MvccKeyTest, MalformedKeysAreErrors) {
  EXPECT_FALSE(DecodeMvccKey("d", "x").ok());                              // wrong prefix
  EXPECT_FALSE(DecodeMvccKey("d", "dabc").ok());                           // no terminator
  EXPECT_FALSE(DecodeMvccKey("d", std::string("da\x00", 3)).ok());         // cut escape
  EXPECT_FALSE(DecodeMvccKey("d", std::string("da\x00\x05", 4)).ok());     // bad escape
  EXPECT_FALSE(DecodeMvccKey("d", std::string("da\x00\x01xyz", 7)).ok());  // short ts
}

TEST(MvccKeyTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("d"), "e");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
}

}  // namespace
}  // namespace meridian::storage
