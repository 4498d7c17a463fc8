#include "sql/expr/bound_expr.h"

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

}  // namespace meridian::sql
