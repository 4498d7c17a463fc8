#include "tests/checker/linearizability.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace meridian::checker {
namespace {

constexpr int kAbsent = 0;  // Value id of "key absent"; real values get ids from 1.

// One operation on a single key, as the search sees it.
struct RegisterOp {
  int64_t invoke = 0;
  int64_t complete = 0;   // Meaningless when optional.
  bool is_write = false;  // Otherwise a completed read.
  bool optional = false;  // An uncompleted write: may take effect after invoke, or never.
  int value = kAbsent;    // Dense value id.
  int history_index = 0;  // Position in the caller's history.
};

// The operations of one key, sorted by (invoke, complete), with values renumbered densely.
struct KeyHistory {
  std::vector<RegisterOp> ops;
  int num_values = 1;  // Ids are in [0, num_values).
};

bool IsWrite(const KvOperation& op) { return op.type == KvOperation::Type::kWrite; }

// Uncompleted reads constrain nothing and are left out. Uncompleted writes whose value no
// read returns are left out too: taking effect or not, no read can tell the difference, so
// some valid order omits them whenever any valid order exists.
KeyHistory BuildKeyHistory(const std::vector<KvOperation>& history,
                           const std::vector<int>& indices) {
  KeyHistory key_history;
  absl::flat_hash_map<std::string_view, int> ids;
  auto id_of = [&](const std::optional<std::string>& value) {
    if (!value.has_value()) return kAbsent;
    auto [it, inserted] = ids.try_emplace(*value, key_history.num_values);
    if (inserted) ++key_history.num_values;
    return it->second;
  };
  std::vector<RegisterOp> ops;
  ops.reserve(indices.size());
  for (int index : indices) {
    const KvOperation& op = history[index];
    if (!IsWrite(op) && !op.completed) continue;
    RegisterOp register_op;
    register_op.invoke = op.invoke_time;
    register_op.complete = op.complete_time;
    register_op.is_write = IsWrite(op);
    register_op.optional = !op.completed;
    register_op.value = id_of(op.value);
    register_op.history_index = index;
    ops.push_back(register_op);
  }
  std::vector<int> readers(key_history.num_values, 0);
  for (const RegisterOp& op : ops) {
    if (!op.is_write) ++readers[op.value];
  }
  key_history.ops.reserve(ops.size());
  for (const RegisterOp& op : ops) {
    if (op.optional && readers[op.value] == 0) continue;
    key_history.ops.push_back(op);
  }
  std::stable_sort(key_history.ops.begin(), key_history.ops.end(),
                   [](const RegisterOp& a, const RegisterOp& b) {
                     if (a.invoke != b.invoke) return a.invoke < b.invoke;
                     // Optional ops never complete: order them after completed ones.
                     if (a.optional != b.optional) return b.optional;
                     return !a.optional && a.complete < b.complete;
                   });
  return key_history;
}

// Returns the history index of the first completed read that returned a value no operation on
// the key ever wrote, if any. No search is needed to condemn such a read.
std::optional<int> FindUnwrittenRead(const std::vector<KvOperation>& history,
                                     const std::vector<int>& indices) {
  absl::flat_hash_set<std::string_view> written;
  for (int index : indices) {
    const KvOperation& op = history[index];
    if (IsWrite(op) && op.value.has_value()) written.insert(*op.value);
  }
  for (int index : indices) {
    const KvOperation& op = history[index];
    if (!IsWrite(op) && op.completed && op.value.has_value() && !written.contains(*op.value)) {
      return index;
    }
  }
  return std::nullopt;
}

enum class Verdict { kLinearizable, kNotLinearizable, kInconclusive };

// The deepest state a failed search reached, for the explanation. Indices are into
// KeyHistory::ops.
struct StuckPoint {
  int done_completed = -1;  // Completed operations that had taken effect.
  int blocking = -1;        // The pending completed op that completed first; it could not follow.
  int value = kAbsent;      // The register's value.
  int last_write = -1;      // The write that set `value`; -1 if the key was still initial.
};

// Depth-first search for a linearization of one key's history.
//
// A state is the set of operations that have taken effect plus the register value. From a
// state, an operation may take effect next iff it is pending and no pending completed
// operation completed strictly before it was invoked; that is, iff it was invoked no later
// than the "horizon", the earliest completion among pending completed operations. The search
// succeeds once every completed operation has taken effect.
//
// The reductions below each discard only orders for which an equally valid order is kept, so
// the search branches only on writes whose value some pending read returns:
//   * Reads. A pending read within the horizon that returns the current value takes effect at
//     once: moving it to the front of any valid continuation keeps the continuation valid
//     (reads change nothing, and nothing pending had to precede it).
//   * Unread values. A value is unread when no pending read returns it; a write of one is
//     "blind". In any valid continuation no read sits between a blind write and the next write,
//     so the blind write can move to just before that write (or to the end) and, being within
//     the horizon now, also to right now. Hence blind writes within the horizon take effect
//     together, either just before a chosen write or as a move of their own, and at once
//     whenever the current value is unread too. Unread values are interchangeable as the
//     current value, so the memo does not tell them apart. Uncompleted blind writes are
//     dropped: they need never take effect.
//   * Orphans. A pending read of a value other than the current one, with no pending write of
//     that value left, can never be satisfied: the state is dead.
// Each state reached after these forced steps is memoized; meeting it again prunes.
class RegisterSearch {
 public:
  RegisterSearch(const KeyHistory& key_history, int64_t max_states)
      : ops_(key_history.ops),
        max_states_(max_states),
        done_((ops_.size() + 63) / 64, 0),
        pending_readers_(key_history.num_values, 0),
        pending_writers_(key_history.num_values, 0) {
    for (size_t i = 0; i < ops_.size(); ++i) {
      const RegisterOp& op = ops_[i];
      if (!op.optional) by_complete_.push_back(static_cast<int>(i));
      ++(op.is_write ? pending_writers_ : pending_readers_)[op.value];
    }
    for (int value = 0; value < key_history.num_values; ++value) orphans_ += IsOrphan(value);
    std::stable_sort(by_complete_.begin(), by_complete_.end(),
                     [this](int a, int b) { return ops_[a].complete < ops_[b].complete; });
  }

  RegisterSearch(const RegisterSearch&) = delete;
  RegisterSearch& operator=(const RegisterSearch&) = delete;

  // Runs the search; call once.
  Verdict Run() {
    PushFrame();
    switch (Settle()) {
      case Settled::kSucceeded:
        return Verdict::kLinearizable;
      case Settled::kOutOfBudget:
        return Verdict::kInconclusive;
      case Settled::kDead:
        return Verdict::kNotLinearizable;
      case Settled::kOpen:
        break;
    }
    while (!stack_.empty()) {
      Frame& top = stack_.back();
      if (top.next_candidate == candidates_.size()) {
        Pop();
        continue;
      }
      const int move = candidates_[top.next_candidate++];
      PushFrame();
      AbsorbBlindWrites();
      if (move != kBlindOnly) Apply(move);
      switch (Settle()) {
        case Settled::kSucceeded:
          return Verdict::kLinearizable;
        case Settled::kOutOfBudget:
          return Verdict::kInconclusive;
        case Settled::kDead:
          Pop();
          break;
        case Settled::kOpen:
          break;
      }
    }
    return Verdict::kNotLinearizable;
  }

  const StuckPoint& stuck() const { return stuck_; }
  int64_t states() const { return states_; }
  int num_completed() const { return static_cast<int>(by_complete_.size()); }

 private:
  enum class Settled { kOpen, kSucceeded, kDead, kOutOfBudget };

  // A move that applies only the blind writes within the horizon.
  static constexpr int kBlindOnly = -1;

  // One level of the search: the state before its move (to restore on Pop), where its steps
  // begin in trail_, and its own moves (candidates_[candidates_begin..], of which those before
  // next_candidate were tried).
  struct Frame {
    int value_before;
    int writer_before;
    size_t lo_before;
    size_t hi_before;
    size_t deadline_before;
    size_t trail_begin;
    size_t candidates_begin;
    size_t next_candidate;
  };

  bool IsDone(size_t i) const { return (done_[i >> 6] >> (i & 63)) & 1; }
  bool IsUnread(int value) const { return pending_readers_[value] == 0; }
  bool IsOrphan(int value) const {
    return pending_readers_[value] > 0 && pending_writers_[value] == 0;
  }

  // Marks ops_[i] as having taken effect (or, for an uncompleted write, as dropped).
  void MarkDone(int i) {
    const RegisterOp& op = ops_[i];
    const bool was_orphan = IsOrphan(op.value);
    done_[i >> 6] |= uint64_t{1} << (i & 63);
    trail_.push_back(i);
    if (!op.optional) ++done_completed_;
    --(op.is_write ? pending_writers_ : pending_readers_)[op.value];
    orphans_ += static_cast<int>(IsOrphan(op.value)) - static_cast<int>(was_orphan);
  }

  void UnmarkDone(int i) {
    const RegisterOp& op = ops_[i];
    const bool was_orphan = IsOrphan(op.value);
    done_[i >> 6] &= ~(uint64_t{1} << (i & 63));
    if (!op.optional) --done_completed_;
    ++(op.is_write ? pending_writers_ : pending_readers_)[op.value];
    orphans_ += static_cast<int>(IsOrphan(op.value)) - static_cast<int>(was_orphan);
  }

  // Lets the write ops_[i] take effect.
  void Apply(int i) {
    MarkDone(i);
    value_ = ops_[i].value;
    value_writer_ = i;
  }

  // Applies every pending completed blind write within the horizon (uncompleted ones were
  // dropped by Settle already).
  void AbsorbBlindWrites() {
    for (size_t i = lo_; i < hi_; ++i) {
      const RegisterOp& op = ops_[i];
      if (!IsDone(i) && op.is_write && IsUnread(op.value)) Apply(static_cast<int>(i));
    }
  }

  void PushFrame() {
    stack_.push_back(Frame{.value_before = value_,
                           .writer_before = value_writer_,
                           .lo_before = lo_,
                           .hi_before = hi_,
                           .deadline_before = deadline_,
                           .trail_begin = trail_.size(),
                           .candidates_begin = candidates_.size(),
                           .next_candidate = candidates_.size()});
  }

  // Undoes the top frame entirely and removes it.
  void Pop() {
    const Frame& frame = stack_.back();
    for (size_t k = trail_.size(); k > frame.trail_begin; --k) UnmarkDone(trail_[k - 1]);
    trail_.resize(frame.trail_begin);
    candidates_.resize(frame.candidates_begin);
    value_ = frame.value_before;
    value_writer_ = frame.writer_before;
    lo_ = frame.lo_before;
    hi_ = frame.hi_before;
    deadline_ = frame.deadline_before;
    stack_.pop_back();
  }

  // Applies the forced steps to the state just entered, checks it against the memo, and
  // pushes the moves that may follow onto candidates_.
  Settled Settle() {
    if (++states_ > max_states_) return Settled::kOutOfBudget;
    const size_t n = ops_.size();
    size_t scan_from = lo_;
    while (true) {
      while (lo_ < n && IsDone(lo_)) ++lo_;
      while (deadline_ < by_complete_.size() && IsDone(by_complete_[deadline_])) ++deadline_;
      if (deadline_ == by_complete_.size()) return Settled::kSucceeded;
      const int64_t horizon = ops_[by_complete_[deadline_]].complete;
      bool progressed = false;
      bool newly_unread = false;
      size_t i = std::max(scan_from, lo_);
      for (; i < n && ops_[i].invoke <= horizon; ++i) {
        if (IsDone(i)) continue;
        const RegisterOp& op = ops_[i];
        if (!op.is_write) {
          if (op.value != value_) continue;
          MarkDone(static_cast<int>(i));
          progressed = true;
          newly_unread |= IsUnread(op.value);
        } else if (IsUnread(op.value) && op.optional) {
          MarkDone(static_cast<int>(i));
          progressed = true;
        } else if (IsUnread(op.value) && IsUnread(value_)) {
          Apply(static_cast<int>(i));
          progressed = true;
        }
      }
      hi_ = i;
      if (!progressed) break;
      // An op skipped in this pass stays skipped (the value changed, if at all, to an unread
      // one) unless a value just lost its last reader: then blind writes anywhere within the
      // horizon may have appeared.
      scan_from = newly_unread ? lo_ : i;
    }

    const int blocking = by_complete_[deadline_];
    if (done_completed_ > stuck_.done_completed) {
      stuck_ = StuckPoint{.done_completed = done_completed_,
                          .blocking = blocking,
                          .value = value_,
                          .last_write = value_writer_};
    }
    if (orphans_ > static_cast<int>(IsOrphan(value_))) return Settled::kDead;

    // Every op that took effect lies in [0, hi_), and all of [0, lo_) did, so the value, lo_
    // and the bitset words spanning [lo_, hi_) identify the state.
    std::vector<uint64_t> key;
    key.reserve(3 + (hi_ >> 6) - (lo_ >> 6));
    key.push_back(IsUnread(value_) ? ~uint64_t{0} : static_cast<uint64_t>(value_));
    key.push_back(lo_);
    for (size_t w = lo_ >> 6; w <= ((hi_ - 1) >> 6); ++w) key.push_back(done_[w]);
    if (!seen_.insert(std::move(key)).second) return Settled::kDead;

    // If the earliest-completing pending op is a read of another value, a write of that value
    // must take effect before it, and such a write lies within the horizon: try those first.
    const RegisterOp& deadline_op = ops_[blocking];
    const int wanted = deadline_op.is_write ? -1 : deadline_op.value;
    const size_t first = candidates_.size();
    bool any_blind = false;
    for (size_t i = lo_; i < hi_; ++i) {
      if (IsDone(i) || !ops_[i].is_write) continue;
      if (IsUnread(ops_[i].value)) {
        any_blind = true;
      } else if (ops_[i].value == wanted) {
        candidates_.push_back(static_cast<int>(i));
      }
    }
    if (wanted >= 0 && candidates_.size() == first) return Settled::kDead;
    for (size_t i = lo_; i < hi_; ++i) {
      if (!IsDone(i) && ops_[i].is_write && !IsUnread(ops_[i].value) && ops_[i].value != wanted) {
        candidates_.push_back(static_cast<int>(i));
      }
    }
    if (any_blind) candidates_.push_back(kBlindOnly);
    return candidates_.size() == first ? Settled::kDead : Settled::kOpen;
  }

  const std::vector<RegisterOp>& ops_;
  const int64_t max_states_;
  int64_t states_ = 0;

  std::vector<int> by_complete_;      // Completed ops, by completion time.
  std::vector<uint64_t> done_;        // Bit i: ops_[i] took effect (or was dropped).
  std::vector<int> pending_readers_;  // Per value: pending reads returning it.
  std::vector<int> pending_writers_;  // Per value: pending writes of it.
  int orphans_ = 0;                   // Values with pending readers but no pending writer.
  int value_ = kAbsent;
  int value_writer_ = -1;  // The op that wrote value_; -1 while the key is initially absent.
  int done_completed_ = 0;
  size_t lo_ = 0;        // Every op before lo_ is done.
  size_t hi_ = 0;        // Ops from hi_ on were invoked after the horizon.
  size_t deadline_ = 0;  // by_complete_[deadline_] is the first pending completed op.

  std::vector<int> trail_;       // Ops marked done, in order, for undo.
  std::vector<int> candidates_;  // Moves per frame: a write (after the blind ones) or kBlindOnly.
  std::vector<Frame> stack_;
  absl::flat_hash_set<std::vector<uint64_t>> seen_;
  StuckPoint stuck_;
};

std::string FormatValue(const std::optional<std::string>& value) {
  if (!value.has_value()) return "absent";
  constexpr size_t kMaxShown = 40;
  if (value->size() <= kMaxShown) return absl::StrCat("\"", absl::CHexEscape(*value), "\"");
  return absl::StrCat("\"", absl::CHexEscape(value->substr(0, kMaxShown)), "\"...");
}

std::string DescribeOp(const std::vector<KvOperation>& history, int index) {
  const KvOperation& op = history[index];
  const std::string what = IsWrite(op) ? absl::StrCat("write ", FormatValue(op.value))
                                       : absl::StrCat("read -> ", FormatValue(op.value));
  const std::string when = op.completed
                               ? absl::StrFormat("[%d, %d]", op.invoke_time, op.complete_time)
                               : absl::StrFormat("[%d, never completed)", op.invoke_time);
  return absl::StrFormat("#%d client %d %s %s", index, op.client, what, when);
}

struct KeyReport {
  Verdict verdict = Verdict::kLinearizable;
  std::string explanation;
  std::vector<int> ops;
};

// Shrinks a non-linearizable history of one key to a small subset that is still
// non-linearizable, within a budget of search states.
class Minimizer {
 public:
  Minimizer(const std::vector<KvOperation>& history, int64_t max_states_per_key, int64_t budget)
      : history_(history), max_states_per_key_(max_states_per_key), budget_(budget) {}

  std::vector<int> Minimize(const std::vector<int>& indices) {
    // First drop whole values at once (their writes with all their reads, so that no read is
    // left without its write), then single operations.
    std::vector<std::vector<int>> groups;
    absl::flat_hash_map<std::string_view, size_t> group_of;
    for (int index : indices) {
      const KvOperation& op = history_[index];
      if (!op.value.has_value()) {
        groups.push_back({index});
        continue;
      }
      auto [it, inserted] = group_of.try_emplace(*op.value, groups.size());
      if (inserted) groups.emplace_back();
      groups[it->second].push_back(index);
    }
    groups = Reduce(std::move(groups), /*repeat_singletons=*/false);
    std::vector<std::vector<int>> singles;
    for (const std::vector<int>& group : groups) {
      for (int index : group) singles.push_back({index});
    }
    return Flatten(Reduce(std::move(singles), /*repeat_singletons=*/true));
  }

 private:
  static std::vector<int> Flatten(const std::vector<std::vector<int>>& units) {
    std::vector<int> out;
    for (const std::vector<int>& unit : units) out.insert(out.end(), unit.begin(), unit.end());
    std::sort(out.begin(), out.end());
    return out;
  }

  // A subset counts only if it fails the same way the search would report, not merely by
  // having lost the write some read returned.
  bool StillFails(const std::vector<int>& subset) {
    if (budget_ <= 0) return false;
    if (FindUnwrittenRead(history_, subset).has_value()) return false;
    const KeyHistory key_history = BuildKeyHistory(history_, subset);
    RegisterSearch search(key_history, std::min(max_states_per_key_, budget_));
    const Verdict verdict = search.Run();
    budget_ -= search.states();
    return verdict == Verdict::kNotLinearizable;
  }

  // Removes chunks of units, halving the chunk size down to single units, keeping every
  // removal after which the rest still fails. With repeat_singletons, single-unit passes
  // repeat until none succeeds.
  std::vector<std::vector<int>> Reduce(std::vector<std::vector<int>> units,
                                       bool repeat_singletons) {
    size_t chunk = std::max<size_t>(1, units.size() / 2);
    while (!units.empty() && budget_ > 0) {
      bool removed_any = false;
      for (size_t start = 0; start < units.size();) {
        const size_t end = std::min(units.size(), start + chunk);
        std::vector<std::vector<int>> rest;
        rest.reserve(units.size());
        rest.insert(rest.end(), units.begin(), units.begin() + start);
        rest.insert(rest.end(), units.begin() + end, units.end());
        if (!rest.empty() && StillFails(Flatten(rest))) {
          units = std::move(rest);
          removed_any = true;
        } else {
          start = end;
        }
      }
      if (chunk > 1) {
        chunk /= 2;
      } else if (!repeat_singletons || !removed_any) {
        break;
      }
    }
    return units;
  }

  const std::vector<KvOperation>& history_;
  const int64_t max_states_per_key_;
  int64_t budget_;
};

std::string ExplainFailure(const std::vector<KvOperation>& history, const std::string& key,
                           const std::vector<int>& witness, size_t key_op_count,
                           const LinearizabilityOptions& options) {
  std::string out = absl::StrFormat(
      "key %s is not linearizable: these %d of its %d operations admit no valid order:\n",
      FormatValue(key), witness.size(), key_op_count);
  for (int index : witness) absl::StrAppend(&out, "  ", DescribeOp(history, index), "\n");

  const KeyHistory key_history = BuildKeyHistory(history, witness);
  RegisterSearch search(key_history, options.max_states_per_key);
  if (search.Run() != Verdict::kNotLinearizable) return out;
  const StuckPoint& stuck = search.stuck();
  if (stuck.blocking < 0) return out;
  const RegisterOp& blocking = key_history.ops[stuck.blocking];
  const std::string held =
      stuck.last_write < 0
          ? std::string("absent (initial)")
          : absl::StrCat(
                FormatValue(history[key_history.ops[stuck.last_write].history_index].value),
                " (written by #", key_history.ops[stuck.last_write].history_index, ")");
  absl::StrAppendFormat(&out,
                        "Furthest the search got: %d of %d completed operations took effect, "
                        "the register holding %s; from there #%d cannot take effect by its "
                        "completion at t=%d.",
                        stuck.done_completed, search.num_completed(), held, blocking.history_index,
                        blocking.complete);
  return out;
}

KeyReport CheckKey(const std::vector<KvOperation>& history, const std::string& key,
                   const std::vector<int>& indices, const LinearizabilityOptions& options) {
  KeyReport report;
  if (std::optional<int> unwritten = FindUnwrittenRead(history, indices)) {
    report.verdict = Verdict::kNotLinearizable;
    report.ops = {*unwritten};
    report.explanation = absl::StrCat("key ", FormatValue(key),
                                      " is not linearizable: ", DescribeOp(history, *unwritten),
                                      " returned a value never written to it.");
    return report;
  }
  const KeyHistory key_history = BuildKeyHistory(history, indices);
  RegisterSearch search(key_history, options.max_states_per_key);
  report.verdict = search.Run();
  switch (report.verdict) {
    case Verdict::kLinearizable:
      return report;
    case Verdict::kInconclusive:
      report.explanation = absl::StrFormat(
          "key %s: search budget exceeded (%d states over %d operations); linearizability "
          "unknown.",
          FormatValue(key), options.max_states_per_key, indices.size());
      return report;
    case Verdict::kNotLinearizable:
      break;
  }
  report.ops = indices;
  if (options.minimize_explanation) {
    Minimizer minimizer(history, options.max_states_per_key, options.max_minimize_states);
    report.ops = minimizer.Minimize(indices);
  }
  report.explanation = ExplainFailure(history, key, report.ops, indices.size(), options);
  return report;
}

}  // namespace

LinearizabilityResult CheckLinearizability(const std::vector<KvOperation>& history,
                                           const LinearizabilityOptions& options) {
  LinearizabilityResult result;
  for (size_t i = 0; i < history.size(); ++i) {
    const KvOperation& op = history[i];
    if (op.completed && op.complete_time < op.invoke_time) {
      result.linearizable = false;
      result.key = op.key;
      result.ops = {static_cast<int>(i)};
      result.explanation =
          absl::StrCat("malformed history: ", DescribeOp(history, static_cast<int>(i)),
                       " completes before it is invoked.");
      return result;
    }
  }

  // Partition by key, keeping keys in order of first appearance.
  absl::flat_hash_map<std::string_view, size_t> slot_of;
  std::vector<std::vector<int>> per_key;
  for (size_t i = 0; i < history.size(); ++i) {
    auto [it, inserted] = slot_of.try_emplace(history[i].key, per_key.size());
    if (inserted) per_key.emplace_back();
    per_key[it->second].push_back(static_cast<int>(i));
  }

  for (const std::vector<int>& indices : per_key) {
    const std::string& key = history[indices.front()].key;
    KeyReport report = CheckKey(history, key, indices, options);
    if (report.verdict == Verdict::kNotLinearizable) {
      result.linearizable = false;
      result.inconclusive = false;
      result.key = key;
      result.explanation = std::move(report.explanation);
      result.ops = std::move(report.ops);
      return result;
    }
    if (report.verdict == Verdict::kInconclusive && !result.inconclusive) {
      result.inconclusive = true;
      result.key = key;
      result.explanation = std::move(report.explanation);
    }
  }
  return result;
}

LinearizabilityResult CheckLinearizability(const std::vector<KvOperation>& history) {
  return CheckLinearizability(history, LinearizabilityOptions{});
}

}  // namespace meridian::checker
