// LevelDbEngine: the durable Engine, backed by one LevelDB database directory.
//
// Write batches map onto leveldb::WriteBatch (atomic in LevelDB's log); WriteOptions::sync
// maps onto LevelDB's synced write, which fsyncs the log and so also every earlier write.
// Corruption reported by LevelDB surfaces as absl::DataLossError.
//
// Thread-safety: as Engine; LevelDB serializes writers internally.
#ifndef MERIDIAN_STORAGE_ENGINE_LEVELDB_ENGINE_H_
#define MERIDIAN_STORAGE_ENGINE_LEVELDB_ENGINE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/engine/engine.h"

namespace meridian::storage {

struct LevelDbOptions {
  bool create_if_missing = true;
  bool error_if_exists = false;
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 16 << 20;
};

// Opens (or creates) the database in directory `path`.
absl::StatusOr<std::unique_ptr<Engine>> OpenLevelDbEngine(const std::string& path,
                                                          const LevelDbOptions& options = {});

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_ENGINE_LEVELDB_ENGINE_H_
