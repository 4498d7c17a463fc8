#include "workload/tpcc/init.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "workload/tpcc/meta.h"
#include "workload/tpcc/nurand_constants.h"
#include "workload/tpcc/population.h"
#include "workload/tpcc/progress.h"
#include "workload/tpcc/schema.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {

absl::Status RunInit(const InitOptions& options, std::FILE* out) {
  RETURN_IF_ERROR(options.scale.Validate());
  ASSIGN_OR_RETURN(std::unique_ptr<SqlRunner> db,
                   SqlRunner::Connect(options.urls.at(0), SqlRunner::Protocol::kSimple));
  std::fprintf(out, "TPC-C init: %s, on %s\n", options.scale.Describe().c_str(),
               db->meridian() ? "Meridian" : "PostgreSQL");

  // The schema.
  if (options.drop) {
    for (const std::string& sql : DropStatements()) RETURN_IF_ERROR(db->Simple(sql));
  } else {
    for (Table t : kAllTables) {
      ASSIGN_OR_RETURN(auto exists,
                       db->Run("SELECT 1 FROM information_schema.tables WHERE table_name = $1",
                               {std::string(TableName(t))}));
      if (!exists.rows.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "table ", TableName(t), " exists already: pass --drop to replace the TPC-C tables"));
      }
    }
  }
  for (const std::string& sql : CreateStatements()) RETURN_IF_ERROR(db->Simple(sql));

  // The population.
  TpccRandom rng(options.load.seed);
  TpccMeta meta;
  meta.scale = options.scale;
  meta.load = NURandConstants::ForLoad(rng);
  meta.seed = options.load.seed;
  meta.loaded_at = absl::FormatTime("%Y-%m-%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone());
  Population population(options.scale, meta.load, meta.loaded_at);
  LoadOptions load = options.load;
  load.urls = options.urls;
  std::fprintf(out,
               "loading with %d workers, at most %d rows per transaction (seed %llu; NURand "
               "C_Load: C_LAST %lld, C_ID %lld, OL_I_ID %lld)\n",
               load.workers, load.batch_rows, static_cast<unsigned long long>(load.seed),
               static_cast<long long>(meta.load.c_last), static_cast<long long>(meta.load.c_id),
               static_cast<long long>(meta.load.ol_i_id));
  std::fflush(out);
  Progress progress(ExpectedRows(options.scale), out, options.terminal);
  const absl::Time start = absl::Now();
  progress.Start();
  absl::Status loaded = Load(population, load, &progress);
  progress.Stop();
  RETURN_IF_ERROR(loaded);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  // Statistics for PostgreSQL's planner (Meridian accepts ANALYZE and plans by rule).
  RETURN_IF_ERROR(db->Simple("ANALYZE"));
  RETURN_IF_ERROR(meta.Write(*db));
  int64_t rows = 0;
  for (Table t : kAllTables) rows += progress.done(t);
  std::fprintf(out, "loaded %lld rows in %.1f s (%.0f rows/s); %.1f s per warehouse%s\n",
               static_cast<long long>(rows), seconds, rows / std::max(seconds, 1e-9),
               seconds / options.scale.warehouses,
               options.scale.SpecSized() ? "" : " (NOT spec-sized)");
  return absl::OkStatus();
}

}  // namespace meridian::workload::tpcc
