// The logical plan: a tree of relational operators produced by the binder and rewritten by
// the optimizer's passes (sql/optimizer), then turned into physical operators
// (sql/execution). Every node knows its output columns; expressions refer to the positions
// of its input row (for joins: the left row followed by the right row).
//
// Thread-safety: built and rewritten by one thread; immutable once optimized.
#ifndef MERIDIAN_SQL_PLANNER_LOGICAL_PLAN_H_
#define MERIDIAN_SQL_PLANNER_LOGICAL_PLAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/catalog/catalog.h"
#include "sql/pgwire/backend.h"
#include "sql/planner/bound_expr.h"

namespace meridian::sql {

// An output column of a plan node.
struct OutputColumn {
  std::string table;  // the alias or table name it can be qualified with ("" if none)
  std::string name;
  SqlType type;
  bool hidden = false;  // not expanded by *
  uint32_t table_oid = 0;
  int16_t attnum = 0;
};

struct SortKey {
  BoundExprPtr expr;
  bool descending = false;
  bool nulls_first = false;
};

struct AggregateCall {
  std::string func;        // count, count_star, sum, avg, min, max, bool_and, bool_or, string_agg
  BoundExprPtr arg;        // null for count(*)
  BoundExprPtr delimiter;  // string_agg: the second argument (text)
  bool distinct = false;
  SqlType type;
};

// How a scan reaches its rows: every row of the table, or the rows of one index between
// bounds on a prefix of its columns.
struct IndexConstraint {
  uint32_t index_id = kPrimaryIndexId;
  // Equality on the first eq.size() index columns (expressions without column refs).
  std::vector<BoundExprPtr> eq;
  // Then an optional range on the next column.
  BoundExprPtr lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
  // IN list on the first column (instead of eq): one point lookup per value.
  std::vector<BoundExprPtr> in_values;
};

struct LogicalNode {
  enum class Kind {
    kScan,       // table rows (all columns in table order)
    kValues,     // rows of constant expressions
    kFilter,     // predicate over the child
    kProject,    // exprs over the child
    kJoin,       // children[0] x children[1] with condition
    kAggregate,  // group_by then aggregates; output = group values then aggregate values
    kSort,
    kLimit,
    kDistinct,
    kUnion,  // children[0] UNION|INTERSECT|EXCEPT [ALL] children[1] (set_op)
    kInsert,
    kUpdate,
    kDelete,
    // generate_series(exprs[0], exprs[1] [, exprs[2] = step]) in FROM: one integer column
    // of the values from start to stop; the arguments may read enclosing queries' rows.
    kSeries,
  };
  Kind kind = Kind::kScan;
  std::vector<OutputColumn> columns;
  std::vector<std::shared_ptr<LogicalNode>> children;

  // kScan
  TablePtr table;
  std::optional<IndexConstraint> constraint;  // chosen by the optimizer
  BoundExprPtr filter;                        // kScan (pushed down) and kFilter
  // kScan of the primary index: the conjuncts of `filter` the ranges evaluate while they
  // scan (sql/execution/range_filter.h); `filter` is still checked on every row received.
  BoundExprPtr range_filter;
  std::optional<int64_t> scan_limit;  // pushed-down limit (after filter)
  bool for_update = false;
  // kValues
  std::vector<std::vector<BoundExprPtr>> rows;
  // kProject (and kSeries: its arguments)
  std::vector<BoundExprPtr> exprs;
  // kJoin
  enum class JoinType { kInner, kLeft } join_type = JoinType::kInner;
  BoundExprPtr condition;
  enum class JoinMethod { kNestedLoop, kHash, kIndexLookup } join_method = JoinMethod::kNestedLoop;
  std::vector<BoundExprPtr> left_keys, right_keys;  // kHash: equi-join keys
  // kAggregate
  std::vector<BoundExprPtr> group_by;
  std::vector<AggregateCall> aggregates;
  // kSort
  std::vector<SortKey> sort_keys;
  // kLimit
  BoundExprPtr limit, offset;
  // kUnion: UNION, INTERSECT or EXCEPT (`set_op`), with ALL when union_all.
  bool union_all = false;
  std::string set_op = "UNION";
  // kInsert / kUpdate / kDelete: `table`; child = source rows.
  //   kInsert: child yields full table rows (defaults filled in).
  //   kUpdate: child yields the old row followed by the new row.
  //   kDelete: child yields old rows.
  std::vector<BoundExprPtr> returning;  // over the new (insert/update) or old (delete) row
  enum class OnConflict { kError, kDoNothing, kDoUpdate } on_conflict = OnConflict::kError;
  std::vector<int> conflict_columns;  // empty: any unique index
  // DO UPDATE: expressions over (existing row, excluded row) giving the new row, and an
  // optional condition over the same input.
  std::vector<BoundExprPtr> conflict_set;
  BoundExprPtr conflict_where;

  // For EXPLAIN: one line per node, indented.
  std::string ToString(int indent = 0) const;
};

using LogicalPtr = std::shared_ptr<LogicalNode>;

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_LOGICAL_PLAN_H_
