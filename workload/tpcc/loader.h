// Loader: the initial population, loaded in parallel in transactions of a bounded size.
//
// The population is cut into units of work: ranges of items, each warehouse with its
// districts, ranges of a warehouse's stock, each district's customers (with their history)
// and each district's orders (with their lines and new orders). Worker threads, each with
// its own connection (spread over the URLs given), take units in turn. A unit draws from
// its own TpccRandom, seeded from the load's seed and the unit, so the data does not depend
// on which worker loads what, or when.
//
// A unit's rows go to the server with COPY ... FROM STDIN, one COPY (one transaction) per
// `batch_rows` rows of a table at most, so no transaction grows with the scale. A COPY that
// fails with 40001 or 40P01 is sent again; any other error stops the load.
//
// Thread-safety: Load blocks until every worker has finished; it is not reentrant.
#ifndef MERIDIAN_WORKLOAD_TPCC_LOADER_H_
#define MERIDIAN_WORKLOAD_TPCC_LOADER_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "workload/tpcc/population.h"
#include "workload/tpcc/progress.h"
#include "workload/tpcc/schema.h"

namespace meridian::workload::tpcc {

struct LoadOptions {
  std::vector<std::string> urls;  // workers connect round-robin
  int workers = 4;
  int batch_rows = 1000;  // rows per COPY (transaction), per table
  uint64_t seed = 0;
};

// A row as a line of COPY's text format: fields separated by tabs, NULL as \N, and
// backslash, tab, newline and carriage return escaped.
void AppendCopyLine(const Row& row, std::string* out);

// The rows each table will hold at `scale` (ORDER_LINE: the expected 10 lines per order).
std::array<int64_t, kTables> ExpectedRows(const Scale& scale);

// Loads `population` (its scale and constants) into empty tables.
absl::Status Load(const Population& population, const LoadOptions& options, Progress* progress);

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_LOADER_H_
