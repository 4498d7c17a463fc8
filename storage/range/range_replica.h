// RangeReplica: one node's replica of one range. It is a PaxosCore member plus the range's
// state machine, an MvccStore in its own key prefix of the node's engine.
//
//   client write --> ProposeWrites: leaseholder stamps a timestamp, proposes RangeCommand
//   Paxos Ready  --> StageDurable (log + snapshot install, in the driver's group-commit batch)
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
// in slot order with increasing timestamps (Propose ratchets the HLC past every timestamp it
// hands out, including a coordinator's commit timestamp), so once a replica has applied a
// command at ts, no later command can write at or below ts. A prepared transaction may still
// commit at any timestamp >= its prepare timestamp, so:
//   t_safe = min(highest applied command timestamp, oldest prepare timestamp - 1).
// (Strong reads at the leaseholder read just below its oldest in-flight proposal.) An idle
// leaseholder proposes empty WRITE commands now and then, which advance every replica's
// t_safe (closed timestamps through the log).
//
// Transactions (the 2PC state machine of this range; see RangeCommand in range.proto):
//   PREPARE  prepared writes in MVCC + a PrepareRecord        ("tp" + txn id)
//   RESOLVE  commit or remove the prepared writes; drop the record. With no record, a commit
//            is a no-op and an abort leaves a tombstone ("ta" + txn id) that makes a
//            later PREPARE of the transaction fail (a RESOLVE that overtook its PREPARE)
//   DECIDE   a TxnDecisionRecord, written once; the other outcome is rejected with kAborted
//            (commit after abort) or kAlreadyExists (abort after commit)  ("tx" + txn id)
// Both kinds of record travel with snapshots.
//
// Key layout: "r" + range id (8 bytes BE) + "d" / "m": the MVCC data and meta prefixes;
//             "r" + range id + "a": the RangeAppliedState; + "t": transaction records.
//             Paxos state: see paxos_log.h.
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
#include "storage/range/driven_replica.h"

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
  // A committing RESOLVE: its timestamp came from the coordinator and may be below earlier
  // proposals'. Its keys carry prepared writes, which make readers wait on their own.
  bool resolves_prepared = false;
};

struct ReadPlan {
  uint64_t required_applied_index = 0;
  Timestamp read_timestamp;
};

class RangeReplica : public DrivenReplica {
 public:
  // Opens (or creates) the replica's state on `engine`. All pointers must outlive it.
  static absl::StatusOr<std::unique_ptr<RangeReplica>> Open(RangeReplicaOptions options,
                                                            Engine* engine,
                                                            clock::TrueTime* true_time,
                                                            clock::Hlc* hlc);

  paxos::PaxosCore& core() override { return *core_; }
  MvccStore& mvcc() { return *mvcc_; }
  uint64_t range_id() const { return options_.range_id; }
  uint64_t group_id() const override { return options_.range_id; }

  // Leaseholder only: stamps and proposes one atomic group of writes. kUnavailable (with a
  // leader hint) when this replica does not hold the lease.
  absl::StatusOr<Proposal> ProposeWrites(std::vector<proto::KvWrite> writes);
  // Leaseholder only: proposes any command. The timestamp is chosen here, above everything
  // this replica has seen, above TrueTime's latest bound and >= `at_least` -- except for a
  // committing RESOLVE, whose timestamp (the coordinator's commit timestamp) the caller sets.
  // Either way the HLC is ratcheted past it, so commands apply with increasing timestamps.
  // kResourceExhausted (from the core, nothing proposed) when the leader already holds
  // paxos.max_pending_bytes of unchosen commands. kFailedPrecondition (nothing proposed)
  // when the chosen timestamp would not be below `below`.
  absl::StatusOr<Proposal> Propose(proto::RangeCommand cmd, Timestamp at_least = Timestamp::Min(),
                                   Timestamp below = Timestamp::Max());

  // Leaseholder only: the read timestamp and the applied index a strong read must wait for.
  absl::StatusOr<ReadPlan> PlanStrongRead();
  // True once `plan` can be served here (applied far enough, lease still held).
  bool ReadReady(const ReadPlan& plan);

  // DrivenReplica: the steps of one Ready, run by the replica driver (replica_driver.h).
  void StageDurable(const paxos::Ready& ready, WriteBatch* batch) override;
  absl::StatusOr<std::vector<AppliedProposal>> ApplyCommitted(const paxos::Ready& ready) override;
  // A snapshot of the state machine at the applied index (all of the range's MVCC data).
  absl::StatusOr<std::string> TakeSnapshot() override;

  uint64_t applied_index() const override { return applied_.applied_index(); }
  Timestamp t_safe() const;
  // The timestamp of the last applied command (Spanner's LastTS).
  Timestamp last_commit_timestamp() const;
  // Transactions prepared here and not yet resolved, by txn id.
  const std::map<std::string, proto::PrepareRecord>& prepared() const { return prepared_; }
  // The logged decision for txn_id, if this range coordinated it.
  absl::StatusOr<std::optional<proto::TxnDecisionRecord>> Decision(const std::string& txn_id);
  // True when a replica holding the lease has applied its predecessors' commands and may
  // serve and assign timestamps.
  bool LeaseReady();
  // Proposals of this replica not yet applied (they may still be lost to a leader change).
  size_t pending_proposals() const { return pending_.size(); }

  static std::string RangePrefix(uint64_t range_id);

 private:
  RangeReplica(RangeReplicaOptions options, Engine* engine, clock::TrueTime* true_time,
               clock::Hlc* hlc);
  absl::Status OpenMvcc();
  // Applies one NORMAL command's effects to `batch`; a non-OK status makes it a no-op.
  absl::Status ApplyCommand(const proto::RangeCommand& cmd, MvccBatch* batch);
  absl::Status LoadPrepared();
  std::string PreparedKey(std::string_view txn_id) const;
  std::string DecisionKey(std::string_view txn_id) const;
  std::string AbortedKey(std::string_view txn_id) const;
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
  std::map<std::string, proto::PrepareRecord> prepared_;
  // Changes to prepared_ made by the command being applied, committed with its batch.
  std::map<std::string, std::optional<proto::PrepareRecord>> prepared_delta_;
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_RANGE_RANGE_REPLICA_H_
