// Node: one Meridian server process. It owns the node's LevelDB engine, its clock, one
// RangeReplica per range it serves, the gRPC server and the Paxos transport.
//
//                    gRPC threads                         driver thread
//   OnPaxosBatch ---> inbox ----------------------------> Step each message into its range
//   OnKv (write) ---> ProposeWrites, wait for apply        every tick: Tick every range
//   OnKv (read)  ---> PlanStrongRead, wait until ready     Ready of every range:
//                                                            1. stage all, ONE synced write
//                                                               (group commit across ranges)
//                                                            2. send messages (transport)
//                                                            3. apply, answer waiters
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
#include "txn/range_map.h"
#include "txn/txn_locks.h"

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
  // An idle leaseholder proposes an empty command this often, so followers' t_safe keeps up
  // with real time (closed timestamps) and snapshot reads there need not wait.
  int64_t close_interval_ms = 100;
};

class Node : public NodeServiceHandler {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node() override;

  // Stops serving and joins threads. Idempotent.
  void Stop();
  int port() const;

  void OnPaxosBatch(const proto::PaxosBatch& batch) override;
  proto::KvResponse OnKv(const proto::KvRequest& request) override;
  proto::TxnResponse OnTxn(const proto::TxnRequest& request) override;
  proto::NodeStatusResponse OnStatus() override;
  absl::Status OnSetFaults(const proto::FaultSpec& spec) override;
  int64_t WallClockNanos() override { return clock_->NowNanos(); }

 private:
  explicit Node(NodeOptions options);
  absl::Status Init();
  void DriverLoop();
  // One pass of the Ready pipeline over every range. Returns true if anything happened.
  bool ProcessReadies();
  proto::KvResponse Write(storage::RangeReplica* range, std::vector<proto::KvWrite> writes);
  proto::KvResponse Read(storage::RangeReplica* range, const proto::KvRequest& request);
  storage::RangeReplica* FindRange(uint64_t range_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Transactions (node_txn.cc). The lock state of one range while this node holds its lease.
  struct RangeTxns {
    txn::TxnLocks locks;
    bool ready = false;    // locks valid: lease held since `ballot` began, prepared reinstated
    proto::Ballot ballot;  // the leader term the locks belong to
    std::string epoch;     // names this lock table: term + reset count + incarnation
    uint64_t resets = 0;
    int64_t last_proposal_ns = 0;
    std::map<std::string, int64_t> status_asked_ns;  // in-doubt txn -> last STATUS sent
  };
  // Proposes `cmd` and waits until it is applied; returns its timestamp or its failure. If
  // the wait times out (outcome unknown), `release_on_timeout`'s locks are released once the
  // command's fate is known.
  absl::StatusOr<Timestamp> ProposeAndWait(storage::RangeReplica* range, proto::RangeCommand cmd,
                                           Timestamp at_least, int64_t* replicate_us,
                                           const std::string& release_on_timeout = "",
                                           bool release_only_on_failure = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Requests every lock and waits until all are held; the transaction is aborted here if the
  // wait times out.
  absl::Status LockAll(storage::RangeReplica* range, RangeTxns& st, const std::string& txn,
                       Timestamp priority,
                       const std::vector<std::pair<txn::LockSpan, txn::LockMode>>& wants)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks the read locks named by `request` and takes its write locks (waiting, wound-wait).
  // On failure the transaction's locks here are released.
  absl::Status LockWrites(storage::RangeReplica* range, RangeTxns& st,
                          const proto::TxnRequest& request) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The range's transaction state, when this node may serve `request` there now (TxnReady
  // and CheckEpoch).
  absl::StatusOr<RangeTxns*> ServingTxns(storage::RangeReplica* range,
                                         const proto::TxnRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // 40001 if the request names a lock epoch other than the range's current one.
  static absl::Status CheckEpoch(const RangeTxns& st, const proto::TxnRequest& request);
  // OK when this node may serve transactions on `range` now; else kUnavailable with a hint.
  absl::Status TxnReady(storage::RangeReplica* range, RangeTxns& st)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Lease changes (reset or reinstate locks), heartbeat expiry and closed timestamps.
  void MaintainTxns(bool tick) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Single-range commit (also used by plain KV writes): lock, replicate, commit wait, release.
  proto::TxnResponse CommitLocal(storage::RangeReplica* range, const proto::TxnRequest& request);
  proto::TxnResponse LockForCommit(storage::RangeReplica* range, const proto::TxnRequest& request);
  proto::TxnResponse Prepare(storage::RangeReplica* range, const proto::TxnRequest& request);
  proto::TxnResponse Decide(storage::RangeReplica* range, const proto::TxnRequest& request);
  proto::TxnResponse Resolve(storage::RangeReplica* range, const proto::TxnRequest& request);
  proto::TxnResponse TxnStatus(storage::RangeReplica* range, const proto::TxnRequest& request);
  proto::TxnResponse LockingRead(storage::RangeReplica* range, const proto::TxnRequest& request);
  // Sends a request to its range's leaseholder, here or on a peer.
  absl::StatusOr<proto::TxnResponse> RouteTxn(const proto::TxnRequest& request);
  // Background: delivers outcomes to participants and asks coordinators about in-doubt
  // transactions.
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
  std::unique_ptr<GrpcServer> server_;

  absl::Mutex mu_;
  std::map<uint64_t, std::unique_ptr<storage::RangeReplica>> ranges_ ABSL_GUARDED_BY(mu_);
  std::vector<proto::PaxosMessage> inbox_ ABSL_GUARDED_BY(mu_);
  // (range id, proposal id) -> outcome, filled when the proposal is applied. Proposal ids
  // are unique within a range only.
  std::map<std::pair<uint64_t, uint64_t>, std::optional<absl::Status>> waiters_
      ABSL_GUARDED_BY(mu_);
  bool work_pending_ ABSL_GUARDED_BY(mu_) = false;
  // Non-empty while the clock is not trusted: the node neither serves nor takes part in Paxos.
  std::string clock_problem_ ABSL_GUARDED_BY(mu_) = "clock not yet compared with peers";
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<uint64_t, RangeTxns> txns_ ABSL_GUARDED_BY(mu_);
  // Proposals whose waiter gave up; the txn's locks are released once the outcome is known.
  struct DeferredRelease {
    std::string txn;
    bool only_on_failure = false;  // a PREPARE that applies keeps its locks
  };
  std::map<std::pair<uint64_t, uint64_t>, DeferredRelease> release_on_apply_ ABSL_GUARDED_BY(mu_);
  const uint64_t incarnation_;  // random per start: epochs never repeat across restarts
  std::vector<proto::TxnRequest> outbox_ ABSL_GUARDED_BY(mu_);  // RESOLVEs for participants
  uint64_t next_local_txn_ ABSL_GUARDED_BY(mu_) = 1;
  txn::RangeMap range_map_;

  absl::Mutex peers_mu_;
  std::map<NodeId, std::unique_ptr<NodeClient>> peer_clients_ ABSL_GUARDED_BY(peers_mu_);
  std::map<uint64_t, NodeId> leader_guess_ ABSL_GUARDED_BY(peers_mu_);

  std::thread driver_;
  std::thread janitor_;
  std::atomic<bool> stopped_{false};
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_NODE_H_
