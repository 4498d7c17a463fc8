#include "sql/pgwire/testing/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/pgwire/internal/scram_client.h"

namespace meridian::sql::pgwire::testing {

Body& Body::Int8(uint8_t v) {
  data_.push_back(static_cast<char>(v));
  return *this;
}
Body& Body::Int16(int16_t v) {
  const auto u = static_cast<uint16_t>(v);
  data_.push_back(static_cast<char>(u >> 8));
  data_.push_back(static_cast<char>(u & 0xff));
  return *this;
}
Body& Body::Int32(int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int s = 24; s >= 0; s -= 8) data_.push_back(static_cast<char>((u >> s) & 0xff));
  return *this;
}
Body& Body::Str(std::string_view v) {
  data_.append(v);
  data_.push_back('\0');
  return *this;
}
Body& Body::Raw(std::string_view v) {
  data_.append(v);
  return *this;
}

TestClient::~TestClient() { Close(); }

void TestClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status TestClient::Connect(uint16_t port) {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return absl::UnavailableError("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat("connect: ", std::strerror(errno)));
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return absl::OkStatus();
}

absl::Status TestClient::SendRaw(std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status TestClient::Send(char type, std::string_view body) {
  std::string bytes(1, type);
  bytes += Body().Int32(static_cast<int32_t>(body.size() + 4)).data();
  bytes.append(body);
  return SendRaw(bytes);
}

absl::Status TestClient::SendStartupPacket(int32_t code, std::string_view body) {
  std::string bytes = Body().Int32(static_cast<int32_t>(body.size() + 8)).Int32(code).data();
  bytes.append(body);
  return SendRaw(bytes);
}

absl::Status TestClient::SendStartup(
    const std::vector<std::pair<std::string, std::string>>& params) {
  Body body;
  for (const auto& [k, v] : params) body.Str(k).Str(v);
  body.Int8(0);
  return SendStartupPacket(196608, body.data());
}

namespace {
// Reads more bytes into `in`; false on EOF, error or timeout.
absl::Status FillOnce(int fd, std::string* in, int timeout_ms) {
  pollfd pfd{fd, POLLIN, 0};
  while (true) {
    const int r = ::poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return absl::DeadlineExceededError("timed out waiting for the server");
    if (r < 0) return absl::UnavailableError("poll");
    break;
  }
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  if (n < 0) return absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno)));
  if (n == 0) return absl::UnavailableError("EOF");
  in->append(buf, static_cast<size_t>(n));
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<Message> TestClient::Read(int timeout_ms) {
  while (in_.size() < 5) RETURN_IF_ERROR(FillOnce(fd_, &in_, timeout_ms));
  const int32_t length = LoadInt32(in_.data() + 1);
  if (length < 4) return absl::DataLossError("server sent a bad length");
  while (in_.size() < static_cast<size_t>(length) + 1) {
    RETURN_IF_ERROR(FillOnce(fd_, &in_, timeout_ms));
  }
  Message m;
  m.type = in_[0];
  m.body = in_.substr(5, static_cast<size_t>(length) - 4);
  in_.erase(0, static_cast<size_t>(length) + 1);
  if (m.type == 'K' && m.body.size() == 8) {
    process_id_ = LoadInt32(m.body.data());
    secret_key_ = LoadInt32(m.body.data() + 4);
  }
  return m;
}

absl::StatusOr<std::vector<Message>> TestClient::ReadUntilReady() {
  std::vector<Message> out;
  while (true) {
    ASSIGN_OR_RETURN(Message m, Read());
    out.push_back(std::move(m));
    if (out.back().type == 'Z') return out;
  }
}

absl::StatusOr<char> TestClient::ReadByte() {
  while (in_.empty()) RETURN_IF_ERROR(FillOnce(fd_, &in_, 5000));
  const char c = in_[0];
  in_.erase(0, 1);
  return c;
}

bool TestClient::WaitClosed(int timeout_ms) {
  while (true) {
    absl::Status s = FillOnce(fd_, &in_, timeout_ms);
    if (absl::IsDeadlineExceeded(s)) return false;
    if (!s.ok()) return true;  // EOF or reset
    in_.clear();
  }
}

absl::StatusOr<std::vector<Message>> TestClient::Login(
    std::vector<std::pair<std::string, std::string>> extra) {
  std::vector<std::pair<std::string, std::string>> params = {{"user", "u"}, {"database", "d"}};
  for (auto& p : extra) params.push_back(std::move(p));
  RETURN_IF_ERROR(SendStartup(params));
  return ReadUntilReady();
}

absl::StatusOr<std::vector<Message>> TestClient::LoginScram(std::string_view password) {
  RETURN_IF_ERROR(SendStartup({{"user", "u"}, {"database", "d"}}));
  ASSIGN_OR_RETURN(Message sasl, Read());
  if (sasl.type != 'R' || sasl.body.size() < 4 || LoadInt32(sasl.body.data()) != 10 ||
      sasl.body.find("SCRAM-SHA-256") == std::string::npos) {
    return absl::FailedPreconditionError("expected AuthenticationSASL");
  }
  // A fixed nonce keeps the exchange reproducible; the server adds its own random part.
  ScramClientExchange scram("", std::string(password), "testclientnonce123456");
  const std::string client_first = scram.ClientFirstMessage();
  RETURN_IF_ERROR(Send('p', Body()
                                .Str("SCRAM-SHA-256")
                                .Int32(static_cast<int32_t>(client_first.size()))
                                .Raw(client_first)));
  ASSIGN_OR_RETURN(Message cont, Read());
  if (cont.type != 'R' || cont.body.size() < 4 || LoadInt32(cont.body.data()) != 11) {
    return absl::FailedPreconditionError("expected AuthenticationSASLContinue");
  }
  ASSIGN_OR_RETURN(std::string client_final, scram.HandleServerFirst(cont.body.substr(4)));
  RETURN_IF_ERROR(Send('p', Body().Raw(client_final)));

  std::vector<Message> out;
  ASSIGN_OR_RETURN(Message final_message, Read());
  if (final_message.type == 'E') {
    out.push_back(std::move(final_message));
    return out;
  }
  if (final_message.type != 'R' || final_message.body.size() < 4 ||
      LoadInt32(final_message.body.data()) != 12) {
    return absl::FailedPreconditionError("expected AuthenticationSASLFinal");
  }
  RETURN_IF_ERROR(scram.VerifyServerFinal(std::string_view(final_message.body).substr(4)));
  ASSIGN_OR_RETURN(out, ReadUntilReady());
  return out;
}

absl::StatusOr<std::vector<Message>> TestClient::Query(std::string_view sql) {
  RETURN_IF_ERROR(Send('Q', Body().Str(sql)));
  return ReadUntilReady();
}

std::vector<std::optional<std::string>> DataRowValues(const Message& m) {
  std::vector<std::optional<std::string>> out;
  MessageReader r(m.body);
  const int16_t n = r.Int16();
  for (int i = 0; i < n && r.ok(); ++i) {
    const int32_t len = r.Int32();
    if (len < 0) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(std::string(r.Bytes(static_cast<size_t>(len))));
    }
  }
  return out;
}

std::map<char, std::string> ErrorFields(const Message& m) {
  std::map<char, std::string> out;
  MessageReader r(m.body);
  while (r.ok()) {
    const char code = static_cast<char>(r.Byte());
    if (code == 0) break;
    out[code] = std::string(r.CString());
  }
  return out;
}

std::string CString(const Message& m) {
  MessageReader r(m.body);
  return std::string(r.CString());
}

std::vector<std::string> RowDescriptionNames(const Message& m) {
  std::vector<std::string> out;
  MessageReader r(m.body);
  const int16_t n = r.Int16();
  for (int i = 0; i < n && r.ok(); ++i) {
    out.emplace_back(r.CString());
    r.Bytes(18);
  }
  return out;
}

std::string Types(const std::vector<Message>& messages) {
  std::string out;
  for (const Message& m : messages) out.push_back(m.type);
  return out;
}

}  // namespace meridian::sql::pgwire::testing
