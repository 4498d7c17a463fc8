// SqlCluster: a whole SQL stack in one process for tests and tools: N replicated nodes
// (server::Node, real gRPC on loopback, LevelDB in a temporary directory), a transaction
// client, the SQL engine and, optionally, a PostgreSQL wire-protocol server.
//
// Tables are spread over three ranges (the catalog, tables 100..103, tables from 104 on), so
// a transaction over several tables commits with two-phase commit.
//
// Thread-safety: Start/destructor from one thread; the parts are thread-safe as documented.
#ifndef MERIDIAN_SQL_TESTING_SQL_CLUSTER_H_
#define MERIDIAN_SQL_TESTING_SQL_CLUSTER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/true_time.h"
#include "server/grpc_txn_rpc.h"
#include "server/node.h"
#include "sql/pgwire/server.h"
#include "sql/session/session.h"
#include "txn/txn_client.h"

namespace meridian::sql {

struct SqlClusterOptions {
  int nodes = 1;
  bool pgwire = false;
  std::string password;       // for the wire server; empty = trust
  std::string data_dir;       // empty: a fresh temporary directory, removed afterwards
  bool range_filters = true;  // ranges evaluate scan filters (false: they return every row)
};

class SqlCluster {
 public:
  static absl::StatusOr<std::unique_ptr<SqlCluster>> Start(SqlClusterOptions options);
  ~SqlCluster();

  Engine& engine() { return *engine_; }
  txn::TxnClient& client() { return *client_; }
  int pg_port() const { return pg_ == nullptr ? 0 : pg_->port(); }

 private:
  SqlCluster() = default;
  SqlClusterOptions options_;
  std::string dir_;
  bool own_dir_ = false;
  std::map<uint64_t, std::string> addresses_;
  std::vector<std::unique_ptr<server::Node>> nodes_;
  std::unique_ptr<clock::TrueTime> true_time_;
  std::unique_ptr<server::GrpcTxnRpc> rpc_;
  std::unique_ptr<txn::TxnClient> client_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<PgServer> pg_;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TESTING_SQL_CLUSTER_H_
