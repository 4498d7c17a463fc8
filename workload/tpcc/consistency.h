// ConsistencyChecker: `meridian workload tpcc check`, the consistency conditions of clause
// 3.3.2 (3.3.2.1 to 3.3.2.12), each a query that returns the rows breaking it (none: PASS).
// All of them read one consistent snapshot:
//   - Meridian: one read-only transaction AS OF SYSTEM TIME the server's clock when the
//     check starts (a transaction acknowledged before then has a commit timestamp below
//     it once the clocks agree within the TrueTime bound; the snapshot is consistent
//     whatever the moment);
//   - PostgreSQL: one REPEATABLE READ READ ONLY transaction.
//
// The conditions over every order, order line or customer (3.3.2.5, 6, 7, 10, 12) are
// costly and run only with `expensive`; they run one warehouse at a time, so that their
// hash tables stay within a statement's memory however many warehouses there are.
// Condition 3.3.2.11 holds only until the first Delivery; once one has run (an order that
// was new at load time, or placed since, has a carrier) it is reported as not applicable.
//
// Thread-safety: RunChecks uses one connection from the calling thread.
#ifndef MERIDIAN_WORKLOAD_TPCC_CONSISTENCY_H_
#define MERIDIAN_WORKLOAD_TPCC_CONSISTENCY_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meridian::workload::tpcc {

struct CheckOptions {
  std::string url;
  bool expensive = false;
  int rows_shown = 10;  // offending rows printed per failed condition
};

struct ConditionResult {
  enum class Outcome { kPass, kFail, kSkipped, kNotApplicable };
  std::string clause;  // "3.3.2.1"
  std::string title;
  Outcome outcome = Outcome::kPass;
  std::string note;  // why skipped / not applicable
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // the offending rows
  double seconds = 0;
};

// Runs the conditions, printing each outcome to `out` as it is known. An error (no TPC-C
// database, a query that fails) is returned as a status; a failed condition is not an
// error: the caller looks at the outcomes.
absl::StatusOr<std::vector<ConditionResult>> RunChecks(const CheckOptions& options,
                                                       std::FILE* out);

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_CONSISTENCY_H_
