#include "sql/types/row_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "common/status.h"

namespace meridian::sql {
namespace {

Numeric N(std::string_view s) { return *Numeric::Parse(s); }

Numeric RandomNumeric(std::mt19937_64& rng) {
  // Magnitudes across the whole 38-digit range and every scale, with trailing zeros.
  int digits = 1 + static_cast<int>(rng() % 38);
  __int128 u = 0;
  for (int i = 0; i < digits; ++i) u = u * 10 + static_cast<int>(rng() % (rng() % 3 == 0 ? 1 : 10));
  if (rng() % 2) u = -u;
  int scale = static_cast<int>(rng() % 39);
  return Numeric::FromUnscaled(u, scale);
}

TEST(RowCodecTest, NumericKeyEncodingPreservesOrder) {
  EXPECT_EQ(EncodeNumericKey(N("1.0")), EncodeNumericKey(N("1.00")));
  EXPECT_EQ(EncodeNumericKey(N("1")), EncodeNumericKey(N("1.000")));
  EXPECT_EQ(EncodeNumericKey(N("0")), EncodeNumericKey(N("-0.00")));
  EXPECT_EQ(EncodeNumericKey(N("100")).size(), 4u);  // class, exponent, one pair, terminator
  std::vector<std::string> ordered = {"-99999999999999999999999999999999999999",
                                      "-100",
                                      "-10.5",
                                      "-10",
                                      "-1",
                                      "-0.11",
                                      "-0.1",
                                      "-0.00000000000000000000000000000000000001",
                                      "0",
                                      "0.00000000000000000000000000000000000001",
                                      "0.1",
                                      "0.101",
                                      "0.11",
                                      "1",
                                      "1.5",
                                      "10",
                                      "10.5",
                                      "11",
                                      "100",
                                      "99999999999999999999999999999999999999"};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(EncodeNumericKey(N(ordered[i])), EncodeNumericKey(N(ordered[i + 1])))
        << ordered[i] << " < " << ordered[i + 1];
  }
  std::mt19937_64 rng(1);
  std::vector<Numeric> vals;
  for (int i = 0; i < 3000; ++i) vals.push_back(RandomNumeric(rng));
  for (size_t i = 0; i < vals.size(); ++i) {
    std::string ei = EncodeNumericKey(vals[i]);
    absl::StatusOr<Numeric> back = DecodeNumericKey(ei);
    ASSERT_TRUE(back.ok()) << vals[i].ToString();
    ASSERT_EQ(*back, vals[i]);
    for (size_t j = i + 1; j < std::min(vals.size(), i + 40); ++j) {
      std::string ej = EncodeNumericKey(vals[j]);
      int c = ei.compare(ej);
      std::strong_ordering o = vals[i] <=> vals[j];
      ASSERT_EQ(c < 0, o < 0) << vals[i].ToString() << " vs " << vals[j].ToString();
      ASSERT_EQ(c == 0, o == 0) << vals[i].ToString() << " vs " << vals[j].ToString();
    }
  }
}

TEST(RowCodecTest, NumericKeyDecodingIsStrict) {
  EXPECT_EQ(DecodeNumericKey("").status().code(), absl::StatusCode::kDataLoss);
  std::string one = EncodeNumericKey(N("1"));
  EXPECT_EQ(DecodeNumericKey(one.substr(0, one.size() - 1)).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeNumericKey(one + "x").status().code(), absl::StatusCode::kDataLoss);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100000; ++i) {
    std::string b(1 + rng() % 24, '\0');
    for (char& c : b) c = static_cast<char>(rng());
    if (rng() % 2) b[0] = static_cast<char>(rng() % 2 ? 0xC0 : 0x40);
    absl::StatusOr<Numeric> n = DecodeNumericKey(b);
    // Accepted bytes are exactly the canonical encoding of what they decode to.
    if (n.ok())
      ASSERT_EQ(EncodeNumericKey(*n), b);
    else
      ASSERT_EQ(n.status().code(), absl::StatusCode::kDataLoss);
  }
}

TEST(RowCodecTest, KeyValuesRoundTrip) {
  struct Case {
    Value v;
    SqlType t;
  };
  std::vector<Case> cases = {
      {Value::Bool(true), SqlType::Of(TypeId::kBool)},
      {Value::Int(-5), SqlType::Of(TypeId::kInt4)},
      {Value::Float(-0.5), SqlType::Of(TypeId::kFloat8)},
      {Value::String("abc"), SqlType::Varchar(10)},
      {Value::Bytes(std::string("\0\xff", 2)), SqlType::Of(TypeId::kBytea)},
      {Value::Date(-3), SqlType::Of(TypeId::kDate)},
      {Value::Timestamp(-7), SqlType::Of(TypeId::kTimestamp)},
      {Value::Interval(9), SqlType::Of(TypeId::kInterval)},
      {Value::Decimal(N("-12.5")), SqlType::Numeric()},
      {Value::Decimal(N("12.50")), SqlType::Numeric(10, 2)},  // scale restored from the type
      {Value::Null(), SqlType::Of(TypeId::kInt8)},
  };
  for (const Case& c : cases) {
    storage::KeyValue k = ToKeyValue(c.v, c.t);
    absl::StatusOr<Value> back = FromKeyValue(k, c.t);
    ASSERT_TRUE(back.ok()) << c.v << ": " << back.status();
    EXPECT_EQ(*back, c.v);
  }
  EXPECT_EQ(ToKeyValue(Value::Date(4), SqlType::Of(TypeId::kDate)).int64_value(), 4);
  EXPECT_EQ(
      FromKeyValue(storage::KeyValue::String("x"), SqlType::Of(TypeId::kInt4)).status().code(),
      absl::StatusCode::kDataLoss);
  // NUMERIC keys sort numerically through the tuple codec too.
  std::string a = storage::EncodeTuple({ToKeyValue(Value::Decimal(N("9.5")), SqlType::Numeric())});
  std::string b = storage::EncodeTuple({ToKeyValue(Value::Decimal(N("10")), SqlType::Numeric())});
  EXPECT_LT(a, b);
}

TEST(RowCodecTest, RowsRoundTripAndSkipNulls) {
  std::vector<uint32_t> ids = {1, 2, 3, 4, 5, 6, 7, 8, 9, 300, 70000};
  std::vector<Value> values = {Value::Bool(false),
                               Value::Int(INT64_MIN),
                               Value::Float(0.1),
                               Value::Decimal(N("-99999999999999999999999999999999999999")),
                               Value::String("héllo"),
                               Value::Bytes(std::string("\0\x01", 2)),
                               Value::Date(-719163),
                               Value::Timestamp(-1),
                               Value::Null(),
                               Value::Interval(INT64_MAX),
                               Value::Decimal(N("0.000"))};
  std::vector<SqlType> types = {SqlType::Of(TypeId::kBool),
                                SqlType::Of(TypeId::kInt8),
                                SqlType::Of(TypeId::kFloat8),
                                SqlType::Numeric(),
                                SqlType::Of(TypeId::kText),
                                SqlType::Of(TypeId::kBytea),
                                SqlType::Of(TypeId::kDate),
                                SqlType::Of(TypeId::kTimestamp),
                                SqlType::Of(TypeId::kInt4),
                                SqlType::Of(TypeId::kInterval),
                                SqlType::Numeric()};
  std::string row = EncodeRow(ids, values);
  std::vector<Value> out;
  ASSERT_TRUE(DecodeRow(row, ids, types, &out).ok());
  ASSERT_EQ(out.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(out[i], values[i]) << i;

  // A subset in another order, plus a column the row does not have (added later).
  std::vector<uint32_t> some = {300, 2, 999};
  std::vector<SqlType> some_types = {SqlType::Of(TypeId::kInterval), SqlType::Of(TypeId::kInt8),
                                     SqlType::Of(TypeId::kText)};
  ASSERT_TRUE(DecodeRow(row, some, some_types, &out).ok());
  EXPECT_EQ(out[0], values[9]);
  EXPECT_EQ(out[1], values[1]);
  EXPECT_TRUE(out[2].is_null());

  // Compact: a small int column costs id + tag + one byte.
  EXPECT_EQ(EncodeRow({1}, {Value::Int(1)}).size(), 4u);
  EXPECT_EQ(EncodeRow({{1, 2}}, {{Value::Null(), Value::Null()}}).size(), 1u);
  // A stored kind that does not match the requested type is corruption.
  std::vector<uint32_t> id1 = {1};
  std::vector<SqlType> wrong = {SqlType::Of(TypeId::kText)};
  EXPECT_EQ(DecodeRow(row, id1, wrong, &out).code(), absl::StatusCode::kDataLoss);
}

TEST(RowCodecTest, MalformedRowsAreDataLoss) {
  std::vector<uint32_t> ids = {1, 2};
  std::vector<SqlType> types = {SqlType::Of(TypeId::kText), SqlType::Of(TypeId::kInt8)};
  std::vector<Value> out;
  EXPECT_EQ(DecodeRow("", ids, types, &out).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeRow("\x02", ids, types, &out).code(), absl::StatusCode::kDataLoss);
  std::string row = EncodeRow(ids, {{Value::String("hello"), Value::Int(1000)}});
  // Every cut inside a column is detected.
  for (size_t cut : {2u, 3u, 4u, 8u, 10u, static_cast<unsigned>(row.size() - 1)}) {
    EXPECT_EQ(DecodeRow(row.substr(0, cut), ids, types, &out).code(), absl::StatusCode::kDataLoss)
        << cut;
  }
  EXPECT_EQ(DecodeRow(row + "\x01\x63", ids, types, &out).code(), absl::StatusCode::kDataLoss);
  // A repeated column id.
  std::string twice = row + std::string("\x01\x03\x02", 3);
  EXPECT_EQ(DecodeRow(twice, ids, types, &out).code(), absl::StatusCode::kDataLoss);
  // Overlong varint for the column id.
  EXPECT_EQ(DecodeRow(std::string("\x01\xff\xff\xff\xff\xff\x01\x01", 8), ids, types, &out).code(),
            absl::StatusCode::kDataLoss);
  // A string length far past the end.
  EXPECT_EQ(DecodeRow(std::string("\x01\x01\x06\xff\xff\xff\xff\x0f", 8), ids, types, &out).code(),
            absl::StatusCode::kDataLoss);

  // Fuzz: random bytes and mutations of valid rows never crash and fail only with kDataLoss.
  std::mt19937_64 rng(99);
  std::vector<uint32_t> all_ids = {1, 2, 3, 4, 5};
  std::vector<SqlType> all_types = {SqlType::Of(TypeId::kText), SqlType::Of(TypeId::kInt8),
                                    SqlType::Numeric(), SqlType::Of(TypeId::kFloat8),
                                    SqlType::Of(TypeId::kDate)};
  std::string valid =
      EncodeRow(all_ids, {{Value::String("abc"), Value::Int(-3), Value::Decimal(N("1.25")),
                           Value::Float(2), Value::Date(7)}});
  for (int i = 0; i < 100000; ++i) {
    std::string b;
    if (i % 2 == 0) {
      b.assign(rng() % 32, '\0');
      for (char& c : b) c = static_cast<char>(rng());
      if (!b.empty() && rng() % 2) b[0] = 1;
    } else {
      b = valid;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<char>(rng());
      if (rng() % 4 == 0) b.resize(rng() % b.size());
    }
    absl::Status s = DecodeRow(b, all_ids, all_types, &out);
    if (!s.ok()) {
      ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    } else {
      ASSERT_EQ(out.size(), all_ids.size());
    }
  }
}

}  // namespace
}  // namespace meridian::sql
