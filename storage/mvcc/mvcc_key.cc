#include "storage/mvcc/mvcc_key.h"

#include "absl/strings/str_format.h"

namespace meridian::storage {
namespace {

void AppendEscaped(std::string_view user_key, std::string* out) {
  for (char c : user_key) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

}  // namespace

std::string EncodeIntentKey(std::string_view prefix, std::string_view user_key) {
  std::string out;
  out.reserve(prefix.size() + user_key.size() + 2 + Timestamp::kEncodedSize);
  out.append(prefix);
  AppendEscaped(user_key, &out);
  return out;
}

std::string EncodeVersionKey(std::string_view prefix, std::string_view user_key, Timestamp ts) {
  std::string out = EncodeIntentKey(prefix, user_key);
  size_t at = out.size();
  ts.EncodeTo(&out);
  for (size_t i = at; i < out.size(); ++i) out[i] = static_cast<char>(~out[i]);
  return out;
}

std::string EncodeKeyEnd(std::string_view prefix, std::string_view user_key) {
  std::string out = EncodeIntentKey(prefix, user_key);
  out.back() = '\x02';  // ... 00 01 <anything> < ... 00 02
  return out;
}

absl::StatusOr<DecodedMvccKey> DecodeMvccKey(std::string_view prefix, std::string_view key) {
  if (key.substr(0, prefix.size()) != prefix) {
    return absl::InvalidArgumentError("mvcc key lacks the store's prefix");
  }
  DecodedMvccKey out;
  size_t i = prefix.size();
  while (true) {
    if (i >= key.size()) return absl::InvalidArgumentError("mvcc key is not terminated");
    char c = key[i++];
    if (c != '\0') {
      out.user_key.push_back(c);
      continue;
    }
    if (i >= key.size()) return absl::InvalidArgumentError("mvcc key ends inside an escape");
    char next = key[i++];
    if (next == '\xff') {
      out.user_key.push_back('\0');
    } else if (next == '\x01') {
      break;
    } else {
      return absl::InvalidArgumentError(
          absl::StrFormat("mvcc key has bad escape byte 0x%02x", static_cast<uint8_t>(next)));
    }
  }
  std::string_view rest = key.substr(i);
  if (rest.empty()) return out;
  if (rest.size() != Timestamp::kEncodedSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("mvcc key has a %d-byte timestamp suffix", rest.size()));
  }
  std::string ts_bytes(rest);
  for (char& c : ts_bytes) c = static_cast<char>(~c);
  absl::StatusOr<Timestamp> ts = Timestamp::Decode(ts_bytes);
  if (!ts.ok()) return ts.status();
  out.timestamp = *ts;
  return out;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    if (static_cast<uint8_t>(out.back()) != 0xff) {
      out.back() = static_cast<char>(static_cast<uint8_t>(out.back()) + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace meridian::storage
