// Test-only raw PostgreSQL protocol client: opens a TCP connection to 127.0.0.1, sends hand
// built messages (or arbitrary bytes) and reads the server's messages back, so tests can
// check every flow byte by byte. Password logins use the client half of the SCRAM module
// (sql/pgwire/internal/scram_client.h).
// Every read has a timeout, so a server that hangs fails the test instead of blocking it.
//
// Thread-safety: none; one client per thread.
#ifndef MERIDIAN_SQL_PGWIRE_TESTING_TEST_CLIENT_H_
#define MERIDIAN_SQL_PGWIRE_TESTING_TEST_CLIENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/pgwire/internal/channel.h"
#include "sql/pgwire/internal/message.h"

#define PGW_CONCAT_INNER_(a, b) a##b
#define PGW_CONCAT_(a, b) PGW_CONCAT_INNER_(a, b)
// GoogleTest helpers for absl::Status(Or).
#define ASSERT_OK(expr)                           \
  do {                                            \
    const ::absl::Status pgw_status_ = (expr);    \
    ASSERT_TRUE(pgw_status_.ok()) << pgw_status_; \
  } while (false)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  PGW_ASSERT_OK_AND_ASSIGN_IMPL_(PGW_CONCAT_(pgw_statusor_, __LINE__), lhs, expr)
#define PGW_ASSERT_OK_AND_ASSIGN_IMPL_(so, lhs, expr) \
  auto so = (expr);                                   \
  ASSERT_TRUE(so.ok()) << so.status();                \
  lhs = std::move(*so)

namespace meridian::sql::pgwire::testing {

// Builds a message body.
class Body {
 public:
  Body& Int8(uint8_t v);
  Body& Int16(int16_t v);
  Body& Int32(int32_t v);
  Body& Str(std::string_view v);  // with a NUL
  Body& Raw(std::string_view v);
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

class TestClient {
 public:
  ~TestClient();
  // Connects to 127.0.0.1:port.
  absl::Status Connect(uint16_t port);

  absl::Status SendRaw(std::string_view bytes);
  absl::Status Send(char type, const Body& body) { return Send(type, body.data()); }
  absl::Status Send(char type, std::string_view body);
  // A startup packet: length, code, body.
  absl::Status SendStartupPacket(int32_t code, std::string_view body);
  absl::Status SendStartup(const std::vector<std::pair<std::string, std::string>>& params);

  // Next server message (type byte + body). Unavailable on EOF, DeadlineExceeded on timeout.
  absl::StatusOr<Message> Read(int timeout_ms = 5000);
  // Messages up to and including ReadyForQuery.
  absl::StatusOr<std::vector<Message>> ReadUntilReady();
  // Reads exactly one byte (the answer to SSLRequest).
  absl::StatusOr<char> ReadByte();
  // True if the server closes the connection (after discarding any messages) in time.
  bool WaitClosed(int timeout_ms = 5000);

  // Trust login with user "u", database "d": startup and everything to ReadyForQuery.
  absl::StatusOr<std::vector<Message>> Login(
      std::vector<std::pair<std::string, std::string>> extra = {});
  // SCRAM-SHA-256 login; returns the messages after the exchange, up to ReadyForQuery or
  // the ErrorResponse that ended it.
  absl::StatusOr<std::vector<Message>> LoginScram(std::string_view password);

  // Simple query: sends Q and returns everything up to ReadyForQuery.
  absl::StatusOr<std::vector<Message>> Query(std::string_view sql);

  int32_t process_id() const { return process_id_; }
  int32_t secret_key() const { return secret_key_; }
  int fd() const { return fd_; }
  void Close();

 private:
  int fd_ = -1;
  std::string in_;
  int32_t process_id_ = 0;
  int32_t secret_key_ = 0;
};

// Message inspection helpers.
std::vector<std::optional<std::string>> DataRowValues(const Message& m);
std::map<char, std::string> ErrorFields(const Message& m);
std::string CString(const Message& m);  // CommandComplete tag etc.
std::vector<std::string> RowDescriptionNames(const Message& m);
// The type bytes of `messages` as a string, e.g. "TDCZ".
std::string Types(const std::vector<Message>& messages);

}  // namespace meridian::sql::pgwire::testing

#endif  // MERIDIAN_SQL_PGWIRE_TESTING_TEST_CLIENT_H_
