// The libpq connection parameters `meridian sql` connects with, from its options, the
// environment and Meridian's defaults. The precedence is psql's, with Meridian's defaults
// in place of libpq's at the bottom:
//
//   1. a connection URI or conninfo string given as the database (its settings win)
//   2. the flags (--host, --port, --user, --database, --password)
//   3. a named service (service= in the string, or PGSERVICE): libpq fills in from it
//   4. the PG* environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...): libpq
//   5. for host, port, user and database, only when no service is named: Meridian's
//      defaults (127.0.0.1, 26257, root, meridian) rather than libpq's (a Unix socket,
//      5432, the login name). A service names its own server; what it leaves out takes
//      libpq's defaults, as in psql.
//
// Passwords: --password, then a password in the string, then libpq's PGPASSWORD and
// .pgpass (PGPASSFILE); the shell prompts when the server asks and none of them has one.
//
// Thread-safety: stateless functions.
#ifndef MERIDIAN_SQL_SHELL_CONNECT_PARAMS_H_
#define MERIDIAN_SQL_SHELL_CONNECT_PARAMS_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/shell/sql_shell.h"

namespace meridian::sql::shell {

// Reads an environment variable; nullopt when unset. (std::getenv in the shell; a map in
// tests.)
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The keyword/value pairs for PgConnectOptions::params (no duplicates, no empty values).
// InvalidArgument (08001) when `options.database` is a connection string that does not
// parse.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ShellConnectParams(
    const SqlShellOptions& options, const EnvLookup& env);

// The user a password prompt names before connecting (psql -W): the user the parameters
// or PGUSER give, else empty (the prompt then says just "Password: ").
std::string PromptUser(const std::vector<std::pair<std::string, std::string>>& params,
                       const EnvLookup& env);

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_CONNECT_PARAMS_H_
