#include "sql/types/numeric.h"

#include <gtest/gtest.h>

#include <random>

#include "common/status.h"

namespace meridian::sql {
namespace {

Numeric N(std::string_view s) {
  absl::StatusOr<Numeric> n = Numeric::Parse(s);
  EXPECT_TRUE(n.ok()) << s << ": " << n.status();
  return n.ok() ? *n : Numeric();
}

std::string State(const absl::Status& s) { return GetSqlState(s).value_or("<none>"); }

TEST(NumericTest, ParseAndPrintKeepScale) {
  EXPECT_EQ(N("12").ToString(), "12");
  EXPECT_EQ(N("-1.50").ToString(), "-1.50");
  EXPECT_EQ(N(" 3.0 ").ToString(), "3.0");
  EXPECT_EQ(N("1e3").ToString(), "1000");
  EXPECT_EQ(N("1.5e-3").ToString(), "0.0015");
  EXPECT_EQ(N("-0.001").ToString(), "-0.001");
  EXPECT_EQ(N(".5").ToString(), "0.5");
  EXPECT_EQ(N("+7.").ToString(), "7");
  EXPECT_EQ(N("0.00").ToString(), "0.00");
  EXPECT_EQ(N("00012.3400").ToString(), "12.3400");
  EXPECT_EQ(N("99999999999999999999999999999999999999").ToString(),
            "99999999999999999999999999999999999999");
  EXPECT_EQ(N("0.00000000000000000000000000000000000001").scale(), 38);
}

TEST(NumericTest, ParseErrors) {
  absl::StatusOr<Numeric> bad = Numeric::Parse("abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(State(bad.status()), "22P02");
  EXPECT_EQ(bad.status().message(), "invalid input syntax for type numeric: \"abc\"");
  for (const char* s : {"", " ", "1.2.3", "1e", "--1", "1 2", "e5", "."}) {
    EXPECT_EQ(State(Numeric::Parse(s).status()), "22P02") << s;
  }
  EXPECT_EQ(State(Numeric::Parse("NaN").status()), "0A000");
  EXPECT_EQ(State(Numeric::Parse("-Infinity").status()), "0A000");
  // 39 significant digits.
  EXPECT_EQ(State(Numeric::Parse("100000000000000000000000000000000000000").status()), "22003");
  EXPECT_EQ(State(Numeric::Parse("1e38").status()), "22003");
  EXPECT_TRUE(Numeric::Parse("1e37").ok());
}

TEST(NumericTest, OrderIgnoresScale) {
  EXPECT_EQ(N("1.0"), N("1.00"));
  EXPECT_EQ(N("1.0"), Numeric::FromInt(1));
  EXPECT_LT(N("-2"), N("-1.99"));
  EXPECT_LT(N("0.1"), N("0.10000000000000000000000000000000000001"));
  EXPECT_GT(N("99999999999999999999999999999999999999"),
            N("9999999999999999999999999999999999999.9"));
  EXPECT_EQ(N("0"), N("-0.000"));
}

TEST(NumericTest, AddSubMulAreExact) {
  EXPECT_EQ(N("1.5").Add(N("2.25"))->ToString(), "3.75");
  EXPECT_EQ(N("1.50").Sub(N("2"))->ToString(), "-0.50");
  EXPECT_EQ(N("1.5").Mul(N("-2.25"))->ToString(), "-3.375");
  EXPECT_EQ(N("0.1").Add(N("0.2"))->ToString(), "0.3");
  // 38 digits fit; 39 do not.
  EXPECT_EQ(State(N("99999999999999999999999999999999999999").Add(N("1")).status()), "22003");
  EXPECT_EQ(State(N("10000000000000000000").Mul(N("10000000000000000000")).status()), "22003");
  EXPECT_EQ(N("1000000000000000000").Mul(N("10000000000000000000"))->ToString(),
            "10000000000000000000000000000000000000");
  // Full 128-bit products: (10^19 - 1)^2 needs 38 digits.
  EXPECT_EQ(N("9999999999999999999").Mul(N("9999999999999999999"))->ToString(),
            "99999999999999999980000000000000000001");
}

TEST(NumericTest, MulRoundsPastScale38) {
  Numeric tiny = N("0.00000000000000000000000000000000000015");  // scale 38
  EXPECT_EQ(tiny.Mul(N("0.5"))->ToString(), "0.00000000000000000000000000000000000008");
  EXPECT_EQ(tiny.Mul(N("-0.5"))->ToString(), "-0.00000000000000000000000000000000000008");
}

TEST(NumericTest, DivisionScaleFollowsPostgres) {
  EXPECT_EQ(N("1").Div(N("3"))->ToString(), "0.33333333333333333333");
  EXPECT_EQ(N("2").Div(N("3"))->ToString(), "0.66666666666666666667");
  EXPECT_EQ(N("-2").Div(N("3"))->ToString(), "-0.66666666666666666667");
  EXPECT_EQ(N("1").Div(N("1"))->ToString(), "1.00000000000000000000");
  EXPECT_EQ(N("10").Div(N("4"))->ToString(), "2.5000000000000000");
  EXPECT_EQ(N("100000").Div(N("3"))->ToString(), "33333.333333333333");
  EXPECT_EQ(N("1.000000000000000000000000").Div(N("3"))->ToString(), "0.333333333333333333333333");
  EXPECT_EQ(N("7").Div(N("0.001"))->ToString(), "7000.0000000000000000");
  // A large quotient gets a small scale (select_div_scale aims at 16 significant digits).
  absl::StatusOr<Numeric> wide = N("12345678901234567890123456789").Div(N("0.7"));
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_EQ(wide->ToString(), "17636684144620811271604938270.0");
  EXPECT_EQ(State(N("99999999999999999999999999999999999999").Div(N("0.1")).status()), "22003");
}

TEST(NumericTest, DivisionAndModByZero) {
  EXPECT_EQ(State(N("1").Div(N("0.00")).status()), "22012");
  EXPECT_EQ(State(N("1").Mod(N("0")).status()), "22012");
  EXPECT_EQ(N("1").Div(N("0.00")).status().message(), "division by zero");
}

TEST(NumericTest, ModTruncatesTowardZero) {
  EXPECT_EQ(N("7.5").Mod(N("2"))->ToString(), "1.5");
  EXPECT_EQ(N("-7.5").Mod(N("2"))->ToString(), "-1.5");
  EXPECT_EQ(N("7").Mod(N("-3"))->ToString(), "1");
}

TEST(NumericTest, CoerceRoundsHalfAwayAndChecksPrecision) {
  EXPECT_EQ(N("1.005").Coerce(5, 2)->ToString(), "1.01");
  EXPECT_EQ(N("-1.005").Coerce(5, 2)->ToString(), "-1.01");
  EXPECT_EQ(N("1.004").Coerce(5, 2)->ToString(), "1.00");
  EXPECT_EQ(N("1.5").Coerce(5, 2)->ToString(), "1.50");
  EXPECT_EQ(N("2.5").Coerce(3, 0)->ToString(), "3");
  EXPECT_EQ(N("123.45").Coerce(5, 2)->ToString(), "123.45");
  absl::StatusOr<Numeric> over = N("999.995").Coerce(5, 2);
  EXPECT_EQ(State(over.status()), "22003");
  EXPECT_EQ(over.status().message(), "numeric field overflow");
  EXPECT_EQ(State(N("1000").Coerce(3, 0).status()), "22003");
  EXPECT_EQ(N("999.4").Coerce(3, -1)->ToString(), "999");  // NUMERIC(3) is scale 0
  EXPECT_EQ(N("1.23456").Coerce(-1, -1)->ToString(), "1.23456");
}

TEST(NumericTest, Conversions) {
  EXPECT_EQ(*N("2.5").ToInt(), 3);
  EXPECT_EQ(*N("-2.5").ToInt(), -3);
  EXPECT_EQ(*N("-2.4").ToInt(), -2);
  EXPECT_EQ(*N("-9223372036854775808").ToInt(), INT64_MIN);
  EXPECT_EQ(State(N("9223372036854775808").ToInt().status()), "22003");
  EXPECT_EQ(N("0.1").ToDouble(), 0.1);
  EXPECT_EQ(N("-1e20").ToDouble(), -1e20);
  EXPECT_EQ(Numeric::FromDouble(0.1)->ToString(), "0.1");
  EXPECT_EQ(Numeric::FromDouble(-2.5e-7)->ToString(), "-0.00000025");
  EXPECT_EQ(Numeric::FromDouble(1e20)->ToString(), "100000000000000000000");
  EXPECT_EQ(State(Numeric::FromDouble(1e300).status()), "22003");
  EXPECT_EQ(State(Numeric::FromDouble(std::nan("")).status()), "22003");
  EXPECT_EQ(Numeric::FromInt(INT64_MIN).ToString(), "-9223372036854775808");
}

TEST(NumericTest, RandomArithmeticMatchesInt128) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 5000; ++i) {
    int64_t a = static_cast<int64_t>(rng()) >> (rng() % 60);
    int64_t b = static_cast<int64_t>(rng()) >> (rng() % 60);
    int sa = static_cast<int>(rng() % 10), sb = static_cast<int>(rng() % 10);
    Numeric x = Numeric::FromUnscaled(a, sa), y = Numeric::FromUnscaled(b, sb);
    // (x + y) - y == x, and x * y / y == x when the quotient scale holds x exactly.
    absl::StatusOr<Numeric> sum = x.Add(y);
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(*sum->Sub(y), x);
    absl::StatusOr<Numeric> prod = x.Mul(y);
    ASSERT_TRUE(prod.ok());
    EXPECT_EQ(prod->scale(), sa + sb);
    if (!y.is_zero()) {
      absl::StatusOr<Numeric> back = prod->Div(y);
      ASSERT_TRUE(back.ok()) << x.ToString() << " " << y.ToString();
      EXPECT_EQ(*back, x) << x.ToString() << " * " << y.ToString();
    }
    // Order agrees with exact cross-multiplication.
    __int128 lhs = static_cast<__int128>(a), rhs = static_cast<__int128>(b);
    for (int k = 0; k < sb; ++k) lhs *= 10;
    for (int k = 0; k < sa; ++k) rhs *= 10;
    EXPECT_EQ(x <=> y, lhs <=> rhs);
  }
}

}  // namespace
}  // namespace meridian::sql
