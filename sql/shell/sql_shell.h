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
// Connecting: through libpq (see connect_params.h for how the options, the PG* environment
// variables, services and Meridian's defaults combine). When the server asks for a
// password that libpq does not have (no --password, PGPASSWORD or .pgpass entry), the
// shell asks for one on the terminal, as psql does.
//
// Ctrl-C while a statement runs sends a cancel request; at the interactive prompt it
// discards the query buffer (the line being typed and any continuation lines before it)
// and shows a fresh prompt; in a non-interactive run with nothing running it ends the
// shell.
//
// Thread-safety: RunSqlShell owns the process's terminal and SIGINT handling while it runs;
// call it from one thread at a time.
#ifndef MERIDIAN_SQL_SHELL_SQL_SHELL_H_
#define MERIDIAN_SQL_SHELL_SQL_SHELL_H_

#include <string>
#include <vector>

namespace meridian::sql::shell {

struct SqlShellOptions {
  // Where to connect; empty (port 0) means "not given". `database` may also be a connection
  // URI ("postgres://user@host:port/db") or a conninfo string ("host=h port=p"), as psql's
  // dbname argument: its settings then win over the other fields. `host` names loopback by
  // default, for embedders whose server is local (`meridian demo`); `meridian sql` clears
  // it so that PGHOST and services apply.
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user;
  std::string database;
  std::string password;
  // Used for what is given neither above, nor by the PG* environment variables, nor by a
  // named service (PGSERVICE, service=): Meridian's defaults rather than libpq's (a Unix
  // socket, port 5432, the login name).
  std::string default_host = "127.0.0.1";
  int default_port = 26257;
  std::string default_user = "root";
  std::string default_database = "meridian";
  enum class PasswordPrompt {
    kIfNeeded,  // when the server asks for a password libpq does not have (psql's default)
    kAlways,    // before connecting (psql -W)
    kNever,     // never (psql -w): fail instead
  };
  PasswordPrompt password_prompt = PasswordPrompt::kIfNeeded;
  std::vector<std::string> commands;  // -c, run in order
  std::string file;                   // -f; "-" is standard input
  bool echo = false;                  // print each statement before running it (psql -e)
  int connect_timeout_seconds = 10;   // unless PGCONNECT_TIMEOUT or the conninfo says
};

// Runs the shell; returns the process exit status (0, 1 or 2, see above).
int RunSqlShell(const SqlShellOptions& options);

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_SQL_SHELL_H_
