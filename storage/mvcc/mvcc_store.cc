#include "storage/mvcc/mvcc_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/storage.pb.h"
#include "proto/timestamp_convert.h"
#include "storage/mvcc/mvcc_key.h"

namespace meridian::storage {
namespace {

using proto::FromProto;
using proto::ToProto;

// Version values: one tag byte, then the value bytes.
constexpr char kValueTag = 'v';
constexpr char kTombstoneTag = 't';

std::string EncodeVersionValue(std::optional<std::string_view> value) {
  std::string out(1, value.has_value() ? kValueTag : kTombstoneTag);
  if (value.has_value()) out.append(*value);
  return out;
}

absl::StatusOr<std::optional<std::string_view>> DecodeVersionValue(std::string_view bytes) {
  if (bytes.empty()) return absl::DataLossError("empty MVCC version value");
  if (bytes[0] == kTombstoneTag && bytes.size() == 1) return std::optional<std::string_view>();
  if (bytes[0] == kValueTag) return std::optional<std::string_view>(bytes.substr(1));
  return absl::DataLossError(absl::StrFormat("bad MVCC version tag 0x%02x", bytes[0]));
}

std::string EncodeIntent(const PreparedWriteInfo& info) {
  proto::PreparedWrite p;
  p.set_txn_id(info.txn_id);
  *p.mutable_timestamp() = ToProto(info.timestamp);
  p.set_tombstone(!info.value.has_value());
  if (info.value.has_value()) p.set_value(*info.value);
  return p.SerializeAsString();
}

absl::StatusOr<PreparedWriteInfo> DecodeIntent(std::string_view bytes) {
  proto::PreparedWrite p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("corrupt prepared-write record");
  }
  PreparedWriteInfo info;
  info.txn_id = p.txn_id();
  info.timestamp = FromProto(p.timestamp());
  if (!p.tombstone()) info.value = p.value();
  return info;
}

int64_t VersionBytes(std::string_view key, int64_t value_bytes) {
  return static_cast<int64_t>(key.size()) + Timestamp::kEncodedSize + value_bytes;
}

int64_t IntentBytes(std::string_view key, const PreparedWriteInfo& info) {
  return static_cast<int64_t>(key.size()) +
         (info.value.has_value() ? static_cast<int64_t>(info.value->size()) : 0);
}

// True if engine key `k` is a version of the user key whose intent slot is `intent_key`.
bool IsVersionOf(std::string_view k, std::string_view intent_key) {
  return k.size() == intent_key.size() + Timestamp::kEncodedSize &&
         k.substr(0, intent_key.size()) == intent_key;
}

absl::StatusOr<Timestamp> VersionTimestamp(std::string_view k, size_t intent_key_size) {
  std::string bytes(k.substr(intent_key_size));
  for (char& c : bytes) c = static_cast<char>(~c);
  absl::StatusOr<Timestamp> ts = Timestamp::Decode(bytes);
  if (!ts.ok()) return absl::DataLossError(ts.status().message());
  return *ts;
}

absl::Status CorruptKey(const absl::Status& s) {
  return absl::DataLossError(absl::StrCat("corrupt MVCC key: ", s.message()));
}

std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out;
}

// What a read at `ts` sees at one user key, using `it` (positioned anywhere).
struct PointRead {
  std::optional<MvccRow> row;
  std::optional<BlockingIntent> blocked_by;
};

absl::StatusOr<PointRead> ReadKeyAt(Iterator* it, std::string_view prefix,
                                    std::string_view user_key, Timestamp ts) {
  PointRead out;
  std::string intent_key = EncodeIntentKey(prefix, user_key);
  it->Seek(intent_key);
  if (it->Valid() && it->key() == intent_key) {
    ASSIGN_OR_RETURN(PreparedWriteInfo intent, DecodeIntent(it->value()));
    if (intent.timestamp <= ts) {
      out.blocked_by = BlockingIntent{std::string(user_key), intent.txn_id, intent.timestamp};
      return out;
    }
    it->Next();
  }
  RETURN_IF_ERROR(it->status());
  // Versions follow the intent key, newest first: `it` rests at the newest, which is the
  // answer unless it is above `ts` (then one more seek, to the newest at or below it).
  if (!it->Valid() || !IsVersionOf(it->key(), intent_key)) return out;
  ASSIGN_OR_RETURN(Timestamp version_ts, VersionTimestamp(it->key(), intent_key.size()));
  if (version_ts > ts) {
    it->Seek(EncodeVersionKey(prefix, user_key, ts));
    RETURN_IF_ERROR(it->status());
    if (!it->Valid() || !IsVersionOf(it->key(), intent_key)) return out;
    ASSIGN_OR_RETURN(version_ts, VersionTimestamp(it->key(), intent_key.size()));
  }
  ASSIGN_OR_RETURN(std::optional<std::string_view> value, DecodeVersionValue(it->value()));
  if (value.has_value()) out.row = MvccRow{std::string(user_key), std::string(*value), version_ts};
  return out;
}

// What a read at `ts` sees at `user_key`, for a forward scan whose iterator `it` rests at the
// key's first entry (its intent, or its newest version). Walks the key's entries with Next
// instead of seeking (a seek costs one in every level of the LSM tree), and leaves `it` past
// them, unless the read is blocked. A key with many versions above `ts`, or many below the
// one read, is crossed by a seek after a few steps.
absl::StatusOr<PointRead> ReadKeyHere(Iterator* it, std::string_view prefix,
                                      std::string_view user_key, Timestamp ts) {
  constexpr int kStepsBeforeSeek = 8;
  PointRead out;
  const std::string intent_key = EncodeIntentKey(prefix, user_key);
  if (it->key() == intent_key) {
    ASSIGN_OR_RETURN(PreparedWriteInfo intent, DecodeIntent(it->value()));
    if (intent.timestamp <= ts) {
      out.blocked_by = BlockingIntent{std::string(user_key), intent.txn_id, intent.timestamp};
      return out;
    }
    it->Next();
  }
  for (int steps = 0; it->Valid() && IsVersionOf(it->key(), intent_key);) {
    ASSIGN_OR_RETURN(Timestamp version_ts, VersionTimestamp(it->key(), intent_key.size()));
    if (version_ts <= ts) {
      ASSIGN_OR_RETURN(std::optional<std::string_view> value, DecodeVersionValue(it->value()));
      if (value.has_value()) {
        out.row = MvccRow{std::string(user_key), std::string(*value), version_ts};
      }
      break;
    }
    if (++steps == kStepsBeforeSeek) {
      it->Seek(EncodeVersionKey(prefix, user_key, ts));
    } else {
      it->Next();
    }
  }
  for (int steps = 0; it->Valid() && IsVersionOf(it->key(), intent_key); it->Next()) {
    if (++steps == kStepsBeforeSeek) {
      it->Seek(EncodeKeyEnd(prefix, user_key));
      break;
    }
  }
  RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// MvccStore

MvccStore::MvccStore(Engine* engine, MvccOptions options)
    : engine_(engine), options_(std::move(options)) {}

MvccStore::~MvccStore() = default;

absl::StatusOr<std::unique_ptr<MvccStore>> MvccStore::Open(Engine* engine, MvccOptions options) {
  if (options.data_prefix.empty() || options.meta_prefix.empty() ||
      options.data_prefix.starts_with(options.meta_prefix) ||
      options.meta_prefix.starts_with(options.data_prefix)) {
    return absl::InvalidArgumentError("MVCC data and meta prefixes must be non-empty and disjoint");
  }
  std::unique_ptr<MvccStore> store(new MvccStore(engine, std::move(options)));
  ASSIGN_OR_RETURN(std::optional<std::string> stats, engine->Get(store->StatsKey()));
  ASSIGN_OR_RETURN(std::optional<std::string> gc, engine->Get(store->GcKey()));
  absl::MutexLock lock(&store->state_mu_);
  if (stats.has_value()) {
    ASSIGN_OR_RETURN(store->stats_, MvccStats::Parse(*stats));
  }
  if (gc.has_value()) {
    proto::GcThreshold record;
    if (!record.ParseFromString(*gc)) return absl::DataLossError("corrupt GC threshold record");
    store->gc_threshold_ = FromProto(record.horizon());
  }
  return store;
}

absl::Status MvccStore::CheckReadTimestamp(Timestamp ts) const {
  absl::MutexLock lock(&state_mu_);
  if (ts < gc_threshold_) {
    return absl::FailedPreconditionError(
        absl::StrCat("read at ", ts.ToString(), " is below the garbage-collection threshold ",
                     gc_threshold_.ToString(), "; those versions may be gone"));
  }
  return absl::OkStatus();
}

Timestamp MvccStore::GcThreshold() const {
  absl::MutexLock lock(&state_mu_);
  return gc_threshold_;
}

MvccStats MvccStore::Stats() const {
  absl::MutexLock lock(&state_mu_);
  return stats_;
}

absl::StatusOr<MvccGetResult> MvccStore::Get(std::string_view key, Timestamp ts) {
  RETURN_IF_ERROR(CheckReadTimestamp(ts));
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  ASSIGN_OR_RETURN(PointRead read, ReadKeyAt(it.get(), options_.data_prefix, key, ts));
  return MvccGetResult{std::move(read.row), std::move(read.blocked_by)};
}

absl::StatusOr<std::vector<MvccGetResult>> MvccStore::GetMany(
    absl::Span<const std::string_view> keys, Timestamp ts) {
  RETURN_IF_ERROR(CheckReadTimestamp(ts));
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  std::vector<MvccGetResult> out;
  out.reserve(keys.size());
  for (std::string_view key : keys) {
    ASSIGN_OR_RETURN(PointRead read, ReadKeyAt(it.get(), options_.data_prefix, key, ts));
    out.push_back(MvccGetResult{std::move(read.row), std::move(read.blocked_by)});
  }
  return out;
}

absl::StatusOr<ScanResult> MvccStore::Scan(const ScanRequest& req) {
  if (req.max_rows < 0 || req.max_bytes < 0) {
    return absl::InvalidArgumentError("scan limits must not be negative");
  }
  if (!req.end.empty() && req.end < req.start) {
    return absl::InvalidArgumentError("scan start is after its end");
  }
  RETURN_IF_ERROR(CheckReadTimestamp(req.timestamp));
  const std::string& prefix = options_.data_prefix;
  const std::string lower = EncodeSeekKey(prefix, req.start);
  const std::string upper =
      req.end.empty() ? PrefixSuccessor(prefix) : EncodeSeekKey(prefix, req.end);

  ScanResult result;
  int64_t bytes = 0;
  auto limit_reached = [&] {
    return (req.max_rows > 0 && static_cast<int64_t>(result.rows.size()) >= req.max_rows) ||
           (req.max_bytes > 0 && bytes >= req.max_bytes);
  };
  // In reverse, the exclusive end that still includes `key`.
  auto just_after = [](const std::string& key) { return key + std::string(1, '\0'); };

  std::shared_ptr<const Snapshot> snap = engine_->GetSnapshot();
  std::unique_ptr<Iterator> it = engine_->NewIterator(snap.get());

  if (!req.reverse) {
    it->Seek(lower);
    while (it->Valid() && (upper.empty() || it->key() < upper)) {
      absl::StatusOr<DecodedMvccKey> decoded = DecodeMvccKey(prefix, it->key());
      if (!decoded.ok()) return CorruptKey(decoded.status());
      std::string& user_key = decoded->user_key;
      // Leaves `it` at the next key's first entry.
      ASSIGN_OR_RETURN(PointRead read, ReadKeyHere(it.get(), prefix, user_key, req.timestamp));
      if (read.blocked_by.has_value()) {
        result.blocked_by = std::move(read.blocked_by);
        result.resume_key = user_key;
        return result;
      }
      if (read.row.has_value()) {
        if (limit_reached()) {
          result.resume_key = user_key;
          return result;
        }
        bytes += static_cast<int64_t>(read.row->key.size() + read.row->value.size());
        result.rows.push_back(std::move(*read.row));
      }
    }
  } else {
    std::unique_ptr<Iterator> reader = engine_->NewIterator(snap.get());
    if (upper.empty()) {
      it->SeekToLast();
    } else {
      it->Seek(upper);
      if (it->Valid()) {
        it->Prev();
      } else if (it->status().ok()) {
        it->SeekToLast();
      }
    }
    while (it->Valid() && it->key() >= lower) {
      absl::StatusOr<DecodedMvccKey> decoded = DecodeMvccKey(prefix, it->key());
      if (!decoded.ok()) return CorruptKey(decoded.status());
      std::string& user_key = decoded->user_key;
      ASSIGN_OR_RETURN(PointRead read, ReadKeyAt(reader.get(), prefix, user_key, req.timestamp));
      if (read.blocked_by.has_value()) {
        result.blocked_by = std::move(read.blocked_by);
        result.resume_key = just_after(user_key);
        return result;
      }
      if (read.row.has_value()) {
        if (limit_reached()) {
          result.resume_key = just_after(user_key);
          return result;
        }
        bytes += static_cast<int64_t>(read.row->key.size() + read.row->value.size());
        result.rows.push_back(std::move(*read.row));
      }
      it->Seek(EncodeSeekKey(prefix, user_key));
      if (!it->Valid()) break;
      it->Prev();
    }
  }
  RETURN_IF_ERROR(it->status());
  return result;
}

absl::StatusOr<std::optional<PreparedWriteInfo>> MvccStore::GetIntent(std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   engine_->Get(EncodeIntentKey(options_.data_prefix, key)));
  if (!bytes.has_value()) return std::optional<PreparedWriteInfo>();
  ASSIGN_OR_RETURN(PreparedWriteInfo info, DecodeIntent(*bytes));
  return std::optional<PreparedWriteInfo>(std::move(info));
}

absl::StatusOr<std::vector<MvccVersion>> MvccStore::History(std::string_view key) {
  std::string intent_key = EncodeIntentKey(options_.data_prefix, key);
  std::vector<MvccVersion> out;
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  for (it->Seek(intent_key); it->Valid(); it->Next()) {
    if (it->key() == intent_key) continue;
    if (!IsVersionOf(it->key(), intent_key)) break;
    ASSIGN_OR_RETURN(Timestamp ts, VersionTimestamp(it->key(), intent_key.size()));
    ASSIGN_OR_RETURN(std::optional<std::string_view> value, DecodeVersionValue(it->value()));
    out.push_back(MvccVersion{
        ts, value.has_value() ? std::optional<std::string>(std::string(*value)) : std::nullopt});
  }
  RETURN_IF_ERROR(it->status());
  return out;
}

absl::StatusOr<std::optional<Timestamp>> MvccStore::NewestVersion(std::string_view key) {
  std::string intent_key = EncodeIntentKey(options_.data_prefix, key);
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  it->Seek(intent_key);
  if (it->Valid() && it->key() == intent_key) it->Next();
  RETURN_IF_ERROR(it->status());
  if (!it->Valid() || !IsVersionOf(it->key(), intent_key)) return std::nullopt;
  ASSIGN_OR_RETURN(Timestamp ts, VersionTimestamp(it->key(), intent_key.size()));
  return ts;
}

absl::Status MvccStore::Put(std::string_view key, Timestamp ts, std::string_view value,
                            const WriteOptions& options) {
  std::unique_ptr<MvccBatch> batch = NewBatch();
  RETURN_IF_ERROR(batch->Put(key, ts, value));
  return batch->Commit(options);
}

absl::Status MvccStore::Delete(std::string_view key, Timestamp ts, const WriteOptions& options) {
  std::unique_ptr<MvccBatch> batch = NewBatch();
  RETURN_IF_ERROR(batch->Delete(key, ts));
  return batch->Commit(options);
}

std::unique_ptr<MvccBatch> MvccStore::NewBatch() {
  return std::unique_ptr<MvccBatch>(new MvccBatch(this));
}

absl::StatusOr<MvccStats> MvccStore::ComputeStats(std::string_view start, std::string_view end) {
  const std::string& prefix = options_.data_prefix;
  const std::string upper = end.empty() ? PrefixSuccessor(prefix) : EncodeSeekKey(prefix, end);
  MvccStats stats;
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  std::string current_key;
  bool have_current = false;
  bool first_version = false;
  for (it->Seek(EncodeSeekKey(prefix, start)); it->Valid() && (upper.empty() || it->key() < upper);
       it->Next()) {
    absl::StatusOr<DecodedMvccKey> decoded = DecodeMvccKey(prefix, it->key());
    if (!decoded.ok()) return CorruptKey(decoded.status());
    if (!have_current || decoded->user_key != current_key) {
      have_current = true;
      first_version = true;
      current_key = decoded->user_key;
    }
    if (!decoded->timestamp.has_value()) {
      ASSIGN_OR_RETURN(PreparedWriteInfo intent, DecodeIntent(it->value()));
      stats.intent_count++;
      stats.intent_bytes += IntentBytes(current_key, intent);
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<std::string_view> value, DecodeVersionValue(it->value()));
    int64_t value_bytes = value.has_value() ? static_cast<int64_t>(value->size()) : 0;
    stats.version_count++;
    stats.version_bytes += VersionBytes(current_key, value_bytes);
    if (first_version) {
      first_version = false;
      stats.key_count++;
      if (value.has_value()) {
        stats.live_keys++;
        stats.live_bytes += static_cast<int64_t>(current_key.size()) + value_bytes;
      }
    }
  }
  RETURN_IF_ERROR(it->status());
  return stats;
}

absl::Status MvccStore::GarbageCollect(Timestamp horizon) {
  absl::MutexLock writer(&writer_mu_);
  {
    absl::MutexLock lock(&state_mu_);
    if (horizon <= gc_threshold_) return absl::OkStatus();
  }
  // Publish the threshold before deleting anything, so no reader below it can observe a
  // partially collected history.
  proto::GcThreshold record;
  *record.mutable_horizon() = ToProto(horizon);
  RETURN_IF_ERROR(engine_->Put(GcKey(), record.SerializeAsString(), WriteOptions{.sync = true}));
  {
    absl::MutexLock lock(&state_mu_);
    gc_threshold_ = horizon;
  }

  const std::string& prefix = options_.data_prefix;
  const std::string upper = PrefixSuccessor(prefix);
  constexpr size_t kDeletesPerBatch = 1000;
  WriteBatch batch;
  MvccStats delta;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    MvccStats next;
    {
      absl::MutexLock lock(&state_mu_);
      next = stats_;
    }
    next -= delta;
    batch.Put(StatsKey(), next.Serialize());
    RETURN_IF_ERROR(engine_->Write(batch, WriteOptions{}));
    absl::MutexLock lock(&state_mu_);
    stats_ = next;
    batch.Clear();
    delta = MvccStats();
    return absl::OkStatus();
  };

  std::unique_ptr<Iterator> it = engine_->NewIterator();
  std::string current_key;
  bool have_current = false;
  bool have_newer = false;  // current key has a version above the horizon
  bool kept_one = false;    // current key already kept its newest version <= horizon
  for (it->Seek(prefix); it->Valid() && (upper.empty() || it->key() < upper); it->Next()) {
    absl::StatusOr<DecodedMvccKey> decoded = DecodeMvccKey(prefix, it->key());
    if (!decoded.ok()) return CorruptKey(decoded.status());
    if (!decoded->timestamp.has_value()) continue;  // intents are not garbage
    if (!have_current || decoded->user_key != current_key) {
      have_current = true;
      current_key = decoded->user_key;
      have_newer = false;
      kept_one = false;
    }
    if (*decoded->timestamp > horizon) {
      have_newer = true;
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<std::string_view> value, DecodeVersionValue(it->value()));
    int64_t value_bytes = value.has_value() ? static_cast<int64_t>(value->size()) : 0;
    // Keep the newest version at or below the horizon unless it is a tombstone; drop all
    // older ones. A dropped tombstone that was the key's newest version removes the key.
    const bool newest_below = !kept_one;
    kept_one = true;
    if (newest_below && value.has_value()) continue;
    batch.Delete(it->key());
    delta.version_count++;
    delta.version_bytes += VersionBytes(current_key, value_bytes);
    if (newest_below && !have_newer) delta.key_count++;
    if (batch.count() >= kDeletesPerBatch) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(it->status());
  return flush();
}

// ---------------------------------------------------------------------------------------
// MvccBatch

MvccBatch::MvccBatch(MvccStore* store) : store_(store) { store_->writer_mu_.Lock(); }

MvccBatch::~MvccBatch() { store_->writer_mu_.Unlock(); }

absl::StatusOr<MvccBatch::KeyState*> MvccBatch::Load(std::string_view key) {
  auto found = keys_.find(key);
  if (found != keys_.end()) return &found->second;
  KeyState state;
  const std::string& prefix = store_->options_.data_prefix;
  std::string intent_key = EncodeIntentKey(prefix, key);
  if (reader_ == nullptr) reader_ = store_->engine_->NewIterator();
  Iterator* it = reader_.get();
  // The reader rests on the first entry at or after `seek_hint_` (when set): if the new
  // target lies between the two, that is also the first entry at or after it, and the seek
  // is saved. Keys written in order into an empty span (a bulk load) need no seeks at all.
  const bool positioned = seek_hint_.has_value() && *seek_hint_ < intent_key &&
                          (!it->Valid() || it->key() >= std::string_view(intent_key));
  if (!positioned) it->Seek(intent_key);
  seek_hint_.reset();
  bool seen = false;
  if (it->Valid() && it->key() == intent_key) {
    ASSIGN_OR_RETURN(state.intent, DecodeIntent(it->value()));
    it->Next();
    seen = true;
  }
  RETURN_IF_ERROR(it->status());
  if (it->Valid() && IsVersionOf(it->key(), intent_key)) {
    ASSIGN_OR_RETURN(state.newest_ts, VersionTimestamp(it->key(), intent_key.size()));
    ASSIGN_OR_RETURN(std::optional<std::string_view> value, DecodeVersionValue(it->value()));
    state.newest_is_value = value.has_value();
    state.newest_value_bytes = value.has_value() ? static_cast<int64_t>(value->size()) : 0;
    seen = true;
  }
  if (!seen) seek_hint_ = std::move(intent_key);  // the reader did not move
  return &keys_.emplace(std::string(key), std::move(state)).first->second;
}

absl::Status MvccBatch::WriteVersion(std::string_view key, KeyState* state, Timestamp ts,
                                     std::optional<std::string_view> value) {
  int64_t value_bytes = value.has_value() ? static_cast<int64_t>(value->size()) : 0;
  writes_.Put(EncodeVersionKey(store_->options_.data_prefix, key, ts), EncodeVersionValue(value));
  delta_.version_count++;
  delta_.version_bytes += VersionBytes(key, value_bytes);
  if (!state->newest_ts.has_value()) delta_.key_count++;
  if (state->newest_ts.has_value() && state->newest_is_value) {
    delta_.live_keys--;
    delta_.live_bytes -= static_cast<int64_t>(key.size()) + state->newest_value_bytes;
  }
  if (value.has_value()) {
    delta_.live_keys++;
    delta_.live_bytes += static_cast<int64_t>(key.size()) + value_bytes;
  }
  state->newest_ts = ts;
  state->newest_is_value = value.has_value();
  state->newest_value_bytes = value_bytes;
  return absl::OkStatus();
}

namespace {

absl::Status WriteTooOld(std::string_view key, Timestamp ts, Timestamp newest) {
  return absl::FailedPreconditionError(
      absl::StrCat("write too old: key '", Printable(key), "' at ", ts.ToString(),
                   " is not above its newest version at ", newest.ToString()));
}

absl::Status IntentConflict(std::string_view key, const PreparedWriteInfo& intent) {
  return absl::FailedPreconditionError(
      absl::StrCat("key '", Printable(key), "' has a prepared write of txn ",
                   Printable(intent.txn_id), " at ", intent.timestamp.ToString()));
}

}  // namespace

absl::Status MvccBatch::Put(std::string_view key, Timestamp ts, std::string_view value) {
  ASSIGN_OR_RETURN(KeyState * state, Load(key));
  if (state->intent.has_value()) return IntentConflict(key, *state->intent);
  if (state->newest_ts.has_value() && ts <= *state->newest_ts) {
    return WriteTooOld(key, ts, *state->newest_ts);
  }
  return WriteVersion(key, state, ts, value);
}

absl::Status MvccBatch::Delete(std::string_view key, Timestamp ts) {
  ASSIGN_OR_RETURN(KeyState * state, Load(key));
  if (state->intent.has_value()) return IntentConflict(key, *state->intent);
  if (state->newest_ts.has_value() && ts <= *state->newest_ts) {
    return WriteTooOld(key, ts, *state->newest_ts);
  }
  return WriteVersion(key, state, ts, std::nullopt);
}

absl::Status MvccBatch::Prepare(std::string_view key, std::string_view txn_id, Timestamp ts,
                                std::optional<std::string_view> value) {
  if (txn_id.empty()) return absl::InvalidArgumentError("prepare needs a transaction id");
  ASSIGN_OR_RETURN(KeyState * state, Load(key));
  if (state->intent.has_value() && state->intent->txn_id != txn_id) {
    return IntentConflict(key, *state->intent);
  }
  if (state->newest_ts.has_value() && ts <= *state->newest_ts) {
    return WriteTooOld(key, ts, *state->newest_ts);
  }
  if (state->intent.has_value()) {
    delta_.intent_count--;
    delta_.intent_bytes -= IntentBytes(key, *state->intent);
  }
  PreparedWriteInfo info{
      std::string(txn_id), ts,
      value.has_value() ? std::optional<std::string>(std::string(*value)) : std::nullopt};
  writes_.Put(EncodeIntentKey(store_->options_.data_prefix, key), EncodeIntent(info));
  delta_.intent_count++;
  delta_.intent_bytes += IntentBytes(key, info);
  state->intent = std::move(info);
  return absl::OkStatus();
}

absl::Status MvccBatch::ResolveCommit(std::string_view key, std::string_view txn_id,
                                      Timestamp commit_ts) {
  ASSIGN_OR_RETURN(KeyState * state, Load(key));
  if (!state->intent.has_value() || state->intent->txn_id != txn_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key '", Printable(key), "' has no prepared write of txn ", Printable(txn_id)));
  }
  if (commit_ts < state->intent->timestamp) {
    return absl::InvalidArgumentError(absl::StrCat("commit timestamp ", commit_ts.ToString(),
                                                   " is below the prepare timestamp ",
                                                   state->intent->timestamp.ToString()));
  }
  if (state->newest_ts.has_value() && commit_ts <= *state->newest_ts) {
    return WriteTooOld(key, commit_ts, *state->newest_ts);
  }
  PreparedWriteInfo intent = std::move(*state->intent);
  state->intent.reset();
  writes_.Delete(EncodeIntentKey(store_->options_.data_prefix, key));
  delta_.intent_count--;
  delta_.intent_bytes -= IntentBytes(key, intent);
  std::optional<std::string_view> value;
  if (intent.value.has_value()) value = *intent.value;
  return WriteVersion(key, state, commit_ts, value);
}

absl::Status MvccBatch::ResolveAbort(std::string_view key, std::string_view txn_id) {
  ASSIGN_OR_RETURN(KeyState * state, Load(key));
  if (!state->intent.has_value() || state->intent->txn_id != txn_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key '", Printable(key), "' has no prepared write of txn ", Printable(txn_id)));
  }
  delta_.intent_count--;
  delta_.intent_bytes -= IntentBytes(key, *state->intent);
  state->intent.reset();
  writes_.Delete(EncodeIntentKey(store_->options_.data_prefix, key));
  return absl::OkStatus();
}

absl::Status MvccBatch::Commit(const WriteOptions& options) {
  if (empty()) return absl::OkStatus();
  MvccStats next;
  {
    absl::MutexLock lock(&store_->state_mu_);
    next = store_->stats_;
  }
  next += delta_;
  WriteBatch all;
  all.Append(writes_);
  all.Append(raw_);
  if (!writes_.empty()) all.Put(store_->StatsKey(), next.Serialize());
  RETURN_IF_ERROR(store_->engine_->Write(all, options));
  {
    absl::MutexLock lock(&store_->state_mu_);
    store_->stats_ = next;
  }
  writes_.Clear();
  raw_.Clear();
  delta_ = MvccStats();
  keys_.clear();
  reader_.reset();  // it reads the engine as it was before this commit
  seek_hint_.reset();
  return absl::OkStatus();
}

}  // namespace meridian::storage
