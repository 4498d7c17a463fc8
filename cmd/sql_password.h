// Where `meridian start` takes the password that SQL clients must prove (SCRAM-SHA-256).
// A password on the command line is visible to every user through ps, so it can also come
// from a file or from the environment. Precedence:
//
//   1. --sql-password-file=PATH   the file's one line (a final newline is dropped)
//   2. --sql-password=PW          (1 and 2 together are an error: which one is meant?)
//   3. $MERIDIAN_SQL_PASSWORD     when neither flag is given
//   4. none of them               trust authentication (the empty string)
//
// The file must be a regular file that other users can neither read nor write (mode 0600
// or 0640 will do; 0644 is refused): a secret any local user can read protects nothing,
// and one they can write lets them pick it. An empty password from any source is an error
// rather than a silent fall back to trust.
//
// Thread-safety: stateless functions.
#ifndef MERIDIAN_CMD_SQL_PASSWORD_H_
#define MERIDIAN_CMD_SQL_PASSWORD_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace meridian::cmd {

inline constexpr char kSqlPasswordEnv[] = "MERIDIAN_SQL_PASSWORD";

struct SqlPasswordSources {
  std::optional<std::string> flag;  // --sql-password
  std::optional<std::string> file;  // --sql-password-file (the path)
  const char* env = nullptr;        // getenv(kSqlPasswordEnv)
};

// The password to require, or "" for trust. kInvalidArgument says what to fix.
absl::StatusOr<std::string> ResolveSqlPassword(const SqlPasswordSources& sources);

// The password in `path`, checked as described above.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path);

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_SQL_PASSWORD_H_
