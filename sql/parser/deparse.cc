#include "sql/parser/deparse.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meridian::sql {

std::string Deparse(const ast::Expr& e, bool* ok) {
  auto quote = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) {
      out += c;
      if (c == '\'') out += '\'';
    }
    return out + "'";
  };
  auto args = [&](size_t from) {
    std::vector<std::string> parts;
    for (size_t i = from; i < e.args.size(); ++i) parts.push_back(Deparse(*e.args[i], ok));
    return absl::StrJoin(parts, ", ");
  };
  switch (e.kind) {
    case ast::ExprKind::kLiteral:
      switch (e.literal_kind) {
        case ast::LiteralKind::kNull:
          return "NULL";
        case ast::LiteralKind::kBool:
          return e.text == "true" ? "true" : "false";
        case ast::LiteralKind::kString:
          return quote(e.text);
        default:
          return e.text;
      }
    case ast::ExprKind::kColumnRef:
      return absl::StrJoin(e.names, ".");
    case ast::ExprKind::kUnary:
      return absl::StrCat("(", e.op, " ", Deparse(*e.args[0], ok), ")");
    case ast::ExprKind::kBinary:
      return absl::StrCat("(", Deparse(*e.args[0], ok), " ", e.op, " ", Deparse(*e.args[1], ok),
                          ")");
    case ast::ExprKind::kCast: {
      std::string t = e.type.name;
      if (!e.type.modifiers.empty()) {
        std::vector<std::string> m;
        for (int64_t x : e.type.modifiers) m.push_back(std::to_string(x));
        t += "(" + absl::StrJoin(m, ",") + ")";
      }
      return absl::StrCat("CAST(", Deparse(*e.args[0], ok), " AS ", t, ")");
    }
    case ast::ExprKind::kFunction:
      if (e.star) return absl::StrCat(absl::StrJoin(e.names, "."), "(*)");
      return absl::StrCat(absl::StrJoin(e.names, "."), "(", args(0), ")");
    case ast::ExprKind::kIsNull:
      return absl::StrCat("(", Deparse(*e.args[0], ok), e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ast::ExprKind::kCase: {
      std::string out = "CASE";
      if (e.case_operand) absl::StrAppend(&out, " ", Deparse(*e.case_operand, ok));
      for (const auto& [w, t] : e.when_then) {
        absl::StrAppend(&out, " WHEN ", Deparse(*w, ok), " THEN ", Deparse(*t, ok));
      }
      if (e.else_expr) absl::StrAppend(&out, " ELSE ", Deparse(*e.else_expr, ok));
      return out + " END";
    }
    default:
      *ok = false;
      return "";
  }
}

}  // namespace meridian::sql
