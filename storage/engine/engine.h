// The storage engine seam: an ordered byte-string key-value store with atomic write batches,
// optionally synced writes, consistent iterators and snapshots.
//
// Two implementations share one contract and one test suite (engine_test.cc):
//   - LevelDbEngine (leveldb_engine.h): the real, durable engine on disk.
//   - MemEngine (mem_engine.h): in memory, for the deterministic simulator; it can also
//     simulate a crash that loses every write not yet made durable by a synced write.
//
// Contract:
//   - Keys order bytewise (unsigned memcmp order, shorter prefix first).
//   - Write() applies a WriteBatch atomically: after a crash either all of it or none of it
//     is visible. With WriteOptions::sync the call returns only once the batch, and every batch
//     written before it, is durable.
//   - An iterator sees the state as of its creation (or as of the snapshot it was opened at)
//     regardless of later writes.
//
// Thread-safety: Engine methods may be called concurrently from any thread. An Iterator is
// used by one thread at a time. The engine must outlive every Iterator and Snapshot.
#ifndef MERIDIAN_STORAGE_ENGINE_ENGINE_H_
#define MERIDIAN_STORAGE_ENGINE_ENGINE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meridian::storage {

// An ordered list of puts and deletes applied atomically by Engine::Write.
// Later operations on the same key win.
class WriteBatch {
 public:
  enum class OpType { kPut, kDelete };
  struct Op {
    OpType type;
    std::string key;
    std::string value;  // empty for kDelete
  };

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Appends every operation of `other` after this batch's own.
  void Append(const WriteBatch& other);
  void Clear();

  bool empty() const { return ops_.empty(); }
  size_t count() const { return ops_.size(); }
  // Bytes of keys and values, a cheap estimate of the batch's cost.
  size_t ApproximateBytes() const { return bytes_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

struct WriteOptions {
  // When true, Write returns only after the batch (and all earlier ones) is durable.
  bool sync = false;
};

// A consistent, read-only point-in-time view. Release it by dropping the last reference.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

// A cursor over the keys visible at the iterator's snapshot.
class Iterator {
 public:
  virtual ~Iterator() = default;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  // REQUIRES: Valid().
  virtual void Prev() = 0;
  // REQUIRES: Valid(). The views stay good until the iterator moves.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK if iteration hit an error (e.g. corruption); Valid() is then false.
  virtual absl::Status status() const = 0;

  // Positions at the last key <= target.
  void SeekForPrev(std::string_view target);
};

class Engine {
 public:
  virtual ~Engine() = default;

  // The value at `key`, or nullopt if absent. With `snapshot`, as of that snapshot.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key,
                                                         const Snapshot* snapshot = nullptr) = 0;

  // Applies `batch` atomically. See WriteOptions for durability.
  virtual absl::Status Write(const WriteBatch& batch, const WriteOptions& options) = 0;

  // A new iterator over the current state, or over `snapshot` if given.
  virtual std::unique_ptr<Iterator> NewIterator(const Snapshot* snapshot = nullptr) = 0;

  virtual std::shared_ptr<const Snapshot> GetSnapshot() = 0;

  // Convenience single-key writes.
  absl::Status Put(std::string_view key, std::string_view value, const WriteOptions& options = {});
  absl::Status Delete(std::string_view key, const WriteOptions& options = {});
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_ENGINE_ENGINE_H_
