// Binding expressions: names, operators, functions, subqueries; types and coercions.
#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/identifier.h"
#include "common/status.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"
#include "sql/planner/internal/binder_internal.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {

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

}  // namespace

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
      !(e.kind == ExprKind::kFunction && !e.names.empty() &&
        AggFuncFromName(e.names.back()).has_value()) &&
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
      if (e.kind == ExprKind::kColumnRef && (*tentative)->kind == BoundExpr::Kind::kColumn &&
          static_cast<size_t>((*tentative)->index) < scope.dependent.size() &&
          scope.dependent[static_cast<size_t>((*tentative)->index)]) {
        return DependentColumn(*tentative, scope);
      }
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

BoundExprPtr Binder::DependentColumn(const BoundExprPtr& column, Scope& scope) {
  // The column has one value per group: read it with kAnyValue, once per column.
  AggregateOp& agg = scope.agg->As<AggregateOp>();
  const std::string text = column->ToString();
  for (size_t i = 0; i < agg.aggregates.size(); ++i) {
    const AggregateCall& call = agg.aggregates[i];
    if (call.func == AggFunc::kAnyValue && call.arg->ToString() == text) {
      return MakeColumn(static_cast<int>(scope.group_keys.size() + i), call.type, column->name);
    }
  }
  AggregateCall call;
  call.func = AggFunc::kAnyValue;
  call.arg = column;
  call.type = column->type;
  const int index = static_cast<int>(scope.group_keys.size() + agg.aggregates.size());
  agg.aggregates.push_back(call);
  scope.agg->columns.push_back(OutputColumn{"", column->name, call.type});
  return MakeColumn(index, call.type, column->name);
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
  if (!(*plan)->columns.empty()) e->subquery_column_type = (*plan)->columns[0].type;
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
  n->subquery_column_type = sub->subquery_column_type;
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
    case ExprKind::kCollate: {
      // Strings compare by their bytes, which is the C collation (and PostgreSQL's default
      // here, as psql's catalog queries name it); any other would be silently wrong.
      std::string name = absl::AsciiStrToLower(e.names.back());
      const bool catalog = e.names.size() == 1 || absl::AsciiStrToLower(e.names[0]) == "pg_catalog";
      if (!catalog ||
          (name != "c" && name != "posix" && name != "default" && name != "ucs_basic")) {
        return Error("0A000",
                     absl::StrCat("collation \"", QualifiedName(e.names),
                                  "\" is not supported: Meridian compares strings by their bytes "
                                  "(the \"C\" collation)"),
                     e.location);
      }
      return BindExpr(*e.args[0], scope);
    }
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
  if (std::optional<AggFunc> func = AggFuncFromName(name)) {
    if (scope.agg == nullptr) {
      return Error("42803",
                   absl::StrCat("aggregate functions are not allowed in ", scope.no_aggregates),
                   e.location);
    }
    AggregateCall call;
    call.func = *func;
    call.distinct = e.distinct;
    if (e.star || (name == "count" && e.args.empty())) {
      if (name != "count")
        return Error("42601", absl::StrCat(name, "(*) is not allowed"), e.location);
      call.func = AggFunc::kCountStar;
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
      auto type = AggregateResultType(name, call.arg->type);
      if (!type.ok()) return WithErrorPosition(type.status(), e.location + 1);
      call.type = *type;
    }
    std::string label = name;
    AggregateOp& agg = scope.agg->As<AggregateOp>();
    int index = static_cast<int>(scope.group_keys.size() + agg.aggregates.size());
    agg.aggregates.push_back(call);
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

absl::StatusOr<BoundExprPtr> Binder::BindTableExpr(const Expr& expr, const TableInfo& table) {
  Scope scope;
  scope.columns = TableColumns(table, table.name());
  scope.no_aggregates = "this context";
  return BindExpr(expr, scope);
}

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

}  // namespace meridian::sql
