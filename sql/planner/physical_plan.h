// The physical plan: how a statement runs. The optimizer lowers a logical plan
// (logical_plan.h) into it, choosing for each table read an index and the bounds to read
// it between, and for each join a method; physical passes then push limits and filters
// down to the reads. The executor (sql/execution) turns each node into an operator. It
// is also what EXPLAIN prints, and what a plan cache would keep.
//
// A node is its output columns, its inputs and one operator: one of the reads or join
// methods below, or one of the operators both plans share (plan_ops.h).
//
// Thread-safety: immutable once built; one plan may be executed by several statements.
#ifndef MERIDIAN_SQL_PLANNER_PHYSICAL_PLAN_H_
#define MERIDIAN_SQL_PLANNER_PHYSICAL_PLAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/logging.h"
#include "sql/planner/plan_ops.h"

namespace meridian::sql {

// How a read reaches its rows: the rows of one index between bounds on a prefix of its
// columns. Rows outside the bounds may be read (the read's filter re-checks every row);
// rows inside are never left out.
//
// The fixed prefix is eq.size() columns, plus one when there is an IN list: the IN list is
// on index column in_position and eq covers the others in order (eq[0..in_position) before
// it, the rest after), so `a = 1 AND b IN (5, 7)` on (a, b) reads two points.
struct IndexConstraint {
  uint32_t index_id = kPrimaryIndexId;
  // Equality on the fixed columns (expressions without column refs).
  std::vector<BoundExprPtr> eq;
  // Then an optional range on the next column.
  BoundExprPtr lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
  // IN list on index column in_position (instead of eq): one prefix per value.
  std::vector<BoundExprPtr> in_values;
  size_t in_position = 0;
  // Columns of the fixed prefix.
  size_t fixed() const { return eq.size() + (in_values.empty() ? 0 : 1); }
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    RETURN_IF_ERROR(VisitEach(eq, f));
    RETURN_IF_ERROR(f(lower));
    RETURN_IF_ERROR(f(upper));
    return VisitEach(in_values, f);
  }
};

// The rows of a table: every row (no constraint: the primary index, start to end) or an
// index's rows within `constraint`, keeping those for which `filter` holds. The ranges
// evaluate `range_filter` (a part of `filter`, sql/expr/range_filter.h) while they scan;
// `limit` stops the read after that many rows pass the filter.
struct TableScanOp {
  TablePtr table;
  std::optional<IndexConstraint> constraint;
  BoundExprPtr filter;
  BoundExprPtr range_filter;
  std::optional<int64_t> limit;
  bool for_update = false;
  uint32_t index_id() const { return constraint ? constraint->index_id : kPrimaryIndexId; }
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    if (constraint) RETURN_IF_ERROR(constraint->VisitExprs(f));
    RETURN_IF_ERROR(f(filter));
    return f(range_filter);
  }
};

// children[0] x children[1] by comparing every pair: the right side is read once.
struct NestedLoopJoinOp {
  JoinType type = JoinType::kInner;
  BoundExprPtr condition;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return f(condition);
  }
};

// Equi-join: the right side is read once into a hash table on `right_keys`; each left row
// probes it with `left_keys` (NULL keys never match). `condition` is checked on every
// joined row.
struct HashJoinOp {
  JoinType type = JoinType::kInner;
  BoundExprPtr condition;
  std::vector<BoundExprPtr> left_keys, right_keys;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    RETURN_IF_ERROR(f(condition));
    RETURN_IF_ERROR(VisitEach(left_keys, f));
    return VisitEach(right_keys, f);
  }
};

// children[0] joined with the rows of `table` found through index `index_id`, whose leading
// columns equal `left_keys` evaluated on each left row; those rows must also pass `filter`
// (over the table's row). `condition` is checked on every joined row. There is no right
// child: the table is read by lookups.
struct IndexLookupJoinOp {
  JoinType type = JoinType::kInner;
  BoundExprPtr condition;
  std::vector<BoundExprPtr> left_keys;
  TablePtr table;
  uint32_t index_id = kPrimaryIndexId;
  BoundExprPtr filter;
  bool for_update = false;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    RETURN_IF_ERROR(f(condition));
    RETURN_IF_ERROR(VisitEach(left_keys, f));
    return f(filter);
  }
};

// The operators of a physical node, in the order of the variant below.
enum class PhysicalKind {
  kTableScan,
  kValues,
  kSeries,
  kFilter,
  kProject,
  kNestedLoopJoin,
  kHashJoin,
  kIndexLookupJoin,
  kAggregate,
  kSort,
  kLimit,
  kDistinct,
  kSetOp,
  kInsert,
  kUpdate,
  kDelete,
};

struct PhysicalNode
    : PlanNode<PhysicalNode,
               std::variant<TableScanOp, ValuesOp, SeriesOp, FilterOp, ProjectOp, NestedLoopJoinOp,
                            HashJoinOp, IndexLookupJoinOp, AggregateOp, SortOp, LimitOp, DistinctOp,
                            SetOp, InsertOp, UpdateOp, DeleteOp>,
               PhysicalKind> {
  // EXPLAIN: one line per node, indented, with the plans of the subqueries its expressions
  // run under it.
  std::string ToString(int indent = 0) const;
  // This node's own line, without indentation, children or subqueries.
  std::string Describe() const;
};

using PhysicalPtr = std::shared_ptr<PhysicalNode>;

// A node running `op` over `children`, with output `columns`.
inline PhysicalPtr MakePhysical(PhysicalNode::Op op, std::vector<OutputColumn> columns,
                                std::vector<PhysicalPtr> children = {}) {
  return PhysicalNode::Make(std::move(op), std::move(columns), std::move(children));
}

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_PHYSICAL_PLAN_H_
