#include "sql/types/pg_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "sql/types/internal/datetime.h"
#include "sql/types/internal/text_coerce.h"

namespace meridian::sql {

using internal::kMicrosPerDay;
using internal::kMicrosPerSecond;

namespace internal {

int64_t CharLength(std::string_view s) {
  int64_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

namespace {
// Byte offset of the start of character `n` (or s.size()).
size_t CharOffset(std::string_view s, int64_t n) {
  int64_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) return i;
      ++seen;
    }
  }
  return s.size();
}
}  // namespace

absl::StatusOr<std::string> ApplyStringTypmod(std::string s, const SqlType& type,
                                              bool explicit_cast) {
  switch (type.id) {
    case TypeId::kVarchar:
    case TypeId::kChar: {
      if (type.precision < 0) return s;
      int64_t n = type.precision;
      int64_t len = CharLength(s);
      if (len > n) {
        size_t cut = CharOffset(s, n);
        if (!explicit_cast && s.find_first_not_of(' ', cut) != std::string::npos) {
          return SqlError(absl::StatusCode::kInvalidArgument, "22001",
                          absl::StrCat("value too long for type ", type.ToString()));
        }
        s.resize(cut);
        len = n;
      }
      if (type.id == TypeId::kChar && len < n) s.append(static_cast<size_t>(n - len), ' ');
      return s;
    }
    case TypeId::kName:
      if (s.size() > 63) {
        size_t cut = 63;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s.resize(cut);
      }
      return s;
    default:
      return s;
  }
}

std::string FormatFloat(double v, bool float4) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::to_chars_result r =
      float4 ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v),
                             std::chars_format::scientific)
             : std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);  // [-]d[.ddd]e(+|-)dd
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
  std::string out = negative ? "-" : "";
  // PostgreSQL switches to exponential form as printf's %g does, with precision 15 (double)
  // or 6 (real): exponent < -4 or >= precision.
  int precision = float4 ? 6 : 15;
  if (exp10 < -4 || exp10 >= precision) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) absl::StrAppend(&out, ".", digits.substr(1));
    absl::StrAppend(&out, exp10 < 0 ? "e-" : "e+", absl::StrFormat("%02d", std::abs(exp10)));
  } else if (exp10 < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp10 - 1), '0');
    out += digits;
  } else {
    int int_len = exp10 + 1;
    if (static_cast<int>(digits.size()) <= int_len) {
      out += digits;
      out.append(static_cast<size_t>(int_len - static_cast<int>(digits.size())), '0');
    } else {
      absl::StrAppend(&out, digits.substr(0, int_len), ".", digits.substr(int_len));
    }
  }
  return out;
}

absl::Status CheckIntRange(int64_t v, TypeId id) {
  switch (id) {
    case TypeId::kInt2:
      if (v < INT16_MIN || v > INT16_MAX) {
        return SqlError(absl::StatusCode::kOutOfRange, "22003", "smallint out of range");
      }
      return absl::OkStatus();
    case TypeId::kInt4:
      if (v < INT32_MIN || v > INT32_MAX) {
        return SqlError(absl::StatusCode::kOutOfRange, "22003", "integer out of range");
      }
      return absl::OkStatus();
    case TypeId::kOid:
    case TypeId::kRegclass:
      if (v < 0 || v > UINT32_MAX) {
        return SqlError(absl::StatusCode::kOutOfRange, "22003", "OID out of range");
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

}  // namespace internal

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

absl::Status SyntaxError(std::string_view type_name, std::string_view text,
                         std::string_view sqlstate = "22P02") {
  return SqlError(absl::StatusCode::kInvalidArgument, sqlstate,
                  absl::StrCat("invalid input syntax for type ", std::string(type_name), ": \"",
                               std::string(text), "\""));
}

absl::Status BinaryError(std::string_view what) {
  return SqlError(absl::StatusCode::kInvalidArgument, "22P03", what);
}

// ---- integers ----

absl::StatusOr<Value> ParseInteger(std::string_view text, const SqlType& type) {
  std::string name = type.ToString();
  std::string_view s = Trim(text);
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  if (i >= s.size()) return SyntaxError(name, text);
  unsigned __int128 mag = 0;
  bool too_big = false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return SyntaxError(name, text);
    if (!too_big) {
      mag = mag * 10 + static_cast<unsigned>(s[i] - '0');
      if (mag > (static_cast<unsigned __int128>(1) << 64)) too_big = true;
    }
  }
  __int128 v = negative ? -static_cast<__int128>(mag) : static_cast<__int128>(mag);
  __int128 lo = INT64_MIN, hi = INT64_MAX;
  switch (type.id) {
    case TypeId::kInt2:
      lo = INT16_MIN;
      hi = INT16_MAX;
      break;
    case TypeId::kInt4:
      lo = INT32_MIN;
      hi = INT32_MAX;
      break;
    case TypeId::kOid:
    case TypeId::kRegclass:
      // PostgreSQL's oidin also takes negative 32-bit values and wraps them.
      lo = INT32_MIN;
      hi = UINT32_MAX;
      break;
    default:
      break;
  }
  if (too_big || v < lo || v > hi) {
    return SqlError(
        absl::StatusCode::kOutOfRange, "22003",
        absl::StrCat("value \"", std::string(text), "\" is out of range for type ", name));
  }
  if (v < 0 && (type.id == TypeId::kOid || type.id == TypeId::kRegclass)) {
    v += static_cast<__int128>(1) << 32;
  }
  return Value::Int(static_cast<int64_t>(v));
}

// ---- floats ----

absl::StatusOr<Value> ParseFloat(std::string_view text, bool float4) {
  const char* name = float4 ? "real" : "double precision";
  std::string_view s = Trim(text);
  if (s.empty()) return SyntaxError(name, text);
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (IEquals(body, "nan")) return Value::Float(std::nan(""));
  if (IEquals(body, "infinity") || IEquals(body, "inf")) {
    return Value::Float(negative ? -HUGE_VAL : HUGE_VAL);
  }
  if (body.empty() || body[0] == '+' || body[0] == '-') return SyntaxError(name, text);
  double d = 0;
  std::from_chars_result r;
  if (float4) {
    float f = 0;
    r = std::from_chars(body.data(), body.data() + body.size(), f);
    d = f;
  } else {
    r = std::from_chars(body.data(), body.data() + body.size(), d);
  }
  if (r.ec == std::errc::result_out_of_range) {
    return SqlError(absl::StatusCode::kOutOfRange, "22003",
                    absl::StrCat("\"", std::string(s), "\" is out of range for type ", name));
  }
  if (r.ec != std::errc() || r.ptr != body.data() + body.size()) return SyntaxError(name, text);
  return Value::Float(negative ? -d : d);
}

// ---- booleans ----

absl::StatusOr<Value> ParseBool(std::string_view text) {
  std::string_view s = Trim(text);
  auto prefix_of = [&](std::string_view word, size_t min_len) {
    if (s.size() < min_len || s.size() > word.size()) return false;
    return IEquals(s, word.substr(0, s.size()));
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || s == "1") {
    return Value::Bool(true);
  }
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0") {
    return Value::Bool(false);
  }
  return SyntaxError("boolean", text);
}

// ---- bytea ----

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<Value> ParseBytea(std::string_view s) {
  std::string out;
  if (s.size() >= 2 && s[0] == '\\' && s[1] == 'x') {
    size_t i = 2;
    while (i < s.size()) {
      if (IsSpace(s[i])) {
        ++i;
        continue;
      }
      int hi = HexValue(s[i]);
      if (hi < 0) {
        return SqlError(
            absl::StatusCode::kInvalidArgument, "22P02",
            absl::StrCat("invalid hexadecimal digit: \"", std::string(s.substr(i, 1)), "\""));
      }
      if (i + 1 >= s.size()) {
        return SqlError(absl::StatusCode::kInvalidArgument, "22P02",
                        "invalid hexadecimal data: odd number of digits");
      }
      int lo = HexValue(s[i + 1]);
      if (lo < 0) {
        return SqlError(
            absl::StatusCode::kInvalidArgument, "22P02",
            absl::StrCat("invalid hexadecimal digit: \"", std::string(s.substr(i + 1, 1)), "\""));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
    return Value::Bytes(std::move(out));
  }
  // Escape format: "\\" is a backslash, "\ooo" an octal byte, anything else itself.
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '\\') {
      out.push_back('\\');
      i += 2;
      continue;
    }
    if (i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 4;
      continue;
    }
    return SyntaxError("bytea", s);
  }
  return Value::Bytes(std::move(out));
}

std::string FormatBytea(std::string_view b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * b.size());
  for (unsigned char c : b) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// ---- dates and timestamps ----

struct DateTimeParts {
  enum class Special { kNone, kNegInfinity, kPosInfinity, kEpoch } special = Special::kNone;
  int64_t year = 0;  // astronomical (0 = 1 BC)
  int month = 1;
  int day = 1;
  bool has_time = false;
  int64_t time_micros = 0;  // may reach 24:00:00 or a leap second
  bool has_zone = false;
  int64_t zone_seconds = 0;  // offset east of UTC
};

enum class ParseResult { kOk, kSyntax, kFieldRange };

// A tiny cursor over the input.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  void SkipSpace() {
    while (!done() && IsSpace(s[i])) ++i;
  }
  // Reads 1..max_len digits; false if none.
  bool Digits(int64_t* v, size_t max_len = 18, size_t* len_out = nullptr) {
    size_t start = i;
    int64_t acc = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9' && i - start < max_len) {
      acc = acc * 10 + (s[i] - '0');
      ++i;
    }
    if (len_out != nullptr) *len_out = i - start;
    *v = acc;
    return i > start;
  }
};

ParseResult ParseDateTime(std::string_view text, DateTimeParts* p) {
  std::string_view t = Trim(text);
  if (IEquals(t, "infinity") || IEquals(t, "+infinity")) {
    p->special = DateTimeParts::Special::kPosInfinity;
    return ParseResult::kOk;
  }
  if (IEquals(t, "-infinity")) {
    p->special = DateTimeParts::Special::kNegInfinity;
    return ParseResult::kOk;
  }
  if (IEquals(t, "epoch")) {
    p->special = DateTimeParts::Special::kEpoch;
    return ParseResult::kOk;
  }
  Cursor c{t};
  int64_t y, m, d;
  if (!c.Digits(&y, 9) || c.peek() != '-') return ParseResult::kSyntax;
  ++c.i;
  if (!c.Digits(&m, 2) || c.peek() != '-') return ParseResult::kSyntax;
  ++c.i;
  if (!c.Digits(&d, 2)) return ParseResult::kSyntax;
  if (!c.done() && (c.peek() == 'T' || c.peek() == 't' || IsSpace(c.peek()))) {
    size_t save = c.i;
    ++c.i;
    c.SkipSpace();
    int64_t hh, mi, ss = 0;
    if (c.Digits(&hh, 2)) {
      if (c.peek() != ':') return ParseResult::kSyntax;
      ++c.i;
      if (!c.Digits(&mi, 2)) return ParseResult::kSyntax;
      int64_t frac_micros = 0;
      if (c.peek() == ':') {
        ++c.i;
        if (!c.Digits(&ss, 2)) return ParseResult::kSyntax;
        if (c.peek() == '.') {
          ++c.i;
          // Round the fraction to microseconds (half up).
          int64_t scale = 100000;
          bool any = false;
          int round_digit = -1;
          while (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
            int dig = c.peek() - '0';
            if (scale > 0) {
              frac_micros += dig * scale;
              scale /= 10;
            } else if (round_digit < 0) {
              round_digit = dig;
            }
            any = true;
            ++c.i;
          }
          if (!any) return ParseResult::kSyntax;
          if (round_digit >= 5) ++frac_micros;
        }
      }
      if (hh > 24 || mi > 59 || ss > 60) return ParseResult::kFieldRange;
      if (hh == 24 && (mi != 0 || ss != 0 || frac_micros != 0)) return ParseResult::kFieldRange;
      p->has_time = true;
      p->time_micros = ((hh * 60 + mi) * 60 + ss) * kMicrosPerSecond + frac_micros;
    } else {
      c.i = save;
    }
  }
  c.SkipSpace();
  // Time zone: Z, UTC, GMT, +HH, +HH:MM, +HHMM, +HH:MM:SS.
  if (!c.done()) {
    char ch = c.peek();
    if (ch == 'Z' || ch == 'z') {
      ++c.i;
      p->has_zone = true;
    } else if (c.s.size() - c.i >= 3 &&
               (IEquals(c.s.substr(c.i, 3), "utc") || IEquals(c.s.substr(c.i, 3), "gmt"))) {
      c.i += 3;
      p->has_zone = true;
    } else if (ch == '+' || ch == '-') {
      bool neg = ch == '-';
      ++c.i;
      int64_t zh = 0, zm = 0, zs = 0;
      size_t len = 0;
      if (!c.Digits(&zh, 4, &len)) return ParseResult::kSyntax;
      if (len == 4) {
        zm = zh % 100;
        zh /= 100;
      } else if (len > 2) {
        return ParseResult::kSyntax;
      } else if (c.peek() == ':') {
        ++c.i;
        if (!c.Digits(&zm, 2)) return ParseResult::kSyntax;
        if (c.peek() == ':') {
          ++c.i;
          if (!c.Digits(&zs, 2)) return ParseResult::kSyntax;
        }
      }
      if (zh > 15 || zm > 59 || zs > 59) return ParseResult::kFieldRange;
      p->has_zone = true;
      p->zone_seconds = (neg ? -1 : 1) * (zh * 3600 + zm * 60 + zs);
    }
    c.SkipSpace();
  }
  bool bc = false;
  if (c.s.size() - c.i == 2 && IEquals(c.s.substr(c.i), "bc")) {
    bc = true;
    c.i += 2;
  } else if (c.s.size() - c.i == 2 && IEquals(c.s.substr(c.i), "ad")) {
    c.i += 2;
  }
  if (!c.done()) return ParseResult::kSyntax;
  if (y == 0 && bc) return ParseResult::kFieldRange;  // there is no year 0 BC
  if (m < 1 || m > 12 || d < 1) return ParseResult::kFieldRange;
  int64_t year = bc ? 1 - y : y;
  if (d > internal::DaysInMonth(year, static_cast<int>(m))) return ParseResult::kFieldRange;
  p->year = year;
  p->month = static_cast<int>(m);
  p->day = static_cast<int>(d);
  return ParseResult::kOk;
}

absl::Status DateTimeError(ParseResult r, std::string_view type_name, std::string_view text) {
  if (r == ParseResult::kFieldRange) {
    return SqlError(
        absl::StatusCode::kOutOfRange, "22008",
        absl::StrCat("date/time field value out of range: \"", std::string(text), "\""));
  }
  return SyntaxError(type_name, text, "22007");
}

absl::StatusOr<Value> ParseDate(std::string_view text) {
  DateTimeParts p;
  ParseResult r = ParseDateTime(text, &p);
  if (r != ParseResult::kOk) return DateTimeError(r, "date", text);
  switch (p.special) {
    case DateTimeParts::Special::kPosInfinity:
      return Value::Date(internal::kDatePosInfinity);
    case DateTimeParts::Special::kNegInfinity:
      return Value::Date(internal::kDateNegInfinity);
    case DateTimeParts::Special::kEpoch:
      return Value::Date(0);
    case DateTimeParts::Special::kNone:
      break;
  }
  int64_t days = internal::DaysFromCivil(p.year, p.month, p.day);
  if (!internal::DateInRange(days)) {
    return SqlError(absl::StatusCode::kOutOfRange, "22008",
                    absl::StrCat("date out of range: \"", std::string(text), "\""));
  }
  return Value::Date(static_cast<int32_t>(days));
}

absl::StatusOr<Value> ParseTimestamp(std::string_view text, bool with_zone) {
  const char* name = with_zone ? "timestamp with time zone" : "timestamp";
  DateTimeParts p;
  ParseResult r = ParseDateTime(text, &p);
  if (r != ParseResult::kOk) return DateTimeError(r, name, text);
  switch (p.special) {
    case DateTimeParts::Special::kPosInfinity:
      return Value::Timestamp(internal::kTsPosInfinity);
    case DateTimeParts::Special::kNegInfinity:
      return Value::Timestamp(internal::kTsNegInfinity);
    case DateTimeParts::Special::kEpoch:
      return Value::Timestamp(0);
    case DateTimeParts::Special::kNone:
      break;
  }
  int64_t days = internal::DaysFromCivil(p.year, p.month, p.day);
  bool ok = days >= internal::kMinDay - 1 && days <= internal::kMaxTsDay + 1;
  int64_t micros = 0;
  if (ok) {
    micros = days * kMicrosPerDay + p.time_micros;
    // A timestamp without time zone ignores a zone in its input, as PostgreSQL does; the
    // session time zone is UTC, so a timestamptz converts by the offset alone.
    if (with_zone && p.has_zone) micros -= p.zone_seconds * kMicrosPerSecond;
    ok = internal::TimestampInRange(micros);
  }
  if (!ok) {
    return SqlError(absl::StatusCode::kOutOfRange, "22008",
                    absl::StrCat("timestamp out of range: \"", std::string(text), "\""));
  }
  return Value::Timestamp(micros);
}

std::string FormatYmd(int64_t days) {
  int64_t y;
  int m, d;
  internal::CivilFromDays(days, &y, &m, &d);
  bool bc = y <= 0;
  int64_t shown = bc ? 1 - y : y;
  return absl::StrFormat("%04d-%02d-%02d", shown, m, d) + (bc ? "|BC" : "");
}

// Splits FormatYmd's "|BC" marker off so that the caller can place " BC" last.
std::string FormatDate(int32_t days) {
  if (days == internal::kDatePosInfinity) return "infinity";
  if (days == internal::kDateNegInfinity) return "-infinity";
  std::string ymd = FormatYmd(days);
  size_t bar = ymd.find('|');
  if (bar == std::string::npos) return ymd;
  return ymd.substr(0, bar) + " BC";
}

void AppendTimeOfDay(int64_t micros, std::string* out) {
  int64_t secs = micros / kMicrosPerSecond;
  int64_t frac = micros % kMicrosPerSecond;
  absl::StrAppendFormat(out, "%02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60);
  if (frac != 0) {
    std::string f = absl::StrFormat("%06d", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    absl::StrAppend(out, ".", f);
  }
}

std::string FormatTimestamp(int64_t micros, bool with_zone) {
  if (micros == internal::kTsPosInfinity) return "infinity";
  if (micros == internal::kTsNegInfinity) return "-infinity";
  int64_t days = internal::FloorDiv(micros, kMicrosPerDay);
  int64_t tod = internal::FloorMod(micros, kMicrosPerDay);
  std::string ymd = FormatYmd(days);
  size_t bar = ymd.find('|');
  std::string out = ymd.substr(0, bar);
  out.push_back(' ');
  AppendTimeOfDay(tod, &out);
  if (with_zone) out += "+00";
  if (bar != std::string::npos) out += " BC";
  return out;
}

// ---- intervals (microseconds only) ----

std::string FormatInterval(int64_t micros) {
  std::string out;
  unsigned __int128 mag = micros < 0 ? static_cast<unsigned __int128>(-(micros + 1)) + 1
                                     : static_cast<unsigned __int128>(micros);
  if (micros < 0) out.push_back('-');
  uint64_t m = static_cast<uint64_t>(mag);
  uint64_t secs = m / kMicrosPerSecond;
  uint64_t frac = m % kMicrosPerSecond;
  absl::StrAppendFormat(&out, "%02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60);
  if (frac != 0) {
    std::string f = absl::StrFormat("%06d", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    absl::StrAppend(&out, ".", f);
  }
  return out;
}

absl::StatusOr<Value> ParseInterval(std::string_view text) {
  std::string_view s = Trim(text);
  if (!s.empty() && s[0] == '@') s = Trim(s.substr(1));
  if (s.empty()) return SyntaxError("interval", text, "22007");
  long double total = 0;  // microseconds
  Cursor c{s};
  bool any = false;
  bool ago = false;
  while (true) {
    c.SkipSpace();
    if (c.done()) break;
    if (ago) return SyntaxError("interval", text, "22007");
    size_t start = c.i;
    // A number, possibly signed and fractional.
    bool neg = false;
    if (c.peek() == '+' || c.peek() == '-') {
      neg = c.peek() == '-';
      ++c.i;
    }
    size_t num_start = c.i;
    while (!c.done() && ((c.peek() >= '0' && c.peek() <= '9') || c.peek() == '.')) ++c.i;
    std::string_view num = s.substr(num_start, c.i - num_start);
    if (num.empty()) {
      // Only "ago" may stand without a number.
      size_t w = c.i;
      while (w < s.size() && !IsSpace(s[w])) ++w;
      if (c.i == start && IEquals(s.substr(c.i, w - c.i), "ago") && any) {
        ago = true;
        c.i = w;
        continue;
      }
      return SyntaxError("interval", text, "22007");
    }
    if (c.peek() == ':') {
      // [-]HH:MM[:SS[.frac]]
      int64_t hh = 0, mi = 0;
      double sec = 0;
      auto r1 = std::from_chars(num.data(), num.data() + num.size(), hh);
      if (r1.ec != std::errc() || r1.ptr != num.data() + num.size()) {
        return SyntaxError("interval", text, "22007");
      }
      ++c.i;
      if (!c.Digits(&mi, 2)) return SyntaxError("interval", text, "22007");
      if (c.peek() == ':') {
        ++c.i;
        size_t sec_start = c.i;
        while (!c.done() && ((c.peek() >= '0' && c.peek() <= '9') || c.peek() == '.')) ++c.i;
        std::string_view sv = s.substr(sec_start, c.i - sec_start);
        auto r2 = std::from_chars(sv.data(), sv.data() + sv.size(), sec);
        if (sv.empty() || r2.ec != std::errc() || r2.ptr != sv.data() + sv.size()) {
          return SyntaxError("interval", text, "22007");
        }
      }
      if (mi > 59 || sec >= 60) {
        return SqlError(
            absl::StatusCode::kOutOfRange, "22008",
            absl::StrCat("interval field value out of range: \"", std::string(text), "\""));
      }
      long double v = (static_cast<long double>(hh) * 3600 + mi * 60) * kMicrosPerSecond +
                      static_cast<long double>(sec) * kMicrosPerSecond;
      total += neg ? -v : v;
      any = true;
      continue;
    }
    double qty = 0;
    auto r = std::from_chars(num.data(), num.data() + num.size(), qty);
    if (r.ec != std::errc() || r.ptr != num.data() + num.size()) {
      return SyntaxError("interval", text, "22007");
    }
    c.SkipSpace();
    size_t unit_start = c.i;
    while (!c.done() && !IsSpace(c.peek()) && !(c.peek() >= '0' && c.peek() <= '9') &&
           c.peek() != '+' && c.peek() != '-') {
      ++c.i;
    }
    std::string unit(s.substr(unit_start, c.i - unit_start));
    for (char& ch : unit) ch = Lower(ch);
    if (unit.size() > 1 && unit.back() == 's' && unit != "us" && unit != "ms") unit.pop_back();
    long double per = 0;
    if (unit.empty() || unit == "second" || unit == "sec" || unit == "s") {
      per = kMicrosPerSecond;
    } else if (unit == "microsecond" || unit == "us" || unit == "usec") {
      per = 1;
    } else if (unit == "millisecond" || unit == "ms" || unit == "msec") {
      per = 1000;
    } else if (unit == "minute" || unit == "min" || unit == "m") {
      per = 60.0L * kMicrosPerSecond;
    } else if (unit == "hour" || unit == "hr" || unit == "h") {
      per = 3600.0L * kMicrosPerSecond;
    } else if (unit == "day" || unit == "d") {
      per = kMicrosPerDay;
    } else if (unit == "week" || unit == "w") {
      per = 7.0L * kMicrosPerDay;
    } else if (unit == "mon" || unit == "month" || unit == "year" || unit == "y" ||
               unit == "decade" || unit == "century" || unit == "millennium") {
      return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                      absl::StrCat("interval unit \"", unit,
                                   "\" is not supported: intervals are exact durations"));
    } else {
      return SyntaxError("interval", text, "22007");
    }
    long double v = static_cast<long double>(qty) * per;
    total += neg ? -v : v;
    any = true;
  }
  if (!any) return SyntaxError("interval", text, "22007");
  if (ago) total = -total;
  long double rounded = std::roundl(total);
  if (!(rounded >= -9223372036854775808.0L && rounded <= 9223372036854775807.0L)) {
    return SqlError(absl::StatusCode::kOutOfRange, "22008", "interval out of range");
  }
  return Value::Interval(static_cast<int64_t>(rounded));
}

// ---- UTF-8 validation (binary text input) ----

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;  // PostgreSQL text cannot hold NUL
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// ---- binary helpers (network byte order) ----

void PutBE(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t GetBE(std::string_view b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::string NumericToBinary(const Numeric& n) {
  std::string s = n.ToString();
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.erase(0, 1);
  size_t dot = s.find('.');
  std::string ip = s.substr(0, dot);
  std::string fp = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (ip == "0") ip.clear();
  ip.insert(0, (4 - ip.size() % 4) % 4, '0');
  fp.append((4 - fp.size() % 4) % 4, '0');
  std::string all = ip + fp;
  std::vector<int> groups;
  for (size_t i = 0; i < all.size(); i += 4) groups.push_back(std::stoi(all.substr(i, 4)));
  int weight = static_cast<int>(ip.size() / 4) - 1;
  size_t start = 0, end = groups.size();
  while (start < end && groups[start] == 0) {
    ++start;
    --weight;
  }
  while (end > start && groups[end - 1] == 0) --end;
  if (start == end) {
    weight = 0;
    negative = false;
  }
  std::string out;
  PutBE(end - start, 2, &out);
  PutBE(static_cast<uint16_t>(static_cast<int16_t>(weight)), 2, &out);
  PutBE(negative ? 0x4000 : 0x0000, 2, &out);
  PutBE(static_cast<uint64_t>(n.scale()), 2, &out);
  for (size_t i = start; i < end; ++i) PutBE(static_cast<uint64_t>(groups[i]), 2, &out);
  return out;
}

absl::StatusOr<Numeric> NumericFromBinary(std::string_view b) {
  if (b.size() < 8) return BinaryError("insufficient data left in message");
  int ndigits = static_cast<int16_t>(GetBE(b, 0, 2));
  int weight = static_cast<int16_t>(GetBE(b, 2, 2));
  uint16_t sign = static_cast<uint16_t>(GetBE(b, 4, 2));
  int dscale = static_cast<uint16_t>(GetBE(b, 6, 2));
  if (ndigits < 0) return BinaryError("invalid length in external \"numeric\" value");
  if (b.size() != 8 + 2 * static_cast<size_t>(ndigits)) {
    return BinaryError("incorrect binary data format");
  }
  if (sign == 0xC000 || sign == 0xD000 || sign == 0xF000) {
    return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                    "numeric NaN and infinity are not supported");
  }
  if (sign != 0x0000 && sign != 0x4000) {
    return BinaryError("invalid sign in external \"numeric\" value");
  }
  if ((dscale & 0x3FFF) != dscale) {
    return BinaryError("invalid scale in external \"numeric\" value");
  }
  std::string text = sign == 0x4000 ? "-" : "";
  for (int i = 0; i < ndigits; ++i) {
    int digit = static_cast<int>(GetBE(b, 8 + 2 * i, 2));
    if (digit > 9999) return BinaryError("invalid digit in external \"numeric\" value");
    absl::StrAppendFormat(&text, "%04d", digit);
  }
  if (ndigits == 0) text += "0";
  absl::StrAppend(&text, "e", 4 * (weight - ndigits + 1));
  auto n = Numeric::Parse(text);
  if (!n.ok()) return n.status();
  // Scales past 38 cannot be held; the digits there are zeros when Parse succeeded.
  return n->Coerce(-1, std::min(dscale, Numeric::kMaxDigits));
}

}  // namespace

std::string FormatText(const Value& v, const SqlType& type) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return "";
    case Value::Kind::kBool:
      return v.bool_value() ? "t" : "f";
    case Value::Kind::kInt:
      return absl::StrCat(v.int_value());
    case Value::Kind::kFloat:
      return internal::FormatFloat(v.float_value(), type.id == TypeId::kFloat4);
    case Value::Kind::kNumeric:
      return v.numeric_value().ToString();
    case Value::Kind::kString:
      return v.string_value();
    case Value::Kind::kBytes:
      return FormatBytea(v.string_value());
    case Value::Kind::kDate:
      return FormatDate(v.date_value());
    case Value::Kind::kTimestamp:
      return FormatTimestamp(v.timestamp_value(), type.id == TypeId::kTimestampTz);
    case Value::Kind::kInterval:
      return FormatInterval(v.timestamp_value());
  }
  return "";
}

absl::StatusOr<Value> ParseText(std::string_view text, const SqlType& type) {
  switch (type.id) {
    case TypeId::kUnknown:
    case TypeId::kText:
      return Value::String(std::string(text));
    case TypeId::kVarchar:
    case TypeId::kChar:
    case TypeId::kName: {
      auto s = internal::ApplyStringTypmod(std::string(text), type, /*explicit_cast=*/false);
      if (!s.ok()) return s.status();
      return Value::String(*std::move(s));
    }
    case TypeId::kBool:
      return ParseBool(text);
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kOid:
      return ParseInteger(text, type);
    case TypeId::kRegclass: {
      std::string_view t = Trim(text);
      if (!t.empty() && t[0] >= '0' && t[0] <= '9') return ParseInteger(text, type);
      return SqlError(
          absl::StatusCode::kUnimplemented, "0A000",
          absl::StrCat("regclass input by name needs the catalog: \"", std::string(text), "\""));
    }
    case TypeId::kFloat4:
      return ParseFloat(text, true);
    case TypeId::kFloat8:
      return ParseFloat(text, false);
    case TypeId::kNumeric: {
      auto n = Numeric::Parse(text);
      if (!n.ok()) return n.status();
      auto c = n->Coerce(type.precision, type.scale);
      if (!c.ok()) return c.status();
      return Value::Decimal(*c);
    }
    case TypeId::kBytea:
      return ParseBytea(text);
    case TypeId::kDate:
      return ParseDate(text);
    case TypeId::kTimestamp:
      return ParseTimestamp(text, false);
    case TypeId::kTimestampTz:
      return ParseTimestamp(text, true);
    case TypeId::kInterval:
      return ParseInterval(text);
    case TypeId::kArray:
      return SqlError(absl::StatusCode::kUnimplemented, "0A000", "arrays are not supported");
  }
  return SqlError(absl::StatusCode::kUnimplemented, "0A000", "unsupported type");
}

bool HasBinaryFormat(const SqlType& type) {
  switch (type.id) {
    case TypeId::kUnknown:
    case TypeId::kBool:
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kFloat4:
    case TypeId::kFloat8:
    case TypeId::kNumeric:
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kChar:
    case TypeId::kName:
    case TypeId::kBytea:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
    case TypeId::kOid:
    case TypeId::kRegclass:
    case TypeId::kInterval:
      return true;
    case TypeId::kArray:
      return false;
  }
  return false;
}

std::string FormatBinary(const Value& v, const SqlType& type) {
  std::string out;
  switch (type.id) {
    case TypeId::kBool:
      out.push_back(v.bool_value() ? 1 : 0);
      return out;
    case TypeId::kInt2:
      PutBE(static_cast<uint64_t>(v.int_value()), 2, &out);
      return out;
    case TypeId::kInt4:
    case TypeId::kOid:
    case TypeId::kRegclass:
      PutBE(static_cast<uint64_t>(v.int_value()), 4, &out);
      return out;
    case TypeId::kInt8:
      PutBE(static_cast<uint64_t>(v.int_value()), 8, &out);
      return out;
    case TypeId::kFloat4: {
      float f = static_cast<float>(v.float_value());
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      PutBE(bits, 4, &out);
      return out;
    }
    case TypeId::kFloat8: {
      double d = v.float_value();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      PutBE(bits, 8, &out);
      return out;
    }
    case TypeId::kNumeric:
      return NumericToBinary(v.numeric_value());
    case TypeId::kDate: {
      int32_t days = v.date_value();
      int64_t pg =
          internal::IsFiniteDate(days) ? static_cast<int64_t>(days) - internal::kPgEpochDays : days;
      if (pg < INT32_MIN) pg = INT32_MIN;  // only for out-of-range input; never UB
      PutBE(static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(pg))), 4, &out);
      return out;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t ts = v.timestamp_value();
      int64_t pg = ts;
      if (internal::IsFiniteTimestamp(ts) &&
          __builtin_sub_overflow(ts, internal::kPgEpochMicros, &pg)) {
        pg = internal::kTsNegInfinity;
      }
      PutBE(static_cast<uint64_t>(pg), 8, &out);
      return out;
    }
    case TypeId::kInterval:
      PutBE(static_cast<uint64_t>(v.timestamp_value()), 8, &out);
      PutBE(0, 4, &out);  // days
      PutBE(0, 4, &out);  // months
      return out;
    default:
      // Text types, BYTEA, unknown: the raw bytes.
      if (v.kind() == Value::Kind::kString || v.kind() == Value::Kind::kBytes) {
        return v.string_value();
      }
      return FormatText(v, type);
  }
}

absl::StatusOr<Value> ParseBinary(std::string_view b, const SqlType& type) {
  auto need = [&](size_t n) -> absl::Status {
    if (b.size() < n) return BinaryError("insufficient data left in message");
    if (b.size() > n) return BinaryError("incorrect binary data format");
    return absl::OkStatus();
  };
  switch (type.id) {
    case TypeId::kBool:
      RETURN_IF_ERROR(need(1));
      return Value::Bool(b[0] != 0);
    case TypeId::kInt2:
      RETURN_IF_ERROR(need(2));
      return Value::Int(static_cast<int16_t>(GetBE(b, 0, 2)));
    case TypeId::kInt4:
      RETURN_IF_ERROR(need(4));
      return Value::Int(static_cast<int32_t>(GetBE(b, 0, 4)));
    case TypeId::kOid:
    case TypeId::kRegclass:
      RETURN_IF_ERROR(need(4));
      return Value::Int(static_cast<int64_t>(GetBE(b, 0, 4)));
    case TypeId::kInt8:
      RETURN_IF_ERROR(need(8));
      return Value::Int(static_cast<int64_t>(GetBE(b, 0, 8)));
    case TypeId::kFloat4: {
      RETURN_IF_ERROR(need(4));
      uint32_t bits = static_cast<uint32_t>(GetBE(b, 0, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      return Value::Float(f);
    }
    case TypeId::kFloat8: {
      RETURN_IF_ERROR(need(8));
      uint64_t bits = GetBE(b, 0, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      return Value::Float(d);
    }
    case TypeId::kNumeric: {
      ASSIGN_OR_RETURN(Numeric n, NumericFromBinary(b));
      ASSIGN_OR_RETURN(n, n.Coerce(type.precision, type.scale));
      return Value::Decimal(n);
    }
    case TypeId::kDate: {
      RETURN_IF_ERROR(need(4));
      int32_t pg = static_cast<int32_t>(GetBE(b, 0, 4));
      if (!internal::IsFiniteDate(pg)) return Value::Date(pg);
      int64_t days = static_cast<int64_t>(pg) + internal::kPgEpochDays;
      if (!internal::DateInRange(days)) {
        return SqlError(absl::StatusCode::kOutOfRange, "22008", "date out of range");
      }
      return Value::Date(static_cast<int32_t>(days));
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      RETURN_IF_ERROR(need(8));
      int64_t pg = static_cast<int64_t>(GetBE(b, 0, 8));
      if (!internal::IsFiniteTimestamp(pg)) return Value::Timestamp(pg);
      int64_t ts;
      if (__builtin_add_overflow(pg, internal::kPgEpochMicros, &ts) ||
          !internal::TimestampInRange(ts)) {
        return SqlError(absl::StatusCode::kOutOfRange, "22008", "timestamp out of range");
      }
      return Value::Timestamp(ts);
    }
    case TypeId::kInterval: {
      RETURN_IF_ERROR(need(16));
      int64_t micros = static_cast<int64_t>(GetBE(b, 0, 8));
      int32_t days = static_cast<int32_t>(GetBE(b, 8, 4));
      int32_t months = static_cast<int32_t>(GetBE(b, 12, 4));
      if (months != 0) {
        return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                        "intervals with months are not supported");
      }
      int64_t total;
      if (__builtin_add_overflow(micros, static_cast<int64_t>(days) * kMicrosPerDay, &total)) {
        return SqlError(absl::StatusCode::kOutOfRange, "22008", "interval out of range");
      }
      return Value::Interval(total);
    }
    case TypeId::kBytea:
      return Value::Bytes(std::string(b));
    case TypeId::kUnknown:
    case TypeId::kText:
    case TypeId::kVarchar:
    case TypeId::kChar:
    case TypeId::kName: {
      if (!ValidUtf8(b)) {
        return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                        "invalid byte sequence for encoding \"UTF8\"");
      }
      ASSIGN_OR_RETURN(std::string s,
                       internal::ApplyStringTypmod(std::string(b), type, /*explicit_cast=*/false));
      return Value::String(std::move(s));
    }
    case TypeId::kArray:
      return SqlError(absl::StatusCode::kUnimplemented, "0A000", "arrays are not supported");
  }
  return SqlError(absl::StatusCode::kUnimplemented, "0A000", "unsupported binary type");
}

}  // namespace meridian::sql
