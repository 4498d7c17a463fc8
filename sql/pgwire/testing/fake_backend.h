// Test-only SqlBackend: a shared key/value table ("kv", columns k and v, both TEXT) and a
// handful of statements recognised by string matching, enough to exercise every protocol
// flow without the real engine:
//
//   SELECT 1                          one INT4 row
//   SELECT * FROM kv                  all pairs, ordered by key
//   SELECT v FROM kv WHERE k = $1     one TEXT parameter
//   SELECT $1, $2, ...                echoes its parameters (types from Parse's OIDs)
//   SELECT * FROM generate_series(1,N)  INT8 rows 1..N
//   INSERT INTO kv VALUES ('a', 'b') / ($1, $2)
//   COPY kv FROM STDIN / COPY kv TO STDOUT   tab-separated lines
//   DROP TABLE IF EXISTS nothing      a NOTICE
//   SET application_name = 'x'        changes a reported parameter
//   SELECT pg_sleep_forever()         runs until cancelled (57014)
//   BEGIN / COMMIT / ROLLBACK         transaction status I/T/E
//   anything else                     42601 syntax error at position 1
//   SELECT boom                       42703 with position 8
//
// Thread-safety: the backend and its table are thread-safe; sessions follow backend.h.
#ifndef MERIDIAN_SQL_PGWIRE_TESTING_FAKE_BACKEND_H_
#define MERIDIAN_SQL_PGWIRE_TESTING_FAKE_BACKEND_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sql/session/backend.h"

namespace meridian::sql::pgwire::testing {

class FakeBackend : public SqlBackend {
 public:
  absl::StatusOr<std::unique_ptr<SqlSession>> NewSession(
      const std::vector<std::pair<std::string, std::string>>& options) override;

  void Put(const std::string& k, const std::string& v);
  std::map<std::string, std::string> Snapshot();
  // The startup options of the last session created.
  std::vector<std::pair<std::string, std::string>> last_options();
  // How many statements were cancelled.
  int cancelled() const { return cancelled_.load(); }
  // Signalled when a session starts pg_sleep_forever().
  bool WaitForSleeper(absl::Duration timeout);

 private:
  friend class FakeSession;
  absl::Mutex mu_;
  std::map<std::string, std::string> table_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::string>> last_options_ ABSL_GUARDED_BY(mu_);
  int sleepers_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int> cancelled_{0};
};

}  // namespace meridian::sql::pgwire::testing

#endif  // MERIDIAN_SQL_PGWIRE_TESTING_FAKE_BACKEND_H_
