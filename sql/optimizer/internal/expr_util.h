// Small tools the optimizer's passes share for taking predicates apart and putting them
// together.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_OPTIMIZER_INTERNAL_EXPR_UTIL_H_
#define MERIDIAN_SQL_OPTIMIZER_INTERNAL_EXPR_UTIL_H_

#include <set>
#include <vector>

#include "sql/expr/bound_expr.h"

namespace meridian::sql::internal {

// The columns an expression reads (positions in its input row).
void ColumnsUsed(const BoundExpr& e, std::set<int>* out);
// A copy of `e` with every column position shifted by `delta`.
BoundExprPtr Shift(const BoundExprPtr& e, int delta);
// The conjunction of `conj` (null for none, the expression itself for one).
BoundExprPtr AndAll(const std::vector<BoundExprPtr>& conj);
// True if `e` reads a parameter, an enclosing query's column or a subquery.
bool HasParamsOrSubqueries(const BoundExpr& e);
// Whether a value of type `v` can seek a key column of type `col` without changing which
// rows match (the same type family).
bool SeekCompatible(const SqlType& col, const SqlType& v);

}  // namespace meridian::sql::internal

#endif  // MERIDIAN_SQL_OPTIMIZER_INTERNAL_EXPR_UTIL_H_
