#include "storage/range/replica_driver.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

// Mutation testing. Built with -DMERIDIAN_REPLICA_DRIVER_MUTANT=<n> (the library targets
// meridian_replica_driver_mutant_*, see CMakeLists.txt), this file plants one deliberate
// bug; tests/sim/driver_mutant_test.cc shows that the simulators catch each of them. The
// real driver is built with 0 and plants none: every `if constexpr` below folds away.
#ifndef MERIDIAN_REPLICA_DRIVER_MUTANT
#define MERIDIAN_REPLICA_DRIVER_MUTANT 0
#endif

namespace meridian::storage {
namespace {

enum Mutant {
  kNoMutant = 0,
  // Writes acceptor state without fsync: a crash forgets promises and accepted values.
  kNoFsync = 1,
  // Group commit gone wrong: each Collect starts a new batch, so the write carries only the
  // state of the last replica collected; the others' promises and entries never reach disk.
  kLastBatchOnly = 2,
  // Group commit gone wrong: only the last collected Ready decides whether the write syncs.
  kSyncLastReadyOnly = 3,
  // Ignores snapshot requests: a peer behind the compacted log never catches up.
  kDropSnapshotRequests = 4,
};
constexpr int kMutant = MERIDIAN_REPLICA_DRIVER_MUTANT;
static_assert(kMutant >= kNoMutant && kMutant <= kDropSnapshotRequests, "unknown mutant");

}  // namespace

ReplicaDriver::ReplicaDriver(Engine* engine, MessageSink sink, ReplicaDriverOptions options)
    : engine_(engine), sink_(std::move(sink)), options_(options) {
  CHECK(engine_ != nullptr);
  CHECK(sink_ != nullptr);
}

ReplicaDriver::Pass ReplicaDriver::StartPass() {
  CHECK(!pass_alive_.exchange(true)) << "two passes of one replica driver overlap";
  return Pass(this);
}

ReplicaDriver::Pass::Pass(ReplicaDriver* driver) : driver_(driver) {}

ReplicaDriver::Pass::~Pass() {
  // A pass dropped between GetReady and Advance loses what its cores handed out; only a
  // failed pass, whose replicas the host discards, may end that way.
  CHECK(items_.empty() || phase_ == Phase::kApplied || phase_ == Phase::kFailed)
      << "a replica driver pass was dropped before it was applied";
  driver_->pass_alive_.store(false);
}

void ReplicaDriver::Pass::Collect(DrivenReplica* replica) {
  CHECK(phase_ == Phase::kCollecting) << "Collect after PersistAndSend";
  if (!replica->core().HasReady()) return;
  paxos::Ready ready = replica->core().GetReady();
  if constexpr (kMutant == kLastBatchOnly) batch_.Clear();
  replica->StageDurable(ready, &batch_);
  if constexpr (kMutant == kSyncLastReadyOnly) {
    must_sync_ = ready.must_sync;
  } else {
    must_sync_ |= ready.must_sync;
  }
  items_.push_back(Item{replica, std::move(ready)});
}

absl::Status ReplicaDriver::Pass::PersistAndSend() {
  CHECK(phase_ == Phase::kCollecting) << "PersistAndSend twice";
  // A leader's new ACCEPTs go first: the followers write them while this node does.
  for (Item& item : items_) {
    delta_.messages += item.ready.early_messages.size();
    for (proto::PaxosMessage& m : item.ready.early_messages) driver_->sink_(std::move(m));
    item.ready.early_messages.clear();
  }
  if (!batch_.empty()) {
    bool sync = driver_->options_.sync && must_sync_;
    if constexpr (kMutant == kNoFsync) sync = false;
    // Group commit: one write, synced at most once, for every replica's acceptor state.
    if (absl::Status s = driver_->engine_->Write(batch_, WriteOptions{.sync = sync}); !s.ok()) {
      phase_ = Phase::kFailed;
      return s;
    }
    ++delta_.writes;
    if (sync) ++delta_.synced_writes;
  }
  batch_.Clear();
  for (Item& item : items_) {
    delta_.messages += item.ready.messages.size();
    for (proto::PaxosMessage& m : item.ready.messages) driver_->sink_(std::move(m));
    item.ready.messages.clear();
  }
  phase_ = Phase::kPersisted;
  return absl::OkStatus();
}

absl::Status ReplicaDriver::Pass::Apply(const AppliedFn& on_applied) {
  CHECK(phase_ == Phase::kPersisted) << "Apply before PersistAndSend";
  const ReplicaDriverOptions& options = driver_->options_;
  for (Item& item : items_) {
    DrivenReplica& replica = *item.replica;
    absl::StatusOr<std::vector<AppliedProposal>> outcomes = replica.ApplyCommitted(item.ready);
    if (!outcomes.ok()) {
      phase_ = Phase::kFailed;
      return absl::Status(outcomes.status().code(),
                          absl::StrCat("group ", replica.group_id(),
                                       " failed to apply: ", outcomes.status().message()));
    }
    replica.core().Advance(item.ready);
    if (on_applied) on_applied(replica, item.ready, std::move(*outcomes));
    for (paxos::NodeId peer : item.ready.snapshot_needed_by) {
      if constexpr (kMutant == kDropSnapshotRequests) continue;
      absl::StatusOr<std::string> snapshot = replica.TakeSnapshot();
      if (!snapshot.ok()) {
        ++delta_.snapshot_failures;
        LOG(ERROR) << "snapshot of group " << replica.group_id() << " for node " << peer
                   << " failed (asked again later): " << snapshot.status();
        continue;
      }
      replica.core().SendSnapshot(peer, replica.applied_index(), std::move(*snapshot));
      ++delta_.snapshots_sent;
    }
    // Keep the log short: the state machine holds everything applied.
    if (options.compact_above_entries > 0) {
      const uint64_t applied = replica.applied_index();
      if (applied > replica.core().Status().log_start + options.compact_above_entries &&
          applied > options.retain_entries) {
        replica.core().Compact(applied - options.retain_entries);
        ++delta_.compactions;
      }
    }
  }
  ReplicaDriverStats& stats = driver_->stats_;
  stats.passes += items_.empty() ? 0 : 1;
  stats.readies += items_.size();
  stats.writes += delta_.writes;
  stats.synced_writes += delta_.synced_writes;
  stats.messages += delta_.messages;
  stats.snapshots_sent += delta_.snapshots_sent;
  stats.snapshot_failures += delta_.snapshot_failures;
  stats.compactions += delta_.compactions;
  phase_ = Phase::kApplied;
  return absl::OkStatus();
}

absl::StatusOr<bool> ReplicaDriver::RunPass(absl::Span<DrivenReplica* const> replicas,
                                            const AppliedFn& on_applied) {
  Pass pass = StartPass();
  for (DrivenReplica* replica : replicas) pass.Collect(replica);
  if (pass.empty()) return false;
  if (absl::Status s = pass.PersistAndSend(); !s.ok()) return s;
  if (absl::Status s = pass.Apply(on_applied); !s.ok()) return s;
  return true;
}

}  // namespace meridian::storage
