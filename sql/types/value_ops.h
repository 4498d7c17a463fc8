// SQL semantics over Values: comparison, arithmetic, casts and hashing.
//
// NULL handling is the caller's (the expression evaluator implements three-valued logic):
// every function here REQUIRES non-NULL arguments unless it says otherwise. Type promotion
// follows PostgreSQL: integer op integer -> the wider integer (INT8 ops overflow-checked,
// 22003), integer op NUMERIC -> NUMERIC, anything op FLOAT -> FLOAT8, DATE + INT -> DATE,
// TIMESTAMP +/- INTERVAL -> TIMESTAMP, DATE - DATE -> INT4.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_TYPES_VALUE_OPS_H_
#define MERIDIAN_SQL_TYPES_VALUE_OPS_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace meridian::sql {

enum class ArithOp { kAdd, kSub, kMul, kDiv, kMod, kPow };

// "+", "-", "*", "/", "%", "^".
const char* ArithOpName(ArithOp op);

// The result type of `a op b`, or 42883 ("operator does not exist: integer + boolean").
absl::StatusOr<SqlType> ArithResultType(ArithOp op, const SqlType& a, const SqlType& b);

// Evaluates `a op b` where a has type ta and b has type tb; the result has
// ArithResultType(op, ta, tb). Integer division truncates toward zero, as PostgreSQL's.
// 22012 on division by zero; 22003 on overflow.
absl::StatusOr<Value> Arith(ArithOp op, const Value& a, const SqlType& ta, const Value& b,
                            const SqlType& tb);
absl::StatusOr<Value> Negate(const Value& v, const SqlType& t);

// The common type two operands are compared in (comparison, IN, CASE, COALESCE, UNION),
// or 42804 when there is none ("cannot compare integer with boolean" / "CASE types ...").
// kUnknown on one side takes the other's type.
absl::StatusOr<SqlType> CommonType(const SqlType& a, const SqlType& b);

// Three-way SQL comparison of two non-NULL values of comparable types (integer vs NUMERIC vs
// FLOAT compare numerically; strings byte-wise, i.e. collation "C"). Returns <0, 0, >0.
int CompareValues(const Value& a, const Value& b);

// A hash consistent with CompareValues == 0 (1 and 1.0::numeric hash alike). NULL allowed.
uint64_t HashValue(const Value& v);

// Converts `v` (of type `from`) to type `to`, as CAST does: numeric range checks (22003),
// text parsing (22P02, 22007/22008 for dates), VARCHAR(n) length (22001; CHAR(n) pads and
// explicit casts truncate as PostgreSQL does when `explicit_cast`), NUMERIC(p,s) rounding.
// NULL converts to NULL. 42846 when no cast exists ("cannot cast type boolean to date").
absl::StatusOr<Value> CastValue(const Value& v, const SqlType& from, const SqlType& to,
                                bool explicit_cast = true);

// LIKE / ILIKE with '%' and '_' and the escape character (default '\\'). 22025 on a bad
// escape sequence.
absl::StatusOr<bool> Like(std::string_view text, std::string_view pattern, bool case_insensitive,
                          char escape = '\\');

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TYPES_VALUE_OPS_H_
