#include "storage/engine/engine.h"

namespace meridian::storage {

void WriteBatch::Put(std::string_view key, std::string_view value) {
  ops_.push_back(Op{OpType::kPut, std::string(key), std::string(value)});
  bytes_ += key.size() + value.size();
}

void WriteBatch::Delete(std::string_view key) {
  ops_.push_back(Op{OpType::kDelete, std::string(key), std::string()});
  bytes_ += key.size();
}

void WriteBatch::Append(const WriteBatch& other) {
  ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  bytes_ += other.bytes_;
}

void WriteBatch::Clear() {
  ops_.clear();
  bytes_ = 0;
}

void Iterator::SeekForPrev(std::string_view target) {
  Seek(target);
  if (!Valid()) {
    if (!status().ok()) return;
    SeekToLast();
    return;
  }
  if (key() != target) Prev();
}

absl::Status Engine::Put(std::string_view key, std::string_view value,
                         const WriteOptions& options) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(batch, options);
}

absl::Status Engine::Delete(std::string_view key, const WriteOptions& options) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(batch, options);
}

}  // namespace meridian::storage
