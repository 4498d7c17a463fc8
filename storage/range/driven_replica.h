// DrivenReplica: what the replica driver (replica_driver.h) needs of one replica of one Paxos
// group: its PaxosCore and the state machine the core feeds. RangeReplica implements it for
// a range; the Paxos simulator's key-value register implements it too, so every host of
// Paxos groups runs the same Ready pipeline.
//
// The driver calls, for one Ready, in this order:
//   StageDurable  (the driver then writes its batch, synced if the Ready must_sync, and
//                  sends the Ready's messages)
//   ApplyCommitted, then core().Advance(ready)
//   TakeSnapshot  for each peer in ready.snapshot_needed_by
//
// Thread-safety: not thread-safe; the host serializes every call for one replica (the node
// holds its mutex; the simulators are single-threaded).
#ifndef MERIDIAN_STORAGE_RANGE_DRIVEN_REPLICA_H_
#define MERIDIAN_STORAGE_RANGE_DRIVEN_REPLICA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/timestamp.h"
#include "storage/engine/engine.h"
#include "storage/paxos/paxos_core.h"

namespace meridian::storage {

// The outcome of one applied command that this replica proposed.
struct AppliedProposal {
  uint64_t proposal_id = 0;
  absl::Status status;  // a command the state machine rejected is a no-op on every replica
  Timestamp timestamp;
};

class DrivenReplica {
 public:
  virtual ~DrivenReplica() = default;

  // The Paxos group this replica belongs to (a range id); names it in logs.
  virtual uint64_t group_id() const = 0;
  virtual paxos::PaxosCore& core() = 0;

  // Adds to `batch` everything of `ready` that must be durable before its messages are
  // sent: the acceptor state and log entries, and the state of an installed snapshot
  // (atomically with the compacted log).
  virtual void StageDurable(const paxos::Ready& ready, WriteBatch* batch) = 0;
  // Applies ready.committed in slot order (after a snapshot staged by StageDurable, now
  // durable). Returns the outcomes of this replica's own proposals that are now known. A
  // non-OK status means the state machine could not apply: its memory may be ahead of its
  // disk, and the host must reopen it from the engine.
  virtual absl::StatusOr<std::vector<AppliedProposal>> ApplyCommitted(
      const paxos::Ready& ready) = 0;
  // A snapshot of the state machine at applied_index(), for a peer the log cannot catch up.
  virtual absl::StatusOr<std::string> TakeSnapshot() = 0;
  // The index of the last applied slot (durable together with its effects).
  virtual uint64_t applied_index() const = 0;
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_RANGE_DRIVEN_REPLICA_H_
