#include "sql/optimizer/internal/expr_util.h"

namespace meridian::sql::internal {

using EK = BoundExpr::Kind;

void ColumnsUsed(const BoundExpr& e, std::set<int>* out) {
  if (e.kind == EK::kColumn) out->insert(e.index);
  for (const auto& a : e.args) {
    if (a) ColumnsUsed(*a, out);
  }
}

BoundExprPtr Shift(const BoundExprPtr& e, int delta) {
  auto c = std::make_shared<BoundExpr>(*e);
  if (c->kind == EK::kColumn) c->index += delta;
  for (auto& a : c->args) {
    if (a) a = Shift(a, delta);
  }
  return c;
}

BoundExprPtr AndAll(const std::vector<BoundExprPtr>& conj) {
  if (conj.empty()) return nullptr;
  if (conj.size() == 1) return conj[0];
  auto e = std::make_shared<BoundExpr>();
  e->kind = EK::kAnd;
  e->type = SqlType::Of(TypeId::kBool);
  e->args = conj;
  return e;
}

bool HasParamsOrSubqueries(const BoundExpr& e) {
  if (e.kind == EK::kParam || e.kind == EK::kOuterColumn || e.subquery != nullptr) return true;
  for (const auto& a : e.args) {
    if (a && HasParamsOrSubqueries(*a)) return true;
  }
  return false;
}

bool SeekCompatible(const SqlType& col, const SqlType& v) {
  if (col.is_integer() && v.is_integer()) return true;
  if (col.is_string() && v.is_string()) return col.id != TypeId::kChar && v.id != TypeId::kChar;
  return col.id == v.id && col.id != TypeId::kFloat4;
}

}  // namespace meridian::sql::internal
