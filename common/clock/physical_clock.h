// PhysicalClock: the one seam through which Meridian reads the local wall clock and sleeps.
//
// A PhysicalClock is a node's *local* reading of wall time in nanoseconds since the Unix
// epoch. The reading may be off from true time (skew) and may run fast or slow (drift); it
// carries no error bound of its own. TrueTime (true_time.h) adds the bound, Hlc (hlc.h) adds
// monotonicity. Nothing outside common/clock/ should read the system clock directly: take a
// PhysicalClock* so that tests and the simulator can substitute ManualClock or
// SimulatedClock (simulated_clock.h).
//
// Implementations here:
//   SystemClock  the real CLOCK_REALTIME; sleeps for real.
//   ManualClock  a clock that moves only when told to; SleepForNanos advances it.
//
// Thread-safety: every PhysicalClock implementation must be safe to call from many threads
// at once. SystemClock is stateless; ManualClock guards its reading with a mutex.
#ifndef MERIDIAN_COMMON_CLOCK_PHYSICAL_CLOCK_H_
#define MERIDIAN_COMMON_CLOCK_PHYSICAL_CLOCK_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace meridian::clock {

class PhysicalClock {
 public:
  virtual ~PhysicalClock() = default;

  // The local reading of wall time, in nanoseconds since the Unix epoch. Not necessarily
  // monotonic: a clock may be stepped backwards when it is resynchronized.
  virtual int64_t NowNanos() = 0;

  // Blocks (or, for fake clocks, lets time pass) until this clock's reading has advanced by
  // at least `ns`. Does nothing if `ns` <= 0.
  virtual void SleepForNanos(int64_t ns) = 0;
};

// The host's real-time clock (CLOCK_REALTIME).
class SystemClock : public PhysicalClock {
 public:
  SystemClock() = default;
  SystemClock(const SystemClock&) = delete;
  SystemClock& operator=(const SystemClock&) = delete;

  // A process-wide instance; never destroyed.
  static SystemClock* Default();

  int64_t NowNanos() override;
  void SleepForNanos(int64_t ns) override;
};

// A clock for tests that moves only through Set, Advance and SleepForNanos.
//
// SleepForNanos does not block: it advances the clock by `ns` and returns. Single-threaded
// code that waits on the clock (e.g. TrueTime::CommitWait) therefore terminates instead of
// hanging, and a test can tell exactly how long the code "slept" from the clock's reading.
// The price is that a sleeping thread moves time for every other reader of the same clock.
class ManualClock : public PhysicalClock {
 public:
  explicit ManualClock(int64_t start_ns = 0) : now_ns_(start_ns) {}
  ManualClock(const ManualClock&) = delete;
  ManualClock& operator=(const ManualClock&) = delete;

  int64_t NowNanos() override;
  // Advances the reading by `ns`; see the class comment.
  void SleepForNanos(int64_t ns) override;

  // Sets the reading, possibly to an earlier time (as a clock step would).
  void Set(int64_t now_ns);
  // Moves the reading forward. REQUIRES: ns >= 0.
  void Advance(int64_t ns);

 private:
  absl::Mutex mu_;
  int64_t now_ns_ ABSL_GUARDED_BY(mu_);
};

// OffsetClock reads another clock plus a fixed offset. It simulates a misbehaving host
// clock on a real node (meridian start --clock-skew-ms), for clock-discipline tests.
class OffsetClock : public PhysicalClock {
 public:
  // `base` must outlive this object.
  OffsetClock(PhysicalClock* base, int64_t offset_ns) : base_(base), offset_ns_(offset_ns) {}
  int64_t NowNanos() override { return base_->NowNanos() + offset_ns_; }
  void SleepForNanos(int64_t ns) override { base_->SleepForNanos(ns); }

 private:
  PhysicalClock* const base_;
  const int64_t offset_ns_;
};

}  // namespace meridian::clock

#endif  // MERIDIAN_COMMON_CLOCK_PHYSICAL_CLOCK_H_
