// The logical passes: fold-constants and push-down-filters.
#include <set>

#include "common/status.h"
#include "sql/expr/expr_eval.h"
#include "sql/optimizer/internal/expr_util.h"
#include "sql/optimizer/internal/passes.h"
#include "sql/optimizer/optimizer.h"

namespace meridian::sql {

using internal::AndAll;
using internal::ColumnsUsed;
using internal::HasParamsOrSubqueries;
using internal::Shift;
using EK = BoundExpr::Kind;
using K = LogicalNode::Kind;

std::vector<BoundExprPtr> SplitConjuncts(const BoundExprPtr& e) {
  if (!e) return {};
  if (e->kind != EK::kAnd) return {e};
  std::vector<BoundExprPtr> out;
  for (const auto& a : e->args) {
    auto sub = SplitConjuncts(a);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

absl::StatusOr<BoundExprPtr> FoldConstants(const BoundExprPtr& e) {
  if (!e) return e;
  auto copy = std::make_shared<BoundExpr>(*e);
  for (auto& a : copy->args) {
    if (a) {
      ASSIGN_OR_RETURN(a, FoldConstants(a));
    }
  }
  if (copy->kind == EK::kConst || copy->kind == EK::kParam || !copy->IsConstant() ||
      HasParamsOrSubqueries(*copy)) {
    return copy;
  }
  ExprContext ctx;  // constants fold without a statement: no parameters or subqueries
  auto v = Eval(*copy, {}, ctx);
  if (!v.ok()) return copy;  // leave the error to execution (it may never be evaluated)
  return MakeConst(std::move(*v), copy->type);
}

namespace internal {
namespace {

bool IsTrue(const BoundExprPtr& e) {
  return e && e->kind == EK::kConst && !e->value.is_null() && e->value.bool_value();
}

// A filter of `conj` over `p` (p itself when there is nothing to filter).
LogicalPtr Wrap(LogicalPtr p, const std::vector<BoundExprPtr>& conj) {
  if (conj.empty()) return p;
  std::vector<OutputColumn> columns = p->columns;
  return MakeLogical(FilterOp{AndAll(conj)}, std::move(columns), {std::move(p)});
}

// Correlated subqueries read positions of the row they were bound on: a predicate holding
// one stays where it is.
bool Movable(const BoundExpr& c) { return c.subquery == nullptr && !c.HasCorrelatedSubquery(); }

}  // namespace

absl::StatusOr<LogicalPtr> FoldConstantsPass(LogicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, FoldConstantsPass(c));
  }
  RETURN_IF_ERROR(plan->VisitExprs([](BoundExprPtr& e) -> absl::Status {
    ASSIGN_OR_RETURN(e, FoldConstants(e));
    return absl::OkStatus();
  }));
  // A filter that folded to TRUE disappears.
  if (plan->kind() == K::kFilter && IsTrue(plan->As<FilterOp>().predicate)) {
    return plan->children[0];
  }
  if (plan->kind() == K::kScan && IsTrue(plan->As<ScanOp>().filter)) {
    plan->As<ScanOp>().filter = nullptr;
  }
  return plan;
}

absl::StatusOr<LogicalPtr> PushDownFiltersPass(LogicalPtr plan) {
  if (plan->kind() == K::kFilter) {
    LogicalPtr child = plan->children[0];
    const BoundExprPtr& predicate = plan->As<FilterOp>().predicate;
    if (child->kind() == K::kScan) {
      ScanOp& scan = child->As<ScanOp>();
      std::vector<BoundExprPtr> conj = SplitConjuncts(scan.filter);
      for (auto& c : SplitConjuncts(predicate)) conj.push_back(c);
      scan.filter = AndAll(conj);
      return PushDownFiltersPass(child);
    }
    if (child->kind() == K::kJoin) {
      JoinOp& join = child->As<JoinOp>();
      const bool inner = join.type == JoinType::kInner;
      const int left_width = static_cast<int>(child->children[0]->columns.size());
      std::vector<BoundExprPtr> left, right, stay;
      for (auto& c : SplitConjuncts(predicate)) {
        std::set<int> used;
        ColumnsUsed(*c, &used);
        const bool all_left = !used.empty() && *used.rbegin() < left_width;
        const bool all_right = !used.empty() && *used.begin() >= left_width;
        if (all_left && Movable(*c)) {
          left.push_back(c);
        } else if (all_right && Movable(*c) && inner) {
          right.push_back(Shift(c, -left_width));
        } else {
          stay.push_back(c);  // for an inner join without subqueries: part of the condition
        }
      }
      child->children[0] = Wrap(child->children[0], left);
      child->children[1] = Wrap(child->children[1], right);
      if (inner && !stay.empty()) {
        std::vector<BoundExprPtr> cond = SplitConjuncts(join.condition);
        cond.insert(cond.end(), stay.begin(), stay.end());
        join.condition = AndAll(cond);
        stay.clear();
      }
      LogicalPtr result = stay.empty() ? child : plan;
      if (!stay.empty()) plan->As<FilterOp>().predicate = AndAll(stay);
      for (auto& c : child->children) {
        ASSIGN_OR_RETURN(c, PushDownFiltersPass(c));
      }
      return result;
    }
  }
  if (plan->kind() == K::kJoin && plan->As<JoinOp>().type == JoinType::kInner &&
      plan->As<JoinOp>().condition) {
    // Conditions on one side only of an inner join filter that side.
    JoinOp& join = plan->As<JoinOp>();
    const int left_width = static_cast<int>(plan->children[0]->columns.size());
    std::vector<BoundExprPtr> keep, left, right;
    for (auto& c : SplitConjuncts(join.condition)) {
      std::set<int> used;
      ColumnsUsed(*c, &used);
      if (Movable(*c) && !used.empty() && *used.rbegin() < left_width) {
        left.push_back(c);
      } else if (Movable(*c) && !used.empty() && *used.begin() >= left_width) {
        right.push_back(Shift(c, -left_width));
      } else {
        keep.push_back(c);
      }
    }
    if (!left.empty() || !right.empty()) {
      join.condition = AndAll(keep);
      plan->children[0] = Wrap(plan->children[0], left);
      plan->children[1] = Wrap(plan->children[1], right);
    }
  }
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, PushDownFiltersPass(c));
  }
  return plan;
}

}  // namespace internal
}  // namespace meridian::sql
