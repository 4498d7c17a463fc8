#include "sql/types/numeric.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace meridian::sql {
namespace {

using u128 = unsigned __int128;

// 10^i for i in [0, 38]; 10^38 < 2^127, so every entry fits a signed __int128.
constexpr int kPow10Count = 39;
struct Pow10Table {
  u128 v[kPow10Count];
  constexpr Pow10Table() : v() {
    v[0] = 1;
    for (int i = 1; i < kPow10Count; ++i) v[i] = v[i - 1] * 10;
  }
};
constexpr Pow10Table kPow10;

// The exclusive bound on the magnitude of an unscaled value: 10^38.
constexpr u128 kLimit = kPow10.v[38];

absl::Status Overflow() {
  return SqlError(absl::StatusCode::kOutOfRange, "22003", "value overflows numeric format");
}

absl::Status DivByZero() {
  return SqlError(absl::StatusCode::kInvalidArgument, "22012", "division by zero");
}

u128 Magnitude(__int128 v) {
  // Well-defined for every value in range (|v| < 10^38).
  return v < 0 ? static_cast<u128>(-v) : static_cast<u128>(v);
}

int DigitCount(u128 v) {
  int n = 1;
  while (n < kPow10Count && v >= kPow10.v[n]) ++n;
  return n;  // 39 means >= 10^38
}

std::string U128ToString(u128 v) {
  if (v == 0) return "0";
  char buf[48];
  int i = sizeof(buf);
  while (v != 0) {
    buf[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(buf + i, sizeof(buf) - i);
}

// Divides a magnitude by 10^k (k >= 1), rounding half away from zero.
u128 RoundDiv(u128 v, int k) {
  if (k > 38) return 0;  // v < 10^38 < 0.5 * 10^39
  u128 q = v / kPow10.v[k - 1];
  int digit = static_cast<int>(q % 10);
  q /= 10;
  if (digit >= 5) ++q;
  return q;
}

// A 256-bit unsigned integer, just enough for exact 38x38-digit products.
struct U256 {
  uint64_t limb[4] = {0, 0, 0, 0};  // little-endian

  static U256 Mul(u128 a, u128 b) {
    uint64_t x[2] = {static_cast<uint64_t>(a), static_cast<uint64_t>(a >> 64)};
    uint64_t y[2] = {static_cast<uint64_t>(b), static_cast<uint64_t>(b >> 64)};
    U256 r;
    for (int i = 0; i < 2; ++i) {
      u128 carry = 0;
      for (int j = 0; j < 2; ++j) {
        u128 cur = static_cast<u128>(x[i]) * y[j] + r.limb[i + j] + carry;
        r.limb[i + j] = static_cast<uint64_t>(cur);
        carry = cur >> 64;
      }
      // i + 2 <= 3; the carry always fits one limb.
      r.limb[i + 2] = static_cast<uint64_t>(carry);
    }
    return r;
  }

  // Divides in place by d (> 0); returns the remainder.
  uint64_t DivSmall(uint64_t d) {
    u128 rem = 0;
    for (int i = 3; i >= 0; --i) {
      u128 cur = (rem << 64) | limb[i];
      limb[i] = static_cast<uint64_t>(cur / d);
      rem = cur % d;
    }
    return static_cast<uint64_t>(rem);
  }

  bool FitsU128() const { return limb[2] == 0 && limb[3] == 0; }
  u128 Low() const { return (static_cast<u128>(limb[1]) << 64) | limb[0]; }
};

// Divides a U256 by 10^k (k >= 1) with rounding half away from zero.
void RoundDiv256(U256* v, int k) {
  int trunc = k - 1;
  while (trunc > 0) {
    int step = std::min(trunc, 19);
    v->DivSmall(static_cast<uint64_t>(kPow10.v[step]));
    trunc -= step;
  }
  uint64_t digit = v->DivSmall(10);
  if (digit >= 5) {
    for (int i = 0; i < 4; ++i) {
      if (++v->limb[i] != 0) break;
    }
  }
}

// Scales `v` (a magnitude) up by 10^k; false on overflow past 38 digits.
bool ScaleUp(u128 v, int k, u128* out) {
  if (k == 0) {
    *out = v;
    return v < kLimit;
  }
  if (k > 38) {
    *out = 0;
    return v == 0;
  }
  if (v != 0 && v >= kLimit / kPow10.v[k] + 1) return false;
  *out = v * kPow10.v[k];
  return *out < kLimit;
}

// Brings a and b to a common scale. False on overflow.
bool Align(const Numeric& a, const Numeric& b, __int128* x, __int128* y, int* scale) {
  int s = std::max(a.scale(), b.scale());
  u128 ma, mb;
  if (!ScaleUp(Magnitude(a.unscaled()), s - a.scale(), &ma)) return false;
  if (!ScaleUp(Magnitude(b.unscaled()), s - b.scale(), &mb)) return false;
  *x = a.unscaled() < 0 ? -static_cast<__int128>(ma) : static_cast<__int128>(ma);
  *y = b.unscaled() < 0 ? -static_cast<__int128>(mb) : static_cast<__int128>(mb);
  *scale = s;
  return true;
}

int FloorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PostgreSQL's base-10000 weight and first digit of a non-zero magnitude m * 10^-scale.
void Base10000Head(u128 m, int scale, int* weight, int* first_digit) {
  int top = DigitCount(m) - 1 - scale;  // decimal exponent of the leading digit
  int w = FloorDiv(top, 4);
  int e = -4 * w - scale;  // first_digit = floor(m * 10^e)
  u128 fd;
  if (e >= 0) {
    fd = m * kPow10.v[e];  // < 10000 by construction, no overflow
  } else {
    fd = -e > 38 ? 0 : m / kPow10.v[-e];
  }
  *weight = w;
  *first_digit = static_cast<int>(fd);
}

// The result scale PostgreSQL's select_div_scale picks for a / b (b != 0).
int SelectDivScale(const Numeric& a, const Numeric& b) {
  int w1 = 0, d1 = 0, w2 = 0, d2 = 0;
  if (!a.is_zero()) Base10000Head(Magnitude(a.unscaled()), a.scale(), &w1, &d1);
  Base10000Head(Magnitude(b.unscaled()), b.scale(), &w2, &d2);
  int qweight = w1 - w2;
  if (d1 <= d2) --qweight;
  int rscale = 16 - qweight * 4;
  rscale = std::max({rscale, a.scale(), b.scale(), 0});
  return std::min(rscale, 1000);
}

// Computes round_half_away(ma * 10^e / mb) where the quotient has at most 38 digits.
// Returns the number of significant digits the unrounded quotient needs (> 38 means the
// result did not fit and *out is unspecified).
int LongDivide(u128 ma, u128 mb, int e, u128* out) {
  std::string digits = U128ToString(ma);
  // The dividend is `digits` followed by e zeros, with one extra digit for rounding:
  // floor(ma * 10^(e+1) / mb). With e + 1 < 0 the dividend is truncated instead, which
  // leaves the floor unchanged (floor(floor(x / m) / n) == floor(x / (m n))).
  int64_t len = static_cast<int64_t>(digits.size()) + e + 1;
  u128 q = 0;
  int sig = 0;
  int last = 0;
  u128 r = 0;
  for (int64_t i = 0; i < len; ++i) {
    int d = i < static_cast<int64_t>(digits.size()) ? digits[i] - '0' : 0;
    // r' = 10 r + d and the quotient digit floor(r' / mb), without overflowing: r < mb < 2^127,
    // so r + acc < 2 mb < 2^128 at every step.
    u128 acc = d;
    int qd = 0;
    while (acc >= mb) {
      acc -= mb;
      ++qd;
    }
    for (int k = 0; k < 10; ++k) {
      acc += r;
      if (acc >= mb) {
        acc -= mb;
        ++qd;
      }
    }
    r = acc;
    if (i == len - 1) {
      last = qd;
      break;
    }
    if (sig > 0 || qd != 0) ++sig;
    if (sig > 38) return sig;
    q = q * 10 + qd;
  }
  if (last >= 5) ++q;
  if (q >= kLimit) return 39;
  *out = q;
  return sig;
}

}  // namespace

Numeric Numeric::FromUnscaled(__int128 unscaled, int scale) {
  Numeric n;
  n.unscaled_ = unscaled;
  n.scale_ = scale;
  return n;
}

Numeric Numeric::FromInt(int64_t v) { return FromUnscaled(v, 0); }

absl::StatusOr<Numeric> Numeric::Parse(std::string_view text) {
  auto syntax = [&]() {
    return SqlError(
        absl::StatusCode::kInvalidArgument, "22P02",
        absl::StrCat("invalid input syntax for type numeric: \"", std::string(text), "\""));
  };
  size_t i = 0, n = text.size();
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (i < n && is_space(text[i])) ++i;
  size_t end = n;
  while (end > i && is_space(text[end - 1])) --end;
  std::string_view body = text.substr(i, end - i);
  if (body.empty()) return syntax();
  {
    std::string_view w = body;
    if (w[0] == '+' || w[0] == '-') w.remove_prefix(1);
    auto ieq = [](std::string_view a, std::string_view b) {
      if (a.size() != b.size()) return false;
      for (size_t k = 0; k < a.size(); ++k) {
        char c = a[k];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != b[k]) return false;
      }
      return true;
    };
    if (ieq(w, "nan") || ieq(w, "infinity") || ieq(w, "inf")) {
      return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                      absl::StrCat("numeric value \"", std::string(body), "\" is not supported"));
    }
  }
  size_t p = 0;
  bool negative = false;
  if (body[p] == '+' || body[p] == '-') {
    negative = body[p] == '-';
    ++p;
  }
  std::string mantissa;  // significant digits, leading zeros dropped
  int frac_digits = 0;
  bool any_digit = false, seen_point = false;
  for (; p < body.size(); ++p) {
    char c = body[p];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (seen_point) ++frac_digits;
      if (mantissa.empty() && c == '0') continue;
      mantissa.push_back(c);
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return syntax();
  int64_t exponent = 0;
  if (p < body.size() && (body[p] == 'e' || body[p] == 'E')) {
    ++p;
    bool eneg = false;
    if (p < body.size() && (body[p] == '+' || body[p] == '-')) {
      eneg = body[p] == '-';
      ++p;
    }
    if (p >= body.size()) return syntax();
    for (; p < body.size(); ++p) {
      char c = body[p];
      if (c < '0' || c > '9') return syntax();
      exponent = exponent * 10 + (c - '0');
      if (exponent > 100000) return Overflow();
    }
    if (eneg) exponent = -exponent;
  }
  if (p != body.size()) return syntax();
  // value = mantissa * 10^-(frac_digits - exponent); the scale is what PostgreSQL shows.
  int64_t scale = frac_digits - exponent;
  if (scale < 0) {
    if (!mantissa.empty()) mantissa.append(static_cast<size_t>(-scale), '0');
    if (mantissa.size() > 38) return Overflow();
    scale = 0;
  }
  // A scale past 38 is only representable when the extra digits are trailing zeros.
  while (scale > 38 && !mantissa.empty() && mantissa.back() == '0') {
    mantissa.pop_back();
    --scale;
  }
  if (mantissa.empty()) scale = std::min<int64_t>(scale, 38);
  if (scale > 38 || mantissa.size() > 38) return Overflow();
  u128 m = 0;
  for (char c : mantissa) m = m * 10 + static_cast<u128>(c - '0');
  __int128 u = static_cast<__int128>(m);
  return FromUnscaled(negative ? -u : u, static_cast<int>(scale));
}

absl::StatusOr<Numeric> Numeric::FromDouble(double v) {
  if (!std::isfinite(v)) {
    return SqlError(absl::StatusCode::kOutOfRange, "22003",
                    "cannot convert infinity or NaN to numeric");
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return Parse(std::string_view(buf, res.ptr - buf));
}

absl::StatusOr<Numeric> Numeric::Coerce(int32_t precision, int32_t scale) const {
  if (scale < 0) scale = precision < 0 ? -1 : 0;
  Numeric r = *this;
  if (scale >= 0) {
    if (scale > 38) {
      return SqlError(absl::StatusCode::kOutOfRange, "22003", "numeric field overflow");
    }
    u128 m = Magnitude(unscaled_);
    if (scale < scale_) {
      m = RoundDiv(m, scale_ - scale);
    } else if (scale > scale_) {
      if (!ScaleUp(m, scale - scale_, &m)) {
        return SqlError(absl::StatusCode::kOutOfRange, "22003", "numeric field overflow");
      }
    }
    if (m >= kLimit) return Overflow();
    r = FromUnscaled(unscaled_ < 0 ? -static_cast<__int128>(m) : static_cast<__int128>(m), scale);
  }
  if (precision > 0 && precision < 39) {
    if (Magnitude(r.unscaled_) >= kPow10.v[precision]) {
      return SqlError(absl::StatusCode::kOutOfRange, "22003",
                      // PostgreSQL's message; its DETAIL would read "A field with precision p,
                      // scale s must round to an absolute value less than 10^(p-s)."
                      "numeric field overflow");
    }
  }
  return r;
}

absl::StatusOr<Numeric> Numeric::Add(const Numeric& o) const {
  __int128 x, y;
  int s;
  if (!Align(*this, o, &x, &y, &s)) return Overflow();
  __int128 z = x + y;  // |x|, |y| < 10^38: no overflow of __int128
  if (Magnitude(z) >= kLimit) return Overflow();
  return FromUnscaled(z, s);
}

absl::StatusOr<Numeric> Numeric::Sub(const Numeric& o) const { return Add(o.Negate()); }

absl::StatusOr<Numeric> Numeric::Mul(const Numeric& o) const {
  bool negative = (unscaled_ < 0) != (o.unscaled_ < 0);
  U256 p = U256::Mul(Magnitude(unscaled_), Magnitude(o.unscaled_));
  int scale = scale_ + o.scale_;
  if (scale > 38) {
    RoundDiv256(&p, scale - 38);
    scale = 38;
  }
  if (!p.FitsU128() || p.Low() >= kLimit) return Overflow();
  __int128 m = static_cast<__int128>(p.Low());
  if (m == 0) negative = false;
  return FromUnscaled(negative ? -m : m, scale);
}

absl::StatusOr<Numeric> Numeric::Div(const Numeric& o) const {
  if (o.is_zero()) return DivByZero();
  int rscale = std::min(SelectDivScale(*this, o), 38);
  u128 ma = Magnitude(unscaled_), mb = Magnitude(o.unscaled_);
  bool negative = (unscaled_ < 0) != (o.unscaled_ < 0);
  while (true) {
    u128 q = 0;
    int sig = LongDivide(ma, mb, rscale - scale_ + o.scale_, &q);
    if (sig > 38) {
      // The quotient needs more than 38 digits at this scale: give up fractional digits
      // (division rounds anyway), or fail when even the integer part does not fit.
      int drop = std::max(sig - 38, 1);
      if (rscale == 0) return Overflow();
      rscale = std::max(rscale - drop, 0);
      continue;
    }
    __int128 m = static_cast<__int128>(q);
    if (m == 0) negative = false;
    return FromUnscaled(negative ? -m : m, rscale);
  }
}

absl::StatusOr<Numeric> Numeric::Mod(const Numeric& o) const {
  if (o.is_zero()) return DivByZero();
  __int128 x, y;
  int s;
  if (!Align(*this, o, &x, &y, &s)) return Overflow();
  return FromUnscaled(x % y, s);
}

Numeric Numeric::Negate() const { return FromUnscaled(-unscaled_, scale_); }

absl::StatusOr<int64_t> Numeric::ToInt() const {
  u128 m = scale_ == 0 ? Magnitude(unscaled_) : RoundDiv(Magnitude(unscaled_), scale_);
  constexpr u128 kMaxPos = static_cast<u128>(INT64_MAX);
  if (unscaled_ < 0) {
    if (m > kMaxPos + 1) {
      return SqlError(absl::StatusCode::kOutOfRange, "22003", "bigint out of range");
    }
    return m == kMaxPos + 1 ? INT64_MIN : -static_cast<int64_t>(m);
  }
  if (m > kMaxPos) {
    return SqlError(absl::StatusCode::kOutOfRange, "22003", "bigint out of range");
  }
  return static_cast<int64_t>(m);
}

double Numeric::ToDouble() const {
  std::string s = ToString();
  double d = 0;
  std::from_chars(s.data(), s.data() + s.size(), d);
  return d;
}

std::string Numeric::ToString() const {
  std::string digits = U128ToString(Magnitude(unscaled_));
  if (static_cast<int>(digits.size()) <= scale_) {
    digits.insert(0, static_cast<size_t>(scale_ - digits.size() + 1), '0');
  }
  std::string out;
  if (unscaled_ < 0) out.push_back('-');
  size_t int_len = digits.size() - static_cast<size_t>(scale_);
  out.append(digits, 0, int_len);
  if (scale_ > 0) {
    out.push_back('.');
    out.append(digits, int_len, std::string::npos);
  }
  return out;
}

std::strong_ordering operator<=>(const Numeric& a, const Numeric& b) {
  if (a.sign() != b.sign()) return a.sign() <=> b.sign();
  if (a.scale_ == b.scale_) return a.unscaled_ <=> b.unscaled_;
  // Same sign: compare magnitudes at a common scale in 256 bits (no overflow possible).
  u128 ma = Magnitude(a.unscaled_), mb = Magnitude(b.unscaled_);
  int s = std::max(a.scale_, b.scale_);
  U256 x = U256::Mul(ma, kPow10.v[s - a.scale_]);
  U256 y = U256::Mul(mb, kPow10.v[s - b.scale_]);
  std::strong_ordering mag = std::strong_ordering::equal;
  for (int i = 3; i >= 0; --i) {
    if (x.limb[i] != y.limb[i]) {
      mag = x.limb[i] <=> y.limb[i];
      break;
    }
  }
  if (a.sign() >= 0) return mag;
  return 0 <=> mag;
}

}  // namespace meridian::sql
