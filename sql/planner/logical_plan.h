// The logical plan: what a statement computes, as a tree of relational operators. The
// binder produces it; the optimizer's logical passes rewrite it (sql/optimizer) and then
// lower it into a physical plan (physical_plan.h), which is what the executor runs.
//
// A node is its output columns, its inputs and one operator: a table read or a join
// (below, logical only), or one of the operators both plans share (plan_ops.h). How a
// table is read (which index, which bounds) and how a join runs are physical choices and
// do not appear here.
//
// Thread-safety: built and rewritten by one thread; immutable once optimized.
#ifndef MERIDIAN_SQL_PLANNER_LOGICAL_PLAN_H_
#define MERIDIAN_SQL_PLANNER_LOGICAL_PLAN_H_

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/logging.h"
#include "sql/planner/plan_ops.h"

namespace meridian::sql {

// The rows of a table (all columns in table order) for which `filter` holds (null: all).
// The binder reads tables with no filter; push-down-filters moves predicates here.
struct ScanOp {
  TablePtr table;
  BoundExprPtr filter;
  bool for_update = false;  // lock the rows read (SELECT ... FOR UPDATE, UPDATE, DELETE)
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return f(filter);
  }
};

// children[0] x children[1], the rows for which `condition` holds (null: all); a LEFT join
// keeps each left row without a match, padded with NULLs.
struct JoinOp {
  JoinType type = JoinType::kInner;
  BoundExprPtr condition;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return f(condition);
  }
};

// The operators of a logical node, in the order of the variant below.
enum class LogicalKind {
  kScan,
  kValues,
  kSeries,
  kFilter,
  kProject,
  kJoin,
  kAggregate,
  kSort,
  kLimit,
  kDistinct,
  kSetOp,
  kInsert,
  kUpdate,
  kDelete,
};

struct LogicalNode
    : PlanNode<LogicalNode,
               std::variant<ScanOp, ValuesOp, SeriesOp, FilterOp, ProjectOp, JoinOp, AggregateOp,
                            SortOp, LimitOp, DistinctOp, SetOp, InsertOp, UpdateOp, DeleteOp>,
               LogicalKind> {
  // One line per node, indented, with the plans of the subqueries its expressions run.
  std::string ToString(int indent = 0) const;
};

using LogicalPtr = std::shared_ptr<LogicalNode>;

// A node running `op` over `children`, with output `columns`.
inline LogicalPtr MakeLogical(LogicalNode::Op op, std::vector<OutputColumn> columns,
                              std::vector<LogicalPtr> children = {}) {
  return LogicalNode::Make(std::move(op), std::move(columns), std::move(children));
}

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_LOGICAL_PLAN_H_
