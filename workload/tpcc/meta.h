// TpccMeta: how a TPC-C database was loaded, kept in its tpcc_meta table (key/value text)
// so that `run` and `check` take the scale and the NURand load constants from the data
// rather than from flags that could disagree with it: `run` needs C_Load for the C-delta
// rule, `check` the scale for the conditions that depend on it. `init` writes the row set
// last, in one statement, so its presence also says the load completed.
//
// Thread-safety: a plain value; Read/Write use the runner given.
#ifndef MERIDIAN_WORKLOAD_TPCC_META_H_
#define MERIDIAN_WORKLOAD_TPCC_META_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "workload/tpcc/nurand_constants.h"
#include "workload/tpcc/scale.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {

struct TpccMeta {
  Scale scale;
  NURandConstants load;
  uint64_t seed = 0;
  std::string loaded_at;  // the population's "current time" (C_SINCE, O_ENTRY_D, ...)

  absl::Status Write(SqlRunner& db) const;
  // FailedPrecondition with advice when the database holds no (complete) TPC-C load.
  static absl::StatusOr<TpccMeta> Read(SqlRunner& db);
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_META_H_
