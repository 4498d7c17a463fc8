#include "workload/tpcc/pacing.h"

#include <algorithm>
#include <cmath>

#include "common/logging.h"

namespace meridian::workload::tpcc {

Pacing::Pacing(double scale) : scale_(scale) { CHECK(scale >= 0); }

double Pacing::KeyingSeconds(TxnType type) const { return scale_ * Info(type).keying_seconds; }

double Pacing::ThinkSeconds(TxnType type, TpccRandom& rng) const {
  if (scale_ == 0) return 0;
  const double mean = Info(type).think_mean_seconds;
  const double think = std::min(-std::log(rng.UnitInterval()) * mean, 10 * mean);
  return scale_ * think;
}

}  // namespace meridian::workload::tpcc
