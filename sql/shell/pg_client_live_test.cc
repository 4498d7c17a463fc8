// PgConnection against a real PostgreSQL server. Not registered with ctest (CI runs no
// PostgreSQL); run by hand:
//
//   MERIDIAN_PG_PORT=5498 build-shell/sql/shell/sql_shell_pg_live_test
//
// Optional variables: MERIDIAN_PG_HOST (127.0.0.1), MERIDIAN_PG_USER (postgres),
// MERIDIAN_PG_SCRAM_USER + MERIDIAN_PG_SCRAM_PASSWORD, MERIDIAN_PG_PASSWORD_USER +
// MERIDIAN_PG_PASSWORD_PASSWORD.
//
// The SCRAM and cleartext tests need users set up that way in pg_hba.conf (scram-sha-256 and
// password methods on host 127.0.0.1); they are skipped when their variables are unset.
// Without MERIDIAN_PG_PORT every test is skipped.
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "sql/shell/pg_client.h"

namespace meridian::sql::shell {
namespace {

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

class PgLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("MERIDIAN_PG_PORT").empty()) GTEST_SKIP() << "MERIDIAN_PG_PORT not set";
  }
  PgConnectOptions Options() const {
    PgConnectOptions options;
    options.host = Env("MERIDIAN_PG_HOST", "127.0.0.1");
    options.port = std::atoi(Env("MERIDIAN_PG_PORT").c_str());
    options.user = Env("MERIDIAN_PG_USER", "postgres");
    return options;
  }
  std::unique_ptr<PgConnection> MustConnect() {
    auto conn = PgConnection::Connect(Options());
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? std::move(*conn) : nullptr;
  }
};

TEST_F(PgLiveTest, QueryTypesNullsTagsAndTransactionStatus) {
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  EXPECT_FALSE(conn->parameter("server_version").empty());
  auto results = conn->Query(
      "DROP TABLE IF EXISTS live_t; CREATE TABLE live_t (id int PRIMARY KEY, name text);"
      "INSERT INTO live_t VALUES (1, 'ü'), (2, NULL); SELECT id, name FROM live_t ORDER BY id");
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[1].command_tag, "CREATE TABLE");
  EXPECT_EQ((*results)[2].command_tag, "INSERT 0 2");
  const PgResult& select = (*results)[3];
  EXPECT_EQ(select.command_tag, "SELECT 2");
  EXPECT_EQ(select.columns[0].type_oid, kInt4Oid);
  EXPECT_EQ(select.rows[0][1], "ü");
  EXPECT_EQ(select.rows[1][1], std::nullopt);

  ASSERT_TRUE(conn->Query("BEGIN").ok());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kInTransaction);
  EXPECT_FALSE(conn->Query("SELECT 1/0").ok());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kFailed);
  ASSERT_TRUE(conn->Query("ROLLBACK").ok());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kIdle);
}

TEST_F(PgLiveTest, ErrorsCarrySqlStateAndPosition) {
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  auto r = conn->Query("SELECT * FROM no_such_table_x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "42P01");
  EXPECT_EQ(GetErrorPosition(r.status()), 15);
  EXPECT_EQ(r.status().message(), "relation \"no_such_table_x\" does not exist");
  auto syntax = conn->Query("SELEC 1");
  EXPECT_EQ(GetSqlState(syntax.status()), "42601");
  // Notices are collected with the result.
  auto notice = conn->Query("DROP TABLE IF EXISTS surely_not_here");
  ASSERT_TRUE(notice.ok());
  ASSERT_EQ(notice->size(), 1u);
  ASSERT_EQ((*notice)[0].notices.size(), 1u);
  EXPECT_EQ((*notice)[0].notices[0].severity, "NOTICE");
}

TEST_F(PgLiveTest, QueryParams) {
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  auto r = conn->QueryParams("SELECT $1::int + 1 AS n, $2::text IS NULL AS isnull, $3::text",
                             {"41", std::nullopt, "it's"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows.at(0).at(0), "42");
  EXPECT_EQ(r->rows[0][1], "t");
  EXPECT_EQ(r->rows[0][2], "it's");
  EXPECT_EQ(r->command_tag, "SELECT 1");
  auto bad = conn->QueryParams("SELECT $1::int", {"x"});
  EXPECT_EQ(GetSqlState(bad.status()), "22P02");
  // The connection is still in sync afterwards.
  auto again = conn->QueryParams("SELECT 7", {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->rows[0][0], "7");
}

TEST_F(PgLiveTest, CopyInAndOut) {
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(
      conn->Query("DROP TABLE IF EXISTS live_copy; CREATE TABLE live_copy (a int, b text)").ok());
  auto in = conn->CopyIn("COPY live_copy FROM STDIN", "1\tone\n2\t\\N\n");
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->command_tag, "COPY 2");
  auto out = conn->CopyOut("COPY (SELECT * FROM live_copy ORDER BY a) TO STDOUT");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "1\tone\n2\t\\N\n");
  auto bad = conn->CopyIn("COPY live_copy FROM STDIN", "x\ty\n");
  EXPECT_EQ(GetSqlState(bad.status()), "22P02");
  // COPY FROM STDIN through Query is refused cleanly.
  auto refused = conn->Query("COPY live_copy FROM STDIN");
  EXPECT_EQ(GetSqlState(refused.status()), "57014");
  EXPECT_TRUE(conn->Query("SELECT 1").ok());
}

TEST_F(PgLiveTest, CancelInterruptsASleep) {
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_TRUE(conn->Cancel().ok());
  });
  const absl::Time start = absl::Now();
  auto r = conn->Query("SELECT pg_sleep(20)");
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "57014");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_TRUE(conn->Query("SELECT 1").ok());
}

TEST_F(PgLiveTest, ScramSha256) {
  if (Env("MERIDIAN_PG_SCRAM_USER").empty()) GTEST_SKIP() << "no SCRAM user";
  PgConnectOptions options = Options();
  options.user = Env("MERIDIAN_PG_SCRAM_USER");
  options.password = Env("MERIDIAN_PG_SCRAM_PASSWORD");
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto r = (*conn)->Query("SELECT current_user");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].rows[0][0], options.user);
  options.password = "wrong";
  auto bad = PgConnection::Connect(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(GetSqlState(bad.status()), "28P01");
}

TEST_F(PgLiveTest, CleartextPassword) {
  if (Env("MERIDIAN_PG_PASSWORD_USER").empty()) GTEST_SKIP() << "no password user";
  PgConnectOptions options = Options();
  options.user = Env("MERIDIAN_PG_PASSWORD_USER");
  options.password = Env("MERIDIAN_PG_PASSWORD_PASSWORD");
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  options.password = "wrong";
  EXPECT_EQ(GetSqlState(PgConnection::Connect(options).status()), "28P01");
}

}  // namespace
}  // namespace meridian::sql::shell
