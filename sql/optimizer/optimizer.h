// The optimizer: an ordered list of named rewrite passes over the logical plan.
//
//   fold-constants      evaluates constant subexpressions once (1 + 2 -> 3, 'x' || 'y')
//   push-down-filters   moves WHERE conjuncts into scans and below joins
//   choose-indexes      turns scan filters on key columns into primary-key or secondary-index
//                       point/range lookups (the filter stays as a residual check)
//   push-down-limits    lets a scan stop early under LIMIT when nothing reorders its rows
//   choose-join-methods index lookup join when the right side is a table whose index starts
//                       with the join keys, else hash join on equi-join keys, else nested loop
//   push-filters-to-ranges marks the conjuncts of a primary-index scan's filter that the
//                       ranges can evaluate while scanning (filters run next to the data)
//   optimize-subqueries runs all of the above on every subquery's plan (a correlated
//                       subquery's enclosing columns act as constants, so they can drive
//                       index lookups)
//
// Each pass is a pure function of the plan (and the catalog information already in it).
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_OPTIMIZER_OPTIMIZER_H_
#define MERIDIAN_SQL_OPTIMIZER_OPTIMIZER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/planner/logical_plan.h"

namespace meridian::sql {

struct OptimizerPass {
  const char* name;
  absl::StatusOr<LogicalPtr> (*run)(LogicalPtr plan);
};

// The passes in the order they run.
const std::vector<OptimizerPass>& OptimizerPasses();

absl::StatusOr<LogicalPtr> Optimize(LogicalPtr plan);

// Exposed for tests.
absl::StatusOr<BoundExprPtr> FoldConstants(const BoundExprPtr& e);
std::vector<BoundExprPtr> SplitConjuncts(const BoundExprPtr& e);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_OPTIMIZER_OPTIMIZER_H_
