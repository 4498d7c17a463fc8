// The real psql client (/usr/bin/psql) against PgServer and the fake backend.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "sql/pgwire/server.h"
#include "sql/pgwire/testing/fake_backend.h"

namespace meridian::sql {
namespace {

using pgwire::testing::FakeBackend;

constexpr char kPsql[] = "/usr/bin/psql";

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult RunCommand(const std::string& command) {
  RunResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class PgwirePsqlTest : public ::testing::Test {
 protected:
  void Start(PgServerOptions options) {
    if (access(kPsql, X_OK) != 0) GTEST_SKIP() << "psql is not installed";
    auto server = PgServer::Start(std::move(options), &backend_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  std::string Conninfo() const {
    return absl::StrCat("host=127.0.0.1 port=", server_->port(),
                        " user=u dbname=d sslmode=prefer connect_timeout=10");
  }

  RunResult Psql(const std::string& args, const std::string& env = "") {
    // PGPASSWORD unset unless given; no ~/.psqlrc; bounded in time.
    return RunCommand(absl::StrCat("env -u PGPASSWORD PGCONNECT_TIMEOUT=10 ", env, " timeout 60 ",
                                   kPsql, " -X \"", Conninfo(), "\" ", args));
  }

  FakeBackend backend_;
  std::unique_ptr<PgServer> server_;
};

TEST_F(PgwirePsqlTest, QueriesTablesAndErrors) {
  Start(PgServerOptions());
  backend_.Put("alpha", "1");
  backend_.Put("beta", "2");

  RunResult r = Psql("-At -c \"SELECT * FROM kv\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "alpha|1\nbeta|2\n");

  r = Psql("-c \"SELECT 1\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("?column?"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(1 row)"), std::string::npos) << r.output;

  r = Psql("-c \"INSERT INTO kv VALUES ('gamma', '3')\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "INSERT 0 1\n");
  EXPECT_EQ(backend_.Snapshot().at("gamma"), "3");

  r = Psql("-c \"SELECT boom\"");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("ERROR:  column \"boom\" does not exist"), std::string::npos) << r.output;

  r = Psql("-c \"DROP TABLE IF EXISTS nothing\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("NOTICE:  table \"nothing\" does not exist, skipping"), std::string::npos)
      << r.output;
}

TEST_F(PgwirePsqlTest, CopyInAndOut) {
  Start(PgServerOptions());
  const std::string input = ::testing::TempDir() + "/pgwire_copy_in.tsv";
  {
    std::ofstream f(input);
    f << "k1\tv1\nk2\tv2\n";
  }
  RunResult r = Psql("-c \"COPY kv FROM STDIN\" < " + input);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "COPY 2\n");
  r = Psql("-c \"COPY kv TO STDOUT\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "k1\tv1\nk2\tv2\n");
}

TEST_F(PgwirePsqlTest, ScramPassword) {
  PgServerOptions options;
  options.password = "hunter2";
  Start(options);
  RunResult r = Psql("-At -c \"SELECT 1\"", "PGPASSWORD=hunter2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1\n");

  r = Psql("-At -c \"SELECT 1\"", "PGPASSWORD=wrong");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("password authentication failed for user \"u\""), std::string::npos)
      << r.output;

  // psql with -w refuses to prompt when no password is given.
  r = Psql("-w -At -c \"SELECT 1\"");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace meridian::sql
