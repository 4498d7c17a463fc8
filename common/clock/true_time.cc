#include "common/clock/true_time.h"

#include <cmath>
#include <cstdint>

#include "common/logging.h"

namespace meridian::clock {
namespace {

constexpr double kMaxDriftPpm = 100'000;  // 10%: far beyond any real oscillator.
constexpr int64_t kMaxCommitWaitTarget = int64_t{1} << 62;

}  // namespace

TrueTime::TrueTime(PhysicalClock* clock, TrueTimeOptions options)
    : clock_(clock),
      options_(options),
      drift_factor_(options.max_drift_ppm * 1e-6 / (1 - options.max_drift_ppm * 1e-6)) {
  CHECK(clock_ != nullptr);
  CHECK_GE(options_.epsilon_ns, 0) << "epsilon_ns=" << options_.epsilon_ns;
  CHECK(options_.max_drift_ppm >= 0 && options_.max_drift_ppm < kMaxDriftPpm)
      << "max_drift_ppm=" << options_.max_drift_ppm;
  absl::MutexLock lock(&mu_);
  last_sync_local_ns_ = clock_->NowNanos();
}

int64_t TrueTime::UncertaintyAt(int64_t local_ns) const {
  // A reading behind the sync point only happens if the clock was stepped back without a
  // MarkSynchronized(); never let that shrink the bound below epsilon.
  const int64_t elapsed = local_ns > last_sync_local_ns_ ? local_ns - last_sync_local_ns_ : 0;
  // d * elapsed / (1 - d), computed from d in ppm: one multiplication and one division keep
  // whole-nanosecond results exact, so rounding up does not add a spurious nanosecond. Rounded
  // up so the bound errs on the safe side; since d / (1 - d) < 1, the result grows by at most 1
  // per nanosecond of `local_ns`, so EarliestAt() never decreases.
  const double ppm = options_.max_drift_ppm;
  const auto drift =
      static_cast<int64_t>(std::ceil(ppm * static_cast<double>(elapsed) / (1e6 - ppm)));
  return options_.epsilon_ns + drift;
}

TimeInterval TrueTime::Now() {
  absl::MutexLock lock(&mu_);
  const int64_t local = clock_->NowNanos();
  const int64_t eps = UncertaintyAt(local);
  return TimeInterval{local - eps, local + eps};
}

void TrueTime::MarkSynchronized() {
  absl::MutexLock lock(&mu_);
  last_sync_local_ns_ = clock_->NowNanos();
}

bool TrueTime::After(int64_t t_ns) { return t_ns < Now().earliest_ns; }

bool TrueTime::Before(int64_t t_ns) { return t_ns > Now().latest_ns; }

int64_t TrueTime::CommitWaitNanos(Timestamp t) {
  CHECK_LT(t.wall_ns, kMaxCommitWaitTarget) << "commit-wait target " << t.ToString();
  absl::MutexLock lock(&mu_);
  const int64_t local = clock_->NowNanos();
  const int64_t earliest = EarliestAt(local);
  if (t.wall_ns < earliest) return 0;
  // While waiting w, earliest advances by w minus the uncertainty gained, about
  // w * (1 - drift_factor_). Estimate from that, then settle the rounding exactly; EarliestAt()
  // is non-decreasing, so the smallest sufficient wait is well defined.
  const double gap = static_cast<double>(t.wall_ns - earliest) + 1;
  int64_t wait = static_cast<int64_t>(std::ceil(gap / (1 - drift_factor_)));
  while (EarliestAt(local + wait) <= t.wall_ns) ++wait;
  while (wait > 1 && EarliestAt(local + wait - 1) > t.wall_ns) --wait;
  return wait;
}

void TrueTime::CommitWait(Timestamp t) {
  for (;;) {
    const int64_t wait = CommitWaitNanos(t);
    if (wait == 0) return;
    clock_->SleepForNanos(wait);
  }
}

}  // namespace meridian::clock
