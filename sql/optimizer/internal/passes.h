// The optimizer's passes, each in the file of its kind (logical_passes.cc, to_physical.cc,
// physical_passes.cc); optimizer.cc lists them in order. See optimizer.h for what each does.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_OPTIMIZER_INTERNAL_PASSES_H_
#define MERIDIAN_SQL_OPTIMIZER_INTERNAL_PASSES_H_

#include "absl/status/statusor.h"
#include "sql/planner/logical_plan.h"
#include "sql/planner/physical_plan.h"

namespace meridian::sql::internal {

absl::StatusOr<LogicalPtr> FoldConstantsPass(LogicalPtr plan);
absl::StatusOr<LogicalPtr> PushDownFiltersPass(LogicalPtr plan);

absl::StatusOr<PhysicalPtr> PushDownLimitsPass(PhysicalPtr plan);
absl::StatusOr<PhysicalPtr> PushFiltersToRangesPass(PhysicalPtr plan);
absl::StatusOr<PhysicalPtr> OptimizeSubqueriesPass(PhysicalPtr plan);

}  // namespace meridian::sql::internal

#endif  // MERIDIAN_SQL_OPTIMIZER_INTERNAL_PASSES_H_
