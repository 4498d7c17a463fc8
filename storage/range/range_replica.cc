#include "storage/range/range_replica.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "storage/mvcc/mvcc_key.h"

namespace meridian::storage {
namespace {

Timestamp FromProto(const proto::HybridTimestamp& p) { return Timestamp{p.wall_ns(), p.logical()}; }

proto::HybridTimestamp ToProto(Timestamp t) {
  proto::HybridTimestamp p;
  p.set_wall_ns(t.wall_ns);
  p.set_logical(t.logical);
  return p;
}

}  // namespace

std::string RangeReplica::RangePrefix(uint64_t range_id) {
  std::string p = "r";
  for (int i = 7; i >= 0; --i) p.push_back(static_cast<char>(range_id >> (8 * i)));
  return p;
}

RangeReplica::RangeReplica(RangeReplicaOptions options, Engine* engine, clock::TrueTime* true_time,
                           clock::Hlc* hlc)
    : options_(std::move(options)), engine_(engine), true_time_(true_time), hlc_(hlc) {}

absl::Status RangeReplica::OpenMvcc() {
  std::string prefix = RangePrefix(options_.range_id);
  ASSIGN_OR_RETURN(mvcc_, MvccStore::Open(engine_, MvccOptions{.data_prefix = prefix + "d",
                                                               .meta_prefix = prefix + "m"}));
  ASSIGN_OR_RETURN(std::optional<std::string> applied, engine_->Get(AppliedStateKey()));
  applied_.Clear();
  if (applied.has_value() && !applied_.ParseFromString(*applied)) {
    return absl::DataLossError(absl::StrCat("corrupt applied state of range ", options_.range_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RangeReplica>> RangeReplica::Open(RangeReplicaOptions options,
                                                                 Engine* engine,
                                                                 clock::TrueTime* true_time,
                                                                 clock::Hlc* hlc) {
  options.paxos.group = options.range_id;
  std::unique_ptr<RangeReplica> r(new RangeReplica(std::move(options), engine, true_time, hlc));
  RETURN_IF_ERROR(r->OpenMvcc());
  r->log_ = std::make_unique<paxos::PaxosLog>(engine, r->options_.range_id);
  r->core_ = std::make_unique<paxos::PaxosCore>(r->options_.paxos, true_time);
  ASSIGN_OR_RETURN(paxos::PersistedPaxosState persisted, r->log_->Load());
  if (!persisted.empty) {
    r->core_->Restore(persisted.hard_state, persisted.entries, r->applied_.applied_index());
  }
  if (r->applied_.has_max_write_timestamp()) {
    RETURN_IF_ERROR(hlc->Update(FromProto(r->applied_.max_write_timestamp())));
  }
  return r;
}

absl::StatusOr<Proposal> RangeReplica::ProposeWrites(std::vector<proto::KvWrite> writes) {
  if (!core_->HasLease()) {
    return absl::UnavailableError(
        absl::StrCat("node ", core_->self(), " does not hold the lease of range ",
                     options_.range_id, "; leader hint: ", core_->leader_hint()));
  }
  if (writes.empty()) return absl::InvalidArgumentError("a write command needs at least one write");
  if (applied_index() < core_->leader_start_slot()) {
    return absl::UnavailableError(absl::StrCat("the new leaseholder of range ", options_.range_id,
                                               " is still applying its predecessor's "
                                               "commands; retry shortly"));
  }
  // Above everything seen, and above TrueTime's latest bound: after commit wait the
  // timestamp is in the past everywhere.
  RETURN_IF_ERROR(hlc_->Update(Timestamp{true_time_->Now().latest_ns, 0}));
  Timestamp ts = hlc_->Now();
  // Spanner's disjointness rule: a leaseholder's timestamps stay inside its lease, so every
  // timestamp of a successor (which starts after this lease ends) is larger.
  if (ts.wall_ns >= core_->lease_expiry_ns()) {
    return absl::UnavailableError(absl::StrCat("the lease of range ", options_.range_id,
                                               " ends before timestamp ", ts.ToString(),
                                               "; retry once it is extended"));
  }
  proto::RangeCommand cmd;
  uint64_t id = (core_->self() << 40) | next_proposal_seq_++;
  cmd.set_proposal_id(id);
  *cmd.mutable_timestamp() = ToProto(ts);
  for (proto::KvWrite& w : writes) *cmd.add_writes() = std::move(w);
  ASSIGN_OR_RETURN(uint64_t slot, core_->Propose(cmd.SerializeAsString()));
  Proposal p{id, slot, ts, core_->promised()};
  auto stale = pending_.find(slot);
  if (stale != pending_.end()) {
    // The core handed out this slot again: the earlier proposal never entered the log (it
    // was queued when leadership was lost).
    lost_.push_back(AppliedProposal{stale->second.proposal_id,
                                    absl::UnavailableError("leadership was lost before the "
                                                           "proposal was sent; it did not commit"),
                                    stale->second.timestamp});
  }
  pending_[slot] = p;
  return p;
}

absl::StatusOr<ReadPlan> RangeReplica::PlanStrongRead() {
  if (!core_->HasLease()) {
    return absl::UnavailableError(
        absl::StrCat("node ", core_->self(), " does not hold the lease of range ",
                     options_.range_id, "; leader hint: ", core_->leader_hint()));
  }
  ReadPlan plan;
  plan.required_applied_index = std::max(core_->learned_index(), core_->leader_start_slot());
  // Below every in-flight proposal of ours (they may still commit), at or above every
  // applied write: the snapshot read there can never change afterwards.
  Timestamp ts = hlc_->Now();
  // Inside the lease (see ProposeWrites), and below this term's in-flight proposals.
  ts = std::min(ts, Timestamp{core_->lease_expiry_ns() - 1, 0});
  for (const auto& [slot, p] : pending_) {
    if (paxos::BallotEq(p.ballot, core_->promised())) ts = std::min(ts, p.timestamp.Prev());
  }
  plan.read_timestamp = ts;
  return plan;
}

bool RangeReplica::ReadReady(const ReadPlan& plan) {
  return applied_index() >= plan.required_applied_index && core_->HasLease();
}

void RangeReplica::StageDurable(const paxos::Ready& ready, WriteBatch* batch) {
  log_->Stage(ready, batch);
  if (!ready.snapshot.has_value()) return;
  // Replace the whole range state with the snapshot, atomically with the compacted log.
  proto::RangeSnapshot snap;
  CHECK(snap.ParseFromString(ready.snapshot->data)) << "corrupt range snapshot";
  const std::string prefix = RangePrefix(options_.range_id);
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  for (it->Seek(prefix + "a"); it->Valid() && it->key() < PrefixSuccessor(prefix); it->Next()) {
    batch->Delete(it->key());
  }
  for (int i = 0; i < snap.keys_size(); ++i) batch->Put(snap.keys(i), snap.values(i));
  proto::RangeAppliedState state = snap.applied_state();
  state.set_applied_index(ready.snapshot->index);
  batch->Put(AppliedStateKey(), state.SerializeAsString());
}

absl::StatusOr<std::vector<AppliedProposal>> RangeReplica::ApplyCommitted(
    const paxos::Ready& ready) {
  std::vector<AppliedProposal> out = std::move(lost_);
  lost_.clear();
  if (ready.snapshot.has_value()) {
    RETURN_IF_ERROR(OpenMvcc());  // the store's stats and GC threshold came with the snapshot
    if (applied_.has_max_write_timestamp()) {
      RETURN_IF_ERROR(hlc_->Update(FromProto(applied_.max_write_timestamp())));
    }
    for (auto it = pending_.begin(); it != pending_.end() && it->first <= applied_index();) {
      out.push_back(AppliedProposal{it->second.proposal_id,
                                    absl::UnknownError("overtaken by a snapshot; outcome unknown"),
                                    it->second.timestamp});
      it = pending_.erase(it);
    }
  }
  for (const proto::Entry& e : ready.committed) {
    if (e.slot() <= applied_index()) continue;  // already in the state (e.g. from a snapshot)
    CHECK_EQ(e.slot(), applied_index() + 1)
        << "range " << options_.range_id << " applies out of order";
    std::unique_ptr<MvccBatch> batch = mvcc_->NewBatch();
    absl::Status status = absl::OkStatus();
    proto::RangeCommand cmd;
    Timestamp ts;
    if (e.type() == proto::Entry::NORMAL) {
      if (!cmd.ParseFromString(e.command())) {
        status = absl::DataLossError("corrupt range command");
      } else {
        ts = FromProto(cmd.timestamp());
        for (const proto::KvWrite& w : cmd.writes()) {
          status = w.is_delete() ? batch->Delete(w.key(), ts) : batch->Put(w.key(), ts, w.value());
          if (!status.ok()) break;
        }
      }
      if (!status.ok()) {
        // Deterministic on every replica: the command becomes a no-op.
        batch.reset();
        batch = mvcc_->NewBatch();
      } else {
        CHECK_OK(hlc_->Update(ts));
        if (!applied_.has_max_write_timestamp() || FromProto(applied_.max_write_timestamp()) < ts) {
          *applied_.mutable_max_write_timestamp() = ToProto(ts);
        }
      }
    }
    applied_.set_applied_index(e.slot());
    batch->raw()->Put(AppliedStateKey(), applied_.SerializeAsString());
    RETURN_IF_ERROR(batch->Commit(WriteOptions{.sync = false}));
    auto pending = pending_.find(e.slot());
    if (pending != pending_.end()) {
      bool mine =
          e.type() == proto::Entry::NORMAL && cmd.proposal_id() == pending->second.proposal_id;
      out.push_back(AppliedProposal{
          pending->second.proposal_id,
          mine ? status
               : absl::UnavailableError("the proposal lost its slot to a leader change; "
                                        "it did not commit"),
          pending->second.timestamp});
      pending_.erase(pending);
    }
  }
  return out;
}

absl::StatusOr<std::string> RangeReplica::TakeSnapshot() {
  proto::RangeSnapshot snap;
  snap.set_applied_index(applied_index());
  *snap.mutable_applied_state() = applied_;
  const std::string prefix = RangePrefix(options_.range_id);
  std::shared_ptr<const Snapshot> view = engine_->GetSnapshot();
  std::unique_ptr<Iterator> it = engine_->NewIterator(view.get());
  for (it->Seek(prefix + "d"); it->Valid() && it->key() < prefix + "n"; it->Next()) {
    snap.add_keys(std::string(it->key()));
    snap.add_values(std::string(it->value()));
  }
  RETURN_IF_ERROR(it->status());
  return snap.SerializeAsString();
}

Timestamp RangeReplica::t_safe() const {
  Timestamp t = applied_.has_max_write_timestamp() ? FromProto(applied_.max_write_timestamp())
                                                   : Timestamp::Min();
  return t;
}

}  // namespace meridian::storage
