// Turns the ANTLR parse tree of one statement (Sql.g4) into the AST of ast.h.
//
// Internal to sql/parser: the only file outside the generated code that sees ANTLR types
// besides parser.cc. A builder is used for one statement and then dropped.
//
// Thread-safety: an AstBuilder is not synchronized; use one per thread.
#ifndef MERIDIAN_SQL_PARSER_INTERNAL_AST_BUILDER_H_
#define MERIDIAN_SQL_PARSER_INTERNAL_AST_BUILDER_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "SqlParser.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sql/parser/ast.h"

namespace meridian::sql::parser_internal {

// Maps ANTLR's character (code point) indexes to byte offsets in the UTF-8 input.
class SourceMap {
 public:
  explicit SourceMap(std::string_view text);

  // Byte offset of code point `index`; index == CodePointCount() gives text.size().
  int ByteOffset(size_t index) const;
  size_t CodePointCount() const { return code_points_; }

 private:
  size_t code_points_ = 0;
  std::vector<int> byte_offsets_;  // empty when the text is ASCII (identity map)
};

// Deepest expression/query nesting the builder follows before giving up with SQLSTATE
// 54001 ("statement too complex").
inline constexpr int kMaxBuildDepth = 1000;

class AstBuilder {
 public:
  explicit AstBuilder(const SourceMap* map) : map_(map) {}
  AstBuilder(const AstBuilder&) = delete;
  AstBuilder& operator=(const AstBuilder&) = delete;

  // Builds one statement. On failure the status carries a SQLSTATE and, where one applies,
  // an error position.
  absl::StatusOr<ast::Statement> Build(parser_gen::SqlParser::StatementContext* ctx);

  // Highest $n seen by Build so far.
  int max_param() const { return max_param_; }

 private:
  using P = parser_gen::SqlParser;

  // Records the first error; later ones are dropped.
  void Fail(absl::Status status, antlr4::Token* at);
  void Fail(std::string_view sqlstate, std::string_view message, antlr4::Token* at);
  void Unsupported(std::string_view what, antlr4::Token* at);
  int Loc(antlr4::Token* token) const;
  int Loc(antlr4::ParserRuleContext* ctx) const { return Loc(ctx->getStart()); }

  ast::Statement BuildStatement(P::StatementContext* ctx);

  // Queries.
  std::unique_ptr<ast::SelectStmt> BuildSelect(P::SelectStmtContext* ctx);
  std::unique_ptr<ast::SelectStmt> BuildSelectBody(P::SelectBodyContext* ctx);
  std::unique_ptr<ast::SelectStmt> BuildSimpleSelect(P::SimpleSelectContext* ctx);
  std::unique_ptr<ast::SelectStmt> BuildValues(P::ValuesClauseContext* ctx);
  std::unique_ptr<ast::TableRef> BuildTableRef(P::TableRefContext* ctx);
  void ApplyAlias(P::AliasContext* ctx, ast::TableRef* ref);
  std::vector<ast::SelectItem> BuildSelectList(P::SelectListContext* ctx);
  std::vector<ast::OrderItem> BuildOrderBy(P::OrderByClauseContext* ctx);
  std::vector<ast::Assignment> BuildSetList(P::SetListContext* ctx);

  // Statements.
  ast::InsertStmt BuildInsert(P::InsertStmtContext* ctx);
  ast::UpdateStmt BuildUpdate(P::UpdateStmtContext* ctx);
  ast::DeleteStmt BuildDelete(P::DeleteStmtContext* ctx);
  ast::CreateTableStmt BuildCreateTable(P::CreateTableStmtContext* ctx);
  ast::ColumnDef BuildColumnDef(P::ColumnDefContext* ctx);
  ast::TableConstraint BuildTableConstraint(P::TableConstraintContext* ctx);
  // Fails with 0A000: FOREIGN KEY and CHECK are parsed only to be refused clearly.
  void RefuseConstraint(P::UnsupportedTableConstraintContext* ctx);
  ast::AlterTableStmt BuildAlterTable(P::AlterTableStmtContext* ctx);
  ast::CreateIndexStmt BuildCreateIndex(P::CreateIndexStmtContext* ctx);
  ast::CopyStmt BuildCopy(P::CopyStmtContext* ctx);
  ast::BeginStmt BuildTransactionModes(P::TransactionModesContext* ctx);
  ast::SetStmt BuildSet(P::SetStmtContext* ctx);
  std::unique_ptr<ast::ExplainStmt> BuildExplain(P::ExplainStmtContext* ctx);

  // Expressions.
  ast::ExprPtr BuildExpr(P::ExprContext* ctx);
  ast::ExprPtr BuildExprNode(P::ExprContext* ctx);
  ast::ExprPtr BuildAexpr(P::AexprContext* ctx);
  ast::ExprPtr BuildAexprNode(P::AexprContext* ctx);
  ast::ExprPtr BuildPrimary(P::PrimaryExprContext* ctx);
  ast::ExprPtr BuildLiteral(P::LiteralContext* ctx);
  ast::ExprPtr BuildFunctionCall(P::FunctionCallContext* ctx);
  ast::ExprPtr BuildSetValue(P::SetValueContext* ctx);
  std::vector<ast::ExprPtr> BuildExprList(P::ExprListContext* ctx);
  ast::ExprPtr NumberLiteral(std::string text, int location);
  ast::ExprPtr StringLiteral(std::string text, int location);
  ast::ExprPtr Placeholder() const;

  // Names and types.
  std::string Ident(P::IdentifierContext* ctx);
  std::string ColLabel(P::ColLabelContext* ctx);
  std::vector<std::string> QualifiedName(P::QualifiedNameContext* ctx);
  std::vector<std::vector<std::string>> QualifiedNames(P::QualifiedNameListContext* ctx);
  std::vector<std::string> IdentList(P::IdentListContext* ctx);
  ast::TypeName BuildTypeName(P::TypeNameContext* ctx);
  ast::TypeName BuildConstTypeName(P::ConstTypeNameContext* ctx);
  std::string OptionValue(P::OptionValueContext* ctx);
  std::string OperatorText(antlr4::tree::ParseTree* op);
  int64_t ParseInt(antlr4::Token* token);

  // Tracks recursion depth; fails with 54001 past kMaxBuildDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(AstBuilder* b, antlr4::Token* at);
    ~DepthGuard() { --b_->depth_; }
    bool ok() const { return ok_; }

   private:
    AstBuilder* b_;
    bool ok_;
  };

  const SourceMap* map_;
  absl::Status status_;
  int depth_ = 0;
  int max_param_ = 0;
};

}  // namespace meridian::sql::parser_internal

#endif  // MERIDIAN_SQL_PARSER_INTERNAL_AST_BUILDER_H_
