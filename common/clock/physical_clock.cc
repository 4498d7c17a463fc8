#include "common/clock/physical_clock.h"

#include <time.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"

namespace meridian::clock {

SystemClock* SystemClock::Default() {
  static SystemClock* const clock = new SystemClock();
  return clock;
}

int64_t SystemClock::NowNanos() {
  struct timespec ts;
  CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0) << "clock_gettime(CLOCK_REALTIME) failed";
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void SystemClock::SleepForNanos(int64_t ns) {
  if (ns <= 0) return;
  absl::SleepFor(absl::Nanoseconds(ns));
}

int64_t ManualClock::NowNanos() {
  absl::MutexLock lock(&mu_);
  return now_ns_;
}

void ManualClock::SleepForNanos(int64_t ns) {
  if (ns <= 0) return;
  Advance(ns);
}

void ManualClock::Set(int64_t now_ns) {
  absl::MutexLock lock(&mu_);
  now_ns_ = now_ns;
}

void ManualClock::Advance(int64_t ns) {
  CHECK_GE(ns, 0) << "ManualClock::Advance by " << ns;
  absl::MutexLock lock(&mu_);
  now_ns_ += ns;
}

}  // namespace meridian::clock
