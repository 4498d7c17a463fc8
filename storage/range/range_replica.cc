#include "storage/range/range_replica.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"
#include "storage/mvcc/mvcc_key.h"

namespace meridian::storage {
namespace {

using proto::FromProto;
using proto::ToProto;

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
  RETURN_IF_ERROR(r->LoadPrepared());
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
  if (writes.empty()) return absl::InvalidArgumentError("a write command needs at least one write");
  proto::RangeCommand cmd;
  for (proto::KvWrite& w : writes) *cmd.add_writes() = std::move(w);
  return Propose(std::move(cmd));
}

bool RangeReplica::LeaseReady() {
  return core_->HasLease() && applied_index() >= core_->leader_start_slot();
}

absl::StatusOr<Proposal> RangeReplica::Propose(proto::RangeCommand cmd, Timestamp at_least,
                                               Timestamp below) {
  if (!core_->HasLease()) {
    return absl::UnavailableError(
        absl::StrCat("node ", core_->self(), " does not hold the lease of range ",
                     options_.range_id, "; leader hint: ", core_->leader_hint()));
  }
  if (applied_index() < core_->leader_start_slot()) {
    return absl::UnavailableError(absl::StrCat("the new leaseholder of range ", options_.range_id,
                                               " is still applying its predecessor's "
                                               "commands; retry shortly"));
  }
  Timestamp ts;
  if (cmd.kind() == proto::RangeCommand::RESOLVE && cmd.commit()) {
    // The coordinator chose this timestamp inside its own lease; this range only records it.
    ts = FromProto(cmd.timestamp());
    RETURN_IF_ERROR(hlc_->Update(ts));
  } else {
    // Above everything seen, and above TrueTime's latest bound: after commit wait the
    // timestamp is in the past everywhere.
    RETURN_IF_ERROR(hlc_->Update(Timestamp{true_time_->Now().latest_ns, 0}));
    ts = hlc_->Now();
    if (ts < at_least) {
      ts = at_least;
      if (absl::Status s = hlc_->Update(ts); !s.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "timestamp ", ts.ToString(), " is too far ahead of this node's clock: ", s.message()));
      }
    }
    // Spanner's disjointness rule: a leaseholder's timestamps stay inside its lease, so every
    // timestamp of a successor (which starts after this lease ends) is larger.
    if (ts.wall_ns >= core_->lease_expiry_ns()) {
      return absl::UnavailableError(absl::StrCat("the lease of range ", options_.range_id,
                                                 " ends before timestamp ", ts.ToString(),
                                                 "; retry once it is extended"));
    }
  }
  if (ts >= below) {
    return absl::FailedPreconditionError(absl::StrCat("the range would commit at ", ts.ToString(),
                                                      ", not below ", below.ToString()));
  }
  const bool resolves_prepared = cmd.kind() == proto::RangeCommand::RESOLVE;
  uint64_t id = (core_->self() << 40) | next_proposal_seq_++;
  cmd.set_proposal_id(id);
  *cmd.mutable_timestamp() = ToProto(ts);
  ASSIGN_OR_RETURN(uint64_t slot, core_->Propose(cmd.SerializeAsString()));
  Proposal p{id, slot, ts, core_->promised(), resolves_prepared};
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
  // (A pending RESOLVE is exempt: it only turns prepared writes into versions, and a read
  // that meets a prepared write at or below its timestamp waits for it anyway. Capping at
  // its timestamp, which the coordinator chose and which may lie below writes applied
  // already, would make the read stale.)
  for (const auto& [slot, p] : pending_) {
    if (paxos::BallotEq(p.ballot, core_->promised()) && !p.resolves_prepared) {
      ts = std::min(ts, p.timestamp.Prev());
    }
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
    RETURN_IF_ERROR(LoadPrepared());
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
    prepared_delta_.clear();
    if (e.type() == proto::Entry::NORMAL) {
      if (!cmd.ParseFromString(e.command())) {
        status = absl::DataLossError("corrupt range command");
      } else {
        ts = FromProto(cmd.timestamp());
        status = ApplyCommand(cmd, batch.get());
      }
      if (!status.ok()) {
        // Deterministic on every replica: the command becomes a no-op.
        batch.reset();
        batch = mvcc_->NewBatch();
        prepared_delta_.clear();
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
    for (auto& [txn, record] : prepared_delta_) {
      if (record.has_value()) {
        prepared_[txn] = std::move(*record);
      } else {
        prepared_.erase(txn);
      }
    }
    prepared_delta_.clear();
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
  // MVCC data and meta ("d", "m"), then the transaction records ("t").
  for (const auto& [from, to] :
       {std::pair{prefix + "d", prefix + "n"}, std::pair{prefix + "t", prefix + "u"}}) {
    for (it->Seek(from); it->Valid() && it->key() < to; it->Next()) {
      snap.add_keys(std::string(it->key()));
      snap.add_values(std::string(it->value()));
    }
    RETURN_IF_ERROR(it->status());
  }
  return snap.SerializeAsString();
}

Timestamp RangeReplica::last_commit_timestamp() const {
  return applied_.has_max_write_timestamp() ? FromProto(applied_.max_write_timestamp())
                                            : Timestamp::Min();
}

Timestamp RangeReplica::t_safe() const {
  Timestamp t = last_commit_timestamp();
  for (const auto& [txn, record] : prepared_) {
    Timestamp prepared = FromProto(record.prepare_timestamp());
    if (prepared != Timestamp::Min()) t = std::min(t, prepared.Prev());
  }
  return t;
}

std::string RangeReplica::PreparedKey(std::string_view txn_id) const {
  return absl::StrCat(RangePrefix(options_.range_id), "tp", std::string(txn_id));
}

std::string RangeReplica::AbortedKey(std::string_view txn_id) const {
  return absl::StrCat(RangePrefix(options_.range_id), "ta", std::string(txn_id));
}

std::string RangeReplica::DecisionKey(std::string_view txn_id) const {
  return absl::StrCat(RangePrefix(options_.range_id), "tx", std::string(txn_id));
}

absl::Status RangeReplica::LoadPrepared() {
  prepared_.clear();
  const std::string from = PreparedKey("");
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  for (it->Seek(from); it->Valid() && it->key().starts_with(from); it->Next()) {
    proto::PrepareRecord record;
    if (!record.ParseFromString(std::string(it->value()))) {
      return absl::DataLossError(
          absl::StrCat("corrupt prepare record in range ", options_.range_id));
    }
    prepared_[record.txn_id()] = std::move(record);
  }
  return it->status();
}

absl::StatusOr<std::optional<proto::TxnDecisionRecord>> RangeReplica::Decision(
    const std::string& txn_id) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, engine_->Get(DecisionKey(txn_id)));
  if (!raw.has_value()) return std::nullopt;
  proto::TxnDecisionRecord record;
  if (!record.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat("corrupt decision record of ", txn_id));
  }
  return record;
}

absl::Status RangeReplica::ApplyCommand(const proto::RangeCommand& cmd, MvccBatch* batch) {
  const Timestamp ts = FromProto(cmd.timestamp());
  auto write_all = [&]() -> absl::Status {
    for (const proto::KvWrite& w : cmd.writes()) {
      RETURN_IF_ERROR(w.is_delete() ? batch->Delete(w.key(), ts)
                                    : batch->Put(w.key(), ts, w.value()));
    }
    return absl::OkStatus();
  };
  switch (cmd.kind()) {
    case proto::RangeCommand::WRITE:
      return write_all();
    case proto::RangeCommand::PREPARE: {
      const std::string& txn = cmd.prepare().txn_id();
      if (txn.empty()) return absl::InvalidArgumentError("PREPARE without a transaction id");
      if (prepared_.contains(txn)) {
        return absl::AlreadyExistsError(absl::StrCat(txn, " is already prepared here"));
      }
      ASSIGN_OR_RETURN(std::optional<std::string> aborted, engine_->Get(AbortedKey(txn)));
      if (aborted.has_value()) {
        // A RESOLVE(abort) overtook this PREPARE: the transaction is over here.
        return absl::AbortedError(absl::StrCat(txn, " was aborted before it prepared here"));
      }
      proto::PrepareRecord record = cmd.prepare();
      *record.mutable_prepare_timestamp() = cmd.timestamp();
      record.clear_write_keys();
      for (const proto::KvWrite& w : cmd.writes()) {
        std::optional<std::string_view> value;
        if (!w.is_delete()) value = w.value();
        RETURN_IF_ERROR(batch->Prepare(w.key(), txn, ts, value));
        record.add_write_keys(w.key());
      }
      batch->raw()->Put(PreparedKey(txn), record.SerializeAsString());
      prepared_delta_[txn] = std::move(record);
      return absl::OkStatus();
    }
    case proto::RangeCommand::RESOLVE: {
      auto it = prepared_.find(cmd.txn_id());
      if (it == prepared_.end()) {
        // Resolved already, or not prepared yet. An abort leaves a tombstone so that a
        // PREPARE still in flight cannot prepare the transaction afterwards.
        if (!cmd.commit()) batch->raw()->Put(AbortedKey(cmd.txn_id()), "");
        return absl::OkStatus();
      }
      for (const std::string& key : it->second.write_keys()) {
        RETURN_IF_ERROR(cmd.commit() ? batch->ResolveCommit(key, cmd.txn_id(), ts)
                                     : batch->ResolveAbort(key, cmd.txn_id()));
      }
      batch->raw()->Delete(PreparedKey(cmd.txn_id()));
      prepared_delta_[cmd.txn_id()] = std::nullopt;
      return absl::OkStatus();
    }
    case proto::RangeCommand::DECIDE: {
      if (cmd.txn_id().empty())
        return absl::InvalidArgumentError("DECIDE without a transaction id");
      ASSIGN_OR_RETURN(std::optional<proto::TxnDecisionRecord> existing, Decision(cmd.txn_id()));
      if (existing.has_value()) {
        if (existing->committed() == cmd.commit()) {
          return absl::AlreadyExistsError(absl::StrCat(cmd.txn_id(), " was already decided"));
        }
        return existing->committed()
                   ? absl::AlreadyExistsError(absl::StrCat(cmd.txn_id(), " already committed"))
                   : absl::AbortedError(absl::StrCat(cmd.txn_id(), " was already aborted"));
      }
      proto::TxnDecisionRecord record;
      record.set_txn_id(cmd.txn_id());
      record.set_committed(cmd.commit());
      if (cmd.commit()) *record.mutable_commit_timestamp() = cmd.timestamp();
      for (uint64_t p : cmd.participants()) record.add_participants(p);
      batch->raw()->Put(DecisionKey(cmd.txn_id()), record.SerializeAsString());
      return cmd.commit() ? write_all() : absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError("unknown range command kind");
  }
}

}  // namespace meridian::storage
