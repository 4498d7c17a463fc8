#include "sql/types/value.h"

#include <cmath>
#include <ostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "sql/types/pg_format.h"

namespace meridian::sql {

bool SqlType::is_integer() const {
  return id == TypeId::kInt2 || id == TypeId::kInt4 || id == TypeId::kInt8 || id == TypeId::kOid;
}

bool SqlType::is_numeric() const {
  return is_integer() || id == TypeId::kNumeric || id == TypeId::kFloat4 || id == TypeId::kFloat8;
}

bool SqlType::is_string() const {
  return id == TypeId::kText || id == TypeId::kVarchar || id == TypeId::kChar ||
         id == TypeId::kName;
}

std::string SqlType::ToString() const {
  switch (id) {
    case TypeId::kUnknown:
      return "unknown";
    case TypeId::kBool:
      return "boolean";
    case TypeId::kInt2:
      return "smallint";
    case TypeId::kInt4:
      return "integer";
    case TypeId::kInt8:
      return "bigint";
    case TypeId::kFloat4:
      return "real";
    case TypeId::kFloat8:
      return "double precision";
    case TypeId::kNumeric:
      if (precision < 0) return "numeric";
      return absl::StrCat("numeric(", precision, ",", scale < 0 ? 0 : scale, ")");
    case TypeId::kText:
      return "text";
    case TypeId::kVarchar:
      if (precision < 0) return "character varying";
      return absl::StrCat("character varying(", precision, ")");
    case TypeId::kChar:
      if (precision < 0) return "bpchar";
      return absl::StrCat("character(", precision, ")");
    case TypeId::kBytea:
      return "bytea";
    case TypeId::kDate:
      return "date";
    case TypeId::kTimestamp:
      return "timestamp without time zone";
    case TypeId::kTimestampTz:
      return "timestamp with time zone";
    case TypeId::kOid:
      return "oid";
    case TypeId::kName:
      return "name";
    case TypeId::kRegclass:
      return "regclass";
    case TypeId::kInterval:
      return "interval";
    case TypeId::kArray:
      return SqlType::Of(element).ToString() + "[]";
  }
  return "unknown";
}

namespace {

// (element type OID, array type OID), as in PostgreSQL's pg_type.
constexpr std::pair<uint32_t, uint32_t> kArrayTypeOids[] = {
    {16, 1000},   {17, 1001},   {19, 1003},   {20, 1016},   {21, 1005},   {23, 1007},
    {25, 1009},   {26, 1028},   {700, 1021},  {701, 1022},  {1042, 1014}, {1043, 1015},
    {1082, 1182}, {1114, 1115}, {1184, 1185}, {1186, 1187}, {1700, 1231}, {2205, 2210},
};

}  // namespace

uint32_t PgArrayTypeOid(uint32_t element_oid) {
  for (const auto& [element, array] : kArrayTypeOids) {
    if (element == element_oid) return array;
  }
  return 0;
}

uint32_t PgArrayElementOid(uint32_t array_oid) {
  for (const auto& [element, array] : kArrayTypeOids) {
    if (array == array_oid) return element;
  }
  return 0;
}

uint32_t SqlType::pg_oid() const {
  switch (id) {
    case TypeId::kUnknown:
      return 705;
    case TypeId::kBool:
      return 16;
    case TypeId::kInt2:
      return 21;
    case TypeId::kInt4:
      return 23;
    case TypeId::kInt8:
      return 20;
    case TypeId::kFloat4:
      return 700;
    case TypeId::kFloat8:
      return 701;
    case TypeId::kNumeric:
      return 1700;
    case TypeId::kText:
      return 25;
    case TypeId::kVarchar:
      return 1043;
    case TypeId::kChar:
      return 1042;
    case TypeId::kBytea:
      return 17;
    case TypeId::kDate:
      return 1082;
    case TypeId::kTimestamp:
      return 1114;
    case TypeId::kTimestampTz:
      return 1184;
    case TypeId::kOid:
      return 26;
    case TypeId::kName:
      return 19;
    case TypeId::kRegclass:
      return 2205;
    case TypeId::kInterval:
      return 1186;
    case TypeId::kArray:
      return PgArrayTypeOid(SqlType::Of(element).pg_oid());
  }
  return 705;
}

int16_t SqlType::pg_typlen() const {
  switch (id) {
    case TypeId::kBool:
      return 1;
    case TypeId::kInt2:
      return 2;
    case TypeId::kInt4:
    case TypeId::kFloat4:
    case TypeId::kOid:
    case TypeId::kRegclass:
    case TypeId::kDate:
      return 4;
    case TypeId::kInt8:
    case TypeId::kFloat8:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return 8;
    case TypeId::kInterval:
      return 16;
    case TypeId::kName:
      return 64;
    case TypeId::kUnknown:
      return -2;  // pg_type.typlen of "unknown": a NUL-terminated C string
    default:
      return -1;
  }
}

int32_t SqlType::pg_typmod() const {
  switch (id) {
    case TypeId::kVarchar:
    case TypeId::kChar:
      return precision < 0 ? -1 : precision + 4;
    case TypeId::kNumeric:
      if (precision < 0) return -1;
      return ((precision << 16) | (scale < 0 ? 0 : scale)) + 4;
    default:
      return -1;
  }
}

std::optional<SqlType> SqlTypeFromPgOid(uint32_t oid) {
  switch (oid) {
    case 0:
    case 705:
      return SqlType::Of(TypeId::kUnknown);
    case 16:
      return SqlType::Of(TypeId::kBool);
    case 17:
      return SqlType::Of(TypeId::kBytea);
    case 19:
      return SqlType::Of(TypeId::kName);
    case 20:
      return SqlType::Of(TypeId::kInt8);
    case 21:
      return SqlType::Of(TypeId::kInt2);
    case 23:
      return SqlType::Of(TypeId::kInt4);
    case 24:  // regproc: an OID; Meridian has no function catalog to print names from
    case 26:
      return SqlType::Of(TypeId::kOid);
    case 25:
      return SqlType::Of(TypeId::kText);
    case 700:
      return SqlType::Of(TypeId::kFloat4);
    case 701:
      return SqlType::Of(TypeId::kFloat8);
    case 1042:
      return SqlType{TypeId::kChar, -1};
    case 1043:
      return SqlType::Varchar();
    case 1082:
      return SqlType::Of(TypeId::kDate);
    case 1114:
      return SqlType::Of(TypeId::kTimestamp);
    case 1184:
      return SqlType::Of(TypeId::kTimestampTz);
    case 1186:
      return SqlType::Of(TypeId::kInterval);
    case 1700:
      return SqlType::Numeric();
    case 2205:
      return SqlType::Of(TypeId::kRegclass);
    default:
      return std::nullopt;
  }
}

Value::Kind KindOfType(const SqlType& type) {
  switch (type.id) {
    case TypeId::kBool:
      return Value::Kind::kBool;
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kOid:
    case TypeId::kRegclass:
      return Value::Kind::kInt;
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      return Value::Kind::kFloat;
    case TypeId::kNumeric:
      return Value::Kind::kNumeric;
    case TypeId::kBytea:
      return Value::Kind::kBytes;
    case TypeId::kDate:
      return Value::Kind::kDate;
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return Value::Kind::kTimestamp;
    case TypeId::kInterval:
      return Value::Kind::kInterval;
    default:
      return Value::Kind::kString;
  }
}

Value Value::Bool(bool v) {
  Value r;
  r.rep_ = v;
  return r;
}
Value Value::Int(int64_t v) {
  Value r;
  r.rep_ = v;
  return r;
}
Value Value::Float(double v) {
  Value r;
  r.rep_ = v;
  return r;
}
Value Value::Decimal(Numeric v) {
  Value r;
  r.rep_ = v;
  return r;
}
Value Value::String(std::string v) {
  Value r;
  r.rep_ = std::move(v);
  return r;
}
Value Value::Bytes(std::string v) {
  Value r;
  r.rep_ = BytesRep{std::move(v)};
  return r;
}
Value Value::Date(int32_t days) {
  Value r;
  r.rep_ = DateRep{days};
  return r;
}
Value Value::Timestamp(int64_t micros) {
  Value r;
  r.rep_ = TsRep{micros};
  return r;
}
Value Value::Interval(int64_t micros) {
  Value r;
  r.rep_ = IntervalRep{micros};
  return r;
}

// The variant's alternatives are declared in Kind order.
Value::Kind Value::kind() const { return static_cast<Kind>(rep_.index()); }

bool Value::bool_value() const {
  CHECK(kind() == Kind::kBool) << DebugString();
  return std::get<bool>(rep_);
}
int64_t Value::int_value() const {
  CHECK(kind() == Kind::kInt) << DebugString();
  return std::get<int64_t>(rep_);
}
double Value::float_value() const {
  CHECK(kind() == Kind::kFloat) << DebugString();
  return std::get<double>(rep_);
}
const Numeric& Value::numeric_value() const {
  CHECK(kind() == Kind::kNumeric) << DebugString();
  return std::get<Numeric>(rep_);
}
const std::string& Value::string_value() const {
  if (kind() == Kind::kBytes) return std::get<BytesRep>(rep_).bytes;
  CHECK(kind() == Kind::kString) << DebugString();
  return std::get<std::string>(rep_);
}
int32_t Value::date_value() const {
  CHECK(kind() == Kind::kDate) << DebugString();
  return std::get<DateRep>(rep_).days;
}
int64_t Value::timestamp_value() const {
  if (kind() == Kind::kInterval) return std::get<IntervalRep>(rep_).micros;
  CHECK(kind() == Kind::kTimestamp) << DebugString();
  return std::get<TsRep>(rep_).micros;
}

namespace {
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}
}  // namespace

std::string Value::DebugString() const {
  switch (kind()) {
    case Kind::kNull:
      return "NULL";
    case Kind::kBool:
      return bool_value() ? "true" : "false";
    case Kind::kInt:
      return absl::StrCat(int_value());
    case Kind::kFloat:
      return FormatText(*this, SqlType::Of(TypeId::kFloat8));
    case Kind::kNumeric:
      return numeric_value().ToString();
    case Kind::kString:
      return Quote(string_value());
    case Kind::kBytes:
      return Quote(FormatText(*this, SqlType::Of(TypeId::kBytea))) + "::bytea";
    case Kind::kDate:
      return "DATE " + Quote(FormatText(*this, SqlType::Of(TypeId::kDate)));
    case Kind::kTimestamp:
      return "TIMESTAMP " + Quote(FormatText(*this, SqlType::Of(TypeId::kTimestamp)));
    case Kind::kInterval:
      return "INTERVAL " + Quote(FormatText(*this, SqlType::Of(TypeId::kInterval)));
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kFloat: {
      double x = a.float_value(), y = b.float_value();
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case Value::Kind::kNumeric:
      return a.numeric_value().unscaled() == b.numeric_value().unscaled() &&
             a.numeric_value().scale() == b.numeric_value().scale();
    default:
      return a.rep_ == b.rep_;
  }
}

std::ostream& operator<<(std::ostream& os, const Value& v) { return os << v.DebugString(); }
std::ostream& operator<<(std::ostream& os, const SqlType& t) { return os << t.ToString(); }

}  // namespace meridian::sql
