// NURandConstants: the run-time constants C of NURand (clause 2.1.6), one per field that
// NURand draws (C_LAST, C_ID, OL_I_ID), and the rule of clause 2.1.6.1 that ties the
// constants of a measurement run to those the initial population was loaded with:
//
//   C_Delta = |C_Run - C_Load| for C_LAST must lie in [65 .. 119] and be neither 96 nor 112.
//
// The rule keeps the run from hitting exactly the last names the load made common, so a
// database cannot be tuned to the load's skew. C for C_ID and OL_I_ID is any value in
// [0 .. A]; the clause sets no relation between their load and run values.
//
// `init` draws the load constants and stores them in the database (tpcc_meta); `run` reads
// them back and draws its own with ForRun.
//
// Thread-safety: plain values and pure functions.
#ifndef MERIDIAN_WORKLOAD_TPCC_NURAND_CONSTANTS_H_
#define MERIDIAN_WORKLOAD_TPCC_NURAND_CONSTANTS_H_

#include <cstdint>

#include "workload/tpcc/random.h"

namespace meridian::workload::tpcc {

// The A of NURand(A, x, y) for each field (clause 2.1.6).
inline constexpr int64_t kCLastA = 255;
inline constexpr int64_t kCIdA = 1023;
inline constexpr int64_t kOlIIdA = 8191;

struct NURandConstants {
  int64_t c_last = 0;   // in [0, 255]
  int64_t c_id = 0;     // in [0, 1023]
  int64_t ol_i_id = 0;  // in [0, 8191]

  // Constants for loading: each drawn uniformly from [0 .. A].
  static NURandConstants ForLoad(TpccRandom& rng);
  // Constants for a run against a population loaded with `load`: C_LAST so that the delta
  // rule holds (the delta drawn uniformly from the allowed values, the sign as needed to
  // stay in [0, 255]); C_ID and OL_I_ID drawn uniformly from [0 .. A].
  static NURandConstants ForRun(const NURandConstants& load, TpccRandom& rng);

  // Whether every constant is inside its [0 .. A].
  bool InRange() const;
};

// Whether a run constant for C_LAST is allowed against the load constant (clause 2.1.6.1).
bool ValidCLastDelta(int64_t c_load, int64_t c_run);

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_NURAND_CONSTANTS_H_
