#include "sql/shell/pg_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/shell/scram.h"

namespace meridian::sql::shell {
namespace {

constexpr int32_t kProtocolVersion3 = 196608;  // 3.0
constexpr int32_t kCancelRequestCode = 80877102;
constexpr char kDetailUrl[] = "meridian/pg_detail";
constexpr char kHintUrl[] = "meridian/pg_hint";
constexpr char kSeverityUrl[] = "meridian/pg_severity";

// --- Building frontend messages ---------------------------------------------------------

void PutInt32(std::string* out, int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  out->push_back(static_cast<char>((u >> 24) & 0xff));
  out->push_back(static_cast<char>((u >> 16) & 0xff));
  out->push_back(static_cast<char>((u >> 8) & 0xff));
  out->push_back(static_cast<char>(u & 0xff));
}

void PutInt16(std::string* out, int16_t v) {
  const uint16_t u = static_cast<uint16_t>(v);
  out->push_back(static_cast<char>((u >> 8) & 0xff));
  out->push_back(static_cast<char>(u & 0xff));
}

void PutCString(std::string* out, std::string_view s) {
  out->append(s.data(), s.size());
  out->push_back('\0');
}

// Frames `body` as a message of `type` (type byte, int32 length including itself).
std::string Frame(char type, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 5);
  out.push_back(type);
  PutInt32(&out, static_cast<int32_t>(body.size() + 4));
  out.append(body.data(), body.size());
  return out;
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// --- Parsing backend messages -----------------------------------------------------------

absl::Status ProtocolViolation(std::string_view what) {
  return WithSqlState(absl::InternalError(absl::StrCat(
                          "protocol violation: ", absl::string_view(what.data(), what.size()))),
                      "08P01");
}

// Reads fields from one message body; every read is bounds-checked.
class BodyReader {
 public:
  explicit BodyReader(std::string_view body) : body_(body) {}

  absl::StatusOr<int32_t> Int32() {
    if (body_.size() - pos_ < 4) return ProtocolViolation("truncated int32");
    uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(body_[pos_ + i]);
    pos_ += 4;
    return static_cast<int32_t>(u);
  }
  absl::StatusOr<int16_t> Int16() {
    if (body_.size() - pos_ < 2) return ProtocolViolation("truncated int16");
    const uint16_t u = static_cast<uint16_t>((static_cast<unsigned char>(body_[pos_]) << 8) |
                                             static_cast<unsigned char>(body_[pos_ + 1]));
    pos_ += 2;
    return static_cast<int16_t>(u);
  }
  absl::StatusOr<char> Byte() {
    if (pos_ >= body_.size()) return ProtocolViolation("truncated byte");
    return body_[pos_++];
  }
  absl::StatusOr<std::string_view> CString() {
    const size_t end = body_.find('\0', pos_);
    if (end == std::string_view::npos) return ProtocolViolation("unterminated string");
    std::string_view s = body_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  absl::StatusOr<std::string_view> Bytes(size_t n) {
    if (body_.size() - pos_ < n) return ProtocolViolation("truncated field");
    std::string_view s = body_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view Rest() {
    std::string_view s = body_.substr(pos_);
    pos_ = body_.size();
    return s;
  }

 private:
  std::string_view body_;
  size_t pos_ = 0;
};

// Parses the fields of an ErrorResponse or NoticeResponse. `position` is set from 'P'.
absl::StatusOr<PgNotice> ParseNoticeFields(std::string_view body, int* position) {
  BodyReader reader(body);
  PgNotice notice;
  std::string localized_severity;
  while (true) {
    ASSIGN_OR_RETURN(char code, reader.Byte());
    if (code == '\0') break;
    ASSIGN_OR_RETURN(std::string_view value, reader.CString());
    switch (code) {
      case 'S':
        localized_severity = std::string(value);
        break;
      case 'V':
        notice.severity = std::string(value);
        break;
      case 'C':
        notice.sqlstate = std::string(value);
        break;
      case 'M':
        notice.message = std::string(value);
        break;
      case 'D':
        notice.detail = std::string(value);
        break;
      case 'H':
        notice.hint = std::string(value);
        break;
      case 'P':
        if (position != nullptr) {
          int p = 0;
          for (char c : value) {
            if (c < '0' || c > '9' || p > 100'000'000) {
              p = 0;
              break;
            }
            p = p * 10 + (c - '0');
          }
          *position = p;
        }
        break;
      default:
        break;  // fields we do not use (where, schema, file, line, routine ...)
    }
  }
  if (notice.severity.empty()) notice.severity = localized_severity;
  return notice;
}

absl::Status ErrorFromNotice(const PgNotice& e, int position) {
  std::string sqlstate = e.sqlstate.size() == 5 ? e.sqlstate : std::string("XX000");
  absl::Status status = WithSqlState(
      absl::Status(StatusCodeForSqlState(sqlstate), e.message.empty() ? "(no message)" : e.message),
      sqlstate);
  if (position > 0) status = WithErrorPosition(std::move(status), position);
  if (!e.detail.empty()) status.SetPayload(kDetailUrl, absl::Cord(e.detail));
  if (!e.hint.empty()) status.SetPayload(kHintUrl, absl::Cord(e.hint));
  if (!e.severity.empty()) status.SetPayload(kSeverityUrl, absl::Cord(e.severity));
  return status;
}

absl::StatusOr<absl::Status> ParseError(std::string_view body) {
  int position = 0;
  ASSIGN_OR_RETURN(PgNotice e, ParseNoticeFields(body, &position));
  return ErrorFromNotice(e, position);
}

std::string PayloadString(const absl::Status& status, const char* url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  return payload.has_value() ? std::string(*payload) : std::string();
}

int PollTimeoutMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  // Round up so that we do not spin with 0 ms timeouts just before the deadline.
  const int64_t ms = absl::ToInt64Milliseconds(left) + 1;
  return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

// Waits until `fd` is ready for `events` or the deadline passes.
absl::Status WaitFd(int fd, short events, absl::Time deadline) {
  while (true) {
    pollfd pfd{fd, events, 0};
    const int timeout = PollTimeoutMs(deadline);
    const int n = poll(&pfd, 1, timeout);
    if (n > 0) return absl::OkStatus();
    if (n == 0) {
      if (timeout == 0 || absl::Now() >= deadline) {
        return WithSqlState(absl::DeadlineExceededError("timed out waiting for the server"),
                            "57014");
      }
      continue;
    }
    if (errno == EINTR) continue;
    return WithSqlState(absl::UnavailableError(absl::StrCat("poll: ", strerror(errno))), "08006");
  }
}

// Connects a non-blocking TCP socket to host:port, trying each address in turn.
absl::StatusOr<int> ConnectTcp(const std::string& host, int port, absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* addrs = nullptr;
  const std::string port_str = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), port_str.c_str(), &hints, &addrs);
  if (rc != 0 || addrs == nullptr) {
    return SqlError(absl::StatusCode::kUnavailable, "08001",
                    absl::StrCat("could not translate host name \"", host,
                                 "\" to address: ", gai_strerror(rc)));
  }
  std::string last_error = "no address";
  int result = -1;
  for (addrinfo* ai = addrs; ai != nullptr && result < 0; ai = ai->ai_next) {
    const int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        absl::Status waited = WaitFd(fd, POLLOUT, deadline);
        if (!waited.ok()) {
          close(fd);
          freeaddrinfo(addrs);
          return SqlError(waited.code(), "08001",
                          absl::StrCat("could not connect to ", host, ":", port, ": timeout"));
        }
        socklen_t len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err != 0) {
      last_error = strerror(err);
      close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    result = fd;
  }
  freeaddrinfo(addrs);
  if (result < 0) {
    return SqlError(absl::StatusCode::kUnavailable, "08001",
                    absl::StrCat("could not connect to server at \"", host, "\", port ", port, ": ",
                                 last_error));
  }
  return result;
}

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

PgConnection::PgConnection(const PgConnectOptions& options) : options_(options) {}

PgConnection::~PgConnection() {
  if (fd_ >= 0) {
    const std::string terminate = Frame('X', "");
    // Best effort: do not wait on a dead peer.
    (void)send(fd_, terminate.data(), terminate.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd_);
    fd_ = -1;
  }
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const PgConnectOptions& options) {
  if (options.user.empty()) {
    return SqlError(absl::StatusCode::kInvalidArgument, "08001", "no user name given");
  }
  if (options.port <= 0 || options.port > 65535) {
    return SqlError(absl::StatusCode::kInvalidArgument, "08001",
                    absl::StrCat("invalid port ", options.port));
  }
  if (HasNul(options.user) || HasNul(options.database) || HasNul(options.password) ||
      HasNul(options.application_name)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "08001",
                    "connection parameters must not contain NUL bytes");
  }
  std::unique_ptr<PgConnection> conn(new PgConnection(options));
  const absl::Time deadline = absl::Now() + options.connect_timeout;
  RETURN_IF_ERROR(conn->OpenSocket(deadline));
  absl::Status started = conn->Startup(deadline);
  if (!started.ok()) {
    (void)conn->Fail(absl::OkStatus());
    if (!GetSqlState(started).has_value()) started = WithSqlState(started, "08001");
    return started;
  }
  return conn;
}

absl::Status PgConnection::OpenSocket(absl::Time deadline) {
  ASSIGN_OR_RETURN(fd_, ConnectTcp(options_.host, options_.port, deadline));
  return absl::OkStatus();
}

absl::Status PgConnection::Fail(absl::Status status) {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  in_buffer_.clear();
  in_offset_ = 0;
  transaction_status_ = PgTransactionStatus::kUnknown;
  return status;
}

absl::Status PgConnection::CheckOpen() const {
  if (fd_ < 0) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "08003", "connection is closed");
  }
  return absl::OkStatus();
}

absl::Status PgConnection::WriteAll(std::string_view bytes, absl::Time deadline) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      RETURN_IF_ERROR(WaitFd(fd_, POLLOUT, deadline));
      continue;
    }
    return WithSqlState(
        absl::UnavailableError(absl::StrCat("could not send data to server: ", strerror(errno))),
        "08006");
  }
  return absl::OkStatus();
}

absl::Status PgConnection::FillBuffer(size_t want, absl::Time deadline) {
  if (in_offset_ > 0 && in_offset_ == in_buffer_.size()) {
    in_buffer_.clear();
    in_offset_ = 0;
  } else if (in_offset_ > (1u << 20)) {
    in_buffer_.erase(0, in_offset_);
    in_offset_ = 0;
  }
  while (in_buffer_.size() - in_offset_ < want) {
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      in_buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return WithSqlState(absl::UnavailableError("server closed the connection unexpectedly"),
                          "08006");
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      RETURN_IF_ERROR(WaitFd(fd_, POLLIN, deadline));
      continue;
    }
    return WithSqlState(absl::UnavailableError(
                            absl::StrCat("could not receive data from server: ", strerror(errno))),
                        "08006");
  }
  return absl::OkStatus();
}

absl::Status PgConnection::ReadMessage(absl::Time deadline, char* type, std::string* body) {
  RETURN_IF_ERROR(FillBuffer(5, deadline));
  const char* header = in_buffer_.data() + in_offset_;
  uint32_t len = 0;
  for (int i = 1; i <= 4; ++i) len = (len << 8) | static_cast<unsigned char>(header[i]);
  if (len < 4) return ProtocolViolation(absl::StrCat("message length ", len, " is too small"));
  if (len - 4 > options_.max_message_bytes) {
    return ProtocolViolation(absl::StrCat("message of ", len, " bytes is too large (limit ",
                                          options_.max_message_bytes, ")"));
  }
  *type = header[0];
  const size_t body_len = len - 4;
  RETURN_IF_ERROR(FillBuffer(5 + body_len, deadline));
  body->assign(in_buffer_, in_offset_ + 5, body_len);
  in_offset_ += 5 + body_len;
  return absl::OkStatus();
}

absl::Status PgConnection::Startup(absl::Time deadline) {
  std::string params;
  PutInt32(&params, kProtocolVersion3);
  PutCString(&params, "user");
  PutCString(&params, options_.user);
  if (!options_.database.empty()) {
    PutCString(&params, "database");
    PutCString(&params, options_.database);
  }
  if (!options_.application_name.empty()) {
    PutCString(&params, "application_name");
    PutCString(&params, options_.application_name);
  }
  PutCString(&params, "client_encoding");
  PutCString(&params, "UTF8");
  params.push_back('\0');
  std::string startup;
  PutInt32(&startup, static_cast<int32_t>(params.size() + 4));
  startup += params;
  RETURN_IF_ERROR(WriteAll(startup, deadline));

  char type = 0;
  std::string body;
  while (true) {
    RETURN_IF_ERROR(ReadMessage(deadline, &type, &body));
    switch (type) {
      case 'R': {
        BodyReader reader(body);
        ASSIGN_OR_RETURN(int32_t code, reader.Int32());
        RETURN_IF_ERROR(Authenticate(code, reader.Rest(), deadline));
        break;
      }
      case 'S':
        HandleParameterStatus(body);
        break;
      case 'K': {
        BodyReader reader(body);
        ASSIGN_OR_RETURN(backend_pid_, reader.Int32());
        ASSIGN_OR_RETURN(backend_secret_, reader.Int32());
        have_backend_key_ = true;
        break;
      }
      case 'N': {
        ASSIGN_OR_RETURN(PgNotice notice, ParseNoticeFields(body, nullptr));
        if (notice_handler_) notice_handler_(notice);
        break;
      }
      case 'v':
        break;  // NegotiateProtocolVersion: we asked for no options, 3.0 is what we speak
      case 'E': {
        ASSIGN_OR_RETURN(absl::Status error, ParseError(body));
        return error;
      }
      case 'Z': {
        BodyReader reader(body);
        ASSIGN_OR_RETURN(char status, reader.Byte());
        transaction_status_ = status == 'T'   ? PgTransactionStatus::kInTransaction
                              : status == 'E' ? PgTransactionStatus::kFailed
                                              : PgTransactionStatus::kIdle;
        return absl::OkStatus();
      }
      default:
        return ProtocolViolation(absl::StrCat("unexpected message type '",
                                              absl::CHexEscape(std::string(1, type)),
                                              "' during startup"));
    }
  }
}

absl::Status PgConnection::Authenticate(int32_t code, std::string_view rest, absl::Time deadline) {
  auto no_password = [&]() {
    return SqlError(absl::StatusCode::kUnauthenticated, "28P01",
                    absl::StrCat("password authentication failed for user \"", options_.user,
                                 "\": the server asked for a password and none was given"));
  };
  switch (code) {
    case 0:  // AuthenticationOk
      return absl::OkStatus();
    case 3: {  // AuthenticationCleartextPassword
      if (options_.password.empty()) return no_password();
      std::string body;
      PutCString(&body, options_.password);
      return WriteAll(Frame('p', body), deadline);
    }
    case 5: {  // AuthenticationMD5Password: "md5" + md5hex(md5hex(password + user) + salt)
      if (options_.password.empty()) return no_password();
      BodyReader reader(rest);
      ASSIGN_OR_RETURN(std::string_view salt, reader.Bytes(4));
      auto md5_hex = [](std::string_view data) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_len = 0;
        if (EVP_Digest(data.data(), data.size(), digest, &digest_len, EVP_md5(), nullptr) != 1) {
          digest_len = 0;  // yields a wrong password, which the server rejects
        }
        return absl::BytesToHexString(
            absl::string_view(reinterpret_cast<const char*>(digest), digest_len));
      };
      const std::string inner = md5_hex(options_.password + options_.user);
      std::string body = "md5" + md5_hex(inner + std::string(salt));
      body.push_back('\0');
      return WriteAll(Frame('p', body), deadline);
    }
    case 10: {  // AuthenticationSASL: a list of mechanisms
      BodyReader reader(rest);
      bool scram = false;
      while (true) {
        ASSIGN_OR_RETURN(std::string_view mechanism, reader.CString());
        if (mechanism.empty()) break;
        if (mechanism == "SCRAM-SHA-256") scram = true;
      }
      if (!scram) {
        return SqlError(absl::StatusCode::kUnimplemented, "28000",
                        "the server offers no SASL mechanism this client supports");
      }
      if (options_.password.empty()) return no_password();
      ASSIGN_OR_RETURN(std::string nonce, ScramSha256Client::MakeNonce());
      ScramSha256Client scram_client("", options_.password, nonce);
      const std::string first = scram_client.ClientFirstMessage();
      std::string body;
      PutCString(&body, "SCRAM-SHA-256");
      PutInt32(&body, static_cast<int32_t>(first.size()));
      body += first;
      RETURN_IF_ERROR(WriteAll(Frame('p', body), deadline));

      // AuthenticationSASLContinue (11), then AuthenticationSASLFinal (12).
      char type = 0;
      std::string msg;
      RETURN_IF_ERROR(ReadMessage(deadline, &type, &msg));
      if (type == 'E') {
        ASSIGN_OR_RETURN(absl::Status error, ParseError(msg));
        return error;
      }
      BodyReader cont(msg);
      ASSIGN_OR_RETURN(int32_t cont_code, cont.Int32());
      if (type != 'R' || cont_code != 11) return ProtocolViolation("expected SASLContinue");
      auto final_message = scram_client.HandleServerFirst(cont.Rest());
      if (!final_message.ok()) return WithSqlState(final_message.status(), "28000");
      RETURN_IF_ERROR(WriteAll(Frame('p', *final_message), deadline));

      RETURN_IF_ERROR(ReadMessage(deadline, &type, &msg));
      if (type == 'E') {
        ASSIGN_OR_RETURN(absl::Status error, ParseError(msg));
        return error;
      }
      BodyReader fin(msg);
      ASSIGN_OR_RETURN(int32_t fin_code, fin.Int32());
      if (type != 'R' || fin_code != 12) return ProtocolViolation("expected SASLFinal");
      absl::Status verified = scram_client.VerifyServerFinal(fin.Rest());
      if (!verified.ok()) return WithSqlState(verified, "28000");
      return absl::OkStatus();  // AuthenticationOk follows
    }
    default:
      return SqlError(absl::StatusCode::kUnimplemented, "28000",
                      absl::StrCat("unsupported authentication method (code ", code, ")"));
  }
}

void PgConnection::HandleParameterStatus(std::string_view body) {
  BodyReader reader(body);
  auto name = reader.CString();
  auto value = reader.CString();
  if (name.ok() && value.ok()) parameters_[std::string(*name)] = std::string(*value);
}

std::string PgConnection::parameter(const std::string& name) const {
  auto it = parameters_.find(name);
  return it == parameters_.end() ? std::string() : it->second;
}

void PgConnection::SetNoticeHandler(std::function<void(const PgNotice&)> handler) {
  notice_handler_ = std::move(handler);
}

absl::Time PgConnection::QueryDeadline() const {
  if (options_.query_timeout == absl::InfiniteDuration()) return absl::InfiniteFuture();
  return absl::Now() + options_.query_timeout;
}

absl::StatusOr<std::vector<PgResult>> PgConnection::ReadResults(absl::Time deadline,
                                                                const std::string_view* copy_data) {
  std::vector<PgResult> results;
  PgResult current;
  bool in_statement = false;  // `current` holds a row description or rows
  std::optional<absl::Status> error;
  std::vector<PgNotice> pending_notices;
  char type = 0;
  std::string body;

  auto fatal = [&](absl::Status status) { return Fail(std::move(status)); };

  while (true) {
    absl::Status read = ReadMessage(deadline, &type, &body);
    if (!read.ok()) return fatal(read);
    switch (type) {
      case '1':  // ParseComplete
      case '2':  // BindComplete
      case '3':  // CloseComplete
      case 'n':  // NoData
      case 's':  // PortalSuspended
        break;
      case 't':  // ParameterDescription
        break;
      case 'T': {  // RowDescription
        BodyReader reader(body);
        auto count = reader.Int16();
        if (!count.ok() || *count < 0) return fatal(ProtocolViolation("bad RowDescription"));
        current = PgResult();
        current.has_rows = true;
        current.columns.reserve(static_cast<size_t>(*count));
        for (int i = 0; i < *count; ++i) {
          PgColumn column;
          auto name = reader.CString();
          auto table_oid = reader.Int32();
          auto attnum = reader.Int16();
          auto type_oid = reader.Int32();
          auto type_size = reader.Int16();
          auto type_mod = reader.Int32();
          auto format = reader.Int16();
          if (!name.ok() || !table_oid.ok() || !attnum.ok() || !type_oid.ok() || !type_size.ok() ||
              !type_mod.ok() || !format.ok()) {
            return fatal(ProtocolViolation("truncated RowDescription"));
          }
          column.name = std::string(*name);
          column.type_oid = static_cast<uint32_t>(*type_oid);
          column.type_size = *type_size;
          column.type_modifier = *type_mod;
          current.columns.push_back(std::move(column));
        }
        in_statement = true;
        break;
      }
      case 'D': {  // DataRow
        BodyReader reader(body);
        auto count = reader.Int16();
        if (!count.ok() || !in_statement || static_cast<size_t>(*count) != current.columns.size() ||
            *count < 0) {
          return fatal(ProtocolViolation("DataRow does not match the RowDescription"));
        }
        std::vector<std::optional<std::string>> row;
        row.reserve(static_cast<size_t>(*count));
        for (int i = 0; i < *count; ++i) {
          auto len = reader.Int32();
          if (!len.ok()) return fatal(len.status());
          if (*len == -1) {
            row.emplace_back(std::nullopt);
            continue;
          }
          if (*len < 0) return fatal(ProtocolViolation("negative field length"));
          auto bytes = reader.Bytes(static_cast<size_t>(*len));
          if (!bytes.ok()) return fatal(bytes.status());
          row.emplace_back(std::string(*bytes));
        }
        current.rows.push_back(std::move(row));
        break;
      }
      case 'C': {  // CommandComplete
        BodyReader reader(body);
        auto tag = reader.CString();
        if (!tag.ok()) return fatal(tag.status());
        current.command_tag = std::string(*tag);
        current.notices = std::move(pending_notices);
        pending_notices.clear();
        results.push_back(std::move(current));
        current = PgResult();
        in_statement = false;
        break;
      }
      case 'I':  // EmptyQueryResponse
        current = PgResult();
        in_statement = false;
        break;
      case 'E': {
        auto parsed = ParseError(body);
        if (!parsed.ok()) return fatal(parsed.status());
        if (!error.has_value()) error = *parsed;
        current = PgResult();
        in_statement = false;
        break;
      }
      case 'N': {
        auto notice = ParseNoticeFields(body, nullptr);
        if (!notice.ok()) return fatal(notice.status());
        if (notice_handler_) {
          notice_handler_(*notice);
        } else {
          pending_notices.push_back(std::move(*notice));
        }
        break;
      }
      case 'S':
        HandleParameterStatus(body);
        break;
      case 'A':  // NotificationResponse (LISTEN/NOTIFY): not surfaced
        break;
      case 'G': {  // CopyInResponse
        if (copy_data == nullptr) {
          std::string fail;
          PutCString(&fail, "COPY FROM STDIN needs data: use PgConnection::CopyIn");
          absl::Status sent = WriteAll(Frame('f', fail), deadline);
          if (!sent.ok()) return fatal(sent);
          break;
        }
        // Send the data in chunks well under any sane server limit.
        constexpr size_t kChunk = 64 * 1024;
        std::string_view data = *copy_data;
        for (size_t off = 0; off < data.size(); off += kChunk) {
          absl::Status sent = WriteAll(Frame('d', data.substr(off, kChunk)), deadline);
          if (!sent.ok()) return fatal(sent);
        }
        absl::Status sent = WriteAll(Frame('c', ""), deadline);
        if (!sent.ok()) return fatal(sent);
        copy_data = nullptr;  // a second CopyInResponse gets refused
        break;
      }
      case 'H':  // CopyOutResponse
        current = PgResult();
        in_statement = true;
        break;
      case 'd':  // CopyData
        if (current.copy_data.size() + body.size() > options_.max_message_bytes * 4) {
          return fatal(ProtocolViolation("COPY TO STDOUT data exceeds the client's limit"));
        }
        current.copy_data += body;
        break;
      case 'c':  // CopyDone
        break;
      case 'W':  // CopyBothResponse (replication): nothing we can do with it
        return fatal(ProtocolViolation("unexpected CopyBothResponse"));
      case 'Z': {
        BodyReader reader(body);
        auto status = reader.Byte();
        if (!status.ok()) return fatal(status.status());
        transaction_status_ = *status == 'T'   ? PgTransactionStatus::kInTransaction
                              : *status == 'E' ? PgTransactionStatus::kFailed
                                               : PgTransactionStatus::kIdle;
        if (error.has_value()) return *error;
        if (!pending_notices.empty()) {
          // Notices after the last statement (or for an empty query): keep them visible.
          if (results.empty()) results.emplace_back();
          for (PgNotice& n : pending_notices) results.back().notices.push_back(std::move(n));
        }
        return results;
      }
      default:
        return fatal(ProtocolViolation(absl::StrCat("unexpected message type '",
                                                    absl::CHexEscape(std::string(1, type)), "'")));
    }
  }
}

absl::StatusOr<std::vector<PgResult>> PgConnection::Query(std::string_view sql) {
  RETURN_IF_ERROR(CheckOpen());
  if (HasNul(sql)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "query text must not contain NUL bytes");
  }
  const absl::Time deadline = QueryDeadline();
  std::string body;
  PutCString(&body, sql);
  absl::Status sent = WriteAll(Frame('Q', body), deadline);
  if (!sent.ok()) return Fail(sent);
  return ReadResults(deadline, nullptr);
}

absl::StatusOr<PgResult> PgConnection::QueryParams(
    std::string_view sql, const std::vector<std::optional<std::string>>& params) {
  RETURN_IF_ERROR(CheckOpen());
  if (HasNul(sql)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "query text must not contain NUL bytes");
  }
  if (params.size() > 65535) {
    return SqlError(absl::StatusCode::kInvalidArgument, "54023", "more than 65535 parameters");
  }
  std::string out;
  {  // Parse: unnamed statement, no parameter types given.
    std::string body;
    PutCString(&body, "");
    PutCString(&body, sql);
    PutInt16(&body, 0);
    out += Frame('P', body);
  }
  {  // Bind: unnamed portal, all parameters and results in text format.
    std::string body;
    PutCString(&body, "");
    PutCString(&body, "");
    PutInt16(&body, 0);
    PutInt16(&body, static_cast<int16_t>(static_cast<uint16_t>(params.size())));
    for (const auto& p : params) {
      if (!p.has_value()) {
        PutInt32(&body, -1);
        continue;
      }
      if (p->size() > 0x3fffffff) {
        return SqlError(absl::StatusCode::kInvalidArgument, "54000", "parameter too large");
      }
      PutInt32(&body, static_cast<int32_t>(p->size()));
      body += *p;
    }
    PutInt16(&body, 0);
    out += Frame('B', body);
  }
  out += Frame('D', std::string_view("P\0", 2));         // Describe portal ""
  out += Frame('E', std::string_view("\0\0\0\0\0", 5));  // Execute "" with no row limit
  out += Frame('S', "");                                 // Sync
  const absl::Time deadline = QueryDeadline();
  absl::Status sent = WriteAll(out, deadline);
  if (!sent.ok()) return Fail(sent);
  ASSIGN_OR_RETURN(std::vector<PgResult> results, ReadResults(deadline, nullptr));
  if (results.empty()) return PgResult();  // empty query
  return std::move(results.back());
}

absl::StatusOr<PgResult> PgConnection::CopyIn(std::string_view sql, std::string_view data) {
  RETURN_IF_ERROR(CheckOpen());
  if (HasNul(sql)) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "query text must not contain NUL bytes");
  }
  const absl::Time deadline = QueryDeadline();
  std::string body;
  PutCString(&body, sql);
  absl::Status sent = WriteAll(Frame('Q', body), deadline);
  if (!sent.ok()) return Fail(sent);
  ASSIGN_OR_RETURN(std::vector<PgResult> results, ReadResults(deadline, &data));
  if (results.empty()) return PgResult();
  return std::move(results.back());
}

absl::StatusOr<std::string> PgConnection::CopyOut(std::string_view sql) {
  ASSIGN_OR_RETURN(std::vector<PgResult> results, Query(sql));
  std::string data;
  for (PgResult& r : results) data += r.copy_data;
  return data;
}

absl::Status PgConnection::Cancel() const {
  if (!have_backend_key_) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "08003",
                    "the server sent no cancel key");
  }
  const absl::Time deadline = absl::Now() + options_.connect_timeout;
  ASSIGN_OR_RETURN(int fd, ConnectTcp(options_.host, options_.port, deadline));
  std::string request;
  PutInt32(&request, 16);
  PutInt32(&request, kCancelRequestCode);
  PutInt32(&request, backend_pid_);
  PutInt32(&request, backend_secret_);
  size_t done = 0;
  absl::Status status;
  while (done < request.size()) {
    const ssize_t n = send(fd, request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      status = WaitFd(fd, POLLOUT, deadline);
      if (!status.ok()) break;
    } else {
      status = SqlError(absl::StatusCode::kUnavailable, "08006",
                        absl::StrCat("could not send cancel request: ", strerror(errno)));
      break;
    }
  }
  if (status.ok()) {
    // The server closes the connection once it has read the request; waiting for that
    // makes sure the request arrived before we return.
    if (WaitFd(fd, POLLIN, deadline).ok()) {
      char byte;
      (void)recv(fd, &byte, 1, 0);
    }
  }
  close(fd);
  return status;
}

}  // namespace meridian::sql::shell
