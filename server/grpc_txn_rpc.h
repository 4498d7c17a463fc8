// GrpcTxnRpc: the transaction client's way to reach nodes (txn::TxnRpc) over gRPC, with one
// NodeClient per node, created on first use.
//
// Thread-safety: thread-safe.
#ifndef MERIDIAN_SERVER_GRPC_TXN_RPC_H_
#define MERIDIAN_SERVER_GRPC_TXN_RPC_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/grpc_server.h"
#include "txn/txn_client.h"

namespace meridian::server {

class GrpcTxnRpc : public txn::TxnRpc {
 public:
  // node id -> "host:port"
  explicit GrpcTxnRpc(std::map<txn::NodeId, std::string> addresses)
      : addresses_(std::move(addresses)) {}

  std::vector<txn::NodeId> Nodes() const override;
  absl::StatusOr<proto::TxnResponse> Txn(txn::NodeId node, const proto::TxnRequest& request,
                                         absl::Duration timeout) override;
  absl::StatusOr<proto::KvResponse> Kv(txn::NodeId node, const proto::KvRequest& request,
                                       absl::Duration timeout) override;
  // Drops the connection to `node` (e.g. it was restarted on a new port).
  void Forget(txn::NodeId node);

 private:
  absl::StatusOr<std::shared_ptr<NodeClient>> Client(txn::NodeId node);

  const std::map<txn::NodeId, std::string> addresses_;
  absl::Mutex mu_;
  std::map<txn::NodeId, std::shared_ptr<NodeClient>> clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_GRPC_TXN_RPC_H_
