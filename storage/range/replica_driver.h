// ReplicaDriver: the one Ready pipeline of Meridian. It turns the Readies of a host's Paxos
// replicas (DrivenReplica: a PaxosCore and its state machine) into I/O on the Engine seam
// and messages handed to a sink, in the order PaxosCore's contract demands. The node and
// both simulators run this code; only the engine, the sink and the clocks differ.
//
//   ReplicaDriver::Pass pass = driver.StartPass();
//   host lock held: pass.Collect(&r) for each replica  GetReady; stage durable state in ONE
//                                                      batch for all of them
//   no lock:        pass.PersistAndSend()              a leader's new ACCEPTs to the sink
//                                                      (early_messages); one engine write,
//                                                      synced if any Ready must_sync (group
//                                                      commit across replicas); then every
//                                                      other message to the sink, never
//                                                      before the write returns
//   host lock held: pass.Apply(on_applied)             per replica: ApplyCommitted, Advance,
//                                                      on_applied(outcomes), serve snapshot
//                                                      requests, compact (per the options)
//
// The node holds its mutex for Collect and Apply only, so requests keep arriving during the
// fsync and the sends. Single-threaded hosts (the simulators) call RunPass().
//
// Failure policy, the same for every host:
//   - A failed engine write or a failed apply leaves a replica's memory ahead of its disk.
//     The pass stops and returns the error, having sent nothing that depends on the failed
//     write; the host must not use the replicas again but reopen them from the engine (the
//     node stops its process).
//   - A failed snapshot for a lagging peer is not fatal: it is logged, counted
//     (stats().snapshot_failures) and the pass goes on. The core keeps the peer marked as
//     needing a snapshot and asks again (snapshot_needed_by) after ten election timeouts
//     without seeing it installed.
//
// Compaction: once a replica's log holds more than `compact_above_entries` applied entries,
// it is compacted to `retain_entries` behind the applied index (a peer that lags by less
// catches up from the log, not a snapshot).
//
// Thread-safety: one pass at a time (CHECKed). Collect and Apply need the exclusive use of
// the replicas (the host's lock); PersistAndSend touches only the engine, the sink and the
// pass. stats() may be read between passes or under the host's lock.
#ifndef MERIDIAN_STORAGE_RANGE_REPLICA_DRIVER_H_
#define MERIDIAN_STORAGE_RANGE_REPLICA_DRIVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "proto/paxos.pb.h"
#include "storage/engine/engine.h"
#include "storage/paxos/paxos_core.h"
#include "storage/range/driven_replica.h"

namespace meridian::storage {

struct ReplicaDriverOptions {
  // Sync the write of a pass whose Readies require it. Only benchmarks of what fsync costs
  // turn this off: without it a crash may break Paxos' promises.
  bool sync = true;
  // Compact a replica's log once it holds more than this many applied entries (0: never).
  uint64_t compact_above_entries = 20000;
  // Entries kept behind the applied index when compacting.
  uint64_t retain_entries = 5000;
};

struct ReplicaDriverStats {
  uint64_t passes = 0;   // passes that found at least one Ready
  uint64_t readies = 0;  // Readies handled
  uint64_t writes = 0;   // engine writes (at most one per pass)
  uint64_t synced_writes = 0;
  uint64_t messages = 0;
  uint64_t snapshots_sent = 0;
  uint64_t snapshot_failures = 0;
  uint64_t compactions = 0;
};

class ReplicaDriver {
 public:
  // Receives every outgoing Paxos message, after the state it promises is durable (a
  // leader's early ACCEPTs promise nothing about its own disk). It may
  // be called without the host's lock and must not call back into the replicas.
  using MessageSink = std::function<void(proto::PaxosMessage)>;
  // Called in the apply phase for each replica that had a Ready, after ApplyCommitted and
  // Advance, with the Ready and the outcomes of the replica's own proposals.
  using AppliedFn = std::function<void(DrivenReplica& replica, const paxos::Ready& ready,
                                       std::vector<AppliedProposal> outcomes)>;

  // `engine` is the disk every replica of the host stages into; it must outlive the driver.
  ReplicaDriver(Engine* engine, MessageSink sink, ReplicaDriverOptions options);
  ReplicaDriver(const ReplicaDriver&) = delete;
  ReplicaDriver& operator=(const ReplicaDriver&) = delete;

  // One turn of the pipeline over some replicas. Its phases run in the order Collect*,
  // PersistAndSend, Apply; a pass dropped before Apply leaves its cores un-advanced, so it
  // may only be dropped when the host discards the replicas too.
  class Pass {
   public:
    ~Pass();
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

    // Takes `replica`'s Ready, if it has one, and stages its durable state.
    // REQUIRES: the host's lock; before PersistAndSend.
    void Collect(DrivenReplica* replica);
    // True if no collected replica had a Ready (nothing to persist, send or apply).
    bool empty() const { return items_.empty(); }
    // Writes the staged state in one engine write, then hands the messages to the sink.
    // On error nothing was sent. REQUIRES: after Collect; the host's lock is not needed.
    absl::Status PersistAndSend();
    // Applies what was collected and serves snapshot requests and compaction.
    // REQUIRES: the host's lock; after a successful PersistAndSend.
    absl::Status Apply(const AppliedFn& on_applied);

   private:
    friend class ReplicaDriver;
    explicit Pass(ReplicaDriver* driver);

    enum class Phase { kCollecting, kPersisted, kApplied, kFailed };
    struct Item {
      DrivenReplica* replica;
      paxos::Ready ready;
    };

    ReplicaDriver* const driver_;
    Phase phase_ = Phase::kCollecting;
    std::vector<Item> items_;
    WriteBatch batch_;
    bool must_sync_ = false;
    ReplicaDriverStats delta_;  // folded into the driver's stats by Apply
  };

  // Starts a pass. REQUIRES: no other pass of this driver is alive.
  Pass StartPass();

  // For single-threaded hosts: one whole pass over `replicas`. Returns whether any had a
  // Ready; an error as PersistAndSend or Apply would.
  absl::StatusOr<bool> RunPass(absl::Span<DrivenReplica* const> replicas,
                               const AppliedFn& on_applied);

  const ReplicaDriverStats& stats() const { return stats_; }
  const ReplicaDriverOptions& options() const { return options_; }

 private:
  Engine* const engine_;
  const MessageSink sink_;
  const ReplicaDriverOptions options_;
  ReplicaDriverStats stats_;
  std::atomic<bool> pass_alive_{false};
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_RANGE_REPLICA_DRIVER_H_
