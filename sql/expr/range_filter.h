// Filters that run next to the data: the part of a scan's filter a range can evaluate while
// it scans a table's primary index, so rows that cannot match never cross the network.
//
// The planner marks the conjuncts a range can run (CanRunAtRange: columns of the scanned
// row, constants, operators and non-volatile built-ins; no subqueries). At execution the
// scan encodes them (EncodeRangeFilter), replacing every constant subtree -- parameters,
// outer columns of a correlated subquery, now() -- by its value, and sends the bytes with
// each scan request (txn::Txn::Scan's `filter`). A node compiles them back
// (CompileRangeFilter, its txn::ScanFilterCompiler) and drops rows for which the filter is
// false or NULL. A row whose evaluation fails is kept: the SQL node re-checks every row it
// receives against the whole filter and reports the error with its SQLSTATE, so a range that
// cannot or does not filter changes nothing but the traffic.
//
// Thread-safety: the functions are stateless; a compiled filter is used by one thread.
#ifndef MERIDIAN_SQL_EXPR_RANGE_FILTER_H_
#define MERIDIAN_SQL_EXPR_RANGE_FILTER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/bound_expr.h"
#include "sql/expr/expr_eval.h"
#include "txn/row_update.h"
#include "txn/scan_filter.h"

namespace meridian::sql {

// Whether a range can evaluate `e` over the scanned table's rows.
bool CanRunAtRange(const BoundExpr& e);

// The wire form of `filter` (which CanRunAtRange accepted) over `table`'s rows, with constant
// subtrees evaluated in `ctx`. An error means the filter cannot be sent this time (for
// example, a constant subtree fails to evaluate); the scan then goes unfiltered.
absl::StatusOr<std::string> EncodeRangeFilter(const TableInfo& table, const BoundExpr& filter,
                                              ExprContext& ctx);

// The node side: a filter from EncodeRangeFilter's bytes. Malformed input is an error.
absl::StatusOr<std::unique_ptr<txn::ScanFilter>> CompileRangeFilter(std::string_view bytes);

// A single-row UPDATE run at the row's range (txn/row_update.h): `columns` gives every
// column of `table`'s new row over the current one, `where` (may be null) whether to update
// it at all; all must pass CanRunAtRange. The range checks NOT NULL as the SQL node would.
absl::StatusOr<std::string> EncodeRowUpdate(const TableInfo& table,
                                            const std::vector<BoundExprPtr>& columns,
                                            const BoundExprPtr& where, ExprContext& ctx);
absl::StatusOr<std::unique_ptr<txn::RowUpdate>> CompileRowUpdate(std::string_view bytes);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXPR_RANGE_FILTER_H_
