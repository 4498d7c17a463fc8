#include "workload/tpcc/nurand_constants.h"

#include <cstdlib>
#include <vector>

#include "common/logging.h"

namespace meridian::workload::tpcc {

bool ValidCLastDelta(int64_t c_load, int64_t c_run) {
  const int64_t delta = std::llabs(c_run - c_load);
  return delta >= 65 && delta <= 119 && delta != 96 && delta != 112;
}

NURandConstants NURandConstants::ForLoad(TpccRandom& rng) {
  return NURandConstants{.c_last = rng.Uniform(0, kCLastA),
                         .c_id = rng.Uniform(0, kCIdA),
                         .ol_i_id = rng.Uniform(0, kOlIIdA)};
}

NURandConstants NURandConstants::ForRun(const NURandConstants& load, TpccRandom& rng) {
  CHECK(load.InRange()) << "load constants out of range";
  std::vector<int64_t> deltas;
  for (int64_t d = 65; d <= 119; ++d) {
    if (d != 96 && d != 112) deltas.push_back(d);
  }
  const int64_t delta = deltas[static_cast<size_t>(rng.Uniform(0, deltas.size() - 1))];
  // One of load ± delta is always in [0, 255]: delta <= 119 and 255 >= 2 * 119.
  int64_t c_last = rng.Percent(50) ? load.c_last + delta : load.c_last - delta;
  if (c_last > kCLastA) c_last = load.c_last - delta;
  if (c_last < 0) c_last = load.c_last + delta;
  NURandConstants run{
      .c_last = c_last, .c_id = rng.Uniform(0, kCIdA), .ol_i_id = rng.Uniform(0, kOlIIdA)};
  CHECK(ValidCLastDelta(load.c_last, run.c_last) && run.InRange());
  return run;
}

bool NURandConstants::InRange() const {
  return c_last >= 0 && c_last <= kCLastA && c_id >= 0 && c_id <= kCIdA && ol_i_id >= 0 &&
         ol_i_id <= kOlIIdA;
}

}  // namespace meridian::workload::tpcc
