// Node: one Meridian server process. It owns the node's LevelDB engine, its clock, one
// RangeReplica per range it serves, the gRPC server and the Paxos transport.
//
//                    gRPC threads                         driver thread
//   OnPaxosBatch ---> inbox ----------------------------> Step each message into its range
//   OnKv, OnTxn  ---> the range's RangeTxnServer         every tick: Tick every range
//                     (locks, proposals, reads), wait     Ready of every range, through
//                     (a peer's Txn call: OnTxnAsync,
//                     answered by the reply callback)
//                                                         the ReplicaDriver (one pass):
//                                                            1. stage all, ONE synced write
//                                                               (group commit across ranges)
//                                                            2. send messages (transport)
//                                                            3. apply, tell the range's
//                                                               RangeTxnServer
//
// Writes are acknowledged only after their commit timestamp has passed by TrueTime
// (commit wait), so acknowledged order agrees with real time.
//
// Thread-safety: all public methods are thread-safe. mu_ guards the ranges and waiters;
// the synced write and message sends happen outside it so requests keep arriving.
#ifndef MERIDIAN_SERVER_NODE_H_
#define MERIDIAN_SERVER_NODE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/hlc.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "proto/node.pb.h"
#include "server/grpc_server.h"
#include "server/transport.h"
#include "storage/engine/engine.h"
#include "storage/range/range_replica.h"
#include "storage/range/replica_driver.h"
#include "txn/leaseholder_router.h"
#include "txn/range_map.h"
#include "txn/range_txn_server.h"

namespace meridian::server {

struct NodeOptions {
  NodeId node_id = 0;
  std::string listen_address;  // host:port for node-to-node and client RPCs
  AddressBook peers;           // every node of the cluster, including this one
  std::string data_dir;
  int ranges = 1;  // ranges 1..ranges, each replicated on every peer
  int64_t tick_ms = 10;
  int heartbeat_ticks = 5;
  int election_timeout_ticks = 30;
  int64_t lease_ms = 1500;
  int64_t epsilon_us = 1000;  // TrueTime uncertainty bound
  bool sync_writes = true;    // fsync the Paxos log (only benchmarks of the gap turn it off)
  // Clock discipline: stop serving when this node's clock is more than this far from a
  // majority of its peers (0: use epsilon_us). See server/clock_monitor.h.
  int64_t max_clock_offset_us = 0;
  // Testing only: add this to the host clock, to simulate a bad clock.
  int64_t clock_skew_ms = 0;
  int64_t request_timeout_ms = 5000;
  // Key-space split points: ranges 1..n cover [split[i-1], split[i]). Empty: the first key
  // byte divided evenly among `ranges`. When given, `ranges` must be splits + 1.
  std::vector<std::string> splits;
  // A transaction not prepared and not heard from for this long is aborted here.
  int64_t txn_heartbeat_timeout_ms = 5000;
  // An older transaction whose lock request finds younger holders waits this long before it
  // wounds them (see txn::RangeTxnServerOptions::wound_delay_ns). 0: wound at once.
  int64_t wound_delay_us = 20000;
  // An idle leaseholder proposes an empty command this often, so followers' t_safe keeps up
  // with real time (closed timestamps) and snapshot reads there need not wait.
  int64_t close_interval_ms = 100;
  // Evaluates the row filters scans carry (the SQL layer's: sql::CompileRangeFilter); empty:
  // ranges return every row and the reader filters.
  txn::ScanFilterCompiler scan_filters;
  // Evaluates single-row updates (the SQL layer's: sql::CompileRowUpdate); empty: they are
  // refused and the gateway reads and writes the row itself.
  txn::RowUpdateCompiler row_updates;
};

class Node : public NodeServiceHandler, public txn::RangeTxnHost {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node() override;

  // Stops serving and joins threads. Idempotent.
  void Stop();
  int port() const;

  void OnPaxosBatch(const proto::PaxosBatch& batch) override;
  proto::KvResponse OnKv(const proto::KvRequest& request) override;
  proto::TxnResponse OnTxn(const proto::TxnRequest& request) override;
  // Peers' requests: answered from the server's reply callback; no thread waits.
  bool OnTxnAsync(const proto::TxnRequest& request,
                  std::function<void(proto::TxnResponse)> done) override;
  proto::NodeStatusResponse OnStatus() override;
  absl::Status OnSetFaults(const proto::FaultSpec& spec) override;
  int64_t WallClockNanos() override { return clock_->NowNanos(); }

 private:
  explicit Node(NodeOptions options);
  absl::Status Init();
  void DriverLoop();
  // One ReplicaDriver pass over every range. Returns true if any range had a Ready.
  bool ProcessReadies();
  proto::KvResponse Write(storage::RangeReplica* range, std::vector<proto::KvWrite> writes);
  proto::KvResponse Read(storage::RangeReplica* range, const proto::KvRequest& request);
  storage::RangeReplica* FindRange(uint64_t range_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Transactions (node_txn.cc): each range's RangeTxnServer does the work; these adapt
  // gRPC's blocking calls to it. Waits (under mu_) for the server's reply.
  template <typename Response, typename Issue>
  Response AwaitReply(Issue issue, Response on_timeout) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  txn::RangeTxnServer* FindServer(uint64_t range_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // txn::RangeTxnHost, called by the servers with mu_ held. Commit waits run on the timer
  // thread; routed requests on the janitor thread.
  void AfterTimestamp(Timestamp ts, std::function<void()> fn) override;
  void Route(proto::TxnRequest request,
             std::function<void(absl::StatusOr<proto::TxnResponse>)> done) override;
  void TimerLoop();
  // Maintain every range's transaction server (after Paxos steps; `tick`: periodic work).
  void MaintainTxns(bool tick) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends a request to its range's leaseholder, here or on a peer.
  absl::StatusOr<proto::TxnResponse> RouteTxn(const proto::TxnRequest& request);
  // Background: sends the servers' routed requests (outcome deliveries, in-doubt STATUS
  // asks) and hands back the answers.
  void JanitorLoop();
  int64_t NowNs() { return clock_->NowNanos(); }
  // Re-evaluates clock_problem_ from the transport's peer clock measurements.
  void CheckClock() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NodeOptions options_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<clock::PhysicalClock> clock_;  // the host clock (plus any test skew)
  std::unique_ptr<clock::TrueTime> true_time_;
  std::unique_ptr<clock::Hlc> hlc_;
  std::unique_ptr<Transport> transport_;
  // The Ready pipeline of every range (sends through transport_). Used by the driver thread
  // only; its passes take mu_ for the collect and apply phases.
  std::unique_ptr<storage::ReplicaDriver> replica_driver_;
  std::unique_ptr<GrpcServer> server_;

  absl::Mutex mu_;
  std::map<uint64_t, std::unique_ptr<storage::RangeReplica>> ranges_ ABSL_GUARDED_BY(mu_);
  std::vector<proto::PaxosMessage> inbox_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::unique_ptr<txn::RangeTxnServer>> servers_ ABSL_GUARDED_BY(mu_);
  bool work_pending_ ABSL_GUARDED_BY(mu_) = false;
  // Non-empty while the clock is not trusted: the node neither serves nor takes part in Paxos.
  std::string clock_problem_ ABSL_GUARDED_BY(mu_) = "clock not yet compared with peers";
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const uint64_t incarnation_;  // random per start: epochs never repeat across restarts
  // Commit waits: run each callback once its timestamp has passed (timer thread).
  std::multimap<Timestamp, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  uint64_t timers_added_ ABSL_GUARDED_BY(mu_) = 0;
  // Requests the servers asked to route (janitor thread).
  struct Routed {
    proto::TxnRequest request;
    std::function<void(absl::StatusOr<proto::TxnResponse>)> done;
  };
  std::vector<Routed> routes_ ABSL_GUARDED_BY(mu_);
  // OnTxnAsync's requests awaiting their reply, by call id, with the time by which the
  // server must have answered (else the caller gets `node is stuck`) and the callback.
  struct PendingCall {
    int64_t deadline_ns;
    std::function<void(proto::TxnResponse)> done;
  };
  std::map<uint64_t, PendingCall> calls_ ABSL_GUARDED_BY(mu_);
  uint64_t next_call_ ABSL_GUARDED_BY(mu_) = 1;
  // Answers call `id` (if it still waits) with `r`.
  void AnswerCall(uint64_t id, proto::TxnResponse r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Answers every call past its deadline (all of them when stopping) with `node is stuck`.
  void ExpireCalls() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t next_local_txn_ ABSL_GUARDED_BY(mu_) = 1;
  txn::RangeMap range_map_;

  // Requests this node routes to other ranges' leaseholders go through the one leaseholder
  // router (txn/leaseholder_router.h), over `peer_rpc_`: gRPC to the peers, a direct call
  // to this node itself.
  std::unique_ptr<txn::TxnRpc> NewPeerRpc();  // (node_txn.cc)
  std::unique_ptr<txn::TxnRpc> peer_rpc_;
  std::unique_ptr<txn::LeaseholderRouter> router_;

  std::thread driver_;
  std::thread janitor_;
  std::thread timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_NODE_H_
