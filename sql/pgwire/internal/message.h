// Framing of PostgreSQL v3 protocol messages: MessageWriter builds outgoing messages
// (type byte, big-endian Int32 length that counts itself, body); MessageReader parses one
// received body with every read bounds-checked.
//
// MessageReader is sticky: after the first read that would run past the end (or a C string
// without its terminator) every later read returns an empty value and ok() is false, so a
// parser can read all fields and check ok() once before it uses any of them.
//
// Thread-safety: none; each object belongs to one connection thread.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_MESSAGE_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace meridian::sql::pgwire {

class MessageWriter {
 public:
  // Starts a message of `type`. REQUIRES: no message is open.
  void Begin(char type);
  // Starts a message without a type byte (startup-phase packets; used by tests).
  void BeginUntyped();
  void Byte(uint8_t v) { buffer_.push_back(static_cast<char>(v)); }
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Bytes(std::string_view v) { buffer_.append(v); }
  // `v` followed by a NUL. REQUIRES: `v` has no NUL (callers pass names, tags and messages).
  void CString(std::string_view v);
  // Patches the length of the open message.
  void End();

  // A whole message with no body, e.g. ParseComplete.
  void Empty(char type) {
    Begin(type);
    End();
  }

  const std::string& data() const { return buffer_; }
  size_t size() const { return buffer_.size(); }
  void Clear() { buffer_.clear(); }

 private:
  std::string buffer_;
  size_t open_ = std::string::npos;  // offset of the open message's length field
};

class MessageReader {
 public:
  explicit MessageReader(std::string_view body) : body_(body) {}

  uint8_t Byte();
  int16_t Int16();
  int32_t Int32();
  // The next `n` bytes; empty (and not ok) when fewer remain.
  std::string_view Bytes(size_t n);
  // Up to the next NUL, which is consumed.
  std::string_view CString();
  // Everything that is left.
  std::string_view Rest();

  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == body_.size(); }
  size_t remaining() const { return body_.size() - pos_; }

 private:
  std::string_view body_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Debian's Abseil has its own string_view; these convert at the seams.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// Big-endian Int32 at `p` (4 readable bytes).
int32_t LoadInt32(const char* p);

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_MESSAGE_H_
