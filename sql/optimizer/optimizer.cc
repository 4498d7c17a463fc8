#include "sql/optimizer/optimizer.h"

#include "common/status.h"
#include "sql/optimizer/internal/passes.h"

namespace meridian::sql {

const std::vector<LogicalPass>& LogicalPasses() {
  static const auto* passes = new std::vector<LogicalPass>{
      {"fold-constants", internal::FoldConstantsPass},
      {"push-down-filters", internal::PushDownFiltersPass},
  };
  return *passes;
}

const std::vector<PhysicalPass>& PhysicalPasses() {
  static const auto* passes = new std::vector<PhysicalPass>{
      {"push-down-limits", internal::PushDownLimitsPass},
      {"push-filters-to-ranges", internal::PushFiltersToRangesPass},
      {"optimize-subqueries", internal::OptimizeSubqueriesPass},
  };
  return *passes;
}

absl::StatusOr<PhysicalPtr> Optimize(LogicalPtr plan) {
  for (const auto& pass : LogicalPasses()) {
    ASSIGN_OR_RETURN(plan, pass.run(plan));
  }
  ASSIGN_OR_RETURN(PhysicalPtr physical, ToPhysical(plan));
  for (const auto& pass : PhysicalPasses()) {
    ASSIGN_OR_RETURN(physical, pass.run(physical));
  }
  return physical;
}

}  // namespace meridian::sql
