#include "sql/planner/binder.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/identifier.h"
#include "common/status.h"
#include "sql/parser/parser.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

using ast::Expr;
using ast::ExprKind;

absl::Status Error(std::string_view sqlstate, std::string_view message, int location = -1) {
  absl::Status s = SqlError(absl::StatusCode::kInvalidArgument, sqlstate, message);
  if (location >= 0) s = WithErrorPosition(s, location + 1);
  return s;
}

std::string QualifiedName(const std::vector<std::string>& names) {
  return absl::StrJoin(names, ".");
}

bool ContainsAggregate(const Expr* e) {
  if (e == nullptr) return false;
  if (e->kind == ExprKind::kFunction && !e->names.empty() && IsAggregateName(e->names.back())) {
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

}  // namespace

absl::StatusOr<SqlType> ResolveTypeName(const ast::TypeName& t) {
  if (t.array) return Error("0A000", "array types are not supported", t.location);
  const std::string& n = t.name;
  auto mod = [&](size_t i, int32_t def) {
    return i < t.modifiers.size() ? static_cast<int32_t>(t.modifiers[i]) : def;
  };
  if (n == "int" || n == "integer" || n == "int4" || n == "serial")
    return SqlType::Of(TypeId::kInt4);
  if (n == "bigint" || n == "int8" || n == "bigserial") return SqlType::Of(TypeId::kInt8);
  if (n == "smallint" || n == "int2") return SqlType::Of(TypeId::kInt2);
  if (n == "numeric" || n == "decimal") {
    int32_t p = mod(0, -1), s = mod(1, p < 0 ? -1 : 0);
    if (p != -1 && (p < 1 || p > Numeric::kMaxDigits)) {
      return Error(
          "22023",
          absl::StrCat("NUMERIC precision ", p, " must be between 1 and ", Numeric::kMaxDigits),
          t.location);
    }
    if (p != -1 && (s < 0 || s > p)) {
      return Error("22023",
                   absl::StrCat("NUMERIC scale ", s, " must be between 0 and precision ", p),
                   t.location);
    }
    return SqlType::Numeric(p, s);
  }
  if (n == "real" || n == "float4") return SqlType::Of(TypeId::kFloat4);
  if (n == "double precision" || n == "float8" || n == "float") return SqlType::Of(TypeId::kFloat8);
  if (n == "text") return SqlType::Of(TypeId::kText);
  if (n == "varchar" || n == "character varying") {
    int32_t len = mod(0, -1);
    if (len != -1 && len < 1)
      return Error("22023", "length for type varchar must be at least 1", t.location);
    return SqlType::Varchar(len);
  }
  if (n == "char" || n == "character" || n == "bpchar") {
    int32_t len = mod(0, 1);
    if (len < 1) return Error("22023", "length for type char must be at least 1", t.location);
    return SqlType::Char(len);
  }
  if (n == "boolean" || n == "bool") return SqlType::Of(TypeId::kBool);
  if (n == "date") return SqlType::Of(TypeId::kDate);
  if (n == "timestamp") return SqlType::Of(TypeId::kTimestamp);
  if (n == "timestamptz") return SqlType::Of(TypeId::kTimestampTz);
  if (n == "bytea") return SqlType::Of(TypeId::kBytea);
  if (n == "oid" || n == "regproc" || n == "regtype" || n == "regnamespace") {
    return SqlType::Of(TypeId::kOid);
  }
  if (n == "name") return SqlType::Of(TypeId::kName);
  if (n == "regclass") return SqlType::Of(TypeId::kRegclass);
  if (n == "interval") return SqlType::Of(TypeId::kInterval);
  return Error("42704", absl::StrCat("type \"", n, "\" does not exist"), t.location);
}

namespace {

CompareOp CompareOpFor(const std::string& op, bool* ok) {
  *ok = true;
  if (op == "=") return CompareOp::kEq;
  if (op == "<>" || op == "!=") return CompareOp::kNe;
  if (op == "<") return CompareOp::kLt;
  if (op == "<=") return CompareOp::kLe;
  if (op == ">") return CompareOp::kGt;
  if (op == ">=") return CompareOp::kGe;
  *ok = false;
  return CompareOp::kEq;
}

bool ArithOpFor(const std::string& op, ArithOp* out) {
  if (op == "+")
    *out = ArithOp::kAdd;
  else if (op == "-")
    *out = ArithOp::kSub;
  else if (op == "*")
    *out = ArithOp::kMul;
  else if (op == "/")
    *out = ArithOp::kDiv;
  else if (op == "%")
    *out = ArithOp::kMod;
  else if (op == "^")
    *out = ArithOp::kPow;
  else
    return false;
  return true;
}

BoundExprPtr MakeNode(BoundExpr::Kind kind, SqlType type, std::vector<BoundExprPtr> args = {}) {
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

void MarkForUpdate(LogicalNode* n) {
  if (n->kind == LogicalNode::Kind::kScan) n->for_update = true;
  for (auto& c : n->children) MarkForUpdate(c.get());
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

}  // namespace

class Binder::Scope {
 public:
  std::vector<OutputColumn> columns;
  // Set while binding expressions after grouping: the scope before grouping, the textual
  // form of every group key, and the aggregate node collecting calls.
  Scope* pre = nullptr;
  std::vector<std::string> group_keys;
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
        return Error("42702", absl::StrCat("column reference \"", col, "\" is ambiguous"),
                     location);
      }
      found = i;
    }
    if (found < 0) {
      if (!table_seen) {
        return Error("42P01", absl::StrCat("missing FROM-clause entry for table \"", qual, "\""),
                     location);
      }
      std::string shown = qual.empty() ? col : absl::StrCat(qual, ".", col);
      return Error("42703", absl::StrCat("column \"", shown, "\" does not exist"), location);
    }
    return found;
  }
};

Binder::Binder(BinderCatalog catalog, std::vector<SqlType> param_types)
    : catalog_(std::move(catalog)), params_(std::move(param_types)) {}

// ---------------------------------------------------------------------------------------
// Expressions

absl::StatusOr<BoundExprPtr> Binder::Coerce(BoundExprPtr e, const SqlType& type) {
  if (type.id == TypeId::kUnknown || e->type == type) return e;
  if (e->type.id == TypeId::kUnknown) {
    if (e->kind == BoundExpr::Kind::kParam) {
      params_[e->index] = type;
      auto p = std::make_shared<BoundExpr>(*e);
      p->type = type;
      return p;
    }
    if (e->kind == BoundExpr::Kind::kConst) {
      if (e->value.is_null()) return MakeConst(Value::Null(), type);
      if (type.id == TypeId::kRegclass) {
        ASSIGN_OR_RETURN(Value v, RegclassFromText(e->value.string_value()));
        return MakeConst(std::move(v), type);
      }
      ASSIGN_OR_RETURN(Value v, CastValue(e->value, SqlType::Of(TypeId::kText), type));
      return MakeConst(std::move(v), type);
    }
  }
  // Same family: no conversion needed for evaluation (values compare across widths).
  if ((e->type.is_integer() && type.is_integer()) || (e->type.is_string() && type.is_string())) {
    return e;
  }
  auto c = MakeNode(BoundExpr::Kind::kCast, type, {e});
  return c;
}

absl::StatusOr<Value> Binder::RegclassFromText(const std::string& text) {
  const absl::string_view stripped = absl::StripAsciiWhitespace(text);
  const std::string_view t(stripped.data(), stripped.size());
  if (t.empty() || (t[0] >= '0' && t[0] <= '9')) {
    return CastValue(Value::String(text), SqlType::Of(TypeId::kText),
                     SqlType::Of(TypeId::kRegclass));
  }
  std::string schema, name;
  ParseRelationName(t, &schema, &name);
  std::optional<int64_t> oid;
  if (catalog_.relation_oid) {
    ASSIGN_OR_RETURN(oid, catalog_.relation_oid(schema, name));
  }
  if (!oid.has_value()) {
    return SqlError(absl::StatusCode::kNotFound, "42P01",
                    absl::StrCat("relation \"", std::string(t), "\" does not exist"));
  }
  return Value::Int(*oid);
}

absl::StatusOr<BoundExprPtr> Binder::CoerceForAssignment(BoundExprPtr e, const SqlType& type,
                                                         const std::string& column) {
  if (e->type.id == TypeId::kUnknown && e->kind == BoundExpr::Kind::kConst && !e->value.is_null()) {
    // An assignment checks lengths instead of truncating (22001).
    ASSIGN_OR_RETURN(Value v, CastValue(e->value, SqlType::Of(TypeId::kText), type,
                                        /*explicit_cast=*/false));
    return MakeConst(std::move(v), type);
  }
  if (e->type.id == TypeId::kUnknown) return Coerce(e, type);
  if (e->type == type) return e;
  bool ok =
      (e->type.is_numeric() && type.is_numeric()) || (e->type.is_string() && type.is_string()) ||
      (e->type.id == TypeId::kDate && type.id == TypeId::kTimestamp) ||
      (e->type.id == TypeId::kTimestamp && type.id == TypeId::kTimestampTz) ||
      (e->type.id == TypeId::kTimestampTz && type.id == TypeId::kTimestamp) || (type.is_string());
  if (!ok) {
    return Error("42804", absl::StrCat("column \"", column, "\" is of type ", type.ToString(),
                                       " but expression is of type ", e->type.ToString()));
  }
  // Assignment casts check lengths and numeric ranges (CastValue with explicit_cast false).
  auto c = MakeNode(BoundExpr::Kind::kCast, type, {e});
  c->negated = true;  // marks an assignment (not explicit) cast
  return c;
}

absl::StatusOr<std::pair<BoundExprPtr, BoundExprPtr>> Binder::Unify(BoundExprPtr a, BoundExprPtr b,
                                                                    int location,
                                                                    const char* context) {
  auto common = CommonType(a->type, b->type);
  if (!common.ok()) {
    return Error("42804",
                 absl::StrCat(context, " types ", a->type.ToString(), " and ", b->type.ToString(),
                              " cannot be matched"),
                 location);
  }
  SqlType t = *common;
  if (t.id == TypeId::kUnknown) t = SqlType::Of(TypeId::kText);
  if (a->type.id == TypeId::kUnknown) {
    ASSIGN_OR_RETURN(a, Coerce(a, t));
  }
  if (b->type.id == TypeId::kUnknown) {
    ASSIGN_OR_RETURN(b, Coerce(b, t));
  }
  // Dates compare with timestamps as timestamps.
  if (a->type.id != b->type.id && (a->type.id == TypeId::kDate || b->type.id == TypeId::kDate)) {
    ASSIGN_OR_RETURN(a, Coerce(a, t));
    ASSIGN_OR_RETURN(b, Coerce(b, t));
  }
  return std::make_pair(a, b);
}

absl::StatusOr<BoundExprPtr> Binder::ToBool(BoundExprPtr e, const char* context) {
  if (e->type.id == TypeId::kBool) return e;
  if (e->type.id == TypeId::kUnknown) return Coerce(e, SqlType::Of(TypeId::kBool));
  return Error("42804", absl::StrCat("argument of ", context, " must be type boolean, not type ",
                                     e->type.ToString()));
}

absl::StatusOr<BoundExprPtr> Binder::BindExpr(const Expr& e, Scope& scope) {
  if (scope.pre != nullptr &&
      !(e.kind == ExprKind::kFunction && !e.names.empty() && IsAggregateName(e.names.back())) &&
      !ContainsAggregate(&e)) {
    // After grouping: an expression equal to a group key reads that key's column.
    auto tentative = BindExprInner(e, *scope.pre);
    if (tentative.ok()) {
      std::string text = (*tentative)->ToString();
      for (size_t i = 0; i < scope.group_keys.size(); ++i) {
        if (scope.group_keys[i] == text) {
          return MakeColumn(static_cast<int>(i), (*tentative)->type, text);
        }
      }
      if ((*tentative)->IsConstant()) return *tentative;
      if (e.kind == ExprKind::kColumnRef) {
        return Error("42803",
                     absl::StrCat("column \"", QualifiedName(e.names),
                                  "\" must appear in the GROUP BY clause or be used in an "
                                  "aggregate function"),
                     e.location);
      }
    } else if (e.kind == ExprKind::kColumnRef) {
      return tentative.status();
    }
  }
  return BindExprInner(e, scope);
}

absl::StatusOr<BoundExprPtr> Binder::BindSubquery(const ast::SelectStmt& s, Scope& scope) {
  std::vector<std::string> names;
  const int number = next_subquery_++;
  outer_.push_back(OuterFrame{&scope});
  auto plan = BindQuery(s, &names);
  OuterFrame frame = std::move(outer_.back());
  outer_.pop_back();
  if (!plan.ok()) return plan.status();
  auto e = MakeNode(BoundExpr::Kind::kSubquery, SqlType::Of(TypeId::kUnknown));
  e->subquery = *plan;
  e->index = number;
  e->correlated = frame.correlated;
  e->outer_refs = std::move(frame.refs);
  return e;
}

absl::StatusOr<BoundExprPtr> Binder::ResolveOuter(const Expr& e, absl::Status not_found) {
  for (int q = static_cast<int>(outer_.size()) - 1; q >= 0; --q) {
    const Scope& s = *outer_[q].scope;
    // After grouping, names resolve before grouping and must be group keys.
    const Scope& named = s.pre != nullptr ? *s.pre : s;
    auto i = named.Resolve(e.names, e.location);
    if (!i.ok()) {
      if (GetSqlState(i.status()) == "42702") return i.status();
      continue;
    }
    int index = *i;
    if (s.pre != nullptr) {
      std::string text = MakeColumn(*i, named.columns[*i].type, named.columns[*i].name)->ToString();
      auto key = std::find(s.group_keys.begin(), s.group_keys.end(), text);
      if (key == s.group_keys.end()) {
        return Error("42803",
                     absl::StrCat("subquery uses ungrouped column \"", QualifiedName(e.names),
                                  "\" from outer query"),
                     e.location);
      }
      index = static_cast<int>(key - s.group_keys.begin());
    }
    const int n = static_cast<int>(outer_.size());
    for (int p = q; p < n; ++p) {
      OuterFrame& f = outer_[p];
      f.correlated = true;
      std::pair<int, int> ref(p - q + 1, index);
      if (std::find(f.refs.begin(), f.refs.end(), ref) == f.refs.end()) f.refs.push_back(ref);
    }
    auto c = MakeNode(BoundExpr::Kind::kOuterColumn, named.columns[*i].type);
    c->index = index;
    c->depth = n - q;
    c->name = named.columns[*i].name;
    return c;
  }
  return not_found;
}

absl::StatusOr<BoundExprPtr> Binder::BindInList(const Expr& left,
                                                absl::Span<const ast::ExprPtr> list, Scope& scope,
                                                int location) {
  ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(left, scope));
  std::vector<BoundExprPtr> items;
  SqlType common = a->type;
  for (const auto& item : list) {
    ASSIGN_OR_RETURN(BoundExprPtr x, BindExpr(*item, scope));
    auto t = CommonType(common, x->type);
    if (!t.ok()) {
      return Error("42804",
                   absl::StrCat("IN types ", common.ToString(), " and ", x->type.ToString(),
                                " cannot be matched"),
                   item->location >= 0 ? item->location : location);
    }
    common = *t;
    items.push_back(x);
  }
  if (common.id == TypeId::kUnknown) common = SqlType::Of(TypeId::kText);
  ASSIGN_OR_RETURN(a, Coerce(a, a->type.id == TypeId::kUnknown ? common : a->type));
  std::vector<BoundExprPtr> args = {a};
  for (auto& x : items) {
    if (x->type.id == TypeId::kUnknown) {
      ASSIGN_OR_RETURN(x, Coerce(x, a->type));
    }
    args.push_back(x);
  }
  return MakeNode(BoundExpr::Kind::kInList, SqlType::Of(TypeId::kBool), std::move(args));
}

absl::StatusOr<BoundExprPtr> Binder::BindInSubquery(const Expr& e, Scope& scope, CompareOp op,
                                                    const std::string& op_text) {
  ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
  ASSIGN_OR_RETURN(BoundExprPtr sub, BindSubquery(*e.subquery, scope));
  if (sub->subquery->columns.size() != 1) {
    return Error("42601", "subquery has too many columns", e.location);
  }
  SqlType st = sub->subquery->columns[0].type;
  if (a->type.id == TypeId::kUnknown) {
    ASSIGN_OR_RETURN(a, Coerce(a, st));
  }
  if (!CommonType(a->type, st).ok()) {
    return Error("42883",
                 absl::StrCat("operator does not exist: ", a->type.ToString(), " ", op_text, " ",
                              st.ToString()),
                 e.location);
  }
  auto n = MakeNode(BoundExpr::Kind::kInSubquery, SqlType::Of(TypeId::kBool), {a});
  n->subquery = sub->subquery;
  n->correlated = sub->correlated;
  n->outer_refs = sub->outer_refs;
  n->index = sub->index;
  n->negated = e.negated;
  n->cmp = op;
  return n;
}

absl::StatusOr<BoundExprPtr> Binder::BindExprInner(const Expr& e, Scope& scope) {
  using K = BoundExpr::Kind;
  switch (e.kind) {
    case ExprKind::kLiteral: {
      switch (e.literal_kind) {
        case ast::LiteralKind::kNull:
          return MakeConst(Value::Null(), SqlType::Of(TypeId::kUnknown));
        case ast::LiteralKind::kBool:
          return MakeConst(Value::Bool(e.text == "true"), SqlType::Of(TypeId::kBool));
        case ast::LiteralKind::kInteger: {
          int64_t v;
          if (absl::SimpleAtoi(e.text, &v)) {
            bool small = v >= INT32_MIN && v <= INT32_MAX;
            return MakeConst(Value::Int(v), SqlType::Of(small ? TypeId::kInt4 : TypeId::kInt8));
          }
          [[fallthrough]];
        }
        case ast::LiteralKind::kDecimal: {
          auto n = Numeric::Parse(e.text);
          if (!n.ok()) return WithErrorPosition(n.status(), e.location + 1);
          return MakeConst(Value::Decimal(*n), SqlType::Numeric());
        }
        case ast::LiteralKind::kString:
          return MakeConst(Value::String(e.text), SqlType::Of(TypeId::kUnknown));
      }
      return Error("XX000", "unknown literal");
    }
    case ExprKind::kParam: {
      if (e.param < 1 || e.param > 65535) {
        return Error("42P02", absl::StrCat("there is no parameter $", e.param), e.location);
      }
      if (static_cast<size_t>(e.param) > params_.size()) {
        params_.resize(e.param, SqlType::Of(TypeId::kUnknown));
      }
      auto p = MakeNode(K::kParam, params_[e.param - 1]);
      p->index = e.param - 1;
      return p;
    }
    case ExprKind::kColumnRef: {
      auto i = scope.Resolve(e.names, e.location);
      if (i.ok()) return MakeColumn(*i, scope.columns[*i].type, scope.columns[*i].name);
      std::optional<std::string> state = GetSqlState(i.status());
      if (outer_.empty() || !state.has_value() || (*state != "42703" && *state != "42P01")) {
        return i.status();
      }
      return ResolveOuter(e, i.status());
    }
    case ExprKind::kStar:
      return Error("42601", "\"*\" is not allowed here", e.location);
    case ExprKind::kUnary: {
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      if (e.op == "NOT") {
        ASSIGN_OR_RETURN(a, ToBool(a, "NOT"));
        return MakeNode(K::kNot, SqlType::Of(TypeId::kBool), {a});
      }
      if (a->type.id == TypeId::kUnknown) {
        ASSIGN_OR_RETURN(a, Coerce(a, SqlType::Numeric()));
      }
      if (!a->type.is_numeric() && a->type.id != TypeId::kInterval) {
        return Error("42883",
                     absl::StrCat("operator does not exist: ", e.op, " ", a->type.ToString()),
                     e.location);
      }
      if (e.op == "+") return a;
      if (a->kind == K::kConst && !a->value.is_null()) {
        ASSIGN_OR_RETURN(Value v, Negate(a->value, a->type));
        // -2147483648 is an int4 literal although 2147483648 alone is int8.
        SqlType t = a->type;
        if (t.id == TypeId::kInt8 && v.int_value() >= INT32_MIN) t = SqlType::Of(TypeId::kInt4);
        return MakeConst(std::move(v), t);
      }
      return MakeNode(K::kNegate, a->type, {a});
    }
    case ExprKind::kBinary: {
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*e.args[1], scope));
      if (e.op == "AND" || e.op == "OR") {
        ASSIGN_OR_RETURN(a, ToBool(a, e.op.c_str()));
        ASSIGN_OR_RETURN(b, ToBool(b, e.op.c_str()));
        K kind = e.op == "AND" ? K::kAnd : K::kOr;
        std::vector<BoundExprPtr> args;
        for (auto& x : {a, b}) {
          if (x->kind == kind) {
            args.insert(args.end(), x->args.begin(), x->args.end());
          } else {
            args.push_back(x);
          }
        }
        return MakeNode(kind, SqlType::Of(TypeId::kBool), std::move(args));
      }
      if (e.op == "IS DISTINCT FROM" || e.op == "IS NOT DISTINCT FROM") {
        auto unified = Unify(a, b, e.location, "IS DISTINCT FROM");
        if (!unified.ok()) return unified.status();
        auto n =
            MakeNode(K::kIsDistinct, SqlType::Of(TypeId::kBool), {unified->first, unified->second});
        n->negated = e.op == "IS NOT DISTINCT FROM";
        return n;
      }
      bool is_cmp;
      CompareOp cmp = CompareOpFor(e.op, &is_cmp);
      if (is_cmp && (a->type.id == TypeId::kArray || b->type.id == TypeId::kArray)) {
        return BindArrayCompare(a, b, e.op, e.location);
      }
      if (is_cmp) {
        auto unified = Unify(a, b, e.location, "operator");
        if (!unified.ok()) {
          return Error("42883",
                       absl::StrCat("operator does not exist: ", a->type.ToString(), " ", e.op, " ",
                                    b->type.ToString()),
                       e.location);
        }
        auto n =
            MakeNode(K::kCompare, SqlType::Of(TypeId::kBool), {unified->first, unified->second});
        n->cmp = cmp;
        return n;
      }
      ArithOp arith;
      if (ArithOpFor(e.op, &arith)) {
        if (a->type.id == TypeId::kUnknown && b->type.id == TypeId::kUnknown) {
          ASSIGN_OR_RETURN(a, Coerce(a, SqlType::Numeric()));
          ASSIGN_OR_RETURN(b, Coerce(b, SqlType::Numeric()));
        } else if (a->type.id == TypeId::kUnknown) {
          ASSIGN_OR_RETURN(
              a, Coerce(a, b->type.id == TypeId::kDate ? SqlType::Of(TypeId::kInt4) : b->type));
        } else if (b->type.id == TypeId::kUnknown) {
          SqlType t = b->type;
          if (a->type.id == TypeId::kDate)
            t = SqlType::Of(TypeId::kInt4);
          else if (a->type.id == TypeId::kTimestamp || a->type.id == TypeId::kTimestampTz)
            t = SqlType::Of(TypeId::kInterval);
          else
            t = a->type;
          ASSIGN_OR_RETURN(b, Coerce(b, t));
        }
        auto type = ArithResultType(arith, a->type, b->type);
        if (!type.ok()) return WithErrorPosition(type.status(), e.location + 1);
        auto n = MakeNode(K::kArith, *type, {a, b});
        n->arith = arith;
        return n;
      }
      if (e.op == "||") {
        for (BoundExprPtr* x : {&a, &b}) {
          if ((*x)->type.id == TypeId::kUnknown || !(*x)->type.is_string()) {
            ASSIGN_OR_RETURN(*x, Coerce(*x, SqlType::Of(TypeId::kText)));
          }
        }
        return MakeNode(K::kConcat, SqlType::Of(TypeId::kText), {a, b});
      }
      if (e.op == "~" || e.op == "!~" || e.op == "~*" || e.op == "!~*") {
        ASSIGN_OR_RETURN(a, Coerce(a, SqlType::Of(TypeId::kText)));
        ASSIGN_OR_RETURN(b, Coerce(b, SqlType::Of(TypeId::kText)));
        auto n = MakeNode(K::kRegex, SqlType::Of(TypeId::kBool), {a, b});
        n->negated = e.op[0] == '!';
        n->case_insensitive = e.op.back() == '*';
        return n;
      }
      return Error("42883",
                   absl::StrCat("operator does not exist: ", a->type.ToString(), " ", e.op, " ",
                                b->type.ToString()),
                   e.location);
    }
    case ExprKind::kIsNull: {
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      auto n = MakeNode(K::kIsNull, SqlType::Of(TypeId::kBool), {a});
      n->negated = e.negated;
      return n;
    }
    case ExprKind::kIsBool: {
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      ASSIGN_OR_RETURN(a, ToBool(a, "IS"));
      if (e.text == "unknown") {
        auto n = MakeNode(K::kIsNull, SqlType::Of(TypeId::kBool), {a});
        n->negated = e.negated;
        return n;
      }
      // x IS TRUE == x IS NOT DISTINCT FROM true.
      auto n = MakeNode(K::kIsDistinct, SqlType::Of(TypeId::kBool),
                        {a, MakeConst(Value::Bool(e.text == "true"), SqlType::Of(TypeId::kBool))});
      n->negated = !e.negated;
      return n;
    }
    case ExprKind::kBetween: {
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      ASSIGN_OR_RETURN(BoundExprPtr lo, BindExpr(*e.args[1], scope));
      ASSIGN_OR_RETURN(BoundExprPtr hi, BindExpr(*e.args[2], scope));
      ASSIGN_OR_RETURN(auto l, Unify(a, lo, e.location, "BETWEEN"));
      ASSIGN_OR_RETURN(auto h, Unify(a, hi, e.location, "BETWEEN"));
      auto ge = MakeNode(K::kCompare, SqlType::Of(TypeId::kBool), {l.first, l.second});
      ge->cmp = CompareOp::kGe;
      auto le = MakeNode(K::kCompare, SqlType::Of(TypeId::kBool), {h.first, h.second});
      le->cmp = CompareOp::kLe;
      auto both = MakeNode(K::kAnd, SqlType::Of(TypeId::kBool), {ge, le});
      if (!e.negated) return both;
      return MakeNode(K::kNot, SqlType::Of(TypeId::kBool), {both});
    }
    case ExprKind::kInList: {
      ASSIGN_OR_RETURN(
          BoundExprPtr n,
          BindInList(*e.args[0], absl::MakeConstSpan(e.args).subspan(1), scope, e.location));
      n->negated = e.negated;
      return n;
    }
    case ExprKind::kInSubquery:
      return BindInSubquery(e, scope, CompareOp::kEq, "=");
    case ExprKind::kExists: {
      ASSIGN_OR_RETURN(BoundExprPtr sub, BindSubquery(*e.subquery, scope));
      auto n = MakeNode(K::kExists, SqlType::Of(TypeId::kBool));
      n->subquery = sub->subquery;
      n->correlated = sub->correlated;
      n->outer_refs = sub->outer_refs;
      n->index = sub->index;
      n->negated = e.negated;
      return n;
    }
    case ExprKind::kSubquery: {
      ASSIGN_OR_RETURN(BoundExprPtr sub, BindSubquery(*e.subquery, scope));
      if (sub->subquery->columns.size() != 1) {
        return Error("42601", "subquery must return only one column", e.location);
      }
      sub->type = sub->subquery->columns[0].type;
      return sub;
    }
    case ExprKind::kCase: {
      BoundExprPtr operand;
      if (e.case_operand) {
        ASSIGN_OR_RETURN(operand, BindExpr(*e.case_operand, scope));
      }
      std::vector<BoundExprPtr> whens, thens;
      for (const auto& [w, t] : e.when_then) {
        ASSIGN_OR_RETURN(BoundExprPtr wb, BindExpr(*w, scope));
        if (operand) {
          ASSIGN_OR_RETURN(auto u, Unify(operand, wb, w->location, "CASE/WHEN"));
          wb = MakeNode(K::kCompare, SqlType::Of(TypeId::kBool), {u.first, u.second});
          wb->cmp = CompareOp::kEq;
        } else {
          ASSIGN_OR_RETURN(wb, ToBool(wb, "CASE/WHEN"));
        }
        whens.push_back(wb);
        ASSIGN_OR_RETURN(BoundExprPtr tb, BindExpr(*t, scope));
        thens.push_back(tb);
      }
      BoundExprPtr else_b;
      if (e.else_expr) {
        ASSIGN_OR_RETURN(else_b, BindExpr(*e.else_expr, scope));
      }
      SqlType result = SqlType::Of(TypeId::kUnknown);
      for (auto& t : thens) {
        auto c = CommonType(result, t->type);
        if (!c.ok()) {
          return Error("42804",
                       absl::StrCat("CASE types ", result.ToString(), " and ", t->type.ToString(),
                                    " cannot be matched"),
                       e.location);
        }
        result = *c;
      }
      if (else_b) {
        auto c = CommonType(result, else_b->type);
        if (!c.ok()) {
          return Error("42804",
                       absl::StrCat("CASE types ", result.ToString(), " and ",
                                    else_b->type.ToString(), " cannot be matched"),
                       e.location);
        }
        result = *c;
      }
      if (result.id == TypeId::kUnknown) result = SqlType::Of(TypeId::kText);
      std::vector<BoundExprPtr> args;
      for (size_t i = 0; i < whens.size(); ++i) {
        args.push_back(whens[i]);
        ASSIGN_OR_RETURN(BoundExprPtr t, Coerce(thens[i], result));
        args.push_back(t);
      }
      auto n = MakeNode(K::kCase, result);
      if (else_b) {
        ASSIGN_OR_RETURN(else_b, Coerce(else_b, result));
        args.push_back(else_b);
        n->has_else = true;
      }
      n->args = std::move(args);
      return n;
    }
    case ExprKind::kCast: {
      if (e.type.array) return BindArrayCast(e, scope);
      ASSIGN_OR_RETURN(SqlType to, ResolveTypeName(e.type));
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      if (a->kind == K::kConst) {
        SqlType from = a->type.id == TypeId::kUnknown ? SqlType::Of(TypeId::kText) : a->type;
        auto v = to.id == TypeId::kRegclass && from.is_string() && !a->value.is_null()
                     ? RegclassFromText(a->value.string_value())
                     : CastValue(a->value, from, to);
        if (!v.ok()) return WithErrorPosition(v.status(), e.location + 1);
        return MakeConst(*v, to);
      }
      if (a->kind == K::kParam && a->type.id == TypeId::kUnknown) return Coerce(a, to);
      if (a->type == to) return a;
      return MakeNode(K::kCast, to, {a});
    }
    case ExprKind::kFunction:
      return BindFunction(e, scope);
    case ExprKind::kLike: {
      if (e.op == "SIMILAR TO") return Error("0A000", "SIMILAR TO is not supported", e.location);
      ASSIGN_OR_RETURN(BoundExprPtr a, BindExpr(*e.args[0], scope));
      ASSIGN_OR_RETURN(BoundExprPtr p, BindExpr(*e.args[1], scope));
      ASSIGN_OR_RETURN(a, Coerce(a, SqlType::Of(TypeId::kText)));
      ASSIGN_OR_RETURN(p, Coerce(p, SqlType::Of(TypeId::kText)));
      std::vector<BoundExprPtr> args = {a, p};
      if (e.args.size() > 2) {
        ASSIGN_OR_RETURN(BoundExprPtr esc, BindExpr(*e.args[2], scope));
        ASSIGN_OR_RETURN(esc, Coerce(esc, SqlType::Of(TypeId::kText)));
        args.push_back(esc);
      }
      auto n = MakeNode(K::kLike, SqlType::Of(TypeId::kBool), std::move(args));
      n->negated = e.negated;
      n->case_insensitive = e.op == "ILIKE";
      return n;
    }
    case ExprKind::kArray:
      return Error("0A000", "arrays are not supported", e.location);
    case ExprKind::kCollate:
      return BindExpr(*e.args[0], scope);  // every collation is "C" here
    case ExprKind::kQuantified: {
      bool ok = false;
      CompareOp op = CompareOpFor(e.op, &ok);
      if (!ok) {
        return Error("42883", absl::StrCat("operator does not exist: ", e.op, " ", e.text),
                     e.location);
      }
      BoundExprPtr n;
      if (e.subquery) {
        ASSIGN_OR_RETURN(n, BindInSubquery(e, scope, op, e.op));
      } else if (e.args.size() == 2 && e.args[1]->kind == ExprKind::kArray &&
                 !e.args[1]->subquery) {
        // x op ANY (ARRAY[a, b, ...]): a list, as IN.
        ASSIGN_OR_RETURN(n, BindInList(*e.args[0], e.args[1]->args, scope, e.location));
      } else {
        return BindArrayQuantified(e, scope);  // over an array-typed catalog column
      }
      n->quantified = true;
      n->all = e.text == "all";
      n->cmp = op;
      return n;
    }
    case ExprKind::kSubscript:
      return BindSubscript(e, scope);
    case ExprKind::kFieldSelect:
      return Error("0A000", "composite field selection is not supported", e.location);
    default:
      break;
  }
  return Error("XX000", "unknown expression kind", e.location);
}

absl::StatusOr<BoundExprPtr> Binder::BindFunction(const Expr& e, Scope& scope) {
  std::string name = absl::AsciiStrToLower(e.names.back());
  if (e.names.size() > 1 && e.names[0] != "pg_catalog" && e.names[0] != "public") {
    return Error("42883", absl::StrCat("function ", QualifiedName(e.names), " does not exist"),
                 e.location);
  }
  if (IsAggregateName(name)) {
    if (scope.agg == nullptr) {
      return Error("42803",
                   absl::StrCat("aggregate functions are not allowed in ", scope.no_aggregates),
                   e.location);
    }
    AggregateCall call;
    call.func = name == "every" ? "bool_and" : name;
    call.distinct = e.distinct;
    if (e.star || (name == "count" && e.args.empty())) {
      if (name != "count")
        return Error("42601", absl::StrCat(name, "(*) is not allowed"), e.location);
      call.func = "count_star";
      call.type = SqlType::Of(TypeId::kInt8);
    } else {
      const size_t nargs = name == "string_agg" ? 2 : 1;
      if (e.args.size() != nargs) {
        return Error("42883",
                     absl::StrCat("function ", name, " takes ",
                                  nargs == 1 ? "one argument" : "two arguments"),
                     e.location);
      }
      for (const auto& a : e.args) {
        if (ContainsAggregate(a.get())) {
          return Error("42803", "aggregate function calls cannot be nested", e.location);
        }
      }
      Scope& pre = *scope.pre;
      ASSIGN_OR_RETURN(call.arg, BindExpr(*e.args[0], pre));
      if (call.arg->type.id == TypeId::kUnknown) {
        bool text = name == "count" || name == "min" || name == "max" || name == "string_agg";
        ASSIGN_OR_RETURN(call.arg,
                         Coerce(call.arg, text ? SqlType::Of(TypeId::kText) : SqlType::Numeric()));
      }
      if (name == "string_agg") {
        ASSIGN_OR_RETURN(call.delimiter, BindExpr(*e.args[1], pre));
        if (call.delimiter->type.id == TypeId::kUnknown) {
          ASSIGN_OR_RETURN(call.delimiter, Coerce(call.delimiter, SqlType::Of(TypeId::kText)));
        }
        if (!call.delimiter->type.is_string()) {
          return Error("42883",
                       absl::StrCat("function string_agg(", call.arg->type.ToString(), ", ",
                                    call.delimiter->type.ToString(), ") does not exist"),
                       e.location);
        }
      }
      auto type = AggregateResultType(call.func, call.arg->type);
      if (!type.ok()) return WithErrorPosition(type.status(), e.location + 1);
      call.type = *type;
    }
    std::string label = name;
    int index = static_cast<int>(scope.group_keys.size() + scope.agg->aggregates.size());
    scope.agg->aggregates.push_back(call);
    scope.agg->columns.push_back(OutputColumn{"", label, call.type});
    return MakeColumn(index, call.type, label);
  }
  if (name == "array_to_string" && !e.args.empty() && e.args[0]->kind == ExprKind::kArray &&
      e.args[0]->subquery) {
    return BindArrayToString(e, scope);
  }
  const FunctionDef* def = LookupFunction(name);
  if (def == nullptr) {
    return Error("42883", absl::StrCat("function ", name, " does not exist"), e.location);
  }
  int n = static_cast<int>(e.args.size());
  if (n < def->min_args || (def->max_args >= 0 && n > def->max_args)) {
    return Error("42883", absl::StrCat("function ", name, " does not accept ", n, " arguments"),
                 e.location);
  }
  std::vector<BoundExprPtr> args;
  std::vector<SqlType> types;
  for (const auto& a : e.args) {
    ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, scope));
    types.push_back(b->type);
    args.push_back(b);
  }
  auto result = def->resolve(types);
  if (!result.ok()) return WithErrorPosition(result.status(), e.location + 1);
  for (size_t i = 0; i < args.size(); ++i) {
    if (types[i].id != TypeId::kUnknown && !(types[i] == args[i]->type)) {
      ASSIGN_OR_RETURN(args[i], Coerce(args[i], types[i]));
    }
  }
  auto f = MakeNode(BoundExpr::Kind::kFunction, *result, std::move(args));
  f->name = name;
  f->fn = def;
  return f;
}

// ---------------------------------------------------------------------------------------
// FROM

absl::StatusOr<LogicalPtr> Binder::AliasQuery(LogicalPtr plan, const std::string& alias,
                                              const std::vector<std::string>& columns,
                                              int location) {
  if (columns.size() > plan->columns.size()) {
    return Error("42P10",
                 absl::StrCat("table \"", alias, "\" has ", plan->columns.size(),
                              " columns available but ", columns.size(), " columns specified"),
                 location);
  }
  // Wrap so the alias applies without touching the query's own columns.
  auto proj = std::make_shared<LogicalNode>();
  proj->kind = LogicalNode::Kind::kProject;
  proj->children = {plan};
  for (size_t i = 0; i < plan->columns.size(); ++i) {
    proj->exprs.push_back(MakeColumn(static_cast<int>(i), plan->columns[i].type));
    OutputColumn c = plan->columns[i];
    c.table = alias;
    if (i < columns.size()) c.name = columns[i];
    proj->columns.push_back(c);
  }
  return LogicalPtr(proj);
}

absl::StatusOr<LogicalPtr> Binder::BindTableName(const std::vector<std::string>& name,
                                                 const std::string& alias, int location) {
  if (name.size() == 1) {
    for (size_t i = ctes_.size(); i-- > 0;) {
      const ast::CommonTableExpr& cte = *ctes_[i];
      if (cte.name != name[0]) continue;
      // Bound where it is used, seeing only the CTEs defined before it (so never itself).
      std::vector<const ast::CommonTableExpr*> saved = ctes_;
      ctes_.resize(i);
      std::vector<std::string> names;
      auto plan = BindQuery(*cte.query, &names);
      ctes_ = std::move(saved);
      if (!plan.ok()) return plan.status();
      return AliasQuery(*plan, alias.empty() ? cte.name : alias, cte.columns, location);
    }
  }
  std::string schema = name.size() >= 2 ? name[name.size() - 2] : "";
  const std::string& table_name = name.back();
  LogicalPtr plan;
  if (schema.empty() || schema == "public") {
    ASSIGN_OR_RETURN(TablePtr table, catalog_.table(table_name));
    if (table != nullptr) {
      plan = std::make_shared<LogicalNode>();
      plan->kind = LogicalNode::Kind::kScan;
      plan->table = table;
      plan->columns = TableColumns(*table, alias.empty() ? table_name : alias);
      return plan;
    }
  }
  if (catalog_.system_view && schema != "public") {
    ASSIGN_OR_RETURN(plan,
                     catalog_.system_view(schema.empty() ? "pg_catalog" : schema, table_name));
    if (plan != nullptr) {
      for (auto& c : plan->columns) c.table = alias.empty() ? table_name : alias;
      return plan;
    }
  }
  return Error("42P01", absl::StrCat("relation \"", QualifiedName(name), "\" does not exist"),
               location);
}

// Functions in FROM: only generate_series over integers (psql's \d uses it). Another known
// function, or generate_series over other types, is refused with 0A000.
absl::StatusOr<LogicalPtr> Binder::BindTableFunction(const ast::TableRef& ref) {
  if (!ref.function || ref.function->kind != ExprKind::kFunction) {
    return Error("0A000", "this kind of FROM item is not supported", ref.location);
  }
  const ast::Expr& f = *ref.function;
  const std::string name = absl::AsciiStrToLower(f.names.back());
  const int location = f.location >= 0 ? f.location : ref.location;
  const bool builtin_schema =
      f.names.size() == 1 || f.names[0] == "pg_catalog" || f.names[0] == "public";
  if (!builtin_schema ||
      (name != "generate_series" && LookupFunction(name) == nullptr && !IsAggregateName(name))) {
    return Error("42883", absl::StrCat("function ", absl::StrJoin(f.names, "."), " does not exist"),
                 location);
  }
  if (name != "generate_series") {
    return Error("0A000", absl::StrCat("function ", name, " in FROM is not supported"), location);
  }
  if (f.args.size() < 2 || f.args.size() > 3 || f.star || f.distinct) {
    return Error(
        "42883",
        absl::StrCat("function generate_series does not accept ", f.args.size(), " arguments"),
        location);
  }
  // The arguments see no FROM item of this query, only enclosing queries' rows.
  Scope none;
  none.no_aggregates = "functions in FROM";
  std::vector<BoundExprPtr> args;
  SqlType type = SqlType::Of(TypeId::kInt4);
  for (const auto& a : f.args) {
    ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, none));
    if (b->type.id != TypeId::kUnknown && !b->type.is_integer()) {
      return Error(
          "0A000",
          absl::StrCat("generate_series is supported over integers only, not ", b->type.ToString()),
          a->location >= 0 ? a->location : location);
    }
    if (b->type.id == TypeId::kInt8 || b->type.id == TypeId::kOid) {
      type = SqlType::Of(TypeId::kInt8);
    }
    args.push_back(b);
  }
  for (auto& b : args) {
    ASSIGN_OR_RETURN(b, Coerce(b, type));
  }
  auto node = std::make_shared<LogicalNode>();
  node->kind = LogicalNode::Kind::kSeries;
  node->exprs = std::move(args);
  const std::string table = ref.alias.empty() ? name : ref.alias;
  const std::string column = !ref.column_aliases.empty() ? ref.column_aliases[0] : table;
  node->columns.push_back(OutputColumn{table, column, type});
  return node;
}

absl::StatusOr<LogicalPtr> Binder::BindFrom(const ast::TableRef& ref) {
  switch (ref.kind) {
    case ast::TableRef::Kind::kTable:
      return BindTableName(ref.name, ref.alias, ref.location);
    case ast::TableRef::Kind::kSubquery: {
      std::vector<std::string> names;
      ASSIGN_OR_RETURN(LogicalPtr plan, BindQuery(*ref.subquery, &names));
      return AliasQuery(plan, ref.alias, ref.column_aliases, ref.location);
    }
    case ast::TableRef::Kind::kFunction:
      return BindTableFunction(ref);
    case ast::TableRef::Kind::kJoin: {
      if (ref.join_type == ast::JoinType::kFull) {
        return Error("0A000", "FULL JOIN is not supported", ref.location);
      }
      bool right = ref.join_type == ast::JoinType::kRight;
      ASSIGN_OR_RETURN(LogicalPtr l, BindFrom(right ? *ref.right : *ref.left));
      ASSIGN_OR_RETURN(LogicalPtr r, BindFrom(right ? *ref.left : *ref.right));
      auto join = std::make_shared<LogicalNode>();
      join->kind = LogicalNode::Kind::kJoin;
      join->join_type = (ref.join_type == ast::JoinType::kLeft || right)
                            ? LogicalNode::JoinType::kLeft
                            : LogicalNode::JoinType::kInner;
      join->children = {l, r};
      join->columns = l->columns;
      join->columns.insert(join->columns.end(), r->columns.begin(), r->columns.end());
      Scope scope;
      scope.columns = join->columns;
      scope.no_aggregates = "JOIN conditions";
      if (ref.on) {
        ASSIGN_OR_RETURN(BoundExprPtr cond, BindExpr(*ref.on, scope));
        ASSIGN_OR_RETURN(join->condition, ToBool(cond, "JOIN/ON"));
      } else if (!ref.using_.empty()) {
        Scope ls, rs;
        ls.columns = l->columns;
        rs.columns = r->columns;
        std::vector<BoundExprPtr> conds;
        for (const std::string& col : ref.using_) {
          ASSIGN_OR_RETURN(int li, ls.Resolve({col}, ref.location));
          ASSIGN_OR_RETURN(int ri, rs.Resolve({col}, ref.location));
          auto c = MakeNode(
              BoundExpr::Kind::kCompare, SqlType::Of(TypeId::kBool),
              {MakeColumn(li, l->columns[li].type, col),
               MakeColumn(static_cast<int>(l->columns.size()) + ri, r->columns[ri].type, col)});
          conds.push_back(c);
        }
        join->condition = conds.size() == 1
                              ? conds[0]
                              : MakeNode(BoundExpr::Kind::kAnd, SqlType::Of(TypeId::kBool), conds);
      }
      if (!right) return join;
      // RIGHT JOIN ran as a LEFT JOIN with the sides swapped: restore the column order.
      auto proj = std::make_shared<LogicalNode>();
      proj->kind = LogicalNode::Kind::kProject;
      proj->children = {join};
      int nl = static_cast<int>(l->columns.size());
      for (size_t i = 0; i < r->columns.size(); ++i) {
        proj->exprs.push_back(MakeColumn(nl + static_cast<int>(i), r->columns[i].type));
        proj->columns.push_back(r->columns[i]);
      }
      for (int i = 0; i < nl; ++i) {
        proj->exprs.push_back(MakeColumn(i, l->columns[i].type));
        proj->columns.push_back(l->columns[i]);
      }
      return proj;
    }
  }
  return Error("XX000", "unknown table reference");
}

// ---------------------------------------------------------------------------------------
// SELECT

absl::StatusOr<LogicalPtr> Binder::BindQuery(const ast::SelectStmt& s,
                                             std::vector<std::string>* names, bool operand) {
  if (s.with_recursive) return Error("0A000", "WITH RECURSIVE is not supported", s.location);
  const size_t ctes_before = ctes_.size();
  for (size_t i = 0; i < s.with.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (s.with[j].name == s.with[i].name) {
        return Error(
            "42712",
            absl::StrCat("WITH query name \"", s.with[i].name, "\" specified more than once"),
            s.with[i].location);
      }
    }
    ctes_.push_back(&s.with[i]);
  }
  absl::Cleanup pop_ctes = [this, ctes_before] { ctes_.resize(ctes_before); };
  LogicalPtr plan;
  std::vector<BoundExprPtr> out_exprs;
  std::vector<std::string> out_names;
  Scope empty;

  if (!s.values.empty()) {
    auto values = std::make_shared<LogicalNode>();
    values->kind = LogicalNode::Kind::kValues;
    size_t width = s.values[0].size();
    std::vector<SqlType> types(width, SqlType::Of(TypeId::kUnknown));
    for (const auto& row : s.values) {
      if (row.size() != width)
        return Error("42601", "VALUES lists must all be the same length", s.location);
      std::vector<BoundExprPtr> bound;
      for (size_t i = 0; i < width; ++i) {
        if (!row[i]) return Error("42601", "DEFAULT is not allowed in this context", s.location);
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*row[i], empty));
        auto t = CommonType(types[i], b->type);
        if (!t.ok()) {
          return Error("42804",
                       absl::StrCat("VALUES types ", types[i].ToString(), " and ",
                                    b->type.ToString(), " cannot be matched"),
                       row[i]->location);
        }
        types[i] = *t;
        bound.push_back(b);
      }
      values->rows.push_back(std::move(bound));
    }
    for (size_t i = 0; i < width; ++i) {
      if (types[i].id == TypeId::kUnknown) types[i] = SqlType::Of(TypeId::kText);
      for (auto& row : values->rows) {
        ASSIGN_OR_RETURN(row[i], Coerce(row[i], types[i]));
      }
      values->columns.push_back(OutputColumn{"", absl::StrCat("column", i + 1), types[i]});
    }
    plan = values;
  } else {
    // FROM
    if (s.from.empty()) {
      plan = std::make_shared<LogicalNode>();
      plan->kind = LogicalNode::Kind::kValues;
      plan->rows.push_back({});
    }
    for (const auto& ref : s.from) {
      ASSIGN_OR_RETURN(LogicalPtr next, BindFrom(*ref));
      if (plan == nullptr) {
        plan = next;
        continue;
      }
      auto join = std::make_shared<LogicalNode>();
      join->kind = LogicalNode::Kind::kJoin;
      join->children = {plan, next};
      join->columns = plan->columns;
      join->columns.insert(join->columns.end(), next->columns.begin(), next->columns.end());
      plan = join;
    }
    Scope from_scope;
    from_scope.columns = plan->columns;
    // WHERE
    if (s.where) {
      from_scope.no_aggregates = "WHERE";
      ASSIGN_OR_RETURN(BoundExprPtr w, BindExpr(*s.where, from_scope));
      ASSIGN_OR_RETURN(w, ToBool(w, "WHERE"));
      auto filter = std::make_shared<LogicalNode>();
      filter->kind = LogicalNode::Kind::kFilter;
      filter->filter = w;
      filter->children = {plan};
      filter->columns = plan->columns;
      plan = filter;
    }
    // GROUP BY / aggregates
    bool aggregating = !s.group_by.empty() || ContainsAggregate(s.having.get());
    for (const auto& item : s.items) aggregating |= ContainsAggregate(item.expr.get());
    for (const auto& o : s.order_by) aggregating |= ContainsAggregate(o.expr.get());
    Scope post;
    Scope* item_scope = &from_scope;
    LogicalPtr agg;
    if (aggregating) {
      agg = std::make_shared<LogicalNode>();
      agg->kind = LogicalNode::Kind::kAggregate;
      agg->children = {plan};
      from_scope.no_aggregates = "GROUP BY";
      for (const auto& g : s.group_by) {
        const Expr* ge = g.get();
        if (ge->kind == ExprKind::kLiteral && ge->literal_kind == ast::LiteralKind::kInteger) {
          int64_t ord = 0;
          (void)absl::SimpleAtoi(ge->text, &ord);
          if (ord < 1 || ord > static_cast<int64_t>(s.items.size()) ||
              s.items[ord - 1].expr->kind == ExprKind::kStar) {
            return Error("42P10", absl::StrCat("GROUP BY position ", ord, " is not in select list"),
                         ge->location);
          }
          ge = s.items[ord - 1].expr.get();
        } else if (ge->kind == ExprKind::kColumnRef && ge->names.size() == 1 &&
                   !from_scope.Resolve(ge->names, -1).ok()) {
          for (const auto& item : s.items) {
            if (item.alias == ge->names[0]) ge = item.expr.get();
          }
        }
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*ge, from_scope));
        post.group_keys.push_back(b->ToString());
        agg->group_by.push_back(b);
        agg->columns.push_back(OutputColumn{"", DefaultColumnName(*ge), b->type});
      }
      post.pre = &from_scope;
      post.agg = agg.get();
      post.no_aggregates = "";
      item_scope = &post;
      plan = agg;
    }
    // Select list (aggregates discovered here extend agg->columns).
    for (const auto& item : s.items) {
      if (item.expr->kind == ExprKind::kStar) {
        if (aggregating)
          return Error("42803", "SELECT * is not allowed with GROUP BY", item.expr->location);
        const std::string qual = item.expr->names.empty() ? "" : item.expr->names.back();
        bool any = false;
        for (size_t i = 0; i < from_scope.columns.size(); ++i) {
          const OutputColumn& c = from_scope.columns[i];
          if (c.hidden || (!qual.empty() && c.table != qual)) continue;
          any = true;
          out_exprs.push_back(MakeColumn(static_cast<int>(i), c.type, c.name));
          out_names.push_back(c.name);
        }
        if (!any && !qual.empty()) {
          return Error("42P01", absl::StrCat("missing FROM-clause entry for table \"", qual, "\""),
                       item.expr->location);
        }
        if (!any && s.from.empty())
          return Error("42601", "SELECT * with no tables specified is not valid",
                       item.expr->location);
        continue;
      }
      ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*item.expr, *item_scope));
      out_exprs.push_back(b);
      out_names.push_back(item.alias.empty() ? DefaultColumnName(*item.expr) : item.alias);
    }
    // HAVING
    if (s.having) {
      if (!aggregating)
        return Error("42803", "HAVING requires GROUP BY or an aggregate", s.having->location);
      ASSIGN_OR_RETURN(BoundExprPtr h, BindExpr(*s.having, post));
      ASSIGN_OR_RETURN(h, ToBool(h, "HAVING"));
      // The filter sits above the aggregate; it is inserted after ORDER BY binding, which
      // may still add aggregate calls.
      auto filter = std::make_shared<LogicalNode>();
      filter->kind = LogicalNode::Kind::kFilter;
      filter->filter = h;
      plan = filter;  // children attached below
    }
    // ORDER BY expressions that are not output columns become hidden extra outputs.
    std::vector<SortKey> keys;
    size_t visible = out_exprs.size();
    // With a set operation, ORDER BY applies to the whole chain's output (below).
    static const std::vector<ast::OrderItem> kNoOrder;
    for (const auto& o : s.set_op.empty() ? s.order_by : kNoOrder) {
      SortKey key;
      key.descending = o.descending;
      key.nulls_first = o.nulls_first.value_or(o.descending);
      const Expr& oe = *o.expr;
      int out_index = -1;
      if (oe.kind == ExprKind::kLiteral && oe.literal_kind == ast::LiteralKind::kInteger) {
        int64_t ord = 0;
        (void)absl::SimpleAtoi(oe.text, &ord);
        if (ord < 1 || ord > static_cast<int64_t>(visible)) {
          return Error("42P10", absl::StrCat("ORDER BY position ", ord, " is not in select list"),
                       oe.location);
        }
        out_index = static_cast<int>(ord - 1);
      } else if (oe.kind == ExprKind::kColumnRef && oe.names.size() == 1) {
        for (size_t i = 0; i < visible; ++i) {
          if (out_names[i] == oe.names[0]) {
            if (out_index >= 0 && out_exprs[out_index]->ToString() != out_exprs[i]->ToString()) {
              return Error("42702", absl::StrCat("ORDER BY \"", oe.names[0], "\" is ambiguous"),
                           oe.location);
            }
            out_index = static_cast<int>(i);
          }
        }
      }
      if (out_index < 0) {
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(oe, *item_scope));
        std::string text = b->ToString();
        for (size_t i = 0; i < out_exprs.size(); ++i) {
          if (out_exprs[i]->ToString() == text) out_index = static_cast<int>(i);
        }
        if (out_index < 0) {
          if (s.distinct) {
            return Error("42P10",
                         "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                         oe.location);
          }
          out_exprs.push_back(b);
          out_names.push_back("?order?");
          out_index = static_cast<int>(out_exprs.size() - 1);
        }
      }
      key.expr = MakeColumn(out_index, out_exprs[out_index]->type);
      keys.push_back(key);
    }
    if (s.having) {
      plan->children = {agg};
      plan->columns = agg->columns;
    }
    // Project
    auto proj = std::make_shared<LogicalNode>();
    proj->kind = LogicalNode::Kind::kProject;
    proj->children = {plan};
    for (size_t i = 0; i < out_exprs.size(); ++i) {
      auto& e = out_exprs[i];
      if (e->type.id == TypeId::kUnknown) {
        ASSIGN_OR_RETURN(e, Coerce(e, SqlType::Of(TypeId::kText)));
      }
      OutputColumn c{"", out_names[i], e->type, i >= visible};
      if (e->kind == BoundExpr::Kind::kColumn && !aggregating) {
        const OutputColumn& src = item_scope->columns[e->index];
        c.table_oid = src.table_oid;
        c.attnum = src.attnum;
      }
      proj->exprs.push_back(e);
      proj->columns.push_back(c);
    }
    plan = proj;
    if (s.distinct) {
      auto d = std::make_shared<LogicalNode>();
      d->kind = LogicalNode::Kind::kDistinct;
      d->children = {plan};
      d->columns = plan->columns;
      plan = d;
    }
    if (!keys.empty()) {
      auto sort = std::make_shared<LogicalNode>();
      sort->kind = LogicalNode::Kind::kSort;
      sort->children = {plan};
      sort->columns = plan->columns;
      sort->sort_keys = std::move(keys);
      plan = sort;
      keys.clear();
    }
    if (s.for_update || s.for_share) {
      MarkForUpdate(plan.get());
      for_update_ = true;
    }
    out_names.resize(visible);
  }

  // UNION, INTERSECT and EXCEPT: A op1 B op2 C is (A op1 B) op2 C (see ast.h).
  if (!operand && !s.set_op.empty()) {
    if (s.for_update || s.for_share) {
      return Error("0A000", "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT", s.location);
    }
    for (const ast::SelectStmt* cur = &s; !cur->set_op.empty(); cur = cur->set_rhs.get()) {
      const bool all = absl::EndsWith(cur->set_op, " ALL");
      const std::string op = all ? cur->set_op.substr(0, cur->set_op.size() - 4) : cur->set_op;
      std::vector<std::string> rnames;
      ASSIGN_OR_RETURN(LogicalPtr rhs, BindQuery(*cur->set_rhs, &rnames, /*operand=*/true));
      size_t width = 0;
      for (const auto& c : plan->columns) width += c.hidden ? 0 : 1;
      if (rhs->columns.size() != width) {
        return Error("42601",
                     absl::StrCat("each ", op, " query must have the same number of columns"),
                     cur->location);
      }
      auto u = std::make_shared<LogicalNode>();
      u->kind = LogicalNode::Kind::kUnion;
      u->union_all = all;
      u->set_op = op;
      u->children = {plan, rhs};
      for (size_t i = 0; i < width; ++i) {
        auto t = CommonType(plan->columns[i].type, rhs->columns[i].type);
        if (!t.ok()) {
          return Error("42804",
                       absl::StrCat(op, " types ", plan->columns[i].type.ToString(), " and ",
                                    rhs->columns[i].type.ToString(), " cannot be matched"),
                       cur->location);
        }
        OutputColumn c = plan->columns[i];
        c.type = *t;
        u->columns.push_back(c);
      }
      plan = u;
    }
  }

  if (!operand && (!s.values.empty() || !s.set_op.empty()) && !s.order_by.empty()) {
    std::vector<SortKey> keys;
    Scope vs;
    vs.columns = plan->columns;
    for (const auto& o : s.order_by) {
      SortKey key;
      key.descending = o.descending;
      key.nulls_first = o.nulls_first.value_or(o.descending);
      const Expr& oe = *o.expr;
      if (oe.kind == ExprKind::kLiteral && oe.literal_kind == ast::LiteralKind::kInteger) {
        int64_t ord = 0;
        (void)absl::SimpleAtoi(oe.text, &ord);
        if (ord < 1 || ord > static_cast<int64_t>(plan->columns.size())) {
          return Error("42P10", absl::StrCat("ORDER BY position ", ord, " is not in select list"),
                       oe.location);
        }
        key.expr = MakeColumn(static_cast<int>(ord - 1), plan->columns[ord - 1].type);
      } else {
        ASSIGN_OR_RETURN(key.expr, BindExpr(oe, vs));
      }
      keys.push_back(key);
    }
    auto sort = std::make_shared<LogicalNode>();
    sort->kind = LogicalNode::Kind::kSort;
    sort->children = {plan};
    sort->columns = plan->columns;
    sort->sort_keys = std::move(keys);
    plan = sort;
  }

  if (!operand && (s.limit || s.offset)) {
    auto lim = std::make_shared<LogicalNode>();
    lim->kind = LogicalNode::Kind::kLimit;
    lim->children = {plan};
    lim->columns = plan->columns;
    Scope none;
    none.no_aggregates = "LIMIT";
    if (s.limit) {
      ASSIGN_OR_RETURN(BoundExprPtr l, BindExpr(*s.limit, none));
      ASSIGN_OR_RETURN(lim->limit, Coerce(l, SqlType::Of(TypeId::kInt8)));
    }
    if (s.offset) {
      ASSIGN_OR_RETURN(BoundExprPtr o, BindExpr(*s.offset, none));
      ASSIGN_OR_RETURN(lim->offset, Coerce(o, SqlType::Of(TypeId::kInt8)));
    }
    plan = lim;
  }

  // Drop hidden ORDER BY outputs.
  bool has_hidden = false;
  for (const auto& c : plan->columns)
    has_hidden |= c.hidden && plan->kind != LogicalNode::Kind::kScan;
  if (has_hidden) {
    auto proj = std::make_shared<LogicalNode>();
    proj->kind = LogicalNode::Kind::kProject;
    proj->children = {plan};
    for (size_t i = 0; i < plan->columns.size(); ++i) {
      if (plan->columns[i].hidden) continue;
      proj->exprs.push_back(MakeColumn(static_cast<int>(i), plan->columns[i].type));
      proj->columns.push_back(plan->columns[i]);
    }
    plan = proj;
  }
  if (names != nullptr) {
    names->clear();
    for (const auto& c : plan->columns) names->push_back(c.name);
  }
  return plan;
}

void Binder::FinishParams(BoundStatement* out) {
  for (auto& p : params_) {
    if (p.id == TypeId::kUnknown) p = SqlType::Of(TypeId::kText);
  }
  out->param_types = params_;
}

absl::StatusOr<BoundStatement> Binder::BindSelect(const ast::SelectStmt& select) {
  BoundStatement out;
  std::vector<std::string> names;
  ASSIGN_OR_RETURN(out.plan, BindQuery(select, &names));
  for (const auto& c : out.plan->columns) {
    out.columns.push_back(ColumnInfo{c.name, c.type, c.table_oid, c.attnum});
  }
  out.verb = select.values.empty() ? "SELECT" : "SELECT";
  out.for_update = for_update_;
  FinishParams(&out);
  return out;
}

// ---------------------------------------------------------------------------------------
// DML

absl::StatusOr<BoundExprPtr> BindDefault(const std::string& text, const SqlType& type) {
  if (text.empty()) return MakeConst(Value::Null(), type);
  ASSIGN_OR_RETURN(auto stmts, Parse(absl::StrCat("SELECT ", text)));
  if (stmts.size() != 1 || !std::holds_alternative<ast::SelectStmt>(stmts[0].statement)) {
    return absl::DataLossError(absl::StrCat("bad stored DEFAULT expression: ", text));
  }
  const auto& sel = std::get<ast::SelectStmt>(stmts[0].statement);
  Binder binder(BinderCatalog{}, {});
  Binder::Scope* none = nullptr;
  (void)none;
  ASSIGN_OR_RETURN(BoundExprPtr e,
                   binder.BindTableExpr(*sel.items[0].expr, TableInfo(proto::TableDescriptor())));
  return binder.CoerceForAssignment(e, type, "");
}

absl::StatusOr<BoundExprPtr> Binder::BindTableExpr(const Expr& expr, const TableInfo& table) {
  Scope scope;
  scope.columns = TableColumns(table, table.name());
  scope.no_aggregates = "this context";
  return BindExpr(expr, scope);
}

absl::StatusOr<LogicalPtr> Binder::TableRowsPlan(const TableInfo& table, const Expr* where,
                                                 const std::string& alias, bool for_update,
                                                 std::unique_ptr<Scope>* scope_out) {
  auto scan = std::make_shared<LogicalNode>();
  scan->kind = LogicalNode::Kind::kScan;
  scan->table = std::make_shared<const TableInfo>(table);
  scan->columns = TableColumns(table, alias.empty() ? table.name() : alias);
  scan->for_update = for_update;
  auto scope = std::make_unique<Scope>();
  scope->columns = scan->columns;
  LogicalPtr plan = scan;
  if (where != nullptr) {
    scope->no_aggregates = "WHERE";
    ASSIGN_OR_RETURN(BoundExprPtr w, BindExpr(*where, *scope));
    ASSIGN_OR_RETURN(w, ToBool(w, "WHERE"));
    auto filter = std::make_shared<LogicalNode>();
    filter->kind = LogicalNode::Kind::kFilter;
    filter->filter = w;
    filter->children = {plan};
    filter->columns = plan->columns;
    plan = filter;
  }
  scope->no_aggregates = "RETURNING";
  *scope_out = std::move(scope);
  return plan;
}

absl::StatusOr<std::vector<BoundExprPtr>> Binder::BindReturning(
    const std::vector<ast::SelectItem>& items, Scope& scope, std::vector<ColumnInfo>* columns) {
  std::vector<BoundExprPtr> out;
  for (const auto& item : items) {
    if (item.expr->kind == ExprKind::kStar) {
      for (size_t i = 0; i < scope.columns.size(); ++i) {
        const OutputColumn& c = scope.columns[i];
        if (c.hidden) continue;
        out.push_back(MakeColumn(static_cast<int>(i), c.type, c.name));
        columns->push_back(ColumnInfo{c.name, c.type, c.table_oid, c.attnum});
      }
      continue;
    }
    ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*item.expr, scope));
    if (b->type.id == TypeId::kUnknown) {
      ASSIGN_OR_RETURN(b, Coerce(b, SqlType::Of(TypeId::kText)));
    }
    out.push_back(b);
    columns->push_back(
        ColumnInfo{item.alias.empty() ? DefaultColumnName(*item.expr) : item.alias, b->type});
  }
  return out;
}

absl::StatusOr<BoundStatement> Binder::FinishDml(LogicalPtr node,
                                                 const std::vector<ast::SelectItem>& returning,
                                                 Scope& scope, const char* verb) {
  BoundStatement out;
  ASSIGN_OR_RETURN(node->returning, BindReturning(returning, scope, &out.columns));
  out.plan = node;
  out.verb = verb;
  FinishParams(&out);
  return out;
}

absl::StatusOr<BoundStatement> Binder::Bind(const ast::Statement& statement) {
  if (const auto* s = std::get_if<ast::SelectStmt>(&statement)) return BindSelect(*s);
  if (const auto* s = std::get_if<ast::InsertStmt>(&statement)) return BindInsert(*s);
  if (const auto* s = std::get_if<ast::UpdateStmt>(&statement)) return BindUpdate(*s);
  if (const auto* s = std::get_if<ast::DeleteStmt>(&statement)) return BindDelete(*s);
  return Error("0A000", "only SELECT, INSERT, UPDATE and DELETE can be planned");
}

absl::StatusOr<TablePtr> Binder::DmlTable(const std::vector<std::string>& name) {
  TablePtr table;
  if (name.size() == 1 || name[name.size() - 2] == "public") {
    ASSIGN_OR_RETURN(table, catalog_.table(name.back()));
  }
  if (table == nullptr) {
    return Error("42P01", absl::StrCat("relation \"", QualifiedName(name), "\" does not exist"));
  }
  return table;
}

absl::StatusOr<BoundStatement> Binder::BindInsert(const ast::InsertStmt& ins) {
  ASSIGN_OR_RETURN(TablePtr table, DmlTable(ins.table));
  const std::string tname = ins.alias.empty() ? table->name() : ins.alias;
  // Target columns.
  std::vector<int> targets;
  if (ins.columns.empty()) {
    for (int i = 0; i < table->num_columns(); ++i) {
      if (!table->column(i).hidden()) targets.push_back(i);
    }
  } else {
    std::set<int> seen;
    for (const auto& name : ins.columns) {
      int i = table->ColumnIndex(name);
      if (i < 0 || table->column(i).hidden()) {
        return Error("42703", absl::StrCat("column \"", name, "\" of relation \"", table->name(),
                                           "\" does not exist"));
      }
      if (!seen.insert(i).second) {
        return Error("42701", absl::StrCat("column \"", name, "\" specified more than once"));
      }
      targets.push_back(i);
    }
  }
  // Defaults, once.
  std::vector<BoundExprPtr> defaults(table->num_columns());
  for (int i = 0; i < table->num_columns(); ++i) {
    const auto& c = table->column(i);
    if (c.hidden()) {
      auto f = MakeNode(BoundExpr::Kind::kFunction, SqlType::Of(TypeId::kInt8));
      f->name = "unique_rowid";
      f->fn = LookupFunction("unique_rowid");
      defaults[i] = f;
    } else {
      ASSIGN_OR_RETURN(defaults[i], BindDefault(c.default_expr(), table->column_type(i)));
    }
  }
  auto values = std::make_shared<LogicalNode>();
  values->kind = LogicalNode::Kind::kValues;
  LogicalPtr source;
  Scope empty;
  empty.no_aggregates = "VALUES";
  auto full_row =
      [&](std::vector<BoundExprPtr> provided) -> absl::StatusOr<std::vector<BoundExprPtr>> {
    std::vector<BoundExprPtr> row = defaults;
    for (size_t k = 0; k < targets.size(); ++k) {
      if (provided[k] == nullptr) continue;
      int i = targets[k];
      ASSIGN_OR_RETURN(
          row[i], CoerceForAssignment(provided[k], table->column_type(i), table->column(i).name()));
    }
    return row;
  };
  if (ins.source == nullptr) {
    ASSIGN_OR_RETURN(auto row, full_row(std::vector<BoundExprPtr>(targets.size())));
    values->rows.push_back(std::move(row));
    source = values;
  } else if (!ins.source->values.empty() && ins.source->order_by.empty() && !ins.source->limit) {
    for (const auto& vrow : ins.source->values) {
      if (vrow.size() > targets.size()) {
        return Error("42601", "INSERT has more expressions than target columns");
      }
      if (vrow.size() < targets.size() && !ins.columns.empty()) {
        return Error("42601", "INSERT has more target columns than expressions");
      }
      // Without a column list, missing trailing values take their defaults.
      std::vector<BoundExprPtr> provided;
      for (const auto& v : vrow) {
        if (!v) {
          provided.push_back(nullptr);
          continue;
        }
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*v, empty));
        provided.push_back(b);
      }
      provided.resize(targets.size());
      ASSIGN_OR_RETURN(auto row, full_row(std::move(provided)));
      values->rows.push_back(std::move(row));
    }
    source = values;
  } else {
    std::vector<std::string> names;
    ASSIGN_OR_RETURN(LogicalPtr q, BindQuery(*ins.source, &names));
    if (q->columns.size() > targets.size()) {
      return Error("42601", "INSERT has more expressions than target columns");
    }
    if (q->columns.size() < targets.size() && !ins.columns.empty()) {
      return Error("42601", "INSERT has more target columns than expressions");
    }
    targets.resize(q->columns.size());
    std::vector<BoundExprPtr> provided;
    for (size_t k = 0; k < q->columns.size(); ++k) {
      provided.push_back(MakeColumn(static_cast<int>(k), q->columns[k].type));
    }
    ASSIGN_OR_RETURN(auto row, full_row(std::move(provided)));
    auto proj = std::make_shared<LogicalNode>();
    proj->kind = LogicalNode::Kind::kProject;
    proj->children = {q};
    proj->exprs = std::move(row);
    source = proj;
  }
  source->columns = TableColumns(*table, tname);
  if (source->kind == LogicalNode::Kind::kValues) source->columns = TableColumns(*table, tname);

  auto node = std::make_shared<LogicalNode>();
  node->kind = LogicalNode::Kind::kInsert;
  node->table = table;
  node->children = {source};
  node->columns = TableColumns(*table, tname);
  if (ins.on_conflict.has_value()) {
    const ast::OnConflict& oc = *ins.on_conflict;
    for (const auto& name : oc.columns) {
      int i = table->ColumnIndex(name);
      if (i < 0) return Error("42703", absl::StrCat("column \"", name, "\" does not exist"));
      node->conflict_columns.push_back(i);
    }
    if (!oc.columns.empty()) {
      // The target must match the primary key or a unique index exactly.
      auto matches = [&](const std::vector<int>& cols) {
        return std::set<int>(cols.begin(), cols.end()) ==
               std::set<int>(node->conflict_columns.begin(), node->conflict_columns.end());
      };
      bool found = matches(table->pk_columns());
      for (const auto& idx : table->desc().indexes()) {
        if (idx.unique() && matches(table->IndexColumns(idx))) found = true;
      }
      if (!found) {
        return Error(
            "42P10",
            "there is no unique or exclusion constraint matching the ON CONFLICT specification");
      }
    }
    if (oc.do_nothing) {
      node->on_conflict = LogicalNode::OnConflict::kDoNothing;
    } else {
      if (oc.columns.empty()) {
        return Error("42601",
                     "ON CONFLICT DO UPDATE requires inference specification or constraint name");
      }
      node->on_conflict = LogicalNode::OnConflict::kDoUpdate;
      Scope scope;
      scope.columns = TableColumns(*table, tname);
      auto excluded = TableColumns(*table, "excluded");
      scope.columns.insert(scope.columns.end(), excluded.begin(), excluded.end());
      scope.no_aggregates = "ON CONFLICT";
      std::vector<BoundExprPtr> row;
      for (int i = 0; i < table->num_columns(); ++i)
        row.push_back(MakeColumn(i, table->column_type(i)));
      for (const auto& a : oc.set) {
        int i = table->ColumnIndex(a.column);
        if (i < 0) {
          return Error("42703",
                       absl::StrCat("column \"", a.column, "\" of relation \"", table->name(),
                                    "\" does not exist"),
                       a.location);
        }
        BoundExprPtr v = defaults[i];
        if (a.value) {
          ASSIGN_OR_RETURN(v, BindExpr(*a.value, scope));
        }
        ASSIGN_OR_RETURN(row[i], CoerceForAssignment(v, table->column_type(i), a.column));
      }
      node->conflict_set = std::move(row);
      if (oc.where) {
        ASSIGN_OR_RETURN(BoundExprPtr w, BindExpr(*oc.where, scope));
        ASSIGN_OR_RETURN(node->conflict_where, ToBool(w, "WHERE"));
      }
    }
  }
  Scope ret;
  ret.columns = TableColumns(*table, tname);
  ret.no_aggregates = "RETURNING";
  return FinishDml(node, ins.returning, ret, "INSERT");
}

absl::StatusOr<BoundStatement> Binder::BindUpdate(const ast::UpdateStmt& upd) {
  ASSIGN_OR_RETURN(TablePtr table, DmlTable(upd.table));
  std::unique_ptr<Scope> scope;
  ASSIGN_OR_RETURN(LogicalPtr rows,
                   TableRowsPlan(*table, upd.where.get(), upd.alias, true, &scope));
  auto proj = std::make_shared<LogicalNode>();
  proj->kind = LogicalNode::Kind::kProject;
  proj->children = {rows};
  std::vector<BoundExprPtr> news;
  for (int i = 0; i < table->num_columns(); ++i) {
    proj->exprs.push_back(MakeColumn(i, table->column_type(i)));
    news.push_back(MakeColumn(i, table->column_type(i)));
  }
  std::set<int> assigned;
  scope->no_aggregates = "UPDATE";
  for (const auto& a : upd.set) {
    int i = table->ColumnIndex(a.column);
    if (i < 0 || table->column(i).hidden()) {
      return Error("42703",
                   absl::StrCat("column \"", a.column, "\" of relation \"", table->name(),
                                "\" does not exist"),
                   a.location);
    }
    if (!assigned.insert(i).second) {
      return Error("42601", absl::StrCat("multiple assignments to same column \"", a.column, "\""),
                   a.location);
    }
    BoundExprPtr v;
    if (a.value) {
      ASSIGN_OR_RETURN(v, BindExpr(*a.value, *scope));
    } else {
      ASSIGN_OR_RETURN(v, BindDefault(table->column(i).default_expr(), table->column_type(i)));
    }
    ASSIGN_OR_RETURN(news[i], CoerceForAssignment(v, table->column_type(i), a.column));
  }
  for (auto& n : news) proj->exprs.push_back(n);
  proj->columns = TableColumns(*table, table->name());
  auto new_cols = proj->columns;
  proj->columns.insert(proj->columns.end(), new_cols.begin(), new_cols.end());
  auto node = std::make_shared<LogicalNode>();
  node->kind = LogicalNode::Kind::kUpdate;
  node->table = table;
  node->children = {proj};
  node->columns = new_cols;
  return FinishDml(node, upd.returning, *scope, "UPDATE");
}

absl::StatusOr<BoundStatement> Binder::BindDelete(const ast::DeleteStmt& del) {
  ASSIGN_OR_RETURN(TablePtr table, DmlTable(del.table));
  std::unique_ptr<Scope> scope;
  ASSIGN_OR_RETURN(LogicalPtr rows,
                   TableRowsPlan(*table, del.where.get(), del.alias, true, &scope));
  auto node = std::make_shared<LogicalNode>();
  node->kind = LogicalNode::Kind::kDelete;
  node->table = table;
  node->children = {rows};
  node->columns = rows->columns;
  return FinishDml(node, del.returning, *scope, "DELETE");
}

}  // namespace meridian::sql

namespace meridian::sql {

std::string Deparse(const ast::Expr& e, bool* ok) {
  auto quote = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) {
      out += c;
      if (c == '\'') out += '\'';
    }
    return out + "'";
  };
  auto args = [&](size_t from) {
    std::vector<std::string> parts;
    for (size_t i = from; i < e.args.size(); ++i) parts.push_back(Deparse(*e.args[i], ok));
    return absl::StrJoin(parts, ", ");
  };
  switch (e.kind) {
    case ExprKind::kLiteral:
      switch (e.literal_kind) {
        case ast::LiteralKind::kNull:
          return "NULL";
        case ast::LiteralKind::kBool:
          return e.text == "true" ? "true" : "false";
        case ast::LiteralKind::kString:
          return quote(e.text);
        default:
          return e.text;
      }
    case ExprKind::kColumnRef:
      return absl::StrJoin(e.names, ".");
    case ExprKind::kUnary:
      return absl::StrCat("(", e.op, " ", Deparse(*e.args[0], ok), ")");
    case ExprKind::kBinary:
      return absl::StrCat("(", Deparse(*e.args[0], ok), " ", e.op, " ", Deparse(*e.args[1], ok),
                          ")");
    case ExprKind::kCast: {
      std::string t = e.type.name;
      if (!e.type.modifiers.empty()) {
        std::vector<std::string> m;
        for (int64_t x : e.type.modifiers) m.push_back(std::to_string(x));
        t += "(" + absl::StrJoin(m, ",") + ")";
      }
      return absl::StrCat("CAST(", Deparse(*e.args[0], ok), " AS ", t, ")");
    }
    case ExprKind::kFunction:
      if (e.star) return absl::StrCat(absl::StrJoin(e.names, "."), "(*)");
      return absl::StrCat(absl::StrJoin(e.names, "."), "(", args(0), ")");
    case ExprKind::kIsNull:
      return absl::StrCat("(", Deparse(*e.args[0], ok), e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ExprKind::kCase: {
      std::string out = "CASE";
      if (e.case_operand) absl::StrAppend(&out, " ", Deparse(*e.case_operand, ok));
      for (const auto& [w, t] : e.when_then) {
        absl::StrAppend(&out, " WHEN ", Deparse(*w, ok), " THEN ", Deparse(*t, ok));
      }
      if (e.else_expr) absl::StrAppend(&out, " ELSE ", Deparse(*e.else_expr, ok));
      return out + " END";
    }
    default:
      *ok = false;
      return "";
  }
}

}  // namespace meridian::sql
