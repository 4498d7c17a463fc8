#include "common/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace meridian {
namespace {
constexpr char kSqlStateUrl[] = "meridian/sqlstate";
constexpr char kPositionUrl[] = "meridian/position";
}  // namespace

absl::Status WithSqlState(absl::Status status, std::string_view sqlstate) {
  if (!status.ok()) status.SetPayload(kSqlStateUrl, absl::Cord(std::string(sqlstate)));
  return status;
}

std::optional<std::string> GetSqlState(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kSqlStateUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::Status SqlError(absl::StatusCode code, std::string_view sqlstate, std::string_view message) {
  return WithSqlState(absl::Status(code, std::string(message)), sqlstate);
}

absl::Status WithErrorPosition(absl::Status status, int position) {
  if (!status.ok()) status.SetPayload(kPositionUrl, absl::Cord(std::to_string(position)));
  return status;
}

std::optional<int> GetErrorPosition(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kPositionUrl);
  if (!payload.has_value()) return std::nullopt;
  int position = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &position)) return std::nullopt;
  return position;
}

}  // namespace meridian
