#include "sql/client/pg_connection.h"

#include <libpq-fe.h>

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"

namespace meridian::sql::client {
namespace {

constexpr char kDetailUrl[] = "meridian/pg_detail";
constexpr char kHintUrl[] = "meridian/pg_hint";
constexpr char kSeverityUrl[] = "meridian/pg_severity";

// COPY FROM STDIN data goes to libpq in pieces of this size.
constexpr size_t kCopyChunk = 64 * 1024;

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// libpq's messages end in a newline (and sometimes hold a second, tab-indented line).
std::string TrimMessage(const char* message) {
  if (message == nullptr) return std::string();
  return std::string(absl::StripTrailingAsciiWhitespace(message));
}

std::string Field(const pg_result* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value != nullptr ? std::string(value) : std::string();
}

std::string PayloadString(const absl::Status& status, const char* url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  return payload.has_value() ? std::string(*payload) : std::string();
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// Builds one PgResult from a PGRES_TUPLES_OK or PGRES_COMMAND_OK result.
PgResult ToPgResult(const PGresult* result) {
  PgResult out;
  const char* tag = PQcmdStatus(const_cast<PGresult*>(result));
  out.command_tag = tag != nullptr ? tag : "";
  if (PQresultStatus(result) != PGRES_TUPLES_OK) return out;
  out.has_rows = true;
  const int columns = PQnfields(result);
  const int rows = PQntuples(result);
  out.columns.reserve(static_cast<size_t>(columns));
  for (int j = 0; j < columns; ++j) {
    PgColumn column;
    column.name = PQfname(result, j);
    column.type_oid = PQftype(result, j);
    column.type_size = static_cast<int16_t>(PQfsize(result, j));
    column.type_modifier = PQfmod(result, j);
    out.columns.push_back(std::move(column));
  }
  out.rows.reserve(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(columns));
    for (int j = 0; j < columns; ++j) {
      if (PQgetisnull(result, i, j)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(result, i, j), static_cast<size_t>(PQgetlength(result, i, j))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

// Frees a PGresult when it goes out of scope.
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

std::string PgErrorDetail(const absl::Status& status) { return PayloadString(status, kDetailUrl); }
std::string PgErrorHint(const absl::Status& status) { return PayloadString(status, kHintUrl); }
std::string PgErrorSeverity(const absl::Status& status) {
  return PayloadString(status, kSeverityUrl);
}

absl::StatusCode StatusCodeForSqlState(std::string_view sqlstate) {
  if (sqlstate == "57014") return absl::StatusCode::kCancelled;
  if (sqlstate == "23505") return absl::StatusCode::kAlreadyExists;
  if (sqlstate == "42P07") return absl::StatusCode::kAlreadyExists;
  if (sqlstate == "42P01" || sqlstate == "42883" || sqlstate == "42703") {
    return absl::StatusCode::kNotFound;
  }
  const std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "40") return absl::StatusCode::kAborted;
  if (cls == "42" || cls == "22" || cls == "2B" || cls == "34") {
    return absl::StatusCode::kInvalidArgument;
  }
  if (cls == "23" || cls == "25" || cls == "55") return absl::StatusCode::kFailedPrecondition;
  if (cls == "28") return absl::StatusCode::kUnauthenticated;
  if (cls == "08" || cls == "57") return absl::StatusCode::kUnavailable;
  if (cls == "53") return absl::StatusCode::kResourceExhausted;
  if (cls == "0A") return absl::StatusCode::kUnimplemented;
  if (cls == "XX") return absl::StatusCode::kInternal;
  return absl::StatusCode::kUnknown;
}

absl::Status StatusFromPgResult(const pg_result* result, bool connection_lost) {
  CHECK(result != nullptr);
  std::string sqlstate = Field(result, PG_DIAG_SQLSTATE);
  std::string message = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) {
    // An error libpq made itself ("server closed the connection unexpectedly") has only
    // the formatted message.
    message = TrimMessage(PQresultErrorMessage(result));
    if (message.empty()) message = "(no message)";
  }
  if (sqlstate.size() != 5) sqlstate = connection_lost ? "08006" : "XX000";
  absl::Status status = SqlError(StatusCodeForSqlState(sqlstate), sqlstate, message);
  int position = 0;
  if (absl::SimpleAtoi(Field(result, PG_DIAG_STATEMENT_POSITION), &position) && position > 0) {
    status = WithErrorPosition(std::move(status), position);
  }
  const std::string detail = Field(result, PG_DIAG_MESSAGE_DETAIL);
  if (!detail.empty()) status.SetPayload(kDetailUrl, absl::Cord(detail));
  const std::string hint = Field(result, PG_DIAG_MESSAGE_HINT);
  if (!hint.empty()) status.SetPayload(kHintUrl, absl::Cord(hint));
  std::string severity = Field(result, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity.empty()) severity = Field(result, PG_DIAG_SEVERITY);
  if (!severity.empty()) status.SetPayload(kSeverityUrl, absl::Cord(severity));
  return status;
}

absl::StatusOr<std::map<std::string, std::string>> ParseConninfo(std::string_view conninfo) {
  const std::string text(conninfo);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? TrimMessage(error) : "out of memory";
    PQfreemem(error);
    return SqlError(absl::StatusCode::kInvalidArgument, "08001",
                    absl::StrCat("invalid connection string: ", message));
  }
  std::map<std::string, std::string> settings;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) settings[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return settings;
}

bool IsConnectionString(std::string_view text) {
  return absl::StartsWith(View(text), "postgresql://") ||
         absl::StartsWith(View(text), "postgres://") || text.find('=') != std::string_view::npos;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const PgConnectOptions& options) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [keyword, value] : options.params) {
    if (HasNul(keyword) || HasNul(value)) {
      return SqlError(absl::StatusCode::kInvalidArgument, "08001",
                      "connection parameters must not contain NUL bytes");
    }
    if (!value.empty()) params.emplace_back(keyword, value);
  }
  bool prompted = false;
  while (true) {
    std::vector<const char*> keywords;
    std::vector<const char*> values;
    for (const auto& [keyword, value] : params) {
      keywords.push_back(keyword.c_str());
      values.push_back(value.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/0);
    if (conn == nullptr) {
      return SqlError(absl::StatusCode::kResourceExhausted, "08001",
                      "out of memory allocating a connection");
    }
    if (PQstatus(conn) == CONNECTION_OK) {
      PGcancel* cancel = PQgetCancel(conn);
      if (cancel == nullptr) {
        PQfinish(conn);
        return SqlError(absl::StatusCode::kInternal, "08001", "libpq made no cancel object");
      }
      std::unique_ptr<PgConnection> connection(new PgConnection(conn, cancel));
      PQsetNoticeReceiver(conn, &PgConnection::ReceiveNotice, connection.get());
      return connection;
    }
    const bool needs_password = PQconnectionNeedsPassword(conn) != 0;
    const std::string user = PQuser(conn) != nullptr ? PQuser(conn) : "";
    absl::Status failed =
        SqlError(absl::StatusCode::kUnavailable, "08001", TrimMessage(PQerrorMessage(conn)));
    PQfinish(conn);
    if (!needs_password || prompted || !options.password_prompt) return failed;
    std::optional<std::string> password = options.password_prompt(user);
    if (!password.has_value()) return failed;
    if (HasNul(*password)) {
      return SqlError(absl::StatusCode::kInvalidArgument, "08001",
                      "the password must not contain NUL bytes");
    }
    prompted = true;
    // Last, so that it wins over a password named anywhere before.
    params.emplace_back("password", std::move(*password));
  }
}

PgConnection::PgConnection(pg_conn* conn, pg_cancel* cancel) : conn_(conn), cancel_(cancel) {}

PgConnection::~PgConnection() {
  PQfreeCancel(cancel_);
  PQfinish(conn_);
}

void PgConnection::ReceiveNotice(void* arg, const pg_result* notice) {
  static_cast<PgConnection*>(arg)->OnNotice(notice);
}

void PgConnection::OnNotice(const pg_result* notice) {
  PgNotice n;
  n.severity = Field(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (n.severity.empty()) n.severity = Field(notice, PG_DIAG_SEVERITY);
  n.sqlstate = Field(notice, PG_DIAG_SQLSTATE);
  n.message = Field(notice, PG_DIAG_MESSAGE_PRIMARY);
  n.detail = Field(notice, PG_DIAG_MESSAGE_DETAIL);
  n.hint = Field(notice, PG_DIAG_MESSAGE_HINT);
  if (notice_handler_) {
    notice_handler_(n);
  } else {
    pending_notices_.push_back(std::move(n));
  }
}

void PgConnection::SetNoticeHandler(std::function<void(const PgNotice&)> handler) {
  notice_handler_ = std::move(handler);
}

absl::Status PgConnection::ConnectionError(std::string_view what) const {
  std::string message = TrimMessage(PQerrorMessage(conn_));
  if (message.empty()) message = std::string(what);
  const bool lost = PQstatus(conn_) != CONNECTION_OK;
  return SqlError(absl::StatusCode::kUnavailable, lost ? "08006" : "08000", message);
}

absl::Status PgConnection::CheckOpen() const {
  if (PQstatus(conn_) != CONNECTION_OK) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "08003", "connection is closed");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PgResult>> PgConnection::CollectResults(
    const std::string_view* copy_data) {
  std::vector<PgResult> results;
  std::optional<absl::Status> error;
  std::string copied_out;  // COPY TO STDOUT data, for the result that ends the COPY
  pending_notices_.clear();
  auto take_notices = [&](PgResult* result) {
    for (PgNotice& n : pending_notices_) result->notices.push_back(std::move(n));
    pending_notices_.clear();
  };
  while (true) {
    ResultPtr result(PQgetResult(conn_));
    if (result == nullptr) break;
    switch (PQresultStatus(result.get())) {
      case PGRES_TUPLES_OK:
      case PGRES_COMMAND_OK: {
        PgResult r = ToPgResult(result.get());
        r.copy_data = std::move(copied_out);
        copied_out.clear();
        take_notices(&r);
        results.push_back(std::move(r));
        break;
      }
      case PGRES_EMPTY_QUERY:
        break;
      case PGRES_COPY_OUT: {
        while (true) {
          char* buffer = nullptr;
          const int n = PQgetCopyData(conn_, &buffer, /*async=*/0);
          if (n > 0) copied_out.append(buffer, static_cast<size_t>(n));
          if (buffer != nullptr) PQfreemem(buffer);
          if (n < 0) break;  // -1: done (the COPY's own result follows); -2: an error
        }
        break;
      }
      case PGRES_COPY_IN: {
        if (copy_data == nullptr) {
          if (PQputCopyEnd(conn_, "COPY FROM STDIN needs data: use PgConnection::CopyIn") < 0) {
            return ConnectionError("could not end COPY");
          }
          break;
        }
        const std::string_view data = *copy_data;
        for (size_t off = 0; off < data.size(); off += kCopyChunk) {
          const std::string_view chunk = data.substr(off, kCopyChunk);
          if (PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size())) != 1) {
            return ConnectionError("could not send COPY data");
          }
        }
        if (PQputCopyEnd(conn_, nullptr) != 1) return ConnectionError("could not end COPY");
        copy_data = nullptr;  // a second COPY FROM STDIN in the same call gets refused
        break;
      }
      case PGRES_COPY_BOTH:
        // A replication stream: this client cannot take part in one, and the connection
        // stays in it, so it is no use any more.
        return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                        "COPY BOTH (replication) is not supported by this client");
      default:  // PGRES_FATAL_ERROR, PGRES_BAD_RESPONSE, PGRES_NONFATAL_ERROR
        if (!error.has_value()) {
          error = StatusFromPgResult(result.get(), PQstatus(conn_) != CONNECTION_OK);
        }
        break;
    }
    if (PQstatus(conn_) != CONNECTION_OK) break;
  }
  if (error.has_value()) return *error;
  if (PQstatus(conn_) != CONNECTION_OK) return ConnectionError("connection lost");
  if (!pending_notices_.empty()) {
    // Notices after the last statement (or for an empty query): keep them visible.
    if (results.empty()) results.emplace_back();
    take_notices(&results.back());
  }
  return results;
}

absl::Status PgConnection::SendQuery(std::string_view sql) {
  RETURN_IF_ERROR(CheckOpen());
  if (HasNul(sql)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "query text must not contain NUL bytes");
  }
  const std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) != 1) return ConnectionError("could not send the query");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PgResult>> PgConnection::Query(std::string_view sql) {
  RETURN_IF_ERROR(SendQuery(sql));
  return CollectResults(nullptr);
}

namespace {

// libpq's text parameters: pointers into `params` (nullptr for NULL). 22021 when one holds
// a NUL byte, which text format cannot carry.
absl::StatusOr<std::vector<const char*>> ParamPointers(
    const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> out;
  out.reserve(params.size());
  for (const auto& p : params) {
    if (p.has_value() && HasNul(*p)) {
      return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                      "a text parameter must not contain NUL bytes");
    }
    out.push_back(p.has_value() ? p->c_str() : nullptr);
  }
  return out;
}

}  // namespace

absl::StatusOr<PgResult> PgConnection::CollectOne() {
  ASSIGN_OR_RETURN(std::vector<PgResult> results, CollectResults(nullptr));
  if (results.empty()) return PgResult();
  return std::move(results.back());
}

absl::Status PgConnection::Prepare(std::string_view name, std::string_view sql) {
  RETURN_IF_ERROR(CheckOpen());
  if (HasNul(name) || HasNul(sql)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "statement names and text must not contain NUL bytes");
  }
  const std::string n(name), text(sql);
  if (PQsendPrepare(conn_, n.c_str(), text.c_str(), 0, nullptr) != 1) {
    return ConnectionError("could not send the statement to prepare");
  }
  return CollectOne().status();
}

absl::StatusOr<PgResult> PgConnection::ExecutePrepared(
    std::string_view name, const std::vector<std::optional<std::string>>& params) {
  RETURN_IF_ERROR(CheckOpen());
  ASSIGN_OR_RETURN(std::vector<const char*> values, ParamPointers(params));
  const std::string n(name);
  if (PQsendQueryPrepared(conn_, n.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                          nullptr, /*resultFormat=*/0) != 1) {
    return ConnectionError("could not send the prepared statement");
  }
  return CollectOne();
}

absl::StatusOr<PgResult> PgConnection::Execute(
    std::string_view sql, const std::vector<std::optional<std::string>>& params) {
  RETURN_IF_ERROR(CheckOpen());
  if (HasNul(sql)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "query text must not contain NUL bytes");
  }
  ASSIGN_OR_RETURN(std::vector<const char*> values, ParamPointers(params));
  const std::string text(sql);
  if (PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                        values.data(), nullptr, nullptr, /*resultFormat=*/0) != 1) {
    return ConnectionError("could not send the query");
  }
  return CollectOne();
}

absl::StatusOr<PgResult> PgConnection::CopyIn(std::string_view sql, std::string_view data) {
  RETURN_IF_ERROR(SendQuery(sql));
  ASSIGN_OR_RETURN(std::vector<PgResult> results, CollectResults(&data));
  if (results.empty()) return PgResult();
  return std::move(results.back());
}

absl::Status PgConnection::Cancel() const {
  char error[256] = {0};
  if (PQcancel(cancel_, error, sizeof(error)) != 1) {
    return SqlError(absl::StatusCode::kUnavailable, "08006",
                    absl::StrCat("could not send cancel request: ", TrimMessage(error)));
  }
  return absl::OkStatus();
}

PgTransactionStatus PgConnection::transaction_status() const {
  switch (PQtransactionStatus(conn_)) {
    case PQTRANS_IDLE:
      return PgTransactionStatus::kIdle;
    case PQTRANS_INTRANS:
      return PgTransactionStatus::kInTransaction;
    case PQTRANS_INERROR:
      return PgTransactionStatus::kFailed;
    default:  // PQTRANS_ACTIVE, PQTRANS_UNKNOWN
      return PgTransactionStatus::kUnknown;
  }
}

bool PgConnection::is_open() const { return PQstatus(conn_) == CONNECTION_OK; }

std::string PgConnection::parameter(const std::string& name) const {
  const char* value = PQparameterStatus(conn_, name.c_str());
  return value != nullptr ? value : "";
}

int PgConnection::backend_pid() const { return PQbackendPID(conn_); }

std::string PgConnection::user() const {
  const char* v = PQuser(conn_);
  return v != nullptr ? v : "";
}
std::string PgConnection::database() const {
  const char* v = PQdb(conn_);
  return v != nullptr ? v : "";
}
std::string PgConnection::host() const {
  const char* v = PQhost(conn_);
  return v != nullptr ? v : "";
}
std::string PgConnection::port() const {
  const char* v = PQport(conn_);
  return v != nullptr ? v : "";
}

}  // namespace meridian::sql::client
