#include "sql/pgwire/internal/channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace meridian::sql::pgwire {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kFlushThreshold = 64 * 1024;

// Milliseconds until `deadline` for poll(): -1 for none, 0 when already past.
int PollTimeout(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  const int64_t ms = absl::ToInt64Milliseconds(left) + 1;
  return static_cast<int>(std::min<int64_t>(ms, 60 * 60 * 1000));
}

}  // namespace

absl::Status Channel::Broken(absl::Status status) {
  broken_ = true;
  return status;
}

absl::Status Channel::Fill(absl::Time deadline) {
  if (broken_) return absl::UnavailableError("connection is broken");
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  }
  while (true) {
    pollfd pfd{fd_, POLLIN, 0};
    const int timeout = PollTimeout(deadline);
    const int ready = ::poll(&pfd, 1, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Broken(absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno))));
    }
    if (ready == 0) {
      if (PollTimeout(deadline) == 0) return absl::DeadlineExceededError("read timed out");
      continue;
    }
    char chunk[kReadChunk];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Broken(absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno))));
    }
    if (n == 0) return Broken(absl::UnavailableError("client closed the connection"));
    in_.append(chunk, static_cast<size_t>(n));
    return absl::OkStatus();
  }
}

absl::Status Channel::ReadExact(size_t n, absl::Time deadline, std::string* dst) {
  while (n > 0) {
    if (in_pos_ == in_.size()) RETURN_IF_ERROR(Fill(deadline));
    const size_t take = std::min(n, in_.size() - in_pos_);
    dst->append(in_, in_pos_, take);
    in_pos_ += take;
    n -= take;
  }
  return absl::OkStatus();
}

absl::StatusOr<Message> Channel::ReadMessage(absl::Time deadline) {
  std::string header;
  RETURN_IF_ERROR(ReadExact(5, deadline, &header));
  Message message;
  message.type = header[0];
  const int32_t length = LoadInt32(header.data() + 1);
  if (length < 4) {
    return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                    absl::StrCat("invalid message length ", length));
  }
  const size_t body_length = static_cast<size_t>(length) - 4;
  if (body_length > max_message_bytes_) {
    return SqlError(absl::StatusCode::kResourceExhausted, "54000",
                    absl::StrCat("message of ", body_length, " bytes exceeds the limit of ",
                                 max_message_bytes_, " bytes"));
  }
  RETURN_IF_ERROR(ReadExact(body_length, deadline, &message.body));
  return message;
}

absl::StatusOr<std::string> Channel::ReadStartupPacket(absl::Time deadline, size_t max_length) {
  std::string header;
  RETURN_IF_ERROR(ReadExact(4, deadline, &header));
  const int32_t length = LoadInt32(header.data());
  if (length < 8 || static_cast<size_t>(length) > max_length) {
    return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                    absl::StrCat("invalid length of startup packet: ", length));
  }
  std::string body;
  RETURN_IF_ERROR(ReadExact(static_cast<size_t>(length) - 4, deadline, &body));
  return body;
}

absl::Status Channel::Flush() {
  if (broken_) {
    out_.Clear();
    return absl::UnavailableError("connection is broken");
  }
  const std::string& data = out_.data();
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd pfd{fd_, POLLOUT, 0};
        ::poll(&pfd, 1, 1000);
        continue;
      }
      out_.Clear();
      return Broken(absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno))));
    }
    sent += static_cast<size_t>(n);
  }
  out_.Clear();
  return absl::OkStatus();
}

absl::Status Channel::FlushIfLarge() {
  if (out_.size() < kFlushThreshold) return absl::OkStatus();
  return Flush();
}

}  // namespace meridian::sql::pgwire
