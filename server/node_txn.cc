// The transaction side of Node: the host of each range's RangeTxnServer (commit-wait timers,
// routing to other ranges) and the adapters from blocking gRPC calls to it. The protocol
// itself is in txn/range_txn_server.h; see docs/architecture.md ("Transactions").
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "server/grpc_txn_rpc.h"
#include "server/node.h"

namespace meridian::server {
namespace {

proto::KvResponse KvStuck(NodeId node) {
  proto::KvResponse r;
  r.set_code(static_cast<int>(absl::StatusCode::kUnavailable));
  r.set_message(absl::StrCat("node ", node, " is stopping or stuck"));
  return r;
}

}  // namespace

template <typename Response, typename Issue>
Response Node::AwaitReply(Issue issue, Response on_timeout) {
  auto out = std::make_shared<std::optional<Response>>();
  issue([out](Response r) { *out = std::move(r); });
  work_pending_ = true;  // the server may have proposed
  auto done = [this, &out]()
                  ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return out->has_value() || stopping_; };
  // The server answers every request by its own deadlines (a lock wait, then a proposal);
  // this bound only guards against a server that never does.
  mu_.AwaitWithTimeout(absl::Condition(&done),
                       absl::Milliseconds(3 * options_.request_timeout_ms + 1000));
  if (!out->has_value()) return on_timeout;
  return std::move(**out);
}

txn::RangeTxnServer* Node::FindServer(uint64_t range_id) {
  auto it = servers_.find(range_id);
  return it == servers_.end() ? nullptr : it->second.get();
}

proto::TxnResponse Node::OnTxn(const proto::TxnRequest& req) {
  absl::MutexLock lock(&mu_);
  txn::RangeTxnServer* server = FindServer(req.range_id());
  proto::TxnResponse error;
  if (server == nullptr) {
    error.set_code(static_cast<int>(absl::StatusCode::kNotFound));
    error.set_message(
        absl::StrCat("range ", req.range_id(), " is not served by node ", options_.node_id));
    return error;
  }
  error.set_code(static_cast<int>(absl::StatusCode::kUnavailable));
  error.set_message(absl::StrCat("node ", options_.node_id, " is stopping or stuck"));
  return AwaitReply<proto::TxnResponse>(
      [&](txn::RangeTxnServer::Reply reply) { server->Handle(req, std::move(reply)); }, error);
}

bool Node::OnTxnAsync(const proto::TxnRequest& req, std::function<void(proto::TxnResponse)> done) {
  absl::MutexLock lock(&mu_);
  txn::RangeTxnServer* server = FindServer(req.range_id());
  if (server == nullptr || stopping_) {
    proto::TxnResponse error;
    error.set_code(static_cast<int>(server == nullptr ? absl::StatusCode::kNotFound
                                                      : absl::StatusCode::kUnavailable));
    error.set_message(server == nullptr ? absl::StrCat("range ", req.range_id(),
                                                       " is not served by node ", options_.node_id)
                                        : absl::StrCat("node ", options_.node_id, " is stopping"));
    done(std::move(error));
    return true;
  }
  const uint64_t id = next_call_++;
  // The server answers every request by its own deadlines (a lock wait, then a proposal);
  // this bound only guards against a server that never does, as AwaitReply's.
  calls_.emplace(id, PendingCall{NowNs() + (3 * options_.request_timeout_ms + 1000) * 1'000'000,
                                 std::move(done)});
  // The server calls back with mu_ held (it runs only inside Node's critical sections).
  server->Handle(req, [this, id](proto::TxnResponse r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.AssertHeld();
    AnswerCall(id, std::move(r));
  });
  work_pending_ = true;  // the server may have proposed
  return true;
}

void Node::AnswerCall(uint64_t id, proto::TxnResponse r) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;  // answered already: it timed out, or the node stopped
  std::function<void(proto::TxnResponse)> done = std::move(it->second.done);
  calls_.erase(it);
  done(std::move(r));
}

void Node::ExpireCalls() {
  const int64_t now = NowNs();
  std::vector<uint64_t> expired;
  for (const auto& [id, call] : calls_) {
    if (stopping_ || now >= call.deadline_ns) expired.push_back(id);
  }
  for (uint64_t id : expired) {
    proto::TxnResponse error;
    error.set_code(static_cast<int>(absl::StatusCode::kUnavailable));
    error.set_message(absl::StrCat("node ", options_.node_id, " is stopping or stuck"));
    AnswerCall(id, std::move(error));
  }
}

proto::KvResponse Node::Read(storage::RangeReplica* range, const proto::KvRequest& request) {
  absl::MutexLock lock(&mu_);
  txn::RangeTxnServer* server = FindServer(range->range_id());
  return AwaitReply<proto::KvResponse>(
      [&](txn::RangeTxnServer::KvReply reply) { server->HandleRead(request, std::move(reply)); },
      KvStuck(options_.node_id));
}

void Node::MaintainTxns(bool tick) {
  for (auto& [id, server] : servers_) server->Maintain(tick);
}

// The servers call the two RangeTxnHost methods below with mu_ held (they run only inside
// Node's critical sections), but the interface cannot name Node's mutex; the assertion tells
// the thread-safety analysis, and checks at run time, that it is held.
void Node::AfterTimestamp(Timestamp ts, std::function<void()> fn) {
  mu_.AssertHeld();
  timers_.emplace(ts, std::move(fn));
  ++timers_added_;
}

void Node::Route(proto::TxnRequest request,
                 std::function<void(absl::StatusOr<proto::TxnResponse>)> done) {
  mu_.AssertHeld();
  routes_.push_back(Routed{std::move(request), std::move(done)});
}

void Node::TimerLoop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto work = [this]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !timers_.empty(); };
    mu_.Await(absl::Condition(&work));
    if (stopping_) return;
    auto first = timers_.begin();
    const int64_t wait_ns = true_time_->CommitWaitNanos(first->first);
    if (wait_ns == 0) {
      std::function<void()> fn = std::move(first->second);
      timers_.erase(first);
      fn();
      work_pending_ = true;
      continue;
    }
    // Sleep until the earliest timestamp has passed, or an earlier one arrives.
    const uint64_t added = timers_added_;
    auto changed = [this, added]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || timers_added_ != added;
    };
    mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Nanoseconds(wait_ns));
  }
}

// The peers as a TxnRpc: gRPC to the others, a direct call to this node.
std::unique_ptr<txn::TxnRpc> Node::NewPeerRpc() {
  auto rpc = std::make_unique<GrpcTxnRpc>(options_.peers);
  rpc->AttachLocal(options_.node_id, this);
  return rpc;
}

absl::StatusOr<proto::TxnResponse> Node::RouteTxn(const proto::TxnRequest& request) {
  txn::RouteOptions route;
  {
    // A range this node serves is asked here first.
    absl::MutexLock lock(&mu_);
    txn::RangeTxnServer* s = FindServer(request.range_id());
    if (s != nullptr && s->Serving().ok()) route.first = options_.node_id;
  }
  route.timeout = absl::Milliseconds(options_.request_timeout_ms);
  route.attempt_timeout = absl::Seconds(5);
  return router_->SendTxn(request, route).response;
}

void Node::JanitorLoop() {
  while (true) {
    std::vector<Routed> batch;
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !routes_.empty(); };
      mu_.Await(absl::Condition(&wake));
      if (stopping_) return;
      batch.swap(routes_);
    }
    // In parallel: one unreachable leaseholder must not hold up the others.
    std::vector<absl::StatusOr<proto::TxnResponse>> answers(batch.size(),
                                                            absl::UnknownError("not sent"));
    if (batch.size() == 1) {
      answers[0] = RouteTxn(batch[0].request);
    } else {
      std::vector<std::thread> senders;
      for (size_t i = 0; i < batch.size(); ++i) {
        senders.emplace_back(
            [this, &batch, &answers, i] { answers[i] = RouteTxn(batch[i].request); });
      }
      for (std::thread& t : senders) t.join();
    }
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(answers[i]));
    work_pending_ = true;
  }
}

}  // namespace meridian::server
