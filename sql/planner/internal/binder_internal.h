// What the binder's files share (binder.cc, binder_expr.cc, binder_query.cc,
// binder_dml.cc, binder_arrays.cc): the scope names resolve in, and small helpers.
//
// Thread-safety: as Binder.
#ifndef MERIDIAN_SQL_PLANNER_INTERNAL_BINDER_INTERNAL_H_
#define MERIDIAN_SQL_PLANNER_INTERNAL_BINDER_INTERNAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/planner/binder.h"

namespace meridian::sql {
namespace internal {

// An error with a SQLSTATE, at character `location` of the statement (0-based; -1: none).
absl::Status Error(std::string_view sqlstate, std::string_view message, int location = -1);
std::string QualifiedName(const std::vector<std::string>& names);
// Whether `e` calls an aggregate outside any subquery.
bool ContainsAggregate(const ast::Expr* e);
BoundExprPtr MakeNode(BoundExpr::Kind kind, SqlType type, std::vector<BoundExprPtr> args = {});
// The name PostgreSQL gives an unnamed result column of expression `e` ("?column?" if none).
std::string DefaultColumnName(const ast::Expr& e);
// The columns of `t`, qualified by `alias`.
std::vector<OutputColumn> TableColumns(const TableInfo& t, const std::string& alias);

}  // namespace internal

// The binder's files use these unqualified (this header is theirs alone).
using ast::Expr;
using ast::ExprKind;
using internal::ContainsAggregate;
using internal::DefaultColumnName;
using internal::Error;
using internal::MakeNode;
using internal::QualifiedName;
using internal::TableColumns;

// The columns names resolve against, and what binding may do there.
class Binder::Scope {
 public:
  std::vector<OutputColumn> columns;
  // Set while binding expressions after grouping: the scope before grouping, the textual
  // form of every group key, and the aggregate node collecting calls.
  Scope* pre = nullptr;
  std::vector<std::string> group_keys;
  // After grouping: dependent[i] says that column i of `pre` is functionally dependent on
  // the group keys (its table's primary key is among them), so it may be selected without
  // being grouped, as in PostgreSQL.
  std::vector<bool> dependent;
  LogicalNode* agg = nullptr;
  // Why aggregates are refused here ("WHERE", "JOIN conditions", ...); empty = allowed
  // (only with agg set).
  const char* no_aggregates = "this context";

  absl::StatusOr<int> Resolve(const std::vector<std::string>& names, int location) const {
    std::string col = names.back();
    std::string qual = names.size() >= 2 ? names[names.size() - 2] : "";
    int found = -1;
    bool table_seen = qual.empty();
    for (int i = 0; i < static_cast<int>(columns.size()); ++i) {
      const OutputColumn& c = columns[i];
      if (!qual.empty() && c.table != qual) continue;
      table_seen = true;
      if (c.name != col) continue;
      if (found >= 0) {
        return internal::Error("42702", absl::StrCat("column reference \"", col, "\" is ambiguous"),
                               location);
      }
      found = i;
    }
    if (found < 0) {
      if (!table_seen) {
        return internal::Error(
            "42P01", absl::StrCat("missing FROM-clause entry for table \"", qual, "\""), location);
      }
      std::string shown = qual.empty() ? col : absl::StrCat(qual, ".", col);
      return internal::Error("42703", absl::StrCat("column \"", shown, "\" does not exist"),
                             location);
    }
    return found;
  }
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_INTERNAL_BINDER_INTERNAL_H_
