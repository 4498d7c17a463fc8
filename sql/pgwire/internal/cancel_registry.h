// The server-wide table behind CancelRequest: each live session is registered under a
// process id and a random secret key (sent to its client in BackendKeyData); a cancel
// request that names both interrupts that session's running statement.
//
// Thread-safety: thread-safe. Cancel() calls SqlSession::Cancel() under the registry's
// lock, so a session is never cancelled after Unregister() has returned; its owner must
// unregister it before destroying it.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_CANCEL_REGISTRY_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_CANCEL_REGISTRY_H_

#include <cstdint>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "sql/session/backend.h"

namespace meridian::sql::pgwire {

struct BackendKey {
  int32_t process_id = 0;
  int32_t secret_key = 0;
};

class CancelRegistry {
 public:
  // Registers `session` (not owned) under a fresh process id and random key.
  absl::StatusOr<BackendKey> Register(SqlSession* session);
  void Unregister(int32_t process_id);
  // Cancels the session registered as `key`; false if there is none (or the key is wrong).
  bool Cancel(const BackendKey& key);
  // Cancels every registered session (server shutdown).
  void CancelAll();

 private:
  struct Entry {
    int32_t secret_key;
    SqlSession* session;
  };
  absl::Mutex mu_;
  int32_t next_process_id_ ABSL_GUARDED_BY(mu_) = 1000;
  std::map<int32_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_CANCEL_REGISTRY_H_
