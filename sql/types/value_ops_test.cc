#include "sql/types/value_ops.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/status.h"
#include "sql/types/pg_format.h"

namespace meridian::sql {
namespace {

std::string State(const absl::Status& s) { return GetSqlState(s).value_or("<none>"); }

const SqlType kInt2 = SqlType::Of(TypeId::kInt2);
const SqlType kInt4 = SqlType::Of(TypeId::kInt4);
const SqlType kInt8 = SqlType::Of(TypeId::kInt8);
const SqlType kFloat4 = SqlType::Of(TypeId::kFloat4);
const SqlType kFloat8 = SqlType::Of(TypeId::kFloat8);
const SqlType kNum = SqlType::Numeric();
const SqlType kBool = SqlType::Of(TypeId::kBool);
const SqlType kText = SqlType::Of(TypeId::kText);
const SqlType kDate = SqlType::Of(TypeId::kDate);
const SqlType kTs = SqlType::Of(TypeId::kTimestamp);
const SqlType kInterval = SqlType::Of(TypeId::kInterval);
const SqlType kUnknown = SqlType::Of(TypeId::kUnknown);

Value Dec(std::string_view s) { return Value::Decimal(*Numeric::Parse(s)); }
Value I(int64_t v) { return Value::Int(v); }
Value F(double v) { return Value::Float(v); }

TEST(ValueOpsTest, ResultTypesFollowPostgres) {
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kInt2, kInt2), kInt2);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kInt2, kInt4), kInt4);
  EXPECT_EQ(*ArithResultType(ArithOp::kMul, kInt4, kInt8), kInt8);
  EXPECT_EQ(*ArithResultType(ArithOp::kDiv, kInt4, kNum), kNum);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kNum, kFloat8), kFloat8);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kFloat4, kFloat4), kFloat4);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kFloat4, kInt4), kFloat8);
  EXPECT_EQ(*ArithResultType(ArithOp::kPow, kInt4, kInt4), kFloat8);
  EXPECT_EQ(*ArithResultType(ArithOp::kPow, kNum, kInt4), kNum);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kDate, kInt4), kDate);
  EXPECT_EQ(*ArithResultType(ArithOp::kSub, kDate, kDate), kInt4);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kTs, kInterval), kTs);
  EXPECT_EQ(*ArithResultType(ArithOp::kSub, kTs, kTs), kInterval);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kDate, kInterval), kTs);
  EXPECT_EQ(*ArithResultType(ArithOp::kAdd, kUnknown, kInt8), kInt8);
  absl::StatusOr<SqlType> bad = ArithResultType(ArithOp::kAdd, kInt4, kBool);
  EXPECT_EQ(State(bad.status()), "42883");
  EXPECT_EQ(bad.status().message(), "operator does not exist: integer + boolean");
  EXPECT_EQ(State(ArithResultType(ArithOp::kMod, kFloat8, kInt4).status()), "42883");
  EXPECT_EQ(State(ArithResultType(ArithOp::kAdd, kText, kText).status()), "42883");
  EXPECT_EQ(State(ArithResultType(ArithOp::kAdd, kUnknown, kUnknown).status()), "42725");
}

TEST(ValueOpsTest, IntegerArithmeticChecksOverflowPerResultType) {
  EXPECT_EQ(*Arith(ArithOp::kAdd, I(2), kInt4, I(3), kInt4), I(5));
  absl::StatusOr<Value> v = Arith(ArithOp::kAdd, I(INT32_MAX), kInt4, I(1), kInt4);
  EXPECT_EQ(State(v.status()), "22003");
  EXPECT_EQ(v.status().message(), "integer out of range");
  v = Arith(ArithOp::kMul, I(300), kInt2, I(300), kInt2);
  EXPECT_EQ(v.status().message(), "smallint out of range");
  // int4 * int8 is int8: no int4 overflow.
  EXPECT_EQ(*Arith(ArithOp::kMul, I(INT32_MAX), kInt4, I(4), kInt8), I(4LL * INT32_MAX));
  v = Arith(ArithOp::kMul, I(INT64_MAX / 2 + 1), kInt8, I(2), kInt8);
  EXPECT_EQ(v.status().message(), "bigint out of range");
  EXPECT_EQ(State(Arith(ArithOp::kSub, I(INT64_MIN), kInt8, I(1), kInt8).status()), "22003");
  v = Arith(ArithOp::kDiv, I(INT64_MIN), kInt8, I(-1), kInt8);
  EXPECT_EQ(State(v.status()), "22003");
  EXPECT_EQ(v.status().message(), "bigint out of range");
  EXPECT_EQ(State(Arith(ArithOp::kDiv, I(INT32_MIN), kInt4, I(-1), kInt4).status()), "22003");
  EXPECT_EQ(*Arith(ArithOp::kMod, I(INT64_MIN), kInt8, I(-1), kInt8), I(0));
  EXPECT_EQ(*Arith(ArithOp::kDiv, I(-7), kInt4, I(2), kInt4), I(-3));
  EXPECT_EQ(*Arith(ArithOp::kMod, I(-7), kInt4, I(2), kInt4), I(-1));
  EXPECT_EQ(*Arith(ArithOp::kDiv, I(1), kInt4, I(3), kInt4), I(0));
  v = Arith(ArithOp::kDiv, I(1), kInt4, I(0), kInt4);
  EXPECT_EQ(State(v.status()), "22012");
  EXPECT_EQ(v.status().message(), "division by zero");
  EXPECT_EQ(State(Arith(ArithOp::kMod, I(1), kInt8, I(0), kInt8).status()), "22012");
}

TEST(ValueOpsTest, NumericAndFloatArithmetic) {
  EXPECT_EQ(FormatText(*Arith(ArithOp::kDiv, Dec("1"), kNum, I(3), kInt4), kNum),
            "0.33333333333333333333");
  EXPECT_EQ(*Arith(ArithOp::kAdd, I(1), kInt4, Dec("0.5"), kNum), Dec("1.5"));
  EXPECT_EQ(State(Arith(ArithOp::kDiv, Dec("1"), kNum, Dec("0"), kNum).status()), "22012");
  EXPECT_EQ(*Arith(ArithOp::kPow, Dec("1.5"), kNum, I(2), kInt4), Dec("2.25"));
  EXPECT_EQ(*Arith(ArithOp::kPow, Dec("2"), kNum, I(-2), kInt4), Dec("0.25000000000000000000"));
  EXPECT_EQ(State(Arith(ArithOp::kPow, Dec("0"), kNum, I(-1), kInt4).status()), "2201F");
  EXPECT_EQ(*Arith(ArithOp::kPow, I(2), kInt4, I(10), kInt4), F(1024));
  EXPECT_EQ(*Arith(ArithOp::kAdd, F(0.5), kFloat8, I(1), kInt4), F(1.5));
  EXPECT_EQ(*Arith(ArithOp::kMul, Dec("0.5"), kNum, F(3), kFloat8), F(1.5));
  absl::StatusOr<Value> v = Arith(ArithOp::kDiv, F(1), kFloat8, F(0), kFloat8);
  EXPECT_EQ(State(v.status()), "22012");
  v = Arith(ArithOp::kMul, F(1e308), kFloat8, F(10), kFloat8);
  EXPECT_EQ(State(v.status()), "22003");
  EXPECT_EQ(v.status().message(), "value out of range: overflow");
  EXPECT_EQ(State(Arith(ArithOp::kMul, F(1e-300), kFloat8, F(1e-300), kFloat8).status()), "22003");
  EXPECT_EQ(State(Arith(ArithOp::kMul, F(1e30), kFloat4, F(1e30), kFloat4).status()), "22003");
  // Infinity in, infinity out: not an overflow.
  EXPECT_EQ(*Arith(ArithOp::kAdd, F(HUGE_VAL), kFloat8, F(1), kFloat8), F(HUGE_VAL));
  EXPECT_EQ(State(Arith(ArithOp::kPow, F(-8), kFloat8, F(0.5), kFloat8).status()), "2201F");
}

TEST(ValueOpsTest, DateTimeArithmetic) {
  Value d = *ParseText("2024-02-28", kDate);
  EXPECT_EQ(FormatText(*Arith(ArithOp::kAdd, d, kDate, I(1), kInt4), kDate), "2024-02-29");
  EXPECT_EQ(FormatText(*Arith(ArithOp::kAdd, I(2), kInt4, d, kDate), kDate), "2024-03-01");
  EXPECT_EQ(FormatText(*Arith(ArithOp::kSub, d, kDate, I(365 * 60), kInt4), kDate), "1964-03-14");
  EXPECT_EQ(*Arith(ArithOp::kSub, d, kDate, *ParseText("2023-02-28", kDate), kDate), I(365));
  EXPECT_EQ(State(Arith(ArithOp::kAdd, d, kDate, I(INT32_MAX), kInt4).status()), "22008");
  Value ts = *ParseText("1970-01-01 00:00:00", kTs);
  Value hour = *ParseText("1 hour", kInterval);
  EXPECT_EQ(FormatText(*Arith(ArithOp::kSub, ts, kTs, hour, kInterval), kTs),
            "1969-12-31 23:00:00");
  EXPECT_EQ(FormatText(*Arith(ArithOp::kAdd, d, kDate, hour, kInterval), kTs),
            "2024-02-28 01:00:00");
  EXPECT_EQ(*Arith(ArithOp::kSub, *ParseText("2000-01-01 00:00:01", kTs), kTs, ts, kTs),
            Value::Interval(946684801000000));
  EXPECT_EQ(*Arith(ArithOp::kMul, hour, kInterval, I(3), kInt4), Value::Interval(3 * 3600000000LL));
  EXPECT_EQ(*Arith(ArithOp::kDiv, hour, kInterval, F(2), kFloat8), Value::Interval(1800000000LL));
  EXPECT_EQ(State(Arith(ArithOp::kDiv, hour, kInterval, I(0), kInt4).status()), "22012");
  EXPECT_EQ(*Negate(hour, kInterval), Value::Interval(-3600000000LL));
}

TEST(ValueOpsTest, Negate) {
  EXPECT_EQ(*Negate(I(5), kInt4), I(-5));
  EXPECT_EQ(Negate(I(INT64_MIN), kInt8).status().message(), "bigint out of range");
  EXPECT_EQ(Negate(I(INT32_MIN), kInt4).status().message(), "integer out of range");
  EXPECT_EQ(*Negate(Dec("1.50"), kNum), Dec("-1.50"));
  EXPECT_EQ(*Negate(F(0.5), kFloat8), F(-0.5));
  EXPECT_EQ(State(Negate(Value::Bool(true), kBool).status()), "42883");
}

TEST(ValueOpsTest, CommonType) {
  EXPECT_EQ(*CommonType(kInt4, kInt8), kInt8);
  EXPECT_EQ(*CommonType(kInt4, kNum), kNum);
  EXPECT_EQ(*CommonType(SqlType::Numeric(10, 2), SqlType::Numeric(5, 1)), kNum);
  EXPECT_EQ(*CommonType(kNum, kFloat8), kFloat8);
  EXPECT_EQ(*CommonType(kUnknown, kDate), kDate);
  EXPECT_EQ(*CommonType(kUnknown, kUnknown), kText);
  EXPECT_EQ(*CommonType(SqlType::Varchar(3), kText), kText);
  EXPECT_EQ(*CommonType(SqlType::Varchar(3), SqlType::Varchar(5)), SqlType::Varchar());
  EXPECT_EQ(*CommonType(kDate, kTs), kTs);
  absl::StatusOr<SqlType> bad = CommonType(kInt4, kBool);
  EXPECT_EQ(State(bad.status()), "42804");
  EXPECT_EQ(bad.status().message(), "types integer and boolean cannot be matched");
}

TEST(ValueOpsTest, CompareAcrossNumericKinds) {
  EXPECT_EQ(CompareValues(I(1), Dec("1.00")), 0);
  EXPECT_EQ(CompareValues(I(1), F(1.0)), 0);
  EXPECT_EQ(CompareValues(Dec("1.0"), F(1.0)), 0);
  EXPECT_LT(CompareValues(I(1), Dec("1.0000000000000000000000001")), 0);
  EXPECT_GT(CompareValues(Dec("-0.5"), I(-1)), 0);
  EXPECT_LT(CompareValues(I(INT64_MAX - 1), I(INT64_MAX)), 0);
  EXPECT_GT(CompareValues(F(std::nan("")), F(HUGE_VAL)), 0);
  EXPECT_EQ(CompareValues(F(std::nan("")), F(std::nan(""))), 0);
  EXPECT_EQ(CompareValues(F(-0.0), I(0)), 0);
  EXPECT_LT(CompareValues(Value::String("a"), Value::String("ab")), 0);
  EXPECT_LT(CompareValues(Value::String("Z"), Value::String("a")), 0);
  EXPECT_LT(CompareValues(Value::String("a"), Value::String("\xc3\xa9")), 0);  // bytes unsigned
  EXPECT_EQ(CompareValues(Value::Date(1), Value::Timestamp(86400000000LL)), 0);
  EXPECT_LT(CompareValues(Value::Date(-1), Value::Timestamp(-1)), 0);
  EXPECT_LT(CompareValues(Value::Bool(false), Value::Bool(true)), 0);
}

TEST(ValueOpsTest, HashConsistentWithCompare) {
  EXPECT_EQ(HashValue(I(1)), HashValue(Dec("1.0")));
  EXPECT_EQ(HashValue(I(1)), HashValue(F(1.0)));
  EXPECT_EQ(HashValue(Dec("2.50")), HashValue(F(2.5)));
  EXPECT_EQ(HashValue(F(-0.0)), HashValue(I(0)));
  EXPECT_EQ(HashValue(F(std::nan(""))), HashValue(F(-std::nan(""))));
  EXPECT_EQ(HashValue(Value::Date(1)), HashValue(Value::Timestamp(86400000000LL)));
  EXPECT_NE(HashValue(I(1)), HashValue(I(2)));
  EXPECT_NE(HashValue(Value::String("a")), HashValue(Value::Bytes("a")));
  EXPECT_NE(HashValue(Value::String("ab")), HashValue(Value::String("ba")));
  // Property: values that compare equal hash alike.
  std::vector<Value> vals;
  for (int i = -20; i <= 20; ++i) {
    vals.push_back(I(i));
    vals.push_back(F(i / 4.0));
    vals.push_back(*CastValue(F(i / 4.0), kFloat8, kNum));
    vals.push_back(*CastValue(I(i), kInt4, SqlType::Numeric(10, 3)));
  }
  for (const Value& a : vals) {
    for (const Value& b : vals) {
      if (CompareValues(a, b) == 0) {
        EXPECT_EQ(HashValue(a), HashValue(b)) << a << " " << b;
      }
    }
  }
}

TEST(ValueOpsTest, CastsBetweenNumbers) {
  EXPECT_EQ(*CastValue(F(2.5), kFloat8, kInt4), I(2));  // rint: half to even
  EXPECT_EQ(*CastValue(F(3.5), kFloat8, kInt4), I(4));
  EXPECT_EQ(*CastValue(Dec("2.5"), kNum, kInt4), I(3));  // numeric rounds half away
  EXPECT_EQ(*CastValue(Dec("-2.5"), kNum, kInt8), I(-3));
  absl::StatusOr<Value> v = CastValue(I(1LL << 40), kInt8, kInt4);
  EXPECT_EQ(State(v.status()), "22003");
  EXPECT_EQ(v.status().message(), "integer out of range");
  EXPECT_EQ(CastValue(I(40000), kInt4, kInt2).status().message(), "smallint out of range");
  EXPECT_EQ(State(CastValue(F(1e19), kFloat8, kInt8).status()), "22003");
  EXPECT_EQ(State(CastValue(F(std::nan("")), kFloat8, kInt8).status()), "22003");
  EXPECT_EQ(State(CastValue(Dec("1e30"), kNum, kInt8).status()), "22003");
  EXPECT_EQ(*CastValue(Dec("3.14159"), kNum, SqlType::Numeric(5, 2)), Dec("3.14"));
  v = CastValue(Dec("12345.6"), kNum, SqlType::Numeric(5, 2));
  EXPECT_EQ(State(v.status()), "22003");
  EXPECT_EQ(v.status().message(), "numeric field overflow");
  EXPECT_EQ(*CastValue(I(7), kInt4, SqlType::Numeric(5, 2)), Dec("7.00"));
  EXPECT_EQ(*CastValue(F(0.1), kFloat8, kNum), Dec("0.1"));
  EXPECT_EQ(*CastValue(Dec("0.1"), kNum, kFloat8), F(0.1));
  EXPECT_EQ(*CastValue(F(0.1), kFloat8, kFloat4), F(static_cast<float>(0.1)));
  EXPECT_EQ(State(CastValue(F(1e300), kFloat8, kFloat4).status()), "22003");
  EXPECT_EQ(*CastValue(I(INT64_MAX), kInt8, kFloat8), F(9223372036854775807.0));
}

TEST(ValueOpsTest, CastsWithStringsAndBools) {
  EXPECT_EQ(*CastValue(Value::String(" 42 "), kText, kInt4), I(42));
  EXPECT_EQ(State(CastValue(Value::String("4x"), kText, kInt4).status()), "22P02");
  EXPECT_EQ(*CastValue(I(42), kInt4, kText), Value::String("42"));
  EXPECT_EQ(*CastValue(F(0.1), kFloat8, kText), Value::String("0.1"));
  EXPECT_EQ(*CastValue(Value::Bool(true), kBool, kText), Value::String("true"));
  EXPECT_EQ(*CastValue(Value::String("yes"), kText, kBool), Value::Bool(true));
  EXPECT_EQ(*CastValue(I(0), kInt4, kBool), Value::Bool(false));
  EXPECT_EQ(*CastValue(Value::Bool(true), kBool, kInt4), I(1));
  EXPECT_EQ(*CastValue(Value::String("2024-01-31"), kUnknown, kDate),
            *ParseText("2024-01-31", kDate));
  // VARCHAR(n): explicit casts truncate; assignment refuses unless the excess is blanks.
  EXPECT_EQ(*CastValue(Value::String("abcd"), kText, SqlType::Varchar(3)), Value::String("abc"));
  absl::StatusOr<Value> v =
      CastValue(Value::String("abcd"), kText, SqlType::Varchar(3), /*explicit_cast=*/false);
  EXPECT_EQ(State(v.status()), "22001");
  EXPECT_EQ(v.status().message(), "value too long for type character varying(3)");
  EXPECT_EQ(*CastValue(Value::String("abc   "), kText, SqlType::Varchar(3), false),
            Value::String("abc"));
  EXPECT_EQ(*CastValue(I(12345), kInt4, SqlType::Varchar(3)), Value::String("123"));
  EXPECT_EQ(State(CastValue(I(12345), kInt4, SqlType::Varchar(3), false).status()), "22001");
  // CHAR(n) pads; its padding goes when it becomes text.
  EXPECT_EQ(*CastValue(Value::String("ab"), kText, SqlType::Char(4)), Value::String("ab  "));
  EXPECT_EQ(*CastValue(Value::String("ab  "), SqlType::Char(4), kText), Value::String("ab"));
  EXPECT_EQ(CastValue(Value::String("abcde"), kText, SqlType::Char(4), false).status().message(),
            "value too long for type character(4)");
  // Multi-byte characters count once.
  EXPECT_EQ(*CastValue(Value::String("日本語です"), kText, SqlType::Varchar(3)),
            Value::String("日本語"));
  EXPECT_EQ(CastValue(Value::Null(), kInt4, kDate)->is_null(), true);
}

TEST(ValueOpsTest, CastsBetweenDatesAndTimestamps) {
  EXPECT_EQ(*CastValue(Value::Date(-1), kDate, kTs), Value::Timestamp(-86400000000LL));
  EXPECT_EQ(*CastValue(Value::Timestamp(-1), kTs, kDate), Value::Date(-1));  // floors
  EXPECT_EQ(*CastValue(Value::Timestamp(86400000000LL - 1), kTs, kDate), Value::Date(0));
  EXPECT_EQ(*CastValue(Value::Date(INT32_MAX), kDate, kTs), Value::Timestamp(INT64_MAX));
  EXPECT_EQ(*CastValue(Value::Timestamp(0), kTs, kText), Value::String("1970-01-01 00:00:00"));
  absl::StatusOr<Value> v = CastValue(Value::Bool(true), kBool, kDate);
  EXPECT_EQ(State(v.status()), "42846");
  EXPECT_EQ(v.status().message(), "cannot cast type boolean to date");
  EXPECT_EQ(State(CastValue(Value::Date(0), kDate, kInt4).status()), "42846");
}

TEST(ValueOpsTest, Like) {
  EXPECT_TRUE(*Like("hello", "h%o", false));
  EXPECT_TRUE(*Like("hello", "h_llo", false));
  EXPECT_FALSE(*Like("hello", "h_lo", false));
  EXPECT_TRUE(*Like("hello", "%", false));
  EXPECT_TRUE(*Like("", "%", false));
  EXPECT_FALSE(*Like("", "_", false));
  EXPECT_TRUE(*Like("a%b", "a\\%b", false));
  EXPECT_FALSE(*Like("axb", "a\\%b", false));
  EXPECT_TRUE(*Like("a_b", "a!_b", false, '!'));
  EXPECT_TRUE(*Like("HeLLo", "hel%", true));
  EXPECT_FALSE(*Like("HeLLo", "hel%", false));
  EXPECT_TRUE(*Like("日本語", "日_語", false));  // '_' is one character
  EXPECT_TRUE(*Like("mississippi", "%iss%ppi", false));
  EXPECT_FALSE(*Like("mississippi", "%iss%ppx", false));
  EXPECT_TRUE(*Like("aaa", "a%a%a", false));
  EXPECT_FALSE(*Like("aa", "a%a%a", false));
  absl::StatusOr<bool> bad = Like("abc", "ab\\", false);
  EXPECT_EQ(State(bad.status()), "22025");
  EXPECT_TRUE(*Like("a\\b", "a\\b", false, '\0'));  // no escape character
}

}  // namespace
}  // namespace meridian::sql
