// RunSummary: what `meridian workload tpcc run` reports at the end, computed from the
// measurement window's figures (RunStats) and printed as text or as JSON (--json):
//   - tpmC: New-Orders completed per minute of the window (the 1% that roll back on
//     purpose complete as the spec prescribes and are counted), and the efficiency against
//     the 12.86 tpmC per warehouse that the keying and think times allow (scaled by 1/wait
//     when --wait scales them);
//   - per transaction type: count, share of the mix, errors, retries, statements per
//     transaction, and p50/p90/p95/p99/max response time;
//   - checks: each type's share against the minimums of clause 5.2.3, each type's 90th
//     percentile against the limits of clause 5.2.5.3, and the input rates (the audit of
//     clause 5.5.1.5) against bands around the spec's targets (see InputBands(); the band
//     widths are this tool's choice, not quoted from the spec).
// A check is PASS, FAIL, or n/a when the run had too few samples to judge it (a band is
// judged only when at least 20 events were expected in it).
//
// Thread-safety: plain values and pure functions.
#ifndef MERIDIAN_WORKLOAD_TPCC_SUMMARY_H_
#define MERIDIAN_WORKLOAD_TPCC_SUMMARY_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include "workload/tpcc/run_stats.h"
#include "workload/tpcc/scale.h"
#include "workload/tpcc/transaction_type.h"

namespace meridian::workload::tpcc {

struct SummaryCheck {
  enum class Outcome { kPass, kFail, kNotApplicable };
  std::string name;    // "mix newOrder", "p90 payment", "remote order lines"
  std::string clause;  // "5.2.3"
  double value = 0;    // the measured figure (percent or seconds)
  double low = 0;      // the band it must lie in
  double high = 0;
  std::string unit;  // "%" or "s"
  Outcome outcome = Outcome::kPass;
};

// The input rates as (name, lower, upper) in percent, with what each is a rate of.
struct InputBand {
  const char* name;
  double target;  // the spec's rate
  double low, high;
};
const std::vector<InputBand>& InputBands();

struct RunSummary {
  Scale scale;         // the database's (from tpcc_meta)
  int warehouses = 1;  // the run's
  int terminals = 0;
  int workers = 0;
  int conns = 0;
  double wait = 1;  // the keying/think time factor
  bool prepared = true;
  std::string isolation = "repeatable read";  // of the read-write transactions
  std::string system;                         // "Meridian" or "PostgreSQL"
  double window_seconds = 0;                  // the measurement window
  std::array<TypeStats, kTxnTypes> types;
  InputAudit audit;
  std::map<std::string, ErrorCount> errors;

  double TpmC() const;
  // The highest tpmC the run's pacing allows: 12.86 per warehouse at the spec's keying
  // and think times, 12.86 / wait per warehouse when they are scaled by `wait`; at
  // --wait=0 there is no ceiling and the spec's 12.86 is the reference.
  double MaxTpmC() const;
  // tpmC / MaxTpmC(), in percent.
  double EfficiencyPercent() const;
  int64_t TotalCompleted() const;
  std::vector<SummaryCheck> Checks() const;
  // Whether any check failed (n/a does not fail).
  bool AnyCheckFailed() const;

  std::string Text() const;
  std::string Json() const;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_SUMMARY_H_
