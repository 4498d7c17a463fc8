#include "sql/pgwire/internal/cancel_registry.h"

#include <cstring>
#include <limits>

#include "common/status.h"
#include "sql/pgwire/internal/scram.h"

namespace meridian::sql::pgwire {

absl::StatusOr<BackendKey> CancelRegistry::Register(SqlSession* session) {
  ASSIGN_OR_RETURN(std::string random, RandomBytes(4));
  BackendKey key;
  std::memcpy(&key.secret_key, random.data(), sizeof(key.secret_key));
  absl::MutexLock lock(&mu_);
  do {
    key.process_id = next_process_id_;
    next_process_id_ =
        next_process_id_ == std::numeric_limits<int32_t>::max() ? 1000 : next_process_id_ + 1;
  } while (entries_.count(key.process_id) > 0);
  entries_[key.process_id] = Entry{key.secret_key, session};
  return key;
}

void CancelRegistry::Unregister(int32_t process_id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(process_id);
}

bool CancelRegistry::Cancel(const BackendKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key.process_id);
  if (it == entries_.end() || it->second.secret_key != key.secret_key) return false;
  it->second.session->Cancel();
  return true;
}

void CancelRegistry::CancelAll() {
  absl::MutexLock lock(&mu_);
  for (auto& [pid, entry] : entries_) entry.session->Cancel();
}

}  // namespace meridian::sql::pgwire
