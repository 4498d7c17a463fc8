// Order-preserving encoding of typed key tuples into byte strings.
//
// A primary or index key is a tuple of KeyValues, each column ascending or descending. The
// codec turns it into a byte string whose memcmp order equals the tuple's value order, so the
// storage engine can sort, seek and scan keys as plain bytes.
//
// Value order within one column (CompareKeyValues):
//   * Values of different kinds order by kind:
//       NULL < bool < int64 < uint64 < double < string < bytes.
//     (A well-typed column holds one kind plus NULL; NULL therefore sorts first.)
//   * bool: false < true. int64, uint64: numeric. string, bytes: byte-wise, a prefix first.
//   * double: NaN < -inf < negatives < 0 < positives < +inf. All NaNs are one value (the
//     smallest double), and -0.0 == +0.0, as in SQL. KeyValue::Double canonicalizes both, so
//     the order is a total order and equal values have equal encodings.
//   * A descending column reverses the whole column order, NULL included (NULL sorts last).
// Tuple order (CompareTuples) is lexicographic over columns, each with its direction; a tuple
// sorts before every tuple it is a proper prefix of.
//
// Encoding (DO NOT CHANGE: it is part of the on-disk format of keys):
//   tuple     := column*                       (no count, no separators)
//   column    := ascending encoding, or its bitwise inverse (every byte ^ 0xFF) if descending
//   NULL      := 0x05
//   bool      := 0x10 (0x00 | 0x01)
//   int64     := 0x20 8 bytes big-endian with the sign bit flipped
//   uint64    := 0x28 8 bytes big-endian
//   double    := 0x30 8 bytes big-endian of the IEEE bits transformed: negative -> all bits
//                inverted, otherwise sign bit flipped. NaN is eight 0x00 bytes (below -inf).
//   string    := 0x40 escaped-bytes 0x00 0x01
//   bytes     := 0x41 escaped-bytes 0x00 0x01  (0x00 in the data is written 0x00 0xFF)
// Every column encoding is self-delimiting and prefix-free, also when inverted, so
// concatenation preserves order and a key prefix's encoding is a byte prefix of the key's.
//
// Decoding is strict: it accepts exactly the byte strings that Encode* can produce (canonical
// NaN, no -0.0, bool byte 0 or 1, valid escapes), so byte equality <=> value equality. Any
// other input, including truncated input, yields kInvalidArgument; the decoder never reads out
// of bounds.
//
// Thread-safety: KeyValue is a plain value type; the functions are stateless.
#ifndef MERIDIAN_STORAGE_CODEC_KEY_CODEC_H_
#define MERIDIAN_STORAGE_CODEC_KEY_CODEC_H_

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace meridian::storage {

// The kind of a KeyValue. The numeric values are the kind order used by CompareKeyValues.
enum class KeyKind { kNull = 0, kBool, kInt64, kUint64, kDouble, kString, kBytes };

// One column value of a key. Construct with the factories; read with the accessor matching
// kind(). Default-constructed KeyValues are NULL.
class KeyValue {
 public:
  KeyValue() = default;

  static KeyValue Null() { return KeyValue(); }
  static KeyValue Bool(bool v);
  static KeyValue Int64(int64_t v);
  static KeyValue Uint64(uint64_t v);
  // Canonicalizes -0.0 to +0.0 and every NaN to one quiet NaN.
  static KeyValue Double(double v);
  // UTF-8 text; the codec does not validate it and orders it byte-wise.
  static KeyValue String(std::string v);
  static KeyValue Bytes(std::string v);

  KeyKind kind() const { return static_cast<KeyKind>(rep_.index()); }
  bool is_null() const { return kind() == KeyKind::kNull; }

  // REQUIRES: kind() is the kind named by the accessor.
  bool bool_value() const;
  int64_t int64_value() const;
  uint64_t uint64_value() const;
  double double_value() const;
  const std::string& string_value() const;
  const std::string& bytes_value() const;

  // For debugging: NULL, true, -7, 7u, 1.5, NaN, -inf, "text", b"\x00\xff".
  std::string ToString() const;

  friend std::strong_ordering operator<=>(const KeyValue& a, const KeyValue& b);
  friend bool operator==(const KeyValue& a, const KeyValue& b) {
    return (a <=> b) == std::strong_ordering::equal;
  }

 private:
  // Alternative index == KeyKind. String and bytes share a C++ type, so they are told apart by
  // index only.
  using Rep =
      std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, std::string>;
  template <KeyKind K, typename T>
  static KeyValue Make(T&& v);

  Rep rep_;
};

std::ostream& operator<<(std::ostream& os, const KeyValue& v);

enum class Direction { kAscending, kDescending };

// The value order of one column (see the file comment). Returns <0, 0 or >0.
int CompareKeyValues(const KeyValue& a, const KeyValue& b, Direction dir = Direction::kAscending);

// The tuple order: lexicographic over columns with per-column directions; a proper prefix sorts
// first. `dirs` empty means all ascending; otherwise REQUIRES dirs.size() >= both sizes.
int CompareTuples(absl::Span<const KeyValue> a, absl::Span<const KeyValue> b,
                  absl::Span<const Direction> dirs = {});

// Appends the encoding of one column to `out`.
void EncodeKeyValue(const KeyValue& v, Direction dir, std::string* out);

// Encodes a tuple. `dirs` empty means all ascending; otherwise REQUIRES
// dirs.size() >= values.size(), and column i uses dirs[i], so a key prefix can be encoded with
// the directions of the full key schema.
std::string EncodeTuple(absl::Span<const KeyValue> values, absl::Span<const Direction> dirs = {});

// Decodes one column from the front of `*in` and advances `*in` past it. On error `*in` is
// left unchanged.
absl::StatusOr<KeyValue> DecodeKeyValue(std::string_view* in, Direction dir);

// Decodes a whole tuple. With `dirs` empty, decodes ascending columns until the input ends.
// Otherwise decodes exactly dirs.size() columns and rejects leftover bytes.
absl::StatusOr<std::vector<KeyValue>> DecodeTuple(std::string_view in,
                                                  absl::Span<const Direction> dirs = {});

// The smallest byte string greater than every string that starts with `prefix`, for use as an
// exclusive scan end. Returns "" (meaning "no upper bound") if none exists, i.e. if `prefix` is
// empty or all 0xFF bytes.
std::string PrefixEnd(std::string_view prefix);

// For debugging: "(1, "a", NULL)".
std::string TupleToString(absl::Span<const KeyValue> values);

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_CODEC_KEY_CODEC_H_
