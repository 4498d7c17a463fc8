// SqlCluster: a whole SQL stack in one process for tests and tools: N replicated nodes
// (server::Node, real gRPC on loopback, LevelDB in a temporary directory) and their SQL
// front end (server::SqlNode: transaction client, SQL engine and, optionally, a
// PostgreSQL wire-protocol server). Start returns once every range serves reads.
//
// Tables are spread over three ranges (the catalog, tables 100..103, tables from 104 on), so
// a transaction over several tables commits with two-phase commit.
//
// It lives in server/ because it assembles nodes: the SQL layer's own code never depends
// on it (tests that need a cluster live in tests/sql/).
//
// Thread-safety: Start/destructor from one thread; the parts are thread-safe as documented.
#ifndef MERIDIAN_SERVER_TESTING_SQL_CLUSTER_H_
#define MERIDIAN_SERVER_TESTING_SQL_CLUSTER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/node.h"
#include "server/sql_node.h"

namespace meridian::server::testing {

struct SqlClusterOptions {
  int nodes = 1;
  bool pgwire = false;
  std::string password;           // for the wire server; empty = trust
  std::string data_dir;           // empty: a fresh temporary directory, removed afterwards
  bool range_filters = true;      // ranges evaluate scan filters (false: they return every row)
  size_t ingest_batch_bytes = 0;  // the bulk path's batch size (0: the client's default)
};

class SqlCluster {
 public:
  static absl::StatusOr<std::unique_ptr<SqlCluster>> Start(SqlClusterOptions options);
  ~SqlCluster();

  sql::Engine& engine() { return sql_->engine(); }
  txn::TxnClient& client() { return sql_->client(); }
  int pg_port() const { return sql_->pg_port(); }

 private:
  SqlCluster() = default;
  SqlClusterOptions options_;
  std::string dir_;
  bool own_dir_ = false;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unique_ptr<SqlNode> sql_;
};

}  // namespace meridian::server::testing

#endif  // MERIDIAN_SERVER_TESTING_SQL_CLUSTER_H_
