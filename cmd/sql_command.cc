#include "cmd/sql_command.h"

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "sql/shell/sql_shell.h"

namespace meridian::cmd {
namespace {

constexpr char kSqlUsage[] = R"(usage: meridian sql [--host=H] [--port=P] [--user=U] [--database=D]
                    [--password=PW] [-c SQL]... [-f FILE] [-e]
Connects to a Meridian node's PostgreSQL port (default 127.0.0.1:26257) and runs a psql-like
shell: statements end at ';', \? lists the meta-commands (\d, \dt, \d TABLE, \x, \timing,
\q). With -c or -f, or with statements piped to stdin, it runs them and exits: status 0 if
all succeeded, 1 if any failed, 2 if it could not connect. The password may also come from
$PGPASSWORD.
)";

}  // namespace

int SqlCommand(int argc, char** argv) {
  sql::shell::SqlShellOptions o;
  o.port = 26257;
  o.user = "root";
  o.database = "meridian";
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
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
      if (!absl::SimpleAtoi(v, &o.port) || o.port <= 0 || o.port > 65535) {
        std::fprintf(stderr, "meridian sql: bad --port %s\n\n%s", v.c_str(), kSqlUsage);
        return 2;
      }
      continue;
    }
    if ((arg == "-c" || arg == "-f" || arg == "-U" || arg == "-d" || arg == "-h" || arg == "-p") &&
        i + 1 < argc) {
      std::string next = argv[++i];
      if (arg == "-c") o.commands.push_back(next);
      if (arg == "-f") o.file = next;
      if (arg == "-U") o.user = next;
      if (arg == "-d") o.database = next;
      if (arg == "-h") o.host = next;
      if (arg == "-p" && (!absl::SimpleAtoi(next, &o.port) || o.port <= 0 || o.port > 65535)) {
        std::fprintf(stderr, "meridian sql: bad port %s\n", next.c_str());
        return 2;
      }
      continue;
    }
    if (arg == "-e") {
      o.echo = true;
      continue;
    }
    if (arg == "--help") {
      std::fputs(kSqlUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "meridian sql: unknown argument %s\n\n%s", arg.c_str(), kSqlUsage);
    return 2;
  }
  return sql::shell::RunSqlShell(o);
}

}  // namespace meridian::cmd
