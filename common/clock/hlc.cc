#include "common/clock/hlc.h"

#include "absl/strings/str_format.h"
#include "common/logging.h"

namespace meridian::clock {

Hlc::Hlc(PhysicalClock* clock, HlcOptions options) : clock_(clock), options_(options) {
  CHECK(clock_ != nullptr);
  CHECK_GE(options_.max_offset_ns, 0) << "max_offset_ns=" << options_.max_offset_ns;
}

Timestamp Hlc::Now() {
  absl::MutexLock lock(&mu_);
  const int64_t physical = clock_->NowNanos();
  if (physical > last_.wall_ns) {
    last_ = Timestamp{physical, 0};
  } else {
    last_ = last_.Next();
  }
  return last_;
}

absl::Status Hlc::Update(Timestamp received) {
  absl::MutexLock lock(&mu_);
  if (options_.max_offset_ns > 0) {
    const int64_t physical = clock_->NowNanos();
    // The difference of two int64 values fits in uint64 when it is positive.
    const uint64_t lead = static_cast<uint64_t>(received.wall_ns) - static_cast<uint64_t>(physical);
    if (received.wall_ns > physical && lead > static_cast<uint64_t>(options_.max_offset_ns)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "remote clock too far ahead: received timestamp %s leads the local clock (%d ns) by "
          "%d ns, more than the maximum offset of %d ns; not advancing the local clock",
          received.ToString(), physical, lead, options_.max_offset_ns));
    }
  }
  if (received > last_) last_ = received;
  return absl::OkStatus();
}

Timestamp Hlc::Last() {
  absl::MutexLock lock(&mu_);
  return last_;
}

}  // namespace meridian::clock
