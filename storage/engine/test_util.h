// Test helpers for code that runs over either engine: a self-deleting temporary directory
// and a factory for both engine kinds.
//
// Thread-safety: none needed; test-only.
#ifndef MERIDIAN_STORAGE_ENGINE_TEST_UTIL_H_
#define MERIDIAN_STORAGE_ENGINE_TEST_UTIL_H_

#include <memory>
#include <string>

#include "storage/engine/engine.h"

namespace meridian::storage {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

enum class EngineKind { kLevelDb, kMemory };
std::string EngineKindName(EngineKind kind);

// A new empty engine; a LevelDB engine lives in `dir`.
std::unique_ptr<Engine> MakeTestEngine(EngineKind kind, const TempDir* dir);

}  // namespace meridian::storage

#endif  // MERIDIAN_STORAGE_ENGINE_TEST_UTIL_H_
