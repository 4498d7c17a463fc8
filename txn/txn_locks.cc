#include "txn/txn_locks.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace meridian::txn {
namespace {

absl::Status Restart(std::string message) {
  return WithSqlState(absl::AbortedError(std::move(message)), "40001");
}

}  // namespace

absl::StatusOr<AcquireOutcome> TxnLocks::Acquire(const TxnId& txn, Timestamp priority,
                                                 const LockSpan& span, LockMode mode,
                                                 int64_t now_ns, Wounding wounding) {
  RETURN_IF_ERROR(CheckAlive(txn));
  live_[txn] = now_ns;
  ASSIGN_OR_RETURN(AcquireResult result, table_.Acquire(txn, priority, span, mode, wounding));
  ApplyEffects(result.effects, now_ns);
  // The wounded holders are gone already, so the request may have been granted just now.
  if (result.outcome == AcquireOutcome::kWaiting && Holds(txn, span, mode)) {
    return AcquireOutcome::kGranted;
  }
  return result.outcome;
}

size_t TxnLocks::WoundBlockers(const TxnId& txn, int64_t now_ns) {
  if (!CheckAlive(txn).ok()) return 0;
  const LockEffects effects = table_.WoundBlockers(txn);
  ApplyEffects(effects, now_ns);
  return effects.wounded.size();
}

void TxnLocks::ApplyEffects(const LockEffects& effects, int64_t now_ns) {
  for (const Grant& g : effects.granted) Wake(g.txn);
  for (const Wound& w : effects.wounded) {
    Abort(w.victim, WoundedError(w.victim, w.wounder), now_ns);
  }
}

std::vector<TxnId> TxnLocks::TakeWoken() {
  std::vector<TxnId> out(woken_.begin(), woken_.end());
  woken_.clear();
  return out;
}

bool TxnLocks::Holds(const TxnId& txn, const LockSpan& span, LockMode mode) const {
  return table_.HoldsCovering(txn, span, mode);
}

absl::Status TxnLocks::CheckAlive(const TxnId& txn) const {
  auto it = aborted_.find(txn);
  if (it != aborted_.end()) return it->second.why;
  if (std::optional<TxnId> by = table_.WoundedBy(txn)) return WoundedError(txn, *by);
  return absl::OkStatus();
}

absl::Status TxnLocks::CheckHeld(const TxnId& txn, const std::vector<LockSpan>& reads,
                                 const std::vector<std::string>& writes) const {
  RETURN_IF_ERROR(CheckAlive(txn));
  for (const LockSpan& s : reads) {
    if (!Holds(txn, s, LockMode::kShared)) {
      return Restart(absl::StrCat("transaction ", txn, " no longer holds its read lock on ",
                                  s.ToString(), " (the range's leaseholder changed); restart it"));
    }
  }
  for (const std::string& k : writes) {
    if (!Holds(txn, LockSpan::Point(k), LockMode::kExclusive)) {
      return Restart(absl::StrCat("transaction ", txn, " no longer holds its write lock on ",
                                  LockSpan::Point(k).ToString(), "; restart it"));
    }
  }
  return absl::OkStatus();
}

void TxnLocks::Heartbeat(const TxnId& txn, int64_t now_ns) {
  if (!aborted_.contains(txn)) live_[txn] = now_ns;
}

bool TxnLocks::IsLive(const TxnId& txn, int64_t now_ns) const {
  auto it = live_.find(txn);
  return it != live_.end() && now_ns - it->second < options_.heartbeat_timeout_ns;
}

absl::Status TxnLocks::MarkPrepared(const TxnId& txn) {
  RETURN_IF_ERROR(CheckAlive(txn));
  if (!table_.IsKnown(txn)) return absl::OkStatus();  // nothing locked here: nothing to protect
  return table_.MarkPrepared(txn);
}

void TxnLocks::Finish(const TxnId& txn) {
  // kNotFound: held nothing here. Releases grant nothing but locks, so no wounds follow.
  if (absl::StatusOr<LockEffects> e = table_.Release(txn); e.ok()) {
    for (const Grant& g : e->granted) Wake(g.txn);
  }
  live_.erase(txn);
  Wake(txn);
}

void TxnLocks::Abort(const TxnId& txn, absl::Status why, int64_t now_ns) {
  if (absl::StatusOr<LockEffects> e = table_.Release(txn); e.ok()) {
    for (const Grant& g : e->granted) Wake(g.txn);
  }
  live_.erase(txn);
  aborted_[txn] = Aborted{std::move(why), now_ns};
  Wake(txn);
}

std::vector<TxnId> TxnLocks::ExpireIdle(int64_t now_ns) {
  std::vector<TxnId> expired;
  for (const auto& [txn, heard] : live_) {
    if (now_ns - heard >= options_.heartbeat_timeout_ns && !table_.IsPrepared(txn)) {
      expired.push_back(txn);
    }
  }
  for (const TxnId& txn : expired) {
    Abort(txn,
          Restart(absl::StrCat("transaction ", txn, " was aborted: no heartbeat for ",
                               options_.heartbeat_timeout_ns / 1'000'000, " ms")),
          now_ns);
  }
  for (auto it = aborted_.begin(); it != aborted_.end();) {
    it = now_ns - it->second.at_ns >= options_.aborted_memory_ns ? aborted_.erase(it) : ++it;
  }
  return expired;
}

std::vector<TxnId> TxnLocks::Reset(int64_t now_ns) {
  ClearedTxns cleared = table_.Clear();
  std::vector<TxnId> aborted;
  auto abort = [&](const TxnId& txn) {
    aborted_[txn] = Aborted{
        Restart(absl::StrCat("transaction ", txn, " lost its locks: the range's lease moved")),
        now_ns};
    aborted.push_back(txn);
  };
  for (const TxnId& t : cleared.aborted) abort(t);
  for (const TxnId& t : cleared.unqueued) abort(t);
  for (const TxnId& t : aborted) Wake(t);
  // Prepared ones are reinstated from their records by whoever holds the lease next.
  live_.clear();
  return aborted;
}

absl::Status TxnLocks::Reinstate(const TxnId& txn, Timestamp priority,
                                 const std::vector<std::string>& writes,
                                 const std::vector<LockSpan>& reads, int64_t now_ns) {
  aborted_.erase(txn);
  live_[txn] = now_ns;
  auto take = [&](const LockSpan& span, LockMode mode) -> absl::Status {
    ASSIGN_OR_RETURN(AcquireResult r, table_.Acquire(txn, priority, span, mode));
    if (r.outcome != AcquireOutcome::kGranted) {
      return absl::InternalError(absl::StrCat("prepared transaction ", txn,
                                              " conflicts with another prepared one on ",
                                              span.ToString()));
    }
    return absl::OkStatus();
  };
  for (const std::string& k : writes)
    RETURN_IF_ERROR(take(LockSpan::Point(k), LockMode::kExclusive));
  for (const LockSpan& s : reads) RETURN_IF_ERROR(take(s, LockMode::kShared));
  if (!table_.IsKnown(txn)) return absl::OkStatus();
  return table_.MarkPrepared(txn);
}

}  // namespace meridian::txn
