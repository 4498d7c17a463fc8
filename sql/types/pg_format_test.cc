#include "sql/types/pg_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "common/status.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

std::string State(const absl::Status& s) { return GetSqlState(s).value_or("<none>"); }

const SqlType kInt2 = SqlType::Of(TypeId::kInt2);
const SqlType kInt4 = SqlType::Of(TypeId::kInt4);
const SqlType kInt8 = SqlType::Of(TypeId::kInt8);
const SqlType kFloat4 = SqlType::Of(TypeId::kFloat4);
const SqlType kFloat8 = SqlType::Of(TypeId::kFloat8);
const SqlType kBool = SqlType::Of(TypeId::kBool);
const SqlType kDate = SqlType::Of(TypeId::kDate);
const SqlType kTs = SqlType::Of(TypeId::kTimestamp);
const SqlType kTsTz = SqlType::Of(TypeId::kTimestampTz);
const SqlType kBytea = SqlType::Of(TypeId::kBytea);
const SqlType kInterval = SqlType::Of(TypeId::kInterval);

std::string F8(double d) { return FormatText(Value::Float(d), kFloat8); }
std::string F4(float f) { return FormatText(Value::Float(f), kFloat4); }

Value Parse(std::string_view text, const SqlType& t) {
  absl::StatusOr<Value> v = ParseText(text, t);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string Hex(std::string_view b) {
  std::string out;
  for (unsigned char c : b) {
    char buf[3];
    std::snprintf(buf, sizeof(buf), "%02x", c);
    out += buf;
  }
  return out;
}

TEST(PgFormatTest, FloatTextOutputLikePostgres15) {
  EXPECT_EQ(F8(0.1), "0.1");
  EXPECT_EQ(F8(1e300), "1e+300");
  EXPECT_EQ(F8(1e15), "1e+15");
  EXPECT_EQ(F8(1e14), "100000000000000");
  EXPECT_EQ(F8(123456789012345.0), "123456789012345");
  EXPECT_EQ(F8(1234567890123456.0), "1.234567890123456e+15");
  EXPECT_EQ(F8(0.0001), "0.0001");
  EXPECT_EQ(F8(0.00001), "1e-05");
  EXPECT_EQ(F8(1.5e-10), "1.5e-10");
  EXPECT_EQ(F8(-2.5), "-2.5");
  EXPECT_EQ(F8(0), "0");
  EXPECT_EQ(F8(-0.0), "-0");
  EXPECT_EQ(F8(100), "100");
  EXPECT_EQ(F8(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(F8(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(F8(5e-324), "5e-324");
  EXPECT_EQ(F8(HUGE_VAL), "Infinity");
  EXPECT_EQ(F8(-HUGE_VAL), "-Infinity");
  EXPECT_EQ(F8(std::nan("")), "NaN");
  EXPECT_EQ(F4(0.1f), "0.1");
  EXPECT_EQ(F4(123456.0f), "123456");
  EXPECT_EQ(F4(1234567.0f), "1.234567e+06");
  EXPECT_EQ(F4(1.0f / 3), "0.33333334");
}

TEST(PgFormatTest, FloatTextRoundTrips) {
  for (double d : {0.1, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, 123.456, 2.0 / 3}) {
    Value v = Parse(F8(d), kFloat8);
    EXPECT_EQ(v.float_value(), d) << F8(d);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, 8);
    if (!std::isfinite(d)) continue;
    Value v = Parse(F8(d), kFloat8);
    ASSERT_EQ(v.float_value(), d) << F8(d);
    float f = static_cast<float>(static_cast<uint32_t>(bits)) * 1e-3f;
    ASSERT_EQ(static_cast<float>(Parse(F4(f), kFloat4).float_value()), f) << F4(f);
  }
}

TEST(PgFormatTest, FloatTextInput) {
  EXPECT_EQ(Parse("  1.5  ", kFloat8).float_value(), 1.5);
  EXPECT_EQ(Parse("-1e3", kFloat8).float_value(), -1000);
  EXPECT_EQ(Parse("+.5", kFloat8).float_value(), 0.5);
  EXPECT_TRUE(std::isnan(Parse("NaN", kFloat8).float_value()));
  EXPECT_EQ(Parse("-Infinity", kFloat8).float_value(), -HUGE_VAL);
  EXPECT_EQ(Parse("inf", kFloat8).float_value(), HUGE_VAL);
  absl::StatusOr<Value> big = ParseText("1e400", kFloat8);
  EXPECT_EQ(State(big.status()), "22003");
  EXPECT_EQ(big.status().message(), "\"1e400\" is out of range for type double precision");
  EXPECT_EQ(State(ParseText("1e-400", kFloat8).status()), "22003");
  EXPECT_EQ(State(ParseText("1e39", kFloat4).status()), "22003");
  absl::StatusOr<Value> bad = ParseText("x1", kFloat8);
  EXPECT_EQ(State(bad.status()), "22P02");
  EXPECT_EQ(bad.status().message(), "invalid input syntax for type double precision: \"x1\"");
  EXPECT_EQ(State(ParseText("1.5.", kFloat8).status()), "22P02");
  EXPECT_EQ(State(ParseText("", kFloat4).status()), "22P02");
}

TEST(PgFormatTest, IntegerTextInput) {
  EXPECT_EQ(Parse(" 42 ", kInt4).int_value(), 42);
  EXPECT_EQ(Parse("-2147483648", kInt4).int_value(), INT32_MIN);
  EXPECT_EQ(Parse("+32767", kInt2).int_value(), 32767);
  EXPECT_EQ(Parse("-9223372036854775808", kInt8).int_value(), INT64_MIN);
  absl::StatusOr<Value> over = ParseText("99999999999", kInt4);
  EXPECT_EQ(State(over.status()), "22003");
  EXPECT_EQ(over.status().message(), "value \"99999999999\" is out of range for type integer");
  EXPECT_EQ(ParseText("32768", kInt2).status().message(),
            "value \"32768\" is out of range for type smallint");
  EXPECT_EQ(State(ParseText("9223372036854775808", kInt8).status()), "22003");
  EXPECT_EQ(State(ParseText("99999999999999999999999999999", kInt8).status()), "22003");
  absl::StatusOr<Value> bad = ParseText("abc", kInt4);
  EXPECT_EQ(State(bad.status()), "22P02");
  EXPECT_EQ(bad.status().message(), "invalid input syntax for type integer: \"abc\"");
  for (const char* s : {"", " ", "1.5", "1e3", "- 1", "12a", "+"}) {
    EXPECT_EQ(State(ParseText(s, kInt8).status()), "22P02") << s;
  }
  EXPECT_EQ(FormatText(Value::Int(INT64_MIN), kInt8), "-9223372036854775808");
  EXPECT_EQ(Parse("-1", SqlType::Of(TypeId::kOid)).int_value(), 4294967295);
}

TEST(PgFormatTest, BoolText) {
  for (const char* s : {"t", "true", "TRUE", " yes ", "y", "on", "1", "tr", "On"}) {
    EXPECT_EQ(Parse(s, kBool), Value::Bool(true)) << s;
  }
  for (const char* s : {"f", "false", "No", "n", "off", "0", "OF", "fal"}) {
    EXPECT_EQ(Parse(s, kBool), Value::Bool(false)) << s;
  }
  for (const char* s : {"o", "2", "truex", "", "yess"}) {
    absl::StatusOr<Value> v = ParseText(s, kBool);
    EXPECT_EQ(State(v.status()), "22P02") << s;
  }
  EXPECT_EQ(ParseText("maybe", kBool).status().message(),
            "invalid input syntax for type boolean: \"maybe\"");
  EXPECT_EQ(FormatText(Value::Bool(true), kBool), "t");
  EXPECT_EQ(FormatText(Value::Bool(false), kBool), "f");
}

TEST(PgFormatTest, NumericText) {
  EXPECT_EQ(FormatText(Parse("1.50", SqlType::Numeric()), SqlType::Numeric()), "1.50");
  EXPECT_EQ(FormatText(Parse("3.14159", SqlType::Numeric(5, 2)), SqlType::Numeric(5, 2)), "3.14");
  EXPECT_EQ(FormatText(Parse("3", SqlType::Numeric(5, 2)), SqlType::Numeric(5, 2)), "3.00");
  EXPECT_EQ(State(ParseText("1000", SqlType::Numeric(5, 2)).status()), "22003");
}

TEST(PgFormatTest, DateText) {
  EXPECT_EQ(Parse("1970-01-01", kDate).date_value(), 0);
  EXPECT_EQ(Parse("1969-12-31", kDate).date_value(), -1);
  EXPECT_EQ(Parse("2000-01-01", kDate).date_value(), 10957);
  EXPECT_EQ(Parse(" 2024-02-29 ", kDate).date_value(), 19782);
  EXPECT_EQ(Parse("2000-02-29", kDate).date_value(), 11016);
  EXPECT_EQ(Parse("2024-01-31 12:34:56", kDate).date_value(), 19753);
  EXPECT_EQ(FormatText(Value::Date(19782), kDate), "2024-02-29");
  EXPECT_EQ(FormatText(Value::Date(-1), kDate), "1969-12-31");
  EXPECT_EQ(FormatText(Value::Date(-719162), kDate), "0001-01-01");
  EXPECT_EQ(FormatText(Value::Date(-719163), kDate), "0001-12-31 BC");
  EXPECT_EQ(Parse("0001-12-31 BC", kDate).date_value(), -719163);
  EXPECT_EQ(Parse("4714-11-24 BC", kDate).date_value(), -2440588);
  EXPECT_EQ(State(ParseText("4714-11-23 BC", kDate).status()), "22008");
  EXPECT_EQ(FormatText(Parse("5874897-12-31", kDate), kDate), "5874897-12-31");
  EXPECT_EQ(State(ParseText("5874898-01-01", kDate).status()), "22008");
  // Leap years: 1900 is not one, 2000 and 2024 are.
  absl::StatusOr<Value> bad = ParseText("1900-02-29", kDate);
  EXPECT_EQ(State(bad.status()), "22008");
  EXPECT_EQ(bad.status().message(), "date/time field value out of range: \"1900-02-29\"");
  EXPECT_EQ(State(ParseText("2023-02-29", kDate).status()), "22008");
  EXPECT_EQ(State(ParseText("2024-13-01", kDate).status()), "22008");
  absl::StatusOr<Value> syntax = ParseText("yesterday-ish", kDate);
  EXPECT_EQ(State(syntax.status()), "22007");
  EXPECT_EQ(syntax.status().message(), "invalid input syntax for type date: \"yesterday-ish\"");
  EXPECT_EQ(FormatText(Parse("infinity", kDate), kDate), "infinity");
  EXPECT_EQ(FormatText(Parse("-infinity", kDate), kDate), "-infinity");
  EXPECT_EQ(Parse("epoch", kDate).date_value(), 0);
  // Every day for 1200 years round-trips through text.
  for (int32_t d = -300000; d < 150000; d += 7) {
    std::string s = FormatText(Value::Date(d), kDate);
    ASSERT_EQ(Parse(s, kDate).date_value(), d) << s;
  }
}

TEST(PgFormatTest, TimestampText) {
  EXPECT_EQ(Parse("1970-01-01 00:00:00", kTs).timestamp_value(), 0);
  EXPECT_EQ(Parse("1969-12-31 23:59:59.5", kTs).timestamp_value(), -500000);
  EXPECT_EQ(FormatText(Value::Timestamp(-500000), kTs), "1969-12-31 23:59:59.5");
  EXPECT_EQ(FormatText(Value::Timestamp(-1), kTs), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(Parse("2024-01-31T12:00:00", kTs).timestamp_value(),
            Parse("2024-01-31 12:00", kTs).timestamp_value());
  EXPECT_EQ(FormatText(Parse("2024-01-31 12:00:00", kTs), kTs), "2024-01-31 12:00:00");
  EXPECT_EQ(FormatText(Parse("2024-01-31 12:00:00.120", kTs), kTs), "2024-01-31 12:00:00.12");
  EXPECT_EQ(FormatText(Parse("1999-12-31 23:59:59.9999995", kTs), kTs), "2000-01-01 00:00:00");
  EXPECT_EQ(FormatText(Parse("2024-03-01", kTs), kTs), "2024-03-01 00:00:00");
  EXPECT_EQ(FormatText(Parse("2024-02-28 24:00:00", kTs), kTs), "2024-02-29 00:00:00");
  EXPECT_EQ(FormatText(Parse("1066-10-14 09:00:00 BC", kTs), kTs), "1066-10-14 09:00:00 BC");
  // A zone is ignored for timestamp and applied for timestamptz (session zone UTC).
  EXPECT_EQ(FormatText(Parse("2024-01-31 12:00:00+02", kTs), kTs), "2024-01-31 12:00:00");
  EXPECT_EQ(FormatText(Parse("2024-01-31 12:00:00+02", kTsTz), kTsTz), "2024-01-31 10:00:00+00");
  EXPECT_EQ(FormatText(Parse("2024-01-31 12:00:00-05:30", kTsTz), kTsTz), "2024-01-31 17:30:00+00");
  EXPECT_EQ(FormatText(Parse("2024-01-31T12:00:00Z", kTsTz), kTsTz), "2024-01-31 12:00:00+00");
  EXPECT_EQ(State(ParseText("2024-01-31 25:00:00", kTs).status()), "22008");
  EXPECT_EQ(State(ParseText("2024-01-31 12:60:00", kTs).status()), "22008");
  absl::StatusOr<Value> bad = ParseText("2024-01-31 noon", kTs);
  EXPECT_EQ(State(bad.status()), "22007");
  EXPECT_EQ(bad.status().message(), "invalid input syntax for type timestamp: \"2024-01-31 noon\"");
  EXPECT_EQ(FormatText(Parse("infinity", kTs), kTs), "infinity");
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    int64_t ts = static_cast<int64_t>(rng() % (400LL * 365 * 86400 * 1000000)) -
                 200LL * 365 * 86400 * 1000000;
    std::string s = FormatText(Value::Timestamp(ts), kTs);
    ASSERT_EQ(Parse(s, kTs).timestamp_value(), ts) << s;
  }
}

TEST(PgFormatTest, IntervalText) {
  EXPECT_EQ(FormatText(Value::Interval(0), kInterval), "00:00:00");
  EXPECT_EQ(FormatText(Value::Interval(90000LL * 1000000), kInterval), "25:00:00");
  EXPECT_EQ(FormatText(Value::Interval(-1500000), kInterval), "-00:00:01.5");
  EXPECT_EQ(Parse("1 hour", kInterval).timestamp_value(), 3600LL * 1000000);
  EXPECT_EQ(Parse("1 day 2 hours", kInterval).timestamp_value(), 26 * 3600LL * 1000000);
  EXPECT_EQ(Parse("-10 seconds", kInterval).timestamp_value(), -10 * 1000000);
  EXPECT_EQ(Parse("01:02:03.5", kInterval).timestamp_value(), 3723500000);
  EXPECT_EQ(Parse("10", kInterval).timestamp_value(), 10 * 1000000);
  EXPECT_EQ(Parse("5 minutes ago", kInterval).timestamp_value(), -300LL * 1000000);
  EXPECT_EQ(Parse("250ms", kInterval).timestamp_value(), 250000);
  EXPECT_EQ(State(ParseText("1 month", kInterval).status()), "0A000");
  EXPECT_EQ(State(ParseText("soon", kInterval).status()), "22007");
  for (int64_t us :
       std::vector<int64_t>{0, 1, -1, 3723500000LL, -90061000001LL, INT64_MIN, INT64_MAX}) {
    std::string s = FormatText(Value::Interval(us), kInterval);
    EXPECT_EQ(Parse(s, kInterval).timestamp_value(), us) << s;
  }
}

TEST(PgFormatTest, ByteaText) {
  EXPECT_EQ(FormatText(Value::Bytes(std::string("\x0a\xff\x00", 3)), kBytea), "\\x0aff00");
  EXPECT_EQ(FormatText(Value::Bytes(""), kBytea), "\\x");
  EXPECT_EQ(Parse("\\x0AfF00", kBytea), Value::Bytes(std::string("\x0a\xff\x00", 3)));
  EXPECT_EQ(Parse("\\x 0a ff", kBytea), Value::Bytes("\x0a\xff"));
  EXPECT_EQ(Parse("abc", kBytea), Value::Bytes("abc"));
  EXPECT_EQ(Parse("a\\\\b\\001\\377", kBytea), Value::Bytes("a\\b\x01\xff"));
  EXPECT_EQ(State(ParseText("\\x0", kBytea).status()), "22P02");
  EXPECT_EQ(State(ParseText("\\xzz", kBytea).status()), "22P02");
  EXPECT_EQ(State(ParseText("a\\9", kBytea).status()), "22P02");
  EXPECT_EQ(State(ParseText("a\\", kBytea).status()), "22P02");
}

TEST(PgFormatTest, StringTypmodsOnInput) {
  EXPECT_EQ(Parse("ab", SqlType::Char(4)), Value::String("ab  "));
  EXPECT_EQ(Parse("abc  ", SqlType::Varchar(3)), Value::String("abc"));
  absl::StatusOr<Value> too_long = ParseText("abcd", SqlType::Varchar(3));
  EXPECT_EQ(State(too_long.status()), "22001");
  EXPECT_EQ(too_long.status().message(), "value too long for type character varying(3)");
  // Lengths count characters, not bytes.
  EXPECT_EQ(Parse("héé", SqlType::Varchar(3)), Value::String("héé"));
}

TEST(PgFormatTest, BinaryFixedWidth) {
  EXPECT_EQ(Hex(FormatBinary(Value::Int(-2), kInt2)), "fffe");
  EXPECT_EQ(Hex(FormatBinary(Value::Int(1), kInt4)), "00000001");
  EXPECT_EQ(Hex(FormatBinary(Value::Int(INT64_MIN), kInt8)), "8000000000000000");
  EXPECT_EQ(Hex(FormatBinary(Value::Bool(true), kBool)), "01");
  EXPECT_EQ(Hex(FormatBinary(Value::Float(1.0), kFloat8)), "3ff0000000000000");
  EXPECT_EQ(Hex(FormatBinary(Value::Float(1.0), kFloat4)), "3f800000");
  EXPECT_EQ(Hex(FormatBinary(Value::Int(4294967295), SqlType::Of(TypeId::kOid))), "ffffffff");
  EXPECT_EQ(Hex(FormatBinary(Value::Date(10957), kDate)), "00000000");
  EXPECT_EQ(Hex(FormatBinary(Value::Date(0), kDate)), "ffffd533");  // -10957
  EXPECT_EQ(Hex(FormatBinary(Value::Timestamp(946684800000000), kTs)), "0000000000000000");
  EXPECT_EQ(Hex(FormatBinary(Value::Timestamp(946684800000001), kTs)), "0000000000000001");
  EXPECT_EQ(Hex(FormatBinary(Value::Date(INT32_MAX), kDate)), "7fffffff");
  EXPECT_EQ(Hex(FormatBinary(Value::Interval(1), kInterval)), "00000000000000010000000000000000");
  EXPECT_EQ(Hex(FormatBinary(Value::String("hé"), SqlType::Of(TypeId::kText))), "68c3a9");
}

TEST(PgFormatTest, BinaryNumeric) {
  // 12345.678: ndigits 3, weight 1, sign +, dscale 3, digits 1 2345 6780.
  Value v = Parse("12345.678", SqlType::Numeric());
  EXPECT_EQ(Hex(FormatBinary(v, SqlType::Numeric())), "0003000100000003000109291a7c");
  EXPECT_EQ(Hex(FormatBinary(Parse("-0.0001", SqlType::Numeric()), SqlType::Numeric())),
            "0001ffff400000040001");
  EXPECT_EQ(Hex(FormatBinary(Parse("0.00", SqlType::Numeric()), SqlType::Numeric())),
            "0000000000000002");
  EXPECT_EQ(Hex(FormatBinary(Parse("100000000", SqlType::Numeric()), SqlType::Numeric())),
            "0001000200000000"
            "0001");
}

TEST(PgFormatTest, BinaryRoundTrips) {
  std::vector<std::pair<Value, SqlType>> cases = {
      {Value::Bool(false), kBool},
      {Value::Int(-32768), kInt2},
      {Value::Int(INT32_MIN), kInt4},
      {Value::Int(INT64_MAX), kInt8},
      {Value::Float(0.1), kFloat8},
      {Value::Float(-HUGE_VAL), kFloat8},
      {Value::Float(0.5), kFloat4},
      {Value::String("héllo"), SqlType::Of(TypeId::kText)},
      {Value::Bytes(std::string("\0\x01\xff", 3)), kBytea},
      {Value::Date(-1), kDate},
      {Value::Date(-800000), kDate},
      {Value::Date(11016), kDate},
      {Value::Timestamp(-1), kTs},
      {Value::Timestamp(-62135596800000000LL), kTs},  // 0001-01-01
      {Value::Timestamp(INT64_MIN), kTsTz},
      {Value::Interval(-123456789), kInterval},
  };
  for (const char* n :
       {"0", "1", "-1", "0.1", "12345.678", "-99999999999999999999999999999999999999",
        "0.00000000000000000000000000000000000001", "10000", "1.0000", "123456789.123456789",
        "0.000"}) {
    cases.push_back({Parse(n, SqlType::Numeric()), SqlType::Numeric()});
  }
  for (const auto& [v, t] : cases) {
    ASSERT_TRUE(HasBinaryFormat(t));
    std::string b = FormatBinary(v, t);
    absl::StatusOr<Value> back = ParseBinary(b, t);
    ASSERT_TRUE(back.ok()) << v << ": " << back.status();
    EXPECT_EQ(*back, v) << t;
  }
}

TEST(PgFormatTest, BinaryInputErrors) {
  EXPECT_EQ(State(ParseBinary("\x01\x02\x03", kInt4).status()), "22P03");
  EXPECT_EQ(State(ParseBinary("\x01\x02\x03\x04\x05", kInt4).status()), "22P03");
  EXPECT_EQ(State(ParseBinary("", kInt8).status()), "22P03");
  EXPECT_EQ(State(ParseBinary(std::string("\xff\xfe", 2), SqlType::Of(TypeId::kText)).status()),
            "22021");
  // Numeric: digit > 9999, bad sign, short digits.
  EXPECT_EQ(
      State(ParseBinary(std::string("\0\1\0\0\0\0\0\0\x27\x10", 10), SqlType::Numeric()).status()),
      "22P03");
  EXPECT_EQ(
      State(ParseBinary(std::string("\0\1\0\0\x12\0\0\0\0\1", 10), SqlType::Numeric()).status()),
      "22P03");
  EXPECT_EQ(
      State(ParseBinary(std::string("\0\2\0\0\0\0\0\0\0\1", 10), SqlType::Numeric()).status()),
      "22P03");
  EXPECT_EQ(State(ParseBinary(std::string("\0\0\0\0\xc0\0\0\0", 8), SqlType::Numeric()).status()),
            "0A000");
  // A timestamp beyond what the 1970-based representation holds.
  EXPECT_EQ(State(ParseBinary(std::string("\x7f\xff\xff\xff\xff\xff\xff\xfe", 8), kTs).status()),
            "22008");
  // Random bytes never crash the decoders.
  std::mt19937_64 rng(11);
  std::vector<SqlType> types = {kBool,
                                kInt2,
                                kInt4,
                                kInt8,
                                kFloat4,
                                kFloat8,
                                kDate,
                                kTs,
                                kBytea,
                                kInterval,
                                SqlType::Numeric(),
                                SqlType::Of(TypeId::kText)};
  for (int i = 0; i < 20000; ++i) {
    std::string b(rng() % 24, '\0');
    for (char& c : b) c = static_cast<char>(rng());
    if (rng() % 2 == 0 && b.size() >= 8) {
      // Plausible numeric headers: small ndigits matching the length.
      b[0] = 0;
      b[1] = static_cast<char>((b.size() - 8) / 2);
    }
    for (const SqlType& t : types) {
      absl::StatusOr<Value> v = ParseBinary(b, t);
      if (v.ok()) {
        // Whatever decodes re-encodes to something that decodes to the same value.
        absl::StatusOr<Value> again = ParseBinary(FormatBinary(*v, t), t);
        ASSERT_TRUE(again.ok()) << t;
        EXPECT_EQ(CompareValues(*again, *v), 0) << t;
      }
    }
  }
}

}  // namespace
}  // namespace meridian::sql
