// The SQL parser: text in, AST (sql/parser/ast.h) out.
//
// The front end is an ANTLR4 grammar (Sql.g4); no ANTLR type leaves sql/parser. The
// grammar accepts Meridian's dialect, which is PostgreSQL's where they overlap, plus
// AS OF SYSTEM TIME. Keywords are case-insensitive; "--" and "/* */" comments are ignored.
//
// Errors: kInvalidArgument with SQLSTATE 42601 and the message PostgreSQL would give
// (`syntax error at or near "FORM"`, `syntax error at end of input`), plus the 1-based
// character position of the offending token (common/status.h: WithErrorPosition). The
// parser never throws and never crashes, whatever the input.
//
// Thread-safety: Parse is reentrant; it keeps no state between calls.
#ifndef MERIDIAN_SQL_PARSER_PARSER_H_
#define MERIDIAN_SQL_PARSER_PARSER_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/parser/ast.h"

namespace meridian::sql {

// Parses a script of zero or more statements separated by ';'. Empty statements are
// dropped, so "" and ";" give an empty vector.
absl::StatusOr<std::vector<ast::ParsedStatement>> Parse(std::string_view sql);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PARSER_PARSER_H_
