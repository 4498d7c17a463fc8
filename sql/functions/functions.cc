#include "sql/functions/functions.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status.h"
#include "sql/catalog/pg_describe.h"
#include "sql/types/pg_format.h"
#include "sql/types/value_ops.h"
#include "storage/codec/key_codec.h"

namespace meridian::sql {
namespace {

using Args = absl::Span<const Value>;
using Types = std::vector<SqlType>;

absl::Status UndefinedFunction(std::string_view name, const Types& types) {
  std::string sig;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) sig += ", ";
    sig += types[i].id == TypeId::kUnknown ? "unknown" : types[i].ToString();
  }
  return SqlError(absl::StatusCode::kInvalidArgument, "42883",
                  absl::StrCat("function ", std::string(name), "(", sig, ") does not exist"));
}

// UTF-8 helpers: code point boundaries.
std::vector<size_t> CodePointStarts(const std::string& s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  return starts;
}

int64_t CharLength(const std::string& s) { return static_cast<int64_t>(CodePointStarts(s).size()); }

// Characters [from, from + count) (0-based, clamped); count < 0 = to the end.
std::string SubChars(const std::string& s, int64_t from, int64_t count) {
  std::vector<size_t> starts = CodePointStarts(s);
  int64_t n = static_cast<int64_t>(starts.size());
  int64_t begin = std::clamp<int64_t>(from, 0, n);
  int64_t end = count < 0 ? n : std::clamp<int64_t>(from + count, 0, n);
  if (end <= begin) return "";
  size_t b = starts[begin];
  size_t e = end == n ? s.size() : starts[end];
  return s.substr(b, e - b);
}

std::function<absl::StatusOr<SqlType>(Types&)> AllText(SqlType result) {
  return [result](Types& t) -> absl::StatusOr<SqlType> {
    for (auto& x : t) x = SqlType::Of(TypeId::kText);
    return result;
  };
}

std::function<absl::StatusOr<SqlType>(Types&)> Fixed(std::vector<SqlType> args, SqlType result) {
  return [args, result](Types& t) -> absl::StatusOr<SqlType> {
    for (size_t i = 0; i < t.size() && i < args.size(); ++i) t[i] = args[i];
    return result;
  };
}

// Unifies every argument to one common type, which is also the result type.
absl::StatusOr<SqlType> Unified(Types& t) {
  SqlType common = SqlType::Of(TypeId::kUnknown);
  for (const SqlType& x : t) {
    ASSIGN_OR_RETURN(common, CommonType(common, x));
  }
  if (common.id == TypeId::kUnknown) common = SqlType::Of(TypeId::kText);
  for (auto& x : t) x = common;
  return common;
}

SqlType Text() { return SqlType::Of(TypeId::kText); }
SqlType Int4() { return SqlType::Of(TypeId::kInt4); }
SqlType Int8() { return SqlType::Of(TypeId::kInt8); }
SqlType Bool() { return SqlType::Of(TypeId::kBool); }
SqlType Float8() { return SqlType::Of(TypeId::kFloat8); }

std::string TrimChars(const std::string& s, const std::string& chars, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e && chars.find(s[b]) != std::string::npos) ++b;
  }
  if (right) {
    while (e > b && chars.find(s[e - 1]) != std::string::npos) --e;
  }
  return s.substr(b, e - b);
}

absl::StatusOr<Value> NumericUnary(const Value& v, const SqlType& result, double (*fn)(double),
                                   int numeric_mode) {
  if (v.kind() == Value::Kind::kInt) return v;
  if (v.kind() == Value::Kind::kFloat) return Value::Float(fn(v.float_value()));
  // NUMERIC: round to an integer in the direction of numeric_mode (-1 floor, 1 ceil, 0 round).
  const Numeric& n = v.numeric_value();
  ASSIGN_OR_RETURN(Numeric r, n.Coerce(-1, 0));
  if (numeric_mode != 0 && !(r == n)) {
    bool went_up = r > n;
    if (numeric_mode < 0 && went_up) {
      ASSIGN_OR_RETURN(r, r.Sub(Numeric::FromInt(1)));
    }
    if (numeric_mode > 0 && !went_up) {
      ASSIGN_OR_RETURN(r, r.Add(Numeric::FromInt(1)));
    }
  }
  return Value::Decimal(r);
}

// format_type(type_oid, typmod) as PostgreSQL prints it: the type's SQL spelling with its
// modifiers, "-" for OID 0, "???" for an OID that is no type here. Without a typmod (NULL)
// bpchar is "character"; with typmod -1 it is "bpchar" (CHARACTER alone means CHARACTER(1)).
std::string FormatType(int64_t oid, std::optional<int64_t> typmod) {
  if (oid == 0) return "-";
  if (oid == 705) return "unknown";
  if (oid < 0 || oid > UINT32_MAX) return "???";
  uint32_t element = PgArrayElementOid(static_cast<uint32_t>(oid));
  std::optional<SqlType> type = SqlTypeFromPgOid(element != 0 ? element : oid);
  if (!type.has_value()) return "???";
  if (element == 0 && type->id == TypeId::kChar && !typmod.has_value()) return "character";
  if (typmod.has_value() && *typmod >= 4) {
    int64_t m = *typmod - 4;
    if (type->id == TypeId::kVarchar || type->id == TypeId::kChar) {
      type->precision = static_cast<int32_t>(m);
    } else if (type->id == TypeId::kNumeric) {
      type->precision = static_cast<int32_t>((m >> 16) & 0xFFFF);
      type->scale = static_cast<int32_t>(m & 0xFFFF);
    }
  }
  std::string name = type->ToString();
  return element != 0 ? name + "[]" : name;
}

// Resolves an array function: argument 0 must be an array; the others take `rest`.
std::function<absl::StatusOr<SqlType>(Types&)> ArrayArgs(const char* name,
                                                         std::vector<SqlType> rest,
                                                         SqlType result) {
  return [name, rest, result](Types& t) -> absl::StatusOr<SqlType> {
    if (t.empty() || t[0].id != TypeId::kArray) return UndefinedFunction(name, t);
    for (size_t i = 1; i < t.size() && i - 1 < rest.size(); ++i) t[i] = rest[i - 1];
    return result;
  };
}

absl::StatusOr<Value> ArraysUnsupported(Args, const SqlType&, EvalContext&) {
  return SqlError(absl::StatusCode::kUnimplemented, "0A000", "arrays are not supported");
}

// Which key spans a size function adds up, for a table (for an index: the index itself,
// except kSecondaryIndexes, which gives 0 as PostgreSQL's pg_indexes_size of an index does).
enum class RelationSpan { kItself, kSecondaryIndexes, kEverything };

absl::StatusOr<std::optional<int64_t>> RelationBytes(const std::vector<TablePtr>& tables,
                                                     int64_t oid, RelationSpan which,
                                                     EvalContext& ctx) {
  auto index_bytes = [&](const TableInfo& t, uint32_t index_id) {
    const std::string start = t.IndexPrefix(index_id);
    return ctx.StoredBytes(start, storage::PrefixEnd(start));
  };
  if (std::optional<IndexRef> index = FindIndexByOid(tables, oid); index.has_value()) {
    if (which == RelationSpan::kSecondaryIndexes) return int64_t{0};
    return index_bytes(*index->table, index->index->id());
  }
  const TableInfo* t = FindTableByOid(tables, oid);
  if (t == nullptr) return std::optional<int64_t>();
  int64_t bytes = 0;
  if (which != RelationSpan::kSecondaryIndexes) {
    ASSIGN_OR_RETURN(bytes, index_bytes(*t, kPrimaryIndexId));
  }
  if (which != RelationSpan::kItself) {
    for (const auto& index : t->desc().indexes()) {
      ASSIGN_OR_RETURN(int64_t b, index_bytes(*t, index.id()));
      bytes += b;
    }
  }
  return bytes;
}

// pg_size_pretty: bytes below 10 kB; then kB, MB, GB, TB (rounded half away from zero)
// while the value is below 20 * 1024 - 1 units, PB past the last.
std::string PrettySize(int64_t size) {
  struct Unit {
    const char* name;
    int64_t limit;
    bool round;
    int bits;
  };
  static constexpr Unit kUnits[] = {
      {"bytes", 10 * 1024, false, 0},  {"kB", 20 * 1024 - 1, true, 10},
      {"MB", 20 * 1024 - 1, true, 20}, {"GB", 20 * 1024 - 1, true, 30},
      {"TB", 20 * 1024 - 1, true, 40}, {"PB", 20 * 1024 - 1, true, 50}};
  constexpr size_t kCount = sizeof(kUnits) / sizeof(kUnits[0]);
  for (size_t i = 0;; ++i) {
    const Unit& u = kUnits[i];
    const bool last = i + 1 == kCount;
    if (last || (size > -u.limit && size < u.limit)) {
      if (u.round) size = (size + (size < 0 ? -1 : 1)) / 2;
      return absl::StrCat(size, " ", u.name);
    }
    const Unit& next = kUnits[i + 1];
    // Keep one extra bit while the next unit rounds, dropping it once rounded.
    const int bits = next.bits - u.bits - (next.round ? 1 : 0) + (u.round ? 1 : 0);
    size /= int64_t{1} << bits;
  }
}

std::map<std::string, FunctionDef, std::less<>> BuildRegistry() {
  std::map<std::string, FunctionDef, std::less<>> r;
  auto add = [&r](FunctionDef d) { r[d.name] = std::move(d); };

  // --- NULL handling and comparison
  add({"coalesce", 1, -1, Unified,
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         for (const Value& v : a) {
           if (!v.is_null()) return v;
         }
         return Value::Null();
       },
       false});
  add({"nullif", 2, 2,
       [](Types& t) -> absl::StatusOr<SqlType> {
         SqlType first = t[0];
         ASSIGN_OR_RETURN(SqlType common, Unified(t));
         return first.id == TypeId::kUnknown ? common : first;
       },
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         if (a[0].is_null()) return Value::Null();
         if (!a[1].is_null() && CompareValues(a[0], a[1]) == 0) return Value::Null();
         return a[0];
       },
       false});
  for (const char* name : {"greatest", "least"}) {
    bool greatest = std::string_view(name) == "greatest";
    add({name, 1, -1, Unified,
         [greatest](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
           Value best;
           for (const Value& v : a) {
             if (v.is_null()) continue;
             if (best.is_null() ||
                 (greatest ? CompareValues(v, best) > 0 : CompareValues(v, best) < 0)) {
               best = v;
             }
           }
           return best;
         },
         false});
  }

  // --- strings
  add({"lower", 1, 1, AllText(Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::String(absl::AsciiStrToLower(a[0].string_value()));
       }});
  add({"upper", 1, 1, AllText(Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::String(absl::AsciiStrToUpper(a[0].string_value()));
       }});
  for (const char* name : {"length", "char_length", "character_length"}) {
    add({name, 1, 1, AllText(Int4()),
         [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
           return Value::Int(CharLength(a[0].string_value()));
         }});
  }
  add({"octet_length", 1, 1, AllText(Int4()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::Int(static_cast<int64_t>(a[0].string_value().size()));
       }});
  for (const char* name : {"substr", "substring"}) {
    add({name, 2, 3, Fixed({Text(), Int8(), Int8()}, Text()),
         [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
           int64_t from = a[1].int_value();  // 1-based; may be <= 0
           if (a.size() == 2) return Value::String(SubChars(a[0].string_value(), from - 1, -1));
           int64_t count = a[2].int_value();
           if (count < 0) {
             return SqlError(absl::StatusCode::kInvalidArgument, "22011",
                             "negative substring length not allowed");
           }
           // Characters in [from, from + count) intersected with [1, len].
           int64_t start = std::max<int64_t>(from, 1);
           int64_t end = from + count;
           return Value::String(
               SubChars(a[0].string_value(), start - 1, std::max<int64_t>(0, end - start)));
         }});
  }
  add({"left", 2, 2, Fixed({Text(), Int8()}, Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         const std::string& s = a[0].string_value();
         int64_t n = a[1].int_value();
         if (n < 0) n = std::max<int64_t>(0, CharLength(s) + n);
         return Value::String(SubChars(s, 0, n));
       }});
  add({"right", 2, 2, Fixed({Text(), Int8()}, Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         const std::string& s = a[0].string_value();
         int64_t len = CharLength(s), n = a[1].int_value();
         int64_t keep = n < 0 ? std::max<int64_t>(0, len + n) : std::min(n, len);
         return Value::String(SubChars(s, len - keep, -1));
       }});
  add({"concat", 0, -1, AllText(Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         std::string out;
         for (const Value& v : a) {
           if (!v.is_null()) out += v.string_value();
         }
         return Value::String(std::move(out));
       },
       false});
  add({"replace", 3, 3, AllText(Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         if (a[1].string_value().empty()) return a[0];
         return Value::String(absl::StrReplaceAll(a[0].string_value(),
                                                  {{a[1].string_value(), a[2].string_value()}}));
       }});
  add({"strpos", 2, 2, AllText(Int4()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         size_t pos = a[0].string_value().find(a[1].string_value());
         if (pos == std::string::npos) return Value::Int(0);
         return Value::Int(CharLength(a[0].string_value().substr(0, pos)) + 1);
       }});
  add({"position", 2, 2, AllText(Int4()),  // position(sub IN s) is parsed as position(sub, s)
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         size_t pos = a[1].string_value().find(a[0].string_value());
         if (pos == std::string::npos) return Value::Int(0);
         return Value::Int(CharLength(a[1].string_value().substr(0, pos)) + 1);
       }});
  for (const char* name : {"trim", "btrim", "ltrim", "rtrim"}) {
    std::string n = name;
    bool left = n != "rtrim", right = n != "ltrim";
    add({name, 1, 2, AllText(Text()),
         [left, right](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
           std::string chars = a.size() > 1 ? a[1].string_value() : " ";
           return Value::String(TrimChars(a[0].string_value(), chars, left, right));
         }});
  }
  for (const char* name : {"lpad", "rpad"}) {
    bool left = std::string_view(name) == "lpad";
    add({name, 2, 3, Fixed({Text(), Int8(), Text()}, Text()),
         [left](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
           const std::string& s = a[0].string_value();
           int64_t len = std::min<int64_t>(a[1].int_value(), 10 << 20);
           std::string fill = a.size() > 2 ? a[2].string_value() : " ";
           int64_t have = CharLength(s);
           if (len <= have) return Value::String(SubChars(s, 0, std::max<int64_t>(len, 0)));
           if (fill.empty()) return Value::String(s);
           std::string pad;
           for (int64_t i = 0; i < len - have; ++i) pad += fill[i % fill.size()];
           return Value::String(left ? pad + s : s + pad);
         }});
  }
  add({"repeat", 2, 2, Fixed({Text(), Int8()}, Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         int64_t n = a[1].int_value();
         if (n <= 0) return Value::String("");
         if (static_cast<double>(a[0].string_value().size()) * n > (64 << 20)) {
           return SqlError(absl::StatusCode::kInvalidArgument, "54000",
                           "requested length too large");
         }
         std::string out;
         for (int64_t i = 0; i < n; ++i) out += a[0].string_value();
         return Value::String(std::move(out));
       }});
  add({"reverse", 1, 1, AllText(Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         const std::string& s = a[0].string_value();
         std::vector<size_t> starts = CodePointStarts(s);
         std::string out;
         for (size_t i = starts.size(); i-- > 0;) {
           size_t end = i + 1 < starts.size() ? starts[i + 1] : s.size();
           out += s.substr(starts[i], end - starts[i]);
         }
         return Value::String(std::move(out));
       }});

  // --- numbers
  add({"abs", 1, 1,
       [](Types& t) -> absl::StatusOr<SqlType> {
         if (t[0].id == TypeId::kUnknown) t[0] = SqlType::Of(TypeId::kFloat8);
         if (!t[0].is_numeric()) return UndefinedFunction("abs", t);
         return t[0];
       },
       [](Args a, const SqlType& type, EvalContext&) -> absl::StatusOr<Value> {
         if (CompareValues(a[0], Value::Int(0)) >= 0) return a[0];
         return Negate(a[0], type);
       }});
  struct Rounder {
    const char* name;
    double (*fn)(double);
    int mode;
  };
  for (Rounder r : {Rounder{"floor", std::floor, -1}, Rounder{"ceil", std::ceil, 1},
                    Rounder{"ceiling", std::ceil, 1}}) {
    add({r.name, 1, 1,
         [](Types& t) -> absl::StatusOr<SqlType> {
           if (t[0].id == TypeId::kUnknown) t[0] = SqlType::Of(TypeId::kFloat8);
           if (!t[0].is_numeric()) return UndefinedFunction("floor", t);
           if (t[0].is_integer()) return t[0];
           return t[0].id == TypeId::kNumeric ? SqlType::Numeric() : Float8();
         },
         [r](Args a, const SqlType& type, EvalContext&) -> absl::StatusOr<Value> {
           return NumericUnary(a[0], type, r.fn, r.mode);
         }});
  }
  add({"round", 1, 2,
       [](Types& t) -> absl::StatusOr<SqlType> {
         if (t[0].id == TypeId::kUnknown) t[0] = SqlType::Numeric();
         if (!t[0].is_numeric()) return UndefinedFunction("round", t);
         if (t.size() == 2) {
           t[0] = SqlType::Numeric();
           t[1] = Int4();
           return SqlType::Numeric();
         }
         if (t[0].is_integer()) t[0] = SqlType::Numeric();
         return t[0].id == TypeId::kNumeric ? SqlType::Numeric() : Float8();
       },
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         if (a[0].kind() == Value::Kind::kFloat)
           return Value::Float(std::nearbyint(a[0].float_value()));
         int64_t digits = a.size() > 1 ? a[1].int_value() : 0;
         digits = std::clamp<int64_t>(digits, 0, Numeric::kMaxDigits);
         ASSIGN_OR_RETURN(Numeric n, a[0].numeric_value().Coerce(-1, static_cast<int>(digits)));
         return Value::Decimal(n);
       }});
  add({"mod", 2, 2,
       [](Types& t) -> absl::StatusOr<SqlType> {
         return ArithResultType(ArithOp::kMod, t[0], t[1]);
       },
       [](Args a, const SqlType& type, EvalContext&) -> absl::StatusOr<Value> {
         return Arith(ArithOp::kMod, a[0], type, a[1], type);
       }});
  add({"sqrt", 1, 1, Fixed({Float8()}, Float8()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         if (a[0].float_value() < 0) {
           return SqlError(absl::StatusCode::kInvalidArgument, "2201F",
                           "cannot take square root of a negative number");
         }
         return Value::Float(std::sqrt(a[0].float_value()));
       }});
  add({"random", 0, 0, Fixed({}, Float8()),
       [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         return Value::Float(static_cast<double>(ctx.Random() >> 11) * 0x1.0p-53);
       },
       true, true});

  // --- time
  for (const char* name : {"now", "current_timestamp", "transaction_timestamp",
                           "statement_timestamp", "localtimestamp"}) {
    add({name, 0, 0, Fixed({}, SqlType::Of(TypeId::kTimestampTz)),
         [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
           return Value::Timestamp(ctx.StatementTimeMicros());
         },
         true, true});
  }
  add({"current_date", 0, 0, Fixed({}, SqlType::Of(TypeId::kDate)),
       [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         int64_t us = ctx.StatementTimeMicros();
         int64_t days = us / 86400000000LL - (us % 86400000000LL < 0 ? 1 : 0);
         return Value::Date(static_cast<int32_t>(days));
       },
       true, true});

  // --- session and catalog information
  add({"version", 0, 0, Fixed({}, Text()),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::String(
             "PostgreSQL 15.0 (Meridian 0.1, a geo-distributed SQL database) on "
             "x86_64-pc-linux-gnu");
       }});
  add({"current_database", 0, 0, Fixed({}, SqlType::Of(TypeId::kName)),
       [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         return Value::String(ctx.Database());
       }});
  add({"current_schema", 0, 0, Fixed({}, SqlType::Of(TypeId::kName)),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::String("public");
       }});
  for (const char* name : {"current_user", "session_user", "user", "current_role"}) {
    add({name, 0, 0, Fixed({}, SqlType::Of(TypeId::kName)),
         [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
           return Value::String(ctx.User());
         }});
  }
  add({"pg_sleep", 1, 1, Fixed({Float8()}, SqlType::Of(TypeId::kText)),
       [](Args a, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         RETURN_IF_ERROR(ctx.Sleep(a[0].float_value()));
         return Value::String("");
       },
       true, true});
  add({"pg_backend_pid", 0, 0, Fixed({}, Int4()),
       [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         return Value::Int(ctx.BackendPid());
       }});
  add({"unique_rowid", 0, 0, Fixed({}, Int8()),
       [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         return Value::Int(ctx.UniqueRowId());
       },
       true, true});
  add({"pg_table_is_visible", 1, 1, Fixed({SqlType::Of(TypeId::kOid)}, Bool()),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::Bool(true);
       }});
  add({"pg_get_userbyid", 1, 1, Fixed({SqlType::Of(TypeId::kOid)}, SqlType::Of(TypeId::kName)),
       [](Args, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         return Value::String(ctx.User());
       }});
  // pg_attrdef.adbin holds the expression's SQL text here, so "deparsing" returns it.
  add({"pg_get_expr", 2, 3, Fixed({Text(), SqlType::Of(TypeId::kOid), Bool()}, Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> { return a[0]; }});
  add({"pg_encoding_to_char", 1, 1, Fixed({Int4()}, SqlType::Of(TypeId::kName)),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::String("UTF8");
       }});
  add({"format_type", 2, 2, Fixed({SqlType::Of(TypeId::kOid), Int4()}, Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         if (a[0].is_null()) return Value::Null();
         std::optional<int64_t> typmod;
         if (!a[1].is_null()) typmod = a[1].int_value();
         return Value::String(FormatType(a[0].int_value(), typmod));
       },
       false});

  // Catalog functions: they read the descriptors through the statement's transaction, so
  // they are never constant-folded (volatile_) and never run at a range. An OID that names
  // no such object gives NULL, as in PostgreSQL.
  add({"pg_get_indexdef", 1, 3, Fixed({SqlType::Of(TypeId::kOid), Int4(), Bool()}, Text()),
       [](Args a, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         ASSIGN_OR_RETURN(std::vector<TablePtr> tables, ctx.Tables());
         std::optional<IndexRef> index = FindIndexByOid(tables, a[0].int_value());
         if (!index.has_value()) return Value::Null();
         int64_t column = a.size() > 1 ? a[1].int_value() : 0;
         if (column < 0 || column > index->index->column_ids_size()) return Value::String("");
         bool pretty = a.size() > 2 && a[2].bool_value();
         return Value::String(
             IndexDefinition(*index->table, *index->index, static_cast<int>(column), pretty));
       },
       true, true});
  add({"pg_get_constraintdef", 1, 2, Fixed({SqlType::Of(TypeId::kOid), Bool()}, Text()),
       [](Args a, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         ASSIGN_OR_RETURN(std::vector<TablePtr> tables, ctx.Tables());
         std::optional<IndexRef> c = FindConstraintByOid(tables, a[0].int_value());
         if (!c.has_value()) return Value::Null();
         return Value::String(ConstraintDefinition(*c->table, *c->index));
       },
       true, true});
  // Whether a relation could be added to a publication: an ordinary table. (Meridian has no
  // publications; psql asks while describing a table.)
  add({"pg_relation_is_publishable", 1, 1, Fixed({SqlType::Of(TypeId::kRegclass)}, Bool()),
       [](Args a, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
         ASSIGN_OR_RETURN(std::vector<TablePtr> tables, ctx.Tables());
         if (FindTableByOid(tables, a[0].int_value()) != nullptr) return Value::Bool(true);
         if (FindIndexByOid(tables, a[0].int_value()).has_value()) return Value::Bool(false);
         return Value::Null();
       },
       true, true});
  // Meridian has no extended statistics objects, so no OID names one.
  add({"pg_get_statisticsobjdef_columns", 1, 1, Fixed({SqlType::Of(TypeId::kOid)}, Text()),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> { return Value::Null(); }});

  // Sizes, from a scan of the relation's key span (keys plus values as stored, before
  // LevelDB's compression; one replica's worth). A table's primary index holds its rows, so
  // the table's size and its primary key index's size are the same bytes.
  auto size_of = [](const char* name, RelationSpan which) {
    return FunctionDef{name,
                       1,
                       2,
                       Fixed({SqlType::Of(TypeId::kRegclass), Text()}, Int8()),
                       [which](Args a, const SqlType&, EvalContext& ctx) -> absl::StatusOr<Value> {
                         ASSIGN_OR_RETURN(std::vector<TablePtr> tables, ctx.Tables());
                         std::optional<int64_t> bytes;
                         ASSIGN_OR_RETURN(bytes,
                                          RelationBytes(tables, a[0].int_value(), which, ctx));
                         return bytes.has_value() ? Value::Int(*bytes) : Value::Null();
                       },
                       true,
                       true};
  };
  add(size_of("pg_relation_size", RelationSpan::kItself));
  add(size_of("pg_table_size", RelationSpan::kItself));
  add(size_of("pg_indexes_size", RelationSpan::kSecondaryIndexes));
  add(size_of("pg_total_relation_size", RelationSpan::kEverything));
  add({"pg_size_pretty", 1, 1, Fixed({Int8()}, Text()),
       [](Args a, const SqlType&, EvalContext&) -> absl::StatusOr<Value> {
         return Value::String(PrettySize(a[0].int_value()));
       }});
  // Meridian has no COMMENT ON: no object has a description (pg_description is empty).
  add({"obj_description", 1, 2,
       Fixed({SqlType::Of(TypeId::kOid), SqlType::Of(TypeId::kName)}, Text()),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> { return Value::Null(); }});
  add({"col_description", 2, 2, Fixed({SqlType::Of(TypeId::kOid), Int4()}, Text()),
       [](Args, const SqlType&, EvalContext&) -> absl::StatusOr<Value> { return Value::Null(); }});

  // Array functions: arrays are only the type of a few always-empty pg_catalog columns, so
  // these take array arguments only (42883 otherwise, as PostgreSQL for a non-array) and
  // give NULL for a NULL array; a non-NULL array cannot occur and would fail with 0A000.
  add({"array_upper", 2, 2, ArrayArgs("array_upper", {Int4()}, Int4()), ArraysUnsupported});
  add({"array_lower", 2, 2, ArrayArgs("array_lower", {Int4()}, Int4()), ArraysUnsupported});
  add({"array_length", 2, 2, ArrayArgs("array_length", {Int4()}, Int4()), ArraysUnsupported});
  add({"cardinality", 1, 1, ArrayArgs("cardinality", {}, Int4()), ArraysUnsupported});
  add({"array_to_string", 2, 3, ArrayArgs("array_to_string", {Text(), Text()}, Text()),
       ArraysUnsupported});
  return r;
}

const std::map<std::string, FunctionDef, std::less<>>& Registry() {
  static const auto* registry =
      new std::map<std::string, FunctionDef, std::less<>>(BuildRegistry());
  return *registry;
}

}  // namespace

const FunctionDef* ArrayOperator(ArrayOp op) {
  // a op ANY|ALL (array): NULL when the array is NULL, whatever `a` is.
  static const FunctionDef* const kQuantified =
      new FunctionDef{"array_quantified",
                      2,
                      2,
                      nullptr,
                      [](Args a, const SqlType& t, EvalContext& ctx) -> absl::StatusOr<Value> {
                        if (a[1].is_null()) return Value::Null();
                        return ArraysUnsupported(a, t, ctx);
                      },
                      false,
                      true};
  // array[i] and array = array: NULL when an operand is NULL.
  static const FunctionDef* const kStrict =
      new FunctionDef{"array_operator", 2, 2, nullptr, ArraysUnsupported, true, true};
  return op == ArrayOp::kQuantified ? kQuantified : kStrict;
}

const FunctionDef* LookupFunction(std::string_view name) {
  auto it = Registry().find(name);
  return it == Registry().end() ? nullptr : &it->second;
}

absl::StatusOr<SqlType> AggregateResultType(std::string_view name, const SqlType& arg) {
  auto undefined = [&]() {
    return SqlError(
        absl::StatusCode::kInvalidArgument, "42883",
        absl::StrCat("function ", std::string(name), "(", arg.ToString(), ") does not exist"));
  };
  if (name == "count") return Int8();
  if (name == "string_agg") {
    if (!arg.is_string()) return undefined();
    return Text();
  }
  if (name == "min" || name == "max") return arg;
  if (name == "bool_and" || name == "bool_or" || name == "every") {
    if (arg.id != TypeId::kBool) return undefined();
    return Bool();
  }
  switch (arg.id) {
    case TypeId::kInt2:
    case TypeId::kInt4:
      return name == "sum" ? Int8() : SqlType::Numeric();
    case TypeId::kInt8:
    case TypeId::kNumeric:
      return SqlType::Numeric();
    case TypeId::kFloat4:
    case TypeId::kFloat8:
      return Float8();
    default:
      return undefined();
  }
}

}  // namespace meridian::sql
