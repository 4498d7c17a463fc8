// The binder's array forms. Meridian has no array values: an array type appears only on a
// few pg_catalog columns of views that never have rows (pg_policy.polroles,
// pg_statistic_ext.stxkind, pg_publication_rel.prattrs), which PostgreSQL clients still name
// in their catalog queries (psql's \d). So `x = ANY (col)`, `col[i]`, `col = '{0}'` and
// `col::int2[]` bind when `col` has an array type, give NULL for a NULL array, and would fail
// with 0A000 on a non-NULL one; anywhere else they are refused at bind time with a SQLSTATE.
// array_to_string(ARRAY(subquery), sep) is real: it never materializes an array.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/planner/binder.h"
#include "sql/planner/internal/binder_internal.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {

namespace {

BoundExprPtr ArrayCall(ArrayOp op, SqlType type, std::string name, std::vector<BoundExprPtr> args) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExpr::Kind::kFunction;
  e->type = type;
  e->fn = ArrayOperator(op);
  e->name = std::move(name);
  e->args = std::move(args);
  return e;
}

bool IsUntypedLiteral(const BoundExpr& e) {
  return e.kind == BoundExpr::Kind::kConst && e.type.id == TypeId::kUnknown;
}

}  // namespace

absl::StatusOr<BoundExprPtr> Binder::BindArrayCompare(BoundExprPtr a, BoundExprPtr b,
                                                      const std::string& op, int location) {
  const SqlType array = a->type.id == TypeId::kArray ? a->type : b->type;
  for (BoundExprPtr* side : {&a, &b}) {
    BoundExprPtr& x = *side;
    if (x->type == array || IsUntypedLiteral(*x)) continue;  // '{0}' stays text: never read
    if (x->kind == BoundExpr::Kind::kParam && x->type.id == TypeId::kUnknown) {
      ASSIGN_OR_RETURN(x, Coerce(x, array));
      continue;
    }
    return Error("42883",
                 absl::StrCat("operator does not exist: ", a->type.ToString(), " ", op, " ",
                              b->type.ToString()),
                 location);
  }
  return ArrayCall(ArrayOp::kStrict, SqlType::Of(TypeId::kBool), absl::StrCat("array ", op),
                   {a, b});
}

absl::StatusOr<BoundExprPtr> Binder::BindArrayQuantified(const ast::Expr& e, Scope& scope) {
  ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
  ASSIGN_OR_RETURN(BoundExprPtr array, BindExpr(*e.args[1], scope));
  if (array->type.id != TypeId::kArray) {
    return Error("0A000", "ANY/ALL is supported over a subquery or an ARRAY[...] list", e.location);
  }
  const SqlType element = SqlType::Of(array->type.element);
  if (a->type.id == TypeId::kUnknown) {
    ASSIGN_OR_RETURN(a, Coerce(a, element));
  }
  if (!CommonType(a->type, element).ok()) {
    return Error("42883",
                 absl::StrCat("operator does not exist: ", a->type.ToString(), " ", e.op, " ",
                              element.ToString()),
                 e.location);
  }
  return ArrayCall(ArrayOp::kQuantified, SqlType::Of(TypeId::kBool),
                   absl::StrCat(e.op, e.text == "all" ? " ALL" : " ANY"), {a, array});
}

absl::StatusOr<BoundExprPtr> Binder::BindSubscript(const ast::Expr& e, Scope& scope) {
  ASSIGN_OR_RETURN(BoundExprPtr array, BindExpr(*e.args[0], scope));
  if (array->type.id != TypeId::kArray) {
    return Error("42804",
                 absl::StrCat("cannot subscript type ", array->type.ToString(),
                              " because it does not support subscripting"),
                 e.location);
  }
  if (e.text == ":" || e.args.size() != 2) {
    return Error("0A000", "array slices are not supported", e.location);
  }
  ASSIGN_OR_RETURN(BoundExprPtr index, BindExpr(*e.args[1], scope));
  if (index->type.id == TypeId::kUnknown) {
    ASSIGN_OR_RETURN(index, Coerce(index, SqlType::Of(TypeId::kInt4)));
  }
  if (!index->type.is_integer()) {
    return Error("42804", "array subscript must have type integer", e.args[1]->location);
  }
  return ArrayCall(ArrayOp::kStrict, SqlType::Of(array->type.element), "subscript", {array, index});
}

absl::StatusOr<BoundExprPtr> Binder::BindArrayCast(const ast::Expr& e, Scope& scope) {
  ast::TypeName element_name = e.type;
  element_name.array = false;
  ASSIGN_OR_RETURN(SqlType element, ResolveTypeName(element_name));
  const SqlType to = SqlType::ArrayOf(element.id);
  ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
  if (a->kind == BoundExpr::Kind::kConst && a->value.is_null()) {
    return MakeConst(Value::Null(), to);
  }
  if (a->type.id == TypeId::kArray) {
    if (a->type == to) return a;
    const SqlType from = SqlType::Of(a->type.element);
    if ((from.is_integer() && element.is_integer()) || (from.is_string() && element.is_string())) {
      auto c = std::make_shared<BoundExpr>();
      c->kind = BoundExpr::Kind::kCast;  // of a NULL: NULL; anything else fails with 0A000
      c->type = to;
      c->args = {a};
      return c;
    }
  }
  return Error("0A000", "arrays are not supported", e.location);
}

absl::StatusOr<BoundExprPtr> Binder::BindArrayToString(const ast::Expr& e, Scope& scope) {
  if (e.args.size() < 2 || e.args.size() > 3) {
    return Error(
        "42883",
        absl::StrCat("function array_to_string does not accept ", e.args.size(), " arguments"),
        e.location);
  }
  ASSIGN_OR_RETURN(BoundExprPtr sub, BindSubquery(*e.args[0]->subquery, scope));
  if (sub->subquery->columns.size() != 1) {
    return Error("42601", "subquery must return only one column", e.args[0]->location);
  }
  auto n = std::make_shared<BoundExpr>();
  n->kind = BoundExpr::Kind::kArrayToString;
  n->type = SqlType::Of(TypeId::kText);
  n->subquery = sub->subquery;
  n->subquery_column_type = sub->subquery_column_type;
  n->correlated = sub->correlated;
  n->outer_refs = sub->outer_refs;
  n->index = sub->index;
  for (size_t i = 1; i < e.args.size(); ++i) {
    ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*e.args[i], scope));
    if (x->type.id == TypeId::kUnknown) {
      ASSIGN_OR_RETURN(x, Coerce(x, SqlType::Of(TypeId::kText)));
    }
    if (!x->type.is_string()) {
      return Error(
          "42883",
          absl::StrCat("function array_to_string(", sub->subquery->columns[0].type.ToString(),
                       "[], ", x->type.ToString(), ") does not exist"),
          e.location);
    }
    n->args.push_back(x);
  }
  return n;
}

}  // namespace meridian::sql
