#include "sql/planner/physical_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sql/planner/internal/plan_text.h"
#include "sql/planner/logical_plan.h"

namespace meridian::sql {
namespace {

std::string IndexName(const TableInfo& t, uint32_t index_id) {
  if (index_id == kPrimaryIndexId) return "primary key";
  for (const auto& i : t.desc().indexes()) {
    if (i.id() == index_id) return absl::StrCat("index ", i.name());
  }
  return absl::StrCat("index #", index_id);
}

std::string DescribeScan(const TableScanOp& op) {
  std::string line = absl::StrCat("scan ", op.table->name());
  if (op.constraint.has_value()) {
    const IndexConstraint& c = *op.constraint;
    absl::StrAppend(&line, " using ", IndexName(*op.table, c.index_id));
    const size_t before = c.in_values.empty() ? 0 : std::min(c.in_position, c.eq.size());
    if (before > 0) {
      absl::StrAppend(
          &line, " eq (",
          JoinExprs(std::vector<BoundExprPtr>(c.eq.begin(), c.eq.begin() + before), ", "), ")");
    }
    if (!c.in_values.empty()) absl::StrAppend(&line, " in (", JoinExprs(c.in_values, ", "), ")");
    if (c.eq.size() > before) {
      absl::StrAppend(&line, " eq (",
                      JoinExprs(std::vector<BoundExprPtr>(c.eq.begin() + before, c.eq.end()), ", "),
                      ")");
    }
    if (c.lower) {
      absl::StrAppend(&line, c.lower_inclusive ? " from " : " after ", c.lower->ToString());
    }
    if (c.upper) {
      absl::StrAppend(&line, c.upper_inclusive ? " to " : " before ", c.upper->ToString());
    }
  } else {
    absl::StrAppend(&line, " (full)");
  }
  if (op.filter) absl::StrAppend(&line, " filter ", op.filter->ToString());
  if (op.range_filter) absl::StrAppend(&line, " at ranges ", op.range_filter->ToString());
  if (op.limit.has_value()) absl::StrAppend(&line, " limit ", *op.limit);
  if (op.for_update) absl::StrAppend(&line, " for update");
  return line;
}

const char* JoinTypeText(JoinType t) { return t == JoinType::kLeft ? " (left)" : " (inner)"; }

}  // namespace

std::string PhysicalNode::Describe() const {
  switch (kind()) {
    case Kind::kTableScan:
      return DescribeScan(As<TableScanOp>());
    case Kind::kNestedLoopJoin: {
      const auto& op = As<NestedLoopJoinOp>();
      std::string line = absl::StrCat("nested loop join", JoinTypeText(op.type));
      if (op.condition) absl::StrAppend(&line, " condition ", op.condition->ToString());
      return line;
    }
    case Kind::kHashJoin: {
      const auto& op = As<HashJoinOp>();
      std::string line =
          absl::StrCat("hash join", JoinTypeText(op.type), " on (", JoinExprs(op.left_keys, ", "),
                       ") = (", JoinExprs(op.right_keys, ", "), ")");
      if (op.condition) absl::StrAppend(&line, " condition ", op.condition->ToString());
      return line;
    }
    case Kind::kIndexLookupJoin: {
      const auto& op = As<IndexLookupJoinOp>();
      std::string line = absl::StrCat("index lookup join", JoinTypeText(op.type), " lookup (",
                                      JoinExprs(op.left_keys, ", "), ")");
      if (op.condition) absl::StrAppend(&line, " condition ", op.condition->ToString());
      return line;
    }
    case Kind::kValues:
      return DescribeValues(As<ValuesOp>());
    case Kind::kSeries:
      return DescribeSeries(As<SeriesOp>());
    case Kind::kFilter:
      return DescribeFilter(As<FilterOp>());
    case Kind::kProject:
      return DescribeProject(As<ProjectOp>());
    case Kind::kAggregate:
      return DescribeAggregate(As<AggregateOp>());
    case Kind::kSort:
      return DescribeSort(As<SortOp>());
    case Kind::kLimit:
      return DescribeLimit(As<LimitOp>());
    case Kind::kDistinct:
      return "distinct";
    case Kind::kSetOp:
      return DescribeSetOp(As<SetOp>());
    case Kind::kInsert:
      return DescribeInsert(As<InsertOp>());
    case Kind::kUpdate:
      return DescribeUpdate(As<UpdateOp>());
    case Kind::kDelete:
      return DescribeDelete(As<DeleteOp>());
  }
  return "?";
}

std::string PhysicalNode::ToString(int indent) const {
  std::string out = internal::NodeText(*this, indent, Describe(), [](const BoundExpr& e, int at) {
    // A subquery is planned by the optimizer; a plan printed before that shows it bound.
    return e.subquery_plan != nullptr ? e.subquery_plan->ToString(at) : e.subquery->ToString(at);
  });
  if (const auto* lookup = std::get_if<IndexLookupJoinOp>(&op)) {
    // The table the lookups read, where a right input would be.
    std::string line =
        absl::StrCat(std::string((indent + 1) * 2, ' '), "scan ", lookup->table->name(), " using ",
                     IndexName(*lookup->table, lookup->index_id));
    if (lookup->filter) absl::StrAppend(&line, " filter ", lookup->filter->ToString());
    if (lookup->for_update) absl::StrAppend(&line, " for update");
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace meridian::sql
