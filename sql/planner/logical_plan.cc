#include "sql/planner/logical_plan.h"

#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meridian::sql {
namespace {

const char* CompareName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "<>";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

std::string Join(const std::vector<BoundExprPtr>& v, const char* sep) {
  std::vector<std::string> parts;
  for (const auto& e : v) parts.push_back(e ? e->ToString() : "NULL");
  return absl::StrJoin(parts, sep);
}

}  // namespace

BoundExprPtr MakeConst(Value v, SqlType type) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExpr::Kind::kConst;
  e->value = std::move(v);
  e->type = type;
  return e;
}

BoundExprPtr MakeColumn(int index, SqlType type, std::string name) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExpr::Kind::kColumn;
  e->index = index;
  e->type = type;
  e->name = std::move(name);
  return e;
}

bool BoundExpr::IsConstant() const {
  switch (kind) {
    case Kind::kColumn:
      return false;
    case Kind::kSubquery:
    case Kind::kExists:
    case Kind::kInSubquery:
    case Kind::kArrayToString:
      return false;
    case Kind::kFunction:
      if (fn != nullptr && fn->volatile_) return false;
      break;
    default:
      break;
  }
  for (const auto& a : args) {
    if (a && !a->IsConstant()) return false;
  }
  return true;
}

namespace {

// " IN ", " NOT IN ", " = ANY ", " < ALL ", ...
std::string QuantifierText(const BoundExpr& e) {
  if (!e.quantified) return e.negated ? " NOT IN " : " IN ";
  static const char* const kOps[] = {"=", "<>", "<", "<=", ">", ">="};
  return absl::StrCat(" ", kOps[static_cast<int>(e.cmp)], e.all ? " ALL " : " ANY ");
}

}  // namespace

bool BoundExpr::HasCorrelatedSubquery() const {
  if (subquery != nullptr && correlated) return true;
  for (const auto& a : args) {
    if (a && a->HasCorrelatedSubquery()) return true;
  }
  return false;
}

std::string BoundExpr::ToString() const {
  switch (kind) {
    case Kind::kOuterColumn:
      return absl::StrCat("outer(", name.empty() ? absl::StrCat("#", index) : name, ")");
    case Kind::kConst:
      return value.DebugString();
    case Kind::kColumn:
      return name.empty() ? absl::StrCat("#", index) : absl::StrCat(name, "#", index);
    case Kind::kParam:
      return absl::StrCat("$", index + 1);
    case Kind::kArith:
      return absl::StrCat("(", args[0]->ToString(), " ", ArithOpName(arith), " ",
                          args[1]->ToString(), ")");
    case Kind::kNegate:
      return absl::StrCat("-", args[0]->ToString());
    case Kind::kCompare:
      return absl::StrCat("(", args[0]->ToString(), " ", CompareName(cmp), " ", args[1]->ToString(),
                          ")");
    case Kind::kAnd:
      return absl::StrCat("(", Join(args, " AND "), ")");
    case Kind::kOr:
      return absl::StrCat("(", Join(args, " OR "), ")");
    case Kind::kNot:
      return absl::StrCat("(NOT ", args[0]->ToString(), ")");
    case Kind::kIsNull:
      return absl::StrCat("(", args[0]->ToString(), negated ? " IS NOT NULL)" : " IS NULL)");
    case Kind::kIsDistinct:
      return absl::StrCat("(", args[0]->ToString(),
                          negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ",
                          args[1]->ToString(), ")");
    case Kind::kCase:
      return absl::StrCat("CASE(", Join(args, ", "), ")");
    case Kind::kCast:
      return absl::StrCat(args[0]->ToString(), "::", type.ToString());
    case Kind::kFunction:
      return absl::StrCat(name, "(", Join(args, ", "), ")");
    case Kind::kLike:
      return absl::StrCat("(", args[0]->ToString(), negated ? " NOT" : "",
                          case_insensitive ? " ILIKE " : " LIKE ", args[1]->ToString(), ")");
    case Kind::kRegex:
      return absl::StrCat("(", args[0]->ToString(), negated ? " !" : " ", "~",
                          case_insensitive ? "* " : " ", args[1]->ToString(), ")");
    case Kind::kInList:
      return absl::StrCat("(", args[0]->ToString(), QuantifierText(*this), "(",
                          Join(std::vector<BoundExprPtr>(args.begin() + 1, args.end()), ", "),
                          "))");
    case Kind::kSubquery:
      return absl::StrCat("(subquery ", index, ")");
    case Kind::kExists:
      return absl::StrCat(negated ? "NOT " : "", "EXISTS(subquery ", index, ")");
    case Kind::kInSubquery:
      return absl::StrCat("(", args[0]->ToString(), QuantifierText(*this), "(subquery ", index,
                          "))");
    case Kind::kConcat:
      return absl::StrCat("(", args[0]->ToString(), " || ", args[1]->ToString(), ")");
    case Kind::kArrayToString:
      return absl::StrCat("array_to_string(ARRAY(subquery ", index, "), ", Join(args, ", "), ")");
  }
  return "?";
}

std::string LogicalNode::ToString(int indent) const {
  std::string pad(indent * 2, ' ');
  std::string line;
  switch (kind) {
    case Kind::kScan: {
      if (table == nullptr) {
        line = "scan";
        break;
      }
      line = absl::StrCat("scan ", table->name());
      if (constraint.has_value()) {
        const IndexConstraint& c = *constraint;
        std::string index = c.index_id == kPrimaryIndexId ? "primary key" : "";
        for (const auto& i : table->desc().indexes()) {
          if (i.id() == c.index_id) index = absl::StrCat("index ", i.name());
        }
        absl::StrAppend(&line, " using ", index);
        if (!c.in_values.empty()) absl::StrAppend(&line, " in (", Join(c.in_values, ", "), ")");
        if (!c.eq.empty()) absl::StrAppend(&line, " eq (", Join(c.eq, ", "), ")");
        if (c.lower)
          absl::StrAppend(&line, c.lower_inclusive ? " from " : " after ", c.lower->ToString());
        if (c.upper)
          absl::StrAppend(&line, c.upper_inclusive ? " to " : " before ", c.upper->ToString());
      } else {
        absl::StrAppend(&line, " (full)");
      }
      if (filter) absl::StrAppend(&line, " filter ", filter->ToString());
      if (range_filter) absl::StrAppend(&line, " at ranges ", range_filter->ToString());
      if (scan_limit.has_value()) absl::StrAppend(&line, " limit ", *scan_limit);
      if (for_update) absl::StrAppend(&line, " for update");
      break;
    }
    case Kind::kValues:
      line = absl::StrCat("values (", rows.size(), " rows)");
      break;
    case Kind::kFilter:
      line = absl::StrCat("filter ", filter->ToString());
      break;
    case Kind::kProject:
      line = absl::StrCat("project ", Join(exprs, ", "));
      break;
    case Kind::kJoin: {
      const char* method = join_method == JoinMethod::kHash          ? "hash join"
                           : join_method == JoinMethod::kIndexLookup ? "index lookup join"
                                                                     : "nested loop join";
      line = absl::StrCat(method, join_type == JoinType::kLeft ? " (left)" : " (inner)");
      if (join_method == JoinMethod::kIndexLookup) {
        absl::StrAppend(&line, " lookup (", Join(left_keys, ", "), ")");
      } else if (!left_keys.empty()) {
        absl::StrAppend(&line, " on (", Join(left_keys, ", "), ") = (", Join(right_keys, ", "),
                        ")");
      }
      if (condition) absl::StrAppend(&line, " condition ", condition->ToString());
      break;
    }
    case Kind::kAggregate: {
      std::vector<std::string> aggs;
      for (const auto& a : aggregates) {
        aggs.push_back(absl::StrCat(a.func, "(", a.distinct ? "DISTINCT " : "",
                                    a.arg ? a.arg->ToString() : "*",
                                    a.delimiter ? ", " + a.delimiter->ToString() : "", ")"));
      }
      line = absl::StrCat("aggregate group by (", Join(group_by, ", "), ") compute (",
                          absl::StrJoin(aggs, ", "), ")");
      break;
    }
    case Kind::kSort: {
      std::vector<std::string> keys;
      for (const auto& k : sort_keys) {
        keys.push_back(absl::StrCat(k.expr->ToString(), k.descending ? " DESC" : "",
                                    k.nulls_first ? " NULLS FIRST" : ""));
      }
      line = absl::StrCat("sort ", absl::StrJoin(keys, ", "));
      break;
    }
    case Kind::kLimit:
      line = absl::StrCat("limit ", limit ? limit->ToString() : "ALL",
                          offset ? absl::StrCat(" offset ", offset->ToString()) : "");
      break;
    case Kind::kDistinct:
      line = "distinct";
      break;
    case Kind::kUnion:
      line = absl::AsciiStrToLower(absl::StrCat(set_op, union_all ? " all" : ""));
      break;
    case Kind::kInsert:
      line = absl::StrCat("insert into ", table->name());
      if (on_conflict == OnConflict::kDoNothing) absl::StrAppend(&line, " on conflict do nothing");
      if (on_conflict == OnConflict::kDoUpdate) absl::StrAppend(&line, " on conflict do update");
      break;
    case Kind::kUpdate:
      line = absl::StrCat("update ", table->name());
      break;
    case Kind::kDelete:
      line = absl::StrCat("delete from ", table->name());
      break;
    case Kind::kSeries:
      line = absl::StrCat("generate_series (", Join(exprs, ", "), ")");
      break;
  }
  std::string out = absl::StrCat(pad, line, "\n");
  // The plans of the subqueries this node's expressions run, under the node.
  std::vector<const BoundExpr*> subqueries;
  std::function<void(const BoundExprPtr&)> collect = [&](const BoundExprPtr& e) {
    if (!e) return;
    if (e->subquery) subqueries.push_back(e.get());
    for (const auto& a : e->args) collect(a);
  };
  for (const auto* list : {&exprs, &group_by, &returning, &conflict_set}) {
    for (const auto& e : *list) collect(e);
  }
  for (const auto& e : {filter, condition, conflict_where}) collect(e);
  for (const auto& r : rows) {
    for (const auto& e : r) collect(e);
  }
  for (const auto& k : sort_keys) collect(k.expr);
  for (const auto& a : aggregates) {
    collect(a.arg);
    collect(a.delimiter);
  }
  for (const BoundExpr* e : subqueries) {
    absl::StrAppend(&out, pad, "  subquery ", e->index, e->correlated ? " (correlated)" : "", ":\n",
                    e->subquery->ToString(indent + 2));
  }
  for (const auto& c : children) absl::StrAppend(&out, c->ToString(indent + 1));
  return out;
}

}  // namespace meridian::sql
