// A small PostgreSQL wire-protocol (v3) client: enough for the `meridian sql` shell, tests
// and tools to talk to Meridian's server (or to a real PostgreSQL) over TCP.
//
//   PgConnectOptions options;
//   options.host = "127.0.0.1"; options.port = 5432; options.user = "alice";
//   ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(options));
//   ASSIGN_OR_RETURN(std::vector<PgResult> results, conn->Query("SELECT 1; SELECT 2"));
//   ASSIGN_OR_RETURN(PgResult r, conn->QueryParams("SELECT $1::int + 1", {"41"}));
//
// Supported: plain startup (no TLS), authentication trust / cleartext password / MD5 /
// SCRAM-SHA-256, the simple query protocol (several statements per call), the extended
// protocol with text parameters (unnamed statement and portal), COPY FROM STDIN and
// COPY TO STDOUT, CancelRequest.
//
// Errors: a server ErrorResponse becomes an absl::Status whose message is the server's
// message, with the SQLSTATE attached (meridian::GetSqlState) and, when the server sent
// one, the 1-based character position (meridian::GetErrorPosition); PgErrorDetail/
// PgErrorHint/PgErrorSeverity recover the remaining fields. The status code follows the
// SQLSTATE class (40xxx kAborted, 42xxx/22xxx kInvalidArgument, 57014 kCancelled, ...).
// A server error leaves the connection usable. Transport failures, timeouts and protocol
// violations (a message over `max_message_bytes`, a malformed message) close the
// connection: the call fails with kUnavailable / kDeadlineExceeded / kInternal and SQLSTATE
// 08006 / 57014 / 08P01, and every later call fails with kFailedPrecondition (08003).
//
// Thread-safety: a PgConnection is used by one thread at a time, except Cancel(), which
// any thread may call at any time (it only reads state fixed at connect time).
#ifndef MERIDIAN_SQL_SHELL_PG_CLIENT_H_
#define MERIDIAN_SQL_SHELL_PG_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/shell/pg_result.h"

namespace meridian::sql::shell {

struct PgConnectOptions {
  std::string host = "127.0.0.1";  // a name or a numeric IPv4/IPv6 address
  int port = 5432;
  std::string user;      // required
  std::string database;  // empty: the server uses the user name
  std::string password;  // used only if the server asks for one
  std::string application_name = "meridian sql";
  // Bounds the TCP connect plus the whole startup and authentication exchange.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Bounds each Query/QueryParams/CopyIn call; infinite by default (use Cancel()).
  absl::Duration query_timeout = absl::InfiniteDuration();
  // A server message larger than this is a protocol violation (the connection is closed).
  size_t max_message_bytes = 256u << 20;
};

// The status of the session's transaction, from the last ReadyForQuery.
enum class PgTransactionStatus {
  kIdle,           // 'I': not in a transaction block
  kInTransaction,  // 'T': in a transaction block
  kFailed,         // 'E': in a failed transaction block (statements are refused until ROLLBACK)
  kUnknown,        // not connected / connection lost
};

// The remaining fields of an ErrorResponse carried by a status from PgConnection; empty
// strings when absent.
std::string PgErrorDetail(const absl::Status& status);
std::string PgErrorHint(const absl::Status& status);
std::string PgErrorSeverity(const absl::Status& status);  // "ERROR", "FATAL", "PANIC"

// Maps a SQLSTATE to the absl status code this client uses for it.
absl::StatusCode StatusCodeForSqlState(std::string_view sqlstate);

class PgConnection {
 public:
  // Connects, starts up and authenticates. Fails with SQLSTATE 08001 when the server cannot
  // be reached, 28P01/28000 (kUnauthenticated) when authentication fails, or the server's
  // own error.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const PgConnectOptions& options);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  // Sends Terminate and closes the socket.
  ~PgConnection();

  // Runs `sql` (one or more statements separated by ';') with the simple query protocol.
  // Returns one PgResult per statement (none for an empty query). On a server error the
  // whole call fails with that error (the results of statements before it are dropped;
  // with several statements in one call, PostgreSQL runs them in one implicit transaction).
  // A COPY ... FROM STDIN inside `sql` is refused (CopyFail); use CopyIn.
  absl::StatusOr<std::vector<PgResult>> Query(std::string_view sql);

  // Runs one statement with the extended protocol (Parse/Bind/Describe/Execute/Sync, unnamed
  // statement and portal); `params` are $1, $2, ... in text format, std::nullopt is NULL.
  // Parameter types are inferred by the server.
  absl::StatusOr<PgResult> QueryParams(std::string_view sql,
                                       const std::vector<std::optional<std::string>>& params);

  // Runs `sql`, a COPY ... FROM STDIN statement, sending `data` (in the format the statement
  // names, e.g. tab-separated text lines) as the copy data. Returns the result of the COPY
  // (command tag "COPY <n>").
  absl::StatusOr<PgResult> CopyIn(std::string_view sql, std::string_view data);

  // Runs `sql`, a COPY ... TO STDOUT statement, and returns the data the server sent.
  absl::StatusOr<std::string> CopyOut(std::string_view sql);

  // Asks the server to cancel the statement this connection is running, over a second
  // connection (CancelRequest). Success means the request was delivered, not that anything
  // was cancelled; the cancelled call fails with SQLSTATE 57014. Thread-safe.
  absl::Status Cancel() const;

  // When set, notices are passed to `handler` as they arrive instead of being collected in
  // PgResult::notices (so they are seen even when the statement then fails).
  void SetNoticeHandler(std::function<void(const PgNotice&)> handler);

  PgTransactionStatus transaction_status() const { return transaction_status_; }
  // False once the connection has been lost or closed after a protocol violation.
  bool is_open() const { return fd_ >= 0; }
  // The server's run-time parameters (ParameterStatus): server_version, client_encoding,
  // DateStyle, TimeZone, ... Empty string when the server never reported `name`.
  std::string parameter(const std::string& name) const;
  int32_t backend_pid() const { return backend_pid_; }

 private:
  explicit PgConnection(const PgConnectOptions& options);

  // Transport. All reads and writes stop at `deadline` (kDeadlineExceeded).
  absl::Status OpenSocket(absl::Time deadline);
  absl::Status WriteAll(std::string_view bytes, absl::Time deadline);
  // Reads one whole message: sets `type` and `body`.
  absl::Status ReadMessage(absl::Time deadline, char* type, std::string* body);
  absl::Status FillBuffer(size_t want, absl::Time deadline);
  // Closes the socket and returns `status` with its SQLSTATE (for use on fatal failures).
  absl::Status Fail(absl::Status status);
  absl::Status CheckOpen() const;

  absl::Status Startup(absl::Time deadline);
  absl::Status Authenticate(int32_t code, std::string_view body, absl::Time deadline);

  // Reads messages until ReadyForQuery, building results. `copy_data` is what to send on
  // CopyInResponse (nullptr: refuse with CopyFail).
  absl::StatusOr<std::vector<PgResult>> ReadResults(absl::Time deadline,
                                                    const std::string_view* copy_data);
  void HandleParameterStatus(std::string_view body);
  absl::Time QueryDeadline() const;

  PgConnectOptions options_;
  int fd_ = -1;
  std::string in_buffer_;  // bytes read from the socket and not yet consumed
  size_t in_offset_ = 0;
  PgTransactionStatus transaction_status_ = PgTransactionStatus::kUnknown;
  std::map<std::string, std::string> parameters_;
  // Fixed after Connect; read by Cancel() from any thread.
  int32_t backend_pid_ = 0;
  int32_t backend_secret_ = 0;
  bool have_backend_key_ = false;
  std::function<void(const PgNotice&)> notice_handler_;
};

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_PG_CLIENT_H_
