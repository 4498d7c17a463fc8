// TxnRpc: how the layers above storage reach the nodes of a cluster. One call sends one
// request to one named node and returns its answer; choosing the node (the range's
// leaseholder, a nearby replica) is LeaseholderRouter's job (txn/leaseholder_router.h).
// In production the calls are gRPC (server/grpc_txn_rpc.h); tests script fakes.
//
// Thread-safety: implementations must be thread-safe.
#ifndef MERIDIAN_TXN_TXN_RPC_H_
#define MERIDIAN_TXN_TXN_RPC_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/node.pb.h"

namespace meridian::txn {

using NodeId = uint64_t;

class TxnRpc {
 public:
  virtual ~TxnRpc() = default;
  // Every node of the cluster.
  virtual std::vector<NodeId> Nodes() const = 0;
  // A failed call is a status (node unreachable, deadline); a node's answer, error or not,
  // is a response.
  virtual absl::StatusOr<proto::TxnResponse> Txn(NodeId node, const proto::TxnRequest& request,
                                                 absl::Duration timeout) = 0;
  virtual absl::StatusOr<proto::KvResponse> Kv(NodeId node, const proto::KvRequest& request,
                                               absl::Duration timeout) = 0;
  // True if calls to `node` are direct function calls into a node in this process, with no
  // network in between (for EXPLAIN ANALYZE's account of a request).
  virtual bool Direct(NodeId node) { return false; }
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_TXN_RPC_H_
