// PgConnection against scripted fake servers on loopback: message framing, result
// building, error fields, and robustness against a misbehaving server. The same client
// against a real PostgreSQL is exercised by pg_client_live_test.cc (run by hand).
#include "sql/shell/pg_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "common/status.h"
#include "gtest/gtest.h"

namespace meridian::sql::shell {
namespace {

using namespace std::string_literals;

// --- Wire helpers for the fake server --------------------------------------------------

std::string Int32(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  return std::string{static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                     static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string Int16(int16_t v) {
  const uint16_t u = static_cast<uint16_t>(v);
  return std::string{static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string Str(const std::string& s) { return s + std::string(1, '\0'); }
std::string Msg(char type, const std::string& body) {
  return std::string(1, type) + Int32(static_cast<int32_t>(body.size() + 4)) + body;
}
int32_t GetInt32(const std::string& s, size_t at) {
  uint32_t u = 0;
  for (size_t i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(s[at + i]);
  return static_cast<int32_t>(u);
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
void Send(int fd, const std::string& bytes) {
  (void)!send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}
// A startup packet or cancel request (no type byte).
std::string ReadUntyped(int fd) {
  std::string len, body;
  if (!ReadN(fd, 4, &len)) return "";
  ReadN(fd, static_cast<size_t>(GetInt32(len, 0)) - 4, &body);
  return body;
}
std::pair<char, std::string> ReadTyped(int fd) {
  std::string header, body;
  if (!ReadN(fd, 5, &header)) return {'\0', ""};
  ReadN(fd, static_cast<size_t>(GetInt32(header, 1)) - 4, &body);
  return {header[0], body};
}

std::string ReadyForQuery(char status) { return Msg('Z', std::string(1, status)); }
std::string StartupOk() {
  return Msg('R', Int32(0)) + Msg('S', Str("server_version") + Str("15.0 (fake)")) +
         Msg('K', Int32(4242) + Int32(777)) + ReadyForQuery('I');
}
std::string RowDescription(const std::vector<std::pair<std::string, int32_t>>& columns) {
  std::string body = Int16(static_cast<int16_t>(columns.size()));
  for (const auto& [name, oid] : columns) {
    body += Str(name) + Int32(0) + Int16(0) + Int32(oid) + Int16(4) + Int32(-1) + Int16(0);
  }
  return Msg('T', body);
}
std::string DataRow(const std::vector<std::optional<std::string>>& values) {
  std::string body = Int16(static_cast<int16_t>(values.size()));
  for (const auto& v : values) {
    if (!v.has_value()) {
      body += Int32(-1);
    } else {
      body += Int32(static_cast<int32_t>(v->size())) + *v;
    }
  }
  return Msg('D', body);
}

// Listens on 127.0.0.1; the i-th accepted connection runs scripts[i] in its own thread.
class FakeServer {
 public:
  explicit FakeServer(std::vector<std::function<void(int)>> scripts)
      : scripts_(std::move(scripts)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 8);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (auto& script : scripts_) {
        const int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        workers_.emplace_back([&script, fd] {
          script(fd);
          close(fd);
        });
      }
    });
  }
  ~FakeServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    for (std::thread& worker : workers_) worker.join();
    close(listen_fd_);
  }
  PgConnectOptions Options() const {
    PgConnectOptions options;
    options.port = port_;
    options.user = "alice";
    options.database = "db";
    options.connect_timeout = absl::Seconds(5);
    return options;
  }

 private:
  std::vector<std::function<void(int)>> scripts_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::vector<std::thread> workers_;  // written by thread_ only, joined after it
};

// --- Tests -----------------------------------------------------------------------------

TEST(PgClientTest, StartupQueryResultsErrorsAndTransactionStatus) {
  std::string startup_seen;
  std::string second_query;
  FakeServer server({[&](int fd) {
    startup_seen = ReadUntyped(fd);
    Send(fd, StartupOk());
    auto [type, body] = ReadTyped(fd);
    if (type != 'Q' || body != Str("SELECT id, name FROM t; INSERT INTO t VALUES (3)")) return;
    Send(fd, RowDescription({{"id", 23}, {"name", 25}}) + DataRow({"1", "x"}) +
                 DataRow({"2", std::nullopt}) + Msg('C', Str("SELECT 2")) +
                 Msg('N', "SNOTICE\0VNOTICE\0C00000\0Mhello\0\0"s) + Msg('C', Str("INSERT 0 1")) +
                 ReadyForQuery('T'));
    std::tie(type, second_query) = ReadTyped(fd);
    Send(fd, Msg('E',
                 "SERROR\0VERROR\0C42P01\0Mrelation \"x\" does not exist\0P15\0"
                 "Dsome detail\0Hsome hint\0\0"s) +
                 ReadyForQuery('E'));
    ReadTyped(fd);  // Terminate
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_NE(startup_seen.find(Str("user") + Str("alice")), std::string::npos);
  EXPECT_NE(startup_seen.find(Str("database") + Str("db")), std::string::npos);
  EXPECT_EQ(GetInt32(startup_seen, 0), 196608);
  EXPECT_EQ((*conn)->parameter("server_version"), "15.0 (fake)");
  EXPECT_EQ((*conn)->backend_pid(), 4242);
  EXPECT_EQ((*conn)->transaction_status(), PgTransactionStatus::kIdle);

  auto results = (*conn)->Query("SELECT id, name FROM t; INSERT INTO t VALUES (3)");
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  const PgResult& select = (*results)[0];
  EXPECT_TRUE(select.has_rows);
  ASSERT_EQ(select.columns.size(), 2u);
  EXPECT_EQ(select.columns[0].name, "id");
  EXPECT_EQ(select.columns[0].type_oid, 23u);
  EXPECT_EQ(select.columns[1].type_oid, 25u);
  ASSERT_EQ(select.rows.size(), 2u);
  EXPECT_EQ(select.rows[0][1], "x");
  EXPECT_EQ(select.rows[1][1], std::nullopt);
  EXPECT_EQ(select.command_tag, "SELECT 2");
  const PgResult& insert = (*results)[1];
  EXPECT_FALSE(insert.has_rows);
  EXPECT_EQ(insert.command_tag, "INSERT 0 1");
  ASSERT_EQ(insert.notices.size(), 1u);
  EXPECT_EQ(insert.notices[0].message, "hello");
  EXPECT_EQ((*conn)->transaction_status(), PgTransactionStatus::kInTransaction);

  auto failed = (*conn)->Query("SELECT * FROM x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "relation \"x\" does not exist");
  EXPECT_EQ(GetSqlState(failed.status()), "42P01");
  EXPECT_EQ(GetErrorPosition(failed.status()), 15);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(PgErrorDetail(failed.status()), "some detail");
  EXPECT_EQ(PgErrorHint(failed.status()), "some hint");
  EXPECT_EQ(PgErrorSeverity(failed.status()), "ERROR");
  EXPECT_EQ((*conn)->transaction_status(), PgTransactionStatus::kFailed);
  EXPECT_TRUE((*conn)->is_open());  // a server error keeps the connection
  EXPECT_EQ(second_query, Str("SELECT * FROM x"));
}

TEST(PgClientTest, CleartextPasswordAndMissingPassword) {
  std::string password_message;
  FakeServer server({[&](int fd) {
                       ReadUntyped(fd);
                       Send(fd, Msg('R', Int32(3)));
                       auto [type, body] = ReadTyped(fd);
                       if (type == 'p') password_message = body;
                       Send(fd, StartupOk());
                       ReadTyped(fd);
                     },
                     [&](int fd) {
                       ReadUntyped(fd);
                       Send(fd, Msg('R', Int32(3)));
                       ReadTyped(fd);
                     }});
  PgConnectOptions options = server.Options();
  options.password = "sesame";
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_EQ(password_message, Str("sesame"));
  conn->reset();

  options.password.clear();
  auto refused = PgConnection::Connect(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(GetSqlState(refused.status()), "28P01");
}

TEST(PgClientTest, ServerErrorDuringStartupIsReturned) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, Msg('E', "SFATAL\0VFATAL\0C3D000\0Mdatabase \"db\" does not exist\0\0"s));
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(GetSqlState(conn.status()), "3D000");
  EXPECT_EQ(PgErrorSeverity(conn.status()), "FATAL");
  EXPECT_EQ(conn.status().message(), "database \"db\" does not exist");
}

TEST(PgClientTest, OversizedMessageIsAProtocolViolation) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, "R"s + Int32(0x7fffffff) + Int32(0));
    ReadTyped(fd);
  }});
  PgConnectOptions options = server.Options();
  options.max_message_bytes = 1 << 20;
  auto conn = PgConnection::Connect(options);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(GetSqlState(conn.status()), "08P01");
  EXPECT_NE(conn.status().message().find("too large"), absl::string_view::npos);
}

TEST(PgClientTest, LengthSmallerThanHeaderIsAProtocolViolation) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, "R"s + Int32(2));
    ReadTyped(fd);
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(GetSqlState(conn.status()), "08P01");
}

TEST(PgClientTest, SilentServerTimesOut) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    std::string ignored;
    ReadN(fd, 1, &ignored);  // until the client gives up and closes
  }});
  PgConnectOptions options = server.Options();
  options.connect_timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  auto conn = PgConnection::Connect(options);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(PgClientTest, QueryTimeoutClosesTheConnection) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, StartupOk());
    ReadTyped(fd);  // the query; never answered
    std::string ignored;
    ReadN(fd, 1, &ignored);
  }});
  PgConnectOptions options = server.Options();
  options.query_timeout = absl::Milliseconds(200);
  auto conn = PgConnection::Connect(options);
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto result = (*conn)->Query("SELECT pg_sleep(100)");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE((*conn)->is_open());
  EXPECT_EQ((*conn)->transaction_status(), PgTransactionStatus::kUnknown);
  conn->reset();
}

TEST(PgClientTest, MalformedDataRowClosesTheConnectionWithoutCrashing) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, StartupOk());
    ReadTyped(fd);
    // Three values for a two-column row description.
    Send(fd,
         RowDescription({{"a", 23}, {"b", 23}}) + DataRow({"1", "2", "3"}) + ReadyForQuery('I'));
    ReadTyped(fd);
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto result = (*conn)->Query("SELECT 1, 2");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(GetSqlState(result.status()), "08P01");
  EXPECT_FALSE((*conn)->is_open());
  auto again = (*conn)->Query("SELECT 1");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetSqlState(again.status()), "08003");
}

TEST(PgClientTest, FieldLengthPastTheMessageIsRejected) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, StartupOk());
    ReadTyped(fd);
    Send(fd, RowDescription({{"a", 25}}) + Msg('D', Int16(1) + Int32(1000) + "short") +
                 ReadyForQuery('I'));
    ReadTyped(fd);
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto result = (*conn)->Query("SELECT 'x'");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(GetSqlState(result.status()), "08P01");
}

TEST(PgClientTest, ServerClosingMidMessageIsUnavailable) {
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, StartupOk());
    ReadTyped(fd);
    Send(fd, "T"s + Int32(100) + "abc");  // then close
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto result = (*conn)->Query("SELECT 1");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(GetSqlState(result.status()), "08006");
}

TEST(PgClientTest, QueryParamsSendsExtendedProtocolMessages) {
  std::vector<std::pair<char, std::string>> seen;
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, StartupOk());
    for (int i = 0; i < 5; ++i) seen.push_back(ReadTyped(fd));
    Send(fd, Msg('1', "") + Msg('2', "") + RowDescription({{"sum", 23}}) + DataRow({"42"}) +
                 Msg('C', Str("SELECT 1")) + ReadyForQuery('I'));
    ReadTyped(fd);
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto result = (*conn)->QueryParams("SELECT $1::int + 1, $2", {"41", std::nullopt});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows.at(0).at(0), "42");
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].first, 'P');
  EXPECT_EQ(seen[0].second, Str("") + Str("SELECT $1::int + 1, $2") + Int16(0));
  EXPECT_EQ(seen[1].first, 'B');
  EXPECT_EQ(seen[1].second,
            Str("") + Str("") + Int16(0) + Int16(2) + Int32(2) + "41" + Int32(-1) + Int16(0));
  EXPECT_EQ(seen[2].first, 'D');
  EXPECT_EQ(seen[2].second, "P\0"s);
  EXPECT_EQ(seen[3].first, 'E');
  EXPECT_EQ(seen[3].second, Str("") + Int32(0));
  EXPECT_EQ(seen[4].first, 'S');
}

TEST(PgClientTest, CopyInSendsDataAndCopyOutCollectsIt) {
  std::string copied;
  FakeServer server({[&](int fd) {
    ReadUntyped(fd);
    Send(fd, StartupOk());
    ReadTyped(fd);  // COPY t FROM STDIN
    Send(fd, Msg('G', "\0"s + Int16(1) + Int16(0)));
    while (true) {
      auto [type, body] = ReadTyped(fd);
      if (type == 'd') copied += body;
      if (type != 'd') break;  // CopyDone
    }
    Send(fd, Msg('C', Str("COPY 2")) + ReadyForQuery('I'));
    ReadTyped(fd);  // COPY t TO STDOUT
    Send(fd, Msg('H', "\0"s + Int16(1) + Int16(0)) + Msg('d', "1\ta\n") + Msg('d', "2\tb\n") +
                 Msg('c', "") + Msg('C', Str("COPY 2")) + ReadyForQuery('I'));
    ReadTyped(fd);
  }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto in = (*conn)->CopyIn("COPY t FROM STDIN", "1\ta\n2\tb\n");
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->command_tag, "COPY 2");
  EXPECT_EQ(copied, "1\ta\n2\tb\n");
  auto out = (*conn)->CopyOut("COPY t TO STDOUT");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "1\ta\n2\tb\n");
}

TEST(PgClientTest, CancelSendsTheBackendKey) {
  std::string cancel_request;
  FakeServer server({[&](int fd) {
                       ReadUntyped(fd);
                       Send(fd, StartupOk());
                       ReadTyped(fd);  // Terminate, after the cancel connection was served
                     },
                     [&](int fd) { cancel_request = ReadUntyped(fd); }});
  auto conn = PgConnection::Connect(server.Options());
  ASSERT_TRUE(conn.ok()) << conn.status();
  // Cancel may be called from another thread while the connection is in use.
  std::thread canceller([&] { EXPECT_TRUE((*conn)->Cancel().ok()); });
  canceller.join();
  conn->reset();
  EXPECT_EQ(cancel_request, Int32(80877102) + Int32(4242) + Int32(777));
}

TEST(PgClientTest, ConnectFailures) {
  PgConnectOptions options;
  options.user = "";
  EXPECT_EQ(PgConnection::Connect(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.user = "alice";
  options.port = 1;  // nothing listens on port 1 of loopback
  auto refused = PgConnection::Connect(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(GetSqlState(refused.status()), "08001");
  options.host = "no-such-host.invalid";
  options.port = 5432;
  EXPECT_EQ(GetSqlState(PgConnection::Connect(options).status()), "08001");
}

TEST(PgClientTest, SqlStateToStatusCode) {
  EXPECT_EQ(StatusCodeForSqlState("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(StatusCodeForSqlState("42601"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForSqlState("57014"), absl::StatusCode::kCancelled);
  EXPECT_EQ(StatusCodeForSqlState("23505"), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusCodeForSqlState("08006"), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace meridian::sql::shell
