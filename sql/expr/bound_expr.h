// Bound expressions: the binder's output for every scalar expression. Names are resolved to
// input column positions, types are known, and literals are typed Values. They are evaluated
// by sql/expr/expr_eval.h. A subquery expression carries its plan (sql/planner), which this
// layer only points at.
//
// Thread-safety: immutable after binding; safe to share between executions.
#ifndef MERIDIAN_SQL_EXPR_BOUND_EXPR_H_
#define MERIDIAN_SQL_EXPR_BOUND_EXPR_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sql/functions/functions.h"
#include "sql/types/value.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {

struct LogicalNode;   // sql/planner/logical_plan.h
struct PhysicalNode;  // sql/planner/physical_plan.h
struct BoundExpr;
using BoundExprPtr = std::shared_ptr<BoundExpr>;

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct BoundExpr {
  enum class Kind {
    kConst,       // value
    kColumn,      // index: position in the input row
    kParam,       // index: 0-based parameter number
    kArith,       // arith(args[0], args[1])
    kNegate,      // -args[0]
    kCompare,     // cmp(args[0], args[1]); operands already cast to a common type
    kAnd,         // args (two or more)
    kOr,          // args (two or more)
    kNot,         // args[0]
    kIsNull,      // args[0] IS [NOT] NULL
    kIsDistinct,  // args[0] IS [NOT] DISTINCT FROM args[1]
    kCase,        // args: when0, then0, when1, then1, ..., [else]; has_else
    kCast,        // args[0] to `type`
    kFunction,    // name(args)
    kLike,        // args[0] LIKE args[1]; case_insensitive
    kRegex,       // args[0] ~ args[1]; case_insensitive, negated
    // args[0] IN (args[1..]); with `quantified`, args[0] cmp ANY|ALL (args[1..]) (`all`).
    // negated: NOT IN.
    kInList,
    kSubquery,    // scalar subquery: first column of the single row (NULL if none)
    kExists,      // EXISTS (subquery)
    kInSubquery,  // args[0] IN (subquery), or cmp ANY|ALL (subquery) as kInList
    kConcat,      // args[0] || args[1]
    // A column of an enclosing query's row, inside a correlated subquery: `depth` levels
    // out (1 = the row the subquery expression is evaluated on), position `index`.
    kOuterColumn,
    // array_to_string(ARRAY(subquery), args[0] [, args[1]]): the subquery's first column, in
    // its order, as text, joined by args[0] (NULL elements skipped, or shown as args[1]).
    // Meridian has no array values: ARRAY(subquery) is supported only in this form.
    kArrayToString,
  };
  Kind kind = Kind::kConst;
  SqlType type;
  Value value;
  int index = 0;  // kColumn, kParam, kOuterColumn: position; subquery kinds: its number
  ArithOp arith = ArithOp::kAdd;
  CompareOp cmp = CompareOp::kEq;
  std::vector<BoundExprPtr> args;
  bool negated = false;
  bool quantified = false;  // kInList, kInSubquery: cmp ANY|ALL rather than IN
  bool all = false;
  bool has_else = false;
  bool case_insensitive = false;
  std::string name;
  const FunctionDef* fn = nullptr;  // kFunction
  // Subquery kinds: the subquery as bound, and the physical plan the optimizer made of it
  // (what the executor runs).
  std::shared_ptr<LogicalNode> subquery;
  std::shared_ptr<const PhysicalNode> subquery_plan;
  // Subquery kinds: the type of the subquery's first column (kInSubquery compares with it,
  // kArrayToString formats it).
  SqlType subquery_column_type;
  int depth = 0;  // kOuterColumn
  // Subquery kinds: whether the subquery reads enclosing rows, and which columns it reads
  // (depth relative to this expression, as in kOuterColumn; used to memoize results).
  bool correlated = false;
  std::vector<std::pair<int, int>> outer_refs;

  // For EXPLAIN: "(a + 1) > $1".
  std::string ToString() const;
  // True if the expression reads no input column (constants, parameters, outer columns,
  // functions of them).
  bool IsConstant() const;
  // True if the expression, or a subquery in it, reads an enclosing query's row.
  bool HasCorrelatedSubquery() const;
};

BoundExprPtr MakeConst(Value v, SqlType type);
BoundExprPtr MakeColumn(int index, SqlType type, std::string name = "");

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXPR_BOUND_EXPR_H_
