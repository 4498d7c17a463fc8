#include "cmd/sql_command.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "sql/shell/sql_shell.h"

namespace meridian::cmd {
namespace {

constexpr char kSqlUsage[] =
    R"(usage: meridian sql [OPTION]... [DBNAME | CONNSTRING [USER]]
Connects to a Meridian node's PostgreSQL port (or any PostgreSQL server) through libpq and
runs a psql-like shell: statements end at ';', \? lists the meta-commands (\d, \dt,
\d TABLE, \x, \timing, \conninfo, \q). With -c or -f, or with statements piped to stdin, it
runs them and exits: status 0 if all succeeded, 1 if any failed, 2 if it could not connect.

Where to connect, as psql takes it:
  CONNSTRING           a URI, postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?sslmode=...],
                       or a conninfo string, "host=HOST port=PORT dbname=DBNAME ..."
                       (its settings win over the options below)
  -h, --host=HOST      server address
  -p, --port=PORT      server port
  -U, --user=USER      user name
  -d, --database=NAME  database name (or a CONNSTRING)
  --password=PW        password
  -W                   prompt for the password before connecting
  -w                   never prompt for a password (fail instead)
The PG* environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE,
PGSSLMODE, ...), service files and ~/.pgpass work as in psql. Without them the shell
connects to 127.0.0.1:26257 as user root, database meridian. When the server asks for a
password and none is known, the shell prompts for it.

Input and output:
  -c SQL               run SQL (repeatable; in order)
  -f FILE              run the statements in FILE ("-" is stdin)
  -e                   echo each statement before running it
)";

int BadUsage(const std::string& message) {
  std::fprintf(stderr, "meridian sql: %s\n\n%s", message.c_str(), kSqlUsage);
  return 2;
}

bool ParsePort(const std::string& text, int* port) {
  return absl::SimpleAtoi(text, port) && *port > 0 && *port <= 65535;
}

}  // namespace

int SqlCommand(int argc, char** argv) {
  sql::shell::SqlShellOptions o;
  o.host.clear();  // not given: PGHOST, a service or the default decides
  std::vector<std::string> positional;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const std::string& flag, std::string* out) {
      if (arg.rfind(flag + "=", 0) == 0) {
        *out = arg.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    std::string v;
    if (value("--host", &o.host) || value("--user", &o.user) || value("--database", &o.database) ||
        value("--password", &o.password)) {
      continue;
    }
    if (value("--port", &v)) {
      if (!ParsePort(v, &o.port)) return BadUsage("bad --port " + v);
      continue;
    }
    if (arg == "-c" || arg == "-f" || arg == "-U" || arg == "-d" || arg == "-h" || arg == "-p") {
      if (i + 1 >= argc) return BadUsage(arg + " needs a value");
      const std::string next = argv[++i];
      if (arg == "-c") o.commands.push_back(next);
      if (arg == "-f") o.file = next;
      if (arg == "-U") o.user = next;
      if (arg == "-d") o.database = next;
      if (arg == "-h") o.host = next;
      if (arg == "-p" && !ParsePort(next, &o.port)) return BadUsage("bad port " + next);
      continue;
    }
    if (arg == "-e") {
      o.echo = true;
      continue;
    }
    if (arg == "-W" || arg == "-w") {
      o.password_prompt = arg == "-W" ? sql::shell::SqlShellOptions::PasswordPrompt::kAlways
                                      : sql::shell::SqlShellOptions::PasswordPrompt::kNever;
      continue;
    }
    if (arg == "--help") {
      std::fputs(kSqlUsage, stdout);
      return 0;
    }
    if (!arg.empty() && arg[0] == '-') return BadUsage("unknown argument " + arg);
    positional.push_back(arg);
  }
  // As in psql: the first argument is the database (or a connection string) unless -d gave
  // one, and the next is the user.
  for (const std::string& arg : positional) {
    if (o.database.empty()) {
      o.database = arg;
    } else if (o.user.empty()) {
      o.user = arg;
    } else {
      return BadUsage("extra argument " + arg);
    }
  }
  return sql::shell::RunSqlShell(o);
}

}  // namespace meridian::cmd
