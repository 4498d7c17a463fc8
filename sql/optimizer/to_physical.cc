// to-physical: lowers a logical plan into a physical one. Two choices are made here:
// choose-indexes (how each table is read) and choose-join-methods (how each join runs).
// Everything else maps one to one.
#include <set>

#include "common/status.h"
#include "sql/optimizer/internal/expr_util.h"
#include "sql/optimizer/optimizer.h"

namespace meridian::sql {
namespace {

using internal::ColumnsUsed;
using internal::SeekCompatible;
using internal::Shift;
using EK = BoundExpr::Kind;
using K = LogicalNode::Kind;

// --- choose-indexes

// A conjunct of the form column <op> value (value free of columns), normalized so the column
// is on the left; or column IN (values).
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

// The constraint `bounds` give on one index; `score` ranks it (higher is better).
std::optional<IndexConstraint> ConstraintFor(const TableInfo& t,
                                             const proto::IndexDescriptor& index,
                                             const std::vector<ColumnBound>& bounds, int* score) {
  std::vector<int> cols = t.IndexColumns(index);
  IndexConstraint c;
  c.index_id = index.id();
  size_t i = 0;
  *score = 0;
  // The fixed prefix: equalities, and at most one IN list (on the first column without an
  // equality) among them.
  for (; i < cols.size(); ++i) {
    BoundExprPtr eq;
    const std::vector<BoundExprPtr>* in = nullptr;
    for (const auto& b : bounds) {
      if (b.column != cols[i]) continue;
      if (b.in_values.empty() && b.op == CompareOp::kEq) eq = b.value;
      if (!b.in_values.empty() && in == nullptr) in = &b.in_values;
    }
    if (eq) {
      c.eq.push_back(eq);
      *score += 10;
    } else if (in != nullptr && c.in_values.empty()) {
      c.in_values = *in;
      c.in_position = c.eq.size();
      *score += 8;
    } else {
      break;
    }
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
  bool full = c.fixed() == cols.size();
  if (full && (index.id() == kPrimaryIndexId || index.unique())) *score += 100;
  if (index.id() == kPrimaryIndexId) *score += 1;  // no second lookup
  return c;
}

std::vector<const proto::IndexDescriptor*> Indexes(const TableInfo& t) {
  std::vector<const proto::IndexDescriptor*> out = {&t.desc().primary()};
  for (const auto& i : t.desc().indexes()) out.push_back(&i);
  return out;
}

// The best index read for `filter` over `t`, or none (a full scan).
std::optional<IndexConstraint> ChooseIndex(const TableInfo& t, const BoundExprPtr& filter) {
  std::vector<ColumnBound> bounds;
  for (auto& c : SplitConjuncts(filter)) {
    if (auto b = AsBound(c, t)) bounds.push_back(*b);
  }
  if (bounds.empty()) return std::nullopt;
  int best_score = 0;
  std::optional<IndexConstraint> best;
  for (const auto* index : Indexes(t)) {
    int score = 0;
    auto c = ConstraintFor(t, *index, bounds, &score);
    if (c.has_value() && score > best_score) {
      best_score = score;
      best = c;
    }
  }
  return best;
}

PhysicalNode::Op LowerScan(const ScanOp& scan) {
  TableScanOp op;
  op.table = scan.table;
  op.filter = scan.filter;
  op.for_update = scan.for_update;
  if (scan.filter) op.constraint = ChooseIndex(*scan.table, scan.filter);
  return op;
}

// --- choose-join-methods

// The join of `left` and `right` (already lowered): an index lookup join when `right` is a
// full read of a table with an index whose leading columns the equi-join keys fix; a hash
// join on the equi-join keys otherwise; a nested loop when there are none.
PhysicalPtr LowerJoin(const JoinOp& join, std::vector<OutputColumn> columns, PhysicalPtr left,
                      PhysicalPtr right) {
  if (!join.condition) {
    return MakePhysical(NestedLoopJoinOp{join.type, join.condition}, std::move(columns),
                        {std::move(left), std::move(right)});
  }
  const int left_width = static_cast<int>(left->columns.size());
  std::vector<BoundExprPtr> lk, rk;
  for (auto& c : SplitConjuncts(join.condition)) {
    if (c->kind != EK::kCompare || c->cmp != CompareOp::kEq || c->HasCorrelatedSubquery()) {
      continue;
    }
    for (int side = 0; side < 2; ++side) {
      std::set<int> a, b;
      ColumnsUsed(*c->args[side], &a);
      ColumnsUsed(*c->args[1 - side], &b);
      if (!a.empty() && !b.empty() && *a.rbegin() < left_width && *b.begin() >= left_width) {
        lk.push_back(c->args[side]);
        rk.push_back(Shift(c->args[1 - side], -left_width));
        break;
      }
    }
  }
  if (lk.empty()) {
    return MakePhysical(NestedLoopJoinOp{join.type, join.condition}, std::move(columns),
                        {std::move(left), std::move(right)});
  }
  if (right->kind() == PhysicalNode::Kind::kTableScan &&
      !right->As<TableScanOp>().constraint.has_value()) {
    const TableScanOp& scan = right->As<TableScanOp>();
    const TableInfo& t = *scan.table;
    for (const auto* index : Indexes(t)) {
      std::vector<BoundExprPtr> left_keys;
      std::vector<bool> used(rk.size(), false);
      for (int col : t.IndexColumns(*index)) {
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
      // The whole condition is re-checked on each joined row.
      IndexLookupJoinOp op;
      op.type = join.type;
      op.condition = join.condition;
      op.left_keys = std::move(left_keys);
      op.table = scan.table;
      op.index_id = index->id();
      op.filter = scan.filter;
      op.for_update = scan.for_update;
      return MakePhysical(std::move(op), std::move(columns), {std::move(left)});
    }
  }
  return MakePhysical(HashJoinOp{join.type, join.condition, std::move(lk), std::move(rk)},
                      std::move(columns), {std::move(left), std::move(right)});
}

}  // namespace

absl::StatusOr<PhysicalPtr> ToPhysical(const LogicalPtr& plan) {
  std::vector<PhysicalPtr> children;
  for (const auto& c : plan->children) {
    ASSIGN_OR_RETURN(PhysicalPtr p, ToPhysical(c));
    children.push_back(std::move(p));
  }
  switch (plan->kind()) {
    case K::kScan:
      return MakePhysical(LowerScan(plan->As<ScanOp>()), plan->columns);
    case K::kJoin:
      return LowerJoin(plan->As<JoinOp>(), plan->columns, children[0], children[1]);
    case K::kValues:
      return MakePhysical(plan->As<ValuesOp>(), plan->columns, std::move(children));
    case K::kSeries:
      return MakePhysical(plan->As<SeriesOp>(), plan->columns, std::move(children));
    case K::kFilter:
      return MakePhysical(plan->As<FilterOp>(), plan->columns, std::move(children));
    case K::kProject:
      return MakePhysical(plan->As<ProjectOp>(), plan->columns, std::move(children));
    case K::kAggregate:
      return MakePhysical(plan->As<AggregateOp>(), plan->columns, std::move(children));
    case K::kSort:
      return MakePhysical(plan->As<SortOp>(), plan->columns, std::move(children));
    case K::kLimit:
      return MakePhysical(plan->As<LimitOp>(), plan->columns, std::move(children));
    case K::kDistinct:
      return MakePhysical(plan->As<DistinctOp>(), plan->columns, std::move(children));
    case K::kSetOp:
      return MakePhysical(plan->As<SetOp>(), plan->columns, std::move(children));
    case K::kInsert:
      return MakePhysical(plan->As<InsertOp>(), plan->columns, std::move(children));
    case K::kUpdate:
      return MakePhysical(plan->As<UpdateOp>(), plan->columns, std::move(children));
    case K::kDelete:
      return MakePhysical(plan->As<DeleteOp>(), plan->columns, std::move(children));
  }
  return absl::InternalError("unknown logical plan node");
}

}  // namespace meridian::sql
