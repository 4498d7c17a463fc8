// The physical passes: push-down-limits, push-filters-to-ranges and optimize-subqueries.
#include "common/status.h"
#include "sql/expr/range_filter.h"
#include "sql/optimizer/internal/expr_util.h"
#include "sql/optimizer/internal/passes.h"
#include "sql/optimizer/optimizer.h"

namespace meridian::sql::internal {
namespace {

using EK = BoundExpr::Kind;
using K = PhysicalNode::Kind;

// A copy of `e` whose subqueries carry their optimized plans.
absl::StatusOr<BoundExprPtr> PlanSubqueries(const BoundExprPtr& e) {
  if (!e || !HasParamsOrSubqueries(*e)) return e;
  auto copy = std::make_shared<BoundExpr>(*e);
  for (auto& a : copy->args) {
    if (a) {
      ASSIGN_OR_RETURN(a, PlanSubqueries(a));
    }
  }
  if (copy->subquery) {
    ASSIGN_OR_RETURN(PhysicalPtr plan, Optimize(copy->subquery));
    copy->subquery_plan = std::move(plan);
  }
  return copy;
}

}  // namespace

absl::StatusOr<PhysicalPtr> PushDownLimitsPass(PhysicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, PushDownLimitsPass(c));
  }
  if (plan->kind() != K::kLimit) return plan;
  const LimitOp& limit = plan->As<LimitOp>();
  if (!limit.limit || limit.limit->kind != EK::kConst || limit.limit->value.is_null()) {
    return plan;
  }
  int64_t n = limit.limit->value.int_value();
  if (limit.offset) {
    if (limit.offset->kind != EK::kConst || limit.offset->value.is_null()) return plan;
    n += limit.offset->value.int_value();
  }
  // Projections keep the order and the count of rows.
  PhysicalNode* node = plan->children[0].get();
  while (node->kind() == K::kProject) node = node->children[0].get();
  if (node->kind() == K::kTableScan && n >= 0) node->As<TableScanOp>().limit = n;
  return plan;
}

absl::StatusOr<PhysicalPtr> PushFiltersToRangesPass(PhysicalPtr plan) {
  // (The table an index lookup join reads is not a child: it is read by key prefix, row by
  // row, so it is never marked.)
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, PushFiltersToRangesPass(c));
  }
  if (plan->kind() != K::kTableScan) return plan;
  TableScanOp& scan = plan->As<TableScanOp>();
  if (!scan.filter) return plan;
  if (scan.constraint.has_value()) {
    const IndexConstraint& c = *scan.constraint;
    // Secondary index entries are not rows; a primary-key point lookup reads one row.
    if (c.index_id != kPrimaryIndexId) return plan;
    if (c.fixed() == scan.table->pk_columns().size()) return plan;
  }
  std::vector<BoundExprPtr> pushed;
  for (auto& c : SplitConjuncts(scan.filter)) {
    if (!c->IsConstant() && CanRunAtRange(*c)) pushed.push_back(c);
  }
  scan.range_filter = AndAll(pushed);
  return plan;
}

absl::StatusOr<PhysicalPtr> OptimizeSubqueriesPass(PhysicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, OptimizeSubqueriesPass(c));
  }
  RETURN_IF_ERROR(plan->VisitExprs([](BoundExprPtr& e) -> absl::Status {
    ASSIGN_OR_RETURN(e, PlanSubqueries(e));
    return absl::OkStatus();
  }));
  return plan;
}

}  // namespace meridian::sql::internal
