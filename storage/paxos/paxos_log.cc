#include "storage/paxos/paxos_log.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace meridian::storage::paxos {
namespace {

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

std::string PaxosLog::GroupPrefix(uint64_t group) {
  std::string p("\x01p", 2);
  AppendBigEndian(group, &p);
  return p;
}

PaxosLog::PaxosLog(Engine* engine, uint64_t group) : engine_(engine), prefix_(GroupPrefix(group)) {}

std::string PaxosLog::EntryKey(uint64_t slot) const {
  std::string k = prefix_ + "e";
  AppendBigEndian(slot, &k);
  return k;
}

absl::StatusOr<PersistedPaxosState> PaxosLog::Load() {
  PersistedPaxosState state;
  ASSIGN_OR_RETURN(std::optional<std::string> hs, engine_->Get(prefix_ + "h"));
  if (hs.has_value()) {
    if (!state.hard_state.ParseFromString(*hs)) {
      return absl::DataLossError("corrupt Paxos hard state");
    }
    state.empty = false;
  }
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  const std::string entry_prefix = prefix_ + "e";
  for (it->Seek(entry_prefix); it->Valid() && it->key().starts_with(entry_prefix); it->Next()) {
    proto::Entry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("corrupt Paxos log entry in group prefix"));
    }
    state.entries.push_back(std::move(e));
    state.empty = false;
  }
  RETURN_IF_ERROR(it->status());
  // Entries at or above log_start must always be written, even below the lowest slot that
  // happens to be stored now (a replica may accept slot 5 before slot 3).
  first_stored_slot_ = std::max<uint64_t>(state.hard_state.log_start(), 1);
  return state;
}

void PaxosLog::Stage(const Ready& ready, WriteBatch* batch) {
  if (ready.compact_to.has_value()) {
    // Delete the entries that exist, not every slot number: a snapshot may jump far ahead.
    const std::string end = EntryKey(*ready.compact_to + 1);
    std::unique_ptr<Iterator> it = engine_->NewIterator();
    for (it->Seek(prefix_ + "e"); it->Valid() && it->key() < end; it->Next()) {
      batch->Delete(it->key());
    }
    first_stored_slot_ = std::max(first_stored_slot_, *ready.compact_to + 1);
  }
  for (const proto::Entry& e : ready.entries) {
    if (e.slot() < first_stored_slot_) continue;
    batch->Put(EntryKey(e.slot()), e.SerializeAsString());
  }
  if (ready.hard_state.has_value())
    batch->Put(prefix_ + "h", ready.hard_state->SerializeAsString());
}

absl::Status PaxosLog::Destroy() {
  WriteBatch batch;
  std::unique_ptr<Iterator> it = engine_->NewIterator();
  for (it->Seek(prefix_); it->Valid() && it->key().starts_with(prefix_); it->Next()) {
    batch.Delete(it->key());
  }
  RETURN_IF_ERROR(it->status());
  return engine_->Write(batch, WriteOptions{.sync = true});
}

}  // namespace meridian::storage::paxos
