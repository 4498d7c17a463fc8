#include "server/grpc_txn_rpc.h"

#include "absl/strings/str_cat.h"

namespace meridian::server {

std::vector<txn::NodeId> GrpcTxnRpc::Nodes() const {
  std::vector<txn::NodeId> out;
  for (const auto& [id, addr] : addresses_) out.push_back(id);
  return out;
}

absl::StatusOr<std::shared_ptr<NodeClient>> GrpcTxnRpc::Client(txn::NodeId node) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<NodeClient>& c = clients_[node];
  if (c == nullptr) {
    auto it = addresses_.find(node);
    if (it == addresses_.end()) return absl::NotFoundError(absl::StrCat("unknown node ", node));
    auto made = NodeClient::Connect(it->second);
    if (!made.ok()) return made.status();
    c = std::move(*made);
  }
  return c;
}

void GrpcTxnRpc::Forget(txn::NodeId node) {
  absl::MutexLock lock(&mu_);
  clients_.erase(node);
}

absl::StatusOr<proto::TxnResponse> GrpcTxnRpc::Txn(txn::NodeId node,
                                                   const proto::TxnRequest& request,
                                                   absl::Duration timeout) {
  absl::StatusOr<std::shared_ptr<NodeClient>> c = Client(node);
  if (!c.ok()) return c.status();
  return (*c)->Txn(request, timeout);
}

absl::StatusOr<proto::KvResponse> GrpcTxnRpc::Kv(txn::NodeId node, const proto::KvRequest& request,
                                                 absl::Duration timeout) {
  absl::StatusOr<std::shared_ptr<NodeClient>> c = Client(node);
  if (!c.ok()) return c.status();
  return (*c)->Kv(request, timeout);
}

}  // namespace meridian::server
