// MvccStore: multi-version key-value storage over an Engine, stamped with hybrid timestamps.
//
//   reads                         writes (MvccBatch, atomic, one writer at a time)
//   Get(key, ts)                  Put / Delete a committed version at ts
//   Scan([start,end), ts, ...)    Prepare a write for a transaction (an "intent")
//                                 ResolveCommit it to its commit timestamp / ResolveAbort it
//
// Semantics:
//   - A read at ts sees, per key, the newest committed version at or below ts.
//   - A prepared write at timestamp p hides the key from readers at ts >= p: such a reader
//     gets an explicit `blocked_by` answer naming the transaction and never silently skips
//     the key. Readers below p do not see it at all.
//   - Versions are immutable. A new version (or a prepare) must be above the key's newest
//     committed version; otherwise kFailedPrecondition ("write too old").
//   - GarbageCollect(h) drops every version that no read at or above h can see, and from then
//     on a read below h is kFailedPrecondition, never a silently wrong answer.
//   - Stats() are kept current atomically with every batch; ComputeStats() recounts a span.
//
// Key layout: see mvcc_key.h. Metadata (stats, GC threshold) lives under the meta prefix.
//
// Thread-safety: reads may run concurrently with each other and with a writer; each read
// sees one engine snapshot. At most one MvccBatch is open at a time: NewBatch() blocks
// while another batch is open. GarbageCollect also takes the writer role.
#ifndef MERIDIAN_STORAGE_MVCC_MVCC_STORE_H_
#define MERIDIAN_STORAGE_MVCC_MVCC_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/timestamp.h"
#include "storage/engine/engine.h"
#include "storage/mvcc/mvcc_stats.h"

namespace meridian::storage {

struct MvccOptions {
  // Engine key prefixes for user data and for this store's metadata. Two stores on one
  // engine must use disjoint prefixes.
  std::string data_prefix = "d";
  std::string meta_prefix = "m";
};

// One key's committed version as seen by a read.
struct MvccRow {
  std::string key;
  std::string value;
  Timestamp timestamp;  // the version's commit timestamp
  friend bool operator==(const MvccRow&, const MvccRow&) = default;
};

// A prepared write that stops a read: the reader must wait for `txn_id` to resolve.
struct BlockingIntent {
  std::string key;
  std::string txn_id;
  Timestamp timestamp;  // the prepare timestamp
};

struct MvccGetResult {
  std::optional<MvccRow> row;                // nullopt: no live version at the read timestamp
  std::optional<BlockingIntent> blocked_by;  // set: the answer depends on an undecided txn
};

struct ScanRequest {
  std::string start;  // inclusive
  std::string end;    // exclusive; empty means the end of the key space
  Timestamp timestamp;
  int64_t max_rows = 0;   // 0: unlimited
  int64_t max_bytes = 0;  // 0: unlimited; stops once key+value bytes reach it (>= 1 row)
  bool reverse = false;   // descending key order
};

struct ScanResult {
  std::vector<MvccRow> rows;
  // Set when a limit or a blocking intent stopped the scan early. Forward: the start of the
  // rest of the span. Reverse: the new exclusive end of the rest of the span.
  std::optional<std::string> resume_key;
  std::optional<BlockingIntent> blocked_by;
};

// A prepared write as stored.
struct PreparedWriteInfo {
  std::string txn_id;
  Timestamp timestamp;
  std::optional<std::string> value;  // nullopt: a prepared delete
};

// A committed version including tombstones, for History().
struct MvccVersion {
  Timestamp timestamp;
  std::optional<std::string> value;  // nullopt: tombstone
};

class MvccBatch;

class MvccStore {
 public:
  // Opens the store on `engine` (which must outlive it), loading persisted stats and the GC
  // threshold.
  static absl::StatusOr<std::unique_ptr<MvccStore>> Open(Engine* engine, MvccOptions options = {});
  ~MvccStore();

  absl::StatusOr<MvccGetResult> Get(std::string_view key, Timestamp ts);
  // Get of each of `keys` at `ts`, in their order, through one iterator: cheaper than a Get
  // each (an iterator merges the memtables and every level's files).
  absl::StatusOr<std::vector<MvccGetResult>> GetMany(absl::Span<const std::string_view> keys,
                                                     Timestamp ts);
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request);

  // The prepared write at `key`, if any.
  absl::StatusOr<std::optional<PreparedWriteInfo>> GetIntent(std::string_view key);
  // Every committed version of `key`, newest first.
  absl::StatusOr<std::vector<MvccVersion>> History(std::string_view key);
  // The timestamp of `key`'s newest committed version, a tombstone included; nullopt if it
  // has none. (Snapshot isolation's write-write check: was it written after a snapshot?)
  absl::StatusOr<std::optional<Timestamp>> NewestVersion(std::string_view key);

  // Single writes, each its own atomic batch.
  absl::Status Put(std::string_view key, Timestamp ts, std::string_view value,
                   const WriteOptions& options = {});
  absl::Status Delete(std::string_view key, Timestamp ts, const WriteOptions& options = {});

  // Starts an atomic group of writes. Blocks while another batch (or GC) is open.
  std::unique_ptr<MvccBatch> NewBatch();

  // Removes versions invisible at or above `horizon` and makes reads below it fail. The
  // threshold only moves forward; an older horizon is a no-op.
  absl::Status GarbageCollect(Timestamp horizon);
  Timestamp GcThreshold() const;

  MvccStats Stats() const;
  // Recounts [start, end) (empty end: to the end). For verification and splits.
  absl::StatusOr<MvccStats> ComputeStats(std::string_view start, std::string_view end);

  const MvccOptions& options() const { return options_; }

 private:
  friend class MvccBatch;
  MvccStore(Engine* engine, MvccOptions options);

  absl::Status CheckReadTimestamp(Timestamp ts) const;
  std::string StatsKey() const { return options_.meta_prefix + "stats"; }
  std::string GcKey() const { return options_.meta_prefix + "gc"; }

  Engine* const engine_;
  const MvccOptions options_;

  // Held by the single open MvccBatch (and by GarbageCollect).
  absl::Mutex writer_mu_;

  mutable absl::Mutex state_mu_;
  MvccStats stats_ ABSL_GUARDED_BY(state_mu_);
  Timestamp gc_threshold_ ABSL_GUARDED_BY(state_mu_);
};

// An atomic group of MVCC writes. Each operation validates against the store plus the
// batch's own earlier operations; a rejected operation stages nothing, so the batch stays
// usable. Nothing is visible until Commit. Destroying an uncommitted batch discards it.
//
// Thread-safety: owned by one thread; holds the store's writer role while alive.
class MvccBatch {
 public:
  ~MvccBatch();
  MvccBatch(const MvccBatch&) = delete;
  MvccBatch& operator=(const MvccBatch&) = delete;

  absl::Status Put(std::string_view key, Timestamp ts, std::string_view value);
  absl::Status Delete(std::string_view key, Timestamp ts);

  // Records a prepared write of `txn_id` at `ts` (value nullopt: a delete). The same txn may
  // re-prepare a key; another txn's prepared write there is kFailedPrecondition.
  absl::Status Prepare(std::string_view key, std::string_view txn_id, Timestamp ts,
                       std::optional<std::string_view> value);
  // Turns txn_id's prepared write at `key` into a committed version at commit_ts (which must
  // be >= its prepare timestamp).
  absl::Status ResolveCommit(std::string_view key, std::string_view txn_id, Timestamp commit_ts);
  // Removes txn_id's prepared write at `key`.
  absl::Status ResolveAbort(std::string_view key, std::string_view txn_id);

  // Raw engine writes committed atomically with the MVCC ones (e.g. a Paxos applied index).
  // They must stay outside the store's data and meta prefixes.
  WriteBatch* raw() { return &raw_; }

  // Applies everything atomically. The batch is empty afterwards and may be reused.
  absl::Status Commit(const WriteOptions& options = {});

  bool empty() const { return writes_.empty() && raw_.empty(); }

 private:
  friend class MvccStore;
  explicit MvccBatch(MvccStore* store);

  // What the batch knows of one key: the store's state plus this batch's operations.
  struct KeyState {
    std::optional<PreparedWriteInfo> intent;
    std::optional<Timestamp> newest_ts;  // newest committed version
    bool newest_is_value = false;
    int64_t newest_value_bytes = 0;
  };

  absl::StatusOr<KeyState*> Load(std::string_view key);
  absl::Status WriteVersion(std::string_view key, KeyState* state, Timestamp ts,
                            std::optional<std::string_view> value);

  MvccStore* store_;
  WriteBatch writes_;
  WriteBatch raw_;
  MvccStats delta_;
  std::map<std::string, KeyState, std::less<>> keys_;
  // Load's reader of the engine, made once per batch (a new LevelDB iterator per key cost
  // more than the writes themselves when a command writes tens of thousands of keys).
  std::unique_ptr<Iterator> reader_;
  // Where reader_ last sought and found nothing for the key (it rests on the first entry
  // after it), for Load to skip seeks that would land in the same place.
  std::optional<std::string> seek_hint_;
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_MVCC_MVCC_STORE_H_
