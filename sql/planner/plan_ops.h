// The operators plans are made of, and the parts they share. A logical plan
// (logical_plan.h) says what a statement computes; a physical plan (physical_plan.h) says
// how. Most operators are the same in both (a filter is a filter); a plan node carries
// one of them as its payload. The logical-only operators (a table read, a join) are in
// logical_plan.h; the physical-only ones (index scans, join methods) in physical_plan.h.
//
// Every plan node knows its output columns; expressions refer to positions of its input
// row (for joins: the left row followed by the right row).
//
// Thread-safety: plain values, shared read-only once a plan is built.
#ifndef MERIDIAN_SQL_PLANNER_PLAN_OPS_H_
#define MERIDIAN_SQL_PLANNER_PLAN_OPS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "common/logging.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/bound_expr.h"

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

enum class JoinType { kInner, kLeft };

// The aggregate functions (`every` binds as kBoolAnd). kAnyValue has no SQL name: the
// binder uses it for a column that is functionally dependent on the GROUP BY keys (its
// table's primary key is grouped), whose value is the same in every row of a group.
enum class AggFunc {
  kCount,
  kCountStar,
  kSum,
  kAvg,
  kMin,
  kMax,
  kBoolAnd,
  kBoolOr,
  kStringAgg,
  kAnyValue
};
// The SQL name (count_star prints as "count_star", as EXPLAIN always showed it).
const char* AggFuncName(AggFunc f);
// The function an aggregate name denotes (lower-case; "every" is bool_and), if any.
std::optional<AggFunc> AggFuncFromName(std::string_view name);

struct AggregateCall {
  AggFunc func = AggFunc::kCount;
  BoundExprPtr arg;        // null for count(*)
  BoundExprPtr delimiter;  // string_agg: the second argument (text)
  bool distinct = false;
  SqlType type;
};

enum class SetOpKind { kUnion, kIntersect, kExcept };
const char* SetOpName(SetOpKind k);  // "UNION", "INTERSECT", "EXCEPT"

enum class OnConflict { kError, kDoNothing, kDoUpdate };

// --- operators the logical and physical plans share
//
// Each operator's VisitExprs(f) calls f(BoundExprPtr&) on every expression slot it holds
// (null slots included, so f must accept null), stopping at the first error; the optimizer's
// passes rewrite expressions through it and EXPLAIN finds subqueries with it.

template <typename F>
absl::Status VisitEach(std::vector<BoundExprPtr>& exprs, F& f) {
  for (auto& e : exprs) RETURN_IF_ERROR(f(e));
  return absl::OkStatus();
}

// Rows of constant expressions (no input).
struct ValuesOp {
  std::vector<std::vector<BoundExprPtr>> rows;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    for (auto& row : rows) {
      for (auto& e : row) RETURN_IF_ERROR(f(e));
    }
    return absl::OkStatus();
  }
};

// generate_series(args[0], args[1] [, args[2] = step]) in FROM: one integer column of the
// values from start to stop; the arguments may read enclosing queries' rows. No input.
struct SeriesOp {
  std::vector<BoundExprPtr> args;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return VisitEach(args, f);
  }
};

// The input rows for which `predicate` is TRUE.
struct FilterOp {
  BoundExprPtr predicate;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return f(predicate);
  }
};

// `exprs` over each input row.
struct ProjectOp {
  std::vector<BoundExprPtr> exprs;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return VisitEach(exprs, f);
  }
};

// Groups by `group_by`, then computes `aggregates` per group; output = the group values
// followed by the aggregate values. Without GROUP BY, one row even for no input.
struct AggregateOp {
  std::vector<BoundExprPtr> group_by;
  std::vector<AggregateCall> aggregates;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    RETURN_IF_ERROR(VisitEach(group_by, f));
    for (auto& a : aggregates) {
      RETURN_IF_ERROR(f(a.arg));
      RETURN_IF_ERROR(f(a.delimiter));
    }
    return absl::OkStatus();
  }
};

struct SortOp {
  std::vector<SortKey> keys;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    for (auto& k : keys) RETURN_IF_ERROR(f(k.expr));
    return absl::OkStatus();
  }
};

// At most `limit` rows (null: all) after skipping `offset` (null: none).
struct LimitOp {
  BoundExprPtr limit, offset;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    RETURN_IF_ERROR(f(limit));
    return f(offset);
  }
};

// Input rows without duplicates (NULLs equal each other).
struct DistinctOp {
  template <typename F>
  absl::Status VisitExprs(F&&) {
    return absl::OkStatus();
  }
};

// children[0] UNION | INTERSECT | EXCEPT [ALL] children[1].
struct SetOp {
  SetOpKind kind = SetOpKind::kUnion;
  bool all = false;
  template <typename F>
  absl::Status VisitExprs(F&&) {
    return absl::OkStatus();
  }
};

// Writes. The input (children[0]) yields, for INSERT, full table rows (defaults filled
// in); for UPDATE, the old row followed by the new row; for DELETE, the old rows.
// `returning` is over the new (insert/update) or old (delete) row.
struct DmlTarget {
  TablePtr table;
  std::vector<BoundExprPtr> returning;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return VisitEach(returning, f);
  }
};

struct InsertOp : DmlTarget {
  OnConflict on_conflict = OnConflict::kError;
  std::vector<int> conflict_columns;  // empty: any unique index
  // DO UPDATE: expressions over (existing row, excluded row) giving the new row, and an
  // optional condition over the same input.
  std::vector<BoundExprPtr> conflict_set;
  BoundExprPtr conflict_where;
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    RETURN_IF_ERROR(DmlTarget::VisitExprs(f));
    RETURN_IF_ERROR(VisitEach(conflict_set, f));
    return f(conflict_where);
  }
};

struct UpdateOp : DmlTarget {};
struct DeleteOp : DmlTarget {};

// --- plan nodes

// What a logical and a physical plan node have in common: output columns, inputs, and one
// operator out of `OpVariant`, whose alternatives are listed in the order of `KindEnum`.
template <typename Self, typename OpVariant, typename KindEnum>
struct PlanNode {
  using Op = OpVariant;
  using Kind = KindEnum;

  Op op;
  std::vector<OutputColumn> columns;
  std::vector<std::shared_ptr<Self>> children;

  Kind kind() const { return static_cast<Kind>(op.index()); }
  template <typename T>
  bool Is() const {
    return std::holds_alternative<T>(op);
  }
  // The operator, which must be a T.
  template <typename T>
  T& As() {
    T* p = std::get_if<T>(&op);
    CHECK(p != nullptr) << "plan node of kind " << static_cast<int>(kind()) << " used as another";
    return *p;
  }
  template <typename T>
  const T& As() const {
    return const_cast<PlanNode*>(this)->template As<T>();
  }
  // Calls f(BoundExprPtr&) on every expression of the operator (see above).
  template <typename F>
  absl::Status VisitExprs(F&& f) {
    return std::visit([&](auto& o) { return o.VisitExprs(f); }, op);
  }

  // A node running `op` over `children`, with output `columns`.
  static std::shared_ptr<Self> Make(Op op, std::vector<OutputColumn> columns,
                                    std::vector<std::shared_ptr<Self>> children) {
    auto n = std::make_shared<Self>();
    n->op = std::move(op);
    n->columns = std::move(columns);
    n->children = std::move(children);
    return n;
  }
};

// --- printing (EXPLAIN and the optimizer's transcript tests)

std::string JoinExprs(const std::vector<BoundExprPtr>& v, const char* sep);
// The one-line description of a shared operator ("filter (a#0 = 1)", "sort b#1 DESC", ...).
std::string DescribeValues(const ValuesOp& op);
std::string DescribeSeries(const SeriesOp& op);
std::string DescribeFilter(const FilterOp& op);
std::string DescribeProject(const ProjectOp& op);
std::string DescribeAggregate(const AggregateOp& op);
std::string DescribeSort(const SortOp& op);
std::string DescribeLimit(const LimitOp& op);
std::string DescribeSetOp(const SetOp& op);
std::string DescribeInsert(const InsertOp& op);
std::string DescribeUpdate(const UpdateOp& op);
std::string DescribeDelete(const DeleteOp& op);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_PLAN_OPS_H_
