// SQL types and values: the one representation of a datum that the executor, the storage
// encoding and the wire protocol share.
//
//   SqlType  a column or expression type: INT2/INT4/INT8, NUMERIC(p,s), FLOAT4/FLOAT8, TEXT,
//            VARCHAR(n), CHAR(n), BOOL, DATE, TIMESTAMP, BYTEA, plus UNKNOWN (an untyped
//            NULL or string literal before the binder resolves it) and a few catalog types
//            (OID, NAME, REGCLASS..., and arrays of them) that pg_catalog queries use.
//   Value    NULL or one datum. Integers of every width are int64; FLOAT4/FLOAT8 are double;
//            NUMERIC is exact decimal (Numeric); TEXT/VARCHAR/CHAR are UTF-8 strings; BYTEA
//            is a byte string; DATE is days since 1970-01-01; TIMESTAMP is microseconds since
//            1970-01-01 00:00:00 (no time zone).
//
// Conversions follow PostgreSQL: the text forms (input and output) are PostgreSQL's, so
// clients parse them unchanged; binary forms are PostgreSQL's binary send/recv formats for
// the common types. Errors carry PostgreSQL's SQLSTATEs (common/status.h): 22P02 invalid text
// representation, 22003 numeric value out of range, 22012 division by zero, 22001 string too
// long, 22007/22008 bad date/time, 42804 datatype mismatch, 0A000 not supported.
//
// Thread-safety: plain values and stateless functions.
#ifndef MERIDIAN_SQL_TYPES_VALUE_H_
#define MERIDIAN_SQL_TYPES_VALUE_H_

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "sql/types/numeric.h"

namespace meridian::sql {

// DO NOT CHANGE the numeric values: they are stored in table descriptors.
enum class TypeId : uint8_t {
  kUnknown = 0,  // untyped literal/NULL; resolved by the binder
  kBool = 1,
  kInt2 = 2,
  kInt4 = 3,
  kInt8 = 4,
  kFloat4 = 5,
  kFloat8 = 6,
  kNumeric = 7,
  kText = 8,
  kVarchar = 9,
  kChar = 10,
  kBytea = 11,
  kDate = 12,
  kTimestamp = 13,
  kTimestampTz = 14,  // accepted for catalog/function results; stored like kTimestamp (UTC)
  kOid = 15,          // pg_catalog: stored as int64
  kName = 16,         // pg_catalog: a string
  kRegclass = 17,     // pg_catalog: an OID shown as a relation name
  kInterval = 18,     // only as AS OF SYSTEM TIME / arithmetic input; microseconds
  // A one-dimensional array of `element`: only the type of a few pg_catalog columns
  // (pg_policy.polroles, ...) of views that never have rows, so that client queries over
  // them bind. No array value is ever built; operations on a non-NULL array fail with 0A000.
  kArray = 19,
};

struct SqlType {
  TypeId id = TypeId::kUnknown;
  // NUMERIC(precision, scale); -1 = unconstrained. VARCHAR(n)/CHAR(n): length in characters
  // in `precision`; -1 = unbounded (CHAR without n is CHAR(1)).
  int32_t precision = -1;
  int32_t scale = -1;
  TypeId element = TypeId::kUnknown;  // kArray: the element type

  static SqlType Of(TypeId id) { return SqlType{id}; }
  static SqlType ArrayOf(TypeId element) { return SqlType{TypeId::kArray, -1, -1, element}; }
  static SqlType Numeric(int32_t precision = -1, int32_t scale = -1) {
    return SqlType{TypeId::kNumeric, precision, scale};
  }
  static SqlType Varchar(int32_t n = -1) { return SqlType{TypeId::kVarchar, n}; }
  static SqlType Char(int32_t n) { return SqlType{TypeId::kChar, n}; }

  bool is_integer() const;  // INT2/INT4/INT8/OID
  bool is_numeric() const;  // integer, NUMERIC, FLOAT4/8
  bool is_string() const;   // TEXT/VARCHAR/CHAR/NAME
  // SQL spelling, as PostgreSQL's format_type prints it: "integer", "numeric(10,2)",
  // "character varying(20)", "timestamp without time zone", "double precision".
  std::string ToString() const;

  // PostgreSQL wire description: type OID (pg_type.oid), typlen (-1 = variable), and the
  // atttypmod (-1 = none; VARCHAR(n) -> n + 4; NUMERIC(p,s) -> ((p << 16) | s) + 4).
  uint32_t pg_oid() const;
  int16_t pg_typlen() const;
  int32_t pg_typmod() const;

  friend bool operator==(const SqlType&, const SqlType&) = default;
};

// PostgreSQL's array type for an element type, and back, by OID (0 if there is none).
uint32_t PgArrayTypeOid(uint32_t element_oid);
uint32_t PgArrayElementOid(uint32_t array_oid);

// The SqlType for a PostgreSQL type OID (as sent in Parse/Bind); nullopt if unknown.
// OID 0 (unspecified) maps to kUnknown.
std::optional<SqlType> SqlTypeFromPgOid(uint32_t oid);

class Value {
 public:
  Value() = default;  // NULL
  static Value Null() { return Value(); }
  static Value Bool(bool v);
  static Value Int(int64_t v);  // every integer type (and OID)
  static Value Float(double v);
  static Value Decimal(Numeric v);
  static Value String(std::string v);      // text types (and NAME)
  static Value Bytes(std::string v);       // BYTEA
  static Value Date(int32_t days);         // days since 1970-01-01
  static Value Timestamp(int64_t micros);  // microseconds since 1970-01-01 00:00:00
  static Value Interval(int64_t micros);

  enum class Kind {
    kNull,
    kBool,
    kInt,
    kFloat,
    kNumeric,
    kString,
    kBytes,
    kDate,
    kTimestamp,
    kInterval
  };
  Kind kind() const;
  bool is_null() const { return kind() == Kind::kNull; }

  // REQUIRES: kind() is the accessor's kind.
  bool bool_value() const;
  int64_t int_value() const;
  double float_value() const;
  const Numeric& numeric_value() const;
  const std::string& string_value() const;  // kString and kBytes
  int32_t date_value() const;
  int64_t timestamp_value() const;  // kTimestamp and kInterval

  // For debugging and EXPLAIN: NULL, 42, 'text', ...
  std::string DebugString() const;

  // Structural equality (same kind and datum); NULL == NULL here. SQL comparison is
  // CompareValues. NUMERIC datums must also have the same scale (1.0 != 1.00 here), and a
  // NaN float equals a NaN float, so tests can compare results exactly.
  friend bool operator==(const Value& a, const Value& b);

 private:
  struct DateRep {
    int32_t days;
    friend bool operator==(DateRep, DateRep) = default;
  };
  struct TsRep {
    int64_t micros;
    friend bool operator==(TsRep, TsRep) = default;
  };
  struct IntervalRep {
    int64_t micros;
    friend bool operator==(IntervalRep, IntervalRep) = default;
  };
  struct BytesRep {
    std::string bytes;
    friend bool operator==(const BytesRep&, const BytesRep&) = default;
  };
  std::variant<std::monostate, bool, int64_t, double, Numeric, std::string, BytesRep, DateRep,
               TsRep, IntervalRep>
      rep_;
};

// The Value kind that holds datums of `type` (kString for kUnknown: an untyped literal).
Value::Kind KindOfType(const SqlType& type);

// Prints DebugString() (and SqlType::ToString()); lets GoogleTest show values.
std::ostream& operator<<(std::ostream& os, const Value& v);
std::ostream& operator<<(std::ostream& os, const SqlType& t);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TYPES_VALUE_H_
