// The session API: what the SQL engine offers its front ends, sessions that run statements
// and report results through a sink. The engine (sql/session/session.h) implements these
// interfaces; the PostgreSQL wire protocol server (sql/pgwire) drives them and never sees
// plans, transactions or ANTLR. The interface lives here, below the wire protocol, so that
// dependencies point down: pgwire -> session.
//
//   client --(messages)--> PgServer --(ExecuteSimple / Prepare / Execute / Sync)--> SqlSession
//                                   <--(Columns / Row / Complete / CopyIn / CopyOut)-- ResultSink
//
// Thread-safety: a SqlSession is used by its connection's thread only, except Cancel(),
// which any thread may call. SqlBackend is thread-safe.
#ifndef MERIDIAN_SQL_SESSION_BACKEND_H_
#define MERIDIAN_SQL_SESSION_BACKEND_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sql/types/column_info.h"
#include "sql/types/value.h"

namespace meridian::sql {

// How COPY data is framed (COPY ... WITH (FORMAT ..., DELIMITER ..., NULL ..., HEADER)).
struct CopyFormat {
  bool csv = false;
  char delimiter = '\t';            // ',' by default for CSV
  std::string null_string = "\\N";  // "" by default for CSV
  bool header = false;
  char quote = '"';
  char escape = '"';
  int num_columns = 0;
};

// Receives the outcome of one statement at a time. Calls for one statement come in this
// order: Columns (only for statements that return rows, before any row), Row*, Complete.
// CopyIn/CopyOut replace the rows for COPY.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void Columns(const std::vector<ColumnInfo>& columns) = 0;
  // An error (the client went away, or the statement was cancelled) stops the statement,
  // which then fails with that error.
  virtual absl::Status Row(absl::Span<const Value> row) = 0;
  // The command tag: "SELECT 3", "INSERT 0 2", "UPDATE 1", "CREATE TABLE", "BEGIN", ...
  virtual void Complete(std::string_view tag) = 0;
  // COPY FROM STDIN: asks the client for the data and returns all of it (the
  // concatenated CopyData payloads) once the client sends CopyDone; an error if the client
  // sends CopyFail or the data exceeds the server's limit.
  virtual absl::StatusOr<std::string> CopyIn(const CopyFormat& format) = 0;
  // COPY TO STDOUT: sends `data` (complete lines in `format`) to the client. Called once or
  // more per statement, between CopyOutBegin and CopyOutEnd.
  virtual absl::Status CopyOutBegin(const CopyFormat& format) = 0;
  virtual absl::Status CopyOutData(std::string_view data) = 0;
  virtual absl::Status CopyOutEnd() = 0;
  // A NOTICE (e.g. "table t does not exist, skipping" for DROP TABLE IF EXISTS).
  virtual void Notice(std::string_view message) = 0;
};

// A sink that discards everything: the base of sinks that care about a few of the calls.
class DiscardingSink : public ResultSink {
 public:
  void Columns(const std::vector<ColumnInfo>&) override {}
  absl::Status Row(absl::Span<const Value>) override { return absl::OkStatus(); }
  void Complete(std::string_view) override {}
  absl::StatusOr<std::string> CopyIn(const CopyFormat&) override { return std::string(); }
  absl::Status CopyOutBegin(const CopyFormat&) override { return absl::OkStatus(); }
  absl::Status CopyOutData(std::string_view) override { return absl::OkStatus(); }
  absl::Status CopyOutEnd() override { return absl::OkStatus(); }
  void Notice(std::string_view) override {}
};

// A statement prepared by the extended protocol's Parse (or internally for the simple
// protocol). Owned by the connection.
class PreparedStatement {
 public:
  virtual ~PreparedStatement() = default;
  // The types of $1..$n, after inference (a parameter the client sent as OID 0 gets the type
  // its use implies; TEXT when nothing implies one).
  virtual const std::vector<SqlType>& param_types() const = 0;
  // The result columns; empty for statements that return no rows.
  virtual const std::vector<ColumnInfo>& columns() const = 0;
  // True when the statement returns rows (SELECT, ... RETURNING, SHOW, EXPLAIN).
  virtual bool returns_rows() const = 0;
};

class SqlSession {
 public:
  virtual ~SqlSession() = default;

  // The simple query protocol: runs each statement of `sql` in turn, reporting each through
  // `sink`. Statements outside an explicit transaction block run in one implicit
  // transaction, as PostgreSQL does. Stops at the first error and returns it (the implicit
  // transaction rolls back; an explicit one enters the failed state).
  virtual absl::Status ExecuteSimple(std::string_view sql, ResultSink* sink) = 0;

  // The extended protocol. Prepare parses one statement (an empty string is a valid empty
  // statement) with the given parameter type OIDs (0 = infer).
  virtual absl::StatusOr<std::unique_ptr<PreparedStatement>> Prepare(
      std::string_view sql, absl::Span<const uint32_t> param_type_oids) = 0;
  // Runs a prepared statement with bound parameters (already converted to param_types()).
  // Reports through `sink` without calling Columns (the protocol's Describe does that).
  virtual absl::Status Execute(PreparedStatement& statement, absl::Span<const Value> params,
                               ResultSink* sink) = 0;
  // The extended protocol's Sync: ends an implicit transaction (commits it, or rolls it back
  // after an error).
  virtual absl::Status Sync() = 0;

  // 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block.
  virtual char TransactionStatus() const = 0;
  // Interrupts the statement running now, if any (57014 query_canceled). Thread-safe.
  virtual void Cancel() = 0;
  // Session parameters to report in ParameterStatus at startup and when SET changes them
  // (server_version, client_encoding, DateStyle, integer_datetimes, standard_conforming_strings,
  // TimeZone, application_name, ...).
  virtual std::vector<std::pair<std::string, std::string>> ReportedParameters() const = 0;
};

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  // A new session for an authenticated client. `options` are the startup packet's
  // parameters (user, database, application_name, options, ...).
  virtual absl::StatusOr<std::unique_ptr<SqlSession>> NewSession(
      const std::vector<std::pair<std::string, std::string>>& options) = 0;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_SESSION_BACKEND_H_
