// A minimal driver for the shell, used by the pty test and for trying the shell against a
// real PostgreSQL; the product entry point is `meridian sql` in cmd/.
//
//   meridian_sql_shell_main [--host=H] [--port=P] [--user=U] [--database=D]
//                           [--password=PW] [-c SQL]... [-f FILE] [-e]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sql/shell/sql_shell.h"

int main(int argc, char** argv) {
  meridian::sql::shell::SqlShellOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) -> const char* {
      if (arg.substr(0, flag.size()) == flag && arg.size() > flag.size() &&
          arg[flag.size()] == '=') {
        return argv[i] + flag.size() + 1;
      }
      return nullptr;
    };
    if (const char* v = value("--host")) {
      options.host = v;
    } else if (const char* v = value("--port")) {
      options.port = std::atoi(v);
    } else if (const char* v = value("--user")) {
      options.user = v;
    } else if (const char* v = value("--database")) {
      options.database = v;
    } else if (const char* v = value("--password")) {
      options.password = v;
    } else if (arg == "-c" && i + 1 < argc) {
      options.commands.push_back(argv[++i]);
    } else if (arg == "-f" && i + 1 < argc) {
      options.file = argv[++i];
    } else if (arg == "-e") {
      options.echo = true;
    } else {
      std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
      return 2;
    }
  }
  return meridian::sql::shell::RunSqlShell(options);
}
