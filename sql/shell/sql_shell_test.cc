// The shell over libpq, in-process, against Meridian's wire server over a fake backend:
// what it prints for -c and -f runs, its exit status, and how it connects (flags, URIs,
// passwords). Its interactive side (prompts, line editing, Ctrl-C) is covered by
// tests/clients/shell_pty_test.sh in a pseudo-terminal.
#include "sql/shell/sql_shell.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/testing/scoped_env.h"
#include "gtest/gtest.h"
#include "sql/pgwire/server.h"
#include "sql/pgwire/testing/fake_backend.h"

namespace meridian::sql::shell {
namespace {

using pgwire::testing::FakeBackend;

using ::meridian::testing::ScopedEnv;

struct ShellRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class SqlShellTest : public ::testing::Test {
 protected:
  void Start(PgServerOptions options = PgServerOptions()) {
    auto server = PgServer::Start(std::move(options), &backend_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // Options naming the server, as `meridian sql -h 127.0.0.1 -p PORT -U u -d d` would.
  SqlShellOptions Options() const {
    SqlShellOptions options;
    options.host = "127.0.0.1";
    options.port = server_->port();
    options.user = "u";
    options.database = "d";
    options.password_prompt = SqlShellOptions::PasswordPrompt::kNever;
    return options;
  }

  static ShellRun Run(const SqlShellOptions& options) {
    ShellRun run;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    run.exit_code = RunSqlShell(options);
    run.out = ::testing::internal::GetCapturedStdout();
    run.err = ::testing::internal::GetCapturedStderr();
    return run;
  }

  // Keeps the developer's own libpq settings out of the tests.
  ScopedEnv no_password_{"PGPASSWORD", std::nullopt};
  ScopedEnv no_passfile_{"PGPASSFILE", "/nonexistent/pgpass"};
  ScopedEnv no_service_{"PGSERVICE", std::nullopt};
  ScopedEnv no_sslmode_{"PGSSLMODE", "disable"};
  FakeBackend backend_;  // outlives the server
  std::unique_ptr<PgServer> server_;
};

TEST_F(SqlShellTest, CommandsPrintAsPsqlDoes) {
  Start();
  backend_.Put("alpha", "1");
  backend_.Put("beta", "2");
  SqlShellOptions options = Options();
  options.commands = {"SELECT * FROM kv; SELECT * FROM generate_series(1,2)",
                      "INSERT INTO kv VALUES ('gamma', '3')"};
  const ShellRun run = Run(options);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "   k   | v \n"
            "-------+---\n"
            " alpha | 1\n"
            " beta  | 2\n"
            "(2 rows)\n"
            "\n"
            " generate_series \n"
            "-----------------\n"
            "               1\n"
            "               2\n"
            "(2 rows)\n"
            "\n"
            "INSERT 0 1\n");
  EXPECT_EQ(run.err, "");
}

TEST_F(SqlShellTest, ErrorsShowSqlStateAndPositionAndSetTheExitStatus) {
  Start();
  SqlShellOptions options = Options();
  options.commands = {"SELECT boom", "SELECT 1"};
  const ShellRun run = Run(options);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "ERROR:  42703: column \"boom\" does not exist\n"
            "LINE 1: SELECT boom\n"
            "               ^\n");
  // The statements after an error still run, as in psql.
  EXPECT_NE(run.out.find("(1 row)"), std::string::npos) << run.out;
}

TEST_F(SqlShellTest, NoticesGoToStderr) {
  Start();
  SqlShellOptions options = Options();
  options.commands = {"DROP TABLE IF EXISTS nothing"};
  const ShellRun run = Run(options);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "NOTICE:  table \"nothing\" does not exist, skipping\n");
  EXPECT_EQ(run.out, "DROP TABLE\n");
}

TEST_F(SqlShellTest, FileWithCopyFromStdin) {
  Start();
  const std::string path = ::testing::TempDir() + "/sql_shell_test_copy.sql";
  {
    std::ofstream f(path);
    f << "COPY kv FROM STDIN;\nk1\tv1\nk2\tv2\n\\.\nSELECT * FROM kv;\n";
  }
  SqlShellOptions options = Options();
  options.file = path;
  options.echo = true;
  const ShellRun run = Run(options);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("COPY kv FROM STDIN\nCOPY 2\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(" k2 | v2\n"), std::string::npos) << run.out;
  EXPECT_EQ(backend_.Snapshot().size(), 2u);
}

TEST_F(SqlShellTest, ConnectsWithAUriAndReportsTheConnection) {
  Start();
  SqlShellOptions options;
  options.host.clear();
  options.database = absl::StrCat("postgres://u@127.0.0.1:", server_->port(), "/d");
  options.commands = {"\\conninfo"};
  const ShellRun run = Run(options);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, absl::StrCat("You are connected to database \"d\" as user \"u\" on host "
                                  "\"127.0.0.1\" at port \"",
                                  server_->port(), "\".\n"));
  // The same with a conninfo string, and with the environment.
  options.database = absl::StrCat("host=127.0.0.1 port=", server_->port(), " user=u dbname=d");
  EXPECT_EQ(Run(options).out, run.out);
  ScopedEnv host("PGHOST", "127.0.0.1");
  ScopedEnv port("PGPORT", std::to_string(server_->port()));
  ScopedEnv user("PGUSER", "u");
  ScopedEnv database("PGDATABASE", "d");
  options.database.clear();
  EXPECT_EQ(Run(options).out, run.out);
}

TEST_F(SqlShellTest, PasswordsFromFlagsUrisAndTheEnvironment) {
  PgServerOptions server_options;
  server_options.password = "hunter2";
  Start(server_options);
  SqlShellOptions options = Options();
  options.commands = {"SELECT 1"};

  ShellRun run = Run(options);  // none given, and no prompting
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err.rfind("meridian sql: error: connection to server at \"127.0.0.1\"", 0), 0u)
      << run.err;
  EXPECT_NE(run.err.find("no password supplied"), std::string::npos) << run.err;

  options.password = "wrong";
  run = Run(options);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("password authentication failed for user \"u\""), std::string::npos)
      << run.err;

  options.password = "hunter2";
  EXPECT_EQ(Run(options).exit_code, 0);

  options.password.clear();
  {
    ScopedEnv password("PGPASSWORD", "hunter2");
    EXPECT_EQ(Run(options).exit_code, 0);
  }
  options.database = absl::StrCat("postgres://u:hunter2@127.0.0.1:", server_->port(), "/d");
  EXPECT_EQ(Run(options).exit_code, 0);
}

TEST_F(SqlShellTest, UnreachableServerExits2) {
  Start();
  SqlShellOptions options = Options();
  options.port = 1;  // nothing listens on port 1 of loopback
  options.commands = {"SELECT 1"};
  const ShellRun run = Run(options);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("Connection refused"), std::string::npos) << run.err;

  options = Options();
  options.database = "host=h port";
  const ShellRun bad = Run(options);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("invalid connection string"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace meridian::sql::shell
