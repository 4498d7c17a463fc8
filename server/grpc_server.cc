#include "server/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <deque>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/node.grpc.pb.h"

namespace meridian::server {
namespace {

constexpr int kMaxMessageBytes = 64 << 20;

grpc::ChannelArguments NodeChannelArguments() {
  grpc::ChannelArguments args;
  // A killed-and-restarted peer must be reachable again within about a second.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Also the minimum time a connection attempt may take before it is abandoned (default 20 s).
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  // Notice a connection that died silently (e.g. a partitioned network namespace).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  return args;
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and Abseil share the canonical code numbering.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

// A fixed set of threads finishing unary callback RPCs whose handlers may block.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    BeginStop();
    Join();
  }

  // Runs `work` on a worker, then finishes `reactor` with OK. If the pool is stopping or full,
  // finishes the call with an error instead.
  void Submit(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
              std::function<grpc::Status()> work) {
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
      if (!stopping && queue_.size() < max_queued_) {
        queue_.push_back(Task{context, reactor, std::move(work)});
        return;
      }
    }
    // Not queued: fail the call here, outside the lock.
    reactor->Finish(stopping ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down")
                             : grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                            "too many requests waiting for a worker"));
  }

  // From now on, queued calls are failed with UNAVAILABLE instead of being run.
  void BeginStop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }

  // REQUIRES: BeginStop() was called. Waits for running work and drains the queue.
  void Join() {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  struct Task {
    grpc::CallbackServerContext* context;
    grpc::ServerUnaryReactor* reactor;
    std::function<grpc::Status()> work;
  };

  void Loop() {
    for (;;) {
      Task task;
      bool stopping;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](WorkerPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
              return p->stopping_ || !p->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // stopping and drained
        task = std::move(queue_.front());
        queue_.pop_front();
        stopping = stopping_;
      }
      if (stopping) {
        task.reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
      } else if (task.context->IsCancelled()) {
        // The caller gave up while the call waited for a worker.
        task.reactor->Finish(grpc::Status::CANCELLED);
      } else {
        task.reactor->Finish(task.work());
      }
    }
  }

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // written only by the constructor and Join
};

// The MeridianNode service on gRPC's callback API.
class NodeService final : public proto::MeridianNode::CallbackService {
 public:
  NodeService(NodeServiceHandler* handler, const GrpcServerOptions& options)
      : handler_(handler),
        kv_pool_(options.kv_threads, options.max_queued_kv),
        admin_pool_(/*threads=*/2, /*max_queued=*/1000) {}

  grpc::ServerUnaryReactor* Paxos(grpc::CallbackServerContext* context,
                                  const proto::PaxosBatch* request,
                                  proto::PaxosAck* response) override {
    handler_->OnPaxosBatch(*request);
    response->set_receiver_wall_ns(handler_->WallClockNanos());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerBidiReactor<proto::PaxosBatch, proto::PaxosAck>* PaxosStream(
      grpc::CallbackServerContext* context) override {
    // One operation outstanding at a time (a read, then the ack's write), so the callbacks
    // never run concurrently; Finish is called once, when either side stops.
    class Reactor : public grpc::ServerBidiReactor<proto::PaxosBatch, proto::PaxosAck> {
     public:
      explicit Reactor(NodeServiceHandler* handler) : handler_(handler) { StartRead(&batch_); }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status::OK);  // the sender closed the stream, or it broke
        handler_->OnPaxosBatch(batch_);
        ack_.set_receiver_wall_ns(handler_->WallClockNanos());
        StartWrite(&ack_);
      }
      void OnWriteDone(bool ok) override {
        if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
        batch_.Clear();
        StartRead(&batch_);
      }
      void OnDone() override { delete this; }

     private:
      NodeServiceHandler* const handler_;
      proto::PaxosBatch batch_;
      proto::PaxosAck ack_;
    };
    (void)context;
    return new Reactor(handler_);
  }

  grpc::ServerUnaryReactor* Kv(grpc::CallbackServerContext* context,
                               const proto::KvRequest* request,
                               proto::KvResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    kv_pool_.Submit(context, reactor, [this, request, response] {
      *response = handler_->OnKv(*request);
      return grpc::Status::OK;
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* context,
                                const proto::TxnRequest* request,
                                proto::TxnResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (handler_->OnTxnAsync(*request, [reactor, response](proto::TxnResponse r) {
          *response = std::move(r);
          reactor->Finish(grpc::Status::OK);
        })) {
      return reactor;
    }
    kv_pool_.Submit(context, reactor, [this, request, response] {
      *response = handler_->OnTxn(*request);
      return grpc::Status::OK;
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* SetFaults(grpc::CallbackServerContext* context,
                                      const proto::FaultSpec* request, proto::Empty*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    admin_pool_.Submit(context, reactor, [this, request] {
      absl::Status s = handler_->OnSetFaults(*request);
      return s.ok()
                 ? grpc::Status::OK
                 : grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const proto::NodeStatusRequest*,
                                   proto::NodeStatusResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    admin_pool_.Submit(context, reactor, [this, response] {
      *response = handler_->OnStatus();
      return grpc::Status::OK;
    });
    return reactor;
  }

  void BeginStop() {
    kv_pool_.BeginStop();
    admin_pool_.BeginStop();
  }
  void Join() {
    kv_pool_.Join();
    admin_pool_.Join();
  }

 private:
  NodeServiceHandler* const handler_;
  WorkerPool kv_pool_;
  WorkerPool admin_pool_;
};

}  // namespace

std::shared_ptr<grpc::Channel> CreateNodeChannel(const std::string& address) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   NodeChannelArguments());
}

// ---------------------------------------------------------------------------------------------
// GrpcServer

class GrpcServer::Impl {
 public:
  Impl(NodeServiceHandler* handler, const GrpcServerOptions& options) : service(handler, options) {}

  void Shutdown() {
    service.BeginStop();
    // Stops accepting calls; after the deadline cancels the calls still running. Returns once
    // every call has been finished (the pools finish theirs).
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    server->Wait();
    service.Join();
  }

  NodeService service;
  std::unique_ptr<grpc::Server> server;  // destroyed before `service`
};

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(const std::string& listen_address,
                                                              NodeServiceHandler* handler,
                                                              GrpcServerOptions options) {
  if (handler == nullptr) return absl::InvalidArgumentError("GrpcServer needs a handler");
  if (options.kv_threads < 1) return absl::InvalidArgumentError("kv_threads must be >= 1");
  auto impl = std::make_unique<Impl>(handler, options);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen_address, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Two processes must never share a port: binding a taken port should fail.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Accept the keepalive pings of NodeChannelArguments().
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.RegisterService(&impl->service);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || port == 0) {
    if (impl->server != nullptr) impl->Shutdown();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen_address));
  }
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl), port));
}

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl, int port)
    : impl_(std::move(impl)), port_(port) {}

GrpcServer::~GrpcServer() { Shutdown(); }

int GrpcServer::port() const { return port_; }

void GrpcServer::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  impl_->Shutdown();
}

// ---------------------------------------------------------------------------------------------
// NodeClient

class NodeClient::Impl {
 public:
  explicit Impl(const std::string& address)
      : stub(proto::MeridianNode::NewStub(CreateNodeChannel(address))) {}

  std::unique_ptr<proto::MeridianNode::Stub> stub;
};

absl::StatusOr<std::unique_ptr<NodeClient>> NodeClient::Connect(const std::string& address) {
  if (address.empty()) return absl::InvalidArgumentError("empty node address");
  return std::unique_ptr<NodeClient>(new NodeClient(std::make_unique<Impl>(address)));
}

NodeClient::NodeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NodeClient::~NodeClient() = default;

absl::StatusOr<proto::KvResponse> NodeClient::Kv(const proto::KvRequest& request,
                                                 absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  proto::KvResponse response;
  absl::Status status = FromGrpc(impl_->stub->Kv(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<proto::TxnResponse> NodeClient::Txn(const proto::TxnRequest& request,
                                                   absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  proto::TxnResponse response;
  absl::Status status = FromGrpc(impl_->stub->Txn(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<proto::NodeStatusResponse> NodeClient::Status(absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  proto::NodeStatusResponse response;
  absl::Status status =
      FromGrpc(impl_->stub->Status(&context, proto::NodeStatusRequest(), &response));
  if (!status.ok()) return status;
  return response;
}

absl::Status NodeClient::SetFaults(const proto::FaultSpec& spec, absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  proto::Empty response;
  return FromGrpc(impl_->stub->SetFaults(&context, spec, &response));
}

absl::Status NodeClient::Paxos(const proto::PaxosBatch& batch, absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  proto::PaxosAck response;
  return FromGrpc(impl_->stub->Paxos(&context, batch, &response));
}

}  // namespace meridian::server
