// SQL identifiers as people type them: "[schema.]name", each part folded to lower case
// unless double-quoted ("" inside quotes is one "). Used by the shell's \d and by the SQL
// layer's regclass input ('acct'::regclass), which read names the same way PostgreSQL does.
//
// Thread-safety: stateless functions.
#ifndef MERIDIAN_COMMON_IDENTIFIER_H_
#define MERIDIAN_COMMON_IDENTIFIER_H_

#include <string>
#include <string_view>

namespace meridian {

// Splits at the first '.' outside double quotes. Sets `schema` (empty when not given) and
// `name`.
void ParseRelationName(std::string_view typed, std::string* schema, std::string* name);

}  // namespace meridian

#endif  // MERIDIAN_COMMON_IDENTIFIER_H_
