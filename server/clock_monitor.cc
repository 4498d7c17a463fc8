#include "server/clock_monitor.h"

#include <cstdlib>

#include "absl/strings/str_format.h"

namespace meridian::server {

ClockHealth EvaluateClock(const std::map<NodeId, ClockSample>& samples, size_t num_peers,
                          int64_t now_ns, int64_t max_offset_ns, int64_t max_sample_age_ns) {
  if (num_peers == 0) return ClockHealth{true, ""};
  size_t agree = 0, fresh = 0;
  std::string worst;
  int64_t worst_gap = -1;
  for (const auto& [peer, s] : samples) {
    if (now_ns - s.measured_at_ns > max_sample_age_ns) continue;
    ++fresh;
    int64_t gap = std::llabs(s.offset_ns) - s.uncertainty_ns;
    if (gap <= max_offset_ns) {
      ++agree;
    } else if (gap > worst_gap) {
      worst_gap = gap;
      worst = absl::StrFormat("node %d's clock differs from ours by %.3f ms (+/- %.3f ms)", peer,
                              s.offset_ns / 1e6, s.uncertainty_ns / 1e6);
    }
  }
  if (agree * 2 >= num_peers) return ClockHealth{true, ""};
  if (fresh * 2 < num_peers) {
    return ClockHealth{
        false, absl::StrFormat("cannot verify the clock: fresh offset measurements from only "
                               "%d of %d peers",
                               fresh, num_peers)};
  }
  return ClockHealth{
      false, absl::StrFormat("clock offset exceeds the bound of %.3f ms against a majority of "
                             "peers (%s); refusing to serve until it is fixed",
                             max_offset_ns / 1e6, worst)};
}

}  // namespace meridian::server
