// RangeMap: which range holds a key. Ranges partition the key space into contiguous spans
// [start, end), in key order; range ids are 1..n in that order. Until the placement layer
// (meta range, splits) exists the map is static: every node and client is given the same
// split keys.
//
// Thread-safety: immutable after construction; safe to share.
#ifndef MERIDIAN_TXN_RANGE_MAP_H_
#define MERIDIAN_TXN_RANGE_MAP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace meridian::txn {

// Keys are at most this long (enforced by the transaction API).
inline constexpr size_t kMaxKeyBytes = 4096;
// A key that sorts after every valid key: the end of a lock span on an unbounded scan.
const std::string& KeySpaceEnd();

struct RangeSpan {
  uint64_t range_id = 0;
  std::string start;  // inclusive
  std::string end;    // exclusive; empty = the end of the key space

  bool Contains(std::string_view key) const { return key >= start && (end.empty() || key < end); }
};

class RangeMap {
 public:
  // Ranges split at `splits` (strictly increasing, non-empty): n splits give n + 1 ranges.
  static absl::StatusOr<RangeMap> FromSplits(std::vector<std::string> splits);
  // `n` ranges whose boundaries divide the first key byte evenly ("" .. 0x100/n ..): the
  // default when no split keys are given.
  static RangeMap Even(int n);

  const std::vector<RangeSpan>& ranges() const { return ranges_; }
  const RangeSpan& Lookup(std::string_view key) const;
  // The ranges overlapping [start, end) (empty end: unbounded), in key order.
  std::vector<RangeSpan> Overlapping(std::string_view start, std::string_view end) const;
  // Parses "a,m,t" (comma-separated split keys); "" means one range.
  static absl::StatusOr<std::vector<std::string>> ParseSplits(std::string_view text);

 private:
  std::vector<RangeSpan> ranges_;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_RANGE_MAP_H_
