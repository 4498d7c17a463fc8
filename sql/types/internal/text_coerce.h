// Helpers shared by the text formats (pg_format.cc) and casts (value_ops.cc).
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_TYPES_INTERNAL_TEXT_COERCE_H_
#define MERIDIAN_SQL_TYPES_INTERNAL_TEXT_COERCE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace meridian::sql::internal {

// Number of UTF-8 characters in `s` (bytes that are not continuation bytes).
int64_t CharLength(std::string_view s);

// Applies a string type's length: VARCHAR(n) and CHAR(n) refuse more than n characters
// (22001) unless the excess is blanks or `explicit_cast` (then they truncate); CHAR(n) pads
// with blanks to n; NAME truncates to 63 bytes on a character boundary; TEXT is unchanged.
absl::StatusOr<std::string> ApplyStringTypmod(std::string s, const SqlType& type,
                                              bool explicit_cast);

// PostgreSQL's float text output (extra_float_digits = 1: shortest exact form).
std::string FormatFloat(double v, bool float4);

// Range checks for the integer types; 22003 "<type> out of range" (PostgreSQL's words:
// "smallint out of range", "integer out of range", "bigint out of range").
absl::Status CheckIntRange(int64_t v, TypeId id);

}  // namespace meridian::sql::internal

#endif  // MERIDIAN_SQL_TYPES_INTERNAL_TEXT_COERCE_H_
