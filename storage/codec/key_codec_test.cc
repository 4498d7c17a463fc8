#include "storage/codec/key_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::storage {
namespace {

using ::testing::HasSubstr;

constexpr Direction kAsc = Direction::kAscending;
constexpr Direction kDesc = Direction::kDescending;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Enc(const KeyValue& v, Direction d = kAsc) {
  std::string out;
  EncodeKeyValue(v, d, &out);
  return out;
}

std::string Hex(std::string_view s) {
  return absl::BytesToHexString(absl::string_view(s.data(), s.size()));
}

int Sign(int c) { return (c > 0) - (c < 0); }

int ByteCompare(std::string_view a, std::string_view b) { return Sign(a.compare(b)); }

std::vector<Direction> AllAscending(size_t n) { return std::vector<Direction>(n, kAsc); }

// Checks that `values` (listed in strictly increasing value order) encode in strictly increasing
// byte order ascending, strictly decreasing descending, and round-trip in both directions.
void ExpectStrictlyOrdered(const std::vector<KeyValue>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    for (Direction d : {kAsc, kDesc}) {
      std::string enc = Enc(values[i], d);
      std::string_view in = enc;
      auto decoded = DecodeKeyValue(&in, d);
      ASSERT_TRUE(decoded.ok()) << values[i] << ": " << decoded.status();
      EXPECT_EQ(*decoded, values[i]);
      EXPECT_EQ(decoded->kind(), values[i].kind());
      EXPECT_TRUE(in.empty()) << values[i];
    }
    if (i == 0) continue;
    EXPECT_LT(values[i - 1], values[i]);
    EXPECT_LT(Enc(values[i - 1], kAsc), Enc(values[i], kAsc))
        << values[i - 1] << " vs " << values[i];
    EXPECT_GT(Enc(values[i - 1], kDesc), Enc(values[i], kDesc))
        << values[i - 1] << " vs " << values[i];
  }
}

// ---------------------------------------------------------------------------------------------
// KeyValue basics.

TEST(KeyValueTest, FactoriesAndAccessors) {
  EXPECT_TRUE(KeyValue().is_null());
  EXPECT_EQ(KeyValue::Null().kind(), KeyKind::kNull);
  EXPECT_EQ(KeyValue::Bool(true).bool_value(), true);
  EXPECT_EQ(KeyValue::Int64(-5).int64_value(), -5);
  EXPECT_EQ(KeyValue::Uint64(5).uint64_value(), 5u);
  EXPECT_EQ(KeyValue::Double(2.5).double_value(), 2.5);
  EXPECT_EQ(KeyValue::String("s").string_value(), "s");
  EXPECT_EQ(KeyValue::Bytes("b").bytes_value(), "b");
  EXPECT_EQ(KeyValue::String("x").kind(), KeyKind::kString);
  EXPECT_EQ(KeyValue::Bytes("x").kind(), KeyKind::kBytes);
}

TEST(KeyValueTest, DoubleIsCanonicalized) {
  EXPECT_FALSE(std::signbit(KeyValue::Double(-0.0).double_value()));
  EXPECT_EQ(KeyValue::Double(-0.0), KeyValue::Double(0.0));
  EXPECT_EQ(KeyValue::Double(kNaN), KeyValue::Double(-kNaN));
  EXPECT_EQ(KeyValue::Double(kNaN),
            KeyValue::Double(std::bit_cast<double>(uint64_t{0x7FF0000000000001})));
  EXPECT_TRUE(std::isnan(KeyValue::Double(-kNaN).double_value()));
}

TEST(KeyValueTest, StringAndBytesAreDistinct) {
  EXPECT_NE(KeyValue::String("a"), KeyValue::Bytes("a"));
  EXPECT_LT(KeyValue::String("zzz"), KeyValue::Bytes(""));
}

TEST(KeyValueTest, KindOrder) {
  ExpectStrictlyOrdered({KeyValue::Null(), KeyValue::Bool(true), KeyValue::Int64(-1),
                         KeyValue::Uint64(0), KeyValue::Double(kNaN), KeyValue::String(""),
                         KeyValue::Bytes("")});
  // Regardless of the value inside, kind decides first.
  ExpectStrictlyOrdered({KeyValue::Bool(true), KeyValue::Int64(INT64_MIN),
                         KeyValue::Uint64(UINT64_MAX), KeyValue::Double(-kInf),
                         KeyValue::String("\xff\xff"), KeyValue::Bytes(std::string(1, '\0'))});
}

TEST(KeyValueTest, DescendingComparisonReverses) {
  EXPECT_LT(CompareKeyValues(KeyValue::Int64(1), KeyValue::Int64(2), kAsc), 0);
  EXPECT_GT(CompareKeyValues(KeyValue::Int64(1), KeyValue::Int64(2), kDesc), 0);
  EXPECT_GT(CompareKeyValues(KeyValue::Int64(1), KeyValue::Null(), kAsc), 0);
  EXPECT_LT(CompareKeyValues(KeyValue::Int64(1), KeyValue::Null(), kDesc), 0);
  EXPECT_EQ(CompareKeyValues(KeyValue::Double(0.0), KeyValue::Double(-0.0), kDesc), 0);
}

TEST(KeyValueTest, ToString) {
  EXPECT_EQ(KeyValue::Null().ToString(), "NULL");
  EXPECT_EQ(KeyValue::Bool(false).ToString(), "false");
  EXPECT_EQ(KeyValue::Int64(-7).ToString(), "-7");
  EXPECT_EQ(KeyValue::Uint64(7).ToString(), "7u");
  EXPECT_EQ(KeyValue::Double(1.5).ToString(), "1.5");
  EXPECT_EQ(KeyValue::Double(0.1).ToString(), "0.10000000000000001");
  EXPECT_EQ(KeyValue::Double(kNaN).ToString(), "NaN");
  EXPECT_EQ(KeyValue::Double(-kInf).ToString(), "-inf");
  EXPECT_EQ(KeyValue::Double(kInf).ToString(), "+inf");
  EXPECT_EQ(KeyValue::String("a\"b").ToString(), "\"a\\\"b\"");
  EXPECT_EQ(KeyValue::Bytes(std::string("\x00\xff", 2)).ToString(), "b\"\\x00\\xff\"");
  std::vector<KeyValue> t = {KeyValue::Int64(1), KeyValue::String("a"), KeyValue::Null()};
  EXPECT_EQ(TupleToString(t), "(1, \"a\", NULL)");
  EXPECT_EQ(TupleToString({}), "()");
}

TEST(KeyValueDeathTest, WrongAccessorChecks) {
  EXPECT_DEATH(KeyValue::Int64(1).string_value(), "CHECK failed");
  EXPECT_DEATH(KeyValue::String("a").bytes_value(), "CHECK failed");
}

// ---------------------------------------------------------------------------------------------
// Golden encodings: the format is persisted, so pin it byte for byte.

TEST(KeyCodecTest, GoldenEncodings) {
  EXPECT_EQ(Hex(Enc(KeyValue::Null())), "05");
  EXPECT_EQ(Hex(Enc(KeyValue::Null(), kDesc)), "fa");
  EXPECT_EQ(Hex(Enc(KeyValue::Bool(false))), "1000");
  EXPECT_EQ(Hex(Enc(KeyValue::Bool(true))), "1001");
  EXPECT_EQ(Hex(Enc(KeyValue::Int64(0))), "208000000000000000");
  EXPECT_EQ(Hex(Enc(KeyValue::Int64(-1))), "207fffffffffffffff");
  EXPECT_EQ(Hex(Enc(KeyValue::Int64(INT64_MIN))), "200000000000000000");
  EXPECT_EQ(Hex(Enc(KeyValue::Int64(0x0102030405060708))), "208102030405060708");
  EXPECT_EQ(Hex(Enc(KeyValue::Int64(0), kDesc)), "df7fffffffffffffff");
  EXPECT_EQ(Hex(Enc(KeyValue::Uint64(0x0102030405060708))), "280102030405060708");
  EXPECT_EQ(Hex(Enc(KeyValue::Double(1.0))), "30bff0000000000000");
  EXPECT_EQ(Hex(Enc(KeyValue::Double(-1.0))), "30400fffffffffffff");
  EXPECT_EQ(Hex(Enc(KeyValue::Double(0.0))), "308000000000000000");
  EXPECT_EQ(Hex(Enc(KeyValue::Double(-0.0))), "308000000000000000");
  EXPECT_EQ(Hex(Enc(KeyValue::Double(kNaN))), "300000000000000000");
  EXPECT_EQ(Hex(Enc(KeyValue::Double(-kInf))), "30000fffffffffffff");
  EXPECT_EQ(Hex(Enc(KeyValue::String(""))), "400001");
  EXPECT_EQ(Hex(Enc(KeyValue::String(std::string("a\0b", 3)))), "406100ff620001");
  EXPECT_EQ(Hex(Enc(KeyValue::Bytes("\xff"))), "41ff0001");
  EXPECT_EQ(Hex(Enc(KeyValue::String(std::string("a\0", 2)), kDesc)), "bf9eff00fffe");
  EXPECT_EQ(Hex(EncodeTuple({KeyValue::Int64(1), KeyValue::Null()}, {kAsc, kDesc})),
            "208000000000000001fa");
}

// ---------------------------------------------------------------------------------------------
// Hand-picked edge cases, each list in strictly increasing value order.

TEST(KeyCodecTest, Int64EdgeCases) {
  ExpectStrictlyOrdered({KeyValue::Int64(INT64_MIN), KeyValue::Int64(INT64_MIN + 1),
                         KeyValue::Int64(-(int64_t{1} << 32)), KeyValue::Int64(-256),
                         KeyValue::Int64(-255), KeyValue::Int64(-1), KeyValue::Int64(0),
                         KeyValue::Int64(1), KeyValue::Int64(255), KeyValue::Int64(256),
                         KeyValue::Int64(int64_t{1} << 32), KeyValue::Int64(INT64_MAX - 1),
                         KeyValue::Int64(INT64_MAX)});
}

TEST(KeyCodecTest, Uint64EdgeCases) {
  ExpectStrictlyOrdered({KeyValue::Uint64(0), KeyValue::Uint64(1), KeyValue::Uint64(255),
                         KeyValue::Uint64(256), KeyValue::Uint64(uint64_t{INT64_MAX}),
                         KeyValue::Uint64(uint64_t{1} << 63), KeyValue::Uint64(UINT64_MAX - 1),
                         KeyValue::Uint64(UINT64_MAX)});
}

TEST(KeyCodecTest, BoolEdgeCases) {
  ExpectStrictlyOrdered({KeyValue::Null(), KeyValue::Bool(false), KeyValue::Bool(true)});
}

TEST(KeyCodecTest, DoubleEdgeCases) {
  using L = std::numeric_limits<double>;
  ExpectStrictlyOrdered({
      KeyValue::Null(),
      KeyValue::Double(kNaN),
      KeyValue::Double(-kInf),
      KeyValue::Double(L::lowest()),
      KeyValue::Double(-1e300),
      KeyValue::Double(-1.0),
      KeyValue::Double(-L::min()),                                             // smallest normal
      KeyValue::Double(-std::bit_cast<double>(uint64_t{0x000FFFFFFFFFFFFF})),  // largest denormal
      KeyValue::Double(-L::denorm_min()),
      KeyValue::Double(0.0),
      KeyValue::Double(L::denorm_min()),
      KeyValue::Double(2 * L::denorm_min()),
      KeyValue::Double(std::bit_cast<double>(uint64_t{0x000FFFFFFFFFFFFF})),
      KeyValue::Double(L::min()),
      KeyValue::Double(1.0),
      KeyValue::Double(std::nextafter(1.0, 2.0)),
      KeyValue::Double(1e300),
      KeyValue::Double(L::max()),
      KeyValue::Double(kInf),
  });
}

TEST(KeyCodecTest, NegativeZeroAndNaNNormalize) {
  // The raw IEEE bits differ, the encodings must not.
  EXPECT_EQ(Enc(KeyValue::Double(-0.0)), Enc(KeyValue::Double(0.0)));
  EXPECT_EQ(Enc(KeyValue::Double(-0.0), kDesc), Enc(KeyValue::Double(0.0), kDesc));
  EXPECT_EQ(Enc(KeyValue::Double(-kNaN)), Enc(KeyValue::Double(kNaN)));
  EXPECT_EQ(Enc(KeyValue::Double(std::bit_cast<double>(uint64_t{0xFFF0000000000001}))),
            Enc(KeyValue::Double(kNaN)));
  std::string enc = Enc(KeyValue::Double(-0.0));
  std::string_view in = enc;
  auto v = DecodeKeyValue(&in, kAsc);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(std::signbit(v->double_value()));
}

TEST(KeyCodecTest, StringEdgeCases) {
  auto s = [](std::string_view v) { return KeyValue::String(std::string(v)); };
  using namespace std::string_view_literals;
  ExpectStrictlyOrdered({
      s(""),
      s("\x00"sv),
      s("\x00\x00"sv),
      s("\x00\x01"sv),
      s("\x00\xff"sv),
      s("\x01"sv),
      s("a"),
      s("a\x00"sv),
      s("a\x00\x00"sv),
      s("a\x00\x01"sv),
      s("a\x01"sv),
      s("ab"),
      s("ab\xff"sv),
      s("b"),
      s("\xfe"),
      s("\xff"),
      s("\xff\x00"sv),
      s("\xff\xff"),
      s("\xff\xff\xff"),
  });
}

TEST(KeyCodecTest, BytesDecodeAsBytes) {
  for (Direction d : {kAsc, kDesc}) {
    for (const KeyValue& v :
         {KeyValue::String(std::string("x\0y", 3)), KeyValue::Bytes(std::string("x\0y", 3))}) {
      std::string enc = Enc(v, d);
      auto decoded = DecodeTuple(enc, {d});
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      ASSERT_EQ(decoded->size(), 1u);
      EXPECT_EQ((*decoded)[0].kind(), v.kind());
      EXPECT_EQ((*decoded)[0], v);
    }
  }
}

// Descending string columns must stay self-delimiting: a following column must not be absorbed.
TEST(KeyCodecTest, DescendingStringsFollowedByColumns) {
  std::vector<KeyValue> t = {KeyValue::String(std::string("\x00\xff\x00", 3)), KeyValue::String(""),
                             KeyValue::Int64(-1), KeyValue::Bytes(std::string(3, '\xff'))};
  std::vector<Direction> dirs = {kDesc, kDesc, kDesc, kDesc};
  std::string enc = EncodeTuple(t, dirs);
  auto decoded = DecodeTuple(enc, dirs);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, t);
}

// ---------------------------------------------------------------------------------------------
// Tuples and prefixes.

TEST(KeyCodecTest, TupleRoundTripAndOrder) {
  std::vector<Direction> dirs = {kAsc, kDesc};
  std::vector<KeyValue> a = {KeyValue::Int64(1), KeyValue::String("z")};
  std::vector<KeyValue> b = {KeyValue::Int64(1), KeyValue::String("a")};  // "a" > "z" descending
  std::vector<KeyValue> c = {KeyValue::Int64(2), KeyValue::Null()};
  EXPECT_LT(EncodeTuple(a, dirs), EncodeTuple(b, dirs));
  EXPECT_LT(EncodeTuple(b, dirs), EncodeTuple(c, dirs));
  EXPECT_LT(CompareTuples(a, b, dirs), 0);
  EXPECT_LT(CompareTuples(b, c, dirs), 0);
  auto decoded = DecodeTuple(EncodeTuple(b, dirs), dirs);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, b);
}

TEST(KeyCodecTest, EmptyTuple) {
  EXPECT_EQ(EncodeTuple({}), "");
  auto decoded = DecodeTuple("", {});
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(KeyCodecTest, EmptyDirsMeansAscending) {
  std::vector<KeyValue> t = {KeyValue::String("a"), KeyValue::Double(-2), KeyValue::Null()};
  EXPECT_EQ(EncodeTuple(t), EncodeTuple(t, AllAscending(3)));
  auto decoded = DecodeTuple(EncodeTuple(t));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, t);
}

TEST(KeyCodecTest, PrefixEncodedWithSchemaDirections) {
  std::vector<Direction> schema = {kDesc, kAsc, kDesc};
  std::vector<KeyValue> full = {KeyValue::Int64(7), KeyValue::String("k"), KeyValue::Bool(true)};
  std::string full_enc = EncodeTuple(full, schema);
  for (size_t k = 0; k <= full.size(); ++k) {
    absl::Span<const KeyValue> prefix(full.data(), k);
    std::string prefix_enc = EncodeTuple(prefix, schema);
    EXPECT_EQ(prefix_enc, full_enc.substr(0, prefix_enc.size())) << k;
    EXPECT_LE(prefix_enc, full_enc);
    auto decoded = DecodeTuple(prefix_enc, absl::Span<const Direction>(schema.data(), k));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, std::vector<KeyValue>(prefix.begin(), prefix.end()));
  }
}

TEST(KeyCodecTest, PrefixTupleSortsBeforeExtensionsAndBiggerTuples) {
  std::vector<KeyValue> a = {KeyValue::String("a")};
  std::vector<KeyValue> a_min = {KeyValue::String("a"), KeyValue::Null()};
  std::vector<KeyValue> a_big = {KeyValue::String("a"), KeyValue::Bytes("\xff\xff")};
  std::vector<KeyValue> a0 = {KeyValue::String(std::string("a\0", 2))};
  std::vector<KeyValue> ab = {KeyValue::String("ab")};
  EXPECT_LT(EncodeTuple(a), EncodeTuple(a_min));
  EXPECT_LT(EncodeTuple(a_big), EncodeTuple(a0));
  EXPECT_LT(EncodeTuple(a0), EncodeTuple(ab));
  EXPECT_LT(PrefixEnd(EncodeTuple(a)), EncodeTuple(a0));
  EXPECT_GT(PrefixEnd(EncodeTuple(a)), EncodeTuple(a_big));
}

TEST(KeyCodecDeathTest, TooFewDirectionsChecks) {
  std::vector<KeyValue> t = {KeyValue::Int64(1), KeyValue::Int64(2)};
  EXPECT_DEATH(EncodeTuple(t, {kAsc}), "CHECK failed");
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

absl::Status DecodeOneError(std::string_view bytes, Direction d = kAsc) {
  std::string_view in = bytes;
  auto v = DecodeKeyValue(&in, d);
  EXPECT_FALSE(v.ok()) << Hex(bytes) << " decoded to " << *v;
  EXPECT_EQ(in, bytes) << "input must be left unchanged on error";
  return v.ok() ? absl::OkStatus() : v.status();
}

TEST(KeyCodecTest, MalformedInputErrors) {
  using namespace std::string_view_literals;
  struct Case {
    std::string_view bytes;
    std::string_view message;
  };
  const Case cases[] = {
      {""sv, "end of input"},
      {"\x00"sv, "unknown tag 0x00"},
      {"\xff"sv, "unknown tag 0xff"},
      {"\x10"sv, "truncated bool"},
      {"\x10\x02"sv, "invalid bool byte 0x02"},
      {"\x20\x80\x00\x00"sv, "truncated int64 (need 8 bytes, have 3)"},
      {"\x28"sv, "truncated uint64"},
      {"\x30\x00\x00\x00\x00\x00\x00\x00"sv, "truncated double"},
      {"\x30\x00\x00\x00\x00\x00\x00\x00\x01"sv, "non-canonical NaN"},
      {"\x30\x7f\xff\xff\xff\xff\xff\xff\xff"sv, "non-canonical -0.0"},
      {"\x40"sv, "missing its terminator"},
      {"\x40\x61\x62"sv, "missing its terminator"},
      {"\x40\x61\x00"sv, "inside an escape"},
      {"\x40\x61\x00\x02"sv, "invalid escape 0x00 0x02"},
      {"\x41\x00\x00\x01"sv, "invalid escape 0x00 0x00"},
  };
  for (const Case& c : cases) {
    absl::Status s = DecodeOneError(c.bytes);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << Hex(c.bytes);
    EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(c.message))) << Hex(c.bytes);
  }
}

TEST(KeyCodecTest, MalformedDescendingInput) {
  using namespace std::string_view_literals;
  // Ascending-valid bytes are garbage when read as descending, and vice versa.
  EXPECT_THAT(std::string(DecodeOneError("\x05"sv, kDesc).message()), HasSubstr("unknown tag"));
  EXPECT_THAT(std::string(DecodeOneError("\xbf\x9e\xff\xfd"sv, kDesc).message()),
              HasSubstr("invalid escape 0x00 0x02"));
  EXPECT_THAT(std::string(DecodeOneError("\xbf\x9e"sv, kDesc).message()),
              HasSubstr("missing its terminator"));
}

TEST(KeyCodecTest, TupleErrorsNameTheColumn) {
  std::string enc = EncodeTuple({KeyValue::Int64(1), KeyValue::String("ab")});
  auto truncated = DecodeTuple(enc.substr(0, enc.size() - 1), AllAscending(2));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(truncated.status().message()), HasSubstr("column 1, byte offset 9"));

  auto too_few_bytes = DecodeTuple(enc, AllAscending(3));
  ASSERT_FALSE(too_few_bytes.ok());
  EXPECT_THAT(std::string(too_few_bytes.status().message()), HasSubstr("column 2"));

  auto trailing = DecodeTuple(enc, AllAscending(1));
  ASSERT_FALSE(trailing.ok());
  EXPECT_EQ(trailing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(trailing.status().message()), HasSubstr("5 trailing bytes"));

  auto wrong_direction = DecodeTuple(enc, {kAsc, kDesc});
  EXPECT_FALSE(wrong_direction.ok());
}

TEST(KeyCodecTest, DecodeKeyValueConsumesOneColumn) {
  std::string enc = EncodeTuple({KeyValue::String("x"), KeyValue::Int64(3)}, {kDesc, kAsc});
  std::string_view in = enc;
  auto first = DecodeKeyValue(&in, kDesc);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, KeyValue::String("x"));
  EXPECT_EQ(in.size(), 9u);
  auto second = DecodeKeyValue(&in, kAsc);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, KeyValue::Int64(3));
  EXPECT_TRUE(in.empty());
}

// ---------------------------------------------------------------------------------------------
// PrefixEnd.

TEST(PrefixEndTest, HandPicked) {
  using namespace std::string_literals;
  EXPECT_EQ(PrefixEnd(""), "");
  EXPECT_EQ(PrefixEnd("\xff"), "");
  EXPECT_EQ(PrefixEnd("\xff\xff\xff"), "");
  EXPECT_EQ(PrefixEnd("a"), "b");
  EXPECT_EQ(PrefixEnd("a\xff"), "b");
  EXPECT_EQ(PrefixEnd("ab\xff\xff"), "ac");
  EXPECT_EQ(PrefixEnd("\x00"s), "\x01"s);
  EXPECT_EQ(PrefixEnd("\x01\xff\x00"s), "\x01\xff\x01"s);
  EXPECT_EQ(PrefixEnd("\xfe"), "\xff");
  EXPECT_EQ(PrefixEnd("\x7f"), "\x80");
}

// ---------------------------------------------------------------------------------------------
// Randomized properties. Each uses a fixed seed, so a failure reproduces.

class RandomKeys {
 public:
  explicit RandomKeys(uint64_t seed) : rng_(seed) {}

  std::mt19937_64& rng() { return rng_; }

  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  Direction RandomDirection() { return Uniform(2) ? kDesc : kAsc; }

  // Small domains on purpose: equal values and shared prefixes must be common.
  KeyValue Value() {
    switch (Uniform(7)) {
      case 0:
        return KeyValue::Null();
      case 1:
        return KeyValue::Bool(Uniform(2));
      case 2: {
        static constexpr int64_t kEdges[] = {INT64_MIN, INT64_MIN + 1, -256, -1,       0,
                                             1,         255,           256,  INT64_MAX};
        switch (Uniform(3)) {
          case 0:
            return KeyValue::Int64(kEdges[Uniform(std::size(kEdges))]);
          case 1:
            return KeyValue::Int64(static_cast<int64_t>(Uniform(11)) - 5);
          default:
            return KeyValue::Int64(static_cast<int64_t>(rng_()));
        }
      }
      case 3: {
        static constexpr uint64_t kEdges[] = {0, 1, 255, 256, uint64_t{1} << 63, UINT64_MAX};
        switch (Uniform(3)) {
          case 0:
            return KeyValue::Uint64(kEdges[Uniform(std::size(kEdges))]);
          case 1:
            return KeyValue::Uint64(Uniform(8));
          default:
            return KeyValue::Uint64(rng_());
        }
      }
      case 4: {
        using L = std::numeric_limits<double>;
        static const double kEdges[] = {
            kNaN, -kInf,           L::lowest(), -1.0, -L::min(), -L::denorm_min(), -0.0,
            0.0,  L::denorm_min(), L::min(),    0.5,  1.0,       L::max(),         kInf};
        switch (Uniform(4)) {
          case 0:
            return KeyValue::Double(kEdges[Uniform(std::size(kEdges))]);
          case 1:
            return KeyValue::Double(static_cast<double>(static_cast<int>(Uniform(9)) - 4) / 2);
          case 2:
            // Any bit pattern: NaN payloads, denormals, -0.0.
            return KeyValue::Double(std::bit_cast<double>(rng_()));
          default:
            return KeyValue::Double(std::uniform_real_distribution<double>(-1e6, 1e6)(rng_));
        }
      }
      case 5:
        return KeyValue::String(SmallString());
      default:
        return KeyValue::Bytes(SmallString());
    }
  }

  std::vector<KeyValue> Tuple(size_t max_len) {
    std::vector<KeyValue> t(Uniform(max_len + 1));
    for (KeyValue& v : t) v = Value();
    return t;
  }

  std::vector<Direction> Directions(size_t n) {
    std::vector<Direction> dirs(n);
    for (Direction& d : dirs) d = RandomDirection();
    return dirs;
  }

  // Mutates `t` into a nearby tuple sharing a prefix, so comparisons often reach later columns.
  std::vector<KeyValue> Neighbor(const std::vector<KeyValue>& t, size_t max_len) {
    std::vector<KeyValue> u(t.begin(), t.begin() + Uniform(t.size() + 1));
    while (u.size() < max_len && Uniform(3) != 0) u.push_back(Value());
    return u;
  }

  std::string SmallString() {
    static constexpr char kAlphabet[] = {'\x00', '\x01', '\x02', 'a', 'b', '\xfe', '\xff'};
    std::string s(Uniform(6), ' ');
    for (char& c : s) c = kAlphabet[Uniform(std::size(kAlphabet))];
    return s;
  }

  std::string Bytes(size_t max_len) {
    std::string s(Uniform(max_len + 1), ' ');
    for (char& c : s) c = static_cast<char>(Uniform(256));
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

constexpr size_t kMaxColumns = 4;

TEST(KeyCodecPropertyTest, ByteOrderEqualsValueOrderAndRoundTrips) {
  RandomKeys r(0x6d6572696469616e);
  int orders_seen[3] = {0, 0, 0};
  for (int iter = 0; iter < 30000; ++iter) {
    std::vector<Direction> dirs = r.Directions(kMaxColumns);
    std::vector<KeyValue> a = r.Tuple(kMaxColumns);
    std::vector<KeyValue> b = r.Uniform(2) ? r.Neighbor(a, kMaxColumns) : r.Tuple(kMaxColumns);
    const std::string ea = EncodeTuple(a, dirs);
    const std::string eb = EncodeTuple(b, dirs);
    const int value_order = Sign(CompareTuples(a, b, dirs));
    ASSERT_EQ(ByteCompare(ea, eb), value_order)
        << TupleToString(a) << " vs " << TupleToString(b) << "\n"
        << Hex(ea) << "\n"
        << Hex(eb);
    ++orders_seen[value_order + 1];

    auto decoded = DecodeTuple(ea, absl::Span<const Direction>(dirs.data(), a.size()));
    ASSERT_TRUE(decoded.ok()) << TupleToString(a) << ": " << decoded.status();
    ASSERT_EQ(*decoded, a) << TupleToString(*decoded) << " vs " << TupleToString(a);
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ((*decoded)[i].kind(), a[i].kind());
  }
  // The generator must exercise all three outcomes, equality included.
  EXPECT_GT(orders_seen[0], 1000);
  EXPECT_GT(orders_seen[1], 1000);
  EXPECT_GT(orders_seen[2], 1000);
}

TEST(KeyCodecPropertyTest, SortingByBytesSortsByValue) {
  RandomKeys r(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<Direction> dirs = r.Directions(kMaxColumns);
    std::vector<std::vector<KeyValue>> tuples;
    for (int i = 0; i < 1000; ++i) {
      tuples.push_back(tuples.empty() || r.Uniform(2) ? r.Tuple(kMaxColumns)
                                                      : r.Neighbor(tuples.back(), kMaxColumns));
    }
    std::vector<std::pair<std::string, size_t>> encoded;
    for (size_t i = 0; i < tuples.size(); ++i) encoded.push_back({EncodeTuple(tuples[i], dirs), i});
    std::sort(encoded.begin(), encoded.end());
    for (size_t i = 1; i < encoded.size(); ++i) {
      const auto& prev = tuples[encoded[i - 1].second];
      const auto& cur = tuples[encoded[i].second];
      ASSERT_LE(CompareTuples(prev, cur, dirs), 0)
          << TupleToString(prev) << " sorted before " << TupleToString(cur);
    }
  }
}

TEST(KeyCodecPropertyTest, AllAscendingDecodesWithoutDirections) {
  RandomKeys r(7);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<KeyValue> t = r.Tuple(6);
    auto decoded = DecodeTuple(EncodeTuple(t));
    ASSERT_TRUE(decoded.ok()) << TupleToString(t) << ": " << decoded.status();
    ASSERT_EQ(*decoded, t);
  }
}

// A key has prefix p (as tuples) exactly when its encoding lies in
// [Encode(p), PrefixEnd(Encode(p))): the contract span scans rely on.
TEST(KeyCodecPropertyTest, TuplePrefixesBoundTheirExtensions) {
  RandomKeys r(0xfeed);
  int inside = 0;
  int outside = 0;
  for (int iter = 0; iter < 30000; ++iter) {
    std::vector<Direction> dirs = r.Directions(kMaxColumns);
    std::vector<KeyValue> t = r.Tuple(kMaxColumns);
    std::vector<KeyValue> u = r.Uniform(4) ? r.Neighbor(t, kMaxColumns) : r.Tuple(kMaxColumns);
    const size_t k = r.Uniform(t.size() + 1);
    absl::Span<const KeyValue> p(t.data(), k);
    const std::string ep = EncodeTuple(p, dirs);
    const std::string et = EncodeTuple(t, dirs);
    const std::string eu = EncodeTuple(u, dirs);
    const std::string end = PrefixEnd(ep);

    // The prefix's encoding is a byte prefix of the full tuple's, so it sorts first.
    ASSERT_EQ(et.compare(0, ep.size(), ep), 0);
    ASSERT_LE(ep, et);
    if (k > 0) {
      ASSERT_FALSE(end.empty()) << "a tag byte is never 0xff";
    }
    if (!end.empty()) {
      ASSERT_LT(et, end);
    }

    const bool has_prefix =
        u.size() >= k && CompareTuples(p, absl::Span<const KeyValue>(u.data(), k), dirs) == 0;
    const bool in_span = ep <= eu && (end.empty() || eu < end);
    ASSERT_EQ(has_prefix, in_span) << "prefix " << TupleToString(p) << " key " << TupleToString(u);
    (has_prefix ? inside : outside)++;

    // Tuples whose k-column prefix is bigger (smaller) sort after (before) the whole span.
    if (!has_prefix && u.size() >= k) {
      const int c = CompareTuples(absl::Span<const KeyValue>(u.data(), k), p, dirs);
      if (c > 0) {
        ASSERT_GE(eu, end);
      }
      if (c < 0) {
        ASSERT_LT(eu, ep);
      }
    }
  }
  EXPECT_GT(inside, 3000);
  EXPECT_GT(outside, 3000);
}

TEST(PrefixEndTest, RandomStrings) {
  RandomKeys r(99);
  for (int iter = 0; iter < 20000; ++iter) {
    // Bias towards 0xff so carries happen.
    std::string p = r.Bytes(4);
    for (char& c : p) {
      if (r.Uniform(3) == 0) c = '\xff';
    }
    std::string s = r.Uniform(2) ? p + r.Bytes(3) : r.Bytes(5);
    const std::string end = PrefixEnd(p);
    const bool has_prefix = s.compare(0, p.size(), p) == 0 && s.size() >= p.size();
    const bool in_range = p <= s && (end.empty() || s < end);
    ASSERT_EQ(has_prefix, in_range) << Hex(p) << " " << Hex(s) << " end " << Hex(end);
    if (!end.empty()) {
      // Minimality: end is a successor of a prefix of p, no longer than p.
      ASSERT_LE(end.size(), p.size());
      ASSERT_GT(end, p);
      ASSERT_EQ(end.substr(0, end.size() - 1), p.substr(0, end.size() - 1));
      ASSERT_EQ(static_cast<uint8_t>(end.back()), static_cast<uint8_t>(p[end.size() - 1]) + 1);
      for (size_t i = end.size(); i < p.size(); ++i) ASSERT_EQ(p[i], '\xff');
    } else {
      for (char c : p) ASSERT_EQ(c, '\xff');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fuzz-style robustness: never crash, fail only with kInvalidArgument, and accept only
// canonical encodings (whatever decodes re-encodes to the same bytes).

void CheckDecodeTuple(std::string_view bytes, absl::Span<const Direction> dirs) {
  auto decoded = DecodeTuple(bytes, dirs);
  if (!decoded.ok()) {
    ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument)
        << Hex(bytes) << ": " << decoded.status();
    ASSERT_FALSE(decoded.status().message().empty());
    return;
  }
  if (!dirs.empty()) {
    ASSERT_EQ(decoded->size(), dirs.size());
  }
  ASSERT_EQ(EncodeTuple(*decoded, dirs), bytes) << "non-canonical input accepted: " << Hex(bytes);
}

void CheckDecodeKeyValue(std::string_view bytes, Direction d) {
  std::string_view in = bytes;
  auto v = DecodeKeyValue(&in, d);
  if (!v.ok()) {
    ASSERT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << Hex(bytes);
    ASSERT_EQ(in, bytes);
    return;
  }
  ASSERT_LT(in.size(), bytes.size());
  ASSERT_EQ(in.data(), bytes.data() + (bytes.size() - in.size()));
  ASSERT_EQ(Enc(*v, d), bytes.substr(0, bytes.size() - in.size())) << Hex(bytes);
}

TEST(KeyCodecFuzzTest, RandomBytes) {
  RandomKeys r(1234);
  for (int iter = 0; iter < 50000; ++iter) {
    std::string bytes = r.Bytes(24);
    // Often start with a valid tag so the decoders get past the first byte.
    static constexpr char kTags[] = {'\x05', '\x10', '\x20', '\x28', '\x30', '\x40', '\x41'};
    if (!bytes.empty() && r.Uniform(2)) bytes[0] = kTags[r.Uniform(std::size(kTags))];
    const Direction d = r.RandomDirection();
    if (d == kDesc && !bytes.empty() && r.Uniform(2)) bytes[0] = static_cast<char>(~bytes[0]);
    ASSERT_NO_FATAL_FAILURE(CheckDecodeKeyValue(bytes, d));
    ASSERT_NO_FATAL_FAILURE(CheckDecodeTuple(bytes, {}));
    ASSERT_NO_FATAL_FAILURE(CheckDecodeTuple(bytes, r.Directions(1 + r.Uniform(3))));
  }
}

TEST(KeyCodecFuzzTest, TruncatedEncodingsAreRejected) {
  RandomKeys r(5678);
  for (int iter = 0; iter < 5000; ++iter) {
    std::vector<KeyValue> t = r.Tuple(kMaxColumns);
    if (t.empty()) continue;
    std::vector<Direction> dirs = r.Directions(t.size());
    const std::string enc = EncodeTuple(t, dirs);
    for (size_t len = 0; len < enc.size(); ++len) {
      // Copy so that AddressSanitizer catches any read past the truncated end.
      const std::string cut = enc.substr(0, len);
      auto decoded = DecodeTuple(cut, dirs);
      ASSERT_FALSE(decoded.ok()) << "truncated " << TupleToString(t) << " to " << len;
      ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
      ASSERT_NO_FATAL_FAILURE(CheckDecodeTuple(cut, {}));
      ASSERT_NO_FATAL_FAILURE(CheckDecodeKeyValue(cut, dirs[0]));
    }
  }
}

TEST(KeyCodecFuzzTest, MutatedEncodings) {
  RandomKeys r(91011);
  for (int iter = 0; iter < 30000; ++iter) {
    std::vector<KeyValue> t = r.Tuple(kMaxColumns);
    std::vector<Direction> dirs = r.Directions(t.size());
    std::string bytes = EncodeTuple(t, dirs);
    const int mutations = 1 + static_cast<int>(r.Uniform(3));
    for (int m = 0; m < mutations; ++m) {
      const size_t pos = bytes.empty() ? 0 : r.Uniform(bytes.size());
      switch (r.Uniform(4)) {
        case 0:
          if (!bytes.empty()) bytes[pos] = static_cast<char>(r.Uniform(256));
          break;
        case 1:
          if (!bytes.empty()) bytes[pos] ^= static_cast<char>(1u << r.Uniform(8));
          break;
        case 2:
          bytes.insert(pos, 1, static_cast<char>(r.Uniform(256)));
          break;
        default:
          if (!bytes.empty()) bytes.erase(pos, 1);
      }
    }
    ASSERT_NO_FATAL_FAILURE(CheckDecodeTuple(bytes, dirs));
    ASSERT_NO_FATAL_FAILURE(CheckDecodeTuple(bytes, {}));
    ASSERT_NO_FATAL_FAILURE(CheckDecodeKeyValue(bytes, dirs.empty() ? kAsc : dirs[0]));
  }
}

}  // namespace
}  // namespace meridian::storage
