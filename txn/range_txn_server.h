// RangeTxnServer: everything one node does for the clients of one range it replicates --
// locking reads, single-range commits, the 2PC participant and coordinator roles, in-doubt
// recovery, closed timestamps and lock-free (snapshot, stale, strong) reads.
//
// It is a pure, event-driven state machine. Its inputs are requests (Handle, HandleRead),
// the outcomes of its own Paxos proposals (OnApplied) and Maintain calls (after every Paxos
// step, and on every tick). Its outputs are proposals to its RangeReplica, replies (each
// request's callback runs exactly once, possibly much later), and two effects the host
// performs: waiting out a timestamp (commit wait) and sending a request to another range's
// leaseholder (outcome delivery, in-doubt STATUS asks). Time is read from the TrueTime it is
// given. The node (server/node.cc) drives it with threads and gRPC; the deterministic
// simulator (tests/sim/txn_cluster.h) drives the same code with simulated time, network and
// crashes.
//
//   request --> wait for locks (wound-wait, in TxnLocks) --> propose --> OnApplied
//           --> host.AfterTimestamp(commit ts) --> release locks, reply
//
// A waiting request is parked in RangeWaits under the event that can end its wait: a lock
// wait under its transaction, woken when the lock table's effects name it (a grant, a
// wound, an abort); a strong read under the applied index it needs; a snapshot read under
// its timestamp (safe time); a read that met a prepared write under that transaction. After
// every input the server wakes only the waits its events concern. A wait fails at its
// deadline (`request_timeout_ns`): a lock wait aborts the waiter (40001); a proposal whose
// outcome is unknown answers kDeadlineExceeded and keeps the transaction's locks until the
// command's fate is known.
//
// A proposal the range's Paxos leader refuses because its proposal queue is full
// (kResourceExhausted, see PaxosOptions::max_pending_bytes) was never proposed: the
// request's transaction is told to restart (40001) and its locks here are released --
// unless an earlier copy of the same transaction's command is still being replicated, whose
// outcome is then unknown (kDeadlineExceeded, locks kept until it is known).
//
// Thread-safety: not thread-safe. The host serializes every call, and runs callbacks from
// the host (AfterTimestamp, Route) under the same serialization.
#ifndef MERIDIAN_TXN_RANGE_TXN_SERVER_H_
#define MERIDIAN_TXN_RANGE_TXN_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/true_time.h"
#include "proto/node.pb.h"
#include "storage/range/range_replica.h"
#include "txn/range_map.h"
#include "txn/range_waits.h"
#include "txn/row_update.h"
#include "txn/scan_filter.h"
#include "txn/txn_locks.h"

namespace meridian::txn {

// What the server asks of its host. Callbacks must never run inside the call that
// registered them.
class RangeTxnHost {
 public:
  virtual ~RangeTxnHost() = default;
  // Runs `fn` once TrueTime says `ts` has certainly passed (commit wait).
  virtual void AfterTimestamp(Timestamp ts, std::function<void()> fn) = 0;
  // Sends `request` to the leaseholder of its range (on this node or another) and runs
  // `done` with the answer, or with the failure to get one.
  virtual void Route(proto::TxnRequest request,
                     std::function<void(absl::StatusOr<proto::TxnResponse>)> done) = 0;
};

// How many rows one filtered scan request examines at most before answering with a
// resume key (unfiltered scans answer at most this many rows).
inline constexpr int64_t kScanPageRows = 1000;

struct RangeTxnServerOptions {
  uint64_t node_id = 0;
  const RangeMap* range_map = nullptr;  // the range's span is range_map->ranges()[id - 1]
  int64_t request_timeout_ns = 5'000'000'000;
  // An older transaction whose lock request finds younger ones in its way waits this long
  // before it wounds them, so that a younger holder about to commit is not thrown away
  // (0: wound at once). A deadlock, which only a wound breaks, lasts this long.
  int64_t wound_delay_ns = 0;
  // A transaction not prepared and not heard from for this long is aborted here; a
  // participant prepared this long ago asks the coordinator about it.
  int64_t heartbeat_timeout_ns = 5'000'000'000;
  // An idle leaseholder proposes an empty command this often (closed timestamps).
  int64_t close_interval_ns = 100'000'000;
  // Distinguishes lock epochs across restarts of the node.
  uint64_t incarnation = 0;
  // How long an in-doubt participant waits between STATUS asks of one transaction.
  int64_t status_retry_ns = 1'000'000'000;
  // Snapshot reads at a replica that is behind wait at most this long before redirecting.
  int64_t follower_read_wait_ns = 1'000'000'000;
  // The longest a read-only participant holds its frozen read locks for an outcome (never
  // past the end of its lease).
  int64_t read_hold_ns = 5'000'000'000;
  // Evaluates scan filters; empty: filters are ignored (every row is returned).
  ScanFilterCompiler scan_filters;
  // Evaluates single-row updates (TxnRequest.update); empty: they are refused.
  RowUpdateCompiler row_updates;
};

class RangeTxnServer {
 public:
  using Reply = std::function<void(proto::TxnResponse)>;
  using KvReply = std::function<void(proto::KvResponse)>;

  // `range`, `true_time`, `hlc`, `host` and options.range_map must outlive the server.
  RangeTxnServer(RangeTxnServerOptions options, storage::RangeReplica* range,
                 clock::TrueTime* true_time, clock::Hlc* hlc, RangeTxnHost* host);
  RangeTxnServer(const RangeTxnServer&) = delete;
  RangeTxnServer& operator=(const RangeTxnServer&) = delete;

  // A transactional request (READ, LOCK, PREPARE, COMMIT, DECIDE, RESOLVE, STATUS,
  // HEARTBEAT, ROLLBACK). `reply` runs exactly once.
  void Handle(const proto::TxnRequest& request, Reply reply);
  // A lock-free read (KvRequest GET or SCAN): strong, at a timestamp, bounded-staleness or
  // at the range's last commit timestamp. `reply` runs exactly once.
  void HandleRead(const proto::KvRequest& request, KvReply reply);
  // The outcomes of proposals applied (or lost) in the last Ready.
  void OnApplied(const std::vector<storage::AppliedProposal>& applied);
  // Reacts to lease changes, wakes waiters and expires overdue waits; with `tick`, also
  // expires silent transactions, proposes closed-timestamp commands and asks about
  // in-doubt transactions. Call after every Paxos step and on every tick.
  void Maintain(bool tick);
  // When the next parked wait's deadline passes, on this server's clock (NowNs); 0 if no
  // wait is parked. The owner calls Maintain then.
  int64_t NextDeadlineNs() const { return waits_.next_deadline_ns(); }
  // Non-empty: the node must not serve (an untrusted clock); every request is refused.
  void SetRefusal(std::string why) { refusal_ = std::move(why); }

  // OK when this replica may serve transactions now; else kUnavailable.
  absl::Status Serving() const;
  size_t locked_txns() const { return ready_ ? locks_.known_txns() : 0; }
  // Requests waiting (for locks, applies, reads or commit wait), for tests.
  size_t waiting() const { return waits_.size() + proposals_.size(); }

 private:
  using Req = std::shared_ptr<const proto::TxnRequest>;
  using KvReq = std::shared_ptr<const proto::KvRequest>;
  // Scans [start, end) at `ts` into `r` (keys, values, resume_key, found), applying
  // `filter` and stopping after `limit` rows (0: no limit). Returns the scan's blocking
  // intent, if any.
  template <typename Response>
  absl::StatusOr<std::optional<storage::BlockingIntent>> ScanInto(const std::string& start,
                                                                  const std::string& end,
                                                                  Timestamp ts, int64_t limit,
                                                                  const std::string& filter,
                                                                  Response* r);
  struct ProposalWait {
    Timestamp timestamp;
    int64_t deadline_ns;
    std::function<void(absl::StatusOr<Timestamp>)> done;  // empty once answered
    std::string release_txn;  // locks released when the outcome is known, if the wait timed out
    bool release_only_on_failure = false;
  };

  int64_t NowNs() const;
  uint64_t range_id() const { return range_->range_id(); }
  uint64_t LeaderHint() const;
  // Runs every parked wait that the events since the last Pump ended, repeatedly, until
  // none is ready.
  void Pump();
  // What a proposal refused for a full Paxos queue (`full`, kResourceExhausted) means for
  // `txn` (empty: none): 40001 restart, or kDeadlineExceeded while an earlier copy of its
  // command is being replicated.
  absl::Status Refused(const absl::Status& full, const std::string& txn) const;
  // Proposes `cmd` at a timestamp in [at_least, below) and calls `done` with it once
  // applied, or with its failure (40001 if the timestamp would not be below `below`).
  void ProposeThen(proto::RangeCommand cmd, Timestamp at_least, Timestamp below,
                   std::string release_txn, bool release_only_on_failure,
                   std::function<void(absl::StatusOr<Timestamp>)> done);
  absl::Status Ready() const;
  absl::Status CheckEpoch(const proto::TxnRequest& request) const;
  absl::Status CheckKeys(const proto::TxnRequest& request) const;
  // Requests every lock in `wants`; `done` runs once all are held, or with why not.
  void LockAll(const std::string& txn, Timestamp priority,
               std::vector<std::pair<LockSpan, LockMode>> wants,
               std::function<void(absl::Status)> done);
  // Parks LockAll's wait until every lock in `wants` is held, txn is aborted, the lease
  // moves, or `deadline_ns` passes (txn is then aborted, 40001). `wound_at_ns` > 0: at that
  // time txn wounds the younger transactions it still waits for, and waits on.
  void ParkLockWait(const std::string& txn, std::vector<std::pair<LockSpan, LockMode>> wants,
                    std::function<void(absl::Status)> done, int64_t deadline_ns,
                    int64_t wound_at_ns);
  // Checks the read locks named by `request` and takes its write locks.
  void LockWrites(const Req& request, std::function<void(absl::Status)> done);
  // A read of the latest committed data under locks the request holds: runs `run` with the
  // strong read's plan once this replica has applied what it needs, or `fail` if no plan can
  // be made or the wait outlives the request (the lease was lost meanwhile).
  void AfterStrongRead(std::function<void(const storage::ReadPlan&)> run,
                       std::function<void(absl::Status)> fail);
  // `key` at `ts`, read under its lock: a prepared write there is an internal error (it would
  // hold the lock).
  absl::StatusOr<std::optional<storage::MvccRow>> LockedGet(const std::string& key,
                                                            Timestamp ts) const;
  // Snapshot isolation (request.snapshot_timestamp set): 40001 if any of `keys`, which the
  // transaction now holds exclusively, has a committed version above its snapshot.
  absl::Status CheckWrittenSince(const proto::TxnRequest& request,
                                 const std::vector<std::string>& keys) const;
  // 23505 if a key of request.absent_keys, now held exclusively, has a live version.
  absl::Status CheckAbsent(const proto::TxnRequest& request) const;
  // The end of the locking phase: every lock `request` needs must still be held; then the
  // transaction becomes unwoundable. On failure its locks here are released.
  absl::Status FreezeLocks(const proto::TxnRequest& request);

  void Dispatch(const Req& request, const Reply& reply);
  void LockingRead(const Req& request, const Reply& reply);
  void CommitLocal(const Req& request, const Reply& reply);
  // COMMIT with an update: lock the key, read it, apply the update, commit (CommitLocal).
  void UpdateLocal(const Req& request, const Reply& reply);
  // INGEST: writes into a key space private to the transaction, without locks.
  void Ingest(const Req& request, const Reply& reply);
  void LockForCommit(const Req& request, const Reply& reply);
  void Prepare(const Req& request, const Reply& reply);
  // PREPARE with no writes: freezes the read locks until the outcome or a hold deadline.
  void PrepareReadOnly(const Req& request, const Reply& reply);
  // After commit wait at `ts`: tells `ranges` (the request's release_ranges or
  // participants) that txn committed.
  void TellCommitted(const std::string& txn, const std::vector<uint64_t>& ranges, Timestamp ts);
  void Decide(const Req& request, const Reply& reply);
  void Resolve(const Req& request, const Reply& reply);
  void Status(const Req& request, const Reply& reply);
  // Releases txn's locks (if any) now, once its commit at `ts` is applied, and replies with
  // `r` at `ts` after commit wait.
  void ReplyAfter(Timestamp ts, std::string txn, proto::TxnResponse r, Reply reply);
  void ServeRead(const KvReq& request, int64_t deadline_ns, KvReply reply);
  void ReadAt(const KvReq& request, Timestamp ts, int64_t deadline_ns, KvReply reply);
  Timestamp PreparedCap() const;
  Timestamp SafeNow() const;
  void AskInDoubt(int64_t now);

  const RangeTxnServerOptions options_;
  storage::RangeReplica* const range_;
  clock::TrueTime* const true_time_;
  clock::Hlc* const hlc_;
  RangeTxnHost* const host_;
  std::string refusal_;

  TxnLocks locks_;
  bool ready_ = false;    // locks valid: lease held since `ballot_` began, prepared reinstated
  proto::Ballot ballot_;  // the leader term the locks belong to
  std::string epoch_;     // names this lock table: term + reset count + incarnation
  uint64_t resets_ = 0;
  int64_t last_proposal_ns_ = 0;
  std::map<std::string, int64_t> status_asked_ns_;  // in-doubt txn -> last STATUS sent
  // Read-only participants (PREPARE without writes): no record, no Paxos round. The frozen
  // read locks are kept until the outcome arrives or `until` has certainly passed; `until`
  // is never after the lease ends, so every later write here -- by this leaseholder after
  // `until`, or by a successor -- is stamped above any commit timestamp below `until`.
  struct ReadHold {
    Timestamp prepared;
    Timestamp until;
  };
  std::map<std::string, ReadHold> read_holds_;  // cleared with the lock table

  RangeWaits waits_;
  std::map<uint64_t, ProposalWait> proposals_;  // by proposal id
  bool pumping_ = false;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_RANGE_TXN_SERVER_H_
