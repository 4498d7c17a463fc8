// PaxosLog: the durable half of a Paxos replica. It stores one group's acceptor hard state
// and log entries in an Engine, under the group's own key prefix, and loads them back after
// a restart.
//
// Stage() only adds writes to a WriteBatch: the driver gathers the Readys of many groups
// into one batch and makes it durable with a single synced write (group commit), before
// sending any message those Readys carry.
//
// Key layout: "\x01p" + group (8 bytes big-endian) + "h"              -> HardState
//             "\x01p" + group (8 bytes big-endian) + "e" + slot (8B BE) -> Entry
//
// Thread-safety: not thread-safe; the owning driver serializes calls.
#ifndef MERIDIAN_STORAGE_PAXOS_PAXOS_LOG_H_
#define MERIDIAN_STORAGE_PAXOS_PAXOS_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/paxos.pb.h"
#include "storage/engine/engine.h"
#include "storage/paxos/paxos_core.h"

namespace meridian::storage::paxos {

struct PersistedPaxosState {
  proto::HardState hard_state;
  std::vector<proto::Entry> entries;
  bool empty = true;  // nothing was ever stored for this group
};

class PaxosLog {
 public:
  PaxosLog(Engine* engine, uint64_t group);

  // Reads what is stored. Corrupt records are kDataLoss.
  absl::StatusOr<PersistedPaxosState> Load();

  // Adds the durable part of `ready` (hard state, entries, compaction) to `batch`.
  void Stage(const Ready& ready, WriteBatch* batch);

  // Removes everything stored for the group (the replica was removed from it).
  absl::Status Destroy();

  static std::string GroupPrefix(uint64_t group);

 private:
  std::string EntryKey(uint64_t slot) const;

  Engine* engine_;
  std::string prefix_;
  uint64_t first_stored_slot_ = 1;  // lowest slot that may still be stored
};

}  // namespace meridian::storage::paxos

#endif  // MERIDIAN_STORAGE_PAXOS_PAXOS_LOG_H_
