#include "common/timestamp.h"

#include "absl/strings/str_format.h"
#include "common/logging.h"

namespace meridian {

Timestamp Timestamp::Next() const {
  if (logical == std::numeric_limits<uint32_t>::max()) return Timestamp{wall_ns + 1, 0};
  return Timestamp{wall_ns, logical + 1};
}

Timestamp Timestamp::Prev() const {
  CHECK(*this != Min()) << "Prev() of the minimum timestamp";
  if (logical == 0) return Timestamp{wall_ns - 1, std::numeric_limits<uint32_t>::max()};
  return Timestamp{wall_ns, logical - 1};
}

void Timestamp::EncodeTo(std::string* out) const {
  uint64_t w = static_cast<uint64_t>(wall_ns) ^ (uint64_t{1} << 63);
  char buf[kEncodedSize];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(w >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) buf[8 + i] = static_cast<char>(logical >> (24 - 8 * i));
  out->append(buf, kEncodedSize);
}

std::string Timestamp::Encode() const {
  std::string out;
  EncodeTo(&out);
  return out;
}

absl::StatusOr<Timestamp> Timestamp::Decode(std::string_view in) {
  if (in.size() != kEncodedSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("timestamp encoding must be %d bytes, got %d", kEncodedSize, in.size()));
  }
  uint64_t w = 0;
  for (int i = 0; i < 8; ++i) w = (w << 8) | static_cast<uint8_t>(in[i]);
  uint32_t l = 0;
  for (int i = 0; i < 4; ++i) l = (l << 8) | static_cast<uint8_t>(in[8 + i]);
  return Timestamp{static_cast<int64_t>(w ^ (uint64_t{1} << 63)), l};
}

std::string Timestamp::ToString() const {
  int64_t sec = wall_ns / 1000000000;
  int64_t nsec = wall_ns % 1000000000;
  if (nsec < 0) {
    sec -= 1;
    nsec += 1000000000;
  }
  return absl::StrFormat("%d.%09d,%d", sec, nsec, logical);
}

}  // namespace meridian
