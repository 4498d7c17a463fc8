// Clock discipline: decides from measured peer clock offsets whether this node's clock is
// trustworthy enough to serve.
//
// Every Paxos RPC (and an idle probe every 200 ms) returns the receiver's wall clock, so the
// sender estimates offset = peer - local with uncertainty = RTT/2. A node serves only while
// it has fresh evidence that its clock agrees with the cluster:
//   - with no peers, there is nothing to compare and it serves;
//   - otherwise at least half of its peers (so, with itself, a majority of the cluster) must
//     have a sample younger than `max_sample_age_ns` that does not show the clocks apart by
//     more than `max_offset_ns` (|offset| - uncertainty <= max_offset).
// A node whose clock is off from the majority therefore stops serving and says why. Its peers
// keep serving: from their side only one peer disagrees.
//
// Thread-safety: pure functions.
#ifndef MERIDIAN_SERVER_CLOCK_MONITOR_H_
#define MERIDIAN_SERVER_CLOCK_MONITOR_H_

#include <cstdint>
#include <map>
#include <string>

#include "server/transport.h"

namespace meridian::server {

struct ClockHealth {
  bool healthy = false;
  std::string problem;  // why it is not healthy (for logs, status and client errors)
};

ClockHealth EvaluateClock(const std::map<NodeId, ClockSample>& samples, size_t num_peers,
                          int64_t now_ns, int64_t max_offset_ns, int64_t max_sample_age_ns);

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_CLOCK_MONITOR_H_
