// Sessions: Meridian's SQL engine behind the wire protocol (sql/session/backend.h).
//
// A Session runs statements for one client connection: it parses (sql/parser), binds
// (sql/planner), optimizes (sql/optimizer) and executes (sql/execution) each one inside a
// Meridian transaction (txn/txn_client.h), so every SQL transaction has the cluster's
// guarantees: serializable, externally consistent, on one node or many.
//
// Transactions:
//   - BEGIN ... COMMIT/ROLLBACK is an explicit read-write transaction (READ ONLY: a
//     lock-free snapshot; AS OF SYSTEM TIME: a snapshot or bounded-staleness read).
//   - Outside a block, each simple-protocol query string is one implicit transaction; a
//     lone SELECT without FOR UPDATE runs as a lock-free read-only transaction. An implicit
//     transaction that must restart (40001) is retried here, invisibly, because its results
//     are buffered until it commits.
//   - In the extended protocol an implicit transaction lasts until Sync.
//   - After an error inside a block, every statement fails with 25P02 until ROLLBACK.
// DDL runs in the same transactions: the catalog is data (sql/catalog/catalog.h).
//
// Thread-safety: Engine is thread-safe; a Session is used by its connection's thread, except
// Cancel().
#ifndef MERIDIAN_SQL_SESSION_SESSION_H_
#define MERIDIAN_SQL_SESSION_SESSION_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/catalog/descriptor_leases.h"
#include "sql/session/backend.h"
#include "txn/txn_client.h"

namespace meridian::sql {

struct EngineOptions {
  txn::TxnClient* client = nullptr;  // must outlive the engine
  uint64_t node_id = 1;
  std::string version = "0.1";
  int max_implicit_retries = 10;
  // An implicit transaction's results are held back, so that a 40001 can be retried without
  // the client noticing, until they pass this many bytes; then they stream to the client and
  // the server no longer retries the statement by itself.
  int64_t result_buffer_bytes = 16 * 1024;
  // Statements resolve tables through this node's descriptor leases.
  DescriptorLeaseOptions descriptor_leases;
};

class Engine : public SqlBackend {
 public:
  explicit Engine(EngineOptions options);
  absl::StatusOr<std::unique_ptr<SqlSession>> NewSession(
      const std::vector<std::pair<std::string, std::string>>& options) override;
  const EngineOptions& options() const { return options_; }
  int32_t NextBackendPid() { return next_pid_.fetch_add(1); }
  DescriptorLeases& leases() { return *leases_; }

 private:
  const EngineOptions options_;
  const std::unique_ptr<DescriptorLeases> leases_;
  std::atomic<int32_t> next_pid_{1000};
};

// Parses, binds and runs one statement against `client` in its own implicit transaction,
// collecting the rows: a convenience for tools and tests.
struct QueryResult {
  std::vector<ColumnInfo> columns;
  std::vector<std::vector<Value>> rows;
  std::string tag;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_SESSION_SESSION_H_
