// How plans print (EXPLAIN, transcript tests): one line per node, indented two spaces per
// level, and under a node the plans of the subqueries its expressions run. Shared by the
// logical and the physical plan.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_PLANNER_INTERNAL_PLAN_TEXT_H_
#define MERIDIAN_SQL_PLANNER_INTERNAL_PLAN_TEXT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sql/expr/bound_expr.h"

namespace meridian::sql::internal {

// `line` at `indent`; then "subquery N:" and subquery_text(expr, indent + 2) for every
// subquery in `node`'s expressions (the node is not changed); then each child's ToString at
// indent + 1.
template <typename Node, typename SubqueryText>
std::string NodeText(const Node& node, int indent, const std::string& line,
                     SubqueryText subquery_text) {
  const std::string pad(indent * 2, ' ');
  std::string out = absl::StrCat(pad, line, "\n");
  std::vector<const BoundExpr*> subqueries;
  std::function<void(const BoundExpr*)> collect = [&](const BoundExpr* e) {
    if (e == nullptr) return;
    if (e->subquery != nullptr) subqueries.push_back(e);
    for (const auto& a : e->args) collect(a.get());
  };
  // VisitExprs only reads here; it is non-const because passes use it to rewrite.
  (void)const_cast<Node&>(node).VisitExprs([&](BoundExprPtr& e) {
    collect(e.get());
    return absl::OkStatus();
  });
  for (const BoundExpr* e : subqueries) {
    absl::StrAppend(&out, pad, "  subquery ", e->index, e->correlated ? " (correlated)" : "", ":\n",
                    subquery_text(*e, indent + 2));
  }
  for (const auto& c : node.children) absl::StrAppend(&out, c->ToString(indent + 1));
  return out;
}

}  // namespace meridian::sql::internal

#endif  // MERIDIAN_SQL_PLANNER_INTERNAL_PLAN_TEXT_H_
