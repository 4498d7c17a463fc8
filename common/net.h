// Small network helpers for drivers and tests.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_COMMON_NET_H_
#define MERIDIAN_COMMON_NET_H_

#include "absl/status/statusor.h"

namespace meridian {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
absl::StatusOr<int> FreeLoopbackPort();

}  // namespace meridian

#endif  // MERIDIAN_COMMON_NET_H_
