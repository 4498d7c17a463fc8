#include "sql/pgwire/internal/connection.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "sql/pgwire/internal/scram_server.h"
#include "sql/types/pg_format.h"

namespace meridian::sql::pgwire {
namespace {

constexpr int32_t kSslRequestCode = 80877103;
constexpr int32_t kGssEncRequestCode = 80877104;
constexpr int32_t kCancelRequestCode = 80877102;
constexpr size_t kMaxStartupPacket = 10000;  // PostgreSQL's MAX_STARTUP_PACKET_LENGTH
constexpr int kMaxEncryptionRequests = 4;

constexpr int32_t kAuthOk = 0;
constexpr int32_t kAuthSasl = 10;
constexpr int32_t kAuthSaslContinue = 11;
constexpr int32_t kAuthSaslFinal = 12;

absl::Status ProtocolViolation(std::string_view message) {
  return SqlError(absl::StatusCode::kInvalidArgument, "08P01", message);
}

std::string HexType(char type) {
  char hex[8];
  std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<uint8_t>(type));
  return hex;
}

absl::Status Malformed(char type) {
  return ProtocolViolation(absl::StrCat("malformed message of type ", HexType(type)));
}

// Message types a client may send after startup.
bool IsFrontendType(char type) {
  switch (type) {
    case 'Q':
    case 'P':
    case 'B':
    case 'D':
    case 'E':
    case 'S':
    case 'C':
    case 'H':
    case 'd':
    case 'c':
    case 'f':
    case 'F':
    case 'X':
      return true;
    default:
      return false;
  }
}

}  // namespace

Connection::Connection(int fd, const ConnectionEnv& env, bool over_limit)
    : env_(env), over_limit_(over_limit), channel_(fd, env.options->max_message_bytes) {}

Connection::~Connection() {
  if (registered_) env_.cancels->Unregister(key_.process_id);
}

void Connection::Run() {
  startup_deadline_ = absl::Now() + env_.options->startup_timeout;
  absl::Status status = Startup();
  if (status.ok() && !close_quietly_) status = Serve();
  if (!status.ok() && !close_quietly_ && !channel_.broken()) {
    WriteErrorResponse(&channel_.out(), 'E', "FATAL", status);
    channel_.Flush().IgnoreError();
  }
  // Stop cancel requests from reaching the session before it is destroyed.
  if (registered_) {
    env_.cancels->Unregister(key_.process_id);
    registered_ = false;
  }
}

absl::Status Connection::Startup() {
  std::vector<std::pair<std::string, std::string>> params;
  for (int encryption_requests = 0;;) {
    absl::StatusOr<std::string> packet =
        channel_.ReadStartupPacket(startup_deadline_, kMaxStartupPacket);
    if (absl::IsDeadlineExceeded(packet.status())) {
      return ProtocolViolation("startup packet not received in time");
    }
    if (!packet.ok()) return packet.status();
    MessageReader reader(*packet);
    const int32_t code = reader.Int32();
    if (code == kSslRequestCode || code == kGssEncRequestCode) {
      if (++encryption_requests > kMaxEncryptionRequests || !reader.AtEnd()) {
        return ProtocolViolation("unexpected encryption request");
      }
      channel_.out().Byte('N');
      RETURN_IF_ERROR(channel_.Flush());
      continue;
    }
    if (code == kCancelRequestCode) {
      BackendKey key;
      key.process_id = reader.Int32();
      key.secret_key = reader.Int32();
      close_quietly_ = true;  // PostgreSQL answers a cancel request with nothing
      if (reader.ok() && reader.AtEnd()) env_.cancels->Cancel(key);
      return absl::OkStatus();
    }
    const int major = static_cast<uint32_t>(code) >> 16;
    const int minor = code & 0xffff;
    if (major != 3) {
      return SqlError(absl::StatusCode::kUnimplemented, "0A000",
                      absl::StrCat("unsupported frontend protocol ", major, ".", minor,
                                   ": server supports 3.0 to 3.0"));
    }
    std::vector<std::string> unknown_options;
    while (true) {
      const std::string_view name = reader.CString();
      if (!reader.ok()) break;
      if (name.empty()) break;
      const std::string_view value = reader.CString();
      if (name.starts_with("_pq_.")) {
        unknown_options.emplace_back(name);
      } else {
        params.emplace_back(std::string(name), std::string(value));
      }
    }
    if (!reader.ok() || !reader.AtEnd()) {
      return ProtocolViolation("invalid startup packet layout: expected terminator as last byte");
    }
    if (minor > 0 || !unknown_options.empty()) {
      MessageWriter& out = channel_.out();
      out.Begin('v');
      out.Int32(0);
      out.Int32(static_cast<int32_t>(unknown_options.size()));
      for (const std::string& option : unknown_options) out.CString(option);
      out.End();
    }
    break;
  }

  if (over_limit_) {
    return SqlError(absl::StatusCode::kResourceExhausted, "53300",
                    "sorry, too many clients already");
  }
  std::string user;
  bool has_database = false;
  for (const auto& [name, value] : params) {
    if (name == "user") user = value;
    if (name == "database") has_database = true;
  }
  if (user.empty()) {
    return SqlError(absl::StatusCode::kInvalidArgument, "28000",
                    "no PostgreSQL user name specified in startup packet");
  }
  if (!has_database) params.emplace_back("database", user);

  RETURN_IF_ERROR(Authenticate(user));
  channel_.out().Begin('R');
  channel_.out().Int32(kAuthOk);
  channel_.out().End();

  absl::StatusOr<std::unique_ptr<SqlSession>> session = env_.backend->NewSession(params);
  if (!session.ok()) return session.status();
  session_ = std::move(*session);
  ASSIGN_OR_RETURN(key_, env_.cancels->Register(session_.get()));
  registered_ = true;

  SendParameterChanges();
  MessageWriter& out = channel_.out();
  out.Begin('K');
  out.Int32(key_.process_id);
  out.Int32(key_.secret_key);
  out.End();
  return SendReadyForQuery();
}

absl::Status Connection::Authenticate(const std::string& user) {
  if (env_.scram == nullptr) return absl::OkStatus();
  const absl::Status failed =
      SqlError(absl::StatusCode::kUnauthenticated, "28P01",
               absl::StrCat("password authentication failed for user \"", user, "\""));

  MessageWriter& out = channel_.out();
  out.Begin('R');
  out.Int32(kAuthSasl);
  out.CString("SCRAM-SHA-256");
  out.Byte(0);
  out.End();
  RETURN_IF_ERROR(channel_.Flush());

  // A client may close here (psql does, to ask for a password, and then reconnects).
  absl::StatusOr<Message> initial = channel_.ReadMessage(startup_deadline_);
  if (!initial.ok()) return initial.status();
  if (initial->type != 'p') {
    return ProtocolViolation(
        absl::StrCat("expected SASL response, got message type ", HexType(initial->type)));
  }
  MessageReader reader(initial->body);
  const std::string_view mechanism = reader.CString();
  const int32_t length = reader.Int32();
  if (!reader.ok() || length < 0) return Malformed('p');
  const std::string_view client_first = reader.Bytes(static_cast<size_t>(length));
  if (!reader.ok() || !reader.AtEnd()) return Malformed('p');
  if (mechanism != "SCRAM-SHA-256") {
    return ProtocolViolation("client selected an invalid SASL authentication mechanism");
  }

  ASSIGN_OR_RETURN(std::string nonce_bytes, RandomBytes(18));
  ScramServerExchange exchange(*env_.scram, Base64Encode(nonce_bytes));
  absl::StatusOr<std::string> server_first = exchange.HandleClientFirst(client_first);
  if (!server_first.ok()) return server_first.status();
  out.Begin('R');
  out.Int32(kAuthSaslContinue);
  out.Bytes(*server_first);
  out.End();
  RETURN_IF_ERROR(channel_.Flush());

  absl::StatusOr<Message> response = channel_.ReadMessage(startup_deadline_);
  if (!response.ok()) return response.status();
  if (response->type != 'p') {
    return ProtocolViolation(
        absl::StrCat("expected SASL response, got message type ", HexType(response->type)));
  }
  absl::StatusOr<std::string> server_final = exchange.HandleClientFinal(response->body);
  if (!server_final.ok()) {
    if (GetSqlState(server_final.status()) == "28P01") return failed;
    return server_final.status();
  }
  out.Begin('R');
  out.Int32(kAuthSaslFinal);
  out.Bytes(*server_final);
  out.End();
  return absl::OkStatus();
}

absl::Time Connection::IdleDeadline() const {
  const absl::Duration idle = env_.options->idle_timeout;
  return idle > absl::ZeroDuration() ? absl::Now() + idle : absl::InfiniteFuture();
}

WireSink::Limits Connection::SinkLimits() const {
  WireSink::Limits limits;
  limits.max_copy_bytes = env_.options->max_copy_bytes;
  if (env_.options->idle_timeout > absl::ZeroDuration()) {
    limits.read_timeout = env_.options->idle_timeout;
  }
  return limits;
}

absl::Status Connection::Serve() {
  while (true) {
    absl::StatusOr<Message> message = channel_.ReadMessage(IdleDeadline());
    if (absl::IsDeadlineExceeded(message.status())) {
      return SqlError(absl::StatusCode::kDeadlineExceeded, "57P05",
                      "terminating connection due to idle-session timeout");
    }
    if (!message.ok()) return message.status();
    if (message->type == 'X') return absl::OkStatus();
    RETURN_IF_ERROR(Dispatch(*message));
    if (channel_.broken()) return absl::UnavailableError("connection is broken");
  }
}

absl::Status Connection::Dispatch(const Message& message) {
  if (!IsFrontendType(message.type)) {
    return ProtocolViolation(
        absl::StrCat("invalid frontend message type ", static_cast<int>(message.type)));
  }
  if (discard_until_sync_ && message.type != 'S') return absl::OkStatus();
  switch (message.type) {
    case 'Q':
      return HandleQuery(message.body);
    case 'P':
      return HandleParse(message.body);
    case 'B':
      return HandleBind(message.body);
    case 'D':
      return HandleDescribe(message.body);
    case 'E':
      return HandleExecute(message.body);
    case 'S':
      return HandleSync(message.body);
    case 'C':
      return HandleClose(message.body);
    case 'H':
      return channel_.Flush();
    case 'd':
    case 'c':
    case 'f':
      // Left over from a COPY FROM STDIN that failed: dropped, as PostgreSQL does.
      return absl::OkStatus();
    case 'F':
      ReportError(SqlError(absl::StatusCode::kUnimplemented, "0A000",
                           "the function call protocol is not supported"),
                  /*extended=*/false);
      return SendReadyForQuery();
    default:
      return ProtocolViolation("unexpected message");
  }
}

absl::Status Connection::AfterStatement(const WireSink& sink) {
  if (!sink.fatal().ok()) return sink.fatal();
  if (channel_.broken()) return absl::UnavailableError("connection is broken");
  return absl::OkStatus();
}

void Connection::ReportError(const absl::Status& status, bool extended) {
  WriteErrorResponse(&channel_.out(), 'E', "ERROR", status);
  if (extended) discard_until_sync_ = true;
}

void Connection::SendParameterChanges() {
  for (auto& [name, value] : session_->ReportedParameters()) {
    auto it = reported_params_.find(name);
    if (it != reported_params_.end() && it->second == value) continue;
    MessageWriter& out = channel_.out();
    out.Begin('S');
    out.CString(name);
    out.CString(value);
    out.End();
    reported_params_[name] = value;
  }
}

absl::Status Connection::SendReadyForQuery() {
  SendParameterChanges();
  MessageWriter& out = channel_.out();
  out.Begin('Z');
  out.Byte(static_cast<uint8_t>(session_->TransactionStatus()));
  out.End();
  return channel_.Flush();
}

absl::Status Connection::HandleQuery(std::string_view body) {
  MessageReader reader(body);
  const std::string_view sql = reader.CString();
  if (!reader.ok() || !reader.AtEnd()) return Malformed('Q');
  // A simple query replaces the unnamed statement and portal.
  statements_.erase("");
  portals_.erase("");

  WireSink sink(&channel_, SinkLimits());
  const absl::Status status = session_->ExecuteSimple(sql, &sink);
  RETURN_IF_ERROR(AfterStatement(sink));
  if (!status.ok()) {
    ReportError(status, /*extended=*/false);
  } else if (sink.completed() == 0) {
    channel_.out().Empty('I');
  }
  if (session_->TransactionStatus() == 'I') portals_.clear();
  if (status.ok() && sink.tag() == "DISCARD ALL") statements_.clear();  // DEALLOCATE ALL too
  return SendReadyForQuery();
}

absl::Status Connection::HandleParse(std::string_view body) {
  MessageReader reader(body);
  const std::string name(reader.CString());
  const std::string_view sql = reader.CString();
  const int16_t count = reader.Int16();
  if (!reader.ok() || count < 0) return Malformed('P');
  std::vector<uint32_t> oids;
  oids.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) oids.push_back(static_cast<uint32_t>(reader.Int32()));
  if (!reader.ok() || !reader.AtEnd()) return Malformed('P');

  if (!name.empty() && statements_.count(name) > 0) {
    ReportError(SqlError(absl::StatusCode::kAlreadyExists, "42P05",
                         absl::StrCat("prepared statement \"", name, "\" already exists")),
                /*extended=*/true);
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<PreparedStatement>> prepared = session_->Prepare(sql, oids);
  if (!prepared.ok()) {
    ReportError(prepared.status(), /*extended=*/true);
    return absl::OkStatus();
  }
  statements_[name] = std::shared_ptr<PreparedStatement>(std::move(*prepared));
  channel_.out().Empty('1');
  return absl::OkStatus();
}

absl::Status Connection::HandleBind(std::string_view body) {
  MessageReader reader(body);
  const std::string portal_name(reader.CString());
  const std::string statement_name(reader.CString());
  const int16_t format_count = reader.Int16();
  if (!reader.ok() || format_count < 0) return Malformed('B');
  std::vector<int16_t> param_formats;
  for (int i = 0; i < format_count; ++i) param_formats.push_back(reader.Int16());
  const int16_t param_count = reader.Int16();
  if (!reader.ok() || param_count < 0) return Malformed('B');
  std::vector<std::optional<std::string_view>> raw_params;
  for (int i = 0; i < param_count; ++i) {
    const int32_t length = reader.Int32();
    if (!reader.ok() || length < -1) return Malformed('B');
    if (length == -1) {
      raw_params.emplace_back(std::nullopt);
    } else {
      raw_params.emplace_back(reader.Bytes(static_cast<size_t>(length)));
    }
  }
  const int16_t result_format_count = reader.Int16();
  if (!reader.ok() || result_format_count < 0) return Malformed('B');
  std::vector<int16_t> result_formats;
  for (int i = 0; i < result_format_count; ++i) result_formats.push_back(reader.Int16());
  if (!reader.ok() || !reader.AtEnd()) return Malformed('B');

  auto statement_it = statements_.find(statement_name);
  if (statement_it == statements_.end()) {
    ReportError(
        SqlError(absl::StatusCode::kNotFound, "26000",
                 absl::StrCat("prepared statement \"", statement_name, "\" does not exist")),
        /*extended=*/true);
    return absl::OkStatus();
  }
  const std::shared_ptr<PreparedStatement>& statement = statement_it->second;
  const std::vector<SqlType>& param_types = statement->param_types();
  auto fail = [this](absl::Status status) {
    ReportError(status, /*extended=*/true);
    return absl::OkStatus();
  };
  if (raw_params.size() != param_types.size()) {
    return fail(ProtocolViolation(absl::StrCat(
        "bind message supplies ", raw_params.size(), " parameters, but prepared statement \"",
        statement_name, "\" requires ", param_types.size())));
  }
  if (param_formats.size() > 1 && param_formats.size() != raw_params.size()) {
    return fail(ProtocolViolation(absl::StrCat("bind message has ", param_formats.size(),
                                               " parameter formats but ", raw_params.size(),
                                               " parameters")));
  }
  Portal portal;
  portal.statement = statement;
  for (size_t i = 0; i < raw_params.size(); ++i) {
    const int16_t format = param_formats.empty()       ? 0
                           : param_formats.size() == 1 ? param_formats[0]
                                                       : param_formats[i];
    if (format != 0 && format != 1) {
      return fail(SqlError(absl::StatusCode::kInvalidArgument, "22023",
                           absl::StrCat("unsupported format code: ", format)));
    }
    if (!raw_params[i].has_value()) {
      portal.params.push_back(Value::Null());
      continue;
    }
    SqlType type = param_types[i];
    if (type.id == TypeId::kUnknown) type = SqlType::Of(TypeId::kText);
    absl::StatusOr<Value> value;
    if (format == 1) {
      if (!HasBinaryFormat(type)) {
        return fail(
            SqlError(absl::StatusCode::kUnimplemented, "0A000",
                     absl::StrCat("binary format is not supported for type ", type.ToString())));
      }
      value = ParseBinary(*raw_params[i], type);
    } else {
      value = ParseText(*raw_params[i], type);
    }
    if (!value.ok()) return fail(value.status());
    portal.params.push_back(std::move(*value));
  }

  const std::vector<ColumnInfo>& columns = statement->columns();
  if (result_formats.size() > 1 && result_formats.size() != columns.size()) {
    return fail(ProtocolViolation(absl::StrCat("bind message has ", result_formats.size(),
                                               " result formats but query has ", columns.size(),
                                               " columns")));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const int16_t format = result_formats.empty()       ? 0
                           : result_formats.size() == 1 ? result_formats[0]
                                                        : result_formats[i];
    if (format != 0 && format != 1) {
      return fail(SqlError(absl::StatusCode::kInvalidArgument, "22023",
                           absl::StrCat("unsupported format code: ", format)));
    }
    if (format == 1 && !HasBinaryFormat(columns[i].type)) {
      return fail(SqlError(
          absl::StatusCode::kUnimplemented, "0A000",
          absl::StrCat("binary format is not supported for type ", columns[i].type.ToString())));
    }
    portal.result_formats.push_back(format);
  }

  if (!portal_name.empty() && portals_.count(portal_name) > 0) {
    return fail(SqlError(absl::StatusCode::kAlreadyExists, "42P03",
                         absl::StrCat("portal \"", portal_name, "\" already exists")));
  }
  portals_[portal_name] = std::move(portal);
  channel_.out().Empty('2');
  return absl::OkStatus();
}

absl::Status Connection::HandleDescribe(std::string_view body) {
  MessageReader reader(body);
  const char kind = static_cast<char>(reader.Byte());
  const std::string name(reader.CString());
  if (!reader.ok() || !reader.AtEnd()) return Malformed('D');
  MessageWriter& out = channel_.out();
  if (kind == 'S') {
    auto it = statements_.find(name);
    if (it == statements_.end()) {
      ReportError(SqlError(absl::StatusCode::kNotFound, "26000",
                           absl::StrCat("prepared statement \"", name, "\" does not exist")),
                  /*extended=*/true);
      return absl::OkStatus();
    }
    const PreparedStatement& statement = *it->second;
    out.Begin('t');
    out.Int16(static_cast<int16_t>(statement.param_types().size()));
    for (const SqlType& type : statement.param_types()) {
      out.Int32(static_cast<int32_t>(type.pg_oid()));
    }
    out.End();
    if (statement.returns_rows()) {
      WriteRowDescription(&out, statement.columns(), {});
    } else {
      out.Empty('n');
    }
    return absl::OkStatus();
  }
  if (kind == 'P') {
    auto it = portals_.find(name);
    if (it == portals_.end()) {
      ReportError(SqlError(absl::StatusCode::kNotFound, "34000",
                           absl::StrCat("portal \"", name, "\" does not exist")),
                  /*extended=*/true);
      return absl::OkStatus();
    }
    const Portal& portal = it->second;
    if (portal.statement->returns_rows()) {
      WriteRowDescription(&out, portal.statement->columns(), portal.result_formats);
    } else {
      out.Empty('n');
    }
    return absl::OkStatus();
  }
  ReportError(
      ProtocolViolation(absl::StrCat("invalid DESCRIBE message subtype ", static_cast<int>(kind))),
      /*extended=*/true);
  return absl::OkStatus();
}

absl::Status Connection::HandleExecute(std::string_view body) {
  MessageReader reader(body);
  const std::string name(reader.CString());
  const int32_t max_rows = reader.Int32();
  if (!reader.ok() || !reader.AtEnd()) return Malformed('E');
  auto it = portals_.find(name);
  if (it == portals_.end()) {
    ReportError(SqlError(absl::StatusCode::kNotFound, "34000",
                         absl::StrCat("portal \"", name, "\" does not exist")),
                /*extended=*/true);
    return absl::OkStatus();
  }
  Portal& portal = it->second;
  MessageWriter& out = channel_.out();

  if (!portal.started) {
    portal.started = true;
    // Without a row limit rows stream straight to the client; with one, the statement runs
    // to completion into the portal, which hands the rows out over several Executes.
    const bool buffer = max_rows > 0;
    WireSink sink(&channel_, SinkLimits());
    sink.SetColumns(portal.statement->columns(), portal.result_formats);
    sink.set_buffer_results(buffer);
    const absl::Status status = session_->Execute(*portal.statement, portal.params, &sink);
    RETURN_IF_ERROR(AfterStatement(sink));
    if (!status.ok()) {
      portals_.erase(it);
      ReportError(status, /*extended=*/true);
      return absl::OkStatus();
    }
    portal.empty_query = sink.completed() == 0;
    if (!buffer) {
      if (portal.empty_query) out.Empty('I');
      portal.tag = sink.tag();
      portal.done = true;
      return absl::OkStatus();
    }
    portal.rows = std::move(sink.buffered_rows());
    portal.tag = sink.tag();
  } else if (portal.done) {
    // Running a portal that is already at its end returns no more rows.
    if (portal.empty_query) {
      out.Empty('I');
    } else {
      out.Begin('C');
      out.CString(absl::StartsWith(portal.tag, "SELECT") ? "SELECT 0" : portal.tag);
      out.End();
    }
    return absl::OkStatus();
  }

  size_t to_send = portal.rows.size();
  if (max_rows > 0) to_send = std::min(to_send, static_cast<size_t>(max_rows));
  for (size_t i = 0; i < to_send; ++i) {
    out.Bytes(portal.rows.front());
    portal.rows.pop_front();
    RETURN_IF_ERROR(channel_.FlushIfLarge());
  }
  if (!portal.rows.empty()) {
    out.Empty('s');
    return absl::OkStatus();
  }
  portal.done = true;
  if (portal.empty_query) {
    out.Empty('I');
  } else {
    out.Begin('C');
    out.CString(portal.tag);
    out.End();
  }
  return absl::OkStatus();
}

absl::Status Connection::HandleSync(std::string_view body) {
  if (!body.empty()) return Malformed('S');
  discard_until_sync_ = false;
  const absl::Status status = session_->Sync();
  if (!status.ok()) ReportError(status, /*extended=*/false);
  // Portals live until the end of their transaction.
  if (session_->TransactionStatus() == 'I') portals_.clear();
  return SendReadyForQuery();
}

absl::Status Connection::HandleClose(std::string_view body) {
  MessageReader reader(body);
  const char kind = static_cast<char>(reader.Byte());
  const std::string name(reader.CString());
  if (!reader.ok() || !reader.AtEnd()) return Malformed('C');
  if (kind == 'S') {
    statements_.erase(name);
  } else if (kind == 'P') {
    portals_.erase(name);
  } else {
    ReportError(
        ProtocolViolation(absl::StrCat("invalid CLOSE message subtype ", static_cast<int>(kind))),
        /*extended=*/true);
    return absl::OkStatus();
  }
  channel_.out().Empty('3');
  return absl::OkStatus();
}

}  // namespace meridian::sql::pgwire
