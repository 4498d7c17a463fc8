#include "workload/tpcc/connection_pool.h"

#include <utility>

#include "common/logging.h"
#include "common/status.h"

namespace meridian::workload::tpcc {

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(
    const std::vector<std::string>& urls, int size, SqlRunner::Protocol protocol) {
  CHECK_GE(size, 1);
  CHECK(!urls.empty());
  std::vector<Slot> slots;
  for (int i = 0; i < size; ++i) {
    Slot slot;
    slot.url = urls[static_cast<size_t>(i) % urls.size()];
    ASSIGN_OR_RETURN(slot.runner, SqlRunner::Connect(slot.url, protocol));
    slots.push_back(std::move(slot));
  }
  return std::unique_ptr<ConnectionPool>(new ConnectionPool(std::move(slots), protocol));
}

ConnectionPool::ConnectionPool(std::vector<Slot> slots, SqlRunner::Protocol protocol)
    : slots_(std::move(slots)), protocol_(protocol) {
  absl::MutexLock lock(&mu_);
  for (int i = size() - 1; i >= 0; --i) free_.push_back(i);
}

int ConnectionPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::vector<int>* free) { return !free->empty(); }, &free_));
  const int slot = free_.back();
  free_.pop_back();
  return slot;
}

void ConnectionPool::Release(int slot) {
  absl::MutexLock lock(&mu_);
  free_.push_back(slot);
}

absl::Status ConnectionPool::Reconnect(int slot) {
  Slot& s = slots_[static_cast<size_t>(slot)];
  ASSIGN_OR_RETURN(std::unique_ptr<SqlRunner> runner, SqlRunner::Connect(s.url, protocol_));
  s.runner = std::move(runner);
  return absl::OkStatus();
}

}  // namespace meridian::workload::tpcc
