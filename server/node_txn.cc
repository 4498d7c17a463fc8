// The transaction side of Node: locks at leaseholders, single-range commit, 2PC participant
// and coordinator, in-doubt recovery. See docs/architecture.md ("Transactions").
#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"
#include "server/node.h"

namespace meridian::server {
namespace {

using proto::FromProto;
using proto::ToProto;
using txn::LockMode;
using txn::LockSpan;

proto::TxnResponse TxnError(const absl::Status& s, NodeId leader_hint = 0) {
  proto::TxnResponse r;
  r.set_code(static_cast<int>(s.code()));
  r.set_message(std::string(s.message()));
  r.set_leader_hint(leader_hint);
  return r;
}

absl::Status Restart(std::string message) {
  return WithSqlState(absl::AbortedError(std::move(message)), "40001");
}

int64_t Micros(absl::Time since) { return absl::ToInt64Microseconds(absl::Now() - since); }

std::vector<std::string> WriteKeys(const proto::TxnRequest& req) {
  std::vector<std::string> keys;
  for (const proto::KvWrite& w : req.writes()) keys.push_back(w.key());
  return keys;
}

std::vector<LockSpan> ReadSpans(const proto::TxnRequest& req) {
  std::vector<LockSpan> spans;
  for (int i = 0; i < req.read_starts_size() && i < req.read_ends_size(); ++i) {
    spans.push_back(LockSpan{req.read_starts(i), req.read_ends(i)});
  }
  return spans;
}

// The end of the locking phase at a range: every lock the transaction needs here must still be
// held (reads shared, writes exclusive); then it becomes unwoundable (it is about to be
// replicated). On failure its locks here are released.
absl::Status FreezeLocks(txn::TxnLocks& locks, const proto::TxnRequest& req) {
  absl::Status s = locks.CheckHeld(req.txn_id(), ReadSpans(req), WriteKeys(req));
  if (s.ok()) s = locks.MarkPrepared(req.txn_id());
  if (!s.ok()) locks.Finish(req.txn_id());
  return s;
}

}  // namespace

absl::Status Node::LockWrites(storage::RangeReplica* range, RangeTxns& st,
                              const proto::TxnRequest& req) {
  absl::Status s = st.locks.CheckHeld(req.txn_id(), ReadSpans(req));
  if (s.ok()) {
    std::vector<std::pair<LockSpan, LockMode>> wants;
    for (const proto::KvWrite& w : req.writes()) {
      wants.emplace_back(LockSpan::Point(w.key()), LockMode::kExclusive);
    }
    s = LockAll(range, st, req.txn_id(), FromProto(req.priority()), wants);
  }
  if (!s.ok()) st.locks.Finish(req.txn_id());
  return s;
}

absl::Status Node::CheckEpoch(const RangeTxns& st, const proto::TxnRequest& req) {
  if (req.lock_epoch().empty() || req.lock_epoch() == st.epoch) return absl::OkStatus();
  return Restart(absl::StrCat("transaction ", req.txn_id(), " locked range ", req.range_id(),
                              " under an earlier leaseholder; its locks there are gone"));
}

absl::StatusOr<Node::RangeTxns*> Node::ServingTxns(storage::RangeReplica* range,
                                                   const proto::TxnRequest& req) {
  RangeTxns& st = txns_[range->range_id()];
  RETURN_IF_ERROR(TxnReady(range, st));
  RETURN_IF_ERROR(CheckEpoch(st, req));
  return &st;
}

absl::Status Node::TxnReady(storage::RangeReplica* range, RangeTxns& st) {
  if (!clock_problem_.empty()) {
    return absl::UnavailableError(
        absl::StrCat("node ", options_.node_id, " refuses to serve: ", clock_problem_));
  }
  if (!st.ready || !range->LeaseReady() ||
      !storage::paxos::BallotEq(range->core().promised(), st.ballot)) {
    return absl::UnavailableError(absl::StrCat("node ", options_.node_id,
                                               " is not the leaseholder of range ",
                                               range->range_id(), " (or is just taking over)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Timestamp> Node::ProposeAndWait(storage::RangeReplica* range,
                                               proto::RangeCommand cmd, Timestamp at_least,
                                               int64_t* replicate_us,
                                               const std::string& release_on_timeout,
                                               bool release_only_on_failure) {
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(storage::Proposal p, range->Propose(std::move(cmd), at_least));
  txns_[range->range_id()].last_proposal_ns = NowNs();
  const std::pair<uint64_t, uint64_t> id{range->range_id(), p.proposal_id};
  waiters_[id] = std::nullopt;
  work_pending_ = true;
  auto done = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return waiters_[id].has_value() || stopping_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&done), absl::Milliseconds(options_.request_timeout_ms));
  std::optional<absl::Status> result = waiters_[id];
  waiters_.erase(id);
  if (replicate_us != nullptr) *replicate_us = Micros(start);
  if (!result.has_value()) {
    // The command may still apply; whoever holds locks for it keeps them until it does.
    if (!release_on_timeout.empty()) {
      release_on_apply_[id] = DeferredRelease{release_on_timeout, release_only_on_failure};
    }
    return absl::DeadlineExceededError(
        absl::StrCat("range ", range->range_id(),
                     " did not replicate the command in time; its outcome is unknown"));
  }
  RETURN_IF_ERROR(*result);
  return p.timestamp;
}

absl::Status Node::LockAll(storage::RangeReplica* range, RangeTxns& st, const std::string& txn,
                           Timestamp priority,
                           const std::vector<std::pair<LockSpan, LockMode>>& wants) {
  bool all_granted = true;
  for (const auto& [span, mode] : wants) {
    ASSIGN_OR_RETURN(txn::AcquireOutcome outcome,
                     st.locks.Acquire(txn, priority, span, mode, NowNs()));
    all_granted &= outcome == txn::AcquireOutcome::kGranted;
  }
  // Uncontended: nothing to wait for (and no wait condition for every mutex release to
  // re-evaluate).
  if (all_granted) return st.locks.CheckAlive(txn);
  const proto::Ballot ballot = st.ballot;
  auto settled = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_ || !st.ready || !storage::paxos::BallotEq(st.ballot, ballot)) return true;
    if (!st.locks.CheckAlive(txn).ok()) return true;
    for (const auto& [span, mode] : wants) {
      if (!st.locks.Holds(txn, span, mode)) return false;
    }
    return true;
  };
  const bool in_time = mu_.AwaitWithTimeout(absl::Condition(&settled),
                                            absl::Milliseconds(options_.request_timeout_ms));
  if (stopping_) return absl::UnavailableError("the node is stopping");
  if (!st.ready || !storage::paxos::BallotEq(st.ballot, ballot)) {
    return Restart(absl::StrCat("range ", range->range_id(),
                                " changed leaseholder while the transaction waited for a lock"));
  }
  RETURN_IF_ERROR(st.locks.CheckAlive(txn));
  if (!in_time) {
    absl::Status why =
        Restart(absl::StrCat("transaction ", txn, " waited more than ", options_.request_timeout_ms,
                             " ms for a lock in range ", range->range_id()));
    st.locks.Abort(txn, why, NowNs());
    return why;
  }
  return absl::OkStatus();
}

proto::TxnResponse Node::OnTxn(const proto::TxnRequest& req) {
  storage::RangeReplica* range;
  {
    absl::MutexLock lock(&mu_);
    range = FindRange(req.range_id());
  }
  if (range == nullptr) {
    return TxnError(absl::NotFoundError(
        absl::StrCat("range ", req.range_id(), " is not served by node ", options_.node_id)));
  }
  if (req.op() != proto::TxnRequest::HEARTBEAT && req.txn_id().empty()) {
    return TxnError(absl::InvalidArgumentError("a transactional request needs a txn_id"));
  }
  const txn::RangeSpan& span = range_map_.ranges()[req.range_id() - 1];
  auto outside = [&](const std::string& key) -> absl::Status {
    if (key.empty() || key.size() > txn::kMaxKeyBytes) {
      return absl::InvalidArgumentError("keys must be 1 to 4096 bytes long");
    }
    if (!span.Contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key '", absl::CEscape(key), "' belongs to range ",
                       range_map_.Lookup(key).range_id, ", not range ", req.range_id()));
    }
    return absl::OkStatus();
  };
  for (const proto::KvWrite& w : req.writes()) {
    if (absl::Status s = outside(w.key()); !s.ok()) return TxnError(s);
  }
  switch (req.op()) {
    case proto::TxnRequest::READ:
      if (absl::Status s = outside(req.key()); !s.ok()) return TxnError(s);
      if (!req.end_key().empty() && !span.end.empty() && req.end_key() > span.end) {
        return TxnError(absl::InvalidArgumentError(
            absl::StrCat("a scan's end passes the end of range ", req.range_id())));
      }
      return LockingRead(range, req);
    case proto::TxnRequest::LOCK:
      return LockForCommit(range, req);
    case proto::TxnRequest::PREPARE:
      return Prepare(range, req);
    case proto::TxnRequest::COMMIT:
      return CommitLocal(range, req);
    case proto::TxnRequest::DECIDE:
      return Decide(range, req);
    case proto::TxnRequest::RESOLVE:
      return Resolve(range, req);
    case proto::TxnRequest::STATUS:
      return TxnStatus(range, req);
    case proto::TxnRequest::HEARTBEAT: {
      absl::MutexLock lock(&mu_);
      absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
      if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
      RangeTxns& st = **serving;
      proto::TxnResponse r;
      for (const std::string& t : req.heartbeat_txn_ids()) {
        if (!st.locks.CheckAlive(t).ok()) {
          r.add_aborted_txn_ids(t);
        } else {
          st.locks.Heartbeat(t, NowNs());
        }
      }
      return r;
    }
    case proto::TxnRequest::ROLLBACK: {
      absl::MutexLock lock(&mu_);
      absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
      if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
      RangeTxns& st = **serving;
      st.locks.Abort(req.txn_id(),
                     Restart(absl::StrCat("transaction ", req.txn_id(), " was rolled back")),
                     NowNs());
      return proto::TxnResponse();
    }
    default:
      return TxnError(absl::InvalidArgumentError("unknown transaction operation"));
  }
}

proto::TxnResponse Node::LockingRead(storage::RangeReplica* range, const proto::TxnRequest& req) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
  if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
  RangeTxns& st = **serving;
  const txn::RangeSpan& span = range_map_.ranges()[range->range_id() - 1];
  std::string end = req.end_key().empty() ? span.end : req.end_key();
  LockSpan lock_span = !req.scan()   ? LockSpan::Point(req.key())
                       : end.empty() ? LockSpan::Range(req.key(), txn::KeySpaceEnd())
                                     : LockSpan::Range(req.key(), end);
  if (lock_span.IsEmpty()) return proto::TxnResponse();
  if (absl::Status s =
          LockAll(range, st, req.txn_id(), FromProto(req.priority()),
                  {{lock_span, req.for_update() ? LockMode::kExclusive : LockMode::kShared}});
      !s.ok()) {
    return TxnError(s, range->core().leader_hint());
  }
  // The latest committed data: a strong read, which no one can change under our lock.
  absl::StatusOr<storage::ReadPlan> plan = range->PlanStrongRead();
  if (!plan.ok()) return TxnError(plan.status(), range->core().leader_hint());
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return range->ReadReady(*plan) || stopping_;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&ready),
                            absl::Milliseconds(options_.request_timeout_ms)) ||
      !range->ReadReady(*plan)) {
    return TxnError(absl::UnavailableError("lost the lease while waiting to read"),
                    range->core().leader_hint());
  }
  proto::TxnResponse r;
  r.set_lock_epoch(st.epoch);
  *r.mutable_timestamp() = ToProto(plan->read_timestamp);
  if (!req.scan()) {
    absl::StatusOr<storage::MvccGetResult> g = range->mvcc().Get(req.key(), plan->read_timestamp);
    if (!g.ok()) return TxnError(g.status());
    if (g->blocked_by.has_value()) {
      return TxnError(absl::InternalError(
          absl::StrCat("locked read of '", absl::CEscape(req.key()), "' found a prepared write of ",
                       g->blocked_by->txn_id, " that holds no lock")));
    }
    if (g->row.has_value()) {
      r.set_found(true);
      r.set_value(g->row->value);
    }
    return r;
  }
  absl::StatusOr<storage::ScanResult> s = range->mvcc().Scan(storage::ScanRequest{
      .start = req.key(),
      .end = end,
      .timestamp = plan->read_timestamp,
      .max_rows = req.limit() > 0 ? std::min<int64_t>(req.limit(), 1000) : 1000});
  if (!s.ok()) return TxnError(s.status());
  if (s->blocked_by.has_value()) {
    return TxnError(absl::InternalError(absl::StrCat(
        "locked scan found a prepared write of ", s->blocked_by->txn_id, " that holds no lock")));
  }
  for (const storage::MvccRow& row : s->rows) {
    r.add_keys(row.key);
    r.add_values(row.value);
  }
  if (s->resume_key.has_value()) r.set_resume_key(*s->resume_key);
  r.set_found(!s->rows.empty());
  return r;
}

proto::TxnResponse Node::CommitLocal(storage::RangeReplica* range, const proto::TxnRequest& req) {
  const absl::Time start = absl::Now();
  proto::TxnResponse r;
  Timestamp ts;
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
    if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
    RangeTxns& st = **serving;
    if (absl::Status s = LockWrites(range, st, req); !s.ok()) {
      return TxnError(s, range->core().leader_hint());
    }
    if (req.writes_size() == 0) {
      // Reads only: the locks were held until now; release them. The reads may have seen a
      // write whose commit wait has not finished (its writer timed out): wait out this
      // timestamp too before acknowledging, so nothing starting later can miss what it saw.
      st.locks.Finish(req.txn_id());
      ts = hlc_->Now();
    } else {
      r.set_lock_wait_us(Micros(start));
      // Replicating: no wound may take these locks away now.
      if (absl::Status s = FreezeLocks(st.locks, req); !s.ok()) return TxnError(s);
      proto::RangeCommand cmd;
      for (const proto::KvWrite& w : req.writes()) *cmd.add_writes() = w;
      int64_t replicate_us = 0;
      // kUnknown (overtaken by a snapshot) and kDeadlineExceeded leave the outcome unknown;
      // the client reports them as 40003.
      absl::StatusOr<Timestamp> applied =
          ProposeAndWait(range, std::move(cmd), Timestamp::Min(), &replicate_us, req.txn_id());
      r.set_replicate_us(replicate_us);
      if (!applied.ok()) {
        if (applied.status().code() != absl::StatusCode::kDeadlineExceeded) {
          st.locks.Finish(req.txn_id());
        }
        return TxnError(applied.status(), range->core().leader_hint());
      }
      ts = *applied;
    }
  }
  // Commit wait: acknowledge only once the commit timestamp has certainly passed.
  const absl::Time wait_start = absl::Now();
  true_time_->CommitWait(ts);
  r.set_commit_wait_us(Micros(wait_start));
  {
    absl::MutexLock lock(&mu_);
    txns_[range->range_id()].locks.Finish(req.txn_id());
  }
  *r.mutable_timestamp() = ToProto(ts);
  return r;
}

proto::TxnResponse Node::LockForCommit(storage::RangeReplica* range, const proto::TxnRequest& req) {
  const absl::Time start = absl::Now();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
  if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
  RangeTxns& st = **serving;
  if (absl::Status s = LockWrites(range, st, req); !s.ok()) {
    return TxnError(s, range->core().leader_hint());
  }
  proto::TxnResponse r;
  r.set_lock_epoch(st.epoch);
  r.set_lock_wait_us(Micros(start));
  return r;
}

proto::TxnResponse Node::Prepare(storage::RangeReplica* range, const proto::TxnRequest& req) {
  const absl::Time start = absl::Now();
  absl::MutexLock lock(&mu_);
  RangeTxns& st = txns_[range->range_id()];
  if (absl::Status s = TxnReady(range, st); !s.ok()) {
    return TxnError(s, range->core().leader_hint());
  }
  proto::TxnResponse r;
  if (auto it = range->prepared().find(req.txn_id()); it != range->prepared().end()) {
    *r.mutable_timestamp() = it->second.prepare_timestamp();  // a repeated PREPARE
    return r;
  }
  if (absl::Status e = CheckEpoch(st, req); !e.ok()) return TxnError(e);
  // Every lock was taken by the LOCK round; a prepared transaction never waits (so prepared
  // transactions, which cannot be wounded, can never be part of a waits-for cycle).
  if (absl::Status s = FreezeLocks(st.locks, req); !s.ok()) return TxnError(s);
  r.set_lock_wait_us(Micros(start));
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::PREPARE);
  proto::PrepareRecord* rec = cmd.mutable_prepare();
  rec->set_txn_id(req.txn_id());
  *rec->mutable_priority() = req.priority();
  rec->set_coordinator_range(req.coordinator_range());
  for (int i = 0; i < req.read_starts_size() && i < req.read_ends_size(); ++i) {
    rec->add_read_starts(req.read_starts(i));
    rec->add_read_ends(req.read_ends(i));
  }
  for (const proto::KvWrite& w : req.writes()) *cmd.add_writes() = w;
  int64_t replicate_us = 0;
  absl::StatusOr<Timestamp> ts =
      ProposeAndWait(range, std::move(cmd), Timestamp::Min(), &replicate_us, req.txn_id(),
                     /*release_only_on_failure=*/true);
  r.set_replicate_us(replicate_us);
  if (auto it = range->prepared().find(req.txn_id()); it != range->prepared().end()) {
    // Prepared: by this command, or by an earlier copy of it (a retried PREPARE).
    *r.mutable_timestamp() = it->second.prepare_timestamp();
    return r;
  }
  if (!ts.ok()) {
    if (ts.status().code() != absl::StatusCode::kDeadlineExceeded) {
      st.locks.Finish(req.txn_id());
    }
    return TxnError(ts.status(), range->core().leader_hint());
  }
  return TxnError(absl::InternalError("the prepare record is missing after PREPARE applied"));
}

proto::TxnResponse Node::Decide(storage::RangeReplica* range, const proto::TxnRequest& req) {
  const absl::Time start = absl::Now();
  proto::TxnResponse r;
  Timestamp s;
  std::vector<uint64_t> participants(req.participants().begin(), req.participants().end());
  {
    absl::MutexLock lock(&mu_);
    RangeTxns& st = txns_[range->range_id()];
    if (absl::Status e = TxnReady(range, st); !e.ok()) {
      return TxnError(e, range->core().leader_hint());
    }
    // The logged decision, if any: committed -> its timestamp; aborted -> 40001.
    auto logged = [&]() -> std::optional<absl::StatusOr<Timestamp>> {
      absl::StatusOr<std::optional<proto::TxnDecisionRecord>> d = range->Decision(req.txn_id());
      if (!d.ok()) return d.status();
      if (!d->has_value()) return std::nullopt;
      if (!(*d)->committed()) {
        return Restart(absl::StrCat("transaction ", req.txn_id(), " was aborted"));
      }
      participants.assign((*d)->participants().begin(), (*d)->participants().end());
      return FromProto((*d)->commit_timestamp());
    };
    // A repeated DECIDE (the client retried at a new leaseholder) gets the logged answer,
    // after commit wait like the first.
    std::optional<absl::StatusOr<Timestamp>> decided = logged();
    if (!decided.has_value()) {
      if (absl::Status e = CheckEpoch(st, req); !e.ok()) return TxnError(e);
      // As for PREPARE: the LOCK round took every lock; the coordinator never waits here.
      if (absl::Status e = FreezeLocks(st.locks, req); !e.ok()) return TxnError(e);
      r.set_lock_wait_us(Micros(start));
      proto::RangeCommand cmd;
      cmd.set_kind(proto::RangeCommand::DECIDE);
      cmd.set_txn_id(req.txn_id());
      cmd.set_commit(true);
      for (uint64_t p : req.participants()) cmd.add_participants(p);
      for (const proto::KvWrite& w : req.writes()) *cmd.add_writes() = w;
      // s >= every prepare timestamp, > Now().latest now, > anything this leader assigned.
      int64_t replicate_us = 0;
      absl::StatusOr<Timestamp> ts =
          ProposeAndWait(range, std::move(cmd), FromProto(req.min_commit_timestamp()),
                         &replicate_us, req.txn_id());
      r.set_replicate_us(replicate_us);
      if (ts.ok()) {
        decided = ts;
      } else if (ts.status().code() == absl::StatusCode::kDeadlineExceeded) {
        return TxnError(ts.status(), range->core().leader_hint());  // locks kept until applied
      } else {
        // Rejected (an abort was logged first), lost, or overtaken by a snapshot: the record
        // says what happened, if anything did.
        decided = logged();
        if (!decided.has_value()) decided = absl::StatusOr<Timestamp>(ts.status());
      }
    }
    if (!decided->ok()) {
      st.locks.Finish(req.txn_id());
      return TxnError(decided->status(), range->core().leader_hint());
    }
    s = **decided;
  }
  const absl::Time wait_start = absl::Now();
  true_time_->CommitWait(s);
  r.set_commit_wait_us(Micros(wait_start));
  {
    absl::MutexLock lock(&mu_);
    txns_[range->range_id()].locks.Finish(req.txn_id());
    // Tell the participants (the janitor delivers; in-doubt ones also ask on their own).
    for (uint64_t p : participants) {
      proto::TxnRequest resolve;
      resolve.set_op(proto::TxnRequest::RESOLVE);
      resolve.set_range_id(p);
      resolve.set_txn_id(req.txn_id());
      resolve.set_commit(true);
      *resolve.mutable_commit_timestamp() = ToProto(s);
      outbox_.push_back(std::move(resolve));
    }
  }
  *r.mutable_timestamp() = ToProto(s);
  return r;
}

proto::TxnResponse Node::Resolve(storage::RangeReplica* range, const proto::TxnRequest& req) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
  if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
  RangeTxns& st = **serving;
  proto::TxnResponse r;
  // Log the outcome if the transaction is prepared here, or may be about to be: an abort
  // while its PREPARE is still in flight (or timed out) leaves a tombstone that stops it.
  const bool preparing = !req.commit() && st.locks.table().IsPrepared(req.txn_id());
  if (range->prepared().contains(req.txn_id()) || preparing) {
    proto::RangeCommand cmd;
    cmd.set_kind(proto::RangeCommand::RESOLVE);
    cmd.set_txn_id(req.txn_id());
    cmd.set_commit(req.commit());
    if (req.commit()) *cmd.mutable_timestamp() = req.commit_timestamp();
    int64_t replicate_us = 0;
    absl::StatusOr<Timestamp> ts =
        ProposeAndWait(range, std::move(cmd), Timestamp::Min(), &replicate_us, req.txn_id());
    r.set_replicate_us(replicate_us);
    if (!ts.ok()) return TxnError(ts.status(), range->core().leader_hint());
  }
  if (req.commit()) {
    st.locks.Finish(req.txn_id());
  } else {
    st.locks.Abort(req.txn_id(), Restart(absl::StrCat("transaction ", req.txn_id(), " aborted")),
                   NowNs());
  }
  return r;
}

proto::TxnResponse Node::TxnStatus(storage::RangeReplica* range, const proto::TxnRequest& req) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RangeTxns*> serving = ServingTxns(range, req);
  if (!serving.ok()) return TxnError(serving.status(), range->core().leader_hint());
  RangeTxns& st = **serving;
  auto answer = [&]() -> std::optional<proto::TxnResponse> {
    absl::StatusOr<std::optional<proto::TxnDecisionRecord>> d = range->Decision(req.txn_id());
    if (!d.ok()) return TxnError(d.status());
    if (!d->has_value()) return std::nullopt;
    proto::TxnResponse r;
    r.set_outcome((*d)->committed() ? proto::TxnResponse::COMMITTED : proto::TxnResponse::ABORTED);
    *r.mutable_timestamp() = (*d)->commit_timestamp();
    return r;
  };
  if (std::optional<proto::TxnResponse> r = answer()) return *r;
  if (st.locks.IsLive(req.txn_id(), NowNs()) || st.locks.table().IsPrepared(req.txn_id())) {
    return proto::TxnResponse();  // PENDING: alive, or its DECIDE is being replicated
  }
  // Nobody has heard from the transaction: decide abort, so a late commit cannot succeed.
  st.locks.Abort(
      req.txn_id(),
      Restart(absl::StrCat("transaction ", req.txn_id(), " was abandoned during two-phase commit")),
      NowNs());
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::DECIDE);
  cmd.set_txn_id(req.txn_id());
  cmd.set_commit(false);
  absl::StatusOr<Timestamp> ts = ProposeAndWait(range, std::move(cmd), Timestamp::Min(), nullptr);
  if (!ts.ok() && ts.status().code() != absl::StatusCode::kAlreadyExists) {
    return TxnError(ts.status(), range->core().leader_hint());
  }
  if (std::optional<proto::TxnResponse> r = answer()) return *r;
  return TxnError(absl::InternalError("the abort decision was not recorded"));
}

void Node::MaintainTxns(bool tick) {
  const int64_t now = NowNs();
  for (auto& [id, range] : ranges_) {
    RangeTxns& st = txns_[id];
    const bool same_term = storage::paxos::BallotEq(range->core().promised(), st.ballot);
    if (st.ready && (!range->core().HasLease() || !same_term)) {
      std::vector<txn::TxnId> aborted = st.locks.Reset(now);
      st.ready = false;
      st.status_asked_ns.clear();
      if (!aborted.empty()) {
        LOG(INFO) << "node " << options_.node_id << " lost the lease of range " << id
                  << ": aborted " << aborted.size() << " lock holder(s)";
      }
    }
    if (!st.ready && range->LeaseReady()) {
      // Before serving anything: the locks of every prepared transaction, from its record.
      for (const auto& [txn_id, rec] : range->prepared()) {
        std::vector<LockSpan> reads;
        for (int i = 0; i < rec.read_starts_size() && i < rec.read_ends_size(); ++i) {
          reads.push_back(LockSpan{rec.read_starts(i), rec.read_ends(i)});
        }
        std::vector<std::string> writes(rec.write_keys().begin(), rec.write_keys().end());
        absl::Status s = st.locks.Reinstate(txn_id, FromProto(rec.priority()), writes, reads, now);
        if (!s.ok()) LOG(ERROR) << "range " << id << ": " << s;
      }
      st.ready = true;
      st.ballot = range->core().promised();
      st.epoch = absl::StrCat(st.ballot.round(), ".", st.ballot.node(), ".", ++st.resets, ".",
                              incarnation_);
      st.last_proposal_ns = now;
    }
    if (!st.ready || !tick) continue;
    for (const txn::TxnId& t : st.locks.ExpireIdle(now)) {
      LOG(INFO) << "range " << id << ": aborted silent transaction " << t;
    }
    // Closed timestamps: an idle leaseholder logs an empty command, which moves every
    // replica's t_safe up to about now.
    if (range->pending_proposals() == 0 &&
        now - st.last_proposal_ns >= options_.close_interval_ms * 1'000'000) {
      if (range->Propose(proto::RangeCommand()).ok()) work_pending_ = true;
      st.last_proposal_ns = now;
    }
  }
}

absl::StatusOr<proto::TxnResponse> Node::RouteTxn(const proto::TxnRequest& request) {
  const uint64_t range_id = request.range_id();
  bool local = false;
  {
    absl::MutexLock lock(&mu_);
    storage::RangeReplica* r = FindRange(range_id);
    if (r != nullptr && TxnReady(r, txns_[range_id]).ok()) local = true;
  }
  if (local) {
    proto::TxnResponse resp = OnTxn(request);
    if (resp.code() != static_cast<int>(absl::StatusCode::kUnavailable)) return resp;
  }
  NodeId target;
  {
    absl::MutexLock lock(&peers_mu_);
    auto it = leader_guess_.find(range_id);
    target = it != leader_guess_.end() ? it->second : options_.peers.begin()->first;
  }
  absl::Status last = absl::UnavailableError("no leaseholder found");
  for (size_t attempt = 0; attempt < 2 * options_.peers.size(); ++attempt) {
    absl::StatusOr<proto::TxnResponse> resp;
    if (target == options_.node_id) {
      resp = OnTxn(request);
    } else {
      NodeClient* client;
      {
        absl::MutexLock lock(&peers_mu_);
        std::unique_ptr<NodeClient>& c = peer_clients_[target];
        if (c == nullptr) {
          absl::StatusOr<std::unique_ptr<NodeClient>> made =
              NodeClient::Connect(options_.peers.at(target));
          if (made.ok()) c = std::move(*made);
        }
        client = c.get();
      }
      resp = client == nullptr ? absl::UnavailableError("cannot connect")
                               : client->Txn(request, absl::Seconds(5));
    }
    if (resp.ok() && resp->code() != static_cast<int>(absl::StatusCode::kUnavailable)) {
      absl::MutexLock lock(&peers_mu_);
      leader_guess_[range_id] = target;
      return resp;
    }
    last = resp.ok() ? absl::UnavailableError(resp->message()) : resp.status();
    if (resp.ok() && resp->leader_hint() != 0 && resp->leader_hint() != target &&
        options_.peers.contains(resp->leader_hint())) {
      target = resp->leader_hint();
    } else {
      auto it = options_.peers.upper_bound(target);
      target = it == options_.peers.end() ? options_.peers.begin()->first : it->first;
    }
  }
  return last;
}

void Node::JanitorLoop() {
  while (true) {
    std::vector<proto::TxnRequest> deliveries;
    std::vector<std::pair<uint64_t, proto::PrepareRecord>> in_doubt;
    {
      absl::MutexLock lock(&mu_);
      // Outcomes are delivered as soon as they are known (participants hold locks until
      // then); in-doubt checks run every 200 ms.
      auto wake = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !outbox_.empty(); };
      mu_.AwaitWithTimeout(absl::Condition(&wake), absl::Milliseconds(200));
      if (stopping_) return;
      deliveries.swap(outbox_);
      const int64_t now = NowNs();
      const int64_t timeout = options_.txn_heartbeat_timeout_ms * 1'000'000;
      for (auto& [id, range] : ranges_) {
        RangeTxns& st = txns_[id];
        if (!TxnReady(range.get(), st).ok()) continue;
        for (auto it = st.status_asked_ns.begin(); it != st.status_asked_ns.end();) {
          it = range->prepared().contains(it->first) ? std::next(it) : st.status_asked_ns.erase(it);
        }
        for (const auto& [txn_id, rec] : range->prepared()) {
          // Prepared long ago and still undecided here: ask the coordinator, once a second.
          if (now - rec.prepare_timestamp().wall_ns() < timeout) continue;
          int64_t& asked = st.status_asked_ns[txn_id];
          if (now - asked < 1'000'000'000) continue;
          asked = now;
          in_doubt.emplace_back(id, rec);
        }
      }
    }
    for (const proto::TxnRequest& d : deliveries) {
      absl::StatusOr<proto::TxnResponse> r = RouteTxn(d);
      if (!r.ok() || r->code() != 0) {
        LOG(INFO) << "could not deliver the outcome of " << d.txn_id() << " to range "
                  << d.range_id() << "; it will ask";
      }
    }
    // Ask the coordinators in parallel: one unreachable coordinator must not hold up the
    // others.
    std::vector<std::thread> askers;
    for (const auto& [range_id, rec] : in_doubt) {
      askers.emplace_back([this, range_id = range_id, rec = rec] {
        proto::TxnRequest ask;
        ask.set_op(proto::TxnRequest::STATUS);
        ask.set_range_id(rec.coordinator_range());
        ask.set_txn_id(rec.txn_id());
        absl::StatusOr<proto::TxnResponse> r = RouteTxn(ask);
        if (!r.ok() || r->code() != 0 || r->outcome() == proto::TxnResponse::PENDING) return;
        proto::TxnRequest resolve;
        resolve.set_op(proto::TxnRequest::RESOLVE);
        resolve.set_range_id(range_id);
        resolve.set_txn_id(rec.txn_id());
        resolve.set_commit(r->outcome() == proto::TxnResponse::COMMITTED);
        *resolve.mutable_commit_timestamp() = r->timestamp();
        LOG(INFO) << "range " << range_id << ": in-doubt transaction " << rec.txn_id() << " "
                  << (resolve.commit() ? "committed" : "aborted") << " (asked range "
                  << rec.coordinator_range() << ")";
        (void)RouteTxn(resolve);
      });
    }
    for (std::thread& t : askers) t.join();
  }
}

}  // namespace meridian::server
