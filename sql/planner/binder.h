// The binder: turns a parsed query or DML statement (sql/parser/ast.h) into a logical plan
// (logical_plan.h). Its parts: binder_expr.cc (expressions, types and coercions),
// binder_query.cc (FROM, SELECT, set operations), binder_dml.cc (INSERT, UPDATE, DELETE),
// binder_arrays.cc (the array forms pg_catalog needs). It resolves table and column names against
// the catalog (read through the statement's transaction), checks and infers types (including the
// types of $n parameters from their use), and reports errors with PostgreSQL's SQLSTATEs: 42P01
// undefined table, 42703 undefined column, 42702 ambiguous column, 42804 datatype mismatch, 42803
// grouping error, 42883 undefined function, 42601 syntax-level misuse, 0A000 unsupported.
//
// Thread-safety: a Binder is used by one thread for one statement.
#ifndef MERIDIAN_SQL_PLANNER_BINDER_H_
#define MERIDIAN_SQL_PLANNER_BINDER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sql/parser/ast.h"
#include "sql/planner/logical_plan.h"
#include "sql/types/column_info.h"

namespace meridian::sql {

// Where the binder finds tables. Both callbacks return null when there is no such table.
struct BinderCatalog {
  std::function<absl::StatusOr<TablePtr>(const std::string& name)> table;
  // System views (pg_catalog.*, information_schema.*): a plan (usually kValues) or null.
  std::function<absl::StatusOr<LogicalPtr>(const std::string& schema, const std::string& name)>
      system_view;
  // The OID pg_catalog gives the table or index `schema`.`name` (schema may be empty), for
  // regclass input by name ('acct'::regclass); nullopt if there is none. May be unset.
  std::function<absl::StatusOr<std::optional<int64_t>>(const std::string& schema,
                                                       const std::string& name)>
      relation_oid;
};

// What a bound statement does; the command tag a client sees names it.
enum class StatementVerb { kSelect, kInsert, kUpdate, kDelete };

struct BoundStatement {
  LogicalPtr plan;
  std::vector<ColumnInfo> columns;  // result columns (empty if no rows are returned)
  std::vector<SqlType> param_types;
  StatementVerb verb = StatementVerb::kSelect;
  bool for_update = false;
};

class Binder {
 public:
  // `param_types`: the types the client declared for $1..$n (kUnknown = infer).
  Binder(BinderCatalog catalog, std::vector<SqlType> param_types);

  // SELECT, INSERT, UPDATE or DELETE (0A000 for any other statement).
  absl::StatusOr<BoundStatement> Bind(const ast::Statement& statement);
  absl::StatusOr<BoundStatement> BindSelect(const ast::SelectStmt& select);
  absl::StatusOr<BoundStatement> BindInsert(const ast::InsertStmt& insert);
  absl::StatusOr<BoundStatement> BindUpdate(const ast::UpdateStmt& update);
  absl::StatusOr<BoundStatement> BindDelete(const ast::DeleteStmt& del);

  // A standalone expression over the columns of `table` (DEFAULT values, index backfill).
  absl::StatusOr<BoundExprPtr> BindTableExpr(const ast::Expr& expr, const TableInfo& table);

  // Coerces `e` to `type` as an assignment does (INSERT/UPDATE values): unknown literals
  // and parameters take the type; other types need an implicit or assignment cast (42804).
  absl::StatusOr<BoundExprPtr> CoerceForAssignment(BoundExprPtr e, const SqlType& type,
                                                   const std::string& column);

  class Scope;

 private:
  struct SelectResult;
  // `operand`: `select` is an operand of a set operation chain; only its own body is bound
  // (the chain, ORDER BY and LIMIT belong to the chain's head).
  absl::StatusOr<LogicalPtr> BindQuery(const ast::SelectStmt& select,
                                       std::vector<std::string>* names, bool operand = false);
  absl::StatusOr<LogicalPtr> BindFrom(const ast::TableRef& ref);
  // `plan`'s rows under a FROM alias, columns renamed to `columns` (a prefix of them).
  absl::StatusOr<LogicalPtr> AliasQuery(LogicalPtr plan, const std::string& alias,
                                        const std::vector<std::string>& columns, int location);
  absl::StatusOr<LogicalPtr> BindTableName(const std::vector<std::string>& name,
                                           const std::string& alias, int location);
  absl::StatusOr<BoundExprPtr> BindExpr(const ast::Expr& e, Scope& scope);
  absl::StatusOr<BoundExprPtr> BindExprInner(const ast::Expr& e, Scope& scope);
  absl::StatusOr<BoundExprPtr> BindFunction(const ast::Expr& e, Scope& scope);
  absl::StatusOr<BoundExprPtr> BindSubquery(const ast::SelectStmt& s, Scope& scope);
  // After grouping, a column of `scope.pre` that is functionally dependent on the group
  // keys (scope.dependent): its value in each group.
  BoundExprPtr DependentColumn(const BoundExprPtr& column, Scope& scope);
  // `left` IN (list): a kInList node (not negated).
  absl::StatusOr<BoundExprPtr> BindInList(const ast::Expr& left,
                                          absl::Span<const ast::ExprPtr> list, Scope& scope,
                                          int location);
  // e.args[0] IN / op ANY|ALL (e.subquery): a kInSubquery node with `op`.
  absl::StatusOr<BoundExprPtr> BindInSubquery(const ast::Expr& e, Scope& scope, CompareOp op,
                                              const std::string& op_text);
  // Arrays (binder_arrays.cc): only a few always-empty pg_catalog columns have an array
  // type (TypeId::kArray). These forms bind over them, so that clients' catalog queries run,
  // and fail with 0A000 on a non-NULL array; over anything else they are refused as before.
  // `a` op `b` where one side is an array.
  absl::StatusOr<BoundExprPtr> BindArrayCompare(BoundExprPtr a, BoundExprPtr b,
                                                const std::string& op, int location);
  // x op ANY|ALL (e.args[1]) where e.args[1] is neither a subquery nor ARRAY[...].
  absl::StatusOr<BoundExprPtr> BindArrayQuantified(const ast::Expr& e, Scope& scope);
  absl::StatusOr<BoundExprPtr> BindSubscript(const ast::Expr& e, Scope& scope);
  // CAST(x AS type[]).
  absl::StatusOr<BoundExprPtr> BindArrayCast(const ast::Expr& e, Scope& scope);
  // array_to_string(ARRAY(subquery), sep [, null_string]): kArrayToString.
  absl::StatusOr<BoundExprPtr> BindArrayToString(const ast::Expr& e, Scope& scope);
  // A function in FROM: generate_series over integers.
  absl::StatusOr<LogicalPtr> BindTableFunction(const ast::TableRef& ref);
  // A column reference not found in the current scope, looked up in the enclosing queries'
  // scopes (innermost first); `not_found` is the error to return if none has it.
  absl::StatusOr<BoundExprPtr> ResolveOuter(const ast::Expr& e, absl::Status not_found);
  absl::StatusOr<BoundExprPtr> Coerce(BoundExprPtr e, const SqlType& type);
  // A string constant as regclass: a number is an OID; anything else is a relation name,
  // looked up in the catalog (42P01 if there is no such relation).
  absl::StatusOr<Value> RegclassFromText(const std::string& text);
  absl::StatusOr<std::pair<BoundExprPtr, BoundExprPtr>> Unify(BoundExprPtr a, BoundExprPtr b,
                                                              int location, const char* context);
  absl::StatusOr<BoundExprPtr> ToBool(BoundExprPtr e, const char* context);
  absl::StatusOr<LogicalPtr> TableRowsPlan(const TableInfo& table, const ast::Expr* where,
                                           const std::string& alias, bool for_update,
                                           std::unique_ptr<Scope>* scope);
  absl::StatusOr<std::vector<BoundExprPtr>> BindReturning(const std::vector<ast::SelectItem>& items,
                                                          Scope& scope,
                                                          std::vector<ColumnInfo>* columns);
  void FinishParams(BoundStatement* out);
  // The end of every DML binding: RETURNING over `scope` into `target` (node's operator),
  // the plan, the verb, parameters.
  absl::StatusOr<BoundStatement> FinishDml(LogicalPtr node, DmlTarget& target,
                                           const std::vector<ast::SelectItem>& returning,
                                           Scope& scope, StatementVerb verb);
  // The table an INSERT/UPDATE/DELETE names (42P01 if none).
  absl::StatusOr<TablePtr> DmlTable(const std::vector<std::string>& name);

  // The scopes enclosing the subqueries being bound (innermost last), and what each
  // subquery has read from them: depth 1 is that subquery's own enclosing scope.
  struct OuterFrame {
    Scope* scope = nullptr;
    bool correlated = false;
    std::vector<std::pair<int, int>> refs;  // (depth, index)
  };
  std::vector<OuterFrame> outer_;
  // The common table expressions in scope, innermost last. Each reference binds the CTE's
  // query afresh (it is inlined), seeing only the CTEs before it.
  std::vector<const ast::CommonTableExpr*> ctes_;
  int next_subquery_ = 1;  // subqueries are numbered in EXPLAIN

  BinderCatalog catalog_;
  std::vector<SqlType> params_;
  bool for_update_ = false;
};

// The SqlType a type name denotes (42704 for unknown names, 22023 for bad modifiers).
absl::StatusOr<SqlType> ResolveTypeName(const ast::TypeName& t);

// Parses and binds a column's DEFAULT expression text.
absl::StatusOr<BoundExprPtr> BindDefault(const std::string& text, const SqlType& type);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_BINDER_H_
