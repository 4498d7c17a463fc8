// The binder's entry points and the helpers its files share. Expressions are bound in
// binder_expr.cc, queries (FROM, SELECT, set operations) in binder_query.cc, INSERT, UPDATE
// and DELETE in binder_dml.cc, and the array forms in binder_arrays.cc.
#include "sql/planner/binder.h"

#include "absl/strings/str_join.h"
#include "sql/planner/internal/binder_internal.h"

namespace meridian::sql {
namespace internal {

absl::Status Error(std::string_view sqlstate, std::string_view message, int location) {
  absl::Status s = SqlError(absl::StatusCode::kInvalidArgument, sqlstate, message);
  if (location >= 0) s = WithErrorPosition(s, location + 1);
  return s;
}

std::string QualifiedName(const std::vector<std::string>& names) {
  return absl::StrJoin(names, ".");
}

bool ContainsAggregate(const Expr* e) {
  if (e == nullptr) return false;
  if (e->kind == ExprKind::kFunction && !e->names.empty() &&
      AggFuncFromName(e->names.back()).has_value()) {
    return true;
  }
  for (const auto& a : e->args) {
    if (ContainsAggregate(a.get())) return true;
  }
  if (ContainsAggregate(e->case_operand.get()) || ContainsAggregate(e->else_expr.get()))
    return true;
  for (const auto& [w, t] : e->when_then) {
    if (ContainsAggregate(w.get()) || ContainsAggregate(t.get())) return true;
  }
  return false;  // subqueries are their own query
}

BoundExprPtr MakeNode(BoundExpr::Kind kind, SqlType type, std::vector<BoundExprPtr> args) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = kind;
  e->type = type;
  e->args = std::move(args);
  return e;
}

std::string DefaultColumnName(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kColumnRef:
      return e.names.back();
    case ExprKind::kFunction:
      return e.names.back();
    case ExprKind::kCast:
      if (e.args.empty() || e.args[0]->kind == ExprKind::kLiteral) return e.type.name;
      return DefaultColumnName(*e.args[0]);
    case ExprKind::kCase: {
      // As PostgreSQL: the ELSE branch's name, when it is a real one (a column's, a
      // function's, a subquery's), else "case".
      if (!e.else_expr) return "case";
      const Expr* x = e.else_expr.get();
      while (x->kind == ExprKind::kCast && !x->args.empty()) x = x->args[0].get();
      std::string name = DefaultColumnName(*e.else_expr);
      bool named = x->kind == ExprKind::kColumnRef || x->kind == ExprKind::kFunction ||
                   x->kind == ExprKind::kExists || x->kind == ExprKind::kSubquery ||
                   x->kind == ExprKind::kCase || x->kind == ExprKind::kSubscript;
      return named && name != "?column?" ? name : "case";
    }
    case ExprKind::kExists:
      return "exists";
    case ExprKind::kSubscript:
      return e.args.empty() ? "?column?" : DefaultColumnName(*e.args[0]);
    case ExprKind::kSubquery:
      if (e.subquery && e.subquery->items.size() == 1 && e.subquery->items[0].expr) {
        const ast::SelectItem& item = e.subquery->items[0];
        return item.alias.empty() ? DefaultColumnName(*item.expr) : item.alias;
      }
      return "?column?";
    default:
      return "?column?";
  }
}

std::vector<OutputColumn> TableColumns(const TableInfo& t, const std::string& alias) {
  std::vector<OutputColumn> cols;
  for (int i = 0; i < t.num_columns(); ++i) {
    const auto& c = t.column(i);
    cols.push_back(OutputColumn{alias, c.name(), t.column_type(i), c.hidden(),
                                static_cast<uint32_t>(t.id()), static_cast<int16_t>(i + 1)});
  }
  return cols;
}

}  // namespace internal

Binder::Binder(BinderCatalog catalog, std::vector<SqlType> param_types)
    : catalog_(std::move(catalog)), params_(std::move(param_types)) {}

absl::StatusOr<BoundStatement> Binder::Bind(const ast::Statement& statement) {
  if (const auto* s = std::get_if<ast::SelectStmt>(&statement)) return BindSelect(*s);
  if (const auto* s = std::get_if<ast::InsertStmt>(&statement)) return BindInsert(*s);
  if (const auto* s = std::get_if<ast::UpdateStmt>(&statement)) return BindUpdate(*s);
  if (const auto* s = std::get_if<ast::DeleteStmt>(&statement)) return BindDelete(*s);
  return internal::Error("0A000", "only SELECT, INSERT, UPDATE and DELETE can be planned");
}

void Binder::FinishParams(BoundStatement* out) {
  for (auto& p : params_) {
    if (p.id == TypeId::kUnknown) p = SqlType::Of(TypeId::kText);
  }
  out->param_types = params_;
}

}  // namespace meridian::sql
