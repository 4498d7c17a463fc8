#include "common/clock/simulated_clock.h"

#include <cmath>

#include "common/logging.h"

namespace meridian::clock {

void SimTime::Advance(int64_t ns) {
  CHECK_GE(ns, 0) << "SimTime::Advance by " << ns;
  now_ns_.fetch_add(ns, std::memory_order_acq_rel);
}

SimulatedClock::SimulatedClock(SimTime* sim_time, int64_t skew_ns, double drift_ppm)
    : sim_time_(sim_time) {
  CHECK(sim_time_ != nullptr);
  Resync(skew_ns, drift_ppm);
}

int64_t SimulatedClock::ReadingAt(int64_t true_ns) const {
  // Truncated toward zero, so the drift term never exceeds |drift| * elapsed: a clock within
  // the drift bound stays within it after rounding. Dividing by 1e6 (rather than multiplying
  // by the inexact 1e-6) keeps whole-nanosecond results exact.
  const auto drift =
      static_cast<int64_t>(drift_ppm_ * static_cast<double>(true_ns - sync_true_ns_) / 1e6);
  return true_ns + skew_ns_ + drift;
}

int64_t SimulatedClock::NowNanos() {
  absl::MutexLock lock(&mu_);
  return ReadingAt(sim_time_->Now());
}

void SimulatedClock::SleepForNanos(int64_t ns) {
  if (ns <= 0) return;
  absl::MutexLock lock(&mu_);
  const int64_t target = ReadingAt(sim_time_->Now()) + ns;
  // The clock advances (1 + drift) local nanoseconds per true nanosecond; the estimate can be
  // short by rounding, so finish one true nanosecond at a time.
  const double true_ns = static_cast<double>(ns) * 1e6 / (1e6 + drift_ppm_);
  sim_time_->Advance(static_cast<int64_t>(std::ceil(true_ns)));
  while (ReadingAt(sim_time_->Now()) < target) sim_time_->Advance(1);
}

void SimulatedClock::Resync(int64_t new_skew_ns, double new_drift_ppm) {
  CHECK(new_drift_ppm > -1e6) << "drift_ppm=" << new_drift_ppm << " stops the clock";
  absl::MutexLock lock(&mu_);
  skew_ns_ = new_skew_ns;
  drift_ppm_ = new_drift_ppm;
  sync_true_ns_ = sim_time_->Now();
}

int64_t SimulatedClock::OffsetNanos() {
  absl::MutexLock lock(&mu_);
  const int64_t true_ns = sim_time_->Now();
  return ReadingAt(true_ns) - true_ns;
}

int64_t SimulatedClock::skew_ns() {
  absl::MutexLock lock(&mu_);
  return skew_ns_;
}

double SimulatedClock::drift_ppm() {
  absl::MutexLock lock(&mu_);
  return drift_ppm_;
}

}  // namespace meridian::clock
