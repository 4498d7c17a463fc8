// Simulated time: one true clock for a whole simulated cluster, and per-node clocks that read
// it with a chosen skew and drift.
//
// SimTime holds simulated true (absolute) time. The test or deterministic simulator owns it and
// moves it forward; nothing else in the simulation knows true time.
//
// SimulatedClock is one node's PhysicalClock. At true time T it reads
//
//   T + skew_ns + trunc(drift_ppm * 1e-6 * (T - T_sync))
//
// where T_sync is the true time of the last Resync() (construction counts). So right after a
// resync the node is off by exactly skew_ns, and its error then changes at drift_ppm
// nanoseconds per millisecond of true time. Resync() models the node's clock discipline
// stepping the clock: the reading may jump, also backwards. Whoever calls Resync() should
// also call TrueTime::MarkSynchronized() on the node's TrueTime. If |skew_ns| <= epsilon_ns
// and |drift_ppm| <= max_drift_ppm at every resync, that TrueTime's intervals always contain
// SimTime::Now() (true_time_test.cc checks this over many random runs).
//
// SleepForNanos(ns) does not block: it advances the shared SimTime by the true duration the
// node's clock needs to advance by ns (about ns / (1 + drift)), so single-threaded code that
// commit-waits terminates. This moves time for every node sharing the SimTime; a simulator
// that interleaves many nodes should schedule timers on SimTime instead of sleeping.
//
// Thread-safety: SimTime is a single atomic and safe to share. SimulatedClock guards its
// skew, drift and sync point with a mutex, so reads, sleeps and resyncs may race; the
// simulator is expected to drive both from one thread, where runs are deterministic.
#ifndef MERIDIAN_COMMON_CLOCK_SIMULATED_CLOCK_H_
#define MERIDIAN_COMMON_CLOCK_SIMULATED_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/physical_clock.h"

namespace meridian::clock {

// Simulated true time, in nanoseconds since the Unix epoch.
class SimTime {
 public:
  explicit SimTime(int64_t start_ns = 0) : now_ns_(start_ns) {}
  SimTime(const SimTime&) = delete;
  SimTime& operator=(const SimTime&) = delete;

  int64_t Now() const { return now_ns_.load(std::memory_order_acquire); }
  // Moves true time forward. REQUIRES: ns >= 0.
  void Advance(int64_t ns);
  // Sets true time. Moving it backwards breaks every clock built on it; only for setting up.
  void Set(int64_t now_ns) { now_ns_.store(now_ns, std::memory_order_release); }

 private:
  std::atomic<int64_t> now_ns_;
};

class SimulatedClock : public PhysicalClock {
 public:
  // `sim_time` must outlive this clock. REQUIRES: drift_ppm > -1e6 (the clock moves forward).
  SimulatedClock(SimTime* sim_time, int64_t skew_ns, double drift_ppm);
  SimulatedClock(const SimulatedClock&) = delete;
  SimulatedClock& operator=(const SimulatedClock&) = delete;

  int64_t NowNanos() override;
  // Advances the shared SimTime until this clock has advanced by at least `ns`; see above.
  void SleepForNanos(int64_t ns) override;

  // Steps the clock: from now on it reads true time + new_skew_ns, drifting at new_drift_ppm
  // from this moment. REQUIRES: new_drift_ppm > -1e6.
  void Resync(int64_t new_skew_ns, double new_drift_ppm);

  // This clock's current error, reading - true time. Only a simulation can know this.
  int64_t OffsetNanos();

  int64_t skew_ns();
  double drift_ppm();

 private:
  int64_t ReadingAt(int64_t true_ns) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  SimTime* const sim_time_;

  mutable absl::Mutex mu_;
  int64_t skew_ns_ ABSL_GUARDED_BY(mu_);
  double drift_ppm_ ABSL_GUARDED_BY(mu_);
  // True time of the last Resync() (or of construction).
  int64_t sync_true_ns_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::clock

#endif  // MERIDIAN_COMMON_CLOCK_SIMULATED_CLOCK_H_
