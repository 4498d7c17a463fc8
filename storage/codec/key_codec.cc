#include "storage/codec/key_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status.h"

namespace meridian::storage {
namespace {

// DO NOT CHANGE: on-disk format. Tags must increase in KeyKind order.
constexpr uint8_t kTagNull = 0x05;
constexpr uint8_t kTagBool = 0x10;
constexpr uint8_t kTagInt64 = 0x20;
constexpr uint8_t kTagUint64 = 0x28;
constexpr uint8_t kTagDouble = 0x30;
constexpr uint8_t kTagString = 0x40;
constexpr uint8_t kTagBytes = 0x41;

// Inside string/bytes bodies: 0x00 0xFF is a data 0x00, 0x00 0x01 ends the body.
constexpr uint8_t kEscape = 0x00;
constexpr uint8_t kEscapedZero = 0xFF;
constexpr uint8_t kTerminator = 0x01;

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr uint64_t kMinusZeroBits = kSignBit;

uint8_t TagFor(KeyKind kind) {
  switch (kind) {
    case KeyKind::kNull:
      return kTagNull;
    case KeyKind::kBool:
      return kTagBool;
    case KeyKind::kInt64:
      return kTagInt64;
    case KeyKind::kUint64:
      return kTagUint64;
    case KeyKind::kDouble:
      return kTagDouble;
    case KeyKind::kString:
      return kTagString;
    case KeyKind::kBytes:
      return kTagBytes;
  }
  CHECK(false) << "unknown KeyKind " << static_cast<int>(kind);
  return 0;
}

void AppendBigEndian64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  out->append(buf, sizeof(buf));
}

// Maps a double to an unsigned integer with the same order (NaN lowest, -0.0 == +0.0).
uint64_t OrderedDoubleBits(double d) {
  if (std::isnan(d)) return 0;
  if (d == 0) d = 0.0;  // -0.0 -> +0.0
  const uint64_t bits = std::bit_cast<uint64_t>(d);
  return (bits & kSignBit) ? ~bits : bits ^ kSignBit;
}

template <typename T>
int ThreeWay(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareDoubles(double a, double b) {
  const bool a_nan = std::isnan(a);
  const bool b_nan = std::isnan(b);
  if (a_nan || b_nan) return static_cast<int>(b_nan) - static_cast<int>(a_nan);
  return ThreeWay(a, b);  // -0.0 == +0.0 under operator<.
}

// Reads bytes from the front of a string_view, undoing the descending inversion. Never reads
// past the end.
class Reader {
 public:
  Reader(std::string_view in, Direction dir)
      : in_(in), mask_(dir == Direction::kDescending ? 0xFF : 0x00) {}

  size_t consumed() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

  bool ReadByte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]) ^ mask_;
    return true;
  }

  bool ReadBigEndian64(uint64_t* v) {
    if (remaining() < 8) return false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | (static_cast<uint8_t>(in_[pos_ + i]) ^ mask_);
    pos_ += 8;
    *v = r;
    return true;
  }

  // Reads an escaped string/bytes body including its terminator into `out`.
  absl::Status ReadEscaped(std::string* out) {
    const char marker = static_cast<char>(kEscape ^ mask_);
    while (true) {
      const size_t hit = in_.find(marker, pos_);
      if (hit == std::string_view::npos) {
        return absl::InvalidArgumentError("key codec: string is missing its terminator");
      }
      AppendUnmasked(in_.substr(pos_, hit - pos_), out);
      pos_ = hit + 1;
      uint8_t next;
      if (!ReadByte(&next)) {
        return absl::InvalidArgumentError("key codec: string ends inside an escape sequence");
      }
      if (next == kTerminator) return absl::OkStatus();
      if (next != kEscapedZero) {
        return absl::InvalidArgumentError(
            absl::StrFormat("key codec: invalid escape 0x00 0x%02x in string", next));
      }
      out->push_back('\0');
    }
  }

 private:
  void AppendUnmasked(std::string_view chunk, std::string* out) const {
    if (mask_ == 0) {
      out->append(chunk);
      return;
    }
    const size_t start = out->size();
    out->append(chunk);
    for (size_t i = start; i < out->size(); ++i) (*out)[i] = static_cast<char>((*out)[i] ^ mask_);
  }

  std::string_view in_;
  size_t pos_ = 0;
  uint8_t mask_;
};

absl::Status Truncated(const char* what, size_t need, size_t have) {
  return absl::InvalidArgumentError(
      absl::StrCat("key codec: truncated ", what, " (need ", need, " bytes, have ", have, ")"));
}

absl::StatusOr<KeyValue> DecodeBody(uint8_t tag, Reader& r) {
  switch (tag) {
    case kTagNull:
      return KeyValue::Null();
    case kTagBool: {
      uint8_t b;
      if (!r.ReadByte(&b)) return Truncated("bool", 1, 0);
      if (b > 1) {
        return absl::InvalidArgumentError(
            absl::StrFormat("key codec: invalid bool byte 0x%02x", b));
      }
      return KeyValue::Bool(b == 1);
    }
    case kTagInt64: {
      uint64_t u;
      if (!r.ReadBigEndian64(&u)) return Truncated("int64", 8, r.remaining());
      return KeyValue::Int64(static_cast<int64_t>(u ^ kSignBit));
    }
    case kTagUint64: {
      uint64_t u;
      if (!r.ReadBigEndian64(&u)) return Truncated("uint64", 8, r.remaining());
      return KeyValue::Uint64(u);
    }
    case kTagDouble: {
      uint64_t u;
      if (!r.ReadBigEndian64(&u)) return Truncated("double", 8, r.remaining());
      if (u == 0) return KeyValue::Double(std::numeric_limits<double>::quiet_NaN());
      const uint64_t bits = (u & kSignBit) ? u ^ kSignBit : ~u;
      const double d = std::bit_cast<double>(bits);
      if (std::isnan(d)) {
        return absl::InvalidArgumentError("key codec: non-canonical NaN encoding");
      }
      if (bits == kMinusZeroBits) {
        return absl::InvalidArgumentError("key codec: non-canonical -0.0 encoding");
      }
      return KeyValue::Double(d);
    }
    case kTagString:
    case kTagBytes: {
      std::string s;
      RETURN_IF_ERROR(r.ReadEscaped(&s));
      return tag == kTagString ? KeyValue::String(std::move(s)) : KeyValue::Bytes(std::move(s));
    }
    default:
      return absl::InvalidArgumentError(absl::StrFormat("key codec: unknown tag 0x%02x", tag));
  }
}

absl::Status AtColumn(const absl::Status& s, size_t column, size_t offset) {
  return absl::InvalidArgumentError(
      absl::StrCat(s.message(), " [column ", column, ", byte offset ", offset, "]"));
}

}  // namespace

template <KeyKind K, typename T>
KeyValue KeyValue::Make(T&& v) {
  KeyValue kv;
  kv.rep_.emplace<static_cast<size_t>(K)>(std::forward<T>(v));
  return kv;
}

KeyValue KeyValue::Bool(bool v) { return Make<KeyKind::kBool>(v); }
KeyValue KeyValue::Int64(int64_t v) { return Make<KeyKind::kInt64>(v); }
KeyValue KeyValue::Uint64(uint64_t v) { return Make<KeyKind::kUint64>(v); }
KeyValue KeyValue::Double(double v) {
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
  if (v == 0) v = 0.0;
  return Make<KeyKind::kDouble>(v);
}
KeyValue KeyValue::String(std::string v) { return Make<KeyKind::kString>(std::move(v)); }
KeyValue KeyValue::Bytes(std::string v) { return Make<KeyKind::kBytes>(std::move(v)); }

bool KeyValue::bool_value() const {
  CHECK(kind() == KeyKind::kBool) << ToString();
  return std::get<static_cast<size_t>(KeyKind::kBool)>(rep_);
}
int64_t KeyValue::int64_value() const {
  CHECK(kind() == KeyKind::kInt64) << ToString();
  return std::get<static_cast<size_t>(KeyKind::kInt64)>(rep_);
}
uint64_t KeyValue::uint64_value() const {
  CHECK(kind() == KeyKind::kUint64) << ToString();
  return std::get<static_cast<size_t>(KeyKind::kUint64)>(rep_);
}
double KeyValue::double_value() const {
  CHECK(kind() == KeyKind::kDouble) << ToString();
  return std::get<static_cast<size_t>(KeyKind::kDouble)>(rep_);
}
const std::string& KeyValue::string_value() const {
  CHECK(kind() == KeyKind::kString) << ToString();
  return std::get<static_cast<size_t>(KeyKind::kString)>(rep_);
}
const std::string& KeyValue::bytes_value() const {
  CHECK(kind() == KeyKind::kBytes) << ToString();
  return std::get<static_cast<size_t>(KeyKind::kBytes)>(rep_);
}

std::string KeyValue::ToString() const {
  switch (kind()) {
    case KeyKind::kNull:
      return "NULL";
    case KeyKind::kBool:
      return bool_value() ? "true" : "false";
    case KeyKind::kInt64:
      return absl::StrCat(int64_value());
    case KeyKind::kUint64:
      return absl::StrCat(uint64_value(), "u");
    case KeyKind::kDouble: {
      const double d = double_value();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d < 0 ? "-inf" : "+inf";
      return absl::StrFormat("%.17g", d);
    }
    case KeyKind::kString:
      return absl::StrCat("\"", absl::CHexEscape(string_value()), "\"");
    case KeyKind::kBytes:
      return absl::StrCat("b\"", absl::CHexEscape(bytes_value()), "\"");
  }
  return "?";
}

std::strong_ordering operator<=>(const KeyValue& a, const KeyValue& b) {
  const int c = CompareKeyValues(a, b);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

std::ostream& operator<<(std::ostream& os, const KeyValue& v) { return os << v.ToString(); }

int CompareKeyValues(const KeyValue& a, const KeyValue& b, Direction dir) {
  int c;
  if (a.kind() != b.kind()) {
    c = ThreeWay(static_cast<int>(a.kind()), static_cast<int>(b.kind()));
  } else {
    switch (a.kind()) {
      case KeyKind::kNull:
        c = 0;
        break;
      case KeyKind::kBool:
        c = ThreeWay(a.bool_value(), b.bool_value());
        break;
      case KeyKind::kInt64:
        c = ThreeWay(a.int64_value(), b.int64_value());
        break;
      case KeyKind::kUint64:
        c = ThreeWay(a.uint64_value(), b.uint64_value());
        break;
      case KeyKind::kDouble:
        c = CompareDoubles(a.double_value(), b.double_value());
        break;
      case KeyKind::kString:
        c = ThreeWay(std::string_view(a.string_value()), std::string_view(b.string_value()));
        break;
      case KeyKind::kBytes:
        c = ThreeWay(std::string_view(a.bytes_value()), std::string_view(b.bytes_value()));
        break;
      default:
        c = 0;
        CHECK(false) << "unknown KeyKind";
    }
  }
  return dir == Direction::kDescending ? -c : c;
}

int CompareTuples(absl::Span<const KeyValue> a, absl::Span<const KeyValue> b,
                  absl::Span<const Direction> dirs) {
  const size_t n = std::min(a.size(), b.size());
  CHECK(dirs.empty() || dirs.size() >= std::max(a.size(), b.size()))
      << "dirs has " << dirs.size() << " entries for tuples of " << a.size() << " and " << b.size();
  for (size_t i = 0; i < n; ++i) {
    const int c = CompareKeyValues(a[i], b[i], dirs.empty() ? Direction::kAscending : dirs[i]);
    if (c != 0) return c;
  }
  return ThreeWay(a.size(), b.size());
}

void EncodeKeyValue(const KeyValue& v, Direction dir, std::string* out) {
  const size_t start = out->size();
  out->push_back(static_cast<char>(TagFor(v.kind())));
  switch (v.kind()) {
    case KeyKind::kNull:
      break;
    case KeyKind::kBool:
      out->push_back(v.bool_value() ? 1 : 0);
      break;
    case KeyKind::kInt64:
      AppendBigEndian64(static_cast<uint64_t>(v.int64_value()) ^ kSignBit, out);
      break;
    case KeyKind::kUint64:
      AppendBigEndian64(v.uint64_value(), out);
      break;
    case KeyKind::kDouble:
      AppendBigEndian64(OrderedDoubleBits(v.double_value()), out);
      break;
    case KeyKind::kString:
    case KeyKind::kBytes: {
      const std::string& s = v.kind() == KeyKind::kString ? v.string_value() : v.bytes_value();
      for (char c : s) {
        out->push_back(c);
        if (c == static_cast<char>(kEscape)) out->push_back(static_cast<char>(kEscapedZero));
      }
      out->push_back(static_cast<char>(kEscape));
      out->push_back(static_cast<char>(kTerminator));
      break;
    }
  }
  if (dir == Direction::kDescending) {
    for (size_t i = start; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
}

std::string EncodeTuple(absl::Span<const KeyValue> values, absl::Span<const Direction> dirs) {
  CHECK(dirs.empty() || dirs.size() >= values.size())
      << "dirs has " << dirs.size() << " entries for " << values.size() << " values";
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    EncodeKeyValue(values[i], dirs.empty() ? Direction::kAscending : dirs[i], &out);
  }
  return out;
}

absl::StatusOr<KeyValue> DecodeKeyValue(std::string_view* in, Direction dir) {
  Reader r(*in, dir);
  uint8_t tag;
  if (!r.ReadByte(&tag)) {
    return absl::InvalidArgumentError("key codec: expected a column, found end of input");
  }
  ASSIGN_OR_RETURN(KeyValue v, DecodeBody(tag, r));
  in->remove_prefix(r.consumed());
  return v;
}

absl::StatusOr<std::vector<KeyValue>> DecodeTuple(std::string_view in,
                                                  absl::Span<const Direction> dirs) {
  std::vector<KeyValue> values;
  const size_t total = in.size();
  const size_t count = dirs.empty() ? 0 : dirs.size();
  for (size_t i = 0; dirs.empty() ? !in.empty() : i < count; ++i) {
    const size_t offset = total - in.size();
    auto v = DecodeKeyValue(&in, dirs.empty() ? Direction::kAscending : dirs[i]);
    if (!v.ok()) return AtColumn(v.status(), i, offset);
    values.push_back(*std::move(v));
  }
  if (!in.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key codec: ", in.size(), " trailing bytes after ", count,
                     " columns [byte offset ", total - in.size(), "]"));
  }
  return values;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xFF) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  return end;
}

std::string TupleToString(absl::Span<const KeyValue> values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i].ToString();
  }
  out += ")";
  return out;
}

}  // namespace meridian::storage
