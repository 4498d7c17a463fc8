#include "sql/parser/internal/ast_builder.h"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "sql/parser/internal/string_literals.h"

namespace meridian::sql::parser_internal {
namespace {

using P = parser_gen::SqlParser;
using antlr4::Token;
using antlr4::tree::TerminalNode;

int TokenType(antlr4::tree::ParseTree* node) {
  auto* t = dynamic_cast<TerminalNode*>(node);
  return t == nullptr ? -1 : static_cast<int>(t->getSymbol()->getType());
}

ast::ExprPtr MakeExpr(ast::ExprKind kind, int location) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = kind;
  e->location = location;
  return e;
}

ast::ExprPtr MakeFunction(std::string name, std::vector<ast::ExprPtr> args, int location) {
  auto e = MakeExpr(ast::ExprKind::kFunction, location);
  e->names = {std::move(name)};
  e->args = std::move(args);
  return e;
}

bool HasTrailingClauses(const ast::SelectStmt& s) {
  return !s.order_by.empty() || s.limit != nullptr || s.offset != nullptr || s.for_update ||
         s.for_share;
}

// SELECT * FROM (inner) AS "*SELECT*": groups a set-operation operand (see ast.h).
std::unique_ptr<ast::SelectStmt> Wrap(std::unique_ptr<ast::SelectStmt> inner) {
  auto outer = std::make_unique<ast::SelectStmt>();
  outer->location = inner->location;
  ast::SelectItem item;
  item.expr = MakeExpr(ast::ExprKind::kStar, inner->location);
  outer->items.push_back(std::move(item));
  auto ref = std::make_unique<ast::TableRef>();
  ref->kind = ast::TableRef::Kind::kSubquery;
  ref->location = inner->location;
  ref->alias = "*SELECT*";
  ref->subquery = std::move(inner);
  outer->from.push_back(std::move(ref));
  return outer;
}

// Canonical spelling of a type name written as an identifier (see ast.h).
std::string CanonicalTypeName(const std::string& name) {
  static const std::pair<const char*, const char*> kAliases[] = {
      {"integer", "int"},
      {"int4", "int"},
      {"int8", "bigint"},
      {"int2", "smallint"},
      {"decimal", "numeric"},
      {"float4", "real"},
      {"float8", "double precision"},
      {"float", "double precision"},
      {"bool", "boolean"},
      {"character", "char"},
      {"bpchar", "char"},
  };
  for (const auto& [from, to] : kAliases) {
    if (name == from) return to;
  }
  return name;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// SourceMap

SourceMap::SourceMap(std::string_view text) {
  bool ascii = true;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    code_points_ = text.size();
    return;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      byte_offsets_.push_back(static_cast<int>(i));
    }
  }
  code_points_ = byte_offsets_.size();
  byte_offsets_.push_back(static_cast<int>(text.size()));
}

int SourceMap::ByteOffset(size_t index) const {
  if (byte_offsets_.empty()) return static_cast<int>(std::min(index, code_points_));
  return byte_offsets_[std::min(index, code_points_)];
}

// ---------------------------------------------------------------------------------------
// Errors and helpers

AstBuilder::DepthGuard::DepthGuard(AstBuilder* b, Token* at) : b_(b) {
  ok_ = ++b_->depth_ <= kMaxBuildDepth;
  if (!ok_) b_->Fail("54001", "statement too complex", at);
}

void AstBuilder::Fail(absl::Status status, Token* at) {
  if (!status_.ok()) return;
  if (at != nullptr && at->getStartIndex() != INVALID_INDEX) {
    status = WithErrorPosition(std::move(status), static_cast<int>(at->getStartIndex()) + 1);
  }
  status_ = std::move(status);
}

void AstBuilder::Fail(std::string_view sqlstate, std::string_view message, Token* at) {
  absl::StatusCode code = sqlstate == "54001" ? absl::StatusCode::kResourceExhausted
                                              : absl::StatusCode::kInvalidArgument;
  if (sqlstate.substr(0, 2) == "0A") code = absl::StatusCode::kUnimplemented;
  Fail(SqlError(code, sqlstate, message), at);
}

void AstBuilder::Unsupported(std::string_view what, Token* at) {
  Fail("0A000", absl::StrCat(std::string(what), " is not supported"), at);
}

int AstBuilder::Loc(Token* token) const {
  if (token == nullptr || token->getStartIndex() == INVALID_INDEX) return -1;
  return map_->ByteOffset(token->getStartIndex());
}

ast::ExprPtr AstBuilder::Placeholder() const { return MakeExpr(ast::ExprKind::kLiteral, -1); }

int64_t AstBuilder::ParseInt(Token* token) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(token->getText(), &v)) {
    Fail("22003", absl::StrCat("value \"", token->getText(), "\" is out of range for type bigint"),
         token);
  }
  return v;
}

std::string AstBuilder::Ident(P::IdentifierContext* ctx) {
  if (ctx->QUOTED_IDENT() != nullptr) {
    std::string name = DecodeQuotedIdentifier(ctx->getStart()->getText());
    return name;
  }
  return AsciiLower(ctx->getStart()->getText());
}

std::string AstBuilder::ColLabel(P::ColLabelContext* ctx) {
  if (ctx->identifier() != nullptr) return Ident(ctx->identifier());
  return AsciiLower(ctx->getStart()->getText());
}

std::vector<std::string> AstBuilder::QualifiedName(P::QualifiedNameContext* ctx) {
  std::vector<std::string> names;
  names.push_back(Ident(ctx->identifier()));
  for (auto* label : ctx->colLabel()) names.push_back(ColLabel(label));
  return names;
}

std::vector<std::vector<std::string>> AstBuilder::QualifiedNames(P::QualifiedNameListContext* ctx) {
  std::vector<std::vector<std::string>> out;
  if (ctx == nullptr) return out;
  for (auto* q : ctx->qualifiedName()) out.push_back(QualifiedName(q));
  return out;
}

std::vector<std::string> AstBuilder::IdentList(P::IdentListContext* ctx) {
  std::vector<std::string> out;
  if (ctx == nullptr) return out;
  for (auto* id : ctx->identifier()) out.push_back(Ident(id));
  return out;
}

std::string AstBuilder::OptionValue(P::OptionValueContext* ctx) {
  if (ctx == nullptr) return "true";
  if (ctx->STRING() != nullptr) return DecodeStandardString(ctx->STRING()->getText());
  if (ctx->colLabel() != nullptr) return ColLabel(ctx->colLabel());
  std::string text = ctx->MINUS() != nullptr ? "-" : "";
  return text + ctx->children.back()->getText();
}

// The operator an otherOp/compOp/anyOperator/terminal stands for, normalized (ast.h).
std::string AstBuilder::OperatorText(antlr4::tree::ParseTree* op) {
  if (auto* other = dynamic_cast<P::OtherOpContext*>(op)) {
    if (other->K_OPERATOR() != nullptr) return OperatorText(other->anyOperator());
    return other->getText();
  }
  if (auto* any = dynamic_cast<P::AnyOperatorContext*>(op)) {
    return OperatorText(any->children[0]);
  }
  std::string text = op->getText();
  if (text == "!=") return "<>";
  return text;
}

// ---------------------------------------------------------------------------------------
// Types

ast::TypeName AstBuilder::BuildTypeName(P::TypeNameContext* ctx) {
  ast::TypeName type;
  type.location = Loc(ctx);
  auto* base = ctx->baseTypeName();
  P::TypeModifiersContext* mods = nullptr;
  if (dynamic_cast<P::DoubleTypeContext*>(base) != nullptr) {
    type.name = "double precision";
  } else if (auto* c = dynamic_cast<P::CharacterTypeContext*>(base)) {
    type.name = c->K_VARYING() != nullptr ? "varchar" : "char";
    mods = c->typeModifiers();
  } else if (auto* t = dynamic_cast<P::TimeTypeContext*>(base)) {
    bool tz = t->timeZoneSuffix() != nullptr && t->timeZoneSuffix()->K_WITH() != nullptr;
    type.name =
        t->K_TIMESTAMP() != nullptr ? (tz ? "timestamptz" : "timestamp") : (tz ? "timetz" : "time");
    mods = t->typeModifiers();
  } else if (dynamic_cast<P::IntervalTypeContext*>(base) != nullptr) {
    type.name = "interval";
  } else if (auto* n = dynamic_cast<P::NamedTypeContext*>(base)) {
    std::vector<std::string> parts;
    bool quoted = n->typeIdent()->QUOTED_IDENT() != nullptr;
    parts.push_back(quoted ? DecodeQuotedIdentifier(n->typeIdent()->getText())
                           : AsciiLower(n->typeIdent()->getText()));
    for (auto* label : n->colLabel()) parts.push_back(ColLabel(label));
    if (parts.size() > 1 && parts.front() == "pg_catalog") parts.erase(parts.begin());
    if (parts.size() == 1) {
      type.name = quoted ? parts[0] : CanonicalTypeName(parts[0]);
    } else {
      type.name = absl::StrJoin(parts, ".");
    }
    mods = n->typeModifiers();
  }
  if (mods != nullptr) {
    bool negate = false;
    for (auto* child : mods->children) {
      int tt = TokenType(child);
      if (tt == P::MINUS) negate = true;
      if (tt == P::INTEGER) {
        int64_t v = ParseInt(dynamic_cast<TerminalNode*>(child)->getSymbol());
        type.modifiers.push_back(negate ? -v : v);
        negate = false;
      }
    }
  }
  if (type.name == "double precision" && !type.modifiers.empty()) {
    // FLOAT(p): binary digits of precision choose real or double precision.
    if (type.modifiers[0] < 1 || type.modifiers[0] > 53) {
      Fail("22023", "precision for type float must be between 1 and 53 bits", ctx->getStart());
    }
    if (type.modifiers[0] <= 24) type.name = "real";
    type.modifiers.clear();
  }
  type.array = !ctx->LBRACKET().empty();
  return type;
}

ast::TypeName AstBuilder::BuildConstTypeName(P::ConstTypeNameContext* ctx) {
  ast::TypeName type;
  type.location = Loc(ctx);
  if (ctx->K_DOUBLE() != nullptr) {
    type.name = "double precision";
  } else if (ctx->K_CHARACTER() != nullptr) {
    type.name = ctx->K_VARYING() != nullptr ? "varchar" : "char";
  } else if (ctx->K_TIMESTAMP() != nullptr || ctx->K_TIME() != nullptr) {
    bool tz = ctx->timeZoneSuffix() != nullptr && ctx->timeZoneSuffix()->K_WITH() != nullptr;
    type.name = ctx->K_TIMESTAMP() != nullptr ? (tz ? "timestamptz" : "timestamp")
                                              : (tz ? "timetz" : "time");
  } else if (ctx->K_INTERVAL() != nullptr) {
    type.name = "interval";
  } else {
    std::vector<std::string> parts;
    bool quoted = ctx->typeIdent()->QUOTED_IDENT() != nullptr;
    parts.push_back(quoted ? DecodeQuotedIdentifier(ctx->typeIdent()->getText())
                           : AsciiLower(ctx->typeIdent()->getText()));
    for (auto* label : ctx->colLabel()) parts.push_back(ColLabel(label));
    if (parts.size() > 1 && parts.front() == "pg_catalog") parts.erase(parts.begin());
    type.name = parts.size() == 1 ? (quoted ? parts[0] : CanonicalTypeName(parts[0]))
                                  : absl::StrJoin(parts, ".");
  }
  return type;
}

// ---------------------------------------------------------------------------------------
// Expressions

ast::ExprPtr AstBuilder::NumberLiteral(std::string text, int location) {
  auto e = MakeExpr(ast::ExprKind::kLiteral, location);
  bool integral = text.find_first_of(".eE") == std::string::npos;
  int64_t unused;
  e->literal_kind = integral && absl::SimpleAtoi(text, &unused) ? ast::LiteralKind::kInteger
                                                                : ast::LiteralKind::kDecimal;
  e->text = std::move(text);
  return e;
}

ast::ExprPtr AstBuilder::StringLiteral(std::string text, int location) {
  auto e = MakeExpr(ast::ExprKind::kLiteral, location);
  e->literal_kind = ast::LiteralKind::kString;
  e->text = std::move(text);
  return e;
}

ast::ExprPtr AstBuilder::BuildLiteral(P::LiteralContext* ctx) {
  Token* tok = ctx->getStart();
  int loc = Loc(tok);
  std::string text = tok->getText();
  switch (tok->getType()) {
    case P::INTEGER:
    case P::DECIMAL:
      return NumberLiteral(std::move(text), loc);
    case P::STRING:
      return StringLiteral(DecodeStandardString(text), loc);
    case P::ESTRING: {
      auto decoded = DecodeEscapeString(text);
      if (!decoded.ok()) {
        Fail(decoded.status(), tok);
        return Placeholder();
      }
      return StringLiteral(*std::move(decoded), loc);
    }
    case P::DOLLAR_STRING:
      return StringLiteral(text.substr(2, text.size() - 4), loc);
    case P::K_TRUE:
    case P::K_FALSE: {
      auto e = MakeExpr(ast::ExprKind::kLiteral, loc);
      e->literal_kind = ast::LiteralKind::kBool;
      e->text = tok->getType() == P::K_TRUE ? "true" : "false";
      return e;
    }
    default:
      return MakeExpr(ast::ExprKind::kLiteral, loc);  // NULL
  }
}

std::vector<ast::ExprPtr> AstBuilder::BuildExprList(P::ExprListContext* ctx) {
  std::vector<ast::ExprPtr> out;
  if (ctx == nullptr) return out;
  for (auto* e : ctx->expr()) out.push_back(BuildExpr(e));
  return out;
}

namespace {

// Left operand of a left-associative binary alternative of `expr`, or null.
P::ExprContext* LeftOfBinaryExpr(P::ExprContext* ctx) {
  if (auto* a = dynamic_cast<P::AndExprContext*>(ctx)) return a->expr(0);
  if (auto* o = dynamic_cast<P::OrExprContext*>(ctx)) return o->expr(0);
  if (auto* c = dynamic_cast<P::CompareExprContext*>(ctx)) return c->expr(0);
  return nullptr;
}

P::AexprContext* LeftOfBinaryAexpr(P::AexprContext* ctx) {
  if (auto* b = dynamic_cast<P::BinaryAexprContext*>(ctx)) return b->aexpr(0);
  if (auto* c = dynamic_cast<P::CastAexprContext*>(ctx)) return c->aexpr();
  if (auto* s = dynamic_cast<P::SubscriptAexprContext*>(ctx)) return s->aexpr();
  if (auto* c = dynamic_cast<P::CollateAexprContext*>(ctx)) return c->aexpr();
  return nullptr;
}

}  // namespace

// Long left-deep chains (a AND b AND c ..., 1 + 2 + 3 ...) are walked iteratively so that
// their length costs no stack; only true nesting recurses.
ast::ExprPtr AstBuilder::BuildExpr(P::ExprContext* ctx) {
  DepthGuard guard(this, ctx->getStart());
  if (!guard.ok()) return Placeholder();
  std::vector<P::ExprContext*> spine;
  P::ExprContext* cur = ctx;
  while (P::ExprContext* left = LeftOfBinaryExpr(cur)) {
    spine.push_back(cur);
    cur = left;
  }
  ast::ExprPtr result = BuildExprNode(cur);
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
    P::ExprContext* node = *it;
    auto e = MakeExpr(ast::ExprKind::kBinary, Loc(node));
    if (dynamic_cast<P::AndExprContext*>(node) != nullptr) {
      e->op = "AND";
    } else if (dynamic_cast<P::OrExprContext*>(node) != nullptr) {
      e->op = "OR";
    } else {
      e->op = OperatorText(dynamic_cast<P::CompareExprContext*>(node)->compOp());
    }
    e->args.push_back(std::move(result));
    e->args.push_back(BuildExpr(dynamic_cast<P::ExprContext*>(node->children.back())));
    result = std::move(e);
  }
  return result;
}

ast::ExprPtr AstBuilder::BuildExprNode(P::ExprContext* ctx) {
  int loc = Loc(ctx);
  if (auto* a = dynamic_cast<P::ArithExprContext*>(ctx)) return BuildAexpr(a->aexpr());
  if (auto* l = dynamic_cast<P::LikeExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kLike, loc);
    e->op = l->K_ILIKE() != nullptr ? "ILIKE" : "LIKE";
    e->negated = l->K_NOT() != nullptr;
    e->args.push_back(BuildExpr(l->expr()));
    for (auto* a : l->aexpr()) e->args.push_back(BuildAexpr(a));
    return e;
  }
  if (auto* s = dynamic_cast<P::SimilarExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kLike, loc);
    e->op = "SIMILAR TO";
    e->negated = s->K_NOT() != nullptr;
    e->args.push_back(BuildExpr(s->expr()));
    for (auto* a : s->aexpr()) e->args.push_back(BuildAexpr(a));
    return e;
  }
  if (auto* b = dynamic_cast<P::BetweenExprContext*>(ctx)) {
    if (b->K_SYMMETRIC() != nullptr)
      Unsupported("BETWEEN SYMMETRIC", b->K_SYMMETRIC()->getSymbol());
    auto e = MakeExpr(ast::ExprKind::kBetween, loc);
    e->negated = b->K_NOT() != nullptr;
    e->args.push_back(BuildExpr(b->expr()));
    e->args.push_back(BuildAexpr(b->aexpr(0)));
    e->args.push_back(BuildAexpr(b->aexpr(1)));
    return e;
  }
  if (auto* in = dynamic_cast<P::InExprContext*>(ctx)) {
    auto lhs = BuildExpr(in->expr());
    ast::ExprPtr e;
    if (in->selectStmt() != nullptr) {
      e = MakeExpr(ast::ExprKind::kInSubquery, loc);
      e->args.push_back(std::move(lhs));
      e->subquery = BuildSelect(in->selectStmt());
    } else {
      e = MakeExpr(ast::ExprKind::kInList, loc);
      e->args.push_back(std::move(lhs));
      for (auto& item : BuildExprList(in->exprList())) e->args.push_back(std::move(item));
    }
    e->negated = in->K_NOT() != nullptr;
    return e;
  }
  if (auto* q = dynamic_cast<P::QuantifiedExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kQuantified, loc);
    e->op = OperatorText(q->compOp());
    e->text = q->K_ALL() != nullptr ? "all" : "any";
    e->args.push_back(BuildExpr(q->expr(0)));
    if (q->selectStmt() != nullptr) {
      e->subquery = BuildSelect(q->selectStmt());
    } else {
      e->args.push_back(BuildExpr(q->expr(1)));
    }
    return e;
  }
  if (auto* is = dynamic_cast<P::IsExprContext*>(ctx)) {
    ast::ExprPtr e;
    if (is->K_NULL() != nullptr) {
      e = MakeExpr(ast::ExprKind::kIsNull, loc);
    } else {
      e = MakeExpr(ast::ExprKind::kIsBool, loc);
      e->text = is->K_TRUE() != nullptr ? "true" : is->K_FALSE() != nullptr ? "false" : "unknown";
    }
    e->negated = is->K_NOT() != nullptr;
    e->args.push_back(BuildExpr(is->expr()));
    return e;
  }
  if (auto* d = dynamic_cast<P::IsDistinctExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kBinary, loc);
    e->op = d->K_NOT() != nullptr ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM";
    e->args.push_back(BuildExpr(d->expr(0)));
    e->args.push_back(BuildExpr(d->expr(1)));
    return e;
  }
  if (auto* n = dynamic_cast<P::NullTestExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kIsNull, loc);
    e->negated = n->K_NOTNULL() != nullptr;
    e->args.push_back(BuildExpr(n->expr()));
    return e;
  }
  if (auto* n = dynamic_cast<P::NotExprContext*>(ctx)) {
    auto inner = BuildExpr(n->expr());
    if (inner->kind == ast::ExprKind::kExists && !inner->negated &&
        dynamic_cast<P::ArithExprContext*>(n->expr()) != nullptr) {
      inner->negated = true;
      inner->location = loc;
      return inner;
    }
    auto e = MakeExpr(ast::ExprKind::kUnary, loc);
    e->op = "NOT";
    e->args.push_back(std::move(inner));
    return e;
  }
  Fail("XX000", "unexpected expression in parse tree", ctx->getStart());
  return Placeholder();
}

ast::ExprPtr AstBuilder::BuildAexpr(P::AexprContext* ctx) {
  DepthGuard guard(this, ctx->getStart());
  if (!guard.ok()) return Placeholder();
  std::vector<P::AexprContext*> spine;
  P::AexprContext* cur = ctx;
  while (P::AexprContext* left = LeftOfBinaryAexpr(cur)) {
    spine.push_back(cur);
    cur = left;
  }
  ast::ExprPtr result = BuildAexprNode(cur);
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
    P::AexprContext* node = *it;
    int loc = Loc(node);
    ast::ExprPtr e;
    if (auto* b = dynamic_cast<P::BinaryAexprContext*>(node)) {
      e = MakeExpr(ast::ExprKind::kBinary, loc);
      e->op = OperatorText(b->children[1]);
      e->args.push_back(std::move(result));
      e->args.push_back(BuildAexpr(b->aexpr(1)));
    } else if (auto* c = dynamic_cast<P::CastAexprContext*>(node)) {
      e = MakeExpr(ast::ExprKind::kCast, loc);
      e->args.push_back(std::move(result));
      e->type = BuildTypeName(c->typeName());
    } else if (auto* s = dynamic_cast<P::SubscriptAexprContext*>(node)) {
      e = MakeExpr(ast::ExprKind::kSubscript, loc);
      e->args.push_back(std::move(result));
      for (auto* x : s->expr()) e->args.push_back(BuildExpr(x));
      if (s->COLON() != nullptr) e->text = ":";
    } else {
      auto* c = dynamic_cast<P::CollateAexprContext*>(node);
      e = MakeExpr(ast::ExprKind::kCollate, loc);
      e->args.push_back(std::move(result));
      e->names = QualifiedName(c->qualifiedName());
    }
    result = std::move(e);
  }
  return result;
}

ast::ExprPtr AstBuilder::BuildAexprNode(P::AexprContext* ctx) {
  int loc = Loc(ctx);
  if (auto* p = dynamic_cast<P::PrimaryAexprContext*>(ctx)) return BuildPrimary(p->primaryExpr());
  if (auto* u = dynamic_cast<P::UnaryAexprContext*>(ctx)) {
    auto operand = BuildAexpr(u->aexpr());
    bool minus = u->op->getType() == P::MINUS;
    // Fold the sign into a numeric literal written right after it.
    if (operand->kind == ast::ExprKind::kLiteral &&
        (operand->literal_kind == ast::LiteralKind::kInteger ||
         operand->literal_kind == ast::LiteralKind::kDecimal) &&
        !operand->text.empty() && operand->text[0] != '-') {
      if (!minus) {
        operand->location = loc;
        return operand;
      }
      return NumberLiteral("-" + operand->text, loc);
    }
    auto e = MakeExpr(ast::ExprKind::kUnary, loc);
    e->op = minus ? "-" : "+";
    e->args.push_back(std::move(operand));
    return e;
  }
  if (auto* p = dynamic_cast<P::PrefixOpAexprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kUnary, loc);
    e->op = p->prefixOp()->getText();
    e->args.push_back(BuildAexpr(p->aexpr()));
    return e;
  }
  Fail("XX000", "unexpected expression in parse tree", ctx->getStart());
  return Placeholder();
}

ast::ExprPtr AstBuilder::BuildFunctionCall(P::FunctionCallContext* ctx) {
  auto e = MakeExpr(ast::ExprKind::kFunction, Loc(ctx));
  auto* name = ctx->funcName();
  Token* first = name->getStart();
  e->names.push_back(first->getType() == P::QUOTED_IDENT ? DecodeQuotedIdentifier(first->getText())
                                                         : AsciiLower(first->getText()));
  for (auto* label : name->colLabel()) e->names.push_back(ColLabel(label));
  e->star = ctx->STAR() != nullptr;
  e->distinct = ctx->K_DISTINCT() != nullptr;
  e->args = BuildExprList(ctx->exprList());
  if (auto* over = ctx->overClause()) {
    e->over = std::make_unique<ast::WindowSpec>();
    e->over->partition_by = BuildExprList(over->exprList());
    if (over->orderByClause() != nullptr) e->over->order_by = BuildOrderBy(over->orderByClause());
  }
  return e;
}

ast::ExprPtr AstBuilder::BuildPrimary(P::PrimaryExprContext* ctx) {
  int loc = Loc(ctx);
  if (auto* l = dynamic_cast<P::LiteralExprContext*>(ctx)) return BuildLiteral(l->literal());
  if (auto* p = dynamic_cast<P::ParamExprContext*>(ctx)) {
    Token* tok = p->PARAM()->getSymbol();
    std::string digits = tok->getText().substr(1);
    int n = 0;
    if (!absl::SimpleAtoi(digits, &n) || n < 1 || n > 65535) {
      Fail("42P02", absl::StrCat("there is no parameter $", digits), tok);
      return Placeholder();
    }
    max_param_ = std::max(max_param_, n);
    auto e = MakeExpr(ast::ExprKind::kParam, loc);
    e->param = n;
    return e;
  }
  if (auto* t = dynamic_cast<P::TypedLiteralExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kCast, loc);
    e->type = BuildConstTypeName(t->constTypeName());
    e->args.push_back(
        StringLiteral(DecodeStandardString(t->STRING()->getText()), Loc(t->STRING()->getSymbol())));
    return e;
  }
  if (auto* s = dynamic_cast<P::SubqueryExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kSubquery, loc);
    e->subquery = BuildSelect(s->selectStmt());
    return e;
  }
  if (auto* x = dynamic_cast<P::ExistsExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kExists, loc);
    e->subquery = BuildSelect(x->selectStmt());
    return e;
  }
  if (auto* p = dynamic_cast<P::ParenExprContext*>(ctx)) {
    auto inner = BuildExpr(p->expr());
    if (p->DOT() == nullptr) return inner;
    auto e = MakeExpr(ast::ExprKind::kFieldSelect, loc);
    e->text = p->STAR() != nullptr ? "*" : ColLabel(p->colLabel());
    e->args.push_back(std::move(inner));
    return e;
  }
  if (auto* a = dynamic_cast<P::ArrayExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kArray, loc);
    e->args = BuildExprList(a->exprList());
    return e;
  }
  if (auto* a = dynamic_cast<P::ArraySubqueryExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kArray, loc);
    e->subquery = BuildSelect(a->selectStmt());
    return e;
  }
  if (auto* c = dynamic_cast<P::CaseExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kCase, loc);
    // expr(0) is the operand when it comes before the first WHEN.
    size_t next = 0;
    auto exprs = c->expr();
    auto whens = c->whenClause();
    if (!exprs.empty() &&
        exprs[0]->getStart()->getTokenIndex() < whens[0]->getStart()->getTokenIndex()) {
      e->case_operand = BuildExpr(exprs[0]);
      next = 1;
    }
    for (auto* w : whens) {
      e->when_then.emplace_back(BuildExpr(w->expr(0)), BuildExpr(w->expr(1)));
    }
    if (c->K_ELSE() != nullptr && next < exprs.size()) e->else_expr = BuildExpr(exprs.back());
    return e;
  }
  if (auto* c = dynamic_cast<P::CastExprContext*>(ctx)) {
    auto e = MakeExpr(ast::ExprKind::kCast, loc);
    e->args.push_back(BuildExpr(c->expr()));
    e->type = BuildTypeName(c->typeName());
    return e;
  }
  if (auto* x = dynamic_cast<P::ExtractExprContext*>(ctx)) {
    std::vector<ast::ExprPtr> args;
    args.push_back(StringLiteral(ColLabel(x->colLabel()), Loc(x->colLabel())));
    args.push_back(BuildExpr(x->expr()));
    return MakeFunction("extract", std::move(args), loc);
  }
  if (auto* s = dynamic_cast<P::SubstringExprContext*>(ctx)) {
    std::vector<ast::ExprPtr> args;
    auto exprs = s->expr();
    args.push_back(BuildExpr(exprs[0]));
    if (s->K_FROM() != nullptr) {
      args.push_back(BuildExpr(exprs[1]));
    } else if (s->K_FOR() != nullptr) {
      args.push_back(NumberLiteral("1", loc));  // SUBSTRING(x FOR n) starts at 1
    }
    if (s->K_FOR() != nullptr) args.push_back(BuildExpr(exprs.back()));
    return MakeFunction("substring", std::move(args), loc);
  }
  if (auto* s = dynamic_cast<P::SubstringCallExprContext*>(ctx)) {
    std::vector<ast::ExprPtr> args;
    args.push_back(BuildExpr(s->expr()));
    for (auto& a : BuildExprList(s->exprList())) args.push_back(std::move(a));
    return MakeFunction("substring", std::move(args), loc);
  }
  if (auto* t = dynamic_cast<P::TrimExprContext*>(ctx)) {
    std::string name = t->K_LEADING() != nullptr    ? "ltrim"
                       : t->K_TRAILING() != nullptr ? "rtrim"
                                                    : "btrim";
    auto* targs = t->trimArgs();
    std::vector<ast::ExprPtr> args = BuildExprList(targs->exprList());
    if (targs->expr() != nullptr) args.push_back(BuildExpr(targs->expr()));
    return MakeFunction(std::move(name), std::move(args), loc);
  }
  if (auto* p = dynamic_cast<P::PositionExprContext*>(ctx)) {
    std::vector<ast::ExprPtr> args;
    args.push_back(BuildAexpr(p->aexpr(1)));
    args.push_back(BuildAexpr(p->aexpr(0)));
    return MakeFunction("position", std::move(args), loc);
  }
  if (auto* f = dynamic_cast<P::SqlFunctionExprContext*>(ctx)) {
    auto* sf = f->sqlFunction();
    std::vector<ast::ExprPtr> args;
    if (sf->INTEGER() != nullptr) {
      args.push_back(NumberLiteral(sf->INTEGER()->getText(), Loc(sf->INTEGER()->getSymbol())));
    }
    return MakeFunction(AsciiLower(sf->getStart()->getText()), std::move(args), loc);
  }
  if (auto* f = dynamic_cast<P::FunctionExprContext*>(ctx)) {
    return BuildFunctionCall(f->functionCall());
  }
  if (auto* c = dynamic_cast<P::ColumnRefExprContext*>(ctx)) {
    auto e = MakeExpr(c->STAR() != nullptr ? ast::ExprKind::kStar : ast::ExprKind::kColumnRef, loc);
    e->names = QualifiedName(c->qualifiedName());
    return e;
  }
  Fail("XX000", "unexpected expression in parse tree", ctx->getStart());
  return Placeholder();
}

ast::ExprPtr AstBuilder::BuildSetValue(P::SetValueContext* ctx) {
  int loc = Loc(ctx);
  if (ctx->STRING() != nullptr) {
    return StringLiteral(DecodeStandardString(ctx->STRING()->getText()), loc);
  }
  if (ctx->colLabel() != nullptr) return StringLiteral(ColLabel(ctx->colLabel()), loc);
  std::string text = ctx->children.back()->getText();
  return NumberLiteral(ctx->MINUS() != nullptr ? "-" + text : text, loc);
}

// ---------------------------------------------------------------------------------------
// Queries

std::vector<ast::SelectItem> AstBuilder::BuildSelectList(P::SelectListContext* ctx) {
  std::vector<ast::SelectItem> items;
  if (ctx == nullptr) return items;
  for (auto* item : ctx->selectItem()) {
    ast::SelectItem out;
    if (dynamic_cast<P::StarSelectItemContext*>(item) != nullptr) {
      out.expr = MakeExpr(ast::ExprKind::kStar, Loc(item));
    } else {
      auto* e = dynamic_cast<P::ExprSelectItemContext*>(item);
      out.expr = BuildExpr(e->expr());
      if (e->colLabel() != nullptr) out.alias = ColLabel(e->colLabel());
      if (e->identifier() != nullptr) out.alias = Ident(e->identifier());
    }
    items.push_back(std::move(out));
  }
  return items;
}

std::vector<ast::OrderItem> AstBuilder::BuildOrderBy(P::OrderByClauseContext* ctx) {
  std::vector<ast::OrderItem> out;
  for (auto* s : ctx->sortItem()) {
    ast::OrderItem item;
    item.expr = BuildExpr(s->expr());
    item.descending = s->K_DESC() != nullptr;
    if (s->K_NULLS() != nullptr) item.nulls_first = s->K_FIRST() != nullptr;
    out.push_back(std::move(item));
  }
  return out;
}

std::unique_ptr<ast::SelectStmt> AstBuilder::BuildSelect(P::SelectStmtContext* ctx) {
  DepthGuard guard(this, ctx->getStart());
  auto select =
      guard.ok() ? BuildSelectBody(ctx->selectBody()) : std::make_unique<ast::SelectStmt>();
  bool trailing = ctx->orderByClause() != nullptr || !ctx->limitOffsetClause().empty() ||
                  !ctx->forLockingClause().empty();
  if (ctx->withClause() != nullptr) {
    // The CTEs belong to the whole statement: attach them to its outermost select.
    if (trailing && HasTrailingClauses(*select)) select = Wrap(std::move(select));
    if (!select->with.empty()) select = Wrap(std::move(select));
    select->with_recursive = ctx->withClause()->K_RECURSIVE() != nullptr;
    for (auto* c : ctx->withClause()->commonTableExpr()) {
      ast::CommonTableExpr cte;
      cte.name = Ident(c->identifier());
      cte.location = Loc(c);
      if (c->identList() != nullptr) {
        for (auto* i : c->identList()->identifier()) cte.columns.push_back(Ident(i));
      }
      cte.query = BuildSelect(c->selectStmt());
      select->with.push_back(std::move(cte));
    }
  }
  if (!trailing) return select;
  if (HasTrailingClauses(*select)) select = Wrap(std::move(select));
  if (ctx->orderByClause() != nullptr) select->order_by = BuildOrderBy(ctx->orderByClause());
  bool seen_limit = false;
  for (auto* clause : ctx->limitOffsetClause()) {
    if (auto* l = dynamic_cast<P::LimitClauseContext*>(clause)) {
      if (seen_limit) Fail("42601", "multiple LIMIT clauses not allowed", l->getStart());
      seen_limit = true;
      if (l->expr() != nullptr) select->limit = BuildExpr(l->expr());
    } else if (auto* o = dynamic_cast<P::OffsetClauseContext*>(clause)) {
      if (select->offset != nullptr) {
        Fail("42601", "multiple OFFSET clauses not allowed", o->getStart());
      }
      select->offset = BuildAexpr(o->aexpr());
    } else if (auto* f = dynamic_cast<P::FetchClauseContext*>(clause)) {
      if (seen_limit) Fail("42601", "multiple LIMIT clauses not allowed", f->getStart());
      seen_limit = true;
      select->limit = f->aexpr() != nullptr ? BuildAexpr(f->aexpr()) : NumberLiteral("1", Loc(f));
    }
  }
  for (auto* lock : ctx->forLockingClause()) {
    if (lock->K_UPDATE() != nullptr) {
      select->for_update = true;
    } else {
      select->for_share = true;
    }
  }
  return select;
}

std::unique_ptr<ast::SelectStmt> AstBuilder::BuildSelectBody(P::SelectBodyContext* ctx) {
  // Walk the left spine of set operations iteratively (UNION ALL chains can be long).
  std::vector<P::SelectBodyContext*> spine;
  P::SelectBodyContext* cur = ctx;
  while (true) {
    if (auto* i = dynamic_cast<P::IntersectSelectBodyContext*>(cur)) {
      spine.push_back(cur);
      cur = i->selectBody(0);
    } else if (auto* u = dynamic_cast<P::UnionSelectBodyContext*>(cur)) {
      spine.push_back(cur);
      cur = u->selectBody(0);
    } else {
      break;
    }
  }
  std::unique_ptr<ast::SelectStmt> head;
  if (auto* s = dynamic_cast<P::SimpleSelectBodyContext*>(cur)) {
    head = BuildSimpleSelect(s->simpleSelect());
  } else if (auto* v = dynamic_cast<P::ValuesSelectBodyContext*>(cur)) {
    head = BuildValues(v->valuesClause());
  } else {
    head = BuildSelect(dynamic_cast<P::ParenSelectBodyContext*>(cur)->selectStmt());
  }
  if (spine.empty()) return head;
  if (HasTrailingClauses(*head)) head = Wrap(std::move(head));
  ast::SelectStmt* tail = head.get();
  while (tail->set_rhs != nullptr) tail = tail->set_rhs.get();
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
    std::string op;
    P::SetQuantifierContext* quantifier;
    P::SelectBodyContext* rhs_ctx;
    if (auto* i = dynamic_cast<P::IntersectSelectBodyContext*>(*it)) {
      op = "INTERSECT";
      quantifier = i->setQuantifier();
      rhs_ctx = i->selectBody(1);
    } else {
      auto* u = dynamic_cast<P::UnionSelectBodyContext*>(*it);
      op = u->op->getType() == P::K_UNION ? "UNION" : "EXCEPT";
      quantifier = u->setQuantifier();
      rhs_ctx = u->selectBody(1);
    }
    if (quantifier != nullptr && quantifier->K_ALL() != nullptr) op += " ALL";
    DepthGuard guard(this, rhs_ctx->getStart());
    if (!guard.ok()) return head;
    auto rhs = BuildSelectBody(rhs_ctx);
    if (!rhs->set_op.empty() || HasTrailingClauses(*rhs)) rhs = Wrap(std::move(rhs));
    tail->set_op = std::move(op);
    tail->set_rhs = std::move(rhs);
    tail = tail->set_rhs.get();
  }
  return head;
}

std::unique_ptr<ast::SelectStmt> AstBuilder::BuildSimpleSelect(P::SimpleSelectContext* ctx) {
  auto s = std::make_unique<ast::SelectStmt>();
  s->location = Loc(ctx);
  s->distinct = ctx->K_DISTINCT() != nullptr;
  if (ctx->K_ON() != nullptr) s->distinct_on = BuildExprList(ctx->exprList());
  s->items = BuildSelectList(ctx->selectList());
  if (auto* from = ctx->fromClause()) {
    for (auto* ref : from->tableRef()) s->from.push_back(BuildTableRef(ref));
  }
  if (ctx->asOfClause() != nullptr) s->as_of_system_time = BuildAexpr(ctx->asOfClause()->aexpr());
  if (ctx->whereClause() != nullptr) s->where = BuildExpr(ctx->whereClause()->expr());
  if (ctx->groupByClause() != nullptr)
    s->group_by = BuildExprList(ctx->groupByClause()->exprList());
  if (ctx->havingClause() != nullptr) s->having = BuildExpr(ctx->havingClause()->expr());
  return s;
}

std::unique_ptr<ast::SelectStmt> AstBuilder::BuildValues(P::ValuesClauseContext* ctx) {
  auto s = std::make_unique<ast::SelectStmt>();
  s->location = Loc(ctx);
  size_t width = 0;
  for (auto* row : ctx->valuesRow()) {
    std::vector<ast::ExprPtr> values;
    for (auto* item : row->valueItem()) {
      values.push_back(item->K_DEFAULT() != nullptr ? nullptr : BuildExpr(item->expr()));
    }
    if (width != 0 && values.size() != width) {
      Fail("42601", "VALUES lists must all be the same length", row->getStart());
    }
    width = values.size();
    s->values.push_back(std::move(values));
  }
  return s;
}

void AstBuilder::ApplyAlias(P::AliasContext* ctx, ast::TableRef* ref) {
  if (ctx == nullptr) return;
  ref->alias = Ident(ctx->identifier());
  ref->column_aliases = IdentList(ctx->identList());
}

std::unique_ptr<ast::TableRef> AstBuilder::BuildTableRef(P::TableRefContext* ctx) {
  auto ref = std::make_unique<ast::TableRef>();
  ref->location = Loc(ctx);
  DepthGuard guard(this, ctx->getStart());
  if (!guard.ok()) return ref;
  if (auto* t = dynamic_cast<P::TableNameRefContext*>(ctx)) {
    ref->name = QualifiedName(t->qualifiedName());
    ApplyAlias(t->alias(), ref.get());
  } else if (auto* t = dynamic_cast<P::TableNameRef2Context*>(ctx)) {
    ref->name = QualifiedName(t->qualifiedName());
    ApplyAlias(t->alias(), ref.get());
  } else if (auto* s = dynamic_cast<P::SubqueryRefContext*>(ctx)) {
    ref->kind = ast::TableRef::Kind::kSubquery;
    ref->lateral = s->K_LATERAL() != nullptr;
    ref->subquery = BuildSelect(s->selectStmt());
    ApplyAlias(s->alias(), ref.get());
  } else if (auto* f = dynamic_cast<P::FunctionRefContext*>(ctx)) {
    ref->kind = ast::TableRef::Kind::kFunction;
    ref->lateral = f->K_LATERAL() != nullptr;
    ref->function = BuildFunctionCall(f->functionCall());
    ApplyAlias(f->alias(), ref.get());
  } else if (auto* p = dynamic_cast<P::ParenRefContext*>(ctx)) {
    ref = BuildTableRef(p->tableRef());
    ApplyAlias(p->alias(), ref.get());
  } else {
    ref->kind = ast::TableRef::Kind::kJoin;
    if (auto* c = dynamic_cast<P::CrossJoinRefContext*>(ctx)) {
      ref->join_type = ast::JoinType::kCross;
      ref->left = BuildTableRef(c->tableRef(0));
      ref->right = BuildTableRef(c->tableRef(1));
      return ref;
    }
    P::JoinTypeContext* type = nullptr;
    if (auto* n = dynamic_cast<P::NaturalJoinRefContext*>(ctx)) {
      ref->natural = true;
      type = n->joinType();
      ref->left = BuildTableRef(n->tableRef(0));
      ref->right = BuildTableRef(n->tableRef(1));
    } else {
      auto* q = dynamic_cast<P::QualJoinRefContext*>(ctx);
      type = q->joinType();
      ref->left = BuildTableRef(q->tableRef(0));
      ref->right = BuildTableRef(q->tableRef(1));
      if (q->joinQual()->K_ON() != nullptr) {
        ref->on = BuildExpr(q->joinQual()->expr());
      } else {
        ref->using_ = IdentList(q->joinQual()->identList());
      }
    }
    if (type != nullptr) {
      if (type->K_LEFT() != nullptr) ref->join_type = ast::JoinType::kLeft;
      if (type->K_RIGHT() != nullptr) ref->join_type = ast::JoinType::kRight;
      if (type->K_FULL() != nullptr) ref->join_type = ast::JoinType::kFull;
    }
  }
  return ref;
}

std::vector<ast::Assignment> AstBuilder::BuildSetList(P::SetListContext* ctx) {
  std::vector<ast::Assignment> out;
  for (auto* item : ctx->setItem()) {
    ast::Assignment a;
    a.column = Ident(item->identifier());
    a.location = Loc(item);
    if (item->expr() != nullptr) a.value = BuildExpr(item->expr());
    out.push_back(std::move(a));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Statements

ast::InsertStmt AstBuilder::BuildInsert(P::InsertStmtContext* ctx) {
  ast::InsertStmt s;
  s.table = QualifiedName(ctx->qualifiedName());
  if (ctx->identifier() != nullptr) s.alias = Ident(ctx->identifier());
  s.columns = IdentList(ctx->identList());
  if (ctx->selectStmt() != nullptr) s.source = BuildSelect(ctx->selectStmt());
  if (auto* oc = ctx->onConflictClause()) {
    ast::OnConflict c;
    c.columns = IdentList(oc->identList());
    if (oc->identifier() != nullptr) c.constraint = Ident(oc->identifier());
    c.do_nothing = oc->K_NOTHING() != nullptr;
    if (!c.do_nothing) {
      c.set = BuildSetList(oc->setList());
      if (oc->whereClause() != nullptr) c.where = BuildExpr(oc->whereClause()->expr());
    }
    s.on_conflict = std::move(c);
  }
  if (ctx->returningClause() != nullptr) {
    s.returning = BuildSelectList(ctx->returningClause()->selectList());
  }
  return s;
}

ast::UpdateStmt AstBuilder::BuildUpdate(P::UpdateStmtContext* ctx) {
  ast::UpdateStmt s;
  s.table = QualifiedName(ctx->qualifiedName());
  if (ctx->alias() != nullptr) {
    if (ctx->alias()->identList() != nullptr) {
      Fail("42601", "syntax error at or near \"(\"", ctx->alias()->LPAREN()->getSymbol());
    }
    s.alias = Ident(ctx->alias()->identifier());
  }
  s.set = BuildSetList(ctx->setList());
  if (ctx->whereClause() != nullptr) s.where = BuildExpr(ctx->whereClause()->expr());
  if (ctx->returningClause() != nullptr) {
    s.returning = BuildSelectList(ctx->returningClause()->selectList());
  }
  return s;
}

ast::DeleteStmt AstBuilder::BuildDelete(P::DeleteStmtContext* ctx) {
  ast::DeleteStmt s;
  s.table = QualifiedName(ctx->qualifiedName());
  if (ctx->alias() != nullptr) {
    if (ctx->alias()->identList() != nullptr) {
      Fail("42601", "syntax error at or near \"(\"", ctx->alias()->LPAREN()->getSymbol());
    }
    s.alias = Ident(ctx->alias()->identifier());
  }
  if (ctx->whereClause() != nullptr) s.where = BuildExpr(ctx->whereClause()->expr());
  if (ctx->returningClause() != nullptr) {
    s.returning = BuildSelectList(ctx->returningClause()->selectList());
  }
  return s;
}

ast::ColumnDef AstBuilder::BuildColumnDef(P::ColumnDefContext* ctx) {
  ast::ColumnDef col;
  col.name = Ident(ctx->identifier());
  col.location = Loc(ctx);
  col.type = BuildTypeName(ctx->typeName());
  for (auto* cc : ctx->columnConstraint()) {
    auto* body = cc->columnConstraintBody();
    if (dynamic_cast<P::NotNullConstraintContext*>(body) != nullptr) {
      col.not_null = true;
    } else if (dynamic_cast<P::NullConstraintContext*>(body) != nullptr) {
      col.null = true;
    } else if (dynamic_cast<P::PrimaryKeyConstraintContext*>(body) != nullptr) {
      col.primary_key = true;
    } else if (dynamic_cast<P::UniqueConstraintContext*>(body) != nullptr) {
      col.unique = true;
    } else if (auto* d = dynamic_cast<P::DefaultConstraintContext*>(body)) {
      col.default_value = BuildAexpr(d->aexpr());
    } else if (auto* r = dynamic_cast<P::ReferencesConstraintContext*>(body)) {
      // Refused rather than accepted and ignored: nothing would check the reference.
      Fail("0A000",
           "foreign keys (REFERENCES) are not supported yet: Meridian would not enforce them, so "
           "it refuses them; remove the clause and check the relationship in the application",
           r->K_REFERENCES()->getSymbol());
    } else if (auto* k = dynamic_cast<P::CheckConstraintContext*>(body)) {
      Fail("0A000",
           "CHECK constraints are not supported yet: Meridian would not enforce them, so it "
           "refuses them",
           k->K_CHECK()->getSymbol());
    }
  }
  if (col.null && col.not_null) {
    Fail("42601",
         absl::StrCat("conflicting NULL/NOT NULL declarations for column \"", col.name, "\""),
         ctx->getStart());
  }
  return col;
}

ast::TableConstraint AstBuilder::BuildTableConstraint(P::TableConstraintContext* ctx) {
  ast::TableConstraint c;
  c.kind = ctx->K_PRIMARY() != nullptr ? ast::TableConstraint::Kind::kPrimaryKey
                                       : ast::TableConstraint::Kind::kUnique;
  if (ctx->identifier() != nullptr) c.name = Ident(ctx->identifier());
  c.columns = IdentList(ctx->identList());
  c.location = Loc(ctx);
  return c;
}

ast::CreateTableStmt AstBuilder::BuildCreateTable(P::CreateTableStmtContext* ctx) {
  ast::CreateTableStmt s;
  if (ctx->K_TEMP() != nullptr || ctx->K_TEMPORARY() != nullptr) {
    Unsupported("CREATE TEMPORARY TABLE", ctx->getStart());
  }
  s.unlogged = ctx->K_UNLOGGED() != nullptr;
  s.name = QualifiedName(ctx->qualifiedName());
  s.if_not_exists = ctx->K_IF() != nullptr;
  for (auto* el : ctx->tableElement()) {
    if (el->unsupportedTableConstraint() != nullptr) {
      RefuseConstraint(el->unsupportedTableConstraint());
    } else if (el->columnDef() != nullptr) {
      s.columns.push_back(BuildColumnDef(el->columnDef()));
    } else {
      s.constraints.push_back(BuildTableConstraint(el->tableConstraint()));
    }
  }
  for (auto* opt : ctx->relOption()) {
    std::string name = Ident(opt->identifier(0));
    if (opt->identifier().size() > 1) name += "." + Ident(opt->identifier(1));
    s.options.emplace_back(std::move(name), OptionValue(opt->optionValue()));
  }
  return s;
}

ast::AlterTableStmt AstBuilder::BuildAlterTable(P::AlterTableStmtContext* ctx) {
  ast::AlterTableStmt s;
  s.name = QualifiedName(ctx->qualifiedName());
  for (auto* action : ctx->alterAction()) {
    ast::AlterTableStmt::Action a;
    if (auto* c = dynamic_cast<P::AddConstraintActionContext*>(action)) {
      a.kind = ast::AlterTableStmt::Action::Kind::kAddConstraint;
      a.constraint = BuildTableConstraint(c->tableConstraint());
    } else if (auto* u = dynamic_cast<P::AddUnsupportedConstraintActionContext*>(action)) {
      RefuseConstraint(u->unsupportedTableConstraint());
    } else {
      auto* col = dynamic_cast<P::AddColumnActionContext*>(action);
      a.kind = ast::AlterTableStmt::Action::Kind::kAddColumn;
      a.if_not_exists = col->K_IF() != nullptr;
      a.column = BuildColumnDef(col->columnDef());
    }
    s.actions.push_back(std::move(a));
  }
  return s;
}

void AstBuilder::RefuseConstraint(P::UnsupportedTableConstraintContext* ctx) {
  if (ctx->K_FOREIGN() != nullptr) {
    Fail("0A000",
         "foreign keys are not supported yet: Meridian would not enforce them, so it refuses "
         "them; remove the constraint and check the relationship in the application",
         ctx->K_FOREIGN()->getSymbol());
    return;
  }
  Fail("0A000",
       "CHECK constraints are not supported yet: Meridian would not enforce them, so it refuses "
       "them",
       ctx->K_CHECK()->getSymbol());
}

ast::CreateIndexStmt AstBuilder::BuildCreateIndex(P::CreateIndexStmtContext* ctx) {
  ast::CreateIndexStmt s;
  if (ctx->K_CONCURRENTLY() != nullptr) {
    Fail("0A000",
         "CREATE INDEX CONCURRENTLY is not supported: Meridian builds an index in one "
         "transaction, which holds back writes to the table until it commits; use CREATE INDEX",
         ctx->K_CONCURRENTLY()->getSymbol());
  }
  if (ctx->K_USING() != nullptr) {
    auto* method = ctx->identifier().back();
    if (absl::AsciiStrToLower(Ident(method)) != "btree") {
      Fail("0A000",
           absl::StrCat("access method \"", Ident(method),
                        "\" is not supported: every Meridian index is an ordered (btree) index"),
           method->getStart());
    }
  }
  s.unique = ctx->K_UNIQUE() != nullptr;
  s.if_not_exists = ctx->K_IF() != nullptr;
  // identifier(0) is the index name when it precedes ON; a USING method comes after.
  for (auto* id : ctx->identifier()) {
    if (id->getStart()->getTokenIndex() < ctx->K_ON()->getSymbol()->getTokenIndex()) {
      s.name = Ident(id);
    }
  }
  if (s.if_not_exists && s.name.empty()) {
    Fail("42601", "syntax error at or near \"ON\"", ctx->K_ON()->getSymbol());
  }
  s.table = QualifiedName(ctx->qualifiedName());
  for (auto* elem : ctx->indexElem()) {
    ast::IndexColumn col;
    col.name = Ident(elem->identifier());
    col.descending = elem->K_DESC() != nullptr;
    // NULLs sort first in an ascending Meridian index and last in a descending one; an
    // order that says otherwise would be silently wrong.
    if (elem->K_NULLS() != nullptr && (elem->K_FIRST() != nullptr) == col.descending) {
      Fail("0A000",
           absl::StrCat("NULLS ", col.descending ? "FIRST" : "LAST", " in a ",
                        col.descending ? "descending" : "ascending",
                        " index is not supported: NULLs sort ", col.descending ? "last" : "first",
                        " in it"),
           elem->K_NULLS()->getSymbol());
    }
    s.columns.push_back(std::move(col));
  }
  return s;
}

ast::CopyStmt AstBuilder::BuildCopy(P::CopyStmtContext* ctx) {
  ast::CopyStmt s;
  if (ctx->selectStmt() != nullptr) {
    s.query = BuildSelect(ctx->selectStmt());
  } else {
    s.table = QualifiedName(ctx->qualifiedName());
    s.columns = IdentList(ctx->identList());
  }
  s.from = ctx->K_FROM() != nullptr;
  if (ctx->STRING() != nullptr) {
    s.target = DecodeStandardString(ctx->STRING()->getText());
  } else {
    s.target = Ident(ctx->identifier());
  }
  if (s.query != nullptr && s.from) {
    Fail("42601", "COPY (query) FROM is not supported", ctx->K_FROM()->getSymbol());
  }
  for (auto* opt : ctx->copyOption()) {
    s.options.emplace_back(ColLabel(opt->colLabel()), OptionValue(opt->optionValue()));
  }
  for (auto* opt : ctx->copyOldOption()) {
    std::string name = ColLabel(opt->colLabel());
    if (name == "csv" || name == "binary") {
      s.options.emplace_back("format", name);
    } else if (opt->STRING() != nullptr) {
      s.options.emplace_back(name, DecodeStandardString(opt->STRING()->getText()));
    } else {
      s.options.emplace_back(name, "true");
    }
  }
  return s;
}

ast::BeginStmt AstBuilder::BuildTransactionModes(P::TransactionModesContext* ctx) {
  ast::BeginStmt b;
  if (ctx == nullptr) return b;
  for (auto* mode : ctx->transactionMode()) {
    if (auto* iso = dynamic_cast<P::IsolationModeContext*>(mode)) {
      std::vector<std::string> words;
      for (auto* child : iso->isolationLevel()->children) {
        words.push_back(AsciiLower(child->getText()));
      }
      b.isolation = absl::StrJoin(words, " ");
    } else if (dynamic_cast<P::ReadOnlyModeContext*>(mode) != nullptr) {
      b.read_only = true;
      b.read_write = false;
    } else if (dynamic_cast<P::ReadWriteModeContext*>(mode) != nullptr) {
      b.read_write = true;
      b.read_only = false;
    }
  }
  return b;
}

ast::SetStmt AstBuilder::BuildSet(P::SetStmtContext* ctx) {
  ast::SetStmt s;
  s.local = ctx->K_LOCAL() != nullptr;
  auto* target = ctx->setTarget();
  if (auto* t = dynamic_cast<P::SetTransactionContext*>(target)) {
    s.name = "transaction";
    s.transaction = BuildTransactionModes(t->transactionModes());
  } else if (auto* c = dynamic_cast<P::SetCharacteristicsContext*>(target)) {
    s.name = "session characteristics";
    s.transaction = BuildTransactionModes(c->transactionModes());
  } else if (auto* z = dynamic_cast<P::SetTimeZoneContext*>(target)) {
    s.name = "time zone";
    if (z->setValue() != nullptr) {
      s.values.push_back(BuildSetValue(z->setValue()));
    } else {
      s.is_default = true;
    }
  } else {
    auto* v = dynamic_cast<P::SetVariableContext*>(target);
    std::vector<std::string> parts;
    for (auto* id : v->varName()->identifier()) parts.push_back(Ident(id));
    s.name = absl::StrJoin(parts, ".");
    if (v->K_DEFAULT() != nullptr) {
      s.is_default = true;
    } else {
      for (auto* value : v->setValue()) s.values.push_back(BuildSetValue(value));
    }
  }
  return s;
}

std::unique_ptr<ast::ExplainStmt> AstBuilder::BuildExplain(P::ExplainStmtContext* ctx) {
  auto e = std::make_unique<ast::ExplainStmt>();
  e->analyze = ctx->K_ANALYZE() != nullptr || ctx->K_ANALYSE() != nullptr;
  e->verbose = ctx->K_VERBOSE() != nullptr;
  for (auto* opt : ctx->explainOption()) {
    std::string name = ColLabel(opt->colLabel());
    std::string value = AsciiLower(OptionValue(opt->optionValue()));
    bool on = !(value == "false" || value == "off" || value == "0" || value == "no");
    if (name == "analyze" || name == "analyse") e->analyze = on;
    if (name == "verbose") e->verbose = on;
  }
  DepthGuard guard(this, ctx->getStart());
  if (guard.ok()) e->statement = BuildStatement(ctx->statement());
  return e;
}

ast::Statement AstBuilder::BuildStatement(P::StatementContext* ctx) {
  if (auto* c = ctx->selectStmt()) return std::move(*BuildSelect(c));
  if (auto* c = ctx->insertStmt()) return BuildInsert(c);
  if (auto* c = ctx->updateStmt()) return BuildUpdate(c);
  if (auto* c = ctx->deleteStmt()) return BuildDelete(c);
  if (auto* c = ctx->createTableStmt()) return BuildCreateTable(c);
  if (auto* c = ctx->createIndexStmt()) return BuildCreateIndex(c);
  if (auto* c = ctx->dropTableStmt()) {
    ast::DropTableStmt s;
    s.names = QualifiedNames(c->qualifiedNameList());
    s.if_exists = c->K_IF() != nullptr;
    s.cascade = c->K_CASCADE() != nullptr;
    return s;
  }
  if (auto* c = ctx->dropIndexStmt()) {
    ast::DropIndexStmt s;
    if (c->K_CONCURRENTLY() != nullptr) {
      Fail("0A000",
           "DROP INDEX CONCURRENTLY is not supported: Meridian drops an index in one "
           "transaction; use DROP INDEX",
           c->K_CONCURRENTLY()->getSymbol());
    }
    s.names = QualifiedNames(c->qualifiedNameList());
    s.if_exists = c->K_IF() != nullptr;
    return s;
  }
  if (auto* c = ctx->truncateStmt()) {
    ast::TruncateStmt s;
    s.names = QualifiedNames(c->qualifiedNameList());
    return s;
  }
  if (auto* c = ctx->alterTableStmt()) return BuildAlterTable(c);
  if (auto* c = ctx->copyStmt()) return BuildCopy(c);
  if (auto* c = ctx->beginStmt()) {
    ast::BeginStmt b = BuildTransactionModes(c->transactionModes());
    if (c->asOfClause() != nullptr) b.as_of_system_time = BuildAexpr(c->asOfClause()->aexpr());
    return b;
  }
  if (auto* c = ctx->commitStmt()) {
    if (c->K_CHAIN() != nullptr && c->K_NO() == nullptr) {
      Unsupported("COMMIT AND CHAIN", c->K_CHAIN()->getSymbol());
    }
    return ast::CommitStmt{};
  }
  if (auto* c = ctx->rollbackStmt()) {
    if (c->K_CHAIN() != nullptr && c->K_NO() == nullptr) {
      Unsupported("ROLLBACK AND CHAIN", c->K_CHAIN()->getSymbol());
    }
    ast::RollbackStmt r;
    if (c->identifier() != nullptr) r.savepoint = Ident(c->identifier());
    return r;
  }
  if (auto* c = ctx->savepointStmt()) return ast::SavepointStmt{Ident(c->identifier())};
  if (auto* c = ctx->releaseStmt()) return ast::ReleaseStmt{Ident(c->identifier())};
  if (auto* c = ctx->discardStmt()) {
    std::string what = c->K_ALL()         ? "all"
                       : c->K_PLANS()     ? "plans"
                       : c->K_SEQUENCES() ? "sequences"
                                          : "temp";
    return ast::DiscardStmt{what};
  }
  if (auto* c = ctx->setStmt()) return BuildSet(c);
  if (auto* c = ctx->showStmt()) {
    ast::ShowStmt s;
    if (c->K_ALL() != nullptr) {
      s.name = "all";
    } else if (c->K_ISOLATION() != nullptr) {
      s.name = "transaction isolation level";
    } else if (c->K_ZONE() != nullptr) {
      s.name = "time zone";
    } else {
      std::vector<std::string> parts;
      for (auto* id : c->varName()->identifier()) parts.push_back(Ident(id));
      s.name = absl::StrJoin(parts, ".");
    }
    return s;
  }
  if (auto* c = ctx->resetStmt()) {
    ast::ResetStmt s;
    if (c->K_ALL() != nullptr) {
      s.name = "all";
    } else if (c->K_ZONE() != nullptr) {
      s.name = "time zone";
    } else {
      std::vector<std::string> parts;
      for (auto* id : c->varName()->identifier()) parts.push_back(Ident(id));
      s.name = absl::StrJoin(parts, ".");
    }
    return s;
  }
  if (auto* c = ctx->explainStmt()) return BuildExplain(c);
  if (auto* c = ctx->vacuumStmt()) {
    ast::VacuumStmt s;
    s.names = QualifiedNames(c->qualifiedNameList());
    return s;
  }
  if (auto* c = ctx->analyzeStmt()) {
    ast::VacuumStmt s;
    s.names = QualifiedNames(c->qualifiedNameList());
    return s;
  }
  Fail("XX000", "unexpected statement in parse tree", ctx->getStart());
  return ast::EmptyStmt{};
}

absl::StatusOr<ast::Statement> AstBuilder::Build(P::StatementContext* ctx) {
  ast::Statement stmt = BuildStatement(ctx);
  if (!status_.ok()) return status_;
  return stmt;
}

}  // namespace meridian::sql::parser_internal
