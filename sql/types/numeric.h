// Numeric: an exact decimal number, PostgreSQL's NUMERIC for up to 38 significant digits.
//
// A value is unscaled * 10^-scale with a 128-bit unscaled integer and 0 <= scale <= 38.
// Arithmetic is exact; a result that needs more than 38 digits is an error (SQLSTATE 22003),
// never a silently rounded value. Division rounds half away from zero to a scale chosen as
// PostgreSQL does (at least 16 significant digits).
//
// Thread-safety: a plain value type.
#ifndef MERIDIAN_SQL_TYPES_NUMERIC_H_
#define MERIDIAN_SQL_TYPES_NUMERIC_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meridian::sql {

class Numeric {
 public:
  static constexpr int kMaxDigits = 38;

  Numeric() = default;  // 0
  static Numeric FromInt(int64_t v);
  // Parses "12", "-1.50", "1e3", " 3.0 " (PostgreSQL's numeric input). 22P02 on bad text,
  // 22003 when it needs more than kMaxDigits digits. "NaN"/"Infinity" are refused (0A000).
  static absl::StatusOr<Numeric> Parse(std::string_view text);
  // Exact conversion of a finite double's shortest decimal form; 22003 if out of range.
  static absl::StatusOr<Numeric> FromDouble(double v);

  // Rounds (half away from zero) to `scale` digits after the point and checks that at most
  // `precision - scale` digits remain before it (22003 otherwise), as a NUMERIC(p,s) column
  // does. precision -1: only the rounding.
  absl::StatusOr<Numeric> Coerce(int32_t precision, int32_t scale) const;

  absl::StatusOr<Numeric> Add(const Numeric& o) const;
  absl::StatusOr<Numeric> Sub(const Numeric& o) const;
  absl::StatusOr<Numeric> Mul(const Numeric& o) const;
  absl::StatusOr<Numeric> Div(const Numeric& o) const;  // 22012 on zero
  absl::StatusOr<Numeric> Mod(const Numeric& o) const;  // 22012 on zero
  Numeric Negate() const;

  // Truncating/rounding conversions used by casts. ToInt rounds half away from zero and
  // fails with 22003 when out of int64 range.
  absl::StatusOr<int64_t> ToInt() const;
  double ToDouble() const;

  // PostgreSQL's text form: all digits of the scale, no exponent ("1.50", "-0.001", "42").
  std::string ToString() const;

  int scale() const { return scale_; }
  bool is_zero() const { return unscaled_ == 0; }
  int sign() const { return unscaled_ < 0 ? -1 : (unscaled_ > 0 ? 1 : 0); }
  __int128 unscaled() const { return unscaled_; }
  static Numeric FromUnscaled(__int128 unscaled, int scale);

  // Numeric order, ignoring scale (1.0 == 1.00).
  friend std::strong_ordering operator<=>(const Numeric& a, const Numeric& b);
  friend bool operator==(const Numeric& a, const Numeric& b) {
    return (a <=> b) == std::strong_ordering::equal;
  }

 private:
  __int128 unscaled_ = 0;
  int scale_ = 0;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TYPES_NUMERIC_H_
