// PostgreSQL's external forms of values: the text form (every type) and the binary form
// (BOOL, INT2/4/8, FLOAT4/8, NUMERIC, TEXT/VARCHAR/CHAR/NAME, BYTEA, DATE, TIMESTAMP, OID).
// Used by the wire protocol, COPY and text casts.
//
// Text output matches PostgreSQL 15 with its default settings: booleans "t"/"f"; floats
// in the shortest form that reads back exactly ("0.1", "1e+100", "Infinity", "NaN");
// NUMERIC with all digits of its scale; DATE "2024-01-31" (ISO, DateStyle ISO, MDY);
// TIMESTAMP "2024-01-31 12:00:00" with fractional digits only when non-zero
// ("...:00.5"); BYTEA hex "\x0aff". Text input accepts what PostgreSQL accepts for these
// types in common use (booleans t/true/yes/on/1..., ISO dates and timestamps, "\x" hex bytea).
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_TYPES_PG_FORMAT_H_
#define MERIDIAN_SQL_TYPES_PG_FORMAT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace meridian::sql {

// REQUIRES: !v.is_null().
std::string FormatText(const Value& v, const SqlType& type);
// NULL is never passed here (the protocol sends NULL as length -1).
absl::StatusOr<Value> ParseText(std::string_view text, const SqlType& type);

// Whether the binary form of `type` is supported (else the wire layer refuses format 1 for
// it with 0A000).
bool HasBinaryFormat(const SqlType& type);
// REQUIRES: !v.is_null() and HasBinaryFormat(type).
std::string FormatBinary(const Value& v, const SqlType& type);
// 22P03 (invalid binary representation) on malformed input.
absl::StatusOr<Value> ParseBinary(std::string_view bytes, const SqlType& type);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TYPES_PG_FORMAT_H_
