// GrpcTxnRpc: the transaction client's way to reach nodes (txn::TxnRpc) over gRPC, with one
// NodeClient per node, created on first use. A node in the same process may be attached:
// requests for it are then direct calls to its handler, without gRPC's serialization,
// sockets and thread hops (a SQL gateway that is also the leaseholder of the ranges it
// reads pays no RPC; a node reaching itself the same).
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
  bool Direct(txn::NodeId node) override;
  // Drops the connection to `node` (e.g. it was restarted on a new port).
  void Forget(txn::NodeId node);

  // From now on, requests for `node` are direct calls to `handler` (a node in this process;
  // it applies its own deadlines, so a call's `timeout` is not enforced), replacing any
  // handler attached before. `handler` must stay valid until DetachLocal returns.
  void AttachLocal(txn::NodeId node, NodeServiceHandler* handler);
  // Requests for `node` go over gRPC again. Waits until the direct calls in flight to it
  // have returned (stop the node first, so that they return promptly).
  void DetachLocal(txn::NodeId node);

 private:
  absl::StatusOr<std::shared_ptr<NodeClient>> Client(txn::NodeId node);
  // The attached handler for `node`, counted in flight until EndLocal; null if none.
  NodeServiceHandler* BeginLocal(txn::NodeId node);
  void EndLocal();

  const std::map<txn::NodeId, std::string> addresses_;
  absl::Mutex mu_;
  std::map<txn::NodeId, std::shared_ptr<NodeClient>> clients_ ABSL_GUARDED_BY(mu_);
  txn::NodeId local_node_ ABSL_GUARDED_BY(mu_) = 0;
  NodeServiceHandler* local_ ABSL_GUARDED_BY(mu_) = nullptr;
  int local_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_GRPC_TXN_RPC_H_
