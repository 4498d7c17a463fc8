// Decoding of SQL literal and identifier tokens into their values, and UTF-8 checks.
//
// Thread-safety: stateless functions.
#ifndef MERIDIAN_SQL_PARSER_INTERNAL_STRING_LITERALS_H_
#define MERIDIAN_SQL_PARSER_INTERNAL_STRING_LITERALS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meridian::sql::parser_internal {

// 'it''s' -> it's. REQUIRES: `token` is a complete standard string token.
std::string DecodeStandardString(std::string_view token);

// E'a\nb' -> a<newline>b, with PostgreSQL's escapes (\b \f \n \r \t, octal \ooo, hex \xhh,
// \uXXXX, \UXXXXXXXX, '' and \' for a quote, any other \c for c). Fails with SQLSTATE 22025
// (invalid escape sequence) or 22021 (a byte sequence that is not UTF-8, or a NUL).
// REQUIRES: `token` is a complete escape string token, E and quotes included.
absl::StatusOr<std::string> DecodeEscapeString(std::string_view token);

// "Mixed ""Case""" -> Mixed "Case". REQUIRES: a complete quoted identifier token.
std::string DecodeQuotedIdentifier(std::string_view token);

// ASCII lower-casing, as PostgreSQL folds unquoted identifiers and keywords.
std::string AsciiLower(std::string_view text);

// The offset of the first byte of `text` that does not start a valid UTF-8 sequence
// (overlong forms, surrogates and values above U+10FFFF are invalid), or -1 if none.
int FindInvalidUtf8(std::string_view text);

}  // namespace meridian::sql::parser_internal

#endif  // MERIDIAN_SQL_PARSER_INTERNAL_STRING_LITERALS_H_
