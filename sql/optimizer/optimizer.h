// The optimizer: a logical plan in (sql/planner/logical_plan.h), a physical plan out
// (sql/planner/physical_plan.h), through named passes that run in this order:
//
//   logical passes (rewrite the logical plan)
//     fold-constants        evaluates constant subexpressions once (1 + 2 -> 3, 'x' || 'y')
//     push-down-filters     moves WHERE conjuncts into scans and below joins
//   to-physical (lowers the logical plan, making the physical choices)
//     choose-indexes        turns scan filters on key columns into primary-key or
//                           secondary-index point, IN-list or range reads (the filter stays
//                           as a residual check); the best index by rule, no statistics
//     choose-join-methods   index lookup join when the right side is a table whose index
//                           starts with the join keys, else hash join on equi-join keys,
//                           else nested loop
//   physical passes (rewrite the physical plan)
//     push-down-limits      lets a scan stop early under LIMIT when nothing reorders its rows
//     push-filters-to-ranges marks the conjuncts of a primary-index scan's filter that the
//                           ranges can evaluate while scanning (filters run next to the data)
//     optimize-subqueries   runs the whole optimizer on every subquery's plan (a correlated
//                           subquery's enclosing columns act as constants, so they can drive
//                           index lookups)
//
// Each pass is a function of the plan alone (and the catalog information in it); a pass may
// rewrite the nodes it is given in place. sql/optimizer/testdata holds transcripts of each
// pass (plan in, plan out), checked by optimizer_test.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_OPTIMIZER_OPTIMIZER_H_
#define MERIDIAN_SQL_OPTIMIZER_OPTIMIZER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "sql/planner/logical_plan.h"
#include "sql/planner/physical_plan.h"

namespace meridian::sql {

struct LogicalPass {
  const char* name;
  absl::StatusOr<LogicalPtr> (*run)(LogicalPtr plan);
};

struct PhysicalPass {
  const char* name;
  absl::StatusOr<PhysicalPtr> (*run)(PhysicalPtr plan);
};

// The passes in the order they run.
const std::vector<LogicalPass>& LogicalPasses();
const std::vector<PhysicalPass>& PhysicalPasses();

// to-physical: the physical plan of an optimized logical plan (choose-indexes and
// choose-join-methods).
absl::StatusOr<PhysicalPtr> ToPhysical(const LogicalPtr& plan);

// Every pass: the plan to execute.
absl::StatusOr<PhysicalPtr> Optimize(LogicalPtr plan);

// Exposed for tests.
absl::StatusOr<BoundExprPtr> FoldConstants(const BoundExprPtr& e);
std::vector<BoundExprPtr> SplitConjuncts(const BoundExprPtr& e);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_OPTIMIZER_OPTIMIZER_H_
