// Physical operators: the executor's pull-based, batched iterators. Each operator hands out
// rows in batches of up to kBatchSize; blocking operators (sort, aggregate, hash join's build
// side, DML) consume their input batch by batch too.
//
//   BuildOperator(plan) turns a physical plan (sql/planner/physical_plan.h) into an
//   operator tree;
//   Next(&batch) fills `batch` with 1..kBatchSize rows and returns true, or returns false
//   (batch empty) when the rows are exhausted.
//
// Every operator counts its output rows and the time spent in it (children included), which
// EXPLAIN ANALYZE prints.
//
// Thread-safety: an operator tree is used by one thread.
#ifndef MERIDIAN_SQL_EXECUTION_OPERATOR_H_
#define MERIDIAN_SQL_EXECUTION_OPERATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/execution/exec_context.h"
#include "sql/execution/memory_budget.h"
#include "sql/planner/physical_plan.h"

namespace meridian::sql {

inline constexpr size_t kBatchSize = 1024;

class Operator {
 public:
  explicit Operator(const PhysicalNode& plan, ExecContext& ctx)
      : plan_(plan), ctx_(ctx), memory_(&ctx.memory) {}
  virtual ~Operator() = default;

  absl::StatusOr<bool> Next(std::vector<Row>* batch);

  const PhysicalNode& plan() const { return plan_; }
  const std::vector<std::unique_ptr<Operator>>& children() const { return children_; }
  int64_t rows() const { return rows_; }
  absl::Duration time() const { return time_; }

 protected:
  virtual absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) = 0;

  const PhysicalNode& plan_;
  ExecContext& ctx_;
  std::vector<std::unique_ptr<Operator>> children_;
  // What this operator holds of the statement's memory budget (sql/execution/memory_budget.h).
  MemoryAccount memory_;

 private:
  int64_t rows_ = 0;
  absl::Duration time_;
};

// An operator with one input.
class UnaryOperator : public Operator {
 public:
  UnaryOperator(const PhysicalNode& plan, ExecContext& ctx, std::unique_ptr<Operator> child)
      : Operator(plan, ctx) {
    children_.push_back(std::move(child));
  }
};

// A blocking operator with one input: on the first Next it computes all its rows (Fill),
// then hands them out in batches.
class BufferedOperator : public UnaryOperator {
 public:
  using UnaryOperator::UnaryOperator;

 protected:
  // Appends every output row to `out`.
  virtual absl::Status Fill(std::vector<Row>* out) = 0;
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) final;

 private:
  bool filled_ = false;
  std::vector<Row> rows_;
  size_t next_ = 0;
};

absl::StatusOr<std::unique_ptr<Operator>> BuildOperator(const PhysicalNode& plan, ExecContext& ctx);

// Runs `op` to completion, appending every row to `out`, charged to `account` if given
// (53200 when the budget runs out).
absl::Status Drain(Operator& op, std::vector<Row>* out, MemoryAccount* account = nullptr);

// Operators implemented in their own files.
std::unique_ptr<Operator> NewScanOperator(const PhysicalNode& plan, ExecContext& ctx);
// The key of the one row a scan reads when it is a point lookup by the whole primary key
// (equalities on every key column; no IN list, bounds or limit); nullopt for any other scan,
// or when the values can select no row (a NULL).
absl::StatusOr<std::optional<std::string>> PointScanKey(const TableScanOp& op, ExecContext& ctx);
std::unique_ptr<Operator> NewIndexJoinOperator(const PhysicalNode& plan, ExecContext& ctx,
                                               std::unique_ptr<Operator> left);
absl::StatusOr<std::unique_ptr<Operator>> NewDmlOperator(const PhysicalNode& plan, ExecContext& ctx,
                                                         std::unique_ptr<Operator> child);

// Reads rows of `table` through index constraint `c` (evaluated in `ctx`), appending those
// that pass `filter` (may be null), at most `limit` (0 = all). Used by scans and index
// joins.
class TableReader {
 public:
  TableReader(const TableInfo& table, ExecContext& ctx, bool for_update)
      : table_(table), ctx_(ctx), for_update_(for_update) {}
  // Every row whose key columns of index `index_id` start with `prefix_values` (already in
  // column types), up to `limit` rows after `filter`.
  absl::Status ReadPrefix(uint32_t index_id, const std::vector<Value>& prefix_values,
                          const BoundExpr* filter, int64_t limit, std::vector<Row>* out);
  // The rows with these primary keys (all key columns, in key order, in column types;
  // nullopt or a NULL column: no row), read in one request per range; `out[i]` is key i's
  // row if it exists and passes `filter`.
  absl::Status ReadRowsByKey(const std::vector<std::optional<std::vector<Value>>>& keys,
                             const BoundExpr* filter, std::vector<std::optional<Row>>* out);

 private:
  const TableInfo& table_;
  ExecContext& ctx_;
  bool for_update_;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXECUTION_OPERATOR_H_
