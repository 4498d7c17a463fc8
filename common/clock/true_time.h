// TrueTime: a reading of the clock together with a bound on its error.
//
// Now() returns an interval [earliest, latest] that is guaranteed to contain true (absolute)
// time, provided the node's PhysicalClock honours the deployment's assumptions:
//   * right after each synchronization the local reading is within `epsilon_ns` of true time,
//   * between synchronizations the clock's rate is within `max_drift_ppm` of the true rate.
// Under those assumptions the error grows linearly with local time elapsed since the last
// synchronization (Spanner's sawtooth), so the half-width of the interval is
//
//   eps(t) = epsilon_ns + ceil(d * (t - t_sync) / (1 - d)),   d = max_drift_ppm * 1e-6,
//
// where t is the local reading and t_sync the local reading at the last MarkSynchronized().
// Dividing by (1 - d) covers a clock running slow at the full drift: it needs local time
// (1 - d) * Δ to let true time Δ pass, during which it falls behind by d * Δ.
//
// Commit wait builds on this: a transaction that commits at timestamp s waits until After(s),
// i.e. until s has certainly passed everywhere, before it reveals the commit. Any transaction
// that starts afterwards picks a timestamp >= its own Now().latest >= true time > s, so commit
// order agrees with real-time order (external consistency).
//
// Whoever disciplines the clock (the clock-sync loop, the simulator) calls MarkSynchronized()
// after each (re)synchronization; construction counts as one. A node whose measured offset from
// its peers exceeds the bound must stop serving rather than hand out wrong intervals.
//
// Thread-safety: all methods are safe to call concurrently. The clock reading and the
// synchronization point are read under one mutex, so an interval never mixes a reading taken
// before a resync with the resync's smaller uncertainty.
#ifndef MERIDIAN_COMMON_CLOCK_TRUE_TIME_H_
#define MERIDIAN_COMMON_CLOCK_TRUE_TIME_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/physical_clock.h"
#include "common/timestamp.h"

namespace meridian::clock {

struct TrueTimeOptions {
  // Bound on |local reading - true time| right after a synchronization. Spanner saw 1-7 ms.
  int64_t epsilon_ns = 7'000'000;
  // Bound on the clock's rate error between synchronizations, in parts per million
  // (Spanner assumes 200 us/s). REQUIRES: 0 <= max_drift_ppm < 100000.
  double max_drift_ppm = 200;
};

// A closed interval of wall time in nanoseconds since the Unix epoch.
struct TimeInterval {
  int64_t earliest_ns = 0;
  int64_t latest_ns = 0;

  bool Contains(int64_t t_ns) const { return earliest_ns <= t_ns && t_ns <= latest_ns; }
  friend bool operator==(const TimeInterval&, const TimeInterval&) = default;
};

class TrueTime {
 public:
  // `clock` must outlive this object. Construction counts as a synchronization.
  TrueTime(PhysicalClock* clock, TrueTimeOptions options);
  TrueTime(const TrueTime&) = delete;
  TrueTime& operator=(const TrueTime&) = delete;

  // An interval that contains true time (see the file comment for the assumptions).
  TimeInterval Now();

  // Records that the clock has just been (re)synchronized: the uncertainty drops back to
  // epsilon_ns and grows again from the current local reading.
  void MarkSynchronized();

  // True iff `t_ns` has certainly passed: t_ns < Now().earliest_ns.
  bool After(int64_t t_ns);
  // True iff `t_ns` has certainly not arrived yet: t_ns > Now().latest_ns.
  bool Before(int64_t t_ns);
  // The same on a hybrid timestamp, comparing its wall part.
  bool After(Timestamp t) { return After(t.wall_ns); }
  bool Before(Timestamp t) { return Before(t.wall_ns); }

  // How many nanoseconds of local clock time must pass, from now and with no resync in
  // between, before After(t) holds; 0 if it already does. Exact: After(t) would hold after
  // waiting the returned amount and would not after one nanosecond less.
  int64_t CommitWaitNanos(Timestamp t);

  // Sleeps on the PhysicalClock until After(t) holds; re-checks after every sleep, so it is
  // correct even if the clock is resynchronized or stepped meanwhile.
  // REQUIRES: t.wall_ns is a realistic time (below 2^62 ns, i.e. before the year 2116).
  void CommitWait(Timestamp t);

  const TrueTimeOptions& options() const { return options_; }
  // The local clock it reads (for callers that also need plain readings and sleeps).
  PhysicalClock* clock() const { return clock_; }

 private:
  // Half-width of the interval for local reading `local_ns` given the current sync point.
  int64_t UncertaintyAt(int64_t local_ns) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  int64_t EarliestAt(int64_t local_ns) const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return local_ns - UncertaintyAt(local_ns);
  }

  PhysicalClock* const clock_;
  const TrueTimeOptions options_;
  // d / (1 - d): uncertainty gained per nanosecond of local time since the last sync.
  // Exact whole-nanosecond bounds are computed from max_drift_ppm directly; this is for
  // estimates.
  const double drift_factor_;

  mutable absl::Mutex mu_;
  // The local reading at the last synchronization.
  int64_t last_sync_local_ns_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::clock

#endif  // MERIDIAN_COMMON_CLOCK_TRUE_TIME_H_
