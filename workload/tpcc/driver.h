// Driver: `meridian workload tpcc run`, the remote terminal emulator of clause 5.
//
//   terminals (10 per warehouse, each with its home warehouse, its own district for
//   Stock-Level, its own deck of cards and its own seeded generator; flat out, as many
//   as there are workers if that is more)
//        | dealt round-robin to
//   workers (threads; each serves its terminals in the order their waits end)
//        | take, per transaction, one of
//   connections (a pool spread over the --db URLs)
//
// A terminal cycles: deal a card (clause 5.2.4.2), wait the keying time, run the
// transaction, wait the think time (clause 5.2.5; both scaled by --wait, 0 = flat out).
// A transaction that fails with 40001 or 40P01 is rolled back and run again with the same
// inputs (its response time includes the retries); any other error is rolled back,
// counted under its SQLSTATE and the terminal moves on. The first `ramp` is not measured;
// the window is the `duration` after it, and counts the transactions finishing inside it.
// A line per second per transaction type goes to `lines`; the summary is returned.
//
// Thread-safety: RunWorkload starts and joins its own threads.
#ifndef MERIDIAN_WORKLOAD_TPCC_DRIVER_H_
#define MERIDIAN_WORKLOAD_TPCC_DRIVER_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "workload/tpcc/sql_runner.h"
#include "workload/tpcc/summary.h"

namespace meridian::workload::tpcc {

struct RunOptions {
  std::vector<std::string> urls;
  SqlRunner::Protocol protocol = SqlRunner::Protocol::kPrepared;
  int warehouses = 0;  // 0: every loaded warehouse
  int workers = 0;     // 0: one per terminal
  int conns = 0;       // 0: one per worker
  double wait = 1;     // keying/think time factor
  absl::Duration duration = absl::Minutes(1);
  absl::Duration ramp = absl::ZeroDuration();
  uint64_t seed = 0;
  int max_retries = 100;  // per transaction
  // The read-write transactions' isolation level, the same on every system: "repeatable
  // read" (snapshot isolation, under which TPC-C is serializable) or "serializable".
  std::string isolation = "repeatable read";
};

absl::StatusOr<RunSummary> RunWorkload(const RunOptions& options, std::FILE* lines);

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_DRIVER_H_
