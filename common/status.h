// Status helpers shared by every layer.
//
// Debian's Abseil (20220623) predates ABSL_RETURN_IF_ERROR, so Meridian keeps one small
// local pair of macros here. Status codes carry meaning across the project:
//   kAborted            the transaction must restart (maps to SQLSTATE 40001)
//   kUnavailable        retry the call (not leader, lease moved)
//   kFailedPrecondition the caller must fix state first
//   kInvalidArgument    bad input from a user
//   kDataLoss           persisted bytes are corrupt
// A SQLSTATE travels as a payload (see WithSqlState) up to the wire layer.
//
// Thread-safety: everything here is stateless.
#ifndef MERIDIAN_COMMON_STATUS_H_
#define MERIDIAN_COMMON_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MERIDIAN_STATUS_CONCAT_INNER_(a, b) a##b
#define MERIDIAN_STATUS_CONCAT_(a, b) MERIDIAN_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status meridian_status_ = (expr);            \
    if (!meridian_status_.ok()) return meridian_status_; \
  } while (false)

// ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (an absl::StatusOr<T>); on error returns the
// status from the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, expr) \
  MERIDIAN_ASSIGN_OR_RETURN_IMPL_(MERIDIAN_STATUS_CONCAT_(meridian_statusor_, __LINE__), lhs, expr)

#define MERIDIAN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

namespace meridian {

// Attaches a PostgreSQL SQLSTATE (five characters, e.g. "40001") to `status`.
absl::Status WithSqlState(absl::Status status, std::string_view sqlstate);

// The SQLSTATE attached to `status`, if any.
std::optional<std::string> GetSqlState(const absl::Status& status);

// Shorthand: a status with `code`, `message` and `sqlstate`.
absl::Status SqlError(absl::StatusCode code, std::string_view sqlstate, std::string_view message);

// Attaches the 1-based character position in the query text an error refers to (the wire
// protocol's 'P' field).
absl::Status WithErrorPosition(absl::Status status, int position);
std::optional<int> GetErrorPosition(const absl::Status& status);

}  // namespace meridian

#endif  // MERIDIAN_COMMON_STATUS_H_
