#include "sql/pgwire/internal/message.h"

#include <cstring>

#include "common/logging.h"

namespace meridian::sql::pgwire {

void MessageWriter::Begin(char type) {
  CHECK(open_ == std::string::npos) << "message already open";
  buffer_.push_back(type);
  BeginUntyped();
}

void MessageWriter::BeginUntyped() {
  CHECK(open_ == std::string::npos) << "message already open";
  open_ = buffer_.size();
  buffer_.append(4, '\0');
}

void MessageWriter::Int16(int16_t v) {
  const auto u = static_cast<uint16_t>(v);
  buffer_.push_back(static_cast<char>(u >> 8));
  buffer_.push_back(static_cast<char>(u & 0xff));
}

void MessageWriter::Int32(int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) {
    buffer_.push_back(static_cast<char>((u >> shift) & 0xff));
  }
}

void MessageWriter::CString(std::string_view v) {
  // A NUL inside would end the string early on the client; cut there instead.
  const size_t nul = v.find('\0');
  buffer_.append(v.substr(0, nul));
  buffer_.push_back('\0');
}

void MessageWriter::End() {
  CHECK(open_ != std::string::npos) << "no open message";
  const auto length = static_cast<uint32_t>(buffer_.size() - open_);
  for (int i = 0; i < 4; ++i) {
    buffer_[open_ + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xff);
  }
  open_ = std::string::npos;
}

int32_t LoadInt32(const char* p) {
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(p[i]);
  return static_cast<int32_t>(u);
}

uint8_t MessageReader::Byte() {
  std::string_view b = Bytes(1);
  return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
}

int16_t MessageReader::Int16() {
  std::string_view b = Bytes(2);
  if (b.size() != 2) return 0;
  const auto u =
      static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
  return static_cast<int16_t>(u);
}

int32_t MessageReader::Int32() {
  std::string_view b = Bytes(4);
  if (b.size() != 4) return 0;
  return LoadInt32(b.data());
}

std::string_view MessageReader::Bytes(size_t n) {
  if (!ok_ || n > remaining()) {
    ok_ = false;
    return {};
  }
  std::string_view out = body_.substr(pos_, n);
  pos_ += n;
  return out;
}

std::string_view MessageReader::CString() {
  if (!ok_) return {};
  const size_t nul = body_.find('\0', pos_);
  if (nul == std::string_view::npos) {
    ok_ = false;
    return {};
  }
  std::string_view out = body_.substr(pos_, nul - pos_);
  pos_ = nul + 1;
  return out;
}

std::string_view MessageReader::Rest() {
  if (!ok_) return {};
  std::string_view out = body_.substr(pos_);
  pos_ = body_.size();
  return out;
}

}  // namespace meridian::sql::pgwire
