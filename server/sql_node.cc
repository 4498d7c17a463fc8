#include "server/sql_node.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "server/node.h"
#include "txn/range_map.h"

namespace meridian::server {

SqlNodeOptions SqlNodeOptions::ForNode(const NodeOptions& node) {
  SqlNodeOptions o;
  o.peers = node.peers;
  o.splits = node.splits;
  o.ranges = node.ranges;
  o.epsilon_us = node.epsilon_us;
  o.node_id = node.node_id;
  o.nearest_node = node.node_id;  // every node has a replica of every range
  return o;
}

absl::StatusOr<std::unique_ptr<SqlNode>> SqlNode::Start(SqlNodeOptions options) {
  if (options.peers.empty()) return absl::InvalidArgumentError("the cluster has no nodes");
  if (options.epsilon_us < 0) return absl::InvalidArgumentError("epsilon must not be negative");
  txn::RangeMap map;
  if (options.splits.empty()) {
    if (options.ranges < 1) return absl::InvalidArgumentError("need at least one range");
    map = txn::RangeMap::Even(options.ranges);
  } else {
    ASSIGN_OR_RETURN(map, txn::RangeMap::FromSplits(options.splits));
  }
  std::unique_ptr<SqlNode> n(new SqlNode());
  n->true_time_ = std::make_unique<clock::TrueTime>(
      options.clock != nullptr ? options.clock : clock::SystemClock::Default(),
      clock::TrueTimeOptions{.epsilon_ns = options.epsilon_us * 1000});
  n->rpc_ = std::make_unique<GrpcTxnRpc>(options.peers);
  if (options.local_node != nullptr) n->rpc_->AttachLocal(options.node_id, options.local_node);
  txn::TxnClientOptions client_options{.nearest_node = options.nearest_node};
  if (options.ingest_batch_bytes > 0)
    client_options.ingest_batch_bytes = options.ingest_batch_bytes;
  n->client_ = std::make_unique<txn::TxnClient>(std::move(map), n->rpc_.get(), n->true_time_.get(),
                                                client_options);
  n->engine_ = std::make_unique<sql::Engine>(
      sql::EngineOptions{.client = n->client_.get(), .node_id = options.node_id});
  if (options.pgwire.has_value()) {
    ASSIGN_OR_RETURN(n->pg_, sql::PgServer::Start(*options.pgwire, n->engine_.get()));
  }
  return n;
}

SqlNode::~SqlNode() {
  if (pg_ != nullptr) pg_->Shutdown();
  pg_.reset();
  engine_.reset();
  client_.reset();
  rpc_.reset();
  true_time_.reset();
}

absl::Status SqlNode::AwaitRanges(absl::Duration timeout) {
  const absl::Time deadline = client_->Now() + timeout;
  for (const txn::RangeSpan& range : client_->range_map().ranges()) {
    // A key inside the range: its start followed by a zero byte (the first range starts at
    // the empty string, which is not a key).
    const std::string probe = range.start + std::string(1, '\0');
    while (true) {
      std::unique_ptr<txn::Txn> t = client_->Begin();
      absl::Status s = t->Get(probe).status();
      (void)t->Rollback();
      if (s.ok()) break;
      if (client_->Now() >= deadline) {
        return absl::UnavailableError(
            absl::StrCat("range ", range.range_id, " has no leaseholder serving reads after ",
                         absl::FormatDuration(timeout), ": ", s.message()));
      }
      client_->Sleep(absl::Milliseconds(50));
    }
  }
  return absl::OkStatus();
}

}  // namespace meridian::server
