// Evaluates bound expressions over one input row, with SQL's three-valued logic: a NULL
// operand makes comparisons and arithmetic NULL; AND/OR follow Kleene logic; WHERE keeps a
// row only when its predicate is TRUE.
//
// What an expression reads besides its row comes from an ExprContext: parameter values,
// the statement's time, user and database, and -- for subqueries and the columns of
// enclosing queries -- whatever runs the statement. ExprContext itself evaluates
// everything that needs no executor; the optimizer folds constants with it, and ranges
// evaluate the filters they are sent with it (sql/expr/range_filter.h). The executor's
// ExecContext (sql/execution/exec_context.h) adds the rest.
//
// Thread-safety: Eval is stateless; a context is used by one thread.
#ifndef MERIDIAN_SQL_EXPR_EXPR_EVAL_H_
#define MERIDIAN_SQL_EXPR_EXPR_EVAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sql/expr/bound_expr.h"
#include "sql/functions/functions.h"
#include "sql/types/value.h"

namespace meridian::sql {

using Row = std::vector<Value>;

class ExprContext : public EvalContext {
 public:
  std::vector<Value> params;  // $1..$n
  int64_t statement_time_micros = 0;
  std::string database = "meridian";
  std::string user = "root";
  int32_t backend_pid = 0;
  uint64_t node_id = 1;

  int64_t StatementTimeMicros() const override { return statement_time_micros; }
  std::string Database() const override { return database; }
  std::string User() const override { return user; }
  // Statement time in microseconds, the node id and a process-wide counter: unique across
  // the cluster and roughly time-ordered.
  int64_t UniqueRowId() override;
  // A splitmix64 sequence seeded by the statement time.
  uint64_t Random() override;
  int32_t BackendPid() const override { return backend_pid; }
  // No statement to cancel it: refused (pg_sleep is volatile, so only executors run it).
  absl::Status Sleep(double seconds) override;

  // The rows of subquery expression `e` (kSubquery, kExists, kInSubquery, kArrayToString)
  // evaluated on `row`. Without an executor: kFailedPrecondition.
  virtual absl::StatusOr<const std::vector<Row>*> Subquery(const BoundExpr& e,
                                                           absl::Span<const Value> row);
  // A column of an enclosing query's row (kOuterColumn). Without one: kFailedPrecondition.
  virtual absl::StatusOr<Value> OuterValue(int depth, int index) const;

 private:
  uint64_t rng_state_ = 0;
};

absl::StatusOr<Value> Eval(const BoundExpr& e, absl::Span<const Value> row, ExprContext& ctx);
// True only when the predicate is TRUE (NULL and FALSE reject).
absl::StatusOr<bool> EvalPredicate(const BoundExpr& e, absl::Span<const Value> row,
                                   ExprContext& ctx);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXPR_EXPR_EVAL_H_
