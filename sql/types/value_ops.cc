#include "sql/types/value_ops.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/types/internal/datetime.h"
#include "sql/types/internal/text_coerce.h"
#include "sql/types/pg_format.h"

namespace meridian::sql {
namespace {

using internal::kMicrosPerDay;

absl::Status NoOperator(ArithOp op, const SqlType& a, const SqlType& b) {
  return SqlError(absl::StatusCode::kInvalidArgument, "42883",
                  absl::StrCat("operator does not exist: ", a.ToString(), " ", ArithOpName(op), " ",
                               b.ToString()));
}

absl::Status DivisionByZero() {
  return SqlError(absl::StatusCode::kInvalidArgument, "22012", "division by zero");
}

absl::Status IntOutOfRange(TypeId id) {
  const char* msg = id == TypeId::kInt2                             ? "smallint out of range"
                    : id == TypeId::kInt4                           ? "integer out of range"
                    : id == TypeId::kOid || id == TypeId::kRegclass ? "OID out of range"
                                                                    : "bigint out of range";
  return SqlError(absl::StatusCode::kOutOfRange, "22003", msg);
}

absl::Status FloatOverflow() {
  return SqlError(absl::StatusCode::kOutOfRange, "22003", "value out of range: overflow");
}
absl::Status FloatUnderflow() {
  return SqlError(absl::StatusCode::kOutOfRange, "22003", "value out of range: underflow");
}
absl::Status DateOutOfRange() {
  return SqlError(absl::StatusCode::kOutOfRange, "22008", "date out of range");
}
absl::Status TimestampOutOfRange() {
  return SqlError(absl::StatusCode::kOutOfRange, "22008", "timestamp out of range");
}
absl::Status IntervalOutOfRange() {
  return SqlError(absl::StatusCode::kOutOfRange, "22008", "interval out of range");
}

// Numeric promotion rank; 0 = not a number type. OID does arithmetic as BIGINT.
int NumRank(TypeId id) {
  switch (id) {
    case TypeId::kInt2:
      return 1;
    case TypeId::kInt4:
      return 2;
    case TypeId::kInt8:
    case TypeId::kOid:
      return 3;
    case TypeId::kNumeric:
      return 4;
    case TypeId::kFloat4:
      return 5;
    case TypeId::kFloat8:
      return 6;
    default:
      return 0;
  }
}

bool IsIntRank(int r) { return r >= 1 && r <= 3; }
bool IsTimestamp(TypeId id) { return id == TypeId::kTimestamp || id == TypeId::kTimestampTz; }

double AsDouble(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt:
      return static_cast<double>(v.int_value());
    case Value::Kind::kNumeric:
      return v.numeric_value().ToDouble();
    case Value::Kind::kFloat:
      return v.float_value();
    default:
      return 0;
  }
}

Numeric AsNumeric(const Value& v) {
  return v.kind() == Value::Kind::kInt ? Numeric::FromInt(v.int_value()) : v.numeric_value();
}

int64_t DateToMicros(int32_t days) {
  if (days == internal::kDatePosInfinity) return internal::kTsPosInfinity;
  if (days == internal::kDateNegInfinity) return internal::kTsNegInfinity;
  return static_cast<int64_t>(days) * kMicrosPerDay;
}

absl::StatusOr<Value> IntArith(ArithOp op, int64_t x, int64_t y, TypeId rt) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case ArithOp::kAdd:
      overflow = __builtin_add_overflow(x, y, &r);
      break;
    case ArithOp::kSub:
      overflow = __builtin_sub_overflow(x, y, &r);
      break;
    case ArithOp::kMul:
      overflow = __builtin_mul_overflow(x, y, &r);
      break;
    case ArithOp::kDiv:
      if (y == 0) return DivisionByZero();
      if (y == -1) {
        overflow = x == INT64_MIN;
        r = overflow ? 0 : -x;
      } else {
        r = x / y;
      }
      break;
    case ArithOp::kMod:
      if (y == 0) return DivisionByZero();
      r = y == -1 ? 0 : x % y;
      break;
    case ArithOp::kPow:
      return absl::InternalError("integer power has no integer result type");
  }
  if (overflow) return IntOutOfRange(rt == TypeId::kOid ? TypeId::kInt8 : rt);
  if (rt == TypeId::kInt2 || rt == TypeId::kInt4) {
    if (!internal::CheckIntRange(r, rt).ok()) return IntOutOfRange(rt);
  }
  return Value::Int(r);
}

absl::StatusOr<Value> FloatArith(ArithOp op, double x, double y, bool float4) {
  double r = 0;
  switch (op) {
    case ArithOp::kAdd:
      r = x + y;
      break;
    case ArithOp::kSub:
      r = x - y;
      break;
    case ArithOp::kMul:
      r = x * y;
      if (r == 0 && x != 0 && y != 0) return FloatUnderflow();
      break;
    case ArithOp::kDiv:
      if (y == 0) return DivisionByZero();
      r = x / y;
      if (r == 0 && x != 0 && !std::isinf(y)) return FloatUnderflow();
      break;
    case ArithOp::kMod:
      return absl::InternalError("float % has no result type");
    case ArithOp::kPow:
      if (x == 0 && y < 0) {
        return SqlError(absl::StatusCode::kInvalidArgument, "2201F",
                        "zero raised to a negative power is undefined");
      }
      if (x < 0 && std::isfinite(y) && std::floor(y) != y) {
        return SqlError(absl::StatusCode::kInvalidArgument, "2201F",
                        "a negative number raised to a non-integer power yields a complex result");
      }
      r = std::pow(x, y);
      if (r == 0 && x != 0 && std::isfinite(x) && std::isfinite(y)) return FloatUnderflow();
      break;
  }
  if (std::isinf(r) && !std::isinf(x) && !std::isinf(y)) return FloatOverflow();
  if (float4 && !std::isnan(r)) {
    float f = static_cast<float>(r);
    if (std::isinf(f) && !std::isinf(r)) return FloatOverflow();
    if (f == 0 && r != 0) return FloatUnderflow();
    r = f;
  }
  return Value::Float(r);
}

absl::StatusOr<Numeric> NumericPow(const Numeric& x, const Numeric& y) {
  if (x.is_zero() && y.sign() < 0) {
    return SqlError(absl::StatusCode::kInvalidArgument, "2201F",
                    "zero raised to a negative power is undefined");
  }
  absl::StatusOr<Numeric> yi = y.Coerce(-1, 0);
  bool integral = yi.ok() && *yi == y;
  if (x.sign() < 0 && !integral) {
    return SqlError(absl::StatusCode::kInvalidArgument, "2201F",
                    "a negative number raised to a non-integer power yields a complex result");
  }
  if (integral) {
    absl::StatusOr<int64_t> n = yi->ToInt();
    if (n.ok() && *n >= -4096 && *n <= 4096) {
      // Exact square-and-multiply; a negative exponent divides at the end.
      int64_t e = *n < 0 ? -*n : *n;
      Numeric result = Numeric::FromInt(1);
      Numeric base = x;
      while (e > 0) {
        if (e & 1) {
          ASSIGN_OR_RETURN(result, result.Mul(base));
        }
        e >>= 1;
        if (e > 0) {
          ASSIGN_OR_RETURN(base, base.Mul(base));
        }
      }
      if (*n < 0) return Numeric::FromInt(1).Div(result);
      return result;
    }
  }
  // A fractional (or huge) exponent: computed in double precision, like float8 power.
  double r = std::pow(x.ToDouble(), y.ToDouble());
  if (!std::isfinite(r)) {
    return SqlError(absl::StatusCode::kOutOfRange, "22003", "value overflows numeric format");
  }
  return Numeric::FromDouble(r);
}

absl::StatusOr<Value> IntervalScale(ArithOp op, int64_t micros, const Value& factor) {
  if (op == ArithOp::kMul && factor.kind() == Value::Kind::kInt) {
    int64_t r;
    if (__builtin_mul_overflow(micros, factor.int_value(), &r)) return IntervalOutOfRange();
    return Value::Interval(r);
  }
  double f = AsDouble(factor);
  if (op == ArithOp::kDiv && f == 0) return DivisionByZero();
  long double r = op == ArithOp::kMul ? static_cast<long double>(micros) * f
                                      : static_cast<long double>(micros) / f;
  r = std::nearbyintl(r);
  if (!(r >= -9223372036854775808.0L && r <= 9223372036854775807.0L)) return IntervalOutOfRange();
  return Value::Interval(static_cast<int64_t>(r));
}

absl::StatusOr<Value> TimestampPlus(int64_t ts, int64_t delta) {
  if (!internal::IsFiniteTimestamp(ts)) return Value::Timestamp(ts);
  int64_t r;
  if (__builtin_add_overflow(ts, delta, &r) || !internal::TimestampInRange(r)) {
    return TimestampOutOfRange();
  }
  return Value::Timestamp(r);
}

// Resolves an untyped operand next to a typed one for arithmetic.
SqlType ResolveUnknown(const SqlType& other, ArithOp op) {
  if (other.id == TypeId::kDate) return SqlType::Of(TypeId::kInt4);
  if (IsTimestamp(other.id)) return SqlType::Of(TypeId::kInterval);
  if (other.id == TypeId::kInterval) {
    return (op == ArithOp::kAdd || op == ArithOp::kSub) ? other : SqlType::Of(TypeId::kFloat8);
  }
  return other;
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t HashBytes(uint64_t tag, std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL ^ tag;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix(h ^ s.size());
}

int Sign(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// Casts between string types and from non-strings to strings.
absl::StatusOr<Value> CastToString(const Value& v, const SqlType& from, const SqlType& to,
                                   bool explicit_cast) {
  std::string s;
  if (v.kind() == Value::Kind::kString) {
    s = v.string_value();
    // CHAR(n)'s padding is not significant: it goes when converting to another type.
    if (from.id == TypeId::kChar && to.id != TypeId::kChar) {
      while (!s.empty() && s.back() == ' ') s.pop_back();
    }
  } else if (v.kind() == Value::Kind::kBool) {
    s = v.bool_value() ? "true" : "false";  // PostgreSQL's boolean-to-text cast
  } else {
    s = FormatText(v, from);
  }
  ASSIGN_OR_RETURN(s, internal::ApplyStringTypmod(std::move(s), to, explicit_cast));
  return Value::String(std::move(s));
}

absl::StatusOr<int64_t> FloatToInt(double d, TypeId to) {
  if (!std::isfinite(d)) return IntOutOfRange(to);
  double r = std::nearbyint(d);  // round half to even, as PostgreSQL's rint()
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return IntOutOfRange(to);
  return static_cast<int64_t>(r);
}

}  // namespace

absl::StatusOr<SqlType> ArithResultType(ArithOp op, const SqlType& a_in, const SqlType& b_in) {
  SqlType a = a_in, b = b_in;
  if (a.id == TypeId::kUnknown && b.id == TypeId::kUnknown) {
    return SqlError(absl::StatusCode::kInvalidArgument, "42725",
                    absl::StrCat("operator is not unique: unknown ", ArithOpName(op), " unknown"));
  }
  if (a.id == TypeId::kUnknown) a = ResolveUnknown(b, op);
  if (b.id == TypeId::kUnknown) b = ResolveUnknown(a, op);
  int ra = NumRank(a.id), rb = NumRank(b.id);
  if (ra > 0 && rb > 0) {
    bool any_float = ra >= 5 || rb >= 5;
    bool any_numeric = ra == 4 || rb == 4;
    if (op == ArithOp::kPow) {
      if (!any_float && any_numeric) return SqlType::Numeric();
      return SqlType::Of(TypeId::kFloat8);
    }
    if (op == ArithOp::kMod && any_float) return NoOperator(op, a, b);
    if (any_float) {
      return SqlType::Of(ra == 5 && rb == 5 ? TypeId::kFloat4 : TypeId::kFloat8);
    }
    if (any_numeric) return SqlType::Numeric();
    int r = std::max(ra, rb);
    return SqlType::Of(r == 1 ? TypeId::kInt2 : r == 2 ? TypeId::kInt4 : TypeId::kInt8);
  }
  bool a_int = IsIntRank(ra) && a.id != TypeId::kOid;
  bool b_int = IsIntRank(rb) && b.id != TypeId::kOid;
  switch (op) {
    case ArithOp::kAdd:
      if ((a.id == TypeId::kDate && b_int) || (a_int && b.id == TypeId::kDate)) {
        return SqlType::Of(TypeId::kDate);
      }
      if ((a.id == TypeId::kDate && b.id == TypeId::kInterval) ||
          (a.id == TypeId::kInterval && b.id == TypeId::kDate)) {
        return SqlType::Of(TypeId::kTimestamp);
      }
      if (IsTimestamp(a.id) && b.id == TypeId::kInterval) return a;
      if (a.id == TypeId::kInterval && IsTimestamp(b.id)) return b;
      if (a.id == TypeId::kInterval && b.id == TypeId::kInterval) return a;
      break;
    case ArithOp::kSub:
      if (a.id == TypeId::kDate && b_int) return SqlType::Of(TypeId::kDate);
      if (a.id == TypeId::kDate && b.id == TypeId::kDate) return SqlType::Of(TypeId::kInt4);
      if (a.id == TypeId::kDate && b.id == TypeId::kInterval) {
        return SqlType::Of(TypeId::kTimestamp);
      }
      if (IsTimestamp(a.id) && b.id == TypeId::kInterval) return a;
      if (IsTimestamp(a.id) && IsTimestamp(b.id)) return SqlType::Of(TypeId::kInterval);
      if (a.id == TypeId::kInterval && b.id == TypeId::kInterval) return a;
      break;
    case ArithOp::kMul:
      if (a.id == TypeId::kInterval && rb > 0) return a;
      if (ra > 0 && b.id == TypeId::kInterval) return b;
      break;
    case ArithOp::kDiv:
      if (a.id == TypeId::kInterval && rb > 0) return a;
      break;
    default:
      break;
  }
  return NoOperator(op, a_in, b_in);
}

absl::StatusOr<Value> Arith(ArithOp op, const Value& a, const SqlType& ta, const Value& b,
                            const SqlType& tb) {
  ASSIGN_OR_RETURN(SqlType rt, ArithResultType(op, ta, tb));
  Value::Kind ka = a.kind(), kb = b.kind();
  auto numberish = [](Value::Kind k) {
    return k == Value::Kind::kInt || k == Value::Kind::kNumeric || k == Value::Kind::kFloat;
  };
  switch (rt.id) {
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
      if (ka == Value::Kind::kInt && kb == Value::Kind::kInt) {
        return IntArith(op, a.int_value(), b.int_value(), rt.id);
      }
      break;
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      if (numberish(ka) && numberish(kb)) {
        return FloatArith(op, AsDouble(a), AsDouble(b), rt.id == TypeId::kFloat4);
      }
      break;
    case TypeId::kNumeric: {
      if ((ka != Value::Kind::kInt && ka != Value::Kind::kNumeric) ||
          (kb != Value::Kind::kInt && kb != Value::Kind::kNumeric)) {
        break;
      }
      Numeric x = AsNumeric(a), y = AsNumeric(b);
      absl::StatusOr<Numeric> r;
      switch (op) {
        case ArithOp::kAdd:
          r = x.Add(y);
          break;
        case ArithOp::kSub:
          r = x.Sub(y);
          break;
        case ArithOp::kMul:
          r = x.Mul(y);
          break;
        case ArithOp::kDiv:
          r = x.Div(y);
          break;
        case ArithOp::kMod:
          r = x.Mod(y);
          break;
        case ArithOp::kPow:
          r = NumericPow(x, y);
          break;
      }
      if (!r.ok()) return r.status();
      return Value::Decimal(*r);
    }
    case TypeId::kDate:
      // date +/- integer
      if (ka == Value::Kind::kDate || kb == Value::Kind::kDate) {
        int32_t d = ka == Value::Kind::kDate ? a.date_value() : b.date_value();
        const Value& n = ka == Value::Kind::kDate ? b : a;
        if (n.kind() != Value::Kind::kInt) break;
        if (!internal::IsFiniteDate(d)) return Value::Date(d);
        int64_t delta = op == ArithOp::kSub ? -n.int_value() : n.int_value();
        if (n.int_value() == INT64_MIN) return DateOutOfRange();
        int64_t r;
        if (__builtin_add_overflow(static_cast<int64_t>(d), delta, &r) ||
            !internal::DateInRange(r)) {
          return DateOutOfRange();
        }
        return Value::Date(static_cast<int32_t>(r));
      }
      break;
    default:
      break;
  }
  if (rt.id == TypeId::kInt4 && ka == Value::Kind::kDate && kb == Value::Kind::kDate) {
    if (!internal::IsFiniteDate(a.date_value()) || !internal::IsFiniteDate(b.date_value())) {
      return SqlError(absl::StatusCode::kOutOfRange, "22008", "cannot subtract infinite dates");
    }
    return Value::Int(static_cast<int64_t>(a.date_value()) - b.date_value());
  }
  if (IsTimestamp(rt.id)) {
    // (date | timestamp) +/- interval, interval + (date | timestamp)
    const Value& t = (ka == Value::Kind::kInterval) ? b : a;
    const Value& iv = (ka == Value::Kind::kInterval) ? a : b;
    if (iv.kind() == Value::Kind::kInterval &&
        (t.kind() == Value::Kind::kTimestamp || t.kind() == Value::Kind::kDate)) {
      int64_t ts =
          t.kind() == Value::Kind::kDate ? DateToMicros(t.date_value()) : t.timestamp_value();
      int64_t delta = iv.timestamp_value();
      if (op == ArithOp::kSub) {
        if (delta == INT64_MIN) return TimestampOutOfRange();
        delta = -delta;
      }
      return TimestampPlus(ts, delta);
    }
  }
  if (rt.id == TypeId::kInterval) {
    if (ka == Value::Kind::kTimestamp && kb == Value::Kind::kTimestamp) {
      int64_t x = a.timestamp_value(), y = b.timestamp_value();
      if (!internal::IsFiniteTimestamp(x) || !internal::IsFiniteTimestamp(y)) {
        return SqlError(absl::StatusCode::kOutOfRange, "22008",
                        "cannot subtract infinite timestamps");
      }
      int64_t r;
      if (__builtin_sub_overflow(x, y, &r)) return IntervalOutOfRange();
      return Value::Interval(r);
    }
    if (ka == Value::Kind::kInterval && kb == Value::Kind::kInterval) {
      int64_t r;
      bool overflow = op == ArithOp::kAdd
                          ? __builtin_add_overflow(a.timestamp_value(), b.timestamp_value(), &r)
                          : __builtin_sub_overflow(a.timestamp_value(), b.timestamp_value(), &r);
      if (overflow) return IntervalOutOfRange();
      return Value::Interval(r);
    }
    if (ka == Value::Kind::kInterval && numberish(kb)) {
      return IntervalScale(op, a.timestamp_value(), b);
    }
    if (numberish(ka) && kb == Value::Kind::kInterval) {
      return IntervalScale(op, b.timestamp_value(), a);
    }
  }
  return SqlError(absl::StatusCode::kInvalidArgument, "42804",
                  absl::StrCat("values ", a.DebugString(), " and ", b.DebugString(),
                               " do not match the types ", ta.ToString(), " and ", tb.ToString()));
}

absl::StatusOr<Value> Negate(const Value& v, const SqlType& t) {
  switch (v.kind()) {
    case Value::Kind::kInt: {
      TypeId id = t.id == TypeId::kInt2 || t.id == TypeId::kInt4 ? t.id : TypeId::kInt8;
      if (v.int_value() == INT64_MIN) return IntOutOfRange(id);
      int64_t r = -v.int_value();
      if (!internal::CheckIntRange(r, id).ok()) return IntOutOfRange(id);
      return Value::Int(r);
    }
    case Value::Kind::kFloat:
      return Value::Float(-v.float_value());
    case Value::Kind::kNumeric:
      return Value::Decimal(v.numeric_value().Negate());
    case Value::Kind::kInterval:
      if (v.timestamp_value() == INT64_MIN) return IntervalOutOfRange();
      return Value::Interval(-v.timestamp_value());
    default:
      return SqlError(absl::StatusCode::kInvalidArgument, "42883",
                      absl::StrCat("operator does not exist: - ", t.ToString()));
  }
}

absl::StatusOr<SqlType> CommonType(const SqlType& a, const SqlType& b) {
  if (a.id == TypeId::kUnknown && b.id == TypeId::kUnknown) return SqlType::Of(TypeId::kText);
  if (a.id == TypeId::kUnknown) return b;
  if (b.id == TypeId::kUnknown) return a;
  if (a == b) return a;
  if (a.id == TypeId::kArray || b.id == TypeId::kArray) {
    return SqlError(
        absl::StatusCode::kInvalidArgument, "42804",
        absl::StrCat("types ", a.ToString(), " and ", b.ToString(), " cannot be matched"));
  }
  if (a.id == b.id) {
    // Same type with different modifiers: the unconstrained type.
    switch (a.id) {
      case TypeId::kNumeric:
        return SqlType::Numeric();
      case TypeId::kVarchar:
        return SqlType::Varchar();
      case TypeId::kChar:
        return SqlType{TypeId::kChar, -1};
      default:
        return SqlType::Of(a.id);
    }
  }
  bool a_oid = a.id == TypeId::kOid || a.id == TypeId::kRegclass;
  bool b_oid = b.id == TypeId::kOid || b.id == TypeId::kRegclass;
  if (a_oid && b_oid) return SqlType::Of(TypeId::kOid);
  int ra = NumRank(a.id), rb = NumRank(b.id);
  if ((a_oid && rb > 0) || (b_oid && ra > 0)) return SqlType::Of(TypeId::kInt8);
  if (ra > 0 && rb > 0) {
    int r = std::max(ra, rb);
    static constexpr TypeId kByRank[] = {TypeId::kUnknown, TypeId::kInt2,    TypeId::kInt4,
                                         TypeId::kInt8,    TypeId::kNumeric, TypeId::kFloat4,
                                         TypeId::kFloat8};
    return r == 4 ? SqlType::Numeric() : SqlType::Of(kByRank[r]);
  }
  if (a.is_string() && b.is_string()) return SqlType::Of(TypeId::kText);
  bool a_dt = a.id == TypeId::kDate || IsTimestamp(a.id);
  bool b_dt = b.id == TypeId::kDate || IsTimestamp(b.id);
  if (a_dt && b_dt) {
    if (a.id == TypeId::kTimestampTz || b.id == TypeId::kTimestampTz) {
      return SqlType::Of(TypeId::kTimestampTz);
    }
    return SqlType::Of(TypeId::kTimestamp);
  }
  return SqlError(
      absl::StatusCode::kInvalidArgument, "42804",
      absl::StrCat("types ", a.ToString(), " and ", b.ToString(), " cannot be matched"));
}

int CompareValues(const Value& a, const Value& b) {
  using K = Value::Kind;
  K ka = a.kind(), kb = b.kind();
  auto numberish = [](K k) { return k == K::kInt || k == K::kNumeric || k == K::kFloat; };
  if (numberish(ka) && numberish(kb)) {
    if (ka == K::kFloat || kb == K::kFloat) {
      // As PostgreSQL: the other operand converts to float8; NaN equals NaN and sorts above
      // every other value; -0 equals 0.
      double x = AsDouble(a), y = AsDouble(b);
      bool nx = std::isnan(x), ny = std::isnan(y);
      if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (ka == K::kInt && kb == K::kInt) return Sign(a.int_value(), b.int_value());
    std::strong_ordering o = AsNumeric(a) <=> AsNumeric(b);
    return o < 0 ? -1 : (o > 0 ? 1 : 0);
  }
  auto timeish = [](K k) { return k == K::kDate || k == K::kTimestamp; };
  if (timeish(ka) && timeish(kb)) {
    if (ka == K::kDate && kb == K::kDate) return Sign(a.date_value(), b.date_value());
    int64_t x = ka == K::kDate ? DateToMicros(a.date_value()) : a.timestamp_value();
    int64_t y = kb == K::kDate ? DateToMicros(b.date_value()) : b.timestamp_value();
    return Sign(x, y);
  }
  if (ka != kb) return Sign(static_cast<int>(ka), static_cast<int>(kb));
  switch (ka) {
    case K::kNull:
      return 0;
    case K::kBool:
      return Sign(a.bool_value(), b.bool_value());
    case K::kString:
    case K::kBytes: {
      int c = a.string_value().compare(b.string_value());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case K::kInterval:
      return Sign(a.timestamp_value(), b.timestamp_value());
    default:
      return 0;
  }
}

uint64_t HashValue(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull:
      return 0x6e756c6c6e756c6cULL;
    case K::kBool:
      return Mix(0x100 + (v.bool_value() ? 1 : 0));
    case K::kInt:
    case K::kNumeric:
    case K::kFloat: {
      // Every number hashes through its float8 value, the domain CompareValues uses across
      // kinds, so equal values hash alike (1, 1.0::numeric, 1.0::float8).
      double d = AsDouble(v);
      if (d == 0) d = 0;  // -0 -> +0
      uint64_t bits;
      if (std::isnan(d)) {
        bits = 0x7ff8000000000000ULL;
      } else {
        std::memcpy(&bits, &d, sizeof(bits));
      }
      return Mix(bits ^ 0x1000);
    }
    case K::kDate:
    case K::kTimestamp: {
      int64_t micros = v.kind() == K::kDate ? DateToMicros(v.date_value()) : v.timestamp_value();
      return Mix(static_cast<uint64_t>(micros) ^ 0x2000);
    }
    case K::kInterval:
      return Mix(static_cast<uint64_t>(v.timestamp_value()) ^ 0x3000);
    case K::kString:
      return HashBytes(0x4000, v.string_value());
    case K::kBytes:
      return HashBytes(0x5000, v.string_value());
  }
  return 0;
}

absl::StatusOr<Value> CastValue(const Value& v, const SqlType& from, const SqlType& to,
                                bool explicit_cast) {
  using K = Value::Kind;
  if (v.is_null()) return Value::Null();
  if (from.id == TypeId::kArray || to.id == TypeId::kArray) {
    return SqlError(absl::StatusCode::kUnimplemented, "0A000", "arrays are not supported");
  }
  if (to.id == TypeId::kUnknown) return v;
  if (to.is_string()) return CastToString(v, from, to, explicit_cast);
  K k = v.kind();
  if (k == K::kString) {
    std::string_view s = v.string_value();
    return ParseText(s, to);
  }
  auto no_cast = [&]() {
    return SqlError(absl::StatusCode::kInvalidArgument, "42846",
                    absl::StrCat("cannot cast type ", from.ToString(), " to ", to.ToString()));
  };
  switch (to.id) {
    case TypeId::kBool:
      if (k == K::kBool) return v;
      if (k == K::kInt) return Value::Bool(v.int_value() != 0);
      return no_cast();
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kOid:
    case TypeId::kRegclass: {
      int64_t x;
      if (k == K::kInt) {
        x = v.int_value();
      } else if (k == K::kBool) {
        x = v.bool_value() ? 1 : 0;
      } else if (k == K::kNumeric) {
        absl::StatusOr<int64_t> r = v.numeric_value().ToInt();
        if (!r.ok()) return IntOutOfRange(to.id);
        x = *r;
      } else if (k == K::kFloat) {
        ASSIGN_OR_RETURN(x, FloatToInt(v.float_value(), to.id));
      } else {
        return no_cast();
      }
      if (!internal::CheckIntRange(x, to.id).ok()) return IntOutOfRange(to.id);
      return Value::Int(x);
    }
    case TypeId::kNumeric: {
      Numeric n;
      if (k == K::kInt) {
        n = Numeric::FromInt(v.int_value());
      } else if (k == K::kNumeric) {
        n = v.numeric_value();
      } else if (k == K::kFloat) {
        ASSIGN_OR_RETURN(n, Numeric::FromDouble(v.float_value()));
      } else {
        return no_cast();
      }
      ASSIGN_OR_RETURN(n, n.Coerce(to.precision, to.scale));
      return Value::Decimal(n);
    }
    case TypeId::kFloat4:
    case TypeId::kFloat8: {
      if (k != K::kInt && k != K::kNumeric && k != K::kFloat) return no_cast();
      double d = AsDouble(v);
      if (to.id == TypeId::kFloat4 && std::isfinite(d)) {
        float f = static_cast<float>(d);
        if (std::isinf(f)) return FloatOverflow();
        if (f == 0 && d != 0) return FloatUnderflow();
        d = f;
      }
      return Value::Float(d);
    }
    case TypeId::kDate:
      if (k == K::kDate) return v;
      if (k == K::kTimestamp) {
        int64_t ts = v.timestamp_value();
        if (ts == internal::kTsPosInfinity) return Value::Date(internal::kDatePosInfinity);
        if (ts == internal::kTsNegInfinity) return Value::Date(internal::kDateNegInfinity);
        int64_t days = internal::FloorDiv(ts, kMicrosPerDay);
        if (!internal::DateInRange(days)) return DateOutOfRange();
        return Value::Date(static_cast<int32_t>(days));
      }
      return no_cast();
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      if (k == K::kTimestamp) return v;  // the session time zone is UTC
      if (k == K::kDate) {
        int32_t d = v.date_value();
        if (internal::IsFiniteDate(d) && d > internal::kMaxTsDay) return TimestampOutOfRange();
        return Value::Timestamp(DateToMicros(d));
      }
      return no_cast();
    case TypeId::kInterval:
      if (k == K::kInterval) return v;
      return no_cast();
    case TypeId::kBytea:
      if (k == K::kBytes) return v;
      return no_cast();
    default:
      return no_cast();
  }
}

absl::StatusOr<bool> Like(std::string_view text, std::string_view pattern, bool case_insensitive,
                          char escape) {
  // Validate the escapes up front so that an error does not depend on the text.
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (escape != '\0' && pattern[i] == escape) {
      if (i + 1 >= pattern.size()) {
        return SqlError(absl::StatusCode::kInvalidArgument, "22025",
                        "LIKE pattern must not end with escape character");
      }
      ++i;
    }
  }
  auto char_len = [](std::string_view s, size_t at) -> size_t {
    unsigned char c = static_cast<unsigned char>(s[at]);
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 1;
    return std::min(n, s.size() - at);
  };
  auto fold = [&](char c) {
    return case_insensitive && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  // Greedy matching with backtracking to the last '%' (linear memory, no recursion).
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '%') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '_') {
        t += char_len(text, t);
        ++p;
        continue;
      }
      size_t lit = p;
      if (escape != '\0' && pc == escape) lit = p + 1;
      size_t n = char_len(pattern, lit);
      bool match = t + n <= text.size();
      for (size_t k = 0; match && k < n; ++k) {
        match = fold(pattern[lit + k]) == fold(text[t + k]);
      }
      if (match) {
        t += n;
        p = lit + n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_t += char_len(text, star_t);
    t = star_t;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

const char* ArithOpName(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd:
      return "+";
    case ArithOp::kSub:
      return "-";
    case ArithOp::kMul:
      return "*";
    case ArithOp::kDiv:
      return "/";
    case ArithOp::kMod:
      return "%";
    case ArithOp::kPow:
      return "^";
  }
  return "?";
}

}  // namespace meridian::sql
