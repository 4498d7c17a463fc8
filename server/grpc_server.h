// The node's gRPC surface: GrpcServer hosts the MeridianNode service (proto/node.proto) and
// forwards each call to a NodeServiceHandler; NodeClient is a small synchronous client for it.
//
// Threading of the server (callback API):
//   Paxos              runs inline on a gRPC thread: OnPaxosBatch must not block long.
//   Kv, Txn            run on a pool of `kv_threads` worker threads: OnKv may block until its
//                      request completes; blocked Kv calls never hold up Paxos traffic.
//   Status, SetFaults  run on a small separate pool, so they answer while Kv is saturated.
// Work waiting for a pool thread whose caller has gone (deadline, cancel) is skipped.
//
// No gRPC header is included here: only server/*.cc pay for gRPC.
//
// Thread-safety: GrpcServer and NodeClient methods may be called from any thread.
#ifndef MERIDIAN_SERVER_GRPC_SERVER_H_
#define MERIDIAN_SERVER_GRPC_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/node.pb.h"
#include "proto/paxos.pb.h"

namespace grpc {
class Channel;
class Server;
}  // namespace grpc

namespace meridian::server {

// What the node logic implements. The server calls these from its own threads, concurrently:
// implementations must be thread-safe.
class NodeServiceHandler {
 public:
  virtual ~NodeServiceHandler() = default;

  // Paxos messages from a peer. Must not block long (it runs on a gRPC thread).
  virtual void OnPaxosBatch(const proto::PaxosBatch& batch) = 0;
  // May block until the request completes; should apply its own timeout.
  virtual proto::KvResponse OnKv(const proto::KvRequest& request) = 0;
  // Transactional requests; same threading as OnKv.
  virtual proto::TxnResponse OnTxn(const proto::TxnRequest& request) = 0;
  // The same without holding a thread while the request waits (for a lock, a Paxos round,
  // commit wait): answers through `done` exactly once, from any thread, possibly before
  // returning. Returns false, without calling `done`, if the handler does not answer this
  // way; the server then runs OnTxn on a worker.
  virtual bool OnTxnAsync(const proto::TxnRequest& request,
                          std::function<void(proto::TxnResponse)> done) {
    (void)request;
    (void)done;
    return false;
  }
  virtual proto::NodeStatusResponse OnStatus() = 0;
  // This node's wall clock reading, returned with every Paxos batch for clock discipline.
  virtual int64_t WallClockNanos() = 0;
  // A bad spec is an error returned to the caller; nothing changes then.
  virtual absl::Status OnSetFaults(const proto::FaultSpec& spec) = 0;
};

struct GrpcServerOptions {
  // Worker threads running OnKv; more concurrent Kv calls wait for a free worker.
  int kv_threads = 32;
  // Kv calls allowed to wait for a worker; beyond that they fail with RESOURCE_EXHAUSTED.
  size_t max_queued_kv = 10000;
};

class GrpcServer {
 public:
  // Binds `listen_address` ("127.0.0.1:7001"; port 0 picks a free port) and starts serving.
  // `handler` must outlive the server (until Shutdown returns). Returns kUnavailable when the
  // address cannot be bound (e.g. the port is taken: SO_REUSEPORT is off).
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(const std::string& listen_address,
                                                           NodeServiceHandler* handler,
                                                           GrpcServerOptions options = {});

  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;
  ~GrpcServer();  // calls Shutdown()

  // The bound port.
  int port() const;

  // Stops accepting calls, fails calls still waiting for a worker with UNAVAILABLE, waits for
  // running handlers to return, and releases the port. After it returns the handler is never
  // called again. Idempotent.
  void Shutdown();

 private:
  class Impl;
  GrpcServer(std::unique_ptr<Impl> impl, int port);

  std::unique_ptr<Impl> impl_;  // shared by the gRPC threads until Shutdown
  const int port_;
  absl::Mutex shutdown_mu_;  // serializes Shutdown
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

// A channel to another node's MeridianNode service with the settings every node-to-node
// connection uses: fast reconnect (100 ms initial, 1 s max backoff) so a restarted node is
// reachable again within about a second, keepalive pings to notice dead connections, and
// 64 MiB message limits for snapshots.
std::shared_ptr<grpc::Channel> CreateNodeChannel(const std::string& address);

// A synchronous client for the MeridianNode service, for tests, benchmarks and the CLI.
// RPC failures come back as a status with the gRPC code (codes match absl::StatusCode): e.g.
// kUnavailable when the node is unreachable, kDeadlineExceeded when `timeout` passed.
// Application-level errors of a Kv call are in KvResponse::code, not in the status.
class NodeClient {
 public:
  // Does not wait for a connection; returns kInvalidArgument for an empty address.
  static absl::StatusOr<std::unique_ptr<NodeClient>> Connect(const std::string& address);

  NodeClient(const NodeClient&) = delete;
  NodeClient& operator=(const NodeClient&) = delete;
  ~NodeClient();

  absl::StatusOr<proto::KvResponse> Kv(const proto::KvRequest& request, absl::Duration timeout);
  absl::StatusOr<proto::TxnResponse> Txn(const proto::TxnRequest& request, absl::Duration timeout);
  absl::StatusOr<proto::NodeStatusResponse> Status(absl::Duration timeout);
  absl::Status SetFaults(const proto::FaultSpec& spec, absl::Duration timeout);
  // Sends one batch of Paxos messages directly (bypasses any Transport and its faults).
  absl::Status Paxos(const proto::PaxosBatch& batch, absl::Duration timeout);

 private:
  class Impl;
  explicit NodeClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_GRPC_SERVER_H_
