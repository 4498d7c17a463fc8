#include "txn/range_txn_server.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"

namespace meridian::txn {
namespace {

using proto::FromProto;
using proto::ToProto;
using storage::paxos::BallotEq;

proto::TxnResponse TxnError(const absl::Status& s, uint64_t leader_hint = 0) {
  proto::TxnResponse r;
  r.set_code(static_cast<int>(s.code()));
  r.set_message(std::string(s.message()));
  r.set_leader_hint(leader_hint);
  if (std::optional<std::string> state = GetSqlState(s); state.has_value()) {
    r.set_sqlstate(*state);
  }
  return r;
}

proto::KvResponse KvError(const absl::Status& s, uint64_t leader_hint = 0) {
  proto::KvResponse r;
  r.set_code(static_cast<int>(s.code()));
  r.set_message(std::string(s.message()));
  r.set_leader_hint(leader_hint);
  return r;
}

absl::Status Restart(std::string message) {
  return WithSqlState(absl::AbortedError(std::move(message)), "40001");
}

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

int64_t MicrosSince(int64_t start_ns, int64_t now_ns) { return (now_ns - start_ns) / 1000; }

// The bound a COMMIT or DECIDE must commit below (its read-only participants' holds).
Timestamp CommitBefore(const proto::TxnRequest& req) {
  return req.has_commit_before() ? FromProto(req.commit_before()) : Timestamp::Max();
}

}  // namespace

RangeTxnServer::RangeTxnServer(RangeTxnServerOptions options, storage::RangeReplica* range,
                               clock::TrueTime* true_time, clock::Hlc* hlc, RangeTxnHost* host)
    : options_(options),
      range_(range),
      true_time_(true_time),
      hlc_(hlc),
      host_(host),
      locks_(TxnLocksOptions{.heartbeat_timeout_ns = options.heartbeat_timeout_ns}) {}

int64_t RangeTxnServer::NowNs() const { return true_time_->clock()->NowNanos(); }

uint64_t RangeTxnServer::LeaderHint() const { return range_->core().leader_hint(); }

// ---------------------------------------------------------------------------------------
// Waiting

void RangeTxnServer::Pump() {
  if (pumping_) return;  // the outer Pump keeps going until nothing is ready
  pumping_ = true;
  bool ran = true;
  while (ran) {
    ran = false;
    const RangeWaits::Events events{
        .locks = locks_.TakeWoken(),
        .applied_index = range_->applied_index(),
        .safe_time = [this] { return SafeNow(); },
        .prepared = [this](const TxnId& txn) { return range_->prepared().contains(txn); },
    };
    for (RangeWaits::Id id : waits_.Candidates(events)) {
      if (std::optional<RangeWaits::Wait> w = waits_.TakeIfReady(id)) {
        w->run();
        ran = true;
      }
    }
  }
  pumping_ = false;
}

void RangeTxnServer::ProposeThen(proto::RangeCommand cmd, Timestamp at_least, Timestamp below,
                                 std::string release_txn, bool release_only_on_failure,
                                 std::function<void(absl::StatusOr<Timestamp>)> done) {
  absl::StatusOr<storage::Proposal> p = range_->Propose(std::move(cmd), at_least, below);
  if (!p.ok()) {
    switch (p.status().code()) {
      case absl::StatusCode::kResourceExhausted:
        return done(Refused(p.status(), release_txn));
      case absl::StatusCode::kFailedPrecondition:
        return done(Restart(
            absl::StrCat("transaction ", release_txn, " ran out of time: ", p.status().message(),
                         ", where a range it read stops ", "holding its read locks")));
      default:
        return done(p.status());
    }
  }
  last_proposal_ns_ = NowNs();
  proposals_[p->proposal_id] =
      ProposalWait{p->timestamp, NowNs() + options_.request_timeout_ns, std::move(done),
                   std::move(release_txn), release_only_on_failure};
}

absl::Status RangeTxnServer::Refused(const absl::Status& full, const std::string& txn) const {
  if (!txn.empty()) {
    for (const auto& [id, w] : proposals_) {
      if (w.release_txn != txn) continue;
      // An earlier copy of this transaction's command is still being replicated: this one
      // changes nothing, and that one's fate decides the locks.
      return absl::DeadlineExceededError(
          absl::StrCat("range ", range_id(), " is too busy to replicate another copy of ",
                       "transaction ", txn, "'s command (", full.message(),
                       "); the outcome of the copy being replicated is unknown"));
    }
  }
  return Restart(absl::StrCat("range ", range_id(), " is too busy to replicate the command (",
                              full.message(), "); restart the transaction"));
}

void RangeTxnServer::OnApplied(const std::vector<storage::AppliedProposal>& applied) {
  for (const storage::AppliedProposal& a : applied) {
    auto it = proposals_.find(a.proposal_id);
    if (it == proposals_.end()) continue;
    ProposalWait w = std::move(it->second);
    proposals_.erase(it);
    if (w.done) {
      if (a.status.ok()) {
        w.done(w.timestamp);
      } else {
        w.done(a.status);
      }
    } else if (!w.release_txn.empty() && (!a.status.ok() || !w.release_only_on_failure)) {
      // The waiter gave up; the command's fate is known now, and with it the locks'.
      locks_.Finish(w.release_txn);
    }
  }
  Pump();
}

// ---------------------------------------------------------------------------------------
// Serving checks and locks

absl::Status RangeTxnServer::Ready() const {
  if (!refusal_.empty()) {
    return absl::UnavailableError(
        absl::StrCat("node ", options_.node_id, " refuses to serve: ", refusal_));
  }
  if (!ready_ || !range_->LeaseReady() || !BallotEq(range_->core().promised(), ballot_)) {
    return absl::UnavailableError(absl::StrCat("node ", options_.node_id,
                                               " is not the leaseholder of range ", range_id(),
                                               " (or is just taking over)"));
  }
  return absl::OkStatus();
}

absl::Status RangeTxnServer::Serving() const { return Ready(); }

absl::Status RangeTxnServer::CheckEpoch(const proto::TxnRequest& req) const {
  if (req.lock_epoch().empty() || req.lock_epoch() == epoch_) return absl::OkStatus();
  return Restart(absl::StrCat("transaction ", req.txn_id(), " locked range ", req.range_id(),
                              " under an earlier leaseholder; its locks there are gone"));
}

absl::Status RangeTxnServer::CheckKeys(const proto::TxnRequest& req) const {
  const RangeMap& map = *options_.range_map;
  const RangeSpan& span = map.ranges()[range_id() - 1];
  auto outside = [&](const std::string& key) -> absl::Status {
    if (key.empty() || key.size() > kMaxKeyBytes) {
      return absl::InvalidArgumentError("keys must be 1 to 4096 bytes long");
    }
    if (!span.Contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key '", absl::CEscape(key), "' belongs to range ", map.Lookup(key).range_id,
                       ", not range ", range_id()));
    }
    return absl::OkStatus();
  };
  for (const proto::KvWrite& w : req.writes()) RETURN_IF_ERROR(outside(w.key()));
  if (req.absent_keys_size() > 0) {
    // Only a key the request writes is locked exclusively before it is checked.
    absl::flat_hash_set<std::string_view> written;
    written.reserve(static_cast<size_t>(req.writes_size()));
    for (const proto::KvWrite& w : req.writes()) written.insert(w.key());
    for (const std::string& k : req.absent_keys()) {
      if (!written.contains(k)) {
        return absl::InvalidArgumentError("a key required absent must be one the request writes");
      }
    }
  }
  if (!req.update().empty()) {
    if (req.op() != proto::TxnRequest::COMMIT || req.writes_size() > 0 ||
        req.read_starts_size() > 0 || req.read_ends_size() > 0) {
      return absl::InvalidArgumentError(
          "a row update is a COMMIT of one key, with no writes and no reads of its own");
    }
    RETURN_IF_ERROR(outside(req.key()));
  }
  if (req.op() == proto::TxnRequest::READ && req.scan()) {
    if (req.batch_keys_size() > 0) {
      return absl::InvalidArgumentError("a batched read cannot be a scan");
    }
    if (req.has_snapshot_timestamp()) {
      // A snapshot transaction scans lock-free, at its snapshot (KvRequest).
      return absl::InvalidArgumentError("a locking scan cannot carry a snapshot timestamp");
    }
  }
  if (req.op() == proto::TxnRequest::READ && req.batch_keys_size() > 0) {
    for (const std::string& k : req.batch_keys()) RETURN_IF_ERROR(outside(k));
  } else if (req.op() == proto::TxnRequest::READ) {
    RETURN_IF_ERROR(outside(req.key()));
    if (!req.end_key().empty() && !span.end.empty() && req.end_key() > span.end) {
      return absl::InvalidArgumentError(
          absl::StrCat("a scan's end passes the end of range ", range_id()));
    }
  }
  return absl::OkStatus();
}

void RangeTxnServer::LockAll(const std::string& txn, Timestamp priority,
                             std::vector<std::pair<LockSpan, LockMode>> wants,
                             std::function<void(absl::Status)> done) {
  const bool patient = options_.wound_delay_ns > 0;
  bool all_granted = true;
  for (const auto& [span, mode] : wants) {
    absl::StatusOr<AcquireOutcome> outcome = locks_.Acquire(
        txn, priority, span, mode, NowNs(), patient ? Wounding::kDeferred : Wounding::kImmediate);
    if (!outcome.ok()) {
      done(outcome.status());
      return;
    }
    all_granted &= *outcome == AcquireOutcome::kGranted;
  }
  if (all_granted) {
    done(locks_.CheckAlive(txn));
    return;
  }
  ParkLockWait(txn, std::move(wants), std::move(done), NowNs() + options_.request_timeout_ns,
               patient ? NowNs() + options_.wound_delay_ns : 0);
}

void RangeTxnServer::ParkLockWait(const std::string& txn,
                                  std::vector<std::pair<LockSpan, LockMode>> wants,
                                  std::function<void(absl::Status)> done, int64_t deadline_ns,
                                  int64_t wound_at_ns) {
  const proto::Ballot ballot = ballot_;
  auto moved = [this, ballot] { return !ready_ || !BallotEq(ballot_, ballot); };
  auto lease_moved = [this] {
    return Restart(absl::StrCat("range ", range_id(),
                                " changed leaseholder while the transaction waited for a lock"));
  };
  std::function<void()> expire;
  if (wound_at_ns > 0) {
    // The patience is over: wound the younger transactions still in the way, and wait on
    // (for older or prepared ones only, now) until the request's own deadline.
    expire = [this, moved, lease_moved, txn, wants, done, deadline_ns] {
      if (moved()) return done(lease_moved());
      if (absl::Status alive = locks_.CheckAlive(txn); !alive.ok()) return done(alive);
      locks_.WoundBlockers(txn, NowNs());
      ParkLockWait(txn, wants, done, deadline_ns, /*wound_at_ns=*/0);
    };
  } else {
    expire = [this, moved, lease_moved, txn, done] {
      if (moved()) return done(lease_moved());
      if (absl::Status alive = locks_.CheckAlive(txn); !alive.ok()) return done(alive);
      absl::Status why = Restart(absl::StrCat("transaction ", txn, " waited more than ",
                                              options_.request_timeout_ns / 1'000'000,
                                              " ms for a lock in range ", range_id()));
      locks_.Abort(txn, why, NowNs());
      done(why);
    };
  }
  // Woken when the lock table names txn: a grant, a wound, an abort, or a lease reset.
  waits_.OnLock(txn,
                {.ready =
                     [this, moved, txn, wants] {
                       if (moved() || !locks_.CheckAlive(txn).ok()) return true;
                       for (const auto& [span, mode] : wants) {
                         if (!locks_.Holds(txn, span, mode)) return false;
                       }
                       return true;
                     },
                 .run = [this, moved, lease_moved, txn,
                         done] { done(moved() ? lease_moved() : locks_.CheckAlive(txn)); },
                 .deadline_ns = wound_at_ns > 0 ? std::min(wound_at_ns, deadline_ns) : deadline_ns,
                 .expire = std::move(expire)});
}

void RangeTxnServer::LockWrites(const Req& req, std::function<void(absl::Status)> done) {
  // A request that fails never releases the locks of a transaction already committing or
  // prepared here (it is a late copy: a retry that crossed the original).
  auto finish = [this, req, done](absl::Status s) {
    if (!s.ok() && !locks_.table().IsPrepared(req->txn_id())) locks_.Finish(req->txn_id());
    done(s);
  };
  if (absl::Status s = locks_.CheckHeld(req->txn_id(), ReadSpans(*req)); !s.ok()) {
    return finish(s);
  }
  std::vector<std::pair<LockSpan, LockMode>> wants;
  for (const proto::KvWrite& w : req->writes()) {
    wants.emplace_back(LockSpan::Point(w.key()), LockMode::kExclusive);
  }
  LockAll(req->txn_id(), FromProto(req->priority()), std::move(wants),
          [this, req, finish](absl::Status s) {
            if (s.ok()) s = CheckWrittenSince(*req, WriteKeys(*req));
            if (s.ok()) s = CheckAbsent(*req);
            finish(s);
          });
}

absl::Status RangeTxnServer::CheckAbsent(const proto::TxnRequest& req) const {
  // Held exclusively, so as for CheckWrittenSince: every earlier writer is applied here.
  if (req.absent_keys_size() == 0) return absl::OkStatus();
  std::vector<std::string_view> keys(req.absent_keys().begin(), req.absent_keys().end());
  ASSIGN_OR_RETURN(std::vector<storage::MvccGetResult> found,
                   range_->mvcc().GetMany(keys, Timestamp::Max()));
  for (int i = 0; i < req.absent_keys_size(); ++i) {
    if (found[static_cast<size_t>(i)].row.has_value()) {
      return SqlError(
          absl::StatusCode::kAlreadyExists, "23505",
          i < req.absent_errors_size() && !req.absent_errors(i).empty()
              ? req.absent_errors(i)
              : absl::StrCat("key '", absl::CEscape(req.absent_keys(i)), "' already exists"));
    }
  }
  return absl::OkStatus();
}

absl::Status RangeTxnServer::CheckWrittenSince(const proto::TxnRequest& req,
                                               const std::vector<std::string>& keys) const {
  if (!req.has_snapshot_timestamp()) return absl::OkStatus();
  const Timestamp snapshot = FromProto(req.snapshot_timestamp());
  // Under the exclusive lock every earlier writer of the key has released it, and a writer
  // releases only once its version is applied here (early release after apply, RESOLVE
  // after apply, a new leaseholder applies its predecessor's commits before it serves).
  // So the newest version applied now is the newest there will be until this commit.
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(std::optional<Timestamp> newest, range_->mvcc().NewestVersion(key));
    if (newest.has_value() && *newest > snapshot) {
      return Restart(absl::StrCat("could not serialize access due to concurrent update: '",
                                  absl::CEscape(key), "' was written at ", newest->ToString(),
                                  ", after the snapshot of repeatable-read transaction ",
                                  req.txn_id(), " at ", snapshot.ToString()));
    }
  }
  return absl::OkStatus();
}

absl::Status RangeTxnServer::FreezeLocks(const proto::TxnRequest& req) {
  if (locks_.table().IsPrepared(req.txn_id())) {
    // A repeat (PREPARE or DECIDE retried while the first is replicating): the locks were
    // frozen by the first; the log's record of the command decides the answer.
    return locks_.CheckHeld(req.txn_id(), ReadSpans(req), WriteKeys(req));
  }
  absl::Status s = locks_.CheckHeld(req.txn_id(), ReadSpans(req), WriteKeys(req));
  if (s.ok()) s = locks_.MarkPrepared(req.txn_id());
  if (!s.ok()) locks_.Finish(req.txn_id());
  return s;
}

// ---------------------------------------------------------------------------------------
// Transactional requests

void RangeTxnServer::Handle(const proto::TxnRequest& request, Reply reply) {
  Dispatch(std::make_shared<const proto::TxnRequest>(request), reply);
  Pump();
}

void RangeTxnServer::Dispatch(const Req& req, const Reply& reply) {
  if (req->op() != proto::TxnRequest::HEARTBEAT && req->txn_id().empty()) {
    return reply(TxnError(absl::InvalidArgumentError("a transactional request needs a txn_id")));
  }
  if (absl::Status s = CheckKeys(*req); !s.ok()) return reply(TxnError(s));
  switch (req->op()) {
    case proto::TxnRequest::READ:
      return LockingRead(req, reply);
    case proto::TxnRequest::LOCK:
      return LockForCommit(req, reply);
    case proto::TxnRequest::PREPARE:
      return Prepare(req, reply);
    case proto::TxnRequest::COMMIT:
      return CommitLocal(req, reply);
    case proto::TxnRequest::INGEST:
      return Ingest(req, reply);
    case proto::TxnRequest::DECIDE:
      return Decide(req, reply);
    case proto::TxnRequest::RESOLVE:
      return Resolve(req, reply);
    case proto::TxnRequest::STATUS:
      return Status(req, reply);
    case proto::TxnRequest::HEARTBEAT: {
      absl::Status s = Ready();
      if (s.ok()) s = CheckEpoch(*req);
      if (!s.ok()) return reply(TxnError(s, LeaderHint()));
      proto::TxnResponse r;
      for (const std::string& t : req->heartbeat_txn_ids()) {
        if (!locks_.CheckAlive(t).ok()) {
          r.add_aborted_txn_ids(t);
        } else {
          locks_.Heartbeat(t, NowNs());
        }
      }
      return reply(std::move(r));
    }
    case proto::TxnRequest::ROLLBACK: {
      absl::Status s = Ready();
      if (s.ok()) s = CheckEpoch(*req);
      if (!s.ok()) return reply(TxnError(s, LeaderHint()));
      locks_.Abort(req->txn_id(),
                   Restart(absl::StrCat("transaction ", req->txn_id(), " was rolled back")),
                   NowNs());
      return reply(proto::TxnResponse());
    }
    default:
      return reply(TxnError(absl::InvalidArgumentError("unknown transaction operation")));
  }
}

void RangeTxnServer::LockingRead(const Req& req, const Reply& reply) {
  absl::Status ready = Ready();
  if (ready.ok()) ready = CheckEpoch(*req);
  if (!ready.ok()) return reply(TxnError(ready, LeaderHint()));
  const RangeSpan& span = options_.range_map->ranges()[range_id() - 1];
  const std::string end = req->end_key().empty() ? span.end : req->end_key();
  const LockMode mode = req->for_update() ? LockMode::kExclusive : LockMode::kShared;
  std::vector<std::pair<LockSpan, LockMode>> wants;
  if (req->batch_keys_size() > 0) {
    for (const std::string& k : req->batch_keys()) wants.push_back({LockSpan::Point(k), mode});
  } else {
    LockSpan lock_span = !req->scan()  ? LockSpan::Point(req->key())
                         : end.empty() ? LockSpan::Range(req->key(), KeySpaceEnd())
                                       : LockSpan::Range(req->key(), end);
    if (lock_span.IsEmpty()) return reply(proto::TxnResponse());
    wants.push_back({std::move(lock_span), mode});
  }
  const int64_t start = NowNs();
  LockAll(req->txn_id(), FromProto(req->priority()), std::move(wants),
          [this, req, reply, end, start](absl::Status s) {
            if (!s.ok()) return reply(TxnError(s, LeaderHint()));
            const int64_t locked = NowNs();
            // The latest committed data: a strong read, which no one can change under the lock.
            AfterStrongRead(
                [this, req, reply, end, start, locked](const storage::ReadPlan& p) {
                  proto::TxnResponse r;
                  r.set_lock_epoch(epoch_);
                  r.set_lock_wait_us(MicrosSince(start, locked));
                  *r.mutable_timestamp() = ToProto(p.read_timestamp);
                  if (!req->scan()) {
                    const bool batch = req->batch_keys_size() > 0;
                    if (req->for_update()) {
                      absl::Status s = CheckWrittenSince(
                          *req, batch ? std::vector<std::string>(req->batch_keys().begin(),
                                                                 req->batch_keys().end())
                                      : std::vector<std::string>{req->key()});
                      if (!s.ok()) {
                        // It must restart: its locks here go now, not when it times out.
                        locks_.Abort(req->txn_id(), s, NowNs());
                        return reply(TxnError(s));
                      }
                    }
                    for (int i = 0; i < std::max(1, req->batch_keys_size()); ++i) {
                      const std::string& key = batch ? req->batch_keys(i) : req->key();
                      absl::StatusOr<std::optional<storage::MvccRow>> row =
                          LockedGet(key, p.read_timestamp);
                      if (!row.ok()) return reply(TxnError(row.status()));
                      if (!row->has_value()) continue;
                      if (batch) {
                        r.add_keys(key);
                        r.add_values((*row)->value);
                      } else {
                        r.set_found(true);
                        r.set_value((*row)->value);
                      }
                    }
                    return reply(std::move(r));
                  }
                  absl::StatusOr<std::optional<storage::BlockingIntent>> blocked =
                      ScanInto(req->key(), end, p.read_timestamp, req->limit(), req->filter(), &r);
                  if (!blocked.ok()) return reply(TxnError(blocked.status()));
                  if (blocked->has_value()) {
                    return reply(TxnError(absl::InternalError(
                        absl::StrCat("locked scan found a prepared write of ", (*blocked)->txn_id,
                                     " that holds no lock"))));
                  }
                  reply(std::move(r));
                },
                [this, reply](absl::Status s) { reply(TxnError(s, LeaderHint())); });
          });
}

void RangeTxnServer::AfterStrongRead(std::function<void(const storage::ReadPlan&)> run,
                                     std::function<void(absl::Status)> fail) {
  absl::StatusOr<storage::ReadPlan> plan = range_->PlanStrongRead();
  if (!plan.ok()) return fail(plan.status());
  const storage::ReadPlan p = *plan;
  waits_.OnApplied(
      p.required_applied_index,
      {.ready = [this, p] { return range_->ReadReady(p); },
       .run = [run, p] { run(p); },
       .deadline_ns = NowNs() + options_.request_timeout_ns,
       .expire = [fail] { fail(absl::UnavailableError("lost the lease while waiting to read")); }});
}

absl::StatusOr<std::optional<storage::MvccRow>> RangeTxnServer::LockedGet(const std::string& key,
                                                                          Timestamp ts) const {
  ASSIGN_OR_RETURN(storage::MvccGetResult g, range_->mvcc().Get(key, ts));
  if (g.blocked_by.has_value()) {
    return absl::InternalError(absl::StrCat("locked read of '", absl::CEscape(key),
                                            "' found a prepared write of ", g.blocked_by->txn_id,
                                            " that holds no lock"));
  }
  return std::move(g.row);
}

void RangeTxnServer::ReplyAfter(Timestamp ts, std::string txn, proto::TxnResponse r, Reply reply) {
  // Early lock release: the commit is applied, so it can no longer be lost or undone, and
  // every timestamp this range assigns from now on is above `ts` (its clock has passed it;
  // a successor's lease starts later still). A transaction that takes these locks next
  // reads the committed values and commits above `ts`, and its own commit wait covers
  // `ts` too; so the locks need not be held through this commit wait (docs/architecture.md,
  // "Early lock release").
  if (!txn.empty()) locks_.Finish(txn);
  const int64_t wait_start = NowNs();
  host_->AfterTimestamp(
      ts, [this, ts, wait_start, r = std::move(r), reply = std::move(reply)]() mutable {
        r.set_commit_wait_us(MicrosSince(wait_start, NowNs()));
        *r.mutable_timestamp() = ToProto(ts);
        reply(std::move(r));
        Pump();
      });
}

void RangeTxnServer::Ingest(const Req& req, const Reply& reply) {
  if (absl::Status ready = Ready(); !ready.ok()) return reply(TxnError(ready, LeaderHint()));
  if (req->writes_size() == 0) {
    return reply(TxnError(absl::InvalidArgumentError("an INGEST needs at least one write")));
  }
  // The caller vouches that no other transaction can reach these keys. A lock held by
  // another transaction proves it wrong: refuse rather than write under someone's lock.
  for (const proto::KvWrite& w : req->writes()) {
    for (const LockInfo& l : locks_.table().Holders(w.key())) {
      if (l.granted && l.txn != req->txn_id()) {
        return reply(TxnError(absl::FailedPreconditionError(absl::StrCat(
            "INGEST of transaction ", req->txn_id(), " into '", absl::CEscape(w.key()),
            "', which transaction ", l.txn, " has locked: only a key space private to the ",
            "transaction may be ingested"))));
      }
    }
  }
  proto::RangeCommand cmd;
  *cmd.mutable_writes() = req->writes();
  const int64_t replicate_start = NowNs();
  // Committed versions nobody else can reach yet: no locks, no commit wait (the
  // transaction's own commit, stamped above the answer's timestamp, waits).
  ProposeThen(std::move(cmd), Timestamp::Min(), Timestamp::Max(), "", false,
              [this, reply, replicate_start](absl::StatusOr<Timestamp> applied) {
                if (!applied.ok()) return reply(TxnError(applied.status(), LeaderHint()));
                proto::TxnResponse r;
                r.set_replicate_us(MicrosSince(replicate_start, NowNs()));
                *r.mutable_timestamp() = ToProto(*applied);
                reply(std::move(r));
              });
}

void RangeTxnServer::UpdateLocal(const Req& req, const Reply& reply) {
  absl::Status ready = Ready();
  if (ready.ok()) ready = CheckEpoch(*req);
  if (!ready.ok()) return reply(TxnError(ready, LeaderHint()));
  if (!options_.row_updates) {
    return reply(TxnError(absl::FailedPreconditionError(
        absl::StrCat("node serving range ", range_id(), " does not evaluate row updates"))));
  }
  absl::StatusOr<std::unique_ptr<RowUpdate>> compiled = options_.row_updates(req->update());
  if (!compiled.ok()) return reply(TxnError(compiled.status()));
  std::shared_ptr<RowUpdate> update = std::move(*compiled);
  const std::string txn = req->txn_id();
  // Nothing of the transaction is left here unless it commits.
  auto fail = [this, txn, reply](const absl::Status& s) {
    if (!locks_.table().IsPrepared(txn)) locks_.Finish(txn);
    reply(TxnError(s, LeaderHint()));
  };
  LockAll(txn, FromProto(req->priority()), {{LockSpan::Point(req->key()), LockMode::kExclusive}},
          [this, req, reply, update, fail](absl::Status s) {
            if (!s.ok()) return fail(s);
            // The latest committed value, as a locking read has it.
            AfterStrongRead(
                [this, req, reply, update, fail](const storage::ReadPlan& p) {
                  absl::StatusOr<std::optional<storage::MvccRow>> row =
                      LockedGet(req->key(), p.read_timestamp);
                  if (!row.ok()) return fail(row.status());
                  std::optional<std::string> next;
                  if (row->has_value()) {
                    absl::StatusOr<std::optional<std::string>> applied =
                        update->Apply(req->key(), (*row)->value);
                    if (!applied.ok()) return fail(applied.status());
                    next = std::move(*applied);
                  }
                  if (!next.has_value()) {
                    // Nothing to write: like a commit of reads only, release, then wait out the
                    // read's timestamp before answering.
                    locks_.Finish(req->txn_id());
                    return ReplyAfter(hlc_->Now(), "", proto::TxnResponse(), reply);
                  }
                  // An ordinary single-range commit of the new value, under the lock held.
                  auto commit = std::make_shared<proto::TxnRequest>(*req);
                  commit->clear_update();
                  proto::KvWrite* w = commit->add_writes();
                  w->set_key(req->key());
                  w->set_value(*next);
                  CommitLocal(commit, [reply, value = *next](proto::TxnResponse r) {
                    if (r.code() == 0) {
                      r.set_found(true);
                      r.set_value(value);
                    }
                    reply(std::move(r));
                  });
                },
                fail);
          });
}

void RangeTxnServer::CommitLocal(const Req& req, const Reply& reply) {
  if (!req->update().empty()) return UpdateLocal(req, reply);
  const int64_t start = NowNs();
  absl::Status ready = Ready();
  if (ready.ok()) ready = CheckEpoch(*req);
  if (!ready.ok()) return reply(TxnError(ready, LeaderHint()));
  if (locks_.table().IsPrepared(req->txn_id())) {
    // A second copy of a COMMIT whose first is replicating: its outcome is not known yet.
    return reply(TxnError(absl::UnknownError(
        absl::StrCat("transaction ", req->txn_id(),
                     " is already being committed here; its outcome is unknown"))));
  }
  LockWrites(req, [this, req, reply, start](absl::Status s) {
    if (!s.ok()) return reply(TxnError(s, LeaderHint()));
    proto::TxnResponse r;
    if (req->writes_size() == 0) {
      // Reads only: the locks were held until now; release them. The reads may have seen a
      // write whose commit wait has not finished (its writer timed out): wait out this
      // timestamp too before acknowledging, so nothing starting later can miss what it saw.
      locks_.Finish(req->txn_id());
      return ReplyAfter(hlc_->Now(), "", std::move(r), reply);
    }
    r.set_lock_wait_us(MicrosSince(start, NowNs()));
    // Replicating: no wound may take these locks away now.
    if (absl::Status f = FreezeLocks(*req); !f.ok()) return reply(TxnError(f));
    proto::RangeCommand cmd;
    for (const proto::KvWrite& w : req->writes()) *cmd.add_writes() = w;
    const int64_t replicate_start = NowNs();
    // kUnknown (overtaken by a snapshot) and kDeadlineExceeded leave the outcome unknown;
    // the client reports them as 40003.
    ProposeThen(
        std::move(cmd), FromProto(req->min_commit_timestamp()), CommitBefore(*req), req->txn_id(),
        false,
        [this, req, reply, replicate_start,
         r = std::move(r)](absl::StatusOr<Timestamp> applied) mutable {
          r.set_replicate_us(MicrosSince(replicate_start, NowNs()));
          if (!applied.ok()) {
            if (applied.status().code() != absl::StatusCode::kDeadlineExceeded) {
              locks_.Finish(req->txn_id());
            }
            return reply(TxnError(applied.status(), LeaderHint()));
          }
          // Commit wait: acknowledge only once the commit timestamp has passed; then
          // release the read-only participants.
          const Timestamp ts = *applied;
          ReplyAfter(
              ts, req->txn_id(), std::move(r), [this, req, ts, reply](proto::TxnResponse done) {
                reply(std::move(done));
                TellCommitted(req->txn_id(),
                              {req->release_ranges().begin(), req->release_ranges().end()}, ts);
              });
        });
  });
}

void RangeTxnServer::LockForCommit(const Req& req, const Reply& reply) {
  const int64_t start = NowNs();
  absl::Status ready = Ready();
  if (ready.ok()) ready = CheckEpoch(*req);
  if (!ready.ok()) return reply(TxnError(ready, LeaderHint()));
  LockWrites(req, [this, reply, start](absl::Status s) {
    if (!s.ok()) return reply(TxnError(s, LeaderHint()));
    proto::TxnResponse r;
    r.set_lock_epoch(epoch_);
    r.set_lock_wait_us(MicrosSince(start, NowNs()));
    reply(std::move(r));
  });
}

void RangeTxnServer::Prepare(const Req& req, const Reply& reply) {
  const int64_t start = NowNs();
  if (absl::Status s = Ready(); !s.ok()) return reply(TxnError(s, LeaderHint()));
  if (req->writes_size() == 0) return PrepareReadOnly(req, reply);
  auto prepared_answer = [this, req]() -> std::optional<proto::TxnResponse> {
    auto it = range_->prepared().find(req->txn_id());
    if (it == range_->prepared().end()) return std::nullopt;
    proto::TxnResponse r;
    *r.mutable_timestamp() = it->second.prepare_timestamp();
    return r;
  };
  if (std::optional<proto::TxnResponse> r = prepared_answer()) return reply(*r);  // a repeat
  if (absl::Status e = CheckEpoch(*req); !e.ok()) return reply(TxnError(e));
  // Every lock was taken by the LOCK round; a prepared transaction never waits (so prepared
  // transactions, which cannot be wounded, can never be part of a waits-for cycle).
  if (absl::Status s = FreezeLocks(*req); !s.ok()) return reply(TxnError(s));
  proto::TxnResponse r;
  r.set_lock_wait_us(MicrosSince(start, NowNs()));
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::PREPARE);
  proto::PrepareRecord* rec = cmd.mutable_prepare();
  rec->set_txn_id(req->txn_id());
  *rec->mutable_priority() = req->priority();
  rec->set_coordinator_range(req->coordinator_range());
  for (int i = 0; i < req->read_starts_size() && i < req->read_ends_size(); ++i) {
    rec->add_read_starts(req->read_starts(i));
    rec->add_read_ends(req->read_ends(i));
  }
  for (const proto::KvWrite& w : req->writes()) *cmd.add_writes() = w;
  const int64_t replicate_start = NowNs();
  ProposeThen(
      std::move(cmd), Timestamp::Min(), Timestamp::Max(), req->txn_id(),
      /*release_only_on_failure=*/true,
      [this, req, reply, replicate_start, prepared_answer,
       r = std::move(r)](absl::StatusOr<Timestamp> ts) mutable {
        // Prepared: by this command, or by an earlier copy of it (a retried PREPARE).
        if (std::optional<proto::TxnResponse> p = prepared_answer()) {
          p->set_lock_wait_us(r.lock_wait_us());
          p->set_replicate_us(MicrosSince(replicate_start, NowNs()));
          return reply(*p);
        }
        if (!ts.ok()) {
          if (ts.status().code() != absl::StatusCode::kDeadlineExceeded) {
            locks_.Finish(req->txn_id());
          }
          return reply(TxnError(ts.status(), LeaderHint()));
        }
        reply(TxnError(absl::InternalError("the prepare record is missing after PREPARE applied")));
      });
}

void RangeTxnServer::Decide(const Req& req, const Reply& reply) {
  const int64_t start = NowNs();
  if (absl::Status e = Ready(); !e.ok()) return reply(TxnError(e, LeaderHint()));
  // The logged decision, if any: committed -> its timestamp (and its participants);
  // aborted -> 40001.
  auto logged =
      [this, req](std::vector<uint64_t>* participants) -> std::optional<absl::StatusOr<Timestamp>> {
    absl::StatusOr<std::optional<proto::TxnDecisionRecord>> d = range_->Decision(req->txn_id());
    if (!d.ok()) return d.status();
    if (!d->has_value()) return std::nullopt;
    if (!(*d)->committed()) {
      return Restart(absl::StrCat("transaction ", req->txn_id(), " was aborted"));
    }
    participants->assign((*d)->participants().begin(), (*d)->participants().end());
    return FromProto((*d)->commit_timestamp());
  };
  // Release and tell the written participants now, then commit wait, then reply and tell
  // the ranges only read (in-doubt participants also ask). Early lock release, as for a
  // single-range commit (ReplyAfter): the decision and this range's writes are applied,
  // and this range's clock has passed `s` (it assigned `s`, or a predecessor did inside an
  // older lease); a written participant records `s` in its clock as it applies the
  // outcome, before it releases. So whoever takes these locks next commits above `s` and
  // is acknowledged only after its own commit wait. A range only read takes no Paxos
  // round to release and does not move its clock: it hears after commit wait, when `s`
  // has passed everywhere (docs/architecture.md, "Early lock release").
  auto finish = [this, req, reply](absl::StatusOr<Timestamp> decided,
                                   std::vector<uint64_t> participants, proto::TxnResponse r) {
    locks_.Finish(req->txn_id());
    if (!decided.ok()) return reply(TxnError(decided.status(), LeaderHint()));
    const Timestamp s = *decided;
    TellCommitted(req->txn_id(), participants, s);
    const int64_t wait_start = NowNs();
    host_->AfterTimestamp(s, [this, s, req, reply, wait_start, r = std::move(r)]() mutable {
      r.set_commit_wait_us(MicrosSince(wait_start, NowNs()));
      *r.mutable_timestamp() = ToProto(s);
      reply(std::move(r));
      TellCommitted(
          req->txn_id(),
          std::vector<uint64_t>(req->release_ranges().begin(), req->release_ranges().end()), s);
      Pump();
    });
  };
  // A repeated DECIDE (the client retried at a new leaseholder) gets the logged answer,
  // after commit wait like the first.
  std::vector<uint64_t> participants(req->participants().begin(), req->participants().end());
  if (std::optional<absl::StatusOr<Timestamp>> d = logged(&participants)) {
    return finish(*d, participants, proto::TxnResponse());
  }
  if (absl::Status e = CheckEpoch(*req); !e.ok()) return reply(TxnError(e));
  // As for PREPARE: the LOCK round took every lock; the coordinator never waits here.
  if (absl::Status e = FreezeLocks(*req); !e.ok()) return reply(TxnError(e));
  proto::TxnResponse r;
  r.set_lock_wait_us(MicrosSince(start, NowNs()));
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::DECIDE);
  cmd.set_txn_id(req->txn_id());
  cmd.set_commit(true);
  for (uint64_t p : participants) cmd.add_participants(p);
  for (const proto::KvWrite& w : req->writes()) *cmd.add_writes() = w;
  const int64_t replicate_start = NowNs();
  // s >= every prepare timestamp, > Now().latest now, > anything this leader assigned.
  ProposeThen(std::move(cmd), FromProto(req->min_commit_timestamp()), CommitBefore(*req),
              req->txn_id(), false,
              [this, reply, logged, finish, participants, replicate_start,
               r = std::move(r)](absl::StatusOr<Timestamp> ts) mutable {
                r.set_replicate_us(MicrosSince(replicate_start, NowNs()));
                if (ts.ok()) return finish(ts, participants, std::move(r));
                if (ts.status().code() == absl::StatusCode::kDeadlineExceeded) {
                  return reply(TxnError(ts.status(), LeaderHint()));  // locks kept until applied
                }
                // Rejected (an abort was logged first), lost, or overtaken by a snapshot: the
                // record says what happened, if anything did.
                std::optional<absl::StatusOr<Timestamp>> d = logged(&participants);
                finish(d.has_value() ? *d : absl::StatusOr<Timestamp>(ts.status()), participants,
                       std::move(r));
              });
}

void RangeTxnServer::TellCommitted(const std::string& txn, const std::vector<uint64_t>& ranges,
                                   Timestamp ts) {
  for (uint64_t p : ranges) {
    proto::TxnRequest resolve;
    resolve.set_op(proto::TxnRequest::RESOLVE);
    resolve.set_range_id(p);
    resolve.set_txn_id(txn);
    resolve.set_commit(true);
    *resolve.mutable_commit_timestamp() = ToProto(ts);
    host_->Route(std::move(resolve), [txn, p](absl::StatusOr<proto::TxnResponse> d) {
      if (!d.ok() || d->code() != 0) {
        LOG(INFO) << "could not deliver the outcome of " << txn << " to range " << p
                  << "; it will ask, or its hold there will run out";
      }
    });
  }
}

void RangeTxnServer::PrepareReadOnly(const Req& req, const Reply& reply) {
  auto answer = [](const ReadHold& h) {
    proto::TxnResponse r;
    *r.mutable_timestamp() = ToProto(h.prepared);
    *r.mutable_hold_until() = ToProto(h.until);
    return r;
  };
  if (auto it = read_holds_.find(req->txn_id()); it != read_holds_.end()) {
    return reply(answer(it->second));  // a repeat
  }
  if (absl::Status e = CheckEpoch(*req); !e.ok()) return reply(TxnError(e));
  // The reads' locks were taken when they read; from now on no wound may take them.
  if (absl::Status s = FreezeLocks(*req); !s.ok()) return reply(TxnError(s));
  // Nothing is replicated: the prepare timestamp is above every version this range has
  // applied or stamped (so above everything the reads saw), and the hold ends no later
  // than the lease, whose successor stamps every write above it.
  const Timestamp prepared = hlc_->Now();
  const int64_t until_ns = std::min(range_->core().lease_expiry_ns(),
                                    true_time_->Now().latest_ns + options_.read_hold_ns);
  const ReadHold hold{prepared, Timestamp{until_ns, 0}};
  read_holds_[req->txn_id()] = hold;
  const std::string epoch = epoch_;
  host_->AfterTimestamp(hold.until, [this, txn = req->txn_id(), epoch, until = hold.until] {
    // The hold ran out with no outcome: every write stamped here from now on is above any
    // commit timestamp the transaction could have taken, so the locks may go.
    auto it = read_holds_.find(txn);
    if (it == read_holds_.end() || epoch != epoch_ || it->second.until != until) return;
    read_holds_.erase(it);
    locks_.Finish(txn);
    Pump();
  });
  reply(answer(hold));
}

void RangeTxnServer::Resolve(const Req& req, const Reply& reply) {
  absl::Status ready = Ready();
  if (ready.ok()) ready = CheckEpoch(*req);
  if (!ready.ok()) return reply(TxnError(ready, LeaderHint()));
  auto finish = [this, req, reply](proto::TxnResponse r) {
    if (req->commit()) {
      locks_.Finish(req->txn_id());
    } else {
      locks_.Abort(req->txn_id(), Restart(absl::StrCat("transaction ", req->txn_id(), " aborted")),
                   NowNs());
    }
    reply(std::move(r));
  };
  if (auto hold = read_holds_.find(req->txn_id()); hold != read_holds_.end()) {
    // A read-only participant: nothing to log. Later writes here are stamped above the
    // commit timestamp (it has passed: the coordinator waited it out before telling).
    read_holds_.erase(hold);
    if (req->commit()) (void)hlc_->Update(FromProto(req->commit_timestamp()));
    return finish(proto::TxnResponse());
  }
  // Log the outcome if the transaction is prepared here, or may be about to be: an abort
  // while its PREPARE is still in flight (or timed out) leaves a tombstone that stops it.
  const bool preparing = !req->commit() && locks_.table().IsPrepared(req->txn_id());
  if (!range_->prepared().contains(req->txn_id()) && !preparing) {
    return finish(proto::TxnResponse());
  }
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::RESOLVE);
  cmd.set_txn_id(req->txn_id());
  cmd.set_commit(req->commit());
  if (req->commit()) *cmd.mutable_timestamp() = req->commit_timestamp();
  const int64_t replicate_start = NowNs();
  ProposeThen(std::move(cmd), Timestamp::Min(), Timestamp::Max(), req->txn_id(), false,
              [this, reply, finish, replicate_start](absl::StatusOr<Timestamp> ts) {
                if (!ts.ok()) return reply(TxnError(ts.status(), LeaderHint()));
                proto::TxnResponse r;
                r.set_replicate_us(MicrosSince(replicate_start, NowNs()));
                finish(std::move(r));
              });
}

void RangeTxnServer::Status(const Req& req, const Reply& reply) {
  absl::Status ready = Ready();
  if (ready.ok()) ready = CheckEpoch(*req);
  if (!ready.ok()) return reply(TxnError(ready, LeaderHint()));
  auto answer = [this, req]() -> std::optional<proto::TxnResponse> {
    absl::StatusOr<std::optional<proto::TxnDecisionRecord>> d = range_->Decision(req->txn_id());
    if (!d.ok()) return TxnError(d.status());
    if (!d->has_value()) return std::nullopt;
    proto::TxnResponse r;
    r.set_outcome((*d)->committed() ? proto::TxnResponse::COMMITTED : proto::TxnResponse::ABORTED);
    *r.mutable_timestamp() = (*d)->commit_timestamp();
    return r;
  };
  if (std::optional<proto::TxnResponse> r = answer()) return reply(*r);
  if (locks_.IsLive(req->txn_id(), NowNs()) || locks_.table().IsPrepared(req->txn_id())) {
    return reply(proto::TxnResponse());  // PENDING: alive, or its DECIDE is being replicated
  }
  // Nobody has heard from the transaction: decide abort, so a late commit cannot succeed.
  locks_.Abort(req->txn_id(),
               Restart(absl::StrCat("transaction ", req->txn_id(),
                                    " was abandoned during two-phase commit")),
               NowNs());
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::DECIDE);
  cmd.set_txn_id(req->txn_id());
  cmd.set_commit(false);
  ProposeThen(std::move(cmd), Timestamp::Min(), Timestamp::Max(), "", false,
              [this, reply, answer](absl::StatusOr<Timestamp> ts) {
                if (!ts.ok() && ts.status().code() != absl::StatusCode::kAlreadyExists) {
                  return reply(TxnError(ts.status(), LeaderHint()));
                }
                if (std::optional<proto::TxnResponse> r = answer()) return reply(*r);
                reply(TxnError(absl::InternalError("the abort decision was not recorded")));
              });
}

// ---------------------------------------------------------------------------------------
// Lock-free reads

Timestamp RangeTxnServer::PreparedCap() const {
  // A prepared transaction may commit at any timestamp >= its prepare timestamp: nothing at
  // or above the oldest one is stable until it is resolved.
  Timestamp cap = Timestamp::Max();
  for (const auto& [txn, rec] : range_->prepared()) {
    cap = std::min(cap, FromProto(rec.prepare_timestamp()).Prev());
  }
  return cap;
}

Timestamp RangeTxnServer::SafeNow() const {
  Timestamp safe = range_->t_safe();
  absl::StatusOr<storage::ReadPlan> plan = range_->PlanStrongRead();
  if (plan.ok() && range_->ReadReady(*plan)) {
    safe = std::max(safe, std::min(plan->read_timestamp, PreparedCap()));
  }
  return safe;
}

void RangeTxnServer::HandleRead(const proto::KvRequest& request, KvReply reply) {
  const int snapshot = request.has_read_timestamp();
  const int bounded = request.max_staleness_ms() > 0;
  const int last_commit = request.at_last_commit();
  if (snapshot + bounded + last_commit > 1) {
    return reply(KvError(absl::InvalidArgumentError(
        "give at most one of read_timestamp, max_staleness_ms and at_last_commit")));
  }
  if (request.max_staleness_ms() < 0) {
    return reply(KvError(absl::InvalidArgumentError("max_staleness_ms must not be negative")));
  }
  if (request.batch_keys_size() > 0) {
    if (request.op() != proto::KvRequest::GET) {
      return reply(KvError(absl::InvalidArgumentError("batch_keys is for GET only")));
    }
    const RangeSpan& span = options_.range_map->ranges()[range_id() - 1];
    for (const std::string& k : request.batch_keys()) {
      if (k.empty() || k.size() > kMaxKeyBytes || !span.Contains(k)) {
        return reply(KvError(absl::InvalidArgumentError(absl::StrCat(
            "key '", absl::CEscape(k), "' is empty, too long or not in range ", range_id()))));
      }
    }
  }
  if (!refusal_.empty()) {
    return reply(KvError(absl::UnavailableError(
        absl::StrCat("node ", options_.node_id, " refuses to serve: ", refusal_))));
  }
  ServeRead(std::make_shared<const proto::KvRequest>(request),
            NowNs() + options_.request_timeout_ns, std::move(reply));
  Pump();
}

void RangeTxnServer::ServeRead(const KvReq& req, int64_t deadline_ns, KvReply reply) {
  const bool snapshot = req->has_read_timestamp();
  const bool bounded = req->max_staleness_ms() > 0;
  const bool last_commit = req->at_last_commit();
  if ((!snapshot && !bounded) || last_commit) {
    // Strong read: only the leaseholder, with no Paxos round.
    absl::StatusOr<storage::ReadPlan> plan = range_->PlanStrongRead();
    if (!plan.ok()) return reply(KvError(plan.status(), LeaderHint()));
    const storage::ReadPlan p = *plan;
    waits_.OnApplied(
        p.required_applied_index,
        {.ready = [this, p] { return range_->ReadReady(p); },
         .run =
             [this, req, deadline_ns, reply, p, last_commit] {
               Timestamp read_ts = p.read_timestamp;
               // Spanner's LastTS: with nothing prepared, the last commit is as good as now. That
               // commit may still be in its commit wait; wait it out too, so a transaction that
               // starts after this read cannot be given a smaller timestamp than what it saw.
               if (last_commit && range_->prepared().empty()) {
                 read_ts = range_->last_commit_timestamp();
                 if (!true_time_->After(read_ts)) {
                   host_->AfterTimestamp(read_ts, [this, req, read_ts, deadline_ns, reply] {
                     ReadAt(req, read_ts, deadline_ns, reply);
                     Pump();
                   });
                   return;
                 }
               }
               ReadAt(req, read_ts, deadline_ns, reply);
             },
         .deadline_ns = deadline_ns,
         .expire =
             [this, reply] {
               reply(KvError(absl::UnavailableError("lost the lease while waiting to read"),
                             LeaderHint()));
             }});
    return;
  }
  // Snapshot or bounded-staleness read: any replica whose t_safe covers the timestamp. The
  // leaseholder can serve up to its strong-read timestamp once applied (it first ratchets
  // its clock past the wanted timestamp, so later writes land above it). A replica that is
  // not there yet waits a little (a follower learns commits on the next heartbeat or
  // closed-timestamp command), then refuses and names the leaseholder.
  const Timestamp wanted =
      snapshot ? FromProto(req->read_timestamp())
               : Timestamp{true_time_->Now().latest_ns - req->max_staleness_ms() * 1'000'000, 0};
  if (snapshot && range_->LeaseReady() && wanted.wall_ns < range_->core().lease_expiry_ns()) {
    (void)hlc_->Update(wanted);  // refused only if absurdly far ahead: then we just wait
  }
  if (req->prefer_leaseholder() && !range_->core().HasLease() && SafeNow() < wanted) {
    // A fresh read sent here on a stale guess: waiting for the safe time would cost up to a
    // closed-timestamp interval, the leaseholder serves it at once.
    return reply(KvError(absl::UnavailableError(absl::StrCat(
                             "node ", options_.node_id, " is not the leaseholder of range ",
                             range_id(), " and is not yet safe at ", wanted.ToString())),
                         LeaderHint()));
  }
  waits_.OnSafeTime(
      wanted,
      {.ready = [this, wanted] { return SafeNow() >= wanted; },
       .run = [this, req, deadline_ns, reply, wanted,
               snapshot] { ReadAt(req, snapshot ? wanted : SafeNow(), deadline_ns, reply); },
       .deadline_ns = std::min(deadline_ns, NowNs() + options_.follower_read_wait_ns),
       .expire =
           [this, reply, wanted] {
             const Timestamp safe = SafeNow();
             std::string why =
                 safe == Timestamp::Min()
                     ? absl::StrCat("node ", options_.node_id,
                                    "'s replica has not applied any write yet")
                     : absl::StrCat("node ", options_.node_id, "'s replica is safe only up to ",
                                    safe.ToString(), ", short of ", wanted.ToString());
             reply(KvError(absl::UnavailableError(absl::StrCat(why, "; read at the leaseholder")),
                           LeaderHint()));
           }});
}

template <typename Response>
absl::StatusOr<std::optional<storage::BlockingIntent>> RangeTxnServer::ScanInto(
    const std::string& start, const std::string& end, Timestamp ts, int64_t limit,
    const std::string& filter, Response* r) {
  std::unique_ptr<ScanFilter> keep;
  if (!filter.empty() && options_.scan_filters) {
    absl::StatusOr<std::unique_ptr<ScanFilter>> f = options_.scan_filters(filter);
    if (f.ok()) keep = std::move(*f);
  }
  // A filtered scan examines a full page and returns what passes, up to the limit.
  const int64_t examine =
      keep != nullptr || limit <= 0 ? kScanPageRows : std::min(limit, kScanPageRows);
  absl::StatusOr<storage::ScanResult> s = range_->mvcc().Scan(
      storage::ScanRequest{.start = start, .end = end, .timestamp = ts, .max_rows = examine});
  if (!s.ok()) return s.status();
  if (s->blocked_by.has_value()) return s->blocked_by;
  int64_t n = 0;
  for (size_t i = 0; i < s->rows.size(); ++i) {
    const storage::MvccRow& row = s->rows[i];
    if (keep != nullptr) {
      absl::StatusOr<bool> k = keep->Keep(row.key, row.value);
      if (k.ok() && !*k) continue;
    }
    r->add_keys(row.key);
    r->add_values(row.value);
    if (limit > 0 && ++n >= limit && i + 1 < s->rows.size()) {
      r->set_resume_key(row.key + std::string(1, '\0'));
      r->set_found(true);
      return std::optional<storage::BlockingIntent>();
    }
  }
  if (s->resume_key.has_value()) r->set_resume_key(*s->resume_key);
  r->set_found(r->keys_size() > 0);
  return std::optional<storage::BlockingIntent>();
}

void RangeTxnServer::ReadAt(const KvReq& req, Timestamp ts, int64_t deadline_ns, KvReply reply) {
  proto::KvResponse r;
  *r.mutable_timestamp() = ToProto(ts);
  std::optional<storage::BlockingIntent> blocked;
  if (req->op() == proto::KvRequest::GET && req->batch_keys_size() > 0) {
    for (const std::string& key : req->batch_keys()) {
      absl::StatusOr<storage::MvccGetResult> g = range_->mvcc().Get(key, ts);
      if (!g.ok()) return reply(KvError(g.status()));
      if (g->blocked_by.has_value()) {
        blocked = g->blocked_by;
        break;
      }
      if (g->row.has_value()) {
        r.add_keys(key);
        r.add_values(g->row->value);
      }
    }
  } else if (req->op() == proto::KvRequest::GET) {
    absl::StatusOr<storage::MvccGetResult> g = range_->mvcc().Get(req->key(), ts);
    if (!g.ok()) return reply(KvError(g.status()));
    blocked = g->blocked_by;
    if (g->row.has_value()) {
      r.set_found(true);
      r.set_value(g->row->value);
    }
  } else {
    absl::StatusOr<std::optional<storage::BlockingIntent>> s =
        ScanInto(req->key(), req->end_key(), ts, req->limit(), req->filter(), &r);
    if (!s.ok()) return reply(KvError(s.status()));
    blocked = *s;
  }
  if (!blocked.has_value()) return reply(std::move(r));
  // A prepared write at or below the read timestamp: wait for its outcome, then read again.
  const std::string txn_id = blocked->txn_id;
  waits_.OnResolved(
      txn_id,
      {.ready = [this, txn_id] { return !range_->prepared().contains(txn_id); },
       .run = [this, req, deadline_ns, reply] { ServeRead(req, deadline_ns, reply); },
       .deadline_ns = deadline_ns,
       .expire =
           [reply, txn_id] {
             reply(KvError(absl::UnavailableError(absl::StrCat(
                 "the read waits for the outcome of prepared transaction ", txn_id, "; retry"))));
           }});
}

// ---------------------------------------------------------------------------------------
// Maintenance

void RangeTxnServer::Maintain(bool tick) {
  const int64_t now = NowNs();
  const bool same_term = BallotEq(range_->core().promised(), ballot_);
  if (ready_ && (!range_->core().HasLease() || !same_term)) {
    std::vector<TxnId> aborted = locks_.Reset(now);
    read_holds_.clear();
    ready_ = false;
    status_asked_ns_.clear();
    if (!aborted.empty()) {
      LOG(INFO) << "node " << options_.node_id << " lost the lease of range " << range_id()
                << ": aborted " << aborted.size() << " lock holder(s)";
    }
  }
  if (!ready_ && range_->LeaseReady()) {
    // Before serving anything: the locks of every prepared transaction, from its record.
    for (const auto& [txn_id, rec] : range_->prepared()) {
      std::vector<LockSpan> reads;
      for (int i = 0; i < rec.read_starts_size() && i < rec.read_ends_size(); ++i) {
        reads.push_back(LockSpan{rec.read_starts(i), rec.read_ends(i)});
      }
      std::vector<std::string> writes(rec.write_keys().begin(), rec.write_keys().end());
      absl::Status s = locks_.Reinstate(txn_id, FromProto(rec.priority()), writes, reads, now);
      if (!s.ok()) LOG(ERROR) << "range " << range_id() << ": " << s;
    }
    ready_ = true;
    ballot_ = range_->core().promised();
    epoch_ = absl::StrCat(ballot_.round(), ".", ballot_.node(), ".", ++resets_, ".",
                          options_.incarnation);
    last_proposal_ns_ = now;
  }
  // Between ticks too: a lock wait's patience (wound_delay_ns) is a few milliseconds.
  if (!tick) {
    for (RangeWaits::Wait& w : waits_.TakeExpired(now)) w.expire();
  }
  if (tick) {
    // Overdue proposals: the outcome is unknown; the waiter hears so, and the entry stays
    // until the command's fate is known (it may still release locks then).
    std::vector<uint64_t> overdue;
    for (const auto& [id, w] : proposals_) {
      if (w.done && now >= w.deadline_ns) overdue.push_back(id);
    }
    for (uint64_t id : overdue) {
      auto done = std::move(proposals_[id].done);
      proposals_[id].done = nullptr;
      done(absl::DeadlineExceededError(absl::StrCat(
          "range ", range_id(), " did not replicate the command in time; its outcome is unknown")));
    }
    for (RangeWaits::Wait& w : waits_.TakeExpired(now)) w.expire();
    if (ready_ && refusal_.empty()) {
      for (const TxnId& t : locks_.ExpireIdle(now)) {
        LOG(INFO) << "range " << range_id() << ": aborted silent transaction " << t;
      }
      // Closed timestamps: an idle leaseholder logs an empty command, which moves every
      // replica's t_safe up to about now.
      if (range_->pending_proposals() == 0 &&
          now - last_proposal_ns_ >= options_.close_interval_ns) {
        (void)range_->Propose(proto::RangeCommand());
        last_proposal_ns_ = now;
      }
      AskInDoubt(now);
    }
  }
  Pump();
}

void RangeTxnServer::AskInDoubt(int64_t now) {
  for (auto it = status_asked_ns_.begin(); it != status_asked_ns_.end();) {
    it = range_->prepared().contains(it->first) ? std::next(it) : status_asked_ns_.erase(it);
  }
  for (const auto& [txn_id, rec] : range_->prepared()) {
    // Prepared long ago and still undecided here: ask the coordinator, now and then.
    if (now - rec.prepare_timestamp().wall_ns() < options_.heartbeat_timeout_ns) continue;
    auto asked = status_asked_ns_.find(txn_id);
    if (asked != status_asked_ns_.end() && now - asked->second < options_.status_retry_ns) {
      continue;
    }
    status_asked_ns_[txn_id] = now;
    proto::TxnRequest ask;
    ask.set_op(proto::TxnRequest::STATUS);
    ask.set_range_id(rec.coordinator_range());
    ask.set_txn_id(txn_id);
    host_->Route(std::move(ask), [this, txn_id = txn_id, coordinator = rec.coordinator_range()](
                                     absl::StatusOr<proto::TxnResponse> r) {
      if (!r.ok() || r->code() != 0 || r->outcome() == proto::TxnResponse::PENDING) return;
      proto::TxnRequest resolve;
      resolve.set_op(proto::TxnRequest::RESOLVE);
      resolve.set_range_id(range_id());
      resolve.set_txn_id(txn_id);
      resolve.set_commit(r->outcome() == proto::TxnResponse::COMMITTED);
      *resolve.mutable_commit_timestamp() = r->timestamp();
      LOG(INFO) << "range " << range_id() << ": in-doubt transaction " << txn_id << " "
                << (resolve.commit() ? "committed" : "aborted") << " (asked range " << coordinator
                << ")";
      host_->Route(std::move(resolve), [](const absl::StatusOr<proto::TxnResponse>&) {});
    });
  }
}

}  // namespace meridian::txn
