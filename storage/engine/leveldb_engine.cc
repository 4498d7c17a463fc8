#include "storage/engine/leveldb_engine.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/write_batch.h"

namespace meridian::storage {
namespace {

absl::Status FromLevelDb(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat("leveldb ", std::string(what), ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsIOError()) return absl::UnavailableError(msg);
  return absl::InternalError(msg);
}

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

class LevelDbSnapshot : public Snapshot {
 public:
  LevelDbSnapshot(leveldb::DB* db, const leveldb::Snapshot* snap) : db_(db), snap_(snap) {}
  ~LevelDbSnapshot() override { db_->ReleaseSnapshot(snap_); }
  const leveldb::Snapshot* get() const { return snap_; }

 private:
  leveldb::DB* db_;
  const leveldb::Snapshot* snap_;
};

class LevelDbIterator : public Iterator {
 public:
  explicit LevelDbIterator(leveldb::Iterator* it) : it_(it) {}

  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override {
    leveldb::Slice k = it_->key();
    return std::string_view(k.data(), k.size());
  }
  std::string_view value() const override {
    leveldb::Slice v = it_->value();
    return std::string_view(v.data(), v.size());
  }
  absl::Status status() const override { return FromLevelDb(it_->status(), "iterator"); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
};

class LevelDbEngine : public Engine {
 public:
  LevelDbEngine(std::unique_ptr<leveldb::Cache> cache, std::unique_ptr<leveldb::DB> db)
      : cache_(std::move(cache)), db_(std::move(db)) {}
  // The DB must close before its block cache is freed.
  ~LevelDbEngine() override { db_.reset(); }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key,
                                                 const Snapshot* snapshot) override {
    leveldb::ReadOptions ro;
    if (snapshot != nullptr) ro.snapshot = static_cast<const LevelDbSnapshot*>(snapshot)->get();
    std::string value;
    leveldb::Status s = db_->Get(ro, ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s, "get");
    return std::optional<std::string>(std::move(value));
  }

  absl::Status Write(const WriteBatch& batch, const WriteOptions& options) override {
    leveldb::WriteBatch wb;
    for (const WriteBatch::Op& op : batch.ops()) {
      if (op.type == WriteBatch::OpType::kPut) {
        wb.Put(ToSlice(op.key), ToSlice(op.value));
      } else {
        wb.Delete(ToSlice(op.key));
      }
    }
    leveldb::WriteOptions wo;
    wo.sync = options.sync;
    return FromLevelDb(db_->Write(wo, &wb), "write");
  }

  std::unique_ptr<Iterator> NewIterator(const Snapshot* snapshot) override {
    leveldb::ReadOptions ro;
    ro.fill_cache = true;
    if (snapshot != nullptr) ro.snapshot = static_cast<const LevelDbSnapshot*>(snapshot)->get();
    return std::make_unique<LevelDbIterator>(db_->NewIterator(ro));
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override {
    return std::make_shared<LevelDbSnapshot>(db_.get(), db_->GetSnapshot());
  }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> OpenLevelDbEngine(const std::string& path,
                                                          const LevelDbOptions& options) {
  if (options.create_if_missing) {
    // LevelDB creates only the last path component.
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot create data directory ", path, ": ", ec.message()));
    }
  }
  auto cache = std::unique_ptr<leveldb::Cache>(leveldb::NewLRUCache(options.block_cache_bytes));
  leveldb::Options lo;
  lo.create_if_missing = options.create_if_missing;
  lo.error_if_exists = options.error_if_exists;
  lo.paranoid_checks = true;
  lo.block_cache = cache.get();
  lo.write_buffer_size = options.write_buffer_bytes;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, path, &raw);
  if (!s.ok()) return FromLevelDb(s, absl::StrCat("open ", path));
  return std::unique_ptr<Engine>(
      new LevelDbEngine(std::move(cache), std::unique_ptr<leveldb::DB>(raw)));
}

}  // namespace meridian::storage
