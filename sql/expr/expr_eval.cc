#include "sql/expr/expr_eval.h"

#include <atomic>
#include <regex>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/types/pg_format.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

bool CompareResult(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq:
      return c == 0;
    case CompareOp::kNe:
      return c != 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGe:
      return c >= 0;
  }
  return false;
}

// Values of the same SQL type family can be compared directly; others are cast first.
absl::StatusOr<int> CompareTyped(const Value& a, const SqlType& ta, const Value& b,
                                 const SqlType& tb) {
  bool a_text = a.kind() == Value::Kind::kString, b_text = b.kind() == Value::Kind::kString;
  if (a_text != b_text) {
    // A string against a typed value: read the string as that type.
    if (a_text) {
      ASSIGN_OR_RETURN(Value av, CastValue(a, SqlType::Of(TypeId::kText), tb));
      return CompareValues(av, b);
    }
    ASSIGN_OR_RETURN(Value bv, CastValue(b, SqlType::Of(TypeId::kText), ta));
    return CompareValues(a, bv);
  }
  if (a.kind() == Value::Kind::kDate && b.kind() == Value::Kind::kTimestamp) {
    return CompareValues(Value::Timestamp(int64_t{a.date_value()} * 86400000000LL), b);
  }
  if (a.kind() == Value::Kind::kTimestamp && b.kind() == Value::Kind::kDate) {
    return CompareValues(a, Value::Timestamp(int64_t{b.date_value()} * 86400000000LL));
  }
  return CompareValues(a, b);
}

// a IN (values), a NOT IN (values), or a cmp ANY|ALL (values), with SQL's NULL rules: ANY
// is true if some comparison is, else NULL if some comparison is NULL, else false (ALL
// dually); over no values ANY is false and ALL true, whatever `a` is.
template <typename ValueAt, typename TypeAt>
absl::StatusOr<Value> Quantified(const BoundExpr& e, const Value& a, size_t n, ValueAt value,
                                 TypeAt type) {
  CompareOp op = e.quantified ? e.cmp : (e.negated ? CompareOp::kNe : CompareOp::kEq);
  bool all = e.quantified ? e.all : e.negated;
  bool saw_null = false;
  for (size_t i = 0; i < n; ++i) {
    const Value& v = value(i);
    if (a.is_null() || v.is_null()) {
      saw_null = true;
      continue;
    }
    ASSIGN_OR_RETURN(int c, CompareTyped(a, e.args[0]->type, v, type(i)));
    if (CompareResult(op, c) != all) return Value::Bool(!all);
  }
  if (saw_null) return Value::Null();
  return Value::Bool(all);
}

}  // namespace

int64_t ExprContext::UniqueRowId() {
  // Microseconds of the statement time in the high bits, the node in the low 10 bits, and
  // a process-wide counter so ids from one process never repeat even within a microsecond.
  static std::atomic<int64_t> last{0};
  int64_t candidate = (statement_time_micros << 10) | static_cast<int64_t>(node_id & 0x3FF);
  int64_t prev = last.load();
  while (true) {
    int64_t next = candidate > prev ? candidate : prev + 1024;
    next = (next & ~int64_t{0x3FF}) | static_cast<int64_t>(node_id & 0x3FF);
    if (next <= prev) next += 1024;
    if (last.compare_exchange_weak(prev, next)) return next;
  }
}

uint64_t ExprContext::Random() {
  if (rng_state_ == 0) rng_state_ = static_cast<uint64_t>(statement_time_micros) * 2654435761u + 1;
  // splitmix64
  uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

absl::Status ExprContext::Sleep(double) {
  return absl::FailedPreconditionError("pg_sleep needs a running statement");
}

absl::StatusOr<const std::vector<Row>*> ExprContext::Subquery(const BoundExpr&,
                                                              absl::Span<const Value>) {
  return absl::FailedPreconditionError("subqueries need an executor");
}

absl::StatusOr<Value> ExprContext::OuterValue(int, int) const {
  return absl::FailedPreconditionError("outer columns need an executor");
}

absl::StatusOr<bool> EvalPredicate(const BoundExpr& e, absl::Span<const Value> row,
                                   ExprContext& ctx) {
  ASSIGN_OR_RETURN(Value v, Eval(e, row, ctx));
  return !v.is_null() && v.bool_value();
}

absl::StatusOr<Value> Eval(const BoundExpr& e, absl::Span<const Value> row, ExprContext& ctx) {
  using K = BoundExpr::Kind;
  switch (e.kind) {
    case K::kConst:
      return e.value;
    case K::kColumn:
      if (e.index < 0 || static_cast<size_t>(e.index) >= row.size()) {
        return absl::InternalError(absl::StrCat("column #", e.index, " out of range"));
      }
      return row[e.index];
    case K::kParam:
      if (e.index < 0 || static_cast<size_t>(e.index) >= ctx.params.size()) {
        return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                        absl::StrCat("no value for parameter $", e.index + 1));
      }
      return ctx.params[e.index];
    case K::kArith: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      if (a.is_null()) return Value::Null();
      ASSIGN_OR_RETURN(Value b, Eval(*e.args[1], row, ctx));
      if (b.is_null()) return Value::Null();
      return Arith(e.arith, a, e.args[0]->type, b, e.args[1]->type);
    }
    case K::kNegate: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      if (a.is_null()) return a;
      return Negate(a, e.type);
    }
    case K::kCompare: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      if (a.is_null()) return Value::Null();
      ASSIGN_OR_RETURN(Value b, Eval(*e.args[1], row, ctx));
      if (b.is_null()) return Value::Null();
      ASSIGN_OR_RETURN(int c, CompareTyped(a, e.args[0]->type, b, e.args[1]->type));
      return Value::Bool(CompareResult(e.cmp, c));
    }
    case K::kAnd: {
      bool saw_null = false;
      for (const auto& a : e.args) {
        ASSIGN_OR_RETURN(Value v, Eval(*a, row, ctx));
        if (v.is_null()) {
          saw_null = true;
        } else if (!v.bool_value()) {
          return Value::Bool(false);
        }
      }
      return saw_null ? Value::Null() : Value::Bool(true);
    }
    case K::kOr: {
      bool saw_null = false;
      for (const auto& a : e.args) {
        ASSIGN_OR_RETURN(Value v, Eval(*a, row, ctx));
        if (v.is_null()) {
          saw_null = true;
        } else if (v.bool_value()) {
          return Value::Bool(true);
        }
      }
      return saw_null ? Value::Null() : Value::Bool(false);
    }
    case K::kNot: {
      ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], row, ctx));
      if (v.is_null()) return v;
      return Value::Bool(!v.bool_value());
    }
    case K::kIsNull: {
      ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], row, ctx));
      return Value::Bool(v.is_null() != e.negated);
    }
    case K::kIsDistinct: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      ASSIGN_OR_RETURN(Value b, Eval(*e.args[1], row, ctx));
      bool distinct;
      if (a.is_null() || b.is_null()) {
        distinct = a.is_null() != b.is_null();
      } else {
        ASSIGN_OR_RETURN(int c, CompareTyped(a, e.args[0]->type, b, e.args[1]->type));
        distinct = c != 0;
      }
      return Value::Bool(distinct != e.negated);
    }
    case K::kCase: {
      size_t pairs = (e.args.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) {
        ASSIGN_OR_RETURN(bool hit, EvalPredicate(*e.args[2 * i], row, ctx));
        if (hit) return Eval(*e.args[2 * i + 1], row, ctx);
      }
      if (e.has_else) return Eval(*e.args.back(), row, ctx);
      return Value::Null();
    }
    case K::kCast: {
      ASSIGN_OR_RETURN(Value v, Eval(*e.args[0], row, ctx));
      if (v.is_null()) return v;
      SqlType from = e.args[0]->type;
      if (from.id == TypeId::kUnknown) from = SqlType::Of(TypeId::kText);
      return CastValue(v, from, e.type, /*explicit_cast=*/!e.negated);
    }
    case K::kFunction: {
      std::vector<Value> args;
      args.reserve(e.args.size());
      for (const auto& a : e.args) {
        ASSIGN_OR_RETURN(Value v, Eval(*a, row, ctx));
        if (v.is_null() && e.fn->strict) return Value::Null();
        args.push_back(std::move(v));
      }
      return e.fn->eval(args, e.type, ctx);
    }
    case K::kLike: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      ASSIGN_OR_RETURN(Value p, Eval(*e.args[1], row, ctx));
      if (a.is_null() || p.is_null()) return Value::Null();
      char escape = '\\';
      if (e.args.size() > 2) {
        ASSIGN_OR_RETURN(Value esc, Eval(*e.args[2], row, ctx));
        if (esc.is_null()) return Value::Null();
        if (esc.string_value().size() > 1) {
          return SqlError(absl::StatusCode::kInvalidArgument, "22019",
                          "invalid escape string: must be empty or one character");
        }
        escape = esc.string_value().empty() ? '\0' : esc.string_value()[0];
      }
      ASSIGN_OR_RETURN(bool m,
                       Like(a.string_value(), p.string_value(), e.case_insensitive, escape));
      return Value::Bool(m != e.negated);
    }
    case K::kRegex: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      ASSIGN_OR_RETURN(Value p, Eval(*e.args[1], row, ctx));
      if (a.is_null() || p.is_null()) return Value::Null();
      try {
        auto flags = std::regex::extended;
        if (e.case_insensitive) flags |= std::regex::icase;
        std::regex re(p.string_value(), flags);
        bool m = std::regex_search(a.string_value(), re);
        return Value::Bool(m != e.negated);
      } catch (const std::regex_error& err) {
        return SqlError(absl::StatusCode::kInvalidArgument, "2201B",
                        absl::StrCat("invalid regular expression: ", err.what()));
      }
    }
    case K::kInList: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      std::vector<Value> list;
      for (size_t i = 1; i < e.args.size(); ++i) {
        ASSIGN_OR_RETURN(Value v, Eval(*e.args[i], row, ctx));
        list.push_back(std::move(v));
      }
      return Quantified(
          e, a, list.size(), [&](size_t i) -> const Value& { return list[i]; },
          [&](size_t i) -> const SqlType& { return e.args[i + 1]->type; });
    }
    case K::kSubquery: {
      ASSIGN_OR_RETURN(const std::vector<Row>* rows, ctx.Subquery(e, row));
      if (rows->empty()) return Value::Null();
      if (rows->size() > 1) {
        return SqlError(absl::StatusCode::kInvalidArgument, "21000",
                        "more than one row returned by a subquery used as an expression");
      }
      return (*rows)[0][0];
    }
    case K::kExists: {
      ASSIGN_OR_RETURN(const std::vector<Row>* rows, ctx.Subquery(e, row));
      return Value::Bool(rows->empty() == e.negated);
    }
    case K::kInSubquery: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      ASSIGN_OR_RETURN(const std::vector<Row>* rows, ctx.Subquery(e, row));
      const SqlType& t = e.subquery_column_type;
      return Quantified(
          e, a, rows->size(), [&](size_t i) -> const Value& { return (*rows)[i][0]; },
          [&](size_t) -> const SqlType& { return t; });
    }
    case K::kOuterColumn:
      return ctx.OuterValue(e.depth, e.index);
    case K::kConcat: {
      ASSIGN_OR_RETURN(Value a, Eval(*e.args[0], row, ctx));
      if (a.is_null()) return a;
      ASSIGN_OR_RETURN(Value b, Eval(*e.args[1], row, ctx));
      if (b.is_null()) return b;
      return Value::String(a.string_value() + b.string_value());
    }
    case K::kArrayToString: {
      ASSIGN_OR_RETURN(Value sep, Eval(*e.args[0], row, ctx));
      if (sep.is_null()) return sep;
      Value null_text;
      if (e.args.size() > 1) {
        ASSIGN_OR_RETURN(null_text, Eval(*e.args[1], row, ctx));
      }
      ASSIGN_OR_RETURN(const std::vector<Row>* rows, ctx.Subquery(e, row));
      const SqlType& t = e.subquery_column_type;
      std::string out;
      bool first = true;
      for (const Row& r : *rows) {
        const Value& v = r[0];
        if (v.is_null() && null_text.is_null()) continue;
        if (!first) out += sep.string_value();
        first = false;
        out += v.is_null() ? null_text.string_value() : FormatText(v, t);
      }
      return Value::String(std::move(out));
    }
  }
  return absl::InternalError("unknown expression kind");
}

}  // namespace meridian::sql
