// `meridian workload tpcc init`: creates the TPC-C schema and loads the initial population
// (clauses 1 and 4.3), then records how in tpcc_meta. Tables that exist already are an
// error unless `drop` replaces them.
//
// Thread-safety: RunInit runs the loader's threads and returns when they are done.
#ifndef MERIDIAN_WORKLOAD_TPCC_INIT_H_
#define MERIDIAN_WORKLOAD_TPCC_INIT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "workload/tpcc/loader.h"
#include "workload/tpcc/scale.h"

namespace meridian::workload::tpcc {

struct InitOptions {
  std::vector<std::string> urls;  // the schema goes through the first
  Scale scale;
  bool drop = false;
  LoadOptions load;       // workers, rows per transaction, seed (urls are filled in)
  bool terminal = false;  // progress redrawn in place (stdout is a terminal)
};

absl::Status RunInit(const InitOptions& options, std::FILE* out);

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_INIT_H_
