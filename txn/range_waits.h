// RangeWaits: the requests a RangeTxnServer has parked, each indexed by the one kind of
// event that can end its wait, so that an event re-examines the waits it concerns instead
// of every waiter.
//
//   kind        may end when                               parked by
//   lock        TxnLocks names the transaction (a grant,   LockAll (locking reads, writes)
//               a wound, an abort, a lease reset)
//   applied     the applied index reaches an index         strong reads (a ReadPlan)
//   safe time   the replica's safe time reaches a ts       snapshot and bounded-staleness reads
//   resolved    a prepared transaction is prepared no more reads that met its prepared write
//
// The index only says when a wait's condition may have become true; each wait also carries
// the exact condition (`ready`), checked just before it runs. A new wait is examined once
// at the next Candidates call, whatever its kind (it may be ready already). A wait whose
// condition is met by its event but not yet true stays indexed: an applied-index wait whose
// leaseholder's lease lapsed for a moment is examined again on every call until the lease
// is back or its deadline passes (the one case that polls, and only while it lasts).
//
// Cost per call: O(log n) per woken transaction, applied index, safe time and distinct
// prepared transaction waited on, plus the waits it returns.
//
// A pure container: no clock, no I/O; deadlines are compared with the time passed in.
// Thread-safety: not thread-safe; the owner serializes every call.
#ifndef MERIDIAN_TXN_RANGE_WAITS_H_
#define MERIDIAN_TXN_RANGE_WAITS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/timestamp.h"
#include "txn/lock_table.h"

namespace meridian::txn {

class RangeWaits {
 public:
  using Id = uint64_t;

  struct Wait {
    std::function<bool()> ready;  // the exact condition
    std::function<void()> run;    // once ready
    int64_t deadline_ns = 0;
    std::function<void()> expire;  // at the deadline, if never ready
  };

  // What may have changed since the last Candidates call.
  struct Events {
    std::vector<TxnId> locks;  // transactions TxnLocks named (TakeWoken)
    uint64_t applied_index = 0;
    // Called at most once, and only when some wait is on safe time.
    std::function<Timestamp()> safe_time;
    // True while `txn` is prepared at the replica.
    std::function<bool(const TxnId& txn)> prepared;
  };

  // Parks `w` until `txn`'s locks change.
  Id OnLock(const TxnId& txn, Wait w);
  // Parks `w` until the applied index reaches `index`.
  Id OnApplied(uint64_t index, Wait w);
  // Parks `w` until the safe time reaches `ts`.
  Id OnSafeTime(Timestamp ts, Wait w);
  // Parks `w` until `txn` is no longer prepared.
  Id OnResolved(const TxnId& txn, Wait w);

  // The waits `events` may have ended, and those parked since the last call, in the order
  // they were parked.
  std::vector<Id> Candidates(const Events& events);
  // Removes and returns wait `id` if it is still parked and ready() holds; else nullopt.
  std::optional<Wait> TakeIfReady(Id id);
  // Removes and returns every wait whose deadline is at or before `now_ns`, in the order
  // they were parked.
  std::vector<Wait> TakeExpired(int64_t now_ns);

  size_t size() const { return waits_.size(); }
  // The earliest deadline of a parked wait; 0 if none.
  int64_t next_deadline_ns() const {
    return by_deadline_.empty() ? 0 : by_deadline_.begin()->first;
  }

 private:
  enum class Kind { kLock, kApplied, kSafeTime, kResolved };
  struct Parked {
    Kind kind;
    TxnId txn;           // kLock, kResolved
    uint64_t index = 0;  // kApplied
    Timestamp ts;        // kSafeTime
    Wait wait;
  };

  Id Park(Parked p);
  // Removes `id` from every index; returns its wait.
  Wait Remove(Id id);

  Id next_id_ = 1;
  std::map<Id, Parked> waits_;
  std::vector<Id> fresh_;  // parked since the last Candidates call
  std::map<TxnId, std::set<Id>> by_lock_;
  std::map<uint64_t, std::set<Id>> by_applied_;
  std::set<std::pair<Timestamp, Id>> by_safe_time_;
  std::map<TxnId, std::set<Id>> by_resolved_;
  std::set<std::pair<int64_t, Id>> by_deadline_;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_RANGE_WAITS_H_
