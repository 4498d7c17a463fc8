// One client connection's byte stream: buffered, deadline-bounded reads of whole protocol
// messages (with the size limit checked before anything is allocated for a body), and an
// output buffer of encoded messages that Flush() writes out.
//
// Reads and writes handle partial transfers and EINTR; writes use MSG_NOSIGNAL so a client
// that went away yields an error instead of SIGPIPE. After any I/O failure broken() is true
// and every later call fails at once.
//
// Errors: Unavailable for a closed or failed socket, DeadlineExceeded when the deadline
// passes, and SQLSTATE-carrying errors for framing violations (08P01 bad length, 54000 a
// message above the limit) that the caller reports as FATAL before closing.
//
// Thread-safety: none; used by its connection's thread only. The fd is not owned: the
// server closes it after the connection thread is done (and may shutdown() it from another
// thread to wake a blocked read or write, which then fails).
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_CHANNEL_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_CHANNEL_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/pgwire/internal/message.h"

namespace meridian::sql::pgwire {

struct Message {
  char type = 0;
  std::string body;  // without the type byte and length
};

class Channel {
 public:
  Channel(int fd, size_t max_message_bytes) : fd_(fd), max_message_bytes_(max_message_bytes) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // A regular message: type byte, Int32 length (>= 4, counting itself), body.
  absl::StatusOr<Message> ReadMessage(absl::Time deadline);
  // A startup-phase packet: Int32 length (counting itself, 8..`max_length`), body. Returns
  // the body (its first four bytes are the request code).
  absl::StatusOr<std::string> ReadStartupPacket(absl::Time deadline, size_t max_length);

  // Messages to send; nothing goes out until Flush().
  MessageWriter& out() { return out_; }
  absl::Status Flush();
  // Flushes when the buffer has grown large (while streaming rows).
  absl::Status FlushIfLarge();

  bool broken() const { return broken_; }

 private:
  // Appends exactly `n` bytes to `*dst`, growing it only as bytes arrive.
  absl::Status ReadExact(size_t n, absl::Time deadline, std::string* dst);
  absl::Status Fill(absl::Time deadline);
  absl::Status Broken(absl::Status status);

  const int fd_;
  const size_t max_message_bytes_;
  MessageWriter out_;
  std::string in_;  // received, not yet consumed bytes start at in_pos_
  size_t in_pos_ = 0;
  bool broken_ = false;
};

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_CHANNEL_H_
