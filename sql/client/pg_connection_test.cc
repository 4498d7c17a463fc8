// PgConnection (libpq) against Meridian's wire server over a fake backend, plus a scripted
// server for the error fields that server never sends (detail, hint, FATAL).
#include "sql/client/pg_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/status.h"
#include "common/testing/scoped_env.h"
#include "gtest/gtest.h"
#include "sql/pgwire/server.h"
#include "sql/pgwire/testing/fake_backend.h"

namespace meridian::sql::client {
namespace {

using pgwire::testing::FakeBackend;
using namespace std::string_literals;

// Parameters for a server on loopback; libpq's environment defaults are overridden.
std::vector<std::pair<std::string, std::string>> Params(int port) {
  return {{"host", "127.0.0.1"},
          {"port", std::to_string(port)},
          {"user", "u"},
          {"dbname", "d"},
          {"connect_timeout", "10"},
          {"sslmode", "disable"},
          {"gssencmode", "disable"},
          {"fallback_application_name", "pg_connection_test"}};
}

using ::meridian::testing::ScopedEnv;

class PgConnectionTest : public ::testing::Test {
 protected:
  void Start(PgServerOptions options = PgServerOptions()) {
    auto server = PgServer::Start(std::move(options), &backend_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  std::unique_ptr<PgConnection> MustConnect() {
    PgConnectOptions options;
    options.params = Params(server_->port());
    auto conn = PgConnection::Connect(options);
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  FakeBackend backend_;  // outlives the server
  std::unique_ptr<PgServer> server_;
};

TEST_F(PgConnectionTest, ResultsTagsNullsAndTransactionStatus) {
  Start();
  backend_.Put("alpha", "1");
  backend_.Put("beta", "2");
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  EXPECT_FALSE(conn->parameter("server_version").empty());
  EXPECT_EQ(conn->user(), "u");
  EXPECT_EQ(conn->database(), "d");
  EXPECT_EQ(conn->host(), "127.0.0.1");
  EXPECT_EQ(conn->port(), std::to_string(server_->port()));
  EXPECT_GT(conn->backend_pid(), 0);
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kIdle);

  auto results = conn->Query("SELECT * FROM kv; INSERT INTO kv VALUES ('gamma', '3')");
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  const PgResult& select = (*results)[0];
  EXPECT_TRUE(select.has_rows);
  ASSERT_EQ(select.columns.size(), 2u);
  EXPECT_EQ(select.columns[0].name, "k");
  EXPECT_EQ(select.columns[1].type_oid, kTextOid);
  ASSERT_EQ(select.rows.size(), 2u);
  EXPECT_EQ(select.rows[1][0], "beta");
  EXPECT_EQ(select.rows[1][1], "2");
  EXPECT_EQ(select.command_tag, "SELECT 2");
  EXPECT_FALSE((*results)[1].has_rows);
  EXPECT_EQ((*results)[1].command_tag, "INSERT 0 1");
  EXPECT_EQ(backend_.Snapshot().at("gamma"), "3");

  auto series = conn->Query("SELECT * FROM generate_series(1,3)");
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_EQ((*series)[0].columns[0].type_oid, kInt8Oid);
  EXPECT_EQ((*series)[0].rows.size(), 3u);

  ASSERT_TRUE(conn->Query("BEGIN").ok());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kInTransaction);
  EXPECT_FALSE(conn->Query("SELECT boom").ok());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kFailed);
  ASSERT_TRUE(conn->Query("ROLLBACK").ok());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kIdle);

  auto empty = conn->Query("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(conn->Query(std::string("SELECT 1\0", 9)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(PgConnectionTest, ExtendedProtocolPreparedAndUnnamed) {
  Start();
  backend_.Put("alpha", "1");
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Prepare("get", "SELECT v FROM kv WHERE k = $1").ok());
  auto got = conn->ExecutePrepared("get", {"alpha"});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->rows.size(), 1u);
  EXPECT_EQ(got->rows[0][0], "1");
  EXPECT_EQ(got->command_tag, "SELECT 1");
  // A statement is prepared once and runs many times.
  auto none = conn->ExecutePrepared("get", {"missing"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->has_rows);
  EXPECT_TRUE(none->rows.empty());
  // The same name twice is the server's error; the connection stays usable.
  auto again = conn->Prepare("get", "SELECT 1");
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(GetSqlState(again), "42P05");
  // Unnamed: parse, bind and run in one call; NULL parameters are NULL.
  auto insert = conn->Execute("INSERT INTO kv VALUES ($1, $2)", {"beta", "2"});
  ASSERT_TRUE(insert.ok()) << insert.status();
  EXPECT_EQ(insert->command_tag, "INSERT 0 1");
  EXPECT_EQ(backend_.Snapshot().at("beta"), "2");
  auto echo = conn->Execute("SELECT $1, $2", {"x", std::nullopt});
  ASSERT_TRUE(echo.ok()) << echo.status();
  ASSERT_EQ(echo->rows.size(), 1u);
  EXPECT_EQ(echo->rows[0][0], "x");
  EXPECT_EQ(echo->rows[0][1], std::nullopt);
  // Errors carry their SQLSTATE; a NUL byte is refused before anything is sent.
  auto bad = conn->Execute("SELECT boom", {});
  EXPECT_EQ(GetSqlState(bad.status()), "42703");
  EXPECT_EQ(GetSqlState(conn->ExecutePrepared("nope", {}).status()), "26000");
  EXPECT_EQ(GetSqlState(conn->Execute("SELECT $1", {"a\0b"s}).status()), "22021");
  auto ok = conn->ExecutePrepared("get", {"beta"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->rows[0][0], "2");
}

TEST_F(PgConnectionTest, ServerErrorsCarrySqlStatePositionAndCode) {
  Start();
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  auto failed = conn->Query("SELECT boom");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "column \"boom\" does not exist");
  EXPECT_EQ(GetSqlState(failed.status()), "42703");
  EXPECT_EQ(GetErrorPosition(failed.status()), 8);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(PgErrorSeverity(failed.status()), "ERROR");
  EXPECT_EQ(PgErrorDetail(failed.status()), "");
  auto syntax = conn->Query("SELEC 1");
  EXPECT_EQ(GetSqlState(syntax.status()), "42601");
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  // A server error keeps the connection.
  EXPECT_TRUE(conn->is_open());
  EXPECT_TRUE(conn->Query("SELECT 1").ok());
}

TEST_F(PgConnectionTest, NoticesGoToTheResultOrTheHandler) {
  Start();
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  auto dropped = conn->Query("DROP TABLE IF EXISTS nothing");
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  ASSERT_EQ(dropped->size(), 1u);
  ASSERT_EQ((*dropped)[0].notices.size(), 1u);
  EXPECT_EQ((*dropped)[0].notices[0].severity, "NOTICE");
  EXPECT_EQ((*dropped)[0].notices[0].message, "table \"nothing\" does not exist, skipping");

  std::vector<PgNotice> seen;
  conn->SetNoticeHandler([&](const PgNotice& notice) { seen.push_back(notice); });
  dropped = conn->Query("DROP TABLE IF EXISTS nothing");
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_TRUE((*dropped)[0].notices.empty());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].message, "table \"nothing\" does not exist, skipping");
}

TEST_F(PgConnectionTest, CopyInAndOut) {
  Start();
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  auto in = conn->CopyIn("COPY kv FROM STDIN", "k1\tv1\nk2\tv2\n");
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->command_tag, "COPY 2");
  EXPECT_EQ(backend_.Snapshot().at("k2"), "v2");

  auto bad = conn->CopyIn("COPY kv FROM STDIN", "no tab here\n");
  EXPECT_EQ(GetSqlState(bad.status()), "22P04");

  auto out = conn->Query("COPY kv TO STDOUT");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].copy_data, "k1\tv1\nk2\tv2\n");
  EXPECT_EQ((*out)[0].command_tag, "COPY 2");

  // COPY FROM STDIN through Query is refused, and the connection stays in step.
  auto refused = conn->Query("COPY kv FROM STDIN");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(GetSqlState(refused.status()), "57014");
  EXPECT_TRUE(conn->Query("SELECT 1").ok());
}

TEST_F(PgConnectionTest, CancelInterruptsARunningStatement) {
  Start();
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  std::thread canceller([&] {
    ASSERT_TRUE(backend_.WaitForSleeper(absl::Seconds(10)));
    EXPECT_TRUE(conn->Cancel().ok());
  });
  auto r = conn->Query("SELECT pg_sleep_forever()");
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "57014");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(backend_.cancelled(), 1);
  EXPECT_TRUE(conn->Query("SELECT 1").ok());
}

TEST_F(PgConnectionTest, ScramPasswordAndPrompt) {
  PgServerOptions server_options;
  server_options.password = "hunter2";
  Start(server_options);
  ScopedEnv no_password("PGPASSWORD", "");
  ScopedEnv no_passfile("PGPASSFILE", "/nonexistent/pgpass");

  PgConnectOptions options;
  options.params = Params(server_->port());
  options.params.emplace_back("password", "hunter2");
  EXPECT_TRUE(PgConnection::Connect(options).ok());

  // A wrong password fails without a prompt (libpq had one), as in psql.
  options.params.back().second = "wrong";
  int prompts = 0;
  options.password_prompt = [&](const std::string&) -> std::optional<std::string> {
    ++prompts;
    return "hunter2";
  };
  auto wrong = PgConnection::Connect(options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(GetSqlState(wrong.status()), "08001");
  EXPECT_NE(wrong.status().message().find("password authentication failed for user \"u\""),
            absl::string_view::npos)
      << wrong.status();
  EXPECT_EQ(prompts, 0);

  // No password at all: the prompt is asked once, with the user name.
  options.params = Params(server_->port());
  std::string prompted_user;
  options.password_prompt = [&](const std::string& user) -> std::optional<std::string> {
    ++prompts;
    prompted_user = user;
    return "hunter2";
  };
  auto prompted = PgConnection::Connect(options);
  ASSERT_TRUE(prompted.ok()) << prompted.status();
  EXPECT_EQ(prompts, 1);
  EXPECT_EQ(prompted_user, "u");

  // A prompt that gives up, or a wrong answer, fails after one try.
  options.password_prompt = [&](const std::string&) -> std::optional<std::string> {
    ++prompts;
    return std::nullopt;
  };
  EXPECT_FALSE(PgConnection::Connect(options).ok());
  options.password_prompt = [&](const std::string&) -> std::optional<std::string> {
    ++prompts;
    return "still wrong";
  };
  EXPECT_FALSE(PgConnection::Connect(options).ok());
  EXPECT_EQ(prompts, 3);
  options.password_prompt = nullptr;
  auto none = PgConnection::Connect(options);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no password supplied"), absl::string_view::npos)
      << none.status();
}

TEST_F(PgConnectionTest, PasswordFromPgpass) {
  PgServerOptions server_options;
  server_options.password = "from-file";
  Start(server_options);
  const std::string path = ::testing::TempDir() + "/pg_connection_test.pgpass";
  {
    std::ofstream f(path);
    f << "127.0.0.1:" << server_->port() << ":*:u:from-file\n";
  }
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  ScopedEnv no_password("PGPASSWORD", "");
  ScopedEnv passfile("PGPASSFILE", path);
  PgConnectOptions options;
  options.params = Params(server_->port());
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_TRUE((*conn)->Query("SELECT 1").ok());
}

TEST_F(PgConnectionTest, LostConnectionIsReportedAndFinal) {
  Start();
  auto conn = MustConnect();
  ASSERT_NE(conn, nullptr);
  server_->Shutdown();
  auto lost = conn->Query("SELECT 1");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(GetSqlState(lost.status()), "08006");
  EXPECT_FALSE(conn->is_open());
  EXPECT_EQ(conn->transaction_status(), PgTransactionStatus::kUnknown);
  auto again = conn->Query("SELECT 1");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetSqlState(again.status()), "08003");
}

TEST(PgConnectionConnectTest, Failures) {
  // Nothing listens on port 1 of loopback.
  PgConnectOptions options;
  options.params = Params(1);
  auto refused = PgConnection::Connect(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(GetSqlState(refused.status()), "08001");
  EXPECT_NE(refused.status().message().find("Connection refused"), absl::string_view::npos)
      << refused.status();

  options.params.emplace_back("user", std::string("a\0b", 3));
  EXPECT_EQ(PgConnection::Connect(options).status().code(), absl::StatusCode::kInvalidArgument);

  options.params = Params(5432);
  options.params.emplace_back("port", "notaport");
  auto bad_port = PgConnection::Connect(options);
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.status().message().find("notaport"), absl::string_view::npos);
}

TEST(PgConnectionConnectTest, ConninfoParsing) {
  auto uri = ParseConninfo("postgres://alice:pw@db.example:5433/shop?sslmode=require");
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_EQ(uri->at("user"), "alice");
  EXPECT_EQ(uri->at("password"), "pw");
  EXPECT_EQ(uri->at("host"), "db.example");
  EXPECT_EQ(uri->at("port"), "5433");
  EXPECT_EQ(uri->at("dbname"), "shop");
  EXPECT_EQ(uri->at("sslmode"), "require");
  EXPECT_EQ(uri->count("options"), 0u);  // only what the string sets

  auto kv = ParseConninfo("host=h port=1 dbname='my db'");
  ASSERT_TRUE(kv.ok()) << kv.status();
  EXPECT_EQ(kv->at("dbname"), "my db");

  auto bad = ParseConninfo("host=h port");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_TRUE(IsConnectionString("postgres://h"));
  EXPECT_TRUE(IsConnectionString("postgresql://h/db"));
  EXPECT_TRUE(IsConnectionString("host=h"));
  EXPECT_FALSE(IsConnectionString("meridian"));
  EXPECT_FALSE(IsConnectionString(""));
}

TEST(PgConnectionConnectTest, SqlStateToStatusCode) {
  EXPECT_EQ(StatusCodeForSqlState("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(StatusCodeForSqlState("42601"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForSqlState("42P01"), absl::StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForSqlState("57014"), absl::StatusCode::kCancelled);
  EXPECT_EQ(StatusCodeForSqlState("23505"), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusCodeForSqlState("25P02"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeForSqlState("28P01"), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForSqlState("08006"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlState("0A000"), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(StatusCodeForSqlState("XX000"), absl::StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForSqlState("P0001"), absl::StatusCode::kUnknown);
}

// --- A scripted server, for error fields Meridian's server does not send -----------------

std::string Int32(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  return std::string{static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                     static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string Msg(char type, const std::string& body) {
  return std::string(1, type) + Int32(static_cast<int32_t>(body.size() + 4)) + body;
}
bool ReadN(int fd, size_t n, std::string* out) {
  out->clear();
  while (out->size() < n) {
    char buf[4096];
    const ssize_t got = recv(fd, buf, std::min(sizeof(buf), n - out->size()), 0);
    if (got <= 0) return false;
    out->append(buf, static_cast<size_t>(got));
  }
  return true;
}
int32_t GetInt32(const std::string& s, size_t at) {
  uint32_t u = 0;
  for (size_t i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(s[at + i]);
  return static_cast<int32_t>(u);
}

// Accepts one connection on loopback, takes the startup packet, logs the client in and
// answers its first query with `reply`, then reads until the client leaves.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string reply) : reply_(std::move(reply)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(listen_fd_, 1), 0);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    const int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string header, body;
    if (ReadN(fd, 4, &header) && ReadN(fd, GetInt32(header, 0) - 4, &body)) {
      const std::string ready = Msg('Z', "I");
      const std::string login = Msg('R', Int32(0)) + Msg('K', Int32(7) + Int32(8)) + ready;
      (void)!send(fd, login.data(), login.size(), MSG_NOSIGNAL);
      if (ReadN(fd, 5, &header) && ReadN(fd, GetInt32(header, 1) - 4, &body)) {
        const std::string reply = reply_ + ready;
        (void)!send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
      while (ReadN(fd, 1, &body)) {
      }
    }
    close(fd);
  }

  const std::string reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(PgConnectionErrorTest, EveryErrorFieldIsMapped) {
  ScriptedServer server(Msg('E',
                            "SERROR\0VERROR\0C23505\0Mduplicate key value\0"
                            "DKey (id)=(1) already exists.\0HPick another id.\0P12\0\0"s));
  PgConnectOptions options;
  options.params = Params(server.port());
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto r = (*conn)->Query("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "duplicate key value");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(GetSqlState(r.status()), "23505");
  EXPECT_EQ(GetErrorPosition(r.status()), 12);
  EXPECT_EQ(PgErrorDetail(r.status()), "Key (id)=(1) already exists.");
  EXPECT_EQ(PgErrorHint(r.status()), "Pick another id.");
  EXPECT_EQ(PgErrorSeverity(r.status()), "ERROR");
}

TEST(PgConnectionErrorTest, FatalErrorEndsTheConnection) {
  // A FATAL error (the server going away, e.g. an administrator's shutdown) closes it.
  ScriptedServer server(Msg('E', "SFATAL\0VFATAL\0C57P01\0Mterminating connection\0\0"s));
  PgConnectOptions options;
  options.params = Params(server.port());
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto r = (*conn)->Query("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "57P01");
  EXPECT_EQ(PgErrorSeverity(r.status()), "FATAL");
  EXPECT_EQ(r.status().message(), "terminating connection");
}

}  // namespace
}  // namespace meridian::sql::client
