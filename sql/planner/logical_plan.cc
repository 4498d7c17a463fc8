#include "sql/planner/logical_plan.h"

#include "absl/strings/str_cat.h"
#include "sql/planner/internal/plan_text.h"

namespace meridian::sql {
namespace {

std::string Describe(const LogicalNode& n) {
  using K = LogicalNode::Kind;
  switch (n.kind()) {
    case K::kScan: {
      const ScanOp& op = n.As<ScanOp>();
      std::string line = absl::StrCat("scan ", op.table == nullptr ? "?" : op.table->name());
      if (op.filter) absl::StrAppend(&line, " filter ", op.filter->ToString());
      if (op.for_update) absl::StrAppend(&line, " for update");
      return line;
    }
    case K::kJoin: {
      const JoinOp& op = n.As<JoinOp>();
      std::string line = absl::StrCat("join", op.type == JoinType::kLeft ? " (left)" : " (inner)");
      if (op.condition) absl::StrAppend(&line, " condition ", op.condition->ToString());
      return line;
    }
    case K::kValues:
      return DescribeValues(n.As<ValuesOp>());
    case K::kSeries:
      return DescribeSeries(n.As<SeriesOp>());
    case K::kFilter:
      return DescribeFilter(n.As<FilterOp>());
    case K::kProject:
      return DescribeProject(n.As<ProjectOp>());
    case K::kAggregate:
      return DescribeAggregate(n.As<AggregateOp>());
    case K::kSort:
      return DescribeSort(n.As<SortOp>());
    case K::kLimit:
      return DescribeLimit(n.As<LimitOp>());
    case K::kDistinct:
      return "distinct";
    case K::kSetOp:
      return DescribeSetOp(n.As<SetOp>());
    case K::kInsert:
      return DescribeInsert(n.As<InsertOp>());
    case K::kUpdate:
      return DescribeUpdate(n.As<UpdateOp>());
    case K::kDelete:
      return DescribeDelete(n.As<DeleteOp>());
  }
  return "?";
}

}  // namespace

std::string LogicalNode::ToString(int indent) const {
  return internal::NodeText(*this, indent, Describe(*this),
                            [](const BoundExpr& e, int at) { return e.subquery->ToString(at); });
}

}  // namespace meridian::sql
