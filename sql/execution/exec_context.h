// ExecContext: everything one execution of a statement needs besides its plan: the
// transaction, bound parameter values, the statement time, cached results of uncorrelated
// subqueries, cancellation, and counters for EXPLAIN ANALYZE.
//
// Thread-safety: used by the statement's thread; only `cancelled` is touched by others.
#ifndef MERIDIAN_SQL_EXECUTION_EXEC_CONTEXT_H_
#define MERIDIAN_SQL_EXECUTION_EXEC_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/execution/memory_budget.h"
#include "sql/expr/expr_eval.h"
#include "sql/planner/physical_plan.h"
#include "txn/range_map.h"
#include "txn/txn_client.h"

namespace meridian::sql {

class ExecContext : public ExprContext {
 public:
  txn::Txn* txn = nullptr;
  const txn::RangeMap* range_map = nullptr;  // for EXPLAIN ANALYZE's ranges touched
  const std::atomic<bool>* cancelled = nullptr;
  // The statement fails with 57014 once this passes (statement_timeout); 0: no limit.
  absl::Time deadline = absl::InfiniteFuture();
  // What the statement's operators may hold at once (statement_memory_limit).
  MemoryBudget memory;
  // Set by the session when the statement is a transaction of its own, committed right
  // after it. The statement may then commit it itself (a single-row UPDATE run at its range,
  // txn::Txn::CommitUpdate), calling this first (the descriptor leases' bounds), or leave a
  // check to that commit (an INSERT's or COPY's primary-key uniqueness, txn::Txn::RequireAbsent).
  std::function<absl::Status(txn::Txn&)> commit_alone;
  // Runs a subquery's plan to completion; set by the session.
  std::function<absl::StatusOr<std::vector<Row>>(const PhysicalNode&, ExecContext&)> run_subquery;

  // Results.
  int64_t rows_affected = 0;
  std::set<uint64_t> ranges_touched;
  int64_t kv_reads = 0;   // Get and Scan calls
  int64_t rows_read = 0;  // rows (and index entries) those calls returned

  // Real time, in steps, returning early with 57014 when the statement is cancelled.
  absl::Status Sleep(double seconds) override;
  // Read once per execution through `txn`.
  absl::StatusOr<std::vector<TablePtr>> Tables() override;
  // Pages through the span with `txn` (locking it, in a read-write transaction).
  absl::StatusOr<int64_t> StoredBytes(std::string_view start, std::string_view end) override;

  // The rows of an uncorrelated subquery, computed once per execution.
  absl::StatusOr<const std::vector<Row>*> Subquery(const PhysicalNode& plan);
  // The rows of subquery expression `e` (kSubquery, kExists, kInSubquery) evaluated on
  // `row`. A correlated subquery runs with `row` as its innermost enclosing row, once per
  // distinct combination of the enclosing values it reads (memoized for the execution).
  absl::StatusOr<const std::vector<Row>*> Subquery(const BoundExpr& e,
                                                   absl::Span<const Value> row) override;
  // A column of an enclosing row (kOuterColumn).
  absl::StatusOr<Value> OuterValue(int depth, int index) const override;
  absl::Status CheckCancelled() const;
  void Touch(std::string_view start, std::string_view end = {});

 private:
  std::map<const PhysicalNode*, std::vector<Row>> subqueries_;
  std::vector<Row> outer_rows_;  // enclosing rows of the correlated subqueries running
  std::map<std::pair<const PhysicalNode*, std::string>, std::vector<Row>> correlated_;
  // What the two caches above hold of the budget.
  std::unique_ptr<MemoryAccount> subquery_memory_, correlated_memory_;
  std::optional<std::vector<TablePtr>> tables_;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXECUTION_EXEC_CONTEXT_H_
