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

void GrpcTxnRpc::AttachLocal(txn::NodeId node, NodeServiceHandler* handler) {
  absl::MutexLock lock(&mu_);
  local_node_ = node;
  local_ = handler;
}

void GrpcTxnRpc::DetachLocal(txn::NodeId node) {
  absl::MutexLock lock(&mu_);
  if (local_node_ != node) return;
  local_ = nullptr;
  local_node_ = 0;
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return local_calls_ == 0; };
  mu_.Await(absl::Condition(&drained));
}

NodeServiceHandler* GrpcTxnRpc::BeginLocal(txn::NodeId node) {
  absl::MutexLock lock(&mu_);
  if (local_ == nullptr || node != local_node_) return nullptr;
  ++local_calls_;
  return local_;
}

void GrpcTxnRpc::EndLocal() {
  absl::MutexLock lock(&mu_);
  --local_calls_;
}

bool GrpcTxnRpc::Direct(txn::NodeId node) {
  absl::MutexLock lock(&mu_);
  return local_ != nullptr && local_node_ == node;
}

absl::StatusOr<proto::TxnResponse> GrpcTxnRpc::Txn(txn::NodeId node,
                                                   const proto::TxnRequest& request,
                                                   absl::Duration timeout) {
  if (NodeServiceHandler* local = BeginLocal(node)) {
    proto::TxnResponse r = local->OnTxn(request);
    EndLocal();
    return r;
  }
  absl::StatusOr<std::shared_ptr<NodeClient>> c = Client(node);
  if (!c.ok()) return c.status();
  return (*c)->Txn(request, timeout);
}

absl::StatusOr<proto::KvResponse> GrpcTxnRpc::Kv(txn::NodeId node, const proto::KvRequest& request,
                                                 absl::Duration timeout) {
  if (NodeServiceHandler* local = BeginLocal(node)) {
    proto::KvResponse r = local->OnKv(request);
    EndLocal();
    return r;
  }
  absl::StatusOr<std::shared_ptr<NodeClient>> c = Client(node);
  if (!c.ok()) return c.status();
  return (*c)->Kv(request, timeout);
}

}  // namespace meridian::server
