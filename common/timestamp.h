// Hybrid timestamps: 64-bit wall-clock nanoseconds plus a 32-bit logical counter.
//
// Ordered lexicographically by (wall_ns, logical). Every MVCC version, lease and commit in
// Meridian is stamped with one. The fixed 12-byte encoding is order-preserving (big-endian,
// sign bit of wall_ns flipped), so encoded timestamps compare like the values.
// DO NOT CHANGE the encoding: it is part of the on-disk format of versioned keys.
//
// Thread-safety: a plain value type.
#ifndef MERIDIAN_COMMON_TIMESTAMP_H_
#define MERIDIAN_COMMON_TIMESTAMP_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meridian {

struct Timestamp {
  int64_t wall_ns = 0;
  uint32_t logical = 0;

  static constexpr size_t kEncodedSize = 12;

  static constexpr Timestamp Min() { return Timestamp{0, 0}; }
  static constexpr Timestamp Max() {
    return Timestamp{std::numeric_limits<int64_t>::max(), std::numeric_limits<uint32_t>::max()};
  }

  bool IsZero() const { return wall_ns == 0 && logical == 0; }

  // The smallest timestamp strictly greater than this one.
  Timestamp Next() const;
  // The largest timestamp strictly smaller than this one. REQUIRES: *this != Min().
  Timestamp Prev() const;

  // Appends the 12-byte order-preserving encoding to `out`.
  void EncodeTo(std::string* out) const;
  std::string Encode() const;
  // Decodes exactly kEncodedSize bytes; anything else is kInvalidArgument.
  static absl::StatusOr<Timestamp> Decode(std::string_view in);

  // "1700000000.000000123,4": seconds.nanoseconds,logical.
  std::string ToString() const;

  friend constexpr auto operator<=>(const Timestamp&, const Timestamp&) = default;
  friend constexpr bool operator==(const Timestamp&, const Timestamp&) = default;
};

}  // namespace meridian

#endif  // MERIDIAN_COMMON_TIMESTAMP_H_
