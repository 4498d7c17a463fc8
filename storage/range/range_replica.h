// RangeReplica: one node's replica of one range. It is a PaxosCore member plus the range's
// state machine, an MvccStore in its own key prefix of the node's engine.
//
//   client write --> ProposeWrites: leaseholder stamps a timestamp, proposes RangeCommand
//   Paxos Ready  --> StageDurable (log + snapshot install, in the node's group-commit batch)
//               --> ApplyCommitted: MVCC writes + RangeAppliedState in ONE engine batch, so
//                   a restart neither loses nor repeats a command (exactly once, log order)
//   strong read  --> PlanStrongRead at the leaseholder: no Paxos round; it waits only for
//                   commands already chosen to be applied.
//
// Timestamps: the leaseholder stamps each command above everything its HLC has seen and
// above TrueTime's latest bound; every replica feeds applied timestamps into its HLC, so a
// new leaseholder (which must first apply everything its phase 1 found) continues above.
//
// t_safe: a replica can serve a consistent snapshot read at any t <= t_safe. Commands apply
// in slot order with increasing timestamps, so once a replica has applied a command at ts,
// no later command can write at or below ts: t_safe = the highest applied write timestamp.
// (Strong reads at the leaseholder read just below its oldest in-flight proposal.)
//
// Key layout: "r" + range id (8 bytes BE) + "d" / "m": the MVCC data and meta prefixes;
//             "r" + range id + "a": the RangeAppliedState. Paxos state: see paxos_log.h.
//
// Thread-safety: not thread-safe; the node serializes all calls for a range.
#ifndef MERIDIAN_STORAGE_RANGE_RANGE_REPLICA_H_
#define MERIDIAN_STORAGE_RANGE_RANGE_REPLICA_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/hlc.h"
#include "common/clock/true_time.h"
#include "proto/range.pb.h"
#include "storage/engine/engine.h"
#include "storage/mvcc/mvcc_store.h"
#include "storage/paxos/paxos_core.h"
#include "storage/paxos/paxos_log.h"

namespace meridian::storage {

struct RangeReplicaOptions {
  uint64_t range_id = 1;
  paxos::PaxosOptions paxos;  // paxos.group is set to range_id
};

struct Proposal {
  uint64_t proposal_id = 0;
  uint64_t slot = 0;
  Timestamp timestamp;
  proto::Ballot ballot;  // the leader term it was proposed in
};

// The outcome of one applied command that this replica proposed.
struct AppliedProposal {
  uint64_t proposal_id = 0;
  absl::Status status;  // a command the state machine rejected is a no-op on every replica
  Timestamp timestamp;
};

struct ReadPlan {
  uint64_t required_applied_index = 0;
  Timestamp read_timestamp;
};

class RangeReplica {
 public:
  // Opens (or creates) the replica's state on `engine`. All pointers must outlive it.
  static absl::StatusOr<std::unique_ptr<RangeReplica>> Open(RangeReplicaOptions options,
                                                            Engine* engine,
                                                            clock::TrueTime* true_time,
                                                            clock::Hlc* hlc);

  paxos::PaxosCore& core() { return *core_; }
  MvccStore& mvcc() { return *mvcc_; }
  uint64_t range_id() const { return options_.range_id; }

  // Leaseholder only: stamps and proposes one atomic group of writes. kUnavailable (with a
  // leader hint) when this replica does not hold the lease.
  absl::StatusOr<Proposal> ProposeWrites(std::vector<proto::KvWrite> writes);

  // Leaseholder only: the read timestamp and the applied index a strong read must wait for.
  absl::StatusOr<ReadPlan> PlanStrongRead();
  // True once `plan` can be served here (applied far enough, lease still held).
  bool ReadReady(const ReadPlan& plan);

  // Driver steps for one Ready, in this order:
  //   StageDurable (then the node writes its batch with sync), send rd.messages,
  //   ApplyCommitted, core().Advance(rd), then serve rd.snapshot_needed_by.
  void StageDurable(const paxos::Ready& ready, WriteBatch* batch);
  absl::StatusOr<std::vector<AppliedProposal>> ApplyCommitted(const paxos::Ready& ready);
  // A snapshot of the state machine at the applied index (all of the range's MVCC data).
  absl::StatusOr<std::string> TakeSnapshot();

  uint64_t applied_index() const { return applied_.applied_index(); }
  Timestamp t_safe() const;
  // Proposals of this replica not yet applied (they may still be lost to a leader change).
  size_t pending_proposals() const { return pending_.size(); }

  static std::string RangePrefix(uint64_t range_id);

 private:
  RangeReplica(RangeReplicaOptions options, Engine* engine, clock::TrueTime* true_time,
               clock::Hlc* hlc);
  absl::Status OpenMvcc();
  std::string AppliedStateKey() const { return RangePrefix(options_.range_id) + "a"; }

  RangeReplicaOptions options_;
  Engine* engine_;
  clock::TrueTime* true_time_;
  clock::Hlc* hlc_;
  std::unique_ptr<MvccStore> mvcc_;
  std::unique_ptr<paxos::PaxosLog> log_;
  std::unique_ptr<paxos::PaxosCore> core_;
  proto::RangeAppliedState applied_;
  uint64_t next_proposal_seq_ = 1;
  std::map<uint64_t, Proposal> pending_;  // by slot
  // Proposals known lost (dropped from the core's queue when leadership was lost); reported
  // by the next ApplyCommitted.
  std::vector<AppliedProposal> lost_;
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_RANGE_RANGE_REPLICA_H_
