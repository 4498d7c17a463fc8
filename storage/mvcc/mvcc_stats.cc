#include "storage/mvcc/mvcc_stats.h"

#include "absl/strings/str_format.h"
#include "proto/storage.pb.h"

namespace meridian::storage {

MvccStats& MvccStats::operator+=(const MvccStats& o) {
  live_keys += o.live_keys;
  live_bytes += o.live_bytes;
  key_count += o.key_count;
  version_count += o.version_count;
  version_bytes += o.version_bytes;
  intent_count += o.intent_count;
  intent_bytes += o.intent_bytes;
  return *this;
}

MvccStats& MvccStats::operator-=(const MvccStats& o) {
  live_keys -= o.live_keys;
  live_bytes -= o.live_bytes;
  key_count -= o.key_count;
  version_count -= o.version_count;
  version_bytes -= o.version_bytes;
  intent_count -= o.intent_count;
  intent_bytes -= o.intent_bytes;
  return *this;
}

std::string MvccStats::Serialize() const {
  proto::MvccStatsRecord r;
  r.set_live_keys(live_keys);
  r.set_live_bytes(live_bytes);
  r.set_key_count(key_count);
  r.set_version_count(version_count);
  r.set_version_bytes(version_bytes);
  r.set_intent_count(intent_count);
  r.set_intent_bytes(intent_bytes);
  return r.SerializeAsString();
}

absl::StatusOr<MvccStats> MvccStats::Parse(std::string_view bytes) {
  proto::MvccStatsRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("corrupt MVCC stats record");
  }
  MvccStats s;
  s.live_keys = r.live_keys();
  s.live_bytes = r.live_bytes();
  s.key_count = r.key_count();
  s.version_count = r.version_count();
  s.version_bytes = r.version_bytes();
  s.intent_count = r.intent_count();
  s.intent_bytes = r.intent_bytes();
  return s;
}

std::string MvccStats::ToString() const {
  return absl::StrFormat(
      "live_keys=%d live_bytes=%d keys=%d versions=%d version_bytes=%d intents=%d "
      "intent_bytes=%d",
      live_keys, live_bytes, key_count, version_count, version_bytes, intent_count, intent_bytes);
}

}  // namespace meridian::storage
