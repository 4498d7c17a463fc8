#include "sql/parser/parser.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "SqlLexer.h"
#include "SqlParser.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "antlr4-runtime.h"
#include "common/status.h"
#include "sql/parser/internal/ast_builder.h"
#include "sql/parser/internal/string_literals.h"

namespace meridian::sql {
namespace {

using parser_gen::SqlLexer;
using parser_gen::SqlParser;
using parser_internal::SourceMap;

// Deepest nesting of parentheses, brackets, CASE and runs of prefix operators that the
// recursive-descent parser is allowed to follow; deeper input gets SQLSTATE 54001 before
// the parser could exhaust the stack.
constexpr int kMaxNesting = 200;

// Remembers the first syntax error the parser reports.
class FirstErrorListener : public antlr4::BaseErrorListener {
 public:
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t column, const std::string& msg, std::exception_ptr e) override {
    if (seen_) return;
    seen_ = true;
    token_ = offending;
  }
  bool seen() const { return seen_; }
  antlr4::Token* token() const { return token_; }

 private:
  bool seen_ = false;
  antlr4::Token* token_ = nullptr;
};

absl::Status SyntaxError(std::string_view message, int position) {
  return WithErrorPosition(SqlError(absl::StatusCode::kInvalidArgument, "42601", message),
                           position);
}

// PostgreSQL's message for an error at `token`.
absl::Status ErrorAt(antlr4::Token* token, std::string_view sql, const SourceMap& map) {
  if (token == nullptr || token->getType() == antlr4::Token::EOF) {
    return SyntaxError("syntax error at end of input", static_cast<int>(map.CodePointCount()) + 1);
  }
  int position = static_cast<int>(token->getStartIndex()) + 1;
  std::string text = token->getText();
  if (token->getType() == SqlParser::ERROR_CHAR) {
    std::string_view rest = sql.substr(map.ByteOffset(token->getStartIndex()));
    if (text == "'") {
      return SyntaxError(
          absl::StrCat("unterminated quoted string at or near \"", std::string(rest), "\""),
          position);
    }
    if (text == "\"") {
      if (rest.substr(0, 2) == "\"\"") {
        return SyntaxError("zero-length delimited identifier at or near \"\"\"\"", position);
      }
      return SyntaxError(
          absl::StrCat("unterminated quoted identifier at or near \"", std::string(rest), "\""),
          position);
    }
    if (text == "$" && rest.substr(0, 2) == "$$") {
      return SyntaxError(
          absl::StrCat("unterminated dollar-quoted string at or near \"", std::string(rest), "\""),
          position);
    }
  }
  return SyntaxError(absl::StrCat("syntax error at or near \"", text, "\""), position);
}

// The nesting the parser would have to recurse through (see kMaxNesting).
absl::Status CheckNesting(antlr4::CommonTokenStream& tokens) {
  int depth = 0;
  int prefix_run = 0;
  int explains = 0;
  for (antlr4::Token* t : tokens.getTokens()) {
    switch (t->getType()) {
      case SqlParser::LPAREN:
      case SqlParser::LBRACKET:
      case SqlParser::K_CASE:
        ++depth;
        break;
      case SqlParser::RPAREN:
      case SqlParser::RBRACKET:
      case SqlParser::K_END:
        if (depth > 0) --depth;
        break;
      case SqlParser::K_EXPLAIN:
        ++explains;
        break;
      case SqlParser::SEMI:
        depth = 0;
        explains = 0;
        break;
      default:
        break;
    }
    switch (t->getType()) {
      case SqlParser::K_NOT:
      case SqlParser::MINUS:
      case SqlParser::PLUS:
      case SqlParser::TILDE:
      case SqlParser::AT:
        ++prefix_run;
        break;
      default:
        prefix_run = 0;
    }
    if (depth + prefix_run + explains > kMaxNesting) {
      return WithErrorPosition(
          SqlError(absl::StatusCode::kResourceExhausted, "54001", "statement too complex"),
          static_cast<int>(t->getStartIndex()) + 1);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ast::ParsedStatement>> ParseImpl(std::string_view sql) {
  if (int bad = parser_internal::FindInvalidUtf8(sql); bad >= 0) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    absl::StrFormat("invalid byte sequence for encoding \"UTF8\": 0x%02x",
                                    static_cast<unsigned char>(sql[bad])));
  }
  SourceMap map(sql);
  antlr4::ANTLRInputStream input(sql.data(), sql.size());
  SqlLexer lexer(&input);
  lexer.removeErrorListeners();  // ERROR_CHAR makes every input lexable
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  RETURN_IF_ERROR(CheckNesting(tokens));

  SqlParser parser(&tokens);
  parser.removeErrorListeners();
  // Stage 1: SLL prediction, giving up at the first error.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  SqlParser::ScriptContext* script = nullptr;
  try {
    script = parser.script();
  } catch (const antlr4::ParseCancellationException&) {
    script = nullptr;
  }
  if (script == nullptr) {
    // Stage 2: full LL, reporting the first error where it is found.
    tokens.seek(0);
    parser.reset();
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    FirstErrorListener listener;
    parser.addErrorListener(&listener);
    script = parser.script();
    parser.removeErrorListeners();
    if (listener.seen()) return ErrorAt(listener.token(), sql, map);
  }

  std::vector<ast::ParsedStatement> out;
  for (SqlParser::StatementContext* stmt : script->statement()) {
    parser_internal::AstBuilder builder(&map);
    ASSIGN_OR_RETURN(ast::Statement built, builder.Build(stmt));
    ast::ParsedStatement parsed;
    parsed.statement = std::move(built);
    int begin = map.ByteOffset(stmt->getStart()->getStartIndex());
    int end = map.ByteOffset(stmt->getStop()->getStopIndex() + 1);
    parsed.location = begin;
    parsed.text = std::string(sql.substr(begin, end - begin));
    parsed.num_params = builder.max_param();
    out.push_back(std::move(parsed));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ast::ParsedStatement>> Parse(std::string_view sql) {
  try {
    return ParseImpl(sql);
  } catch (const std::bad_alloc&) {
    return SqlError(absl::StatusCode::kResourceExhausted, "53200", "out of memory");
  } catch (const std::exception& e) {
    return SqlError(absl::StatusCode::kInternal, "XX000",
                    absl::StrCat("internal error in the SQL parser: ", e.what()));
  } catch (...) {
    return SqlError(absl::StatusCode::kInternal, "XX000", "internal error in the SQL parser");
  }
}

}  // namespace meridian::sql
