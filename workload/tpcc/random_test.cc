#include "workload/tpcc/random.h"

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "workload/tpcc/nurand_constants.h"

namespace meridian::workload::tpcc {
namespace {

TEST(LastName, SyllablesOfTheDigits) {
  // Clause 4.3.2.3's own example: 371 is PRI CALLY OUGHT.
  EXPECT_EQ(LastName(371), "PRICALLYOUGHT");
  EXPECT_EQ(LastName(0), "BARBARBAR");
  EXPECT_EQ(LastName(999), "EINGEINGEING");
  EXPECT_EQ(LastName(40), "BARPRESBAR");
  std::set<std::string> names;
  for (int n = 0; n <= 999; ++n) {
    const std::string name = LastName(n);
    EXPECT_LE(name.size(), 16u) << n;  // C_LAST is VARCHAR(16)
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 1000u);  // every number has its own name
}

TEST(TpccRandom, UniformCoversItsClosedInterval) {
  TpccRandom rng(1);
  std::map<int64_t, int> seen;
  for (int i = 0; i < 10000; ++i) ++seen[rng.Uniform(3, 7)];
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.begin()->first, 3);
  EXPECT_EQ(seen.rbegin()->first, 7);
  for (int i = 0; i < 1000; ++i) {
    const double r = rng.UnitInterval();
    EXPECT_GT(r, 0.0);
    EXPECT_LE(r, 1.0);
  }
}

TEST(TpccRandom, NURandIsTheSpecFormula) {
  // Replay the same engine: NURand(A, x, y) draws random(0, A), then random(x, y).
  for (const auto& [a, x, y, c] : std::vector<std::array<int64_t, 4>>{{255, 0, 999, 0},
                                                                      {255, 0, 999, 123},
                                                                      {1023, 1, 3000, 1023},
                                                                      {8191, 1, 100000, 77},
                                                                      {1023, 1, 30, 500}}) {
    TpccRandom rng(42);
    TpccRandom replay(42);
    for (int i = 0; i < 2000; ++i) {
      const int64_t r1 = replay.Uniform(0, a);
      const int64_t r2 = replay.Uniform(x, y);
      const int64_t want = (((r1 | r2) + c) % (y - x + 1)) + x;
      const int64_t got = rng.NURand(a, x, y, c);
      ASSERT_EQ(got, want) << "A=" << a << " x=" << x << " y=" << y << " C=" << c;
      ASSERT_GE(got, x);
      ASSERT_LE(got, y);
    }
  }
}

TEST(TpccRandom, NURandIsSkewed) {
  // The OR of two uniforms sets bits more often than not: some values are far more
  // frequent than 1/(y-x+1). A uniform draw would put every count near 100.
  TpccRandom rng(7);
  std::map<int64_t, int> counts;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) ++counts[rng.NURand(255, 0, 999, 0)];
  int max_count = 0;
  for (const auto& [v, n] : counts) max_count = std::max(max_count, n);
  EXPECT_GT(max_count, 5 * kDraws / 1000);
}

TEST(TpccRandom, Strings) {
  TpccRandom rng(3);
  for (int i = 0; i < 1000; ++i) {
    const std::string a = rng.AString(8, 16);
    ASSERT_GE(a.size(), 8u);
    ASSERT_LE(a.size(), 16u);
    for (char ch : a) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(ch))) << a;
    const std::string n = rng.NString(16, 16);
    ASSERT_EQ(n.size(), 16u);
    for (char ch : n) ASSERT_TRUE(std::isdigit(static_cast<unsigned char>(ch))) << n;
    const std::string zip = rng.Zip();
    ASSERT_EQ(zip.size(), 9u);
    ASSERT_EQ(zip.substr(4), "11111");
    const std::string state = rng.State();
    ASSERT_EQ(state.size(), 2u);
    const std::string data = rng.DataWithOriginal(26, 50, true);
    ASSERT_GE(data.size(), 26u);
    ASSERT_LE(data.size(), 50u);
    ASSERT_NE(data.find(kOriginal), std::string::npos) << data;
  }
}

TEST(TpccRandom, PermutationHoldsEachValueOnce) {
  TpccRandom rng(9);
  std::vector<int> p = rng.Permutation(3000);
  std::set<int> values(p.begin(), p.end());
  EXPECT_EQ(values.size(), 3000u);
  EXPECT_EQ(*values.begin(), 1);
  EXPECT_EQ(*values.rbegin(), 3000);
  std::vector<int> identity(3000);
  for (int i = 0; i < 3000; ++i) identity[static_cast<size_t>(i)] = i + 1;
  EXPECT_NE(p, identity);
}

TEST(TpccRandom, SameSeedSameSequence) {
  TpccRandom a(5), b(5), c(6);
  std::string sa, sb, sc;
  for (int i = 0; i < 10; ++i) {
    sa += a.AString(5, 10);
    sb += b.AString(5, 10);
    sc += c.AString(5, 10);
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

}  // namespace
}  // namespace meridian::workload::tpcc
