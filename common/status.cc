#include "common/status.h"

#include "absl/strings/cord.h"

namespace meridian {
namespace {
constexpr char kSqlStateUrl[] = "meridian/sqlstate";
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

}  // namespace meridian
