#include "storage/engine/mem_engine.h"

#include <utility>

#include "common/logging.h"

namespace meridian::storage {

class MemEngine::MemSnapshot : public Snapshot {
 public:
  MemSnapshot(MemEngine* engine, uint64_t seq) : engine_(engine), seq_(seq) {}
  ~MemSnapshot() override { engine_->UnpinSnapshot(seq_); }
  uint64_t seq() const { return seq_; }

 private:
  MemEngine* engine_;
  uint64_t seq_;
};

// Repositions by key on every step, so it is immune to concurrent inserts and erases.
class MemEngine::MemIterator : public Iterator {
 public:
  // `pinned`: the iterator pinned `seq` itself and must unpin it.
  MemIterator(MemEngine* engine, uint64_t seq, bool pinned)
      : engine_(engine), seq_(seq), pinned_(pinned) {}
  ~MemIterator() override {
    if (pinned_) engine_->UnpinSnapshot(seq_);
  }

  bool Valid() const override { return valid_; }
  void SeekToFirst() override { Seek(std::string_view()); }
  void SeekToLast() override {
    absl::MutexLock lock(&engine_->mu_);
    BackwardFrom(engine_->data_.end());
  }
  void Seek(std::string_view target) override {
    absl::MutexLock lock(&engine_->mu_);
    ForwardFrom(engine_->data_.lower_bound(target));
  }
  void Next() override {
    CHECK(valid_);
    absl::MutexLock lock(&engine_->mu_);
    ForwardFrom(engine_->data_.upper_bound(key_));
  }
  void Prev() override {
    CHECK(valid_);
    absl::MutexLock lock(&engine_->mu_);
    BackwardFrom(engine_->data_.lower_bound(key_));
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  using MapIt = std::map<std::string, VersionList, std::less<>>::iterator;

  void ForwardFrom(MapIt it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(engine_->mu_) {
    for (; it != engine_->data_.end(); ++it) {
      if (Take(it)) return;
    }
    valid_ = false;
  }
  // Positions at the last visible key strictly before `it`.
  void BackwardFrom(MapIt it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(engine_->mu_) {
    while (it != engine_->data_.begin()) {
      --it;
      if (Take(it)) return;
    }
    valid_ = false;
  }
  bool Take(MapIt it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(engine_->mu_) {
    const std::optional<std::string>* v = VisibleAt(it->second, seq_);
    if (v == nullptr || !v->has_value()) return false;
    key_ = it->first;
    value_ = **v;
    valid_ = true;
    return true;
  }

  MemEngine* engine_;
  uint64_t seq_;
  bool pinned_;
  bool valid_ = false;
  std::string key_;
  std::string value_;
};

const std::optional<std::string>* MemEngine::VisibleAt(const VersionList& versions, uint64_t seq) {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->seq <= seq) return &it->value;
  }
  return nullptr;
}

absl::StatusOr<std::optional<std::string>> MemEngine::Get(std::string_view key,
                                                          const Snapshot* snapshot) {
  absl::MutexLock lock(&mu_);
  uint64_t seq = snapshot == nullptr ? last_seq_ : static_cast<const MemSnapshot*>(snapshot)->seq();
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<std::string>();
  const std::optional<std::string>* v = VisibleAt(it->second, seq);
  if (v == nullptr) return std::optional<std::string>();
  return *v;
}

absl::Status MemEngine::Write(const WriteBatch& batch, const WriteOptions& options) {
  absl::MutexLock lock(&mu_);
  uint64_t seq = ++last_seq_;
  for (const WriteBatch::Op& op : batch.ops()) {
    auto it = data_.find(op.key);
    if (it == data_.end()) it = data_.emplace(op.key, VersionList()).first;
    VersionList& versions = it->second;
    std::optional<std::string> value;
    if (op.type == WriteBatch::OpType::kPut) value = op.value;
    if (!versions.empty() && versions.back().seq == seq) {
      versions.back().value = std::move(value);  // later op in the same batch wins
    } else {
      versions.push_back(Version{seq, std::move(value)});
    }
  }
  if (options.sync) durable_seq_ = seq;
  for (const WriteBatch::Op& op : batch.ops()) {
    auto it = data_.find(op.key);
    if (it == data_.end()) continue;
    PruneLocked(&it->second);
    if (it->second.size() == 1 && !it->second.front().value.has_value()) data_.erase(it);
  }
  return absl::OkStatus();
}

void MemEngine::PruneLocked(VersionList* versions) {
  // Version i is needed if it is the newest, or if some pin p (a live snapshot or the
  // durable point) sees it: versions[i].seq <= p < versions[i+1].seq.
  VersionList kept;
  for (size_t i = 0; i < versions->size(); ++i) {
    bool needed = i + 1 == versions->size();
    if (!needed) {
      uint64_t lo = (*versions)[i].seq, hi = (*versions)[i + 1].seq;
      auto snap = live_snapshots_.lower_bound(lo);
      needed = (snap != live_snapshots_.end() && *snap < hi) ||
               (durable_seq_ >= lo && durable_seq_ < hi);
    }
    if (needed) kept.push_back(std::move((*versions)[i]));
  }
  *versions = std::move(kept);
}

std::unique_ptr<Iterator> MemEngine::NewIterator(const Snapshot* snapshot) {
  if (snapshot != nullptr) {
    return std::make_unique<MemIterator>(this, static_cast<const MemSnapshot*>(snapshot)->seq(),
                                         /*pinned=*/false);
  }
  return std::make_unique<MemIterator>(this, PinSnapshot(), /*pinned=*/true);
}

std::shared_ptr<const Snapshot> MemEngine::GetSnapshot() {
  return std::make_shared<MemSnapshot>(this, PinSnapshot());
}

uint64_t MemEngine::PinSnapshot() {
  absl::MutexLock lock(&mu_);
  live_snapshots_.insert(last_seq_);
  return last_seq_;
}

void MemEngine::UnpinSnapshot(uint64_t seq) {
  absl::MutexLock lock(&mu_);
  auto it = live_snapshots_.find(seq);
  CHECK(it != live_snapshots_.end());
  live_snapshots_.erase(it);
}

void MemEngine::SimulateCrash() {
  absl::MutexLock lock(&mu_);
  CHECK(live_snapshots_.empty()) << "SimulateCrash with live iterators or snapshots";
  for (auto it = data_.begin(); it != data_.end();) {
    VersionList& versions = it->second;
    while (!versions.empty() && versions.back().seq > durable_seq_) versions.pop_back();
    if (versions.empty() || !versions.back().value.has_value()) {
      it = data_.erase(it);
    } else {
      versions.erase(versions.begin(), versions.end() - 1);
      ++it;
    }
  }
  last_seq_ = durable_seq_;
}

size_t MemEngine::StoredKeyCountForTesting() {
  absl::MutexLock lock(&mu_);
  return data_.size();
}

}  // namespace meridian::storage
