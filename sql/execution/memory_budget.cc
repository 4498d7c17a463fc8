#include "sql/execution/memory_budget.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace meridian::sql {

absl::Status MemoryBudget::Reserve(int64_t bytes) {
  if (limit_ > 0 && used_ + bytes > limit_) {
    return SqlError(
        absl::StatusCode::kResourceExhausted, "53200",
        absl::StrCat("statement needs more than its memory budget of ", FormatMemorySetting(limit_),
                     " (sorting, grouping, hashing or buffering rows); raise it with "
                     "SET statement_memory_limit, or make the statement read less"));
  }
  used_ += bytes;
  if (used_ > peak_) peak_ = used_;
  return absl::OkStatus();
}

void MemoryBudget::Release(int64_t bytes) { used_ -= bytes; }

absl::Status MemoryAccount::Grow(int64_t bytes) {
  if (budget_ == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(budget_->Reserve(bytes));
  held_ += bytes;
  return absl::OkStatus();
}

absl::Status MemoryAccount::AddRow(const std::vector<Value>& row) { return Grow(RowBytes(row)); }

void MemoryAccount::Clear() {
  if (budget_ != nullptr) budget_->Release(held_);
  held_ = 0;
}

int64_t RowBytes(const std::vector<Value>& row) {
  int64_t bytes = static_cast<int64_t>(sizeof(row) + row.capacity() * sizeof(Value));
  for (const Value& v : row) {
    if (v.kind() == Value::Kind::kString || v.kind() == Value::Kind::kBytes) {
      bytes += static_cast<int64_t>(v.string_value().capacity());
    }
  }
  return bytes;
}

std::string FormatMemorySetting(int64_t bytes) {
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {int64_t{1} << 40, "TB"}, {int64_t{1} << 30, "GB"}, {int64_t{1} << 20, "MB"}, {1024, "kB"}};
  for (const auto& [size, unit] : kUnits) {
    if (bytes >= size && bytes % size == 0) return absl::StrCat(bytes / size, unit);
  }
  return absl::StrCat(bytes, "B");
}

absl::StatusOr<int64_t> ParseMemorySetting(const std::string& text) {
  const std::string t(absl::StripAsciiWhitespace(text));
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  int64_t n = 0;
  const std::string unit(absl::StripAsciiWhitespace(t.substr(digits)));
  int64_t scale = 0;
  if (unit.empty() || unit == "kB") scale = 1024;
  if (unit == "B") scale = 1;
  if (unit == "MB") scale = int64_t{1} << 20;
  if (unit == "GB") scale = int64_t{1} << 30;
  if (unit == "TB") scale = int64_t{1} << 40;
  if (digits == 0 || scale == 0 || !absl::SimpleAtoi(t.substr(0, digits), &n) ||
      n > (int64_t{1} << 62) / scale) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22023",
                    absl::StrCat("invalid value for a memory setting: \"", text,
                                 "\" (a number with B, kB, MB, GB or TB; no unit means kB)"));
  }
  return n * scale;
}

}  // namespace meridian::sql
