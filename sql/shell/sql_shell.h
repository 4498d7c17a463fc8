// `meridian sql`: a psql-like interactive SQL shell over the PostgreSQL wire protocol.
//
// Input, in this order: every `commands` string (-c, each split into statements at ';'),
// then `file` (-f); with neither, standard input: an interactive session with line editing
// and history (~/.meridian_sql_history) when stdin and stdout are terminals, otherwise a
// script read to its end. Statements end at a top-level ';' (see StatementSplitter); an
// unterminated statement at the end of a -c string, a file or piped input still runs.
//
// Output follows psql's defaults (see result_format.h). Errors always show the SQLSTATE:
//   ERROR:  42P01: relation "x" does not exist
//   LINE 1: SELECT * FROM x
//                         ^
// Prompts: "meridian=> ", "meridian-> " on continuation lines ("'", "\"", "$", "*", "("
// instead of '-' inside a string, identifier, dollar quote, comment or parentheses), with
// '*' added in a transaction block and '!' in a failed one ("meridian=*> ", "meridian=!> ").
//
// Meta-commands (a line starting with '\'): \q quit, \? help, \x [on|off] expanded output,
// \timing [on|off], \dt [NAME] tables, \d [NAME] relations or one relation's columns and
// indexes, \conninfo, \r reset the query buffer. "COPY ... FROM STDIN" reads the data
// that follows (up to a line "\.") from the same input (from stdin for -c).
//
// Exit status: 0 when everything succeeded; 1 when any statement or meta-command failed
// in a non-interactive run (-c, -f or piped stdin). Unlike psql (which exits 0 unless
// ON_ERROR_STOP is set) this lets scripts detect errors, while still running the
// remaining statements after an error, as psql does. An interactive session exits 0. 2 when
// the connection cannot be made or is lost.
//
// Ctrl-C while a statement runs sends a cancel request; at the interactive prompt it is
// ignored; in a non-interactive run with nothing running it ends the shell.
//
// Thread-safety: RunSqlShell owns the process's terminal and SIGINT handling while it runs;
// call it from one thread at a time.
#ifndef MERIDIAN_SQL_SHELL_SQL_SHELL_H_
#define MERIDIAN_SQL_SHELL_SQL_SHELL_H_

#include <string>
#include <vector>

namespace meridian::sql::shell {

struct SqlShellOptions {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string user;                   // empty: $USER, else "meridian"
  std::string database;               // empty: the server's default (the user name)
  std::string password;               // empty: $PGPASSWORD if set
  std::vector<std::string> commands;  // -c, run in order
  std::string file;                   // -f; "-" is standard input
  bool echo = false;                  // print each statement before running it (psql -e)
  int connect_timeout_seconds = 10;
};

// Runs the shell; returns the process exit status (0, 1 or 2, see above).
int RunSqlShell(const SqlShellOptions& options);

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_SQL_SHELL_H_
