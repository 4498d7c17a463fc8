#include "sql/types/row_codec.h"

#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"

namespace meridian::sql {
namespace {

using u128 = unsigned __int128;

// Row value tags. DO NOT CHANGE: on-disk format.
enum Tag : uint8_t {
  kTagFalse = 1,
  kTagTrue = 2,
  kTagInt = 3,        // zigzag varint
  kTagFloat = 4,      // 8 bytes, IEEE bits little-endian
  kTagNumeric = 5,    // scale byte, zigzag varint of the 128-bit unscaled value
  kTagString = 6,     // varint length, bytes
  kTagBytes = 7,      // varint length, bytes
  kTagDate = 8,       // zigzag varint
  kTagTimestamp = 9,  // zigzag varint
  kTagInterval = 10,  // zigzag varint
};
constexpr char kRowVersion = 1;

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt row value: ", std::string(what)));
}

void PutVarint(u128 v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ZigZag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v < 0 ? -1 : 0);
}
int64_t UnZigZag64(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
u128 ZigZag128(__int128 v) {
  return (static_cast<u128>(v) << 1) ^ static_cast<u128>(v < 0 ? -1 : 0);
}
__int128 UnZigZag128(u128 v) {
  return static_cast<__int128>(v >> 1) ^ -static_cast<__int128>(v & 1);
}

// A bounds-checked reader.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }

  // Reads a varint of at most `bits` significant bits; rejects overlong or too-wide input.
  bool Varint(int bits, u128* out) {
    u128 v = 0;
    int shift = 0;
    while (true) {
      if (pos_ >= s_.size()) return false;
      uint8_t b = static_cast<uint8_t>(s_[pos_++]);
      u128 payload = b & 0x7F;
      if (shift >= bits) return false;
      if (bits - shift < 7 && (payload >> (bits - shift)) != 0) return false;
      v |= payload << shift;
      shift += 7;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 7) return false;  // non-canonical trailing zero group
        *out = v;
        return true;
      }
    }
  }
  bool Byte(uint8_t* out) {
    if (pos_ >= s_.size()) return false;
    *out = static_cast<uint8_t>(s_[pos_++]);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (n > s_.size() - pos_) return false;
    *out = s_.substr(pos_, n);
    pos_ += n;
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

std::string U128Digits(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v != 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return std::string(s.rbegin(), s.rend());
}

constexpr u128 Pow10(int n) {
  u128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace

std::string EncodeNumericKey(const Numeric& n) {
  if (n.is_zero()) return std::string(1, static_cast<char>(0x80));
  __int128 u = n.unscaled();
  u128 mag = u < 0 ? static_cast<u128>(-u) : static_cast<u128>(u);
  std::string digits = U128Digits(mag);
  int exponent = static_cast<int>(digits.size()) - n.scale();
  while (digits.back() == '0') digits.pop_back();
  std::string out;
  out.push_back(static_cast<char>(exponent + 128));
  for (size_t i = 0; i < digits.size(); i += 2) {
    int hi = digits[i] - '0';
    int lo = i + 1 < digits.size() ? digits[i + 1] - '0' : 0;
    out.push_back(static_cast<char>(hi * 10 + lo + 1));
  }
  out.push_back('\0');
  if (u < 0) {
    for (char& c : out) c = static_cast<char>(~static_cast<uint8_t>(c));
    return std::string(1, static_cast<char>(0x40)) + out;
  }
  return std::string(1, static_cast<char>(0xC0)) + out;
}

absl::StatusOr<Numeric> DecodeNumericKey(std::string_view bytes) {
  auto bad = []() { return absl::DataLossError("corrupt NUMERIC key encoding"); };
  if (bytes.empty()) return bad();
  uint8_t cls = static_cast<uint8_t>(bytes[0]);
  if (cls == 0x80) {
    if (bytes.size() != 1) return bad();
    return Numeric();
  }
  if (cls != 0x40 && cls != 0xC0) return bad();
  bool negative = cls == 0x40;
  // exponent, at least one digit pair, terminator
  if (bytes.size() < 4) return bad();
  auto at = [&](size_t i) {
    uint8_t b = static_cast<uint8_t>(bytes[i]);
    return negative ? static_cast<uint8_t>(~b) : b;
  };
  int exponent = at(1) - 128;
  if (at(bytes.size() - 1) != 0) return bad();
  size_t pairs = bytes.size() - 3;
  if (pairs > 19) return bad();
  u128 mag = 0;
  int ndigits = 0;
  for (size_t i = 0; i < pairs; ++i) {
    int b = at(2 + i);
    if (b < 1 || b > 100) return bad();
    int pair = b - 1;
    bool last = i + 1 == pairs;
    if (i == 0 && pair < 10) return bad();  // leading digit must be non-zero
    if (last && pair == 0) return bad();
    if (last && pair % 10 == 0) {
      mag = mag * 10 + static_cast<u128>(pair / 10);
      ndigits += 1;
    } else {
      mag = mag * 100 + static_cast<u128>(pair);
      ndigits += 2;
    }
  }
  if (ndigits > Numeric::kMaxDigits) return bad();
  int scale = ndigits - exponent;
  if (scale > Numeric::kMaxDigits) return bad();
  if (scale < 0) {
    if (ndigits - scale > Numeric::kMaxDigits) return bad();
    mag *= Pow10(-scale);
    scale = 0;
  }
  __int128 u = static_cast<__int128>(mag);
  return Numeric::FromUnscaled(negative ? -u : u, scale);
}

storage::KeyValue ToKeyValue(const Value& v, const SqlType& type) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return storage::KeyValue::Null();
    case Value::Kind::kBool:
      return storage::KeyValue::Bool(v.bool_value());
    case Value::Kind::kInt:
      return storage::KeyValue::Int64(v.int_value());
    case Value::Kind::kDate:
      return storage::KeyValue::Int64(v.date_value());
    case Value::Kind::kTimestamp:
    case Value::Kind::kInterval:
      return storage::KeyValue::Int64(v.timestamp_value());
    case Value::Kind::kFloat:
      return storage::KeyValue::Double(v.float_value());
    case Value::Kind::kString:
      return storage::KeyValue::String(v.string_value());
    case Value::Kind::kBytes:
      return storage::KeyValue::Bytes(v.string_value());
    case Value::Kind::kNumeric:
      return storage::KeyValue::Bytes(EncodeNumericKey(v.numeric_value()));
  }
  return storage::KeyValue::Null();
}

absl::StatusOr<Value> FromKeyValue(const storage::KeyValue& k, const SqlType& type) {
  if (k.is_null()) return Value::Null();
  auto mismatch = [&]() {
    return absl::DataLossError(absl::StrCat("key value ", k.ToString(),
                                            " does not hold a value of type ", type.ToString()));
  };
  switch (KindOfType(type)) {
    case Value::Kind::kBool:
      if (k.kind() != storage::KeyKind::kBool) return mismatch();
      return Value::Bool(k.bool_value());
    case Value::Kind::kInt:
      if (k.kind() != storage::KeyKind::kInt64) return mismatch();
      return Value::Int(k.int64_value());
    case Value::Kind::kDate:
      if (k.kind() != storage::KeyKind::kInt64 || k.int64_value() < INT32_MIN ||
          k.int64_value() > INT32_MAX) {
        return mismatch();
      }
      return Value::Date(static_cast<int32_t>(k.int64_value()));
    case Value::Kind::kTimestamp:
      if (k.kind() != storage::KeyKind::kInt64) return mismatch();
      return Value::Timestamp(k.int64_value());
    case Value::Kind::kInterval:
      if (k.kind() != storage::KeyKind::kInt64) return mismatch();
      return Value::Interval(k.int64_value());
    case Value::Kind::kFloat:
      if (k.kind() != storage::KeyKind::kDouble) return mismatch();
      return Value::Float(k.double_value());
    case Value::Kind::kString:
      if (k.kind() != storage::KeyKind::kString) return mismatch();
      return Value::String(k.string_value());
    case Value::Kind::kBytes:
      if (k.kind() != storage::KeyKind::kBytes) return mismatch();
      return Value::Bytes(k.bytes_value());
    case Value::Kind::kNumeric: {
      if (k.kind() != storage::KeyKind::kBytes) return mismatch();
      ASSIGN_OR_RETURN(Numeric n, DecodeNumericKey(k.bytes_value()));
      // The key drops trailing zeros; a NUMERIC(p,s) column gets its scale back.
      if (type.scale >= 0 && type.scale >= n.scale()) {
        absl::StatusOr<Numeric> c = n.Coerce(-1, type.scale);
        if (c.ok()) n = *c;
      }
      return Value::Decimal(n);
    }
    case Value::Kind::kNull:
      break;
  }
  return mismatch();
}

std::string EncodeRow(absl::Span<const uint32_t> ids, absl::Span<const Value> values) {
  CHECK_EQ(ids.size(), values.size());
  std::string out(1, kRowVersion);
  for (size_t i = 0; i < ids.size(); ++i) {
    const Value& v = values[i];
    if (v.is_null()) continue;
    PutVarint(ids[i], &out);
    switch (v.kind()) {
      case Value::Kind::kNull:
        break;
      case Value::Kind::kBool:
        out.push_back(static_cast<char>(v.bool_value() ? kTagTrue : kTagFalse));
        break;
      case Value::Kind::kInt:
        out.push_back(static_cast<char>(kTagInt));
        PutVarint(ZigZag64(v.int_value()), &out);
        break;
      case Value::Kind::kFloat: {
        out.push_back(static_cast<char>(kTagFloat));
        double d = v.float_value();
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((bits >> (8 * b)) & 0xFF));
        break;
      }
      case Value::Kind::kNumeric:
        out.push_back(static_cast<char>(kTagNumeric));
        out.push_back(static_cast<char>(v.numeric_value().scale()));
        PutVarint(ZigZag128(v.numeric_value().unscaled()), &out);
        break;
      case Value::Kind::kString:
      case Value::Kind::kBytes:
        out.push_back(static_cast<char>(v.kind() == Value::Kind::kString ? kTagString : kTagBytes));
        PutVarint(v.string_value().size(), &out);
        out += v.string_value();
        break;
      case Value::Kind::kDate:
        out.push_back(static_cast<char>(kTagDate));
        PutVarint(ZigZag64(v.date_value()), &out);
        break;
      case Value::Kind::kTimestamp:
        out.push_back(static_cast<char>(kTagTimestamp));
        PutVarint(ZigZag64(v.timestamp_value()), &out);
        break;
      case Value::Kind::kInterval:
        out.push_back(static_cast<char>(kTagInterval));
        PutVarint(ZigZag64(v.timestamp_value()), &out);
        break;
    }
  }
  return out;
}

absl::Status DecodeRow(std::string_view row, absl::Span<const uint32_t> ids,
                       absl::Span<const SqlType> types, std::vector<Value>* out) {
  if (ids.size() != types.size()) {
    return absl::InvalidArgumentError("DecodeRow: ids and types differ in length");
  }
  out->assign(ids.size(), Value::Null());
  if (row.empty() || row[0] != kRowVersion) return Corrupt("bad version byte");
  // Column id -> output position.
  absl::flat_hash_map<uint32_t, size_t> wanted;
  wanted.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) wanted.emplace(ids[i], i);
  absl::flat_hash_map<uint32_t, bool> seen;

  Reader r(row.substr(1));
  while (!r.done()) {
    u128 id128;
    if (!r.Varint(32, &id128)) return Corrupt("bad column id");
    uint32_t id = static_cast<uint32_t>(id128);
    if (!seen.emplace(id, true).second) return Corrupt(absl::StrCat("column ", id, " repeats"));
    uint8_t tag;
    if (!r.Byte(&tag)) return Corrupt("missing tag");
    Value v;
    u128 raw;
    switch (tag) {
      case kTagFalse:
      case kTagTrue:
        v = Value::Bool(tag == kTagTrue);
        break;
      case kTagInt:
        if (!r.Varint(64, &raw)) return Corrupt("bad integer");
        v = Value::Int(UnZigZag64(static_cast<uint64_t>(raw)));
        break;
      case kTagFloat: {
        std::string_view b;
        if (!r.Bytes(8, &b)) return Corrupt("truncated float");
        uint64_t bits = 0;
        for (int k = 7; k >= 0; --k) bits = (bits << 8) | static_cast<uint8_t>(b[k]);
        double d;
        std::memcpy(&d, &bits, 8);
        v = Value::Float(d);
        break;
      }
      case kTagNumeric: {
        uint8_t scale;
        if (!r.Byte(&scale) || scale > Numeric::kMaxDigits) return Corrupt("bad numeric scale");
        if (!r.Varint(128, &raw)) return Corrupt("bad numeric");
        __int128 u = UnZigZag128(raw);
        u128 mag = u < 0 ? static_cast<u128>(-(u + 1)) + 1 : static_cast<u128>(u);
        if (mag >= Pow10(Numeric::kMaxDigits)) return Corrupt("numeric out of range");
        v = Value::Decimal(Numeric::FromUnscaled(u, scale));
        break;
      }
      case kTagString:
      case kTagBytes: {
        std::string_view b;
        if (!r.Varint(64, &raw) || !r.Bytes(static_cast<size_t>(raw), &b)) {
          return Corrupt("truncated string");
        }
        v = tag == kTagString ? Value::String(std::string(b)) : Value::Bytes(std::string(b));
        break;
      }
      case kTagDate: {
        if (!r.Varint(64, &raw)) return Corrupt("bad date");
        int64_t d = UnZigZag64(static_cast<uint64_t>(raw));
        if (d < INT32_MIN || d > INT32_MAX) return Corrupt("date out of range");
        v = Value::Date(static_cast<int32_t>(d));
        break;
      }
      case kTagTimestamp:
      case kTagInterval: {
        if (!r.Varint(64, &raw)) return Corrupt("bad timestamp");
        int64_t t = UnZigZag64(static_cast<uint64_t>(raw));
        v = tag == kTagTimestamp ? Value::Timestamp(t) : Value::Interval(t);
        break;
      }
      default:
        return Corrupt(absl::StrCat("unknown tag ", tag));
    }
    auto it = wanted.find(id);
    if (it == wanted.end()) continue;  // a column the caller does not read (or dropped)
    size_t pos = it->second;
    if (v.kind() != KindOfType(types[pos])) {
      return absl::DataLossError(absl::StrCat("corrupt row value: column ", id, " holds ",
                                              v.DebugString(), ", not a ", types[pos].ToString()));
    }
    (*out)[pos] = std::move(v);
  }
  return absl::OkStatus();
}

}  // namespace meridian::sql
