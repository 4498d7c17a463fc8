#include "sql/expr/range_filter.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "proto/sql.pb.h"
#include "sql/expr/expr_eval.h"
#include "sql/types/row_codec.h"

namespace meridian::sql {
namespace {

using K = BoundExpr::Kind;

// The kinds a range evaluates itself, with their argument counts (max -1: no bound).
struct KindRule {
  K kind;
  int min_args;
  int max_args;
};
constexpr KindRule kRules[] = {
    {K::kConst, 0, 0},     {K::kColumn, 0, 0},     {K::kArith, 2, 2}, {K::kNegate, 1, 1},
    {K::kCompare, 2, 2},   {K::kAnd, 1, -1},       {K::kOr, 1, -1},   {K::kNot, 1, 1},
    {K::kIsNull, 1, 1},    {K::kIsDistinct, 2, 2}, {K::kCase, 1, -1}, {K::kCast, 1, 1},
    {K::kFunction, 0, -1}, {K::kLike, 2, 3},       {K::kRegex, 2, 2}, {K::kInList, 1, -1},
    {K::kConcat, 2, 2},
};

const KindRule* RuleFor(K kind) {
  for (const auto& r : kRules) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

absl::Status Encode(const BoundExpr& e, ExprContext& ctx, proto::FilterExpr* out) {
  if (e.kind != K::kConst && e.IsConstant()) {
    // Parameters, outer columns, now(), ...: the value, computed here once.
    ASSIGN_OR_RETURN(Value v, Eval(e, {}, ctx));
    return Encode(*MakeConst(std::move(v), e.type), ctx, out);
  }
  if (RuleFor(e.kind) == nullptr) {
    return absl::InvalidArgumentError("expression kind cannot run at a range");
  }
  out->set_kind(static_cast<uint32_t>(e.kind));
  *out->mutable_type() = ToProtoType(e.type);
  switch (e.kind) {
    case K::kConst:
      if (e.type.id == TypeId::kUnknown && !e.value.is_null()) {
        return absl::InvalidArgumentError("untyped constant");
      }
      out->set_value(EncodeRow({1}, {e.value}));
      break;
    case K::kColumn:
      out->set_index(e.index);
      break;
    case K::kArith:
      out->set_op(static_cast<uint32_t>(e.arith));
      break;
    case K::kFunction:
      if (e.fn == nullptr || e.fn->volatile_) {
        return absl::InvalidArgumentError("volatile functions run at the SQL node");
      }
      out->set_function(e.fn->name);
      break;
    default:
      out->set_op(static_cast<uint32_t>(e.cmp));
      break;
  }
  out->set_negated(e.negated);
  out->set_has_else(e.has_else);
  out->set_case_insensitive(e.case_insensitive);
  out->set_quantified(e.quantified);
  out->set_all(e.all);
  for (const auto& a : e.args) {
    if (!a) return absl::InvalidArgumentError("missing argument");
    RETURN_IF_ERROR(Encode(*a, ctx, out->add_args()));
  }
  return absl::OkStatus();
}

absl::Status Malformed(const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed range filter: ", what));
}

absl::StatusOr<BoundExprPtr> Decode(const proto::FilterExpr& in, int columns, int depth) {
  if (depth > 64) return Malformed("nested too deeply");
  const KindRule* rule = RuleFor(static_cast<K>(in.kind()));
  if (in.kind() > static_cast<uint32_t>(K::kOuterColumn) || rule == nullptr) {
    return Malformed(absl::StrCat("expression kind ", in.kind()));
  }
  const int n = in.args_size();
  if (n < rule->min_args || (rule->max_args >= 0 && n > rule->max_args)) {
    return Malformed("argument count");
  }
  auto e = std::make_shared<BoundExpr>();
  e->kind = rule->kind;
  e->type = FromProtoType(in.type());
  switch (e->kind) {
    case K::kConst: {
      std::vector<Value> v;
      RETURN_IF_ERROR(DecodeRow(in.value(), {1}, {e->type}, &v));
      e->value = std::move(v[0]);
      break;
    }
    case K::kColumn:
      if (in.index() < 0 || in.index() >= columns) return Malformed("column position");
      e->index = in.index();
      break;
    case K::kArith:
      if (in.op() > static_cast<uint32_t>(ArithOp::kPow)) return Malformed("arithmetic operator");
      e->arith = static_cast<ArithOp>(in.op());
      break;
    case K::kFunction:
      e->fn = LookupFunction(in.function());
      if (e->fn == nullptr || e->fn->volatile_) return Malformed("function");
      if (n < e->fn->min_args || (e->fn->max_args >= 0 && n > e->fn->max_args)) {
        return Malformed("function argument count");
      }
      e->name = in.function();
      break;
    default:
      if (in.op() > static_cast<uint32_t>(CompareOp::kGe)) return Malformed("comparison");
      e->cmp = static_cast<CompareOp>(in.op());
      break;
  }
  e->negated = in.negated();
  e->has_else = in.has_else();
  e->case_insensitive = in.case_insensitive();
  e->quantified = in.quantified();
  e->all = in.all();
  for (const auto& a : in.args()) {
    ASSIGN_OR_RETURN(BoundExprPtr arg, Decode(a, columns, depth + 1));
    e->args.push_back(std::move(arg));
  }
  return e;
}

class CompiledFilter : public txn::ScanFilter {
 public:
  CompiledFilter(TableInfo table, BoundExprPtr filter)
      : table_(std::move(table)), filter_(std::move(filter)) {}

  ExprContext& ctx() { return ctx_; }

  absl::StatusOr<bool> Keep(std::string_view key, std::string_view value) override {
    ASSIGN_OR_RETURN(Row row, table_.DecodeRow(key, value));
    return EvalPredicate(*filter_, row, ctx_);
  }

 private:
  const TableInfo table_;
  const BoundExprPtr filter_;
  ExprContext ctx_;
};

class CompiledUpdate : public txn::RowUpdate {
 public:
  CompiledUpdate(TableInfo table, std::vector<BoundExprPtr> columns, BoundExprPtr where)
      : table_(std::move(table)), columns_(std::move(columns)), where_(std::move(where)) {}

  ExprContext& ctx() { return ctx_; }

  absl::StatusOr<std::optional<std::string>> Apply(std::string_view key,
                                                   std::string_view value) override {
    ASSIGN_OR_RETURN(Row row, table_.DecodeRow(key, value));
    if (where_ != nullptr) {
      ASSIGN_OR_RETURN(bool match, EvalPredicate(*where_, row, ctx_));
      if (!match) return std::nullopt;
    }
    Row next;
    next.reserve(columns_.size());
    for (const BoundExprPtr& e : columns_) {
      ASSIGN_OR_RETURN(Value v, Eval(*e, row, ctx_));
      next.push_back(std::move(v));
    }
    RETURN_IF_ERROR(table_.CheckNotNull(next));
    if (table_.PrimaryKey(next) != key) {
      return absl::InvalidArgumentError("a row update may not change the row's key");
    }
    return table_.RowValue(next);
  }

 private:
  const TableInfo table_;
  const std::vector<BoundExprPtr> columns_;
  const BoundExprPtr where_;
  ExprContext ctx_;
};

}  // namespace

bool CanRunAtRange(const BoundExpr& e) {
  if (e.IsConstant()) return true;  // evaluated at the SQL node when the filter is encoded
  if (RuleFor(e.kind) == nullptr) return false;
  if (e.kind == K::kFunction && (e.fn == nullptr || e.fn->volatile_)) return false;
  for (const auto& a : e.args) {
    if (!a || !CanRunAtRange(*a)) return false;
  }
  return true;
}

absl::StatusOr<std::string> EncodeRangeFilter(const TableInfo& table, const BoundExpr& filter,
                                              ExprContext& ctx) {
  proto::RangeFilter f;
  *f.mutable_table() = table.desc();
  RETURN_IF_ERROR(Encode(filter, ctx, f.mutable_filter()));
  f.set_statement_time_micros(ctx.statement_time_micros);
  f.set_database(ctx.database);
  f.set_user(ctx.user);
  return f.SerializeAsString();
}

absl::StatusOr<std::string> EncodeRowUpdate(const TableInfo& table,
                                            const std::vector<BoundExprPtr>& columns,
                                            const BoundExprPtr& where, ExprContext& ctx) {
  if (columns.size() != static_cast<size_t>(table.num_columns())) {
    return absl::InvalidArgumentError("a row update gives every column");
  }
  proto::RowUpdate u;
  *u.mutable_table() = table.desc();
  for (const BoundExprPtr& e : columns) {
    if (e == nullptr) return absl::InvalidArgumentError("missing column expression");
    RETURN_IF_ERROR(Encode(*e, ctx, u.add_columns()));
  }
  if (where != nullptr) {
    RETURN_IF_ERROR(Encode(*where, ctx, u.mutable_where()));
  }
  u.set_statement_time_micros(ctx.statement_time_micros);
  u.set_database(ctx.database);
  u.set_user(ctx.user);
  return u.SerializeAsString();
}

absl::StatusOr<std::unique_ptr<txn::RowUpdate>> CompileRowUpdate(std::string_view bytes) {
  proto::RowUpdate u;
  if (!u.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("malformed row update");
  }
  TableInfo table(u.table());
  if (u.columns_size() != table.num_columns()) {
    return absl::InvalidArgumentError("malformed row update: column count");
  }
  std::vector<BoundExprPtr> columns;
  for (const proto::FilterExpr& c : u.columns()) {
    ASSIGN_OR_RETURN(BoundExprPtr e, Decode(c, table.num_columns(), 0));
    columns.push_back(std::move(e));
  }
  BoundExprPtr where;
  if (u.has_where()) {
    ASSIGN_OR_RETURN(where, Decode(u.where(), table.num_columns(), 0));
  }
  auto compiled =
      std::make_unique<CompiledUpdate>(std::move(table), std::move(columns), std::move(where));
  compiled->ctx().statement_time_micros = u.statement_time_micros();
  compiled->ctx().database = u.database();
  compiled->ctx().user = u.user();
  return compiled;
}

absl::StatusOr<std::unique_ptr<txn::ScanFilter>> CompileRangeFilter(std::string_view bytes) {
  proto::RangeFilter f;
  if (!f.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Malformed("not a RangeFilter");
  }
  TableInfo table(f.table());
  ASSIGN_OR_RETURN(BoundExprPtr e, Decode(f.filter(), table.num_columns(), 0));
  auto compiled = std::make_unique<CompiledFilter>(std::move(table), std::move(e));
  compiled->ctx().statement_time_micros = f.statement_time_micros();
  compiled->ctx().database = f.database();
  compiled->ctx().user = f.user();
  return compiled;
}

}  // namespace meridian::sql
