#include "sql/planner/plan_ops.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meridian::sql {

const char* AggFuncName(AggFunc f) {
  switch (f) {
    case AggFunc::kCount:
      return "count";
    case AggFunc::kCountStar:
      return "count_star";
    case AggFunc::kSum:
      return "sum";
    case AggFunc::kAvg:
      return "avg";
    case AggFunc::kMin:
      return "min";
    case AggFunc::kMax:
      return "max";
    case AggFunc::kBoolAnd:
      return "bool_and";
    case AggFunc::kBoolOr:
      return "bool_or";
    case AggFunc::kStringAgg:
      return "string_agg";
    case AggFunc::kAnyValue:
      return "any_value";
  }
  return "?";
}

std::optional<AggFunc> AggFuncFromName(std::string_view name) {
  static constexpr std::pair<std::string_view, AggFunc> kNames[] = {
      {"count", AggFunc::kCount},
      {"sum", AggFunc::kSum},
      {"avg", AggFunc::kAvg},
      {"min", AggFunc::kMin},
      {"max", AggFunc::kMax},
      {"bool_and", AggFunc::kBoolAnd},
      {"every", AggFunc::kBoolAnd},
      {"bool_or", AggFunc::kBoolOr},
      {"string_agg", AggFunc::kStringAgg},
  };
  for (const auto& [n, f] : kNames) {
    if (n == name) return f;
  }
  return std::nullopt;
}

const char* SetOpName(SetOpKind k) {
  switch (k) {
    case SetOpKind::kUnion:
      return "UNION";
    case SetOpKind::kIntersect:
      return "INTERSECT";
    case SetOpKind::kExcept:
      return "EXCEPT";
  }
  return "?";
}

std::string JoinExprs(const std::vector<BoundExprPtr>& v, const char* sep) {
  std::vector<std::string> parts;
  for (const auto& e : v) parts.push_back(e ? e->ToString() : "NULL");
  return absl::StrJoin(parts, sep);
}

std::string DescribeValues(const ValuesOp& op) {
  return absl::StrCat("values (", op.rows.size(), " rows)");
}

std::string DescribeSeries(const SeriesOp& op) {
  return absl::StrCat("generate_series (", JoinExprs(op.args, ", "), ")");
}

std::string DescribeFilter(const FilterOp& op) {
  return absl::StrCat("filter ", op.predicate->ToString());
}

std::string DescribeProject(const ProjectOp& op) {
  return absl::StrCat("project ", JoinExprs(op.exprs, ", "));
}

std::string DescribeAggregate(const AggregateOp& op) {
  std::vector<std::string> aggs;
  for (const auto& a : op.aggregates) {
    aggs.push_back(absl::StrCat(AggFuncName(a.func), "(", a.distinct ? "DISTINCT " : "",
                                a.arg ? a.arg->ToString() : "*",
                                a.delimiter ? ", " + a.delimiter->ToString() : "", ")"));
  }
  return absl::StrCat("aggregate group by (", JoinExprs(op.group_by, ", "), ") compute (",
                      absl::StrJoin(aggs, ", "), ")");
}

std::string DescribeSort(const SortOp& op) {
  std::vector<std::string> keys;
  for (const auto& k : op.keys) {
    keys.push_back(absl::StrCat(k.expr->ToString(), k.descending ? " DESC" : "",
                                k.nulls_first ? " NULLS FIRST" : ""));
  }
  return absl::StrCat("sort ", absl::StrJoin(keys, ", "));
}

std::string DescribeLimit(const LimitOp& op) {
  return absl::StrCat("limit ", op.limit ? op.limit->ToString() : "ALL",
                      op.offset ? absl::StrCat(" offset ", op.offset->ToString()) : "");
}

std::string DescribeSetOp(const SetOp& op) {
  return absl::AsciiStrToLower(absl::StrCat(SetOpName(op.kind), op.all ? " all" : ""));
}

std::string DescribeInsert(const InsertOp& op) {
  std::string line = absl::StrCat("insert into ", op.table->name());
  if (op.on_conflict == OnConflict::kDoNothing) absl::StrAppend(&line, " on conflict do nothing");
  if (op.on_conflict == OnConflict::kDoUpdate) absl::StrAppend(&line, " on conflict do update");
  return line;
}

std::string DescribeUpdate(const UpdateOp& op) { return absl::StrCat("update ", op.table->name()); }

std::string DescribeDelete(const DeleteOp& op) {
  return absl::StrCat("delete from ", op.table->name());
}

}  // namespace meridian::sql
