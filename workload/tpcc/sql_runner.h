// SqlRunner: one workload connection and how it sends statements: as named prepared
// statements (the default: each distinct statement text is prepared on first use and then
// only bound and executed), or with the simple protocol (`--simple`: the parameters are
// written into the text as quoted literals, as pgbench -M simple does).
//
// Statements are written once, with $1, $2, ... placeholders, and run either way; the
// parameters travel as text. The runner also knows which server it talks to (Meridian
// reports itself in version()), for the few places where the tool must speak each
// system's dialect (a consistent snapshot for `check`).
//
// Thread-safety: a SqlRunner is used by one thread at a time.
#ifndef MERIDIAN_WORKLOAD_TPCC_SQL_RUNNER_H_
#define MERIDIAN_WORKLOAD_TPCC_SQL_RUNNER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sql/client/pg_connection.h"

namespace meridian::workload::tpcc {

using Params = std::vector<std::optional<std::string>>;

// The libpq parameters for a connection URI or conninfo string: its settings, plus an
// application name and a connect timeout unless it names them. InvalidArgument when it
// does not parse.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ConnectParams(
    const std::string& url);

// `sql` with $1, $2, ... replaced by `params` as SQL literals ('text' with quotes doubled,
// NULL), for the simple protocol. Placeholders inside quoted strings or identifiers are
// left alone. InvalidArgument for a placeholder without a parameter.
absl::StatusOr<std::string> InlineParams(std::string_view sql, const Params& params);

class SqlRunner {
 public:
  enum class Protocol { kPrepared, kSimple };

  static absl::StatusOr<std::unique_ptr<SqlRunner>> Connect(const std::string& url,
                                                            Protocol protocol);

  // Runs one statement with its parameters.
  absl::StatusOr<sql::client::PgResult> Run(std::string_view sql, const Params& params = {});
  // Runs statements without parameters with the simple protocol (BEGIN, COMMIT, DDL, ...).
  absl::Status Simple(std::string_view sql);
  // COPY ... FROM STDIN with `data`.
  absl::StatusOr<sql::client::PgResult> CopyIn(std::string_view sql, std::string_view data);

  bool meridian() const { return meridian_; }
  bool is_open() const { return conn_->is_open(); }
  sql::client::PgConnection& connection() { return *conn_; }
  // How many statements went to the server (each one round trip), BEGIN and COMMIT
  // included; for the round-trip profile.
  int64_t statements() const { return statements_; }

 private:
  SqlRunner(std::unique_ptr<sql::client::PgConnection> conn, Protocol protocol, bool meridian)
      : conn_(std::move(conn)), protocol_(protocol), meridian_(meridian) {}

  std::unique_ptr<sql::client::PgConnection> conn_;
  Protocol protocol_;
  bool meridian_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // statement text -> name
  int64_t statements_ = 0;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_SQL_RUNNER_H_
