// PgConnection: one connection to a PostgreSQL-protocol server (Meridian or PostgreSQL)
// through libpq, for the `meridian sql` shell, the over-the-wire logic tests and the TPC-C
// workload (`meridian workload tpcc`). A thin
// RAII wrapper: libpq does the protocol, TLS, authentication (SCRAM-SHA-256, MD5,
// cleartext), connection URIs and conninfo strings, service files, .pgpass and the PG*
// environment variables; this class turns its results into plain PgResult values and its
// errors into absl::Status.
//
//   PgConnectOptions options;
//   options.params = {{"host", "127.0.0.1"}, {"port", "26257"}, {"user", "root"}};
//   ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Connect(options));
//   ASSIGN_OR_RETURN(std::vector<PgResult> results, conn->Query("SELECT 1; SELECT 2"));
//
// Errors: a server error becomes a status whose message is the server's primary message,
// with the SQLSTATE attached (meridian::GetSqlState), the 1-based character position when
// the server sent one (meridian::GetErrorPosition), and detail, hint and severity
// (PgErrorDetail/PgErrorHint/PgErrorSeverity). The status code follows the SQLSTATE class
// (StatusCodeForSqlState). A server error leaves the connection usable. A failure to
// connect is 08001 (kUnavailable) with libpq's message; a connection lost during a call
// is 08006 (kUnavailable), after which is_open() is false and every call fails with 08003.
//
// Thread-safety: a PgConnection is used by one thread at a time, except Cancel(), which
// any thread may call at any time (libpq's PQcancel over a cancel object made at connect).
#ifndef MERIDIAN_SQL_CLIENT_PG_CONNECTION_H_
#define MERIDIAN_SQL_CLIENT_PG_CONNECTION_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sql/client/pg_result.h"

// libpq's handles (libpq-fe.h), declared here so that includers do not see libpq.
struct pg_conn;
struct pg_cancel;
struct pg_result;

namespace meridian::sql::client {

struct PgConnectOptions {
  // libpq keywords and values (host, port, user, dbname, password, connect_timeout,
  // fallback_application_name, ...), applied in order: a later one overrides an earlier
  // one. Pairs with an empty value are skipped, so libpq falls back to a service file, the
  // PG* environment variables and its own defaults for them. A dbname is a database name,
  // never expanded as a connection string: callers that take URIs or conninfo strings
  // parse them with ParseConninfo and pass the settings.
  std::vector<std::pair<std::string, std::string>> params;
  // Called when the server asks for a password that libpq does not have (none given, no
  // PGPASSWORD, nothing in .pgpass), with the user name; returns the password to try once
  // more, or nullopt to give up. Unset: give up.
  std::function<std::optional<std::string>(const std::string& user)> password_prompt;
};

// The status of the session's transaction (libpq's PQtransactionStatus).
enum class PgTransactionStatus {
  kIdle,           // not in a transaction block
  kInTransaction,  // in a transaction block
  kFailed,         // in a failed transaction block (statements are refused until ROLLBACK)
  kUnknown,        // not connected, or a statement is in progress
};

// The fields of a server error carried by a status from PgConnection; empty when absent.
std::string PgErrorDetail(const absl::Status& status);
std::string PgErrorHint(const absl::Status& status);
std::string PgErrorSeverity(const absl::Status& status);  // "ERROR", "FATAL", "PANIC"

// Maps a SQLSTATE to the absl status code PgConnection uses for it.
absl::StatusCode StatusCodeForSqlState(std::string_view sqlstate);

// The error a libpq result carries (PQresultErrorField), as a status. `connection_lost`
// says whether the connection went bad: an error libpq made itself (no SQLSTATE) is then
// 08006, otherwise XX000. REQUIRES: `result` is not null.
absl::Status StatusFromPgResult(const pg_result* result, bool connection_lost);

// The settings a conninfo string or connection URI names (libpq's PQconninfoParse), keyed
// by libpq keyword ("host", "port", "dbname", "service", ...). InvalidArgument with
// libpq's message when it does not parse.
absl::StatusOr<std::map<std::string, std::string>> ParseConninfo(std::string_view conninfo);

// Whether libpq would read `text` as a connection string (a URI or "keyword=value ...")
// rather than as a database name.
bool IsConnectionString(std::string_view text);

class PgConnection {
 public:
  // Connects and authenticates (see PgConnectOptions for the password prompt).
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const PgConnectOptions& options);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  // Closes the connection (libpq sends Terminate).
  ~PgConnection();

  // Runs `sql` (one or more statements separated by ';') with the simple query protocol.
  // Returns one PgResult per statement (none for an empty query); a COPY ... TO STDOUT
  // result carries the data in copy_data. On a server error the whole call fails with
  // that error (the results of statements before it are dropped; with several statements
  // in one call, the server runs them in one implicit transaction). A COPY ... FROM STDIN
  // inside `sql` is refused (the server reports 57014); use CopyIn.
  absl::StatusOr<std::vector<PgResult>> Query(std::string_view sql);

  // Runs `sql`, a COPY ... FROM STDIN statement, sending `data` (in the format the
  // statement names) as the copy data. Returns the result of the COPY ("COPY <n>").
  absl::StatusOr<PgResult> CopyIn(std::string_view sql, std::string_view data);

  // The extended protocol. Parameters and results travel as text; a parameter's type is
  // the one the server infers from its use (write `$1::int` where it cannot); std::nullopt
  // is NULL.
  //
  // Prepare: parses `sql` once as the named statement `name` (a name already in use on
  // this connection is an error, 42P05).
  absl::Status Prepare(std::string_view name, std::string_view sql);
  // ExecutePrepared: binds and runs a statement made by Prepare, with `params`.
  absl::StatusOr<PgResult> ExecutePrepared(std::string_view name,
                                           const std::vector<std::optional<std::string>>& params);
  // Execute: parses, binds and runs `sql` (one statement) as the unnamed statement.
  absl::StatusOr<PgResult> Execute(std::string_view sql,
                                   const std::vector<std::optional<std::string>>& params);

  // Asks the server to cancel the statement this connection is running. Success means the
  // request was delivered, not that anything was cancelled; the cancelled call fails with
  // SQLSTATE 57014. Thread-safe.
  absl::Status Cancel() const;

  // When set, notices are passed to `handler` as they arrive instead of being collected in
  // PgResult::notices (so they are seen even when the statement then fails).
  void SetNoticeHandler(std::function<void(const PgNotice&)> handler);

  PgTransactionStatus transaction_status() const;
  // False once the connection has been lost.
  bool is_open() const;
  // A run-time parameter the server reported (server_version, client_encoding, DateStyle,
  // ...); empty when it did not report `name`.
  std::string parameter(const std::string& name) const;
  int backend_pid() const;
  // What the connection ended up using, after URIs, services, the environment and
  // defaults: the user, database, host (a name, an address or a socket directory) and port.
  std::string user() const;
  std::string database() const;
  std::string host() const;
  std::string port() const;

 private:
  PgConnection(pg_conn* conn, pg_cancel* cancel);
  // The notice receiver libpq calls for every NoticeResponse; `arg` is the PgConnection.
  static void ReceiveNotice(void* arg, const pg_result* notice);
  void OnNotice(const pg_result* notice);
  // Sends `sql` with the simple protocol (22021 if it holds a NUL byte).
  absl::Status SendQuery(std::string_view sql);
  // The single result of an extended-protocol call just sent.
  absl::StatusOr<PgResult> CollectOne();
  // Reads every result of the statement(s) sent last. `copy_data` is what to send on
  // COPY FROM STDIN (nullptr: refuse).
  absl::StatusOr<std::vector<PgResult>> CollectResults(const std::string_view* copy_data);
  // The status for a call libpq refused or a failure without a result.
  absl::Status ConnectionError(std::string_view what) const;
  absl::Status CheckOpen() const;

  pg_conn* const conn_;
  pg_cancel* const cancel_;  // fixed at connect; used by Cancel() from any thread
  std::function<void(const PgNotice&)> notice_handler_;
  std::vector<PgNotice> pending_notices_;  // collected while no handler is set
};

}  // namespace meridian::sql::client

#endif  // MERIDIAN_SQL_CLIENT_PG_CONNECTION_H_
