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
#include "sql/functions/functions.h"
#include "sql/planner/logical_plan.h"
#include "txn/range_map.h"
#include "txn/txn_client.h"

namespace meridian::sql {

using Row = std::vector<Value>;

class ExecContext : public EvalContext {
 public:
  txn::Txn* txn = nullptr;
  const txn::RangeMap* range_map = nullptr;  // for EXPLAIN ANALYZE's ranges touched
  std::vector<Value> params;
  int64_t statement_time_micros = 0;
  std::string database = "meridian";
  std::string user = "root";
  int32_t backend_pid = 0;
  uint64_t node_id = 1;
  const std::atomic<bool>* cancelled = nullptr;
  // Runs a subquery plan (optimizing it first); set by the session.
  std::function<absl::StatusOr<std::vector<Row>>(const LogicalNode&, ExecContext&)> run_subquery;

  // Results.
  int64_t rows_affected = 0;
  std::set<uint64_t> ranges_touched;
  int64_t kv_reads = 0;   // Get and Scan calls
  int64_t rows_read = 0;  // rows (and index entries) those calls returned

  int64_t StatementTimeMicros() const override { return statement_time_micros; }
  std::string Database() const override { return database; }
  std::string User() const override { return user; }
  int64_t UniqueRowId() override;
  uint64_t Random() override;
  int32_t BackendPid() const override { return backend_pid; }
  absl::Status Sleep(double seconds) override;
  // Read once per execution through `txn`.
  absl::StatusOr<std::vector<TablePtr>> Tables() override;
  // Pages through the span with `txn` (locking it, in a read-write transaction).
  absl::StatusOr<int64_t> StoredBytes(std::string_view start, std::string_view end) override;

  // The rows of an uncorrelated subquery, computed once per execution.
  absl::StatusOr<const std::vector<Row>*> Subquery(const LogicalNode& plan);
  // The rows of subquery expression `e` (kSubquery, kExists, kInSubquery) evaluated on
  // `row`. A correlated subquery runs with `row` as its innermost enclosing row, once per
  // distinct combination of the enclosing values it reads (memoized for the execution).
  absl::StatusOr<const std::vector<Row>*> Subquery(const BoundExpr& e, absl::Span<const Value> row);
  // A column of an enclosing row (kOuterColumn).
  absl::StatusOr<Value> OuterValue(int depth, int index) const;
  absl::Status CheckCancelled() const;
  void Touch(std::string_view start, std::string_view end = {});

 private:
  std::map<const LogicalNode*, std::vector<Row>> subqueries_;
  std::vector<Row> outer_rows_;  // enclosing rows of the correlated subqueries running
  std::map<std::pair<const LogicalNode*, std::string>, std::vector<Row>> correlated_;
  uint64_t rng_state_ = 0;
  std::optional<std::vector<TablePtr>> tables_;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXECUTION_EXEC_CONTEXT_H_
