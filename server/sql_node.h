// SqlNode: the SQL front end of a Meridian node, assembled in one place. It builds, owns
// and shuts down, in this order of dependency:
//
//   TrueTime (over an injected PhysicalClock; the host clock by default)
//     <- GrpcTxnRpc (one gRPC channel per node of the cluster)
//     <- TxnClient (the transaction API; routes to leaseholders, heartbeats)
//     <- sql::Engine (sessions: parse, plan, execute)
//     <- sql::PgServer (optional: the PostgreSQL wire protocol)
//
// `meridian start --sql-listen`, `meridian demo` and the in-process test cluster
// (server/testing/sql_cluster.h) all use it. It talks to the cluster's nodes through gRPC,
// so it may run on its own; beside a server::Node in the same process it calls that node
// directly (SqlNodeOptions::local_node).
// Destruction stops the wire server first (no new statements), then the engine, then the
// transaction client (its heartbeat thread), then the RPC channels and the clock.
//
// Thread-safety: Start and the destructor from one thread; engine(), client() and the
// parts they return are thread-safe as documented in their headers.
#ifndef MERIDIAN_SERVER_SQL_NODE_H_
#define MERIDIAN_SERVER_SQL_NODE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "server/grpc_txn_rpc.h"
#include "server/transport.h"
#include "sql/pgwire/server.h"
#include "sql/session/session.h"
#include "txn/txn_client.h"

namespace meridian::server {

struct NodeOptions;  // server/node.h

struct SqlNodeOptions {
  // Every node of the cluster: id -> gRPC address ("host:port").
  AddressBook peers;
  // The range layout, the same as every node's: split keys, or (when empty) `ranges`
  // ranges dividing the first key byte evenly.
  std::vector<std::string> splits;
  int ranges = 1;
  int64_t epsilon_us = 1000;  // TrueTime's uncertainty bound
  // The id the SQL engine reports and stamps into generated row ids.
  uint64_t node_id = 1;
  // Stale reads (AS OF SYSTEM TIME, bounded staleness) read at this node first (0: at the
  // leaseholder); see TxnClientOptions::nearest_node.
  txn::NodeId nearest_node = 0;
  // The bulk path's batch size (TxnClientOptions::ingest_batch_bytes); 0: its default.
  size_t ingest_batch_bytes = 0;
  // Serve the PostgreSQL wire protocol with these options (nullopt: no wire server).
  std::optional<sql::PgServerOptions> pgwire;
  // Where time comes from; null: the host clock. Must outlive the SqlNode.
  clock::PhysicalClock* clock = nullptr;
  // The node `node_id` when it runs in this process (null: none): requests for it are
  // direct calls, not gRPC (GrpcTxnRpc::AttachLocal). It must outlive the SqlNode, or be
  // detached first with rpc().DetachLocal.
  NodeServiceHandler* local_node = nullptr;

  // The front end of the node `node` describes: the same cluster, layout, uncertainty
  // bound and node id, and no wire server until `pgwire` is set.
  static SqlNodeOptions ForNode(const NodeOptions& node);
};

class SqlNode {
 public:
  static absl::StatusOr<std::unique_ptr<SqlNode>> Start(SqlNodeOptions options);
  ~SqlNode();
  SqlNode(const SqlNode&) = delete;
  SqlNode& operator=(const SqlNode&) = delete;

  // Waits until every range has a leaseholder that serves reads (a locking read of one key
  // in each range succeeds), on the injected clock. kUnavailable naming the range that
  // did not answer when `timeout` passes first.
  absl::Status AwaitRanges(absl::Duration timeout);

  sql::Engine& engine() { return *engine_; }
  txn::TxnClient& client() { return *client_; }
  // The gRPC channels, e.g. to drop one to a node that restarted.
  GrpcTxnRpc& rpc() { return *rpc_; }
  // The wire server's bound port; 0 without one.
  int pg_port() const { return pg_ == nullptr ? 0 : pg_->port(); }

 private:
  SqlNode() = default;

  // Declared in order of construction; destroyed in reverse (pg_ first).
  std::unique_ptr<clock::TrueTime> true_time_;
  std::unique_ptr<GrpcTxnRpc> rpc_;
  std::unique_ptr<txn::TxnClient> client_;
  std::unique_ptr<sql::Engine> engine_;
  std::unique_ptr<sql::PgServer> pg_;
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_SQL_NODE_H_
