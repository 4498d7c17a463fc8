#include "txn/range_waits.h"

#include <algorithm>
#include <utility>

#include "common/logging.h"

namespace meridian::txn {

RangeWaits::Id RangeWaits::Park(Parked p) {
  const Id id = next_id_++;
  by_deadline_.emplace(p.wait.deadline_ns, id);
  switch (p.kind) {
    case Kind::kLock:
      by_lock_[p.txn].insert(id);
      break;
    case Kind::kApplied:
      by_applied_[p.index].insert(id);
      break;
    case Kind::kSafeTime:
      by_safe_time_.emplace(p.ts, id);
      break;
    case Kind::kResolved:
      by_resolved_[p.txn].insert(id);
      break;
  }
  waits_.emplace(id, std::move(p));
  fresh_.push_back(id);
  return id;
}

RangeWaits::Id RangeWaits::OnLock(const TxnId& txn, Wait w) {
  return Park(Parked{.kind = Kind::kLock, .txn = txn, .wait = std::move(w)});
}

RangeWaits::Id RangeWaits::OnApplied(uint64_t index, Wait w) {
  return Park(Parked{.kind = Kind::kApplied, .index = index, .wait = std::move(w)});
}

RangeWaits::Id RangeWaits::OnSafeTime(Timestamp ts, Wait w) {
  return Park(Parked{.kind = Kind::kSafeTime, .ts = ts, .wait = std::move(w)});
}

RangeWaits::Id RangeWaits::OnResolved(const TxnId& txn, Wait w) {
  return Park(Parked{.kind = Kind::kResolved, .txn = txn, .wait = std::move(w)});
}

namespace {

// Erases `id` from the set under `key`, and the key once its set is empty.
template <typename Key>
void EraseFrom(std::map<Key, std::set<RangeWaits::Id>>* index, const Key& key, RangeWaits::Id id) {
  auto it = index->find(key);
  CHECK(it != index->end()) << "parked wait missing from its index";
  it->second.erase(id);
  if (it->second.empty()) index->erase(it);
}

}  // namespace

RangeWaits::Wait RangeWaits::Remove(Id id) {
  auto it = waits_.find(id);
  CHECK(it != waits_.end()) << "removing unknown wait " << id;
  Parked p = std::move(it->second);
  waits_.erase(it);
  by_deadline_.erase({p.wait.deadline_ns, id});
  switch (p.kind) {
    case Kind::kLock:
      EraseFrom(&by_lock_, p.txn, id);
      break;
    case Kind::kApplied:
      EraseFrom(&by_applied_, p.index, id);
      break;
    case Kind::kSafeTime:
      by_safe_time_.erase({p.ts, id});
      break;
    case Kind::kResolved:
      EraseFrom(&by_resolved_, p.txn, id);
      break;
  }
  return std::move(p.wait);
}

std::vector<RangeWaits::Id> RangeWaits::Candidates(const Events& events) {
  std::set<Id> out;
  for (Id id : fresh_) {
    if (waits_.contains(id)) out.insert(id);
  }
  fresh_.clear();
  for (const TxnId& txn : events.locks) {
    auto it = by_lock_.find(txn);
    if (it != by_lock_.end()) out.insert(it->second.begin(), it->second.end());
  }
  for (auto it = by_applied_.begin(); it != by_applied_.end() && it->first <= events.applied_index;
       ++it) {
    out.insert(it->second.begin(), it->second.end());
  }
  if (!by_safe_time_.empty() && events.safe_time) {
    const Timestamp safe = events.safe_time();
    for (auto it = by_safe_time_.begin(); it != by_safe_time_.end() && it->first <= safe; ++it) {
      out.insert(it->second);
    }
  }
  if (events.prepared) {
    for (const auto& [txn, ids] : by_resolved_) {
      if (!events.prepared(txn)) out.insert(ids.begin(), ids.end());
    }
  }
  return std::vector<Id>(out.begin(), out.end());
}

std::optional<RangeWaits::Wait> RangeWaits::TakeIfReady(Id id) {
  auto it = waits_.find(id);
  if (it == waits_.end() || !it->second.wait.ready()) return std::nullopt;
  return Remove(id);
}

std::vector<RangeWaits::Wait> RangeWaits::TakeExpired(int64_t now_ns) {
  std::vector<Id> due;
  for (auto it = by_deadline_.begin(); it != by_deadline_.end() && it->first <= now_ns; ++it) {
    due.push_back(it->second);
  }
  std::sort(due.begin(), due.end());
  std::vector<Wait> out;
  for (Id id : due) out.push_back(Remove(id));
  return out;
}

}  // namespace meridian::txn
