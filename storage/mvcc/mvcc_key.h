// Layout of MVCC data in the engine's ordered key space.
//
// For a user key K, stored under a store's data prefix P:
//
//   P escape(K) 00 01                      the intent slot: K's prepared write, if any
//   P escape(K) 00 01 ~ts (12 bytes)       one committed version of K per timestamp
//
// escape() turns each 00 byte into 00 FF, so the 00 01 terminator cannot occur inside K, the
// encoding of K never is a prefix of another key's, and encoded keys order like user keys.
// Timestamps are stored bit-inverted, so a key's versions run newest first, right after its
// intent slot. Seeking to (K, t) therefore lands on the newest version at or below t.
// DO NOT CHANGE: this is the on-disk format of all user data.
//
// Thread-safety: pure functions.
#ifndef MERIDIAN_STORAGE_MVCC_MVCC_KEY_H_
#define MERIDIAN_STORAGE_MVCC_MVCC_KEY_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/timestamp.h"

namespace meridian::storage {

// The engine key of K's intent slot.
std::string EncodeIntentKey(std::string_view prefix, std::string_view user_key);
// The engine key of K's version at `ts`.
std::string EncodeVersionKey(std::string_view prefix, std::string_view user_key, Timestamp ts);
// The smallest engine key past every entry (intent and versions) of K.
std::string EncodeKeyEnd(std::string_view prefix, std::string_view user_key);
// The smallest engine key of any user key >= K; same as the intent key.
inline std::string EncodeSeekKey(std::string_view prefix, std::string_view user_key) {
  return EncodeIntentKey(prefix, user_key);
}

struct DecodedMvccKey {
  std::string user_key;
  std::optional<Timestamp> timestamp;  // nullopt: the intent slot
};

// Parses an engine key produced above (including `prefix`). Anything else is
// kInvalidArgument (or kDataLoss when found on disk; the caller decides).
absl::StatusOr<DecodedMvccKey> DecodeMvccKey(std::string_view prefix, std::string_view key);

// The smallest byte string greater than every string that starts with `prefix`; empty when
// there is none (the prefix is all FF bytes).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_MVCC_MVCC_KEY_H_
