#include "storage/engine/test_util.h"

#include <stdlib.h>

#include <filesystem>

#include "common/logging.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/engine/mem_engine.h"

namespace meridian::storage {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/meridian-test-XXXXXX";
  char* made = mkdtemp(tmpl.data());
  CHECK(made != nullptr) << "mkdtemp " << tmpl;
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string EngineKindName(EngineKind kind) {
  return kind == EngineKind::kLevelDb ? "LevelDb" : "Memory";
}

std::unique_ptr<Engine> MakeTestEngine(EngineKind kind, const TempDir* dir) {
  if (kind == EngineKind::kMemory) return std::make_unique<MemEngine>();
  auto engine = OpenLevelDbEngine(dir->path() + "/db");
  CHECK(engine.ok()) << engine.status();
  return std::move(*engine);
}

}  // namespace meridian::storage
