// Evaluates bound expressions over one input row, with SQL's three-valued logic: a NULL
// operand makes comparisons and arithmetic NULL; AND/OR follow Kleene logic; WHERE keeps a
// row only when its predicate is TRUE.
//
// Thread-safety: stateless; the context is the caller's.
#ifndef MERIDIAN_SQL_EXECUTION_EXPR_EVAL_H_
#define MERIDIAN_SQL_EXECUTION_EXPR_EVAL_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sql/execution/exec_context.h"
#include "sql/planner/bound_expr.h"

namespace meridian::sql {

absl::StatusOr<Value> Eval(const BoundExpr& e, absl::Span<const Value> row, ExecContext& ctx);
// True only when the predicate is TRUE (NULL and FALSE reject).
absl::StatusOr<bool> EvalPredicate(const BoundExpr& e, absl::Span<const Value> row,
                                   ExecContext& ctx);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXECUTION_EXPR_EVAL_H_
