// TxnLocks: everything a range's leaseholder remembers about the transactions that lock there.
// It wraps the pure wound-wait LockTable with the rules around it:
//
//   - Wounds take effect at once: a wounded transaction (not prepared) loses every lock it
//     holds here and is remembered as aborted, so its later requests fail with 40001.
//   - Liveness: every request and heartbeat of a transaction refreshes it. A transaction
//     that is not prepared and stays silent for `heartbeat_timeout_ns` is aborted by
//     ExpireIdle (its client is presumed gone), so no lock is held forever.
//   - Lease changes: Reset() drops the table (its holders are aborted) and the new
//     leaseholder reinstates the locks of prepared transactions from their prepare records
//     (Reinstate) before serving. A transaction that read here under a lock names those
//     spans again at prepare or commit, and CheckHeld refuses it when any of them is gone,
//     so no two transactions ever both believe they hold conflicting locks.
//   - Aborted transactions are remembered for `aborted_memory_ns`, then forgotten.
//
//   - Wake-ups: every change that can end a wait for a lock -- a queued request granted, a
//     transaction wounded, aborted or finished, the table reset -- names the transactions
//     concerned, and TakeWoken hands them out, so the owner re-examines only their waits.
//
// Pure: no threads, clocks or I/O; time is passed in. Not thread-safe: the node serializes
// every call for a range.
#ifndef MERIDIAN_TXN_TXN_LOCKS_H_
#define MERIDIAN_TXN_TXN_LOCKS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/timestamp.h"
#include "txn/lock_table.h"

namespace meridian::txn {

struct TxnLocksOptions {
  int64_t heartbeat_timeout_ns = 5'000'000'000;
  int64_t aborted_memory_ns = 600'000'000'000;
};

class TxnLocks {
 public:
  explicit TxnLocks(TxnLocksOptions options = {}) : options_(options) {}

  // Requests a lock. kGranted or kWaiting: txn is named by TakeWoken once the request is
  // granted or txn is aborted (then Holds or CheckAlive tells which).
  // Errors: 40001 if txn was aborted here (wounded, expired, rolled back, lease change);
  // kFailedPrecondition if it is prepared; kInvalidArgument for a bad span or priority.
  // With Wounding::kDeferred the request may wait for younger holders until WoundBlockers.
  absl::StatusOr<AcquireOutcome> Acquire(const TxnId& txn, Timestamp priority, const LockSpan& span,
                                         LockMode mode, int64_t now_ns,
                                         Wounding wounding = Wounding::kImmediate);
  // Deals the wounds txn's queued requests deferred (LockTable::WoundBlockers): the younger
  // transactions it waits for are aborted here. Returns how many.
  size_t WoundBlockers(const TxnId& txn, int64_t now_ns);
  // True if txn holds a granted lock of at least `mode` covering `span`.
  bool Holds(const TxnId& txn, const LockSpan& span, LockMode mode) const;
  // OK, or the 40001 error txn was aborted with.
  absl::Status CheckAlive(const TxnId& txn) const;
  // OK if txn holds (at least shared) every span in `reads` and exclusively every key in
  // `writes`; 40001 otherwise (a lock was lost to a wound or a lease change).
  absl::Status CheckHeld(const TxnId& txn, const std::vector<LockSpan>& reads,
                         const std::vector<std::string>& writes = {}) const;
  // Refreshes txn's liveness. Unknown transactions are remembered too (a coordinator range
  // learns that a transaction is alive before it locks anything there).
  void Heartbeat(const TxnId& txn, int64_t now_ns);
  // True if txn was heard from within the heartbeat timeout.
  bool IsLive(const TxnId& txn, int64_t now_ns) const;
  // From now on txn cannot be wounded (a 2PC participant that logs its prepare record, or a
  // single-range commit being replicated).
  absl::Status MarkPrepared(const TxnId& txn);
  // Ends txn here: releases its locks and forgets it (commit, or abort decided elsewhere).
  void Finish(const TxnId& txn);
  // Releases txn's locks and remembers it as aborted with `why` (a 40001 status).
  void Abort(const TxnId& txn, absl::Status why, int64_t now_ns);
  // Aborts every transaction that is not prepared and was silent past the timeout, and
  // forgets old aborted ones. Returns the transactions aborted now.
  std::vector<TxnId> ExpireIdle(int64_t now_ns);
  // The lease was lost: drops every lock; holders are aborted. Returns them.
  std::vector<TxnId> Reset(int64_t now_ns);
  // A new leaseholder reinstates a prepared transaction's locks (exclusive on its writes,
  // shared on its read spans) and marks it prepared. Must run before any new request.
  absl::Status Reinstate(const TxnId& txn, Timestamp priority,
                         const std::vector<std::string>& writes, const std::vector<LockSpan>& reads,
                         int64_t now_ns);

  // The transactions whose waits may have ended since the last call (each named once):
  // granted a queued request, wounded, aborted, finished, or dropped by Reset.
  std::vector<TxnId> TakeWoken();

  size_t known_txns() const { return live_.size(); }
  const LockTable& table() const { return table_; }

 private:
  // Wounds aborted here, and every transaction the effects concern woken.
  void ApplyEffects(const LockEffects& effects, int64_t now_ns);
  void Wake(const TxnId& txn) { woken_.insert(txn); }

  TxnLocksOptions options_;
  LockTable table_;
  std::map<TxnId, int64_t> live_;  // txn -> last heard from
  struct Aborted {
    absl::Status why;
    int64_t at_ns;
  };
  std::map<TxnId, Aborted> aborted_;
  std::set<TxnId> woken_;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_TXN_LOCKS_H_
