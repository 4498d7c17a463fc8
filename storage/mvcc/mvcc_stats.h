// MvccStats: counters an MVCC store keeps current with every write, so that range splits
// and the placement driver can size a span without scanning it.
//
// Definitions (byte counts use the user key's length, not the encoded one):
//   live_keys / live_bytes     keys whose newest committed version is a value, and
//                              key + value bytes of those newest versions
//   key_count                  keys with at least one committed version (tombstones count)
//   version_count / _bytes     all committed versions stored; bytes = key + 12 + value
//   intent_count / _bytes      prepared writes; bytes = key + value
//
// Thread-safety: a plain value type.
#ifndef MERIDIAN_STORAGE_MVCC_MVCC_STATS_H_
#define MERIDIAN_STORAGE_MVCC_MVCC_STATS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace meridian::storage {

struct MvccStats {
  int64_t live_keys = 0;
  int64_t live_bytes = 0;
  int64_t key_count = 0;
  int64_t version_count = 0;
  int64_t version_bytes = 0;
  int64_t intent_count = 0;
  int64_t intent_bytes = 0;

  MvccStats& operator+=(const MvccStats& o);
  MvccStats& operator-=(const MvccStats& o);
  friend bool operator==(const MvccStats&, const MvccStats&) = default;

  std::string Serialize() const;
  static absl::StatusOr<MvccStats> Parse(std::string_view bytes);
  std::string ToString() const;
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_MVCC_MVCC_STATS_H_
