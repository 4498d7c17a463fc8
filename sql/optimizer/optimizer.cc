#include "sql/optimizer/optimizer.h"

#include <algorithm>
#include <set>

#include "common/status.h"
#include "sql/execution/expr_eval.h"
#include "sql/execution/range_filter.h"

namespace meridian::sql {
namespace {

using K = LogicalNode::Kind;
using EK = BoundExpr::Kind;

bool HasParamsOrSubqueries(const BoundExpr& e) {
  if (e.kind == EK::kParam || e.kind == EK::kOuterColumn || e.subquery != nullptr) return true;
  for (const auto& a : e.args) {
    if (a && HasParamsOrSubqueries(*a)) return true;
  }
  return false;
}

// Columns an expression reads.
void ColumnsUsed(const BoundExpr& e, std::set<int>* out) {
  if (e.kind == EK::kColumn) out->insert(e.index);
  for (const auto& a : e.args) {
    if (a) ColumnsUsed(*a, out);
  }
}

// A copy of `e` with every column index shifted by `delta`.
BoundExprPtr Shift(const BoundExprPtr& e, int delta) {
  auto c = std::make_shared<BoundExpr>(*e);
  if (c->kind == EK::kColumn) c->index += delta;
  for (auto& a : c->args) {
    if (a) a = Shift(a, delta);
  }
  return c;
}

BoundExprPtr AndAll(const std::vector<BoundExprPtr>& conj) {
  if (conj.empty()) return nullptr;
  if (conj.size() == 1) return conj[0];
  auto e = std::make_shared<BoundExpr>();
  e->kind = EK::kAnd;
  e->type = SqlType::Of(TypeId::kBool);
  e->args = conj;
  return e;
}

template <typename Fn>
absl::Status ForEachExpr(LogicalNode& n, Fn fn) {
  auto apply = [&](BoundExprPtr& e) -> absl::Status {
    if (e) {
      ASSIGN_OR_RETURN(e, fn(e));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(apply(n.filter));
  RETURN_IF_ERROR(apply(n.condition));
  RETURN_IF_ERROR(apply(n.limit));
  RETURN_IF_ERROR(apply(n.offset));
  RETURN_IF_ERROR(apply(n.conflict_where));
  for (auto& e : n.exprs) RETURN_IF_ERROR(apply(e));
  for (auto& e : n.group_by) RETURN_IF_ERROR(apply(e));
  for (auto& e : n.returning) RETURN_IF_ERROR(apply(e));
  for (auto& e : n.conflict_set) RETURN_IF_ERROR(apply(e));
  for (auto& row : n.rows) {
    for (auto& e : row) RETURN_IF_ERROR(apply(e));
  }
  for (auto& k : n.sort_keys) RETURN_IF_ERROR(apply(k.expr));
  for (auto& a : n.aggregates) {
    RETURN_IF_ERROR(apply(a.arg));
    RETURN_IF_ERROR(apply(a.delimiter));
  }
  return absl::OkStatus();
}

// --- fold-constants

class FoldContext : public ExecContext {};

absl::StatusOr<LogicalPtr> FoldPass(LogicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, FoldPass(c));
  }
  RETURN_IF_ERROR(ForEachExpr(*plan, [](BoundExprPtr& e) { return FoldConstants(e); }));
  // A filter that folded to TRUE disappears.
  if (plan->filter && plan->filter->kind == EK::kConst && !plan->filter->value.is_null() &&
      plan->filter->value.bool_value()) {
    if (plan->kind == K::kFilter) return plan->children[0];
    plan->filter = nullptr;
  }
  return plan;
}

// --- push-down-filters

absl::StatusOr<LogicalPtr> PushFilters(LogicalPtr plan) {
  if (plan->kind == K::kFilter) {
    LogicalPtr child = plan->children[0];
    if (child->kind == K::kScan) {
      std::vector<BoundExprPtr> conj = SplitConjuncts(child->filter);
      for (auto& c : SplitConjuncts(plan->filter)) conj.push_back(c);
      child->filter = AndAll(conj);
      return PushFilters(child);
    }
    if (child->kind == K::kJoin) {
      const int left_width = static_cast<int>(child->children[0]->columns.size());
      std::vector<BoundExprPtr> left, right, stay;
      for (auto& c : SplitConjuncts(plan->filter)) {
        std::set<int> used;
        ColumnsUsed(*c, &used);
        // Correlated subqueries read positions of this row: they stay where they are.
        bool subq = c->subquery != nullptr || c->HasCorrelatedSubquery();
        bool all_left = !used.empty() && *used.rbegin() < left_width;
        bool all_right = !used.empty() && *used.begin() >= left_width;
        if (all_left && !subq) {
          left.push_back(c);
        } else if (all_right && !subq && child->join_type == LogicalNode::JoinType::kInner) {
          right.push_back(Shift(c, -left_width));
        } else if (child->join_type == LogicalNode::JoinType::kInner && !subq) {
          stay.push_back(c);  // becomes part of the join condition
        } else {
          stay.push_back(c);
        }
      }
      auto wrap = [](LogicalPtr p, const std::vector<BoundExprPtr>& conj) {
        if (conj.empty()) return p;
        auto f = std::make_shared<LogicalNode>();
        f->kind = K::kFilter;
        f->filter = AndAll(conj);
        f->children = {p};
        f->columns = p->columns;
        return LogicalPtr(f);
      };
      child->children[0] = wrap(child->children[0], left);
      child->children[1] = wrap(child->children[1], right);
      if (child->join_type == LogicalNode::JoinType::kInner && !stay.empty()) {
        std::vector<BoundExprPtr> cond = SplitConjuncts(child->condition);
        cond.insert(cond.end(), stay.begin(), stay.end());
        child->condition = AndAll(cond);
        stay.clear();
      }
      LogicalPtr result = stay.empty() ? child : plan;
      if (!stay.empty()) plan->filter = AndAll(stay);
      for (auto& c : child->children) {
        ASSIGN_OR_RETURN(c, PushFilters(c));
      }
      return result;
    }
  }
  if (plan->kind == K::kJoin && plan->join_type == LogicalNode::JoinType::kInner &&
      plan->condition) {
    // Conditions on one side only of an inner join filter that side.
    const int left_width = static_cast<int>(plan->children[0]->columns.size());
    std::vector<BoundExprPtr> keep, left, right;
    for (auto& c : SplitConjuncts(plan->condition)) {
      std::set<int> used;
      ColumnsUsed(*c, &used);
      bool movable = c->subquery == nullptr && !c->HasCorrelatedSubquery();
      if (movable && !used.empty() && *used.rbegin() < left_width) {
        left.push_back(c);
      } else if (movable && !used.empty() && *used.begin() >= left_width) {
        right.push_back(Shift(c, -left_width));
      } else {
        keep.push_back(c);
      }
    }
    if (!left.empty() || !right.empty()) {
      plan->condition = AndAll(keep);
      for (int side = 0; side < 2; ++side) {
        const auto& conj = side == 0 ? left : right;
        if (conj.empty()) continue;
        auto f = std::make_shared<LogicalNode>();
        f->kind = K::kFilter;
        f->filter = AndAll(conj);
        f->children = {plan->children[side]};
        f->columns = plan->children[side]->columns;
        plan->children[side] = f;
      }
    }
  }
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, PushFilters(c));
  }
  return plan;
}

// --- choose-indexes

// A conjunct of the form column <op> value (value free of columns), normalized so the column
// is on the left.
struct ColumnBound {
  int column = -1;
  CompareOp op = CompareOp::kEq;
  BoundExprPtr value;
  std::vector<BoundExprPtr> in_values;
};

CompareOp Flip(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

// Whether a value of type `v` can be used to seek a key column of type `col` without
// changing which rows match (same type family).
bool SeekCompatible(const SqlType& col, const SqlType& v) {
  if (col.is_integer() && v.is_integer()) return true;
  if (col.is_string() && v.is_string()) return col.id != TypeId::kChar && v.id != TypeId::kChar;
  return col.id == v.id && col.id != TypeId::kFloat4;
}

std::optional<ColumnBound> AsBound(const BoundExprPtr& c, const TableInfo& t) {
  if (c->kind == EK::kCompare && c->cmp != CompareOp::kNe) {
    for (int side = 0; side < 2; ++side) {
      const auto& col = c->args[side];
      const auto& val = c->args[1 - side];
      if (col->kind != EK::kColumn || !val->IsConstant()) continue;
      if (!SeekCompatible(t.column_type(col->index), val->type)) continue;
      return ColumnBound{col->index, side == 0 ? c->cmp : Flip(c->cmp), val, {}};
    }
  }
  if (c->kind == EK::kInList && !c->negated && !c->quantified && c->args[0]->kind == EK::kColumn) {
    ColumnBound b;
    b.column = c->args[0]->index;
    for (size_t i = 1; i < c->args.size(); ++i) {
      if (!c->args[i]->IsConstant() || !SeekCompatible(t.column_type(b.column), c->args[i]->type)) {
        return std::nullopt;
      }
      b.in_values.push_back(c->args[i]);
    }
    return b;
  }
  return std::nullopt;
}

// Builds the constraint for one index; `score` ranks it (higher is better).
std::optional<IndexConstraint> ConstraintFor(const TableInfo& t,
                                             const proto::IndexDescriptor& index,
                                             const std::vector<ColumnBound>& bounds, int* score) {
  std::vector<int> cols = t.IndexColumns(index);
  IndexConstraint c;
  c.index_id = index.id();
  size_t i = 0;
  *score = 0;
  // Leading IN list.
  for (const auto& b : bounds) {
    if (b.column == cols[0] && !b.in_values.empty()) {
      c.in_values = b.in_values;
      i = 1;
      *score += 8;
      break;
    }
  }
  for (; i < cols.size(); ++i) {
    BoundExprPtr eq;
    for (const auto& b : bounds) {
      if (b.column == cols[i] && b.in_values.empty() && b.op == CompareOp::kEq) eq = b.value;
    }
    if (!eq) break;
    c.eq.push_back(eq);
    *score += 10;
  }
  if (i < cols.size()) {
    for (const auto& b : bounds) {
      if (b.column != cols[i] || !b.in_values.empty()) continue;
      if ((b.op == CompareOp::kGt || b.op == CompareOp::kGe) && !c.lower) {
        c.lower = b.value;
        c.lower_inclusive = b.op == CompareOp::kGe;
        *score += 3;
      } else if ((b.op == CompareOp::kLt || b.op == CompareOp::kLe) && !c.upper) {
        c.upper = b.value;
        c.upper_inclusive = b.op == CompareOp::kLe;
        *score += 3;
      }
    }
  }
  if (*score == 0) return std::nullopt;
  bool full = c.eq.size() + (c.in_values.empty() ? 0 : 1) == cols.size();
  if (full && (index.id() == kPrimaryIndexId || index.unique())) *score += 100;
  if (index.id() == kPrimaryIndexId) *score += 1;  // no second lookup
  return c;
}

absl::StatusOr<LogicalPtr> ChooseIndexes(LogicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, ChooseIndexes(c));
  }
  if (plan->kind != K::kScan || plan->table == nullptr || !plan->filter || plan->constraint) {
    return plan;
  }
  const TableInfo& t = *plan->table;
  std::vector<ColumnBound> bounds;
  for (auto& c : SplitConjuncts(plan->filter)) {
    if (auto b = AsBound(c, t)) bounds.push_back(*b);
  }
  if (bounds.empty()) return plan;
  int best_score = 0;
  std::optional<IndexConstraint> best;
  std::vector<const proto::IndexDescriptor*> indexes = {&t.desc().primary()};
  for (const auto& i : t.desc().indexes()) indexes.push_back(&i);
  for (const auto* index : indexes) {
    int score = 0;
    auto c = ConstraintFor(t, *index, bounds, &score);
    if (c.has_value() && score > best_score) {
      best_score = score;
      best = c;
    }
  }
  plan->constraint = best;
  return plan;
}

// --- push-down-limits

absl::StatusOr<LogicalPtr> PushLimits(LogicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, PushLimits(c));
  }
  if (plan->kind != K::kLimit || !plan->limit || plan->limit->kind != EK::kConst ||
      plan->limit->value.is_null()) {
    return plan;
  }
  int64_t n = plan->limit->value.int_value();
  if (plan->offset) {
    if (plan->offset->kind != EK::kConst || plan->offset->value.is_null()) return plan;
    n += plan->offset->value.int_value();
  }
  LogicalNode* node = plan->children[0].get();
  // Projections and filters keep the order and (for projections) the count of rows.
  while (node->kind == K::kProject) node = node->children[0].get();
  if (node->kind == K::kScan && n >= 0) node->scan_limit = n;
  return plan;
}

// --- choose-join-methods

// An equi-join conjunct left_expr = right_expr (right_expr reads only right columns).
absl::StatusOr<LogicalPtr> ChooseJoins(LogicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, ChooseJoins(c));
  }
  if (plan->kind != K::kJoin || !plan->condition) return plan;
  const int left_width = static_cast<int>(plan->children[0]->columns.size());
  std::vector<BoundExprPtr> lk, rk, rest;
  for (auto& c : SplitConjuncts(plan->condition)) {
    bool equi = false;
    if (c->kind == EK::kCompare && c->cmp == CompareOp::kEq && !c->HasCorrelatedSubquery()) {
      for (int side = 0; side < 2 && !equi; ++side) {
        std::set<int> a, b;
        ColumnsUsed(*c->args[side], &a);
        ColumnsUsed(*c->args[1 - side], &b);
        if (!a.empty() && !b.empty() && *a.rbegin() < left_width && *b.begin() >= left_width) {
          lk.push_back(c->args[side]);
          rk.push_back(Shift(c->args[1 - side], -left_width));
          equi = true;
        }
      }
    }
    if (!equi) rest.push_back(c);
  }
  if (lk.empty()) return plan;
  // Index lookup join: the right side is a plain scan (maybe filtered) and its primary key
  // or an index starts with columns equal to the right keys.
  LogicalPtr right = plan->children[1];
  if (right->kind == K::kScan && right->table != nullptr && !right->constraint) {
    const TableInfo& t = *right->table;
    std::vector<const proto::IndexDescriptor*> indexes = {&t.desc().primary()};
    for (const auto& i : t.desc().indexes()) indexes.push_back(&i);
    for (const auto* index : indexes) {
      std::vector<int> cols = t.IndexColumns(*index);
      std::vector<BoundExprPtr> left_keys;
      std::vector<bool> used(rk.size(), false);
      for (int col : cols) {
        bool found = false;
        for (size_t k = 0; k < rk.size(); ++k) {
          if (!used[k] && rk[k]->kind == EK::kColumn && rk[k]->index == col &&
              SeekCompatible(t.column_type(col), lk[k]->type)) {
            left_keys.push_back(lk[k]);
            used[k] = true;
            found = true;
            break;
          }
        }
        if (!found) break;
      }
      if (left_keys.empty()) continue;
      plan->join_method = LogicalNode::JoinMethod::kIndexLookup;
      plan->left_keys = left_keys;
      plan->right_keys.clear();
      IndexConstraint c;
      c.index_id = index->id();
      right->constraint = c;  // marks which index the lookups use
      // The whole condition is re-checked on each joined row.
      return plan;
    }
  }
  plan->join_method = LogicalNode::JoinMethod::kHash;
  plan->left_keys = lk;
  plan->right_keys = rk;
  return plan;
}

// --- push-filters-to-ranges

absl::StatusOr<LogicalPtr> RangeFilters(LogicalPtr plan) {
  for (size_t i = 0; i < plan->children.size(); ++i) {
    // The inner side of an index lookup join is read by key prefix, row by row.
    if (plan->kind == K::kJoin && plan->join_method == LogicalNode::JoinMethod::kIndexLookup &&
        i == 1) {
      continue;
    }
    ASSIGN_OR_RETURN(plan->children[i], RangeFilters(plan->children[i]));
  }
  if (plan->kind != K::kScan || plan->table == nullptr || !plan->filter) return plan;
  if (plan->constraint.has_value()) {
    const IndexConstraint& c = *plan->constraint;
    // Secondary index entries are not rows; a primary-key point lookup reads one row.
    if (c.index_id != kPrimaryIndexId) return plan;
    size_t fixed = c.eq.size() + (c.in_values.empty() ? 0 : 1);
    if (fixed == plan->table->pk_columns().size()) return plan;
  }
  std::vector<BoundExprPtr> pushed;
  for (auto& c : SplitConjuncts(plan->filter)) {
    if (!c->IsConstant() && CanRunAtRange(*c)) pushed.push_back(c);
  }
  plan->range_filter = AndAll(pushed);
  return plan;
}

// --- optimize-subqueries

absl::StatusOr<BoundExprPtr> OptimizeSubqueries(const BoundExprPtr& e) {
  if (!e || !HasParamsOrSubqueries(*e)) return e;
  auto copy = std::make_shared<BoundExpr>(*e);
  for (auto& a : copy->args) {
    if (a) {
      ASSIGN_OR_RETURN(a, OptimizeSubqueries(a));
    }
  }
  if (copy->subquery) {
    ASSIGN_OR_RETURN(copy->subquery, Optimize(copy->subquery));
  }
  return copy;
}

absl::StatusOr<LogicalPtr> SubqueryPass(LogicalPtr plan) {
  for (auto& c : plan->children) {
    ASSIGN_OR_RETURN(c, SubqueryPass(c));
  }
  RETURN_IF_ERROR(ForEachExpr(*plan, [](BoundExprPtr& e) { return OptimizeSubqueries(e); }));
  return plan;
}

}  // namespace

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
  FoldContext ctx;
  auto v = Eval(*copy, {}, ctx);
  if (!v.ok()) return copy;  // leave the error to execution (it may never be evaluated)
  return MakeConst(std::move(*v), copy->type);
}

const std::vector<OptimizerPass>& OptimizerPasses() {
  static const auto* passes = new std::vector<OptimizerPass>{
      {"fold-constants", FoldPass},          {"push-down-filters", PushFilters},
      {"choose-indexes", ChooseIndexes},     {"push-down-limits", PushLimits},
      {"choose-join-methods", ChooseJoins},  {"push-filters-to-ranges", RangeFilters},
      {"optimize-subqueries", SubqueryPass},
  };
  return *passes;
}

absl::StatusOr<LogicalPtr> Optimize(LogicalPtr plan) {
  for (const auto& pass : OptimizerPasses()) {
    ASSIGN_OR_RETURN(plan, pass.run(plan));
  }
  return plan;
}

}  // namespace meridian::sql
