#include "txn/lock_table.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "common/status.h"

namespace meridian::txn {

namespace {

constexpr char kSerializationFailure[] = "40001";

std::string Describe(const TxnId& txn, LockMode mode) {
  return absl::StrCat(txn, ":", LockModeName(mode));
}

}  // namespace

const char* LockModeName(LockMode mode) { return mode == LockMode::kShared ? "S" : "X"; }

bool ModesConflict(LockMode a, LockMode b) {
  return a == LockMode::kExclusive || b == LockMode::kExclusive;
}

LockSpan LockSpan::Point(std::string_view key) {
  LockSpan span{std::string(key), std::string(key)};
  span.end.push_back('\0');
  return span;
}

LockSpan LockSpan::Range(std::string_view start, std::string_view end) {
  return LockSpan{std::string(start), std::string(end)};
}

bool LockSpan::IsPoint() const {
  return end.size() == start.size() + 1 && end.back() == '\0' &&
         end.compare(0, start.size(), start) == 0;
}

bool LockSpan::Overlaps(const LockSpan& other) const {
  return !IsEmpty() && !other.IsEmpty() && start < other.end && other.start < end;
}

bool LockSpan::Contains(const LockSpan& other) const {
  return !other.IsEmpty() && start <= other.start && other.end <= end;
}

std::string LockSpan::ToString() const {
  if (IsPoint()) return absl::CEscape(start);
  return absl::StrCat("[", absl::CEscape(start), ",", absl::CEscape(end), ")");
}

std::string LockEffects::ToString() const {
  std::vector<std::string> lines;
  for (const Wound& w : wounded)
    lines.push_back(absl::StrCat("wound ", w.victim, " by ", w.wounder));
  for (const Grant& g : granted) {
    lines.push_back(
        absl::StrCat("grant ", g.txn, " ", g.span.ToString(), " ", LockModeName(g.mode)));
  }
  return absl::StrJoin(lines, "\n");
}

absl::Status WoundedError(const TxnId& victim, const TxnId& wounder) {
  return WithSqlState(
      absl::AbortedError(absl::StrCat("transaction ", victim, " was wounded by older transaction ",
                                      wounder, "; restart it")),
      kSerializationFailure);
}

absl::StatusOr<AcquireResult> LockTable::Acquire(const TxnId& txn, Timestamp priority,
                                                 const LockSpan& span, LockMode mode,
                                                 Wounding wounding) {
  if (span.IsEmpty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lock span ", span.ToString(), " is empty (end must be after start)"));
  }
  auto it = txns_.find(txn);
  if (it != txns_.end()) {
    const TxnState& state = it->second;
    if (state.priority != priority) {
      return absl::InvalidArgumentError(
          absl::StrCat("transaction ", txn, " has priority ", state.priority.ToString(),
                       " in the lock table, not ", priority.ToString()));
    }
    if (state.wounded_by.has_value()) return WoundedError(txn, *state.wounded_by);
    if (state.prepared) {
      return absl::FailedPreconditionError(
          absl::StrCat("transaction ", txn, " is prepared and may take no new locks"));
    }
    // Already held (by this very span, or by a range of the txn containing it) or queued.
    auto covers = [&](uint64_t seq) {
      const Entry& e = entries_.at(seq);
      return e.granted && e.span.Contains(span) &&
             (e.mode == mode || e.mode == LockMode::kExclusive);
    };
    auto same = state.by_span.find(span);
    if (same != state.by_span.end()) {
      for (uint64_t seq : same->second) {
        if (covers(seq)) return AcquireResult{AcquireOutcome::kGranted, {}};
      }
    }
    for (uint64_t seq : state.ranges) {
      if (covers(seq)) return AcquireResult{AcquireOutcome::kGranted, {}};
    }
    if (same != state.by_span.end()) {
      for (uint64_t seq : same->second) {
        const Entry& e = entries_.at(seq);
        if (!e.granted && e.mode == mode) return AcquireResult{AcquireOutcome::kWaiting, {}};
      }
    }
  } else {
    txns_.emplace(txn, TxnState{.priority = priority});
  }

  const uint64_t seq = next_seq_++;
  if (span.IsPoint() && !points_.contains(span.start) && !SpanOverlapsKey(span.start)) {
    // Nobody holds, wants or covers the key: granted at once, as the general path below
    // would find after queueing the request (the common case of a write to a fresh key).
    Insert(Entry{seq, txn, span, mode, /*granted=*/true});
    return AcquireResult{AcquireOutcome::kGranted, {}};
  }
  Insert(Entry{seq, txn, span, mode, /*granted=*/false});

  // Wound-wait: wound every younger, unprepared transaction this request would wait for
  // (unless the caller defers that to WoundBlockers).
  const std::vector<TxnId> victims = wounding == Wounding::kImmediate
                                         ? Victims(entries_.at(seq), /*newest=*/true)
                                         : std::vector<TxnId>{};
  AcquireResult result{AcquireOutcome::kWaiting, {}};
  std::vector<LockSpan> freed = {span};
  for (const TxnId& victim : victims) {
    WoundTxn(victim, txn, &freed);
    result.effects.wounded.push_back(Wound{victim, txn});
  }
  GrantUnblocked(freed, seq, &result.effects);
  if (entries_.at(seq).granted) result.outcome = AcquireOutcome::kGranted;
  return result;
}

LockEffects LockTable::WoundBlockers(const TxnId& txn) {
  LockEffects effects;
  auto it = txns_.find(txn);
  if (it == txns_.end() || it->second.wounded_by.has_value()) return effects;
  std::vector<TxnId> victims;
  for (uint64_t seq : it->second.entries) {
    const Entry& e = entries_.at(seq);
    if (e.granted) continue;
    for (TxnId& v : Victims(e, /*newest=*/false)) {
      if (std::find(victims.begin(), victims.end(), v) == victims.end()) {
        victims.push_back(std::move(v));
      }
    }
  }
  std::vector<LockSpan> freed;
  for (const TxnId& victim : victims) {
    WoundTxn(victim, txn, &freed);
    effects.wounded.push_back(Wound{victim, txn});
  }
  GrantUnblocked(freed, /*quiet_seq=*/0, &effects);
  return effects;
}

absl::Status LockTable::MarkPrepared(const TxnId& txn) {
  auto it = txns_.find(txn);
  if (it == txns_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("transaction ", txn, " holds no locks here and cannot prepare"));
  }
  TxnState& state = it->second;
  if (state.wounded_by.has_value()) return WoundedError(txn, *state.wounded_by);
  for (uint64_t seq : state.entries) {
    if (!entries_.at(seq).granted) {
      return absl::FailedPreconditionError(absl::StrCat("transaction ", txn, " still waits for ",
                                                        entries_.at(seq).span.ToString(),
                                                        " and cannot prepare"));
    }
  }
  state.prepared = true;
  return absl::OkStatus();
}

absl::StatusOr<LockEffects> LockTable::Release(const TxnId& txn) {
  auto it = txns_.find(txn);
  if (it == txns_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "transaction ", txn, " is not in the lock table (never acquired, or released)"));
  }
  std::vector<LockSpan> freed;
  std::set<uint64_t>& own = it->second.entries;  // Erase removes each seq from it
  while (!own.empty()) {
    const uint64_t seq = *own.begin();
    LockSpan span = entries_.at(seq).span;
    Erase(seq);
    // A point key whose queue is gone, with no span entry anywhere, has nobody to grant.
    if (span.IsPoint() && spans_.empty() && !points_.contains(span.start)) continue;
    freed.push_back(std::move(span));
  }
  txns_.erase(it);
  LockEffects effects;
  GrantUnblocked(freed, /*quiet_seq=*/0, &effects);
  return effects;
}

ClearedTxns LockTable::Clear() {
  ClearedTxns cleared;
  for (const auto& [txn, state] : txns_) {  // std::map: each list comes out sorted
    bool holds = false;
    for (uint64_t seq : state.entries) holds = holds || entries_.at(seq).granted;
    if (state.prepared) {
      cleared.prepared.push_back(txn);
    } else if (holds || state.wounded_by.has_value()) {
      cleared.aborted.push_back(txn);
    } else {
      cleared.unqueued.push_back(txn);
    }
  }
  entries_.clear();
  points_.clear();
  spans_.clear();
  txns_.clear();
  return cleared;
}

bool LockTable::IsWounded(const TxnId& txn) const { return WoundedBy(txn).has_value(); }

std::optional<TxnId> LockTable::WoundedBy(const TxnId& txn) const {
  auto it = txns_.find(txn);
  if (it == txns_.end()) return std::nullopt;
  return it->second.wounded_by;
}

bool LockTable::IsPrepared(const TxnId& txn) const {
  auto it = txns_.find(txn);
  return it != txns_.end() && it->second.prepared;
}

std::vector<LockInfo> LockTable::Holders(std::string_view key) const {
  std::vector<LockInfo> out;
  for (uint64_t seq : Overlapping(LockSpan::Point(key))) {
    const Entry& e = entries_.at(seq);
    if (e.granted) out.push_back(LockInfo{e.txn, e.span, e.mode, true});
  }
  return out;
}

std::vector<LockInfo> LockTable::Waiters(std::string_view key) const {
  std::vector<LockInfo> out;
  for (uint64_t seq : Overlapping(LockSpan::Point(key))) {
    const Entry& e = entries_.at(seq);
    if (!e.granted) out.push_back(LockInfo{e.txn, e.span, e.mode, false});
  }
  return out;
}

bool LockTable::HoldsCovering(const TxnId& txn, const LockSpan& span, LockMode mode) const {
  auto it = txns_.find(txn);
  if (it == txns_.end()) return false;
  const TxnState& state = it->second;
  auto covers = [&](uint64_t seq) {
    const Entry& e = entries_.at(seq);
    return e.granted && e.span.Contains(span) &&
           (mode == LockMode::kShared || e.mode == LockMode::kExclusive);
  };
  // Only a lock on this very span or a range lock can contain it.
  auto same = state.by_span.find(span);
  if (same != state.by_span.end()) {
    for (uint64_t seq : same->second) {
      if (covers(seq)) return true;
    }
  }
  for (uint64_t seq : state.ranges) {
    if (covers(seq)) return true;
  }
  return false;
}

std::vector<LockInfo> LockTable::LocksHeldBy(const TxnId& txn) const {
  std::vector<LockInfo> out;
  auto it = txns_.find(txn);
  if (it == txns_.end()) return out;
  for (uint64_t seq : it->second.entries) {
    const Entry& e = entries_.at(seq);
    if (e.granted) out.push_back(LockInfo{e.txn, e.span, e.mode, true});
  }
  std::sort(out.begin(), out.end(),
            [](const LockInfo& a, const LockInfo& b) { return a.span < b.span; });
  return out;
}

std::vector<LockInfo> LockTable::Requests() const {
  std::vector<LockInfo> out;
  out.reserve(entries_.size());
  for (const auto& [seq, e] : entries_) out.push_back(LockInfo{e.txn, e.span, e.mode, e.granted});
  return out;
}

std::string LockTable::DebugString() const {
  // Group entries by span, in span order; within a span, arrival order.
  std::map<LockSpan, std::vector<const Entry*>> by_span;
  for (const auto& [seq, e] : entries_) by_span[e.span].push_back(&e);
  std::string out;
  for (const auto& [span, list] : by_span) {
    std::vector<std::string> held, waiting;
    for (const Entry* e : list) (e->granted ? held : waiting).push_back(Describe(e->txn, e->mode));
    absl::StrAppend(&out, span.ToString(), ": held [", absl::StrJoin(held, " "), "] waiting [",
                    absl::StrJoin(waiting, " "), "]\n");
  }
  for (const auto& [txn, state] : txns_) {
    absl::StrAppend(&out, "txn ", txn, " priority=", state.priority.ToString());
    if (state.prepared) absl::StrAppend(&out, " prepared");
    if (state.wounded_by.has_value()) absl::StrAppend(&out, " wounded-by=", *state.wounded_by);
    absl::StrAppend(&out, "\n");
  }
  if (out.empty()) return "empty";
  out.pop_back();  // the last newline
  return out;
}

bool LockTable::Older(const TxnId& a, const TxnId& b) const {
  const Timestamp& pa = txns_.at(a).priority;
  const Timestamp& pb = txns_.at(b).priority;
  return std::tie(pa, a) < std::tie(pb, b);
}

std::vector<uint64_t> LockTable::Overlapping(const LockSpan& span) const {
  std::vector<uint64_t> out;
  if (span.IsEmpty()) return out;
  // A point key k overlaps [start, end) exactly when start <= k < end.
  for (auto it = points_.lower_bound(span.start); it != points_.end() && it->first < span.end;
       ++it) {
    out.insert(out.end(), it->second.granted.begin(), it->second.granted.end());
    out.insert(out.end(), it->second.waiting.begin(), it->second.waiting.end());
  }
  for (uint64_t seq : spans_) {
    if (entries_.at(seq).span.Overlaps(span)) out.push_back(seq);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint64_t> LockTable::Blockers(const Entry& e) const {
  std::vector<uint64_t> out;
  for (uint64_t seq : Overlapping(e.span)) {
    const Entry& other = entries_.at(seq);
    if (other.txn == e.txn || !ModesConflict(e.mode, other.mode)) continue;
    if (other.granted || other.seq < e.seq) out.push_back(seq);
  }
  return out;
}

bool LockTable::SpanOverlapsKey(const std::string& key) const {
  if (spans_.empty()) return false;
  const LockSpan point = LockSpan::Point(key);
  for (uint64_t seq : spans_) {
    if (entries_.at(seq).span.Overlaps(point)) return true;
  }
  return false;
}

std::vector<TxnId> LockTable::Victims(const Entry& e, bool newest) const {
  std::map<TxnId, uint64_t> first;  // victim -> its first entry that e must wait for
  auto consider = [&](const TxnId& other, uint64_t seq) {
    const TxnState& other_state = txns_.at(other);
    if (!Older(e.txn, other) || other_state.prepared || other_state.wounded_by.has_value()) return;
    auto [it, inserted] = first.emplace(other, seq);
    if (!inserted) it->second = std::min(it->second, seq);
  };
  if (newest && e.span.IsPoint() && !SpanOverlapsKey(e.span.start)) {
    // e is the newest entry on its key, so it waits for every conflicting entry there of
    // another transaction; the younger ones follow e's own place in the age order.
    const KeyQueue& q = points_.at(e.span.start);
    const auto& by_age = e.mode == LockMode::kExclusive ? q.by_age : q.by_age_x;
    const Timestamp& priority = txns_.at(e.txn).priority;
    for (auto it = by_age.upper_bound({priority, e.txn, UINT64_MAX}); it != by_age.end(); ++it) {
      consider(std::get<1>(*it), std::get<2>(*it));
    }
  } else {
    for (uint64_t b : Blockers(e)) consider(entries_.at(b).txn, b);
  }
  std::vector<std::pair<uint64_t, TxnId>> ordered;
  for (auto& [txn, seq] : first) ordered.emplace_back(seq, txn);
  std::sort(ordered.begin(), ordered.end());
  std::vector<TxnId> victims;
  for (auto& [seq, txn] : ordered) victims.push_back(std::move(txn));
  return victims;
}

void LockTable::Insert(Entry e) {
  const uint64_t seq = e.seq;
  TxnState& state = txns_.at(e.txn);
  if (e.span.IsPoint()) {
    KeyQueue& q = points_[e.span.start];
    if (e.granted) {
      q.granted.insert(seq);
      if (e.mode == LockMode::kExclusive) q.granted_x.insert(seq);
    } else {
      q.waiting.insert(seq);
    }
    q.by_age.emplace(state.priority, e.txn, seq);
    if (e.mode == LockMode::kExclusive) q.by_age_x.emplace(state.priority, e.txn, seq);
  } else {
    spans_.insert(seq);
  }
  state.entries.insert(seq);
  state.by_span[e.span].insert(seq);
  if (!e.span.IsPoint()) state.ranges.insert(seq);
  entries_.emplace(seq, std::move(e));
}

void LockTable::Erase(uint64_t seq) {
  auto it = entries_.find(seq);
  CHECK(it != entries_.end()) << "erasing unknown lock entry " << seq;
  const Entry& e = it->second;
  auto t = txns_.find(e.txn);
  CHECK(t != txns_.end()) << "lock entry of unknown transaction " << e.txn;
  if (e.span.IsPoint()) {
    auto p = points_.find(e.span.start);
    CHECK(p != points_.end()) << "point entry missing from the key index";
    KeyQueue& q = p->second;
    CHECK(q.granted.erase(seq) + q.waiting.erase(seq) == 1) << "point entry indexed twice";
    q.granted_x.erase(seq);
    q.by_age.erase({t->second.priority, e.txn, seq});
    q.by_age_x.erase({t->second.priority, e.txn, seq});
    if (q.empty()) points_.erase(p);
  } else {
    spans_.erase(seq);
  }
  t->second.entries.erase(seq);
  t->second.ranges.erase(seq);
  auto b = t->second.by_span.find(e.span);
  if (b != t->second.by_span.end()) {
    b->second.erase(seq);
    if (b->second.empty()) t->second.by_span.erase(b);
  }
  entries_.erase(it);
}

void LockTable::WoundTxn(const TxnId& victim, const TxnId& wounder, std::vector<LockSpan>* freed) {
  TxnState& state = txns_.at(victim);
  CHECK(!state.prepared) << "wounding prepared transaction " << victim;
  state.wounded_by = wounder;
  std::vector<uint64_t> queued;
  for (uint64_t seq : state.entries) {
    if (!entries_.at(seq).granted) queued.push_back(seq);
  }
  for (uint64_t seq : queued) {
    freed->push_back(entries_.at(seq).span);
    Erase(seq);
  }
}

void LockTable::GrantUnblocked(const std::vector<LockSpan>& freed, uint64_t quiet_seq,
                               LockEffects* effects) {
  // Point keys that no span entry overlaps are walked queue by queue; everything else (span
  // entries, and point keys they overlap) is checked request by request.
  std::set<std::string> walk;
  std::set<uint64_t> candidates;
  for (const LockSpan& span : freed) {
    if (span.IsEmpty()) continue;
    for (auto it = points_.lower_bound(span.start); it != points_.end() && it->first < span.end;
         ++it) {
      if (it->second.waiting.empty() || walk.contains(it->first)) continue;
      if (SpanOverlapsKey(it->first)) {
        candidates.insert(it->second.waiting.begin(), it->second.waiting.end());
      } else {
        walk.insert(it->first);
      }
    }
    for (uint64_t seq : spans_) {
      const Entry& e = entries_.at(seq);
      if (!e.granted && e.span.Overlaps(span)) candidates.insert(seq);
    }
  }
  std::vector<std::pair<uint64_t, Grant>> grants;
  for (const std::string& key : walk) GrantOnKey(key, &grants);
  // One pass suffices: granting a request never unblocks another one. A later request that
  // conflicts with it was already waiting for it as an earlier queued request.
  for (uint64_t seq : candidates) {
    auto it = entries_.find(seq);
    if (it == entries_.end() || it->second.granted || !Blockers(it->second).empty()) continue;
    const Entry& e = it->second;
    grants.emplace_back(seq, Grant{e.txn, e.span, e.mode});
    GrantEntry(seq);
  }
  std::sort(grants.begin(), grants.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [seq, g] : grants) {
    if (seq != quiet_seq) effects->granted.push_back(std::move(g));
  }
}

namespace {

// Up to two distinct transactions of a set: enough to tell whether it holds one other than
// a given transaction.
class TwoTxns {
 public:
  void Add(const TxnId& txn) {
    if (!a_.has_value()) {
      a_ = txn;
    } else if (!b_.has_value() && *a_ != txn) {
      b_ = txn;
    }
  }
  bool full() const { return b_.has_value(); }
  const std::optional<TxnId>& first() const { return a_; }
  bool HasOtherThan(const TxnId& txn) const {
    return (a_.has_value() && *a_ != txn) || (b_.has_value() && *b_ != txn);
  }

 private:
  std::optional<TxnId> a_;
  std::optional<TxnId> b_;
};

}  // namespace

void LockTable::GrantOnKey(const std::string& key,
                           std::vector<std::pair<uint64_t, Grant>>* grants) {
  KeyQueue& q = points_.at(key);
  const LockSpan span = LockSpan::Point(key);
  // The transactions a queued request waits for: holders anywhere in the queue, and the
  // requests queued before it. Exclusive ones (`x`) block everything; any (`any`) blocks an
  // exclusive request. A transaction holds at most one granted entry per key, so the first
  // two holders are two distinct transactions.
  TwoTxns x, any;
  for (uint64_t seq : q.granted) {
    any.Add(entries_.at(seq).txn);
    if (any.full()) break;
  }
  for (uint64_t seq : q.granted_x) {
    x.Add(entries_.at(seq).txn);
    if (x.full()) break;
  }
  for (auto it = q.waiting.begin(); it != q.waiting.end();) {
    const uint64_t seq = *it++;  // GrantEntry moves seq out of `waiting`
    const Entry& e = entries_.at(seq);
    const TxnId txn = e.txn;
    const LockMode mode = e.mode;
    if (!x.HasOtherThan(txn) && (mode == LockMode::kShared || !any.HasOtherThan(txn))) {
      grants->emplace_back(seq, Grant{txn, span, mode});
      GrantEntry(seq);
    }
    any.Add(txn);
    if (mode == LockMode::kExclusive) x.Add(txn);
    // Every later request waits for this one too. Once two transactions want or hold X
    // here, each later request conflicts with one of them; with one such transaction, only
    // its own later requests can still be granted.
    if (x.full()) break;
    if (x.first().has_value()) {
      const std::set<uint64_t>& own = txns_.at(*x.first()).by_span.at(span);
      bool later = false;
      for (auto o = own.upper_bound(seq); o != own.end() && !later; ++o) {
        later = !entries_.at(*o).granted;
      }
      if (!later) break;
    }
  }
}

void LockTable::GrantEntry(uint64_t seq) {
  Entry& e = entries_.at(seq);
  e.granted = true;
  const TxnState& state = txns_.at(e.txn);
  if (e.span.IsPoint()) {
    KeyQueue& q = points_.at(e.span.start);
    q.waiting.erase(seq);
    q.granted.insert(seq);
    if (e.mode == LockMode::kExclusive) q.granted_x.insert(seq);
  }
  // Keep one lock per (txn, span): an upgrade replaces the weaker lock it was queued behind.
  std::vector<uint64_t> same_span;
  for (uint64_t other : state.by_span.at(e.span)) {
    const Entry& o = entries_.at(other);
    if (other != seq && o.granted) same_span.push_back(other);
  }
  for (uint64_t other : same_span) {
    if (entries_.at(other).mode == LockMode::kExclusive && e.mode != LockMode::kExclusive) {
      e.mode = LockMode::kExclusive;
      if (e.span.IsPoint()) {
        KeyQueue& q = points_.at(e.span.start);
        q.granted_x.insert(seq);
        q.by_age_x.emplace(state.priority, e.txn, seq);
      }
    }
    Erase(other);
  }
}

}  // namespace meridian::txn
