// The wound-wait lock table under random workloads: many transactions with random
// requests, some two-phase, checked after every step for safety (no conflicting holders),
// no lost wakeups, wound-wait order and no deadlock, and against a naive reference
// implementation of the same rules (same outcomes, effects and entries). The unit tests and
// transcripts are in lock_table_test.cc.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "txn/lock_table.h"

namespace meridian::txn {
namespace {

constexpr LockMode S = LockMode::kShared;
constexpr LockMode X = LockMode::kExclusive;

LockSpan K(std::string_view key) { return LockSpan::Point(key); }

// Checks, from the table's public view alone, that no two conflicting locks are held, that
// every queued request is blocked by something (no lost wakeup), and that the waits-for
// graph has no cycle. `older(a, b)` is the test's own priority order. A transaction for
// which `deferring` holds has deferred its wounds: its edges to younger transactions are
// allowed, and left out of the cycle check (WoundBlockers will cut them). Returns "" if fine.
template <typename OlderFn, typename DeferringFn>
std::string CheckInvariants(const LockTable& t, OlderFn older, DeferringFn deferring) {
  const std::vector<LockInfo> reqs = t.Requests();
  auto conflict = [](const LockInfo& a, const LockInfo& b) {
    return a.txn != b.txn && ModesConflict(a.mode, b.mode) && a.span.start < b.span.end &&
           b.span.start < a.span.end;
  };
  std::map<TxnId, std::set<TxnId>> waits_for;
  for (size_t i = 0; i < reqs.size(); ++i) {
    for (size_t j = 0; j < reqs.size(); ++j) {
      if (i == j || !conflict(reqs[i], reqs[j])) continue;
      if (reqs[i].granted && reqs[j].granted) {
        return absl::StrCat("conflicting holders ", reqs[i].txn, " and ", reqs[j].txn);
      }
      // A queued request waits for conflicting holders and earlier queued requests.
      if (!reqs[i].granted && (reqs[j].granted || j < i)) {
        if (deferring(reqs[i].txn) && older(reqs[i].txn, reqs[j].txn)) continue;
        waits_for[reqs[i].txn].insert(reqs[j].txn);
      }
    }
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].granted) continue;
    if (t.IsWounded(reqs[i].txn) || t.IsPrepared(reqs[i].txn)) {
      return absl::StrCat("wounded or prepared txn ", reqs[i].txn, " has a queued request");
    }
    bool blocked = false;
    for (size_t j = 0; j < reqs.size(); ++j) {
      blocked = blocked || (j != i && conflict(reqs[i], reqs[j]) && (reqs[j].granted || j < i));
    }
    if (!blocked) {
      return absl::StrCat("queued request of ", reqs[i].txn, " on ", reqs[i].span.ToString(),
                          " is blocked by nothing (lost wakeup)");
    }
  }
  // Wound-wait: one only waits for older, prepared or wounded (about to release) txns.
  for (const auto& [from, tos] : waits_for) {
    for (const TxnId& to : tos) {
      if (!older(to, from) && !t.IsPrepared(to) && !t.IsWounded(to)) {
        return absl::StrCat(from, " waits for younger, live, unprepared ", to);
      }
    }
  }
  // Cycle detection by depth-first search.
  std::map<TxnId, int> color;  // 0 white, 1 on stack, 2 done
  std::vector<TxnId> cycle;
  std::function<bool(const TxnId&)> dfs = [&](const TxnId& u) {
    color[u] = 1;
    for (const TxnId& v : waits_for[u]) {
      if (color[v] == 1 || (color[v] == 0 && dfs(v))) {
        cycle.push_back(v);
        return true;
      }
    }
    color[u] = 2;
    return false;
  };
  for (const auto& [u, unused] : waits_for) {
    if (color[u] == 0 && dfs(u)) return absl::StrCat("deadlock: ", absl::StrJoin(cycle, " <- "));
  }
  return "";
}

// The table's rules written the slow, obvious way (every request checked against every
// entry), to hold the indexed LockTable to exactly the same behaviour: same outcomes, same
// effects in the same order, same entries.
class ReferenceTable {
 public:
  absl::StatusOr<AcquireResult> Acquire(const TxnId& txn, Timestamp priority, const LockSpan& span,
                                        LockMode mode, Wounding wounding) {
    if (span.IsEmpty()) return absl::InvalidArgumentError("empty span");
    auto it = txns_.find(txn);
    if (it != txns_.end()) {
      if (it->second.priority != priority) return absl::InvalidArgumentError("priority");
      if (it->second.wounded_by.has_value()) return WoundedError(txn, *it->second.wounded_by);
      if (it->second.prepared) return absl::FailedPreconditionError("prepared");
      for (const E& e : entries_) {
        if (e.txn == txn && e.granted && e.span.Contains(span) && (e.mode == mode || e.mode == X)) {
          return AcquireResult{AcquireOutcome::kGranted, {}};
        }
      }
      for (const E& e : entries_) {
        if (e.txn == txn && !e.granted && e.span == span && e.mode == mode) {
          return AcquireResult{AcquireOutcome::kWaiting, {}};
        }
      }
    } else {
      txns_[txn] = T{priority};
    }
    const uint64_t seq = next_seq_++;
    entries_.push_back(E{seq, txn, span, mode, false});
    std::vector<TxnId> victims;
    if (wounding == Wounding::kImmediate) AddVictims(entries_.back(), &victims);
    AcquireResult r{AcquireOutcome::kWaiting, {}};
    std::vector<LockSpan> freed = {span};
    WoundAll(txn, victims, &freed, &r.effects);
    GrantUnblocked(freed, seq, &r.effects);
    if (Find(seq).granted) r.outcome = AcquireOutcome::kGranted;
    return r;
  }

  LockEffects WoundBlockers(const TxnId& txn) {
    LockEffects effects;
    if (!txns_.contains(txn) || txns_.at(txn).wounded_by.has_value()) return effects;
    std::vector<TxnId> victims;
    for (const E& e : entries_) {
      if (e.txn == txn && !e.granted) AddVictims(e, &victims);
    }
    std::vector<LockSpan> freed;
    WoundAll(txn, victims, &freed, &effects);
    GrantUnblocked(freed, 0, &effects);
    return effects;
  }

  absl::Status MarkPrepared(const TxnId& txn) {
    auto it = txns_.find(txn);
    if (it == txns_.end()) return absl::FailedPreconditionError("unknown");
    if (it->second.wounded_by.has_value()) return WoundedError(txn, *it->second.wounded_by);
    for (const E& e : entries_) {
      if (e.txn == txn && !e.granted) return absl::FailedPreconditionError("waiting");
    }
    it->second.prepared = true;
    return absl::OkStatus();
  }

  absl::StatusOr<LockEffects> Release(const TxnId& txn) {
    if (!txns_.contains(txn)) return absl::NotFoundError("unknown");
    std::vector<LockSpan> freed;
    for (const E& e : entries_) {
      if (e.txn == txn) freed.push_back(e.span);
    }
    std::erase_if(entries_, [&](const E& e) { return e.txn == txn; });
    txns_.erase(txn);
    LockEffects effects;
    GrantUnblocked(freed, 0, &effects);
    return effects;
  }

  std::vector<LockInfo> Requests() const {
    std::vector<LockInfo> out;
    for (const E& e : entries_) out.push_back(LockInfo{e.txn, e.span, e.mode, e.granted});
    return out;
  }

 private:
  struct E {
    uint64_t seq;
    TxnId txn;
    LockSpan span;
    LockMode mode;
    bool granted;
  };
  struct T {
    Timestamp priority;
    std::optional<TxnId> wounded_by;
    bool prepared = false;
  };

  bool Older(const TxnId& a, const TxnId& b) const {
    return std::tie(txns_.at(a).priority, a) < std::tie(txns_.at(b).priority, b);
  }
  // Appends (once each) the younger, live, unprepared owners of what `e` waits for.
  void AddVictims(const E& e, std::vector<TxnId>* victims) {
    for (uint64_t b : Blockers(e)) {
      const TxnId& other = Find(b).txn;
      const T& o = txns_.at(other);
      if (!Older(e.txn, other) || o.prepared || o.wounded_by.has_value()) continue;
      if (std::find(victims->begin(), victims->end(), other) == victims->end()) {
        victims->push_back(other);
      }
    }
  }
  void WoundAll(const TxnId& wounder, const std::vector<TxnId>& victims,
                std::vector<LockSpan>* freed, LockEffects* effects) {
    for (const TxnId& v : victims) {
      txns_.at(v).wounded_by = wounder;
      for (const E& e : entries_) {
        if (e.txn == v && !e.granted) freed->push_back(e.span);
      }
      std::erase_if(entries_, [&](const E& e) { return e.txn == v && !e.granted; });
      effects->wounded.push_back(Wound{v, wounder});
    }
  }
  E& Find(uint64_t seq) {
    for (E& e : entries_) {
      if (e.seq == seq) return e;
    }
    ADD_FAILURE() << "no entry " << seq;
    return entries_.front();
  }
  std::vector<uint64_t> Blockers(const E& e) const {
    std::vector<uint64_t> out;
    for (const E& o : entries_) {
      if (o.txn != e.txn && ModesConflict(e.mode, o.mode) && o.span.Overlaps(e.span) &&
          (o.granted || o.seq < e.seq)) {
        out.push_back(o.seq);
      }
    }
    return out;
  }
  void GrantUnblocked(const std::vector<LockSpan>& freed, uint64_t quiet, LockEffects* effects) {
    std::set<uint64_t> candidates;
    for (const LockSpan& f : freed) {
      for (const E& e : entries_) {
        if (!e.granted && e.span.Overlaps(f)) candidates.insert(e.seq);
      }
    }
    for (uint64_t seq : candidates) {
      E& e = Find(seq);
      if (e.granted || !Blockers(e).empty()) continue;
      if (seq != quiet) effects->granted.push_back(Grant{e.txn, e.span, e.mode});
      e.granted = true;
      // One lock per (txn, span): the new entry absorbs an older granted one.
      bool exclusive = false;
      for (const E& o : entries_) {
        if (o.seq != seq && o.txn == e.txn && o.span == e.span && o.granted && o.mode == X) {
          exclusive = true;
        }
      }
      if (exclusive) Find(seq).mode = X;
      const TxnId txn = e.txn;
      const LockSpan span = e.span;
      std::erase_if(entries_, [&](const E& o) {
        return o.seq != seq && o.txn == txn && o.span == span && o.granted;
      });
    }
  }

  uint64_t next_seq_ = 1;
  std::vector<E> entries_;  // in arrival order
  std::map<TxnId, T> txns_;
};

std::string Describe(const absl::StatusOr<AcquireResult>& r) {
  if (!r.ok()) return absl::StatusCodeToString(r.status().code());
  return absl::StrCat(r->outcome == AcquireOutcome::kGranted ? "granted" : "waiting", "\n",
                      r->effects.ToString());
}

std::string Describe(const std::vector<LockInfo>& reqs) {
  std::vector<std::string> out;
  for (const LockInfo& l : reqs) {
    out.push_back(absl::StrCat(l.txn, ":", LockModeName(l.mode), "@", l.span.ToString(),
                               l.granted ? "" : "(waiting)"));
  }
  return absl::StrJoin(out, " ");
}

struct SimOp {
  LockSpan span;
  LockMode mode;
};

struct SimTxn {
  TxnId id;
  Timestamp priority;
  std::vector<SimOp> ops;
  bool pipelined = false;  // issues its next request without waiting for the last grant
  bool two_phase = false;  // prepares, then commits a few steps later
  bool patient = false;    // defers its wounds, and deals them (WoundBlockers) later
  // Per attempt:
  size_t pc = 0;
  std::set<std::pair<LockSpan, LockMode>> outstanding;
  bool wounded = false;
  bool prepared = false;
  bool deferring = false;  // has waited for younger transactions since its last WoundBlockers
  int prepare_wait = 0;
  // Overall:
  bool committed = false;
  int restarts = 0;
};

// How big a random workload is: up to `max_txns` transactions over the first `keys` keys.
struct SimShape {
  int max_txns = 10;
  int keys = 6;
  bool patience = false;  // some transactions defer their wounds
};

class Simulation {
 public:
  explicit Simulation(uint64_t seed, SimShape shape = {}) : rng_(seed) {
    const int n = Uniform(2, shape.max_txns);
    const std::vector<std::string> all_keys = {"a", "b", "c", "d", "e", "f"};
    const std::vector<std::string> keys(all_keys.begin(), all_keys.begin() + shape.keys);
    const int last = shape.keys - 1;
    for (int i = 0; i < n; ++i) {
      SimTxn txn;
      txn.id = absl::StrCat("t", i);
      // A small range, so that equal priorities (ordered by id) happen.
      txn.priority = Timestamp{Uniform(1, 12), static_cast<uint32_t>(Uniform(0, 1))};
      txn.pipelined = Uniform(0, 1) == 1;
      txn.two_phase = Uniform(0, 2) == 0;
      txn.patient = shape.patience && Uniform(0, 1) == 1;
      std::set<std::pair<LockSpan, LockMode>> seen;
      const int ops = Uniform(1, 5);
      for (int k = 0; k < ops; ++k) {
        SimOp op;
        if (last > 0 && Uniform(0, 6) == 0) {  // a span, mostly shared
          int a = Uniform(0, last - 1);
          int b = Uniform(a + 1, last);
          op.span = LockSpan::Range(keys[a], keys[b]);
          op.mode = Uniform(0, 4) == 0 ? X : S;
        } else {
          op.span = K(keys[Uniform(0, last)]);
          op.mode = Uniform(0, 1) == 0 ? X : S;
        }
        if (seen.insert({op.span, op.mode}).second) txn.ops.push_back(op);
      }
      index_[txn.id] = txns_.size();
      txns_.push_back(std::move(txn));
    }
    oldest_ = txns_[0].id;
    for (const SimTxn& t : txns_) {
      if (Older(t.id, oldest_)) oldest_ = t.id;
    }
  }

  bool Older(const TxnId& a, const TxnId& b) const {
    const SimTxn& x = txns_[index_.at(a)];
    const SimTxn& y = txns_[index_.at(b)];
    return std::tie(x.priority, x.id) < std::tie(y.priority, y.id);
  }

  // Runs to completion; returns "" or a description of the first violation.
  std::string Run(int max_steps) {
    for (steps_ = 0; steps_ < max_steps; ++steps_) {
      std::vector<size_t> runnable;
      for (size_t i = 0; i < txns_.size(); ++i) {
        const SimTxn& t = txns_[i];
        if (t.committed) continue;
        bool can_issue = t.pc < t.ops.size() && (t.pipelined || t.outstanding.empty());
        if (t.wounded || t.outstanding.empty() || can_issue || t.deferring) {
          runnable.push_back(i);
        }
      }
      if (runnable.empty()) break;
      std::string err = Step(txns_[runnable[Uniform(0, static_cast<int>(runnable.size()) - 1)]]);
      if (err.empty()) {
        err = CheckInvariants(
            table_, [this](const TxnId& a, const TxnId& b) { return Older(a, b); },
            [this](const TxnId& a) { return txns_[index_.at(a)].deferring; });
      }
      if (err.empty()) err = CheckOutstandingMatchesTable();
      if (err.empty() && Describe(table_.Requests()) != Describe(ref_.Requests())) {
        err = absl::StrCat("entries differ from the reference:\n  ", Describe(table_.Requests()),
                           "\n  ", Describe(ref_.Requests()));
      }
      if (!err.empty()) {
        return absl::StrCat("step ", steps_, ": ", err, "\n", table_.DebugString());
      }
    }
    for (const SimTxn& t : txns_) {
      if (!t.committed) {
        return absl::StrCat("not finished after ", steps_, " steps: ", t.id, "\n",
                            table_.DebugString());
      }
    }
    if (table_.IsKnown(oldest_) || !table_.Requests().empty()) return "table not empty at the end";
    return "";
  }

  int steps() const { return steps_; }
  int restarts() const {
    int r = 0;
    for (const SimTxn& t : txns_) r += t.restarts;
    return r;
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string Step(SimTxn& t) {
    // A wounded txn learns of it now, or (half the time) from its next call to the table.
    if (t.wounded && Uniform(0, 1) == 0) return Restart(t);
    if (t.deferring && !t.wounded &&
        (Uniform(0, 2) == 0 || t.outstanding.empty() || !(t.pc < t.ops.size() && t.pipelined))) {
      // Its patience ends (or is not needed any more).
      if (Uniform(0, 1) == 0 && !t.outstanding.empty()) return "";  // not yet
      const std::set<TxnId> victims = ExpectedBlockerVictims(t);
      LockEffects e = table_.WoundBlockers(t.id);
      LockEffects want = ref_.WoundBlockers(t.id);
      if (e.ToString() != want.ToString()) {
        return absl::StrCat(t.id, " wound blockers: got ", e.ToString(), " want ", want.ToString());
      }
      std::set<TxnId> wounded;
      for (const Wound& w : e.wounded) wounded.insert(w.victim);
      if (wounded != victims) {
        return absl::StrCat(t.id, " wounded [", absl::StrJoin(wounded, " "), "], expected [",
                            absl::StrJoin(victims, " "), "]");
      }
      t.deferring = false;
      return Apply(e);
    }
    if (t.pc < t.ops.size() && (t.pipelined || t.outstanding.empty())) {
      const SimOp& op = t.ops[t.pc];
      const Wounding wounding = t.patient ? Wounding::kDeferred : Wounding::kImmediate;
      const std::set<TxnId> victims = t.patient ? std::set<TxnId>{} : ExpectedVictims(t, op);
      absl::StatusOr<AcquireResult> r =
          table_.Acquire(t.id, t.priority, op.span, op.mode, wounding);
      absl::StatusOr<AcquireResult> want =
          ref_.Acquire(t.id, t.priority, op.span, op.mode, wounding);
      if (Describe(r) != Describe(want)) {
        return absl::StrCat(t.id, " acquire ", op.span.ToString(), ": got ", Describe(r), " want ",
                            Describe(want));
      }
      if (!r.ok()) {
        if (r.status().code() != absl::StatusCode::kAborted || !t.wounded) {
          return absl::StrCat(t.id, " acquire failed unexpectedly: ", r.status().ToString());
        }
        return Restart(t);
      }
      if (t.wounded) return absl::StrCat("wounded ", t.id, " was allowed to acquire");
      std::set<TxnId> wounded;
      for (const Wound& w : r->effects.wounded) wounded.insert(w.victim);
      if (wounded != victims) {
        return absl::StrCat(t.id, " wounded [", absl::StrJoin(wounded, " "), "], expected [",
                            absl::StrJoin(victims, " "), "]");
      }
      ++t.pc;
      if (r->outcome == AcquireOutcome::kWaiting) {
        t.outstanding.insert({op.span, op.mode});
        t.deferring = t.deferring || t.patient;
      }
      return Apply(r->effects);
    }
    if (t.wounded) {
      if (t.two_phase && !t.prepared) {
        absl::Status s = table_.MarkPrepared(t.id);
        if (s.code() != ref_.MarkPrepared(t.id).code()) return "prepare differs from reference";
        if (s.code() != absl::StatusCode::kAborted) {
          return absl::StrCat("wounded ", t.id, " prepared: ", s.ToString());
        }
      }
      return Restart(t);
    }
    if (!t.outstanding.empty()) return "";  // only a wounded txn reaches here while waiting
    if (t.two_phase && !t.prepared) {
      absl::Status s = table_.MarkPrepared(t.id);
      if (s.code() != ref_.MarkPrepared(t.id).code()) return "prepare differs from reference";
      if (!s.ok()) return absl::StrCat(t.id, " could not prepare: ", s.ToString());
      t.prepared = true;
      t.prepare_wait = Uniform(0, 4);
      return "";
    }
    if (t.prepare_wait > 0) {
      --t.prepare_wait;
      return "";
    }
    return Commit(t);
  }

  // The transactions t's request for `op` must wound, from the table's public view before
  // the request: the younger, live, unprepared owners of the entries it would wait for
  // (every conflicting entry of another transaction). None if the request adds no entry.
  std::set<TxnId> ExpectedVictims(const SimTxn& t, const SimOp& op) const {
    std::set<TxnId> out;
    if (t.wounded || t.prepared) return out;  // refused
    const std::vector<LockInfo> reqs = table_.Requests();
    for (const LockInfo& l : reqs) {
      if (l.txn != t.id) continue;
      if (l.granted && l.span.Contains(op.span) && (l.mode == op.mode || l.mode == X)) return out;
      if (!l.granted && l.span == op.span && l.mode == op.mode) return out;
    }
    for (const LockInfo& l : reqs) {
      if (l.txn == t.id || !ModesConflict(l.mode, op.mode) || !l.span.Overlaps(op.span)) continue;
      if (Older(t.id, l.txn) && !table_.IsPrepared(l.txn) && !table_.IsWounded(l.txn)) {
        out.insert(l.txn);
      }
    }
    return out;
  }

  // The transactions WoundBlockers(t) must wound, from the table's public view: the
  // younger, live, unprepared owners of the entries t's queued requests wait for.
  std::set<TxnId> ExpectedBlockerVictims(const SimTxn& t) const {
    std::set<TxnId> out;
    const std::vector<LockInfo> reqs = table_.Requests();
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (reqs[i].txn != t.id || reqs[i].granted) continue;
      for (size_t j = 0; j < reqs.size(); ++j) {
        const LockInfo& l = reqs[j];
        if (l.txn == t.id || !ModesConflict(l.mode, reqs[i].mode) ||
            !l.span.Overlaps(reqs[i].span) || !(l.granted || j < i)) {
          continue;
        }
        if (Older(t.id, l.txn) && !table_.IsPrepared(l.txn) && !table_.IsWounded(l.txn)) {
          out.insert(l.txn);
        }
      }
    }
    return out;
  }

  std::string Commit(SimTxn& t) {
    if (table_.IsWounded(t.id)) return absl::StrCat(t.id, " is wounded but the sim missed it");
    const std::vector<LockInfo> held = table_.LocksHeldBy(t.id);
    for (const SimOp& op : t.ops) {
      bool covered = false;
      for (const LockInfo& l : held) {
        covered = covered || (l.span.Contains(op.span) && (l.mode == op.mode || l.mode == X));
      }
      if (!covered) return absl::StrCat(t.id, " commits without holding ", op.span.ToString());
    }
    absl::StatusOr<LockEffects> e = table_.Release(t.id);
    absl::StatusOr<LockEffects> want = ref_.Release(t.id);
    if (!e.ok() || !want.ok() || e->ToString() != want->ToString()) {
      return absl::StrCat(t.id, " release: got ", e.ok() ? e->ToString() : e.status().ToString(),
                          " want ", want.ok() ? want->ToString() : want.status().ToString());
    }
    if (!e.ok()) return e.status().ToString();
    t.committed = true;
    return Apply(*e);
  }

  std::string Restart(SimTxn& t) {
    absl::StatusOr<LockEffects> e = table_.Release(t.id);
    absl::StatusOr<LockEffects> want = ref_.Release(t.id);
    if (!e.ok() || !want.ok() || e->ToString() != want->ToString()) {
      return absl::StrCat(t.id, " release: got ", e.ok() ? e->ToString() : e.status().ToString(),
                          " want ", want.ok() ? want->ToString() : want.status().ToString());
    }
    if (!e.ok()) return absl::StrCat("release of wounded ", t.id, ": ", e.status().ToString());
    t.pc = 0;
    t.outstanding.clear();
    t.wounded = false;
    t.prepared = false;
    t.deferring = false;
    ++t.restarts;
    return Apply(*e);
  }

  std::string Apply(const LockEffects& effects) {
    for (const Wound& w : effects.wounded) {
      SimTxn& v = txns_[index_.at(w.victim)];
      if (w.victim == oldest_) return "the oldest transaction was wounded";
      if (!Older(w.wounder, w.victim)) return absl::StrCat(w.wounder, " wounded older ", w.victim);
      if (v.prepared) return absl::StrCat("prepared ", v.id, " was wounded");
      if (v.wounded) return absl::StrCat(v.id, " wounded twice");
      v.wounded = true;
      v.deferring = false;
      v.outstanding.clear();  // its queued requests were dropped
    }
    for (const Grant& g : effects.granted) {
      SimTxn& t = txns_[index_.at(g.txn)];
      if (t.wounded || t.outstanding.erase({g.span, g.mode}) != 1) {
        return absl::StrCat("unexpected grant to ", g.txn, " of ", g.span.ToString());
      }
    }
    return "";
  }

  std::string CheckOutstandingMatchesTable() const {
    std::map<TxnId, std::set<std::pair<LockSpan, LockMode>>> queued;
    for (const LockInfo& l : table_.Requests()) {
      if (!l.granted) queued[l.txn].insert({l.span, l.mode});
    }
    for (const SimTxn& t : txns_) {
      if (queued[t.id] != t.outstanding) {
        return absl::StrCat(t.id, " waits in the table for something the sim was not told");
      }
    }
    return "";
  }

  std::mt19937_64 rng_;
  LockTable table_;
  ReferenceTable ref_;
  std::vector<SimTxn> txns_;
  std::map<TxnId, size_t> index_;
  TxnId oldest_;
  int steps_ = 0;
};

TEST(LockTablePropertyTest, RandomTransactionsAreSafeDeadlockFreeAndLive) {
  constexpr int kSeeds = 2000;
  constexpr int kMaxSteps = 20000;
  int total_restarts = 0;
  int max_steps = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Simulation sim(seed);
    std::string err = sim.Run(kMaxSteps);
    ASSERT_EQ(err, "") << "seed " << seed;
    total_restarts += sim.restarts();
    max_steps = std::max(max_steps, sim.steps());
  }
  // The workload must actually exercise wounds, or the test proves little.
  EXPECT_GT(total_restarts, kSeeds / 4);
  RecordProperty("restarts", total_restarts);
  RecordProperty("max_steps", max_steps);
}

// Long queues on few keys: the per-key queue walk and the age index carry the load here.
TEST(LockTablePropertyTest, LongQueuesOnFewKeysAreSafeDeadlockFreeAndLive) {
  constexpr int kSeeds = 120;
  constexpr int kMaxSteps = 200000;
  int total_restarts = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Simulation sim(seed, SimShape{.max_txns = 30, .keys = 1 + static_cast<int>(seed % 3)});
    std::string err = sim.Run(kMaxSteps);
    ASSERT_EQ(err, "") << "seed " << seed;
    total_restarts += sim.restarts();
  }
  EXPECT_GT(total_restarts, kSeeds);
}

// Some transactions defer their wounds and deal them later (WoundBlockers), as a range's
// leaseholder does after a lock wait's patience: the same safety, the reference's exact
// effects, and no deadlock once every patience has ended.
TEST(LockTablePropertyTest, DeferredWoundsAreSafeAndLive) {
  constexpr int kSeeds = 2000;
  int total_restarts = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Simulation sim(seed, SimShape{.patience = true});
    std::string err = sim.Run(20000);
    ASSERT_EQ(err, "") << "seed " << seed;
    total_restarts += sim.restarts();
  }
  EXPECT_GT(total_restarts, kSeeds / 8);
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Simulation sim(
        seed, SimShape{.max_txns = 30, .keys = 1 + static_cast<int>(seed % 3), .patience = true});
    std::string err = sim.Run(200000);
    ASSERT_EQ(err, "") << "long queues, seed " << seed;
  }
}

}  // namespace
}  // namespace meridian::txn
