// MemEngine: an in-memory Engine with the same semantics as LevelDbEngine, for tests and the
// deterministic simulator.
//
// Every write batch gets the next sequence number; each key keeps the versions that some
// reader may still need (the newest, the newest visible to each live snapshot or iterator,
// and the newest made durable). A synced write makes everything written so far durable.
// SimulateCrash() then models a power loss: every write after the last synced one vanishes,
// whole batches at a time, exactly what a crash may do to LevelDB's unsynced log tail.
//
// Thread-safety: as Engine. Iterators take the engine mutex for each step.
#ifndef MERIDIAN_STORAGE_ENGINE_MEM_ENGINE_H_
#define MERIDIAN_STORAGE_ENGINE_MEM_ENGINE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/engine/engine.h"

namespace meridian::storage {

class MemEngine : public Engine {
 public:
  MemEngine() = default;
  MemEngine(const MemEngine&) = delete;
  MemEngine& operator=(const MemEngine&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key,
                                                 const Snapshot* snapshot) override;
  absl::Status Write(const WriteBatch& batch, const WriteOptions& options) override;
  std::unique_ptr<Iterator> NewIterator(const Snapshot* snapshot) override;
  std::shared_ptr<const Snapshot> GetSnapshot() override;

  // Drops every write not covered by a synced write, as a crash would.
  // REQUIRES: no live iterators or snapshots (a crashed process has none).
  void SimulateCrash();

  // Number of keys with at least one stored version (including deletion markers kept for
  // snapshots); for tests of version pruning.
  size_t StoredKeyCountForTesting();

 private:
  class MemIterator;
  class MemSnapshot;

  struct Version {
    uint64_t seq;
    std::optional<std::string> value;  // nullopt: deleted
  };
  using VersionList = std::vector<Version>;  // ascending seq

  // Value of `versions` visible at `seq`, or nullopt.
  static const std::optional<std::string>* VisibleAt(const VersionList& versions, uint64_t seq);

  uint64_t PinSnapshot();
  void UnpinSnapshot(uint64_t seq);
  // Removes versions of `versions` nobody can read any more.
  void PruneLocked(VersionList* versions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, VersionList, std::less<>> data_ ABSL_GUARDED_BY(mu_);
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t durable_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::multiset<uint64_t> live_snapshots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_ENGINE_MEM_ENGINE_H_
