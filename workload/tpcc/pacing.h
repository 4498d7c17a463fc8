// Pacing: how long a terminal waits around each transaction (clause 5.2.5): a fixed
// minimum keying time before it (5.2.5.2) and a think time after it, drawn from a negative
// exponential distribution, Tt = -ln(r) * mean with r uniform in (0, 1], cut at ten times
// the mean (5.2.5.4). `scale` multiplies both: 1 follows the specification, 0 runs flat
// out (no waiting at all), a fraction in between shortens them.
//
// Thread-safety: a Pacing is immutable; each terminal passes its own TpccRandom.
#ifndef MERIDIAN_WORKLOAD_TPCC_PACING_H_
#define MERIDIAN_WORKLOAD_TPCC_PACING_H_

#include "workload/tpcc/random.h"
#include "workload/tpcc/transaction_type.h"

namespace meridian::workload::tpcc {

class Pacing {
 public:
  // REQUIRES: scale >= 0.
  explicit Pacing(double scale);

  double scale() const { return scale_; }
  double KeyingSeconds(TxnType type) const;
  // Draws one think time (one call to rng.UnitInterval() unless scale is 0).
  double ThinkSeconds(TxnType type, TpccRandom& rng) const;

 private:
  double scale_;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_PACING_H_
