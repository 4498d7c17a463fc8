// Linearizability checker for key-value register histories.
//
// The deterministic simulator records every client operation (invoke time, completion time,
// outcome) against a store whose keys behave as independent read/write registers, then asks
// CheckLinearizability whether some total order of those operations (1) respects real time: an
// operation that completed before another was invoked comes first, and (2) is a legal
// sequential register history: every read returns the value of the latest write before it, or
// "absent" if there is none.
//
// Linearizability is compositional (P-compositional for a map of registers), so each key is
// checked on its own. Per key the checker runs a Wing & Gong style depth-first search over
// "which operations have taken effect so far", memoizing (taken-effect set, register value)
// states as in Lowe's "Testing for linearizability" (2017) so that no state is explored twice.
//
// Time semantics. Operation a precedes b in real time iff a completed and
// a.complete_time < b.invoke_time. Equal timestamps count as concurrent, so a check never fails
// because of a tie the clock could not resolve. An uncompleted operation (timeout, crash) is
// pending forever: an uncompleted write may take effect at any instant after its invoke or
// never; an uncompleted read constrains nothing and is dropped.
//
// Outcomes. `linearizable == false` is a proof: no valid order exists for `key`, and
// `explanation` lists a small sub-history of that key that is already non-linearizable. The
// search is exponential in the worst case; when a key needs more states than the budget the
// result is `linearizable == true, inconclusive == true` (nothing proven either way), and the
// caller decides whether that is a failure.
//
// Thread-safety: CheckLinearizability is a pure function of its arguments and may be called
// concurrently from any number of threads.
#ifndef MERIDIAN_TESTS_CHECKER_LINEARIZABILITY_H_
#define MERIDIAN_TESTS_CHECKER_LINEARIZABILITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meridian::checker {

// One client operation on a key-value store whose keys are independent registers.
struct KvOperation {
  enum class Type { kRead, kWrite };

  int client = 0;
  Type type = Type::kRead;
  std::string key;
  // Write: the value written (nullopt deletes the key). Read: the value returned (nullopt =
  // key absent).
  std::optional<std::string> value;
  int64_t invoke_time = 0;    // When the client sent it.
  int64_t complete_time = 0;  // When the client got the answer; ignored if !completed.
  // False: outcome unknown (timeout/crash). An uncompleted write may or may not have taken
  // effect, at any time after invoke; an uncompleted read constrains nothing.
  bool completed = true;
};

struct LinearizabilityResult {
  // False only when some key is proven non-linearizable (or the history is malformed).
  bool linearizable = true;
  // True when the search budget ran out on some key before a verdict was reached. Then
  // `linearizable` stays true, `key` names the first such key and `explanation` says so. A key
  // proven non-linearizable takes precedence: then inconclusive is false.
  bool inconclusive = false;
  // The first key (in order of first appearance in the history) found non-linearizable, or
  // the first inconclusive key.
  std::string key;
  // Human readable: the smallest failing set of operations the checker found and why no
  // linearization of them exists. Empty when linearizable and conclusive.
  std::string explanation;
  // Indices into the checked history of the operations listed in `explanation`, ascending.
  std::vector<int> ops;
};

struct LinearizabilityOptions {
  // Upper bound on the search states explored for one key before the result for that key is
  // declared inconclusive. Typical simulator histories need about one state per operation.
  int64_t max_states_per_key = 2'000'000;
  // When a key fails, greedily remove operations that are not needed for the failure so that
  // the explanation names only a handful. Costs extra searches, but only on failure.
  bool minimize_explanation = true;
  // Total search states the minimization may spend; when exhausted the smallest failing
  // history found so far is reported.
  int64_t max_minimize_states = 5'000'000;
};

// Checks the whole history (partitioned per key; every key starts absent). Operations of one
// client are sequential (a client never has two ops outstanding) except that after an
// uncompleted op a client may continue; the checker does not rely on this.
//
// REQUIRES: complete_time >= invoke_time for every completed operation. A history violating
// this is reported as not linearizable with a "malformed" explanation.
LinearizabilityResult CheckLinearizability(const std::vector<KvOperation>& history,
                                           const LinearizabilityOptions& options);
LinearizabilityResult CheckLinearizability(const std::vector<KvOperation>& history);

}  // namespace meridian::checker

#endif  // MERIDIAN_TESTS_CHECKER_LINEARIZABILITY_H_
