// ScanFilter: a row filter a range applies while it scans (KvRequest.filter,
// TxnRequest.filter), so rows that cannot match are not sent back. The meaning of the filter
// bytes belongs to the layer above (SQL: sql/expr/range_filter.h compiles them); this layer
// only asks each row. A node is given a ScanFilterCompiler at start; without one, ranges
// return every row and the reader filters.
//
// Thread-safety: a compiled filter is used by one thread; a compiler must be thread-safe.
#ifndef MERIDIAN_TXN_SCAN_FILTER_H_
#define MERIDIAN_TXN_SCAN_FILTER_H_

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace meridian::txn {

class ScanFilter {
 public:
  virtual ~ScanFilter() = default;
  // False: the row may be left out. Errors keep the row (the reader re-checks it and reports
  // the error itself).
  virtual absl::StatusOr<bool> Keep(std::string_view key, std::string_view value) = 0;
};

// Turns a request's filter bytes into a filter; an error means the filter is ignored.
using ScanFilterCompiler =
    std::function<absl::StatusOr<std::unique_ptr<ScanFilter>>(std::string_view filter)>;

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_SCAN_FILTER_H_
