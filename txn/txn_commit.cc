#include "txn/txn_commit.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"

namespace meridian::txn {
namespace {

using proto::FromProto;
using proto::ToProto;

// A commit answered with one of these may or may not have happened (the wait for the
// command timed out, or a snapshot overtook it).
bool OutcomeUnknown(int code) {
  return code == static_cast<int>(absl::StatusCode::kDeadlineExceeded) ||
         code == static_cast<int>(absl::StatusCode::kUnknown);
}

absl::Status Unknown(const std::string& message) {
  return WithSqlState(absl::UnknownError(message), "40003");
}

}  // namespace

absl::Status ResponseStatus(int code, const std::string& message, const std::string& sqlstate) {
  if (code == 0) return absl::OkStatus();
  absl::Status s(static_cast<absl::StatusCode>(code), message);
  if (s.code() == absl::StatusCode::kAborted) return WithSqlState(std::move(s), "40001");
  if (!sqlstate.empty()) return WithSqlState(std::move(s), sqlstate);
  return s;
}

TxnCommit::TxnCommit(std::string txn_id, Timestamp priority, std::map<uint64_t, CommitPart> parts,
                     std::map<uint64_t, std::string> epochs, bool all_writes_locked,
                     CommitBounds bounds)
    : txn_id_(std::move(txn_id)),
      priority_(priority),
      parts_(std::move(parts)),
      epochs_(std::move(epochs)),
      all_writes_locked_(all_writes_locked),
      bounds_(bounds) {
  for (const auto& [r, p] : parts_) {
    if (!p.writes.empty()) {
      if (coordinator_ == 0) coordinator_ = r;
      written_.insert(r);
    } else {
      read_only_.insert(r);
    }
  }
  if (coordinator_ == 0) read_only_.clear();
}

std::set<uint64_t> TxnCommit::ranges() const {
  std::set<uint64_t> out;
  for (const auto& [r, p] : parts_) out.insert(r);
  return out;
}

proto::TxnRequest TxnCommit::Request(proto::TxnRequest::Op op, uint64_t range) const {
  proto::TxnRequest req;
  req.set_op(op);
  req.set_range_id(range);
  req.set_txn_id(txn_id_);
  *req.mutable_priority() = ToProto(priority_);
  if (auto e = epochs_.find(range); e != epochs_.end()) req.set_lock_epoch(e->second);
  const CommitPart& p = parts_.at(range);
  for (const proto::KvWrite& w : p.writes) *req.add_writes() = w;
  for (const LockSpan& s : p.reads) {
    req.add_read_starts(s.start);
    req.add_read_ends(s.end);
  }
  if (op == proto::TxnRequest::LOCK || op == proto::TxnRequest::COMMIT) {
    for (const auto& [key, error] : p.absent) {
      req.add_absent_keys(key);
      req.add_absent_errors(error);
    }
  }
  req.set_coordinator_range(coordinator_);
  if (bounds_.snapshot.has_value() &&
      (op == proto::TxnRequest::LOCK || op == proto::TxnRequest::COMMIT)) {
    *req.mutable_snapshot_timestamp() = ToProto(*bounds_.snapshot);
  }
  return req;
}

std::vector<CommitSend> TxnCommit::Round(proto::TxnRequest::Op op,
                                         const std::set<uint64_t>& ranges) {
  waiting_ = ranges;
  answers_.clear();
  std::vector<CommitSend> out;
  for (uint64_t r : ranges) out.push_back(CommitSend{Request(op, r)});
  return out;
}

std::vector<CommitSend> TxnCommit::Start() {
  if (parts_.empty()) return Finish(Timestamp::Min());  // nothing read or written
  if (coordinator_ == 0) {
    // Reads only: every lock was taken before any is released, so checking and releasing
    // each range's locks in any order keeps the reads serializable.
    step_ = Step::kReadsOnly;
    return Round(proto::TxnRequest::COMMIT, ranges());
  }
  if (parts_.size() == 1) return CommitRound(Timestamp::Min(), Timestamp::Max());
  // Phase 0: every lock at every range, while the transaction can still be wounded. Only
  // then may ranges make it unwoundable (prepare), so a prepared transaction never waits and
  // wound-wait stays deadlock-free across ranges. When every write was already locked by a
  // for_update read, the prepares only check that the locks are still held.
  if (!all_writes_locked_) {
    step_ = Step::kLock;
    return Round(proto::TxnRequest::LOCK, written_);
  }
  return PrepareRound();
}

std::vector<CommitSend> TxnCommit::PrepareRound() {
  step_ = Step::kPrepare;
  std::set<uint64_t> others = ranges();
  others.erase(coordinator_);
  return Round(proto::TxnRequest::PREPARE, others);
}

std::vector<CommitSend> TxnCommit::CommitRound(Timestamp min_ts, Timestamp before) {
  const bool single = written_.size() == 1;
  step_ = single ? Step::kSingle : Step::kDecide;
  std::vector<CommitSend> out =
      Round(single ? proto::TxnRequest::COMMIT : proto::TxnRequest::DECIDE, {coordinator_});
  proto::TxnRequest& req = out[0].request;
  min_ts = std::max(min_ts, bounds_.at_least);
  before = std::min(before, bounds_.before);
  if (min_ts > Timestamp::Min()) *req.mutable_min_commit_timestamp() = ToProto(min_ts);
  if (before < Timestamp::Max()) *req.mutable_commit_before() = ToProto(before);
  for (uint64_t r : written_) {
    if (r != coordinator_) req.add_participants(r);
  }
  for (uint64_t r : read_only_) req.add_release_ranges(r);
  // A COMMIT is never resent once it may have landed (40003). DECIDE is idempotent (the
  // coordinator answers a repeat from its decision record), so it may be retried at a new
  // leaseholder.
  out[0].retry_after_send = !single;
  return out;
}

std::vector<CommitSend> TxnCommit::OnAnswer(uint64_t range,
                                            absl::StatusOr<proto::TxnResponse> answer) {
  if (!waiting_.erase(range)) return {};  // not asked, or answered already
  answers_.emplace(range, std::move(answer));
  if (!waiting_.empty()) return {};
  return AfterRound();
}

std::vector<CommitSend> TxnCommit::AfterRound() {
  // The round's first failure; a restart preferred, since the client can retry the whole
  // transaction.
  absl::Status failed;
  Timestamp max_ts;
  Timestamp before = Timestamp::Max();  // the read-only participants' earliest hold
  for (const auto& [r, a] : answers_) {
    absl::Status s = a.ok() ? ResponseStatus(a->code(), a->message(), a->sqlstate()) : a.status();
    if (!s.ok()) {
      if (failed.ok() || GetSqlState(s) == "40001") failed = s;
      continue;
    }
    max_ts = std::max(max_ts, FromProto(a->timestamp()));
    if (a->has_hold_until()) before = std::min(before, FromProto(a->hold_until()));
    if (!a->lock_epoch().empty()) epochs_.emplace(r, a->lock_epoch());
  }
  switch (step_) {
    case Step::kReadsOnly:
      if (!failed.ok()) return Finish(failed);
      return Finish(max_ts);
    case Step::kSingle: {
      const absl::StatusOr<proto::TxnResponse>& a = answers_.begin()->second;
      if (!a.ok()) return Finish(a.status());  // 40003 already, if the call may have landed
      if (OutcomeUnknown(a->code())) return Finish(Unknown(a->message()));
      // Certainly not committed: the ranges only read (if any) may let go now.
      if (!failed.ok()) return read_only_.empty() ? Finish(failed) : Fail(failed);
      committed_ = *a;
      return Finish(FromProto(a->timestamp()));
    }
    case Step::kLock:
      if (!failed.ok()) return Fail(failed);
      return PrepareRound();
    case Step::kPrepare:
      if (!failed.ok()) return Fail(failed);
      return CommitRound(max_ts, before);
    case Step::kDecide: {
      const absl::StatusOr<proto::TxnResponse>& a = answers_.begin()->second;
      if (!a.ok()) {
        return Finish(Unknown(
            absl::StrCat("the commit decision could not be confirmed: ", a.status().message())));
      }
      if (failed.ok()) {
        committed_ = *a;
        return Finish(FromProto(a->timestamp()));
      }
      if (OutcomeUnknown(a->code())) return Finish(Unknown(std::string(failed.message())));
      if (GetSqlState(failed) == "40001") return Fail(failed);
      return Finish(failed);
    }
    case Step::kDone:
      break;
  }
  return {};
}

std::vector<CommitSend> TxnCommit::Fail(absl::Status s) {
  // Participants that prepared learn the abort here, or later from the coordinator (which
  // finds no commit decision for an abandoned transaction and logs an abort).
  std::vector<CommitSend> out;
  for (const auto& [r, p] : parts_) {
    proto::TxnRequest req;
    req.set_range_id(r);
    req.set_txn_id(txn_id_);
    req.set_op(r == coordinator_ ? proto::TxnRequest::ROLLBACK : proto::TxnRequest::RESOLVE);
    req.set_commit(false);
    out.push_back(CommitSend{std::move(req), true, /*best_effort=*/true});
  }
  Finish(std::move(s));
  return out;
}

std::vector<CommitSend> TxnCommit::Finish(absl::StatusOr<Timestamp> r) {
  step_ = Step::kDone;
  waiting_.clear();
  result_ = std::move(r);
  return {};
}

}  // namespace meridian::txn
