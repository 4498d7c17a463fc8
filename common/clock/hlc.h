// Hlc: a hybrid logical clock that hands out strictly increasing timestamps.
//
// A timestamp's wall part follows the node's PhysicalClock; its logical part breaks ties and
// keeps the clock moving forward when the physical reading stalls or steps backwards. Every
// timestamp a node hands out is greater than every timestamp it has handed out or seen:
//
//   Now():     wall = max(last.wall, physical); logical = last.logical + 1 if the wall part
//              did not move, else 0. (If the logical counter would overflow, the wall part
//              moves up by one nanosecond instead.)
//   Update(r): after it returns OK, every later Now() is > r.
//
// Update() optionally refuses a timestamp whose wall part is more than `max_offset_ns` ahead
// of the local physical clock: ratcheting to it would drag this node's timestamps far into
// the future on the word of a peer whose clock is broken. The refusal leaves the clock as it
// was.
//
// Hlc gives order, not an error bound; pair it with TrueTime (true_time.h) for commit wait.
//
// Thread-safety: all methods are safe to call concurrently; one mutex serializes them, so
// timestamps are strictly increasing across all callers, not only per thread.
#ifndef MERIDIAN_COMMON_CLOCK_HLC_H_
#define MERIDIAN_COMMON_CLOCK_HLC_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/physical_clock.h"
#include "common/timestamp.h"

namespace meridian::clock {

struct HlcOptions {
  // Largest amount a received timestamp's wall part may lead the local physical clock;
  // 0 disables the check. REQUIRES: >= 0.
  int64_t max_offset_ns = 0;
};

class Hlc {
 public:
  // `clock` must outlive this object.
  explicit Hlc(PhysicalClock* clock, HlcOptions options = {});
  Hlc(const Hlc&) = delete;
  Hlc& operator=(const Hlc&) = delete;

  // A timestamp strictly greater than every one returned or accepted before.
  Timestamp Now();

  // Ratchets the clock past `received` (e.g. a timestamp carried by an RPC), so that every
  // later Now() is > received. Returns kFailedPrecondition, and leaves the clock unchanged,
  // if max_offset_ns is set and received.wall_ns > physical reading + max_offset_ns.
  absl::Status Update(Timestamp received);

  // The largest timestamp returned by Now() or accepted by Update() so far (zero initially).
  Timestamp Last();

 private:
  PhysicalClock* const clock_;
  const HlcOptions options_;

  absl::Mutex mu_;
  Timestamp last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::clock

#endif  // MERIDIAN_COMMON_CLOCK_HLC_H_
