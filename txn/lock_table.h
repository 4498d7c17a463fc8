// LockTable: the locks of one range, kept at its leaseholder, with wound-wait deadlock
// avoidance (Rosenkrantz, Stearns and Lewis 1978; as used by Spanner, OSDI'12 4.2.1).
//
// It is a pure state machine: no threads, clocks, I/O or randomness. Every mutating call
// returns the LockEffects it caused (waiting requests now granted, transactions wounded) and
// the caller -- a range replica or a simulator -- applies them in order.
//
//   Acquire(txn, priority, span, mode)
//       |
//       v            one FIFO queue of requests, ordered by arrival
//   +-----------------------------------------------------------------+
//   | "k1"    held: t1:S t3:S   waiting: t5:X  t7:S                   |
//   | [a,c)   held: t4:S        waiting: -                            |
//   +-----------------------------------------------------------------+
//       |  the request conflicts with an entry it would wait for: a holder, or a request
//       |  queued before it (on an overlapping span, with S/X modes that clash, other txn)
//       |
//       +-- that entry's txn is YOUNGER and not prepared --> Wound{victim, wounder}
//       |       the victim's queued requests are dropped at once; it keeps what it holds
//       |       until the caller aborts it (Release) and restarts it with SQLSTATE 40001
//       +-- OLDER, prepared, or already wounded ---------> the request waits
//       v
//   Granted now, or Waiting (a later call reports it in LockEffects::granted)
//
//   Release(txn) drops every entry of txn, then grants the waiting requests that nothing
//   blocks any more, in arrival order: the compatible prefix of each queue goes together.
//
// Rules:
//   - Priority is the transaction's start timestamp; smaller is older and wins. Ties are
//     broken by TxnId. The caller keeps the priority across restarts, so a transaction that
//     keeps being wounded becomes the oldest and then always makes progress.
//   - Modes: kShared (reads) and kExclusive (writes). S/S is compatible; anything with X
//     conflicts. A transaction never conflicts with itself, so S -> X upgrades (and locks on
//     overlapping spans of its own) are ordinary requests that obey the same wound-wait rule
//     against the other holders. Once granted, an upgrade replaces the weaker lock.
//   - Fairness is FIFO: a request waits for every conflicting request queued before it, so
//     a reader behind a queued writer waits (writers are not starved). An older request
//     that would wait behind a younger conflicting one wounds it instead.
//   - Why no deadlock: a request only ever waits for older transactions or for prepared
//     ones, and a prepared transaction waits for nothing (it may not queue new requests).
//     So every waits-for edge points to an older transaction or to a sink: no cycle.
//   - Deferred wounds (Wounding::kDeferred): an older request may instead queue behind the
//     younger entries it conflicts with, wounding nobody yet, so that a younger holder
//     about to commit can finish. The caller bounds that patience: WoundBlockers(txn) later
//     deals the wounds txn's queued requests deferred. Until then a waits-for edge may
//     point to a younger transaction, so a cycle can form; it lasts only until its deferred
//     edge's owner calls WoundBlockers, which removes every such edge of that transaction.
//   - A prepared transaction (MarkPrepared, a 2PC participant that logged its prepare
//     record) cannot be wounded; older requesters wait for its outcome.
//   - A wounded transaction stays known (IsWounded, and Acquire/MarkPrepared return
//     kAborted) until it calls Release. Every transaction that ever acquired must Release.
//     Release forgets the transaction: a later Acquire under the same id is a new attempt,
//     so callers that may see stale requests should put an epoch into the TxnId.
//   - Spans: a lock is on a point key or on a span [start, end) of keys (e.g. a scan's
//     shared lock). Conflicts, FIFO order and wounds are decided on overlap, so a scan's S
//     span and a write's X point lock inside it conflict.
//
// Cost: point locks are indexed by key. On a key that no span lock overlaps (the common
// case), a request finds the transactions it must wound from an age-ordered index of the
// key's queue, and a release walks the queue only as far as it grants plus the first
// blocked request (after which FIFO keeps every later one blocked): O(log n + grants +
// wounds), however long the queue. Span locks are kept in one list that every request
// scans, and keys they overlap fall back to examining each queued request against the
// queue, O(queue^2): this suits a few scans at a time. An interval index would be the fix if
// ranges ever hold many span locks at once.
//
// The table is volatile. On a leaseholder change the old table is dropped with Clear(),
// which says which transactions lost held locks (they must abort, 40001), which were
// prepared (they cannot abort: the new leaseholder reinstates their locks from the prepare
// records, via Acquire + MarkPrepared, before it serves requests) and which only waited
// (their requests must be retried at the new leaseholder, kUnavailable). So no second
// transaction can ever believe it holds a conflicting lock.
//
// Thread-safety: not thread-safe. The owner (the range replica) serializes every call.
#ifndef MERIDIAN_TXN_LOCK_TABLE_H_
#define MERIDIAN_TXN_LOCK_TABLE_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/timestamp.h"

namespace meridian::txn {

using TxnId = std::string;

enum class LockMode { kShared, kExclusive };

// "S" or "X".
const char* LockModeName(LockMode mode);

// True if locks of modes `a` and `b` held by different transactions on overlapping spans
// cannot coexist.
bool ModesConflict(LockMode a, LockMode b);

// The keys a lock covers: [start, end). A point key k is [k, k + '\0'), the smallest span
// that contains k and nothing else.
struct LockSpan {
  std::string start;
  std::string end;

  static LockSpan Point(std::string_view key);
  // REQUIRES (checked by Acquire): start < end.
  static LockSpan Range(std::string_view start, std::string_view end);

  bool IsPoint() const;
  bool IsEmpty() const { return end <= start; }
  bool Overlaps(const LockSpan& other) const;
  bool Contains(const LockSpan& other) const;
  // "k1" for a point key, "[a,c)" for a span; non-printable bytes are C-escaped (octal).
  std::string ToString() const;

  friend auto operator<=>(const LockSpan&, const LockSpan&) = default;
  friend bool operator==(const LockSpan&, const LockSpan&) = default;
};

// A waiting request that has just been granted.
struct Grant {
  TxnId txn;
  LockSpan span;
  LockMode mode;

  friend bool operator==(const Grant&, const Grant&) = default;
};

// `victim` must abort: release its locks and restart with SQLSTATE 40001, keeping its
// priority. Its queued requests have already been dropped (no grant will follow for them).
struct Wound {
  TxnId victim;
  TxnId wounder;

  friend bool operator==(const Wound&, const Wound&) = default;
};

// What one call changed, for the caller to act on: first the wounds, then the grants.
struct LockEffects {
  std::vector<Wound> wounded;  // in the order the wounds were dealt
  std::vector<Grant> granted;  // in arrival order of the requests

  bool empty() const { return wounded.empty() && granted.empty(); }
  // One line per effect: "wound t2 by t1", "grant t3 k1 X".
  std::string ToString() const;
};

// When an older request that conflicts with younger entries wounds them.
enum class Wounding {
  kImmediate,  // at once, in Acquire
  kDeferred,   // not yet: it queues behind them until the caller calls WoundBlockers
};

enum class AcquireOutcome {
  kGranted,  // the lock is held now
  kWaiting,  // queued; a later call's LockEffects::granted reports the grant
};

struct AcquireResult {
  AcquireOutcome outcome;
  LockEffects effects;  // wounds dealt by this request, and grants they unblocked
};

// One entry of the table, as seen from outside.
struct LockInfo {
  TxnId txn;
  LockSpan span;
  LockMode mode;
  bool granted;

  friend bool operator==(const LockInfo&, const LockInfo&) = default;
};

// Returned by Clear(): every transaction the table knew, by what the caller must do.
struct ClearedTxns {
  std::vector<TxnId> aborted;   // held a lock or was wounded, not prepared: abort (40001)
  std::vector<TxnId> prepared;  // prepared: keep; reinstate its locks at the new leaseholder
  std::vector<TxnId> unqueued;  // only waited: its requests are gone; retry (kUnavailable)
};

// kAborted with SQLSTATE 40001: `victim` was wounded by `wounder` and must restart.
absl::Status WoundedError(const TxnId& victim, const TxnId& wounder);

class LockTable {
 public:
  LockTable() = default;
  LockTable(const LockTable&) = default;
  LockTable& operator=(const LockTable&) = default;

  // Requests `mode` on `span` for `txn`, whose priority is `priority` (its start timestamp).
  // Returns kGranted if the lock is held now (including when an equal or stronger lock of
  // txn already covers the span) and kWaiting if queued. Every queued request is later either
  // granted (reported once, in some call's LockEffects::granted) or dropped because its txn
  // was wounded (reported as a Wound). A request identical (span and mode) to one txn
  // already has queued is not queued again: it shares that request's single grant.
  // Errors, which change nothing:
  //   kAborted (SQLSTATE 40001)  txn was wounded; it must Release and restart
  //   kFailedPrecondition        txn is prepared and may take no new locks
  //   kInvalidArgument           empty span, or a priority other than txn's current one
  // With Wounding::kDeferred the request wounds nobody and may wait for younger entries.
  absl::StatusOr<AcquireResult> Acquire(const TxnId& txn, Timestamp priority, const LockSpan& span,
                                        LockMode mode, Wounding wounding = Wounding::kImmediate);

  // Deals the wounds txn's queued requests deferred: wounds every younger, unprepared,
  // unwounded transaction that one of them waits for, then grants what that unblocked.
  // Afterwards txn waits only for older, prepared or wounded transactions. Nothing happens
  // for an unknown or wounded txn or one with nothing queued.
  LockEffects WoundBlockers(const TxnId& txn);

  // Marks txn as a prepared 2PC participant: from now on it cannot be wounded. Idempotent.
  // Errors: kAborted (40001) if txn was wounded (it must not prepare); kFailedPrecondition
  // if txn is unknown (holds no lock here) or still has queued requests.
  absl::Status MarkPrepared(const TxnId& txn);

  // Ends txn here (commit or abort): drops its locks and queued requests and forgets it.
  // The effects list the requests that this unblocked. kNotFound if txn is unknown (never
  // acquired, or already released); callers that release twice may ignore that.
  absl::StatusOr<LockEffects> Release(const TxnId& txn);

  // Drops everything (leaseholder change) and tells what the caller must do with each
  // transaction that was known. Each list is sorted.
  ClearedTxns Clear();

  bool IsKnown(const TxnId& txn) const { return txns_.contains(txn); }
  bool IsWounded(const TxnId& txn) const;
  std::optional<TxnId> WoundedBy(const TxnId& txn) const;
  bool IsPrepared(const TxnId& txn) const;

  // Granted locks whose span contains `key`, in arrival order.
  std::vector<LockInfo> Holders(std::string_view key) const;
  // Queued requests whose span contains `key`, in arrival (= grant) order.
  std::vector<LockInfo> Waiters(std::string_view key) const;
  // True if txn holds a granted lock of at least `mode` whose span contains `span` (an
  // exclusive lock covers a shared request). No copies: cheap enough for wait conditions.
  bool HoldsCovering(const TxnId& txn, const LockSpan& span, LockMode mode) const;
  // The locks txn holds, sorted by span.
  std::vector<LockInfo> LocksHeldBy(const TxnId& txn) const;
  // Every entry, granted or queued, in arrival order (which is the FIFO order).
  std::vector<LockInfo> Requests() const;

  // A multi-line dump for transcripts and logs: one line per span with its holders and
  // waiters, then one line per transaction.
  std::string DebugString() const;

 private:
  struct Entry {
    uint64_t seq;  // arrival order; also the entry's id
    TxnId txn;
    LockSpan span;
    LockMode mode;
    bool granted;
  };

  struct TxnState {
    Timestamp priority;
    std::optional<TxnId> wounded_by;
    bool prepared = false;
    std::set<uint64_t> entries;  // seqs of its granted and queued entries
    // The same entries indexed by span, and the seqs of its range (non-point) entries, so
    // that a transaction holding many locks finds its own in logarithmic time.
    std::map<LockSpan, std::set<uint64_t>> by_span;
    std::set<uint64_t> ranges;
  };

  // The queue of one point key.
  struct KeyQueue {
    std::set<uint64_t> granted;    // seqs of granted entries (at most one per txn)
    std::set<uint64_t> granted_x;  // the exclusive ones among them
    std::set<uint64_t> waiting;    // seqs of queued entries, in arrival order
    // Every entry and every exclusive entry, oldest transaction first: the transactions an
    // arriving request may wound (younger ones) are a suffix.
    std::set<std::tuple<Timestamp, TxnId, uint64_t>> by_age;
    std::set<std::tuple<Timestamp, TxnId, uint64_t>> by_age_x;
    bool empty() const { return granted.empty() && waiting.empty(); }
  };

  // True if `a` is older (higher priority) than `b`. REQUIRES: both known.
  bool Older(const TxnId& a, const TxnId& b) const;
  // True if some span (non-point) entry overlaps the point key `key`.
  bool SpanOverlapsKey(const std::string& key) const;
  // The transactions `e` would wound: younger, unprepared, unwounded owners of entries it
  // must wait for, in the order of their first such entry. `newest`: e is the last entry
  // that arrived (the age index then finds them without examining the whole queue).
  std::vector<TxnId> Victims(const Entry& e, bool newest) const;
  // Grants, in arrival order, the queued requests of point key `key` (which no span entry
  // overlaps) that nothing blocks; appends (seq, grant) pairs to `grants`.
  void GrantOnKey(const std::string& key, std::vector<std::pair<uint64_t, Grant>>* grants);
  // Seqs of entries whose span overlaps `span`, ascending.
  std::vector<uint64_t> Overlapping(const LockSpan& span) const;
  // Seqs of the entries `e` must wait for: of another txn, overlapping, conflicting, and
  // either granted or queued before `e`. Ascending.
  std::vector<uint64_t> Blockers(const Entry& e) const;

  void Insert(Entry e);
  void Erase(uint64_t seq);
  // Marks txn wounded and drops its queued requests, appending their spans to `freed`.
  void WoundTxn(const TxnId& victim, const TxnId& wounder, std::vector<LockSpan>* freed);
  // Grants every queued request overlapping `freed` that nothing blocks any more, in arrival
  // order. Grants go to `effects`, except the one of entry `quiet_seq` (the caller's own).
  void GrantUnblocked(const std::vector<LockSpan>& freed, uint64_t quiet_seq, LockEffects* effects);
  // Marks entry `seq` granted and merges it with txn's other granted lock on the same span
  // (keeping the stronger mode), so a txn holds at most one lock per span.
  void GrantEntry(uint64_t seq);

  uint64_t next_seq_ = 1;
  std::map<uint64_t, Entry> entries_;
  // Point entries by key (the per-key FIFO queue), and the seqs of every other span entry.
  std::map<std::string, KeyQueue> points_;
  std::set<uint64_t> spans_;
  std::map<TxnId, TxnState> txns_;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_LOCK_TABLE_H_
