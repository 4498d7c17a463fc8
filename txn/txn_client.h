// The transaction API: everything above the storage layer (SQL, workloads, tools) reads and
// writes through it and never sees ranges.
//
//   TxnClient client(range_map, &rpc, &true_time);   // all time comes from true_time's clock
//   std::unique_ptr<Txn> t = client.Begin();            // read-write
//   t->Get("a"); t->Put("b", "1"); t->Commit();          // 40001 => restart (see Run)
//   client.Begin({.mode = TxnMode::kReadOnly});         // lock-free, at Now().latest
//
// Read-write transactions (Spanner's protocol, see docs/architecture.md):
//   - Get/Scan take shared locks (exclusive with for_update) at the range's leaseholder and
//     read the latest committed data. Put/Delete are buffered here until Commit; reads see
//     the transaction's own writes.
//   - Commit on one range: COMMIT to its leaseholder, which locks the writes, checks the read
//     locks are still held, replicates, commit-waits, releases.
//   - Commit on several ranges: two-phase commit. The first range (by id) with writes
//     coordinates. First every range takes its write locks (LOCK, skipped when for_update
//     reads already locked every written key); then every other range PREPAREs in parallel
//     (prepare record through Paxos, prepare timestamp); then the coordinator DECIDEs at
//     s >= every prepare timestamp, logs the decision, commit-waits and tells the
//     participants.
//   - Priority is the start timestamp; Run() restarts on 40001 keeping it, so a transaction
//     that keeps losing becomes the oldest and wins. A background thread heartbeats every
//     open transaction at each range it touched; a range aborts a silent one.
// Read-only transactions take no locks and read at one timestamp from the nearest replica
// that can serve it: Now().latest by default, a given timestamp (snapshot read), the newest
// one a nearby replica has within a staleness bound, or, for one range, its LastTS.
//
// Errors: kAborted with SQLSTATE 40001 means restart; 40003 means the commit's outcome is
// unknown (the connection to the leaseholder broke after the request was sent); others say
// what is wrong. After any error of Commit the transaction is over.
//
// Thread-safety: TxnClient is thread-safe. A Txn is used by one thread at a time.
#ifndef MERIDIAN_TXN_TXN_CLIENT_H_
#define MERIDIAN_TXN_TXN_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/true_time.h"
#include "common/timestamp.h"
#include "proto/node.pb.h"
#include "txn/leaseholder_router.h"
#include "txn/lock_table.h"
#include "txn/range_map.h"
#include "txn/txn_commit.h"
#include "txn/txn_rpc.h"

namespace meridian::txn {

enum class TxnMode { kReadWrite, kReadOnly };

// Read-write transactions only (read-only ones read one snapshot and take no locks).
enum class Isolation {
  // Reads take shared locks, held to the end (Spanner's strict two-phase locking).
  kSerializable,
  // Snapshot isolation (SQL's REPEATABLE READ, as PostgreSQL gives it): reads are lock-free,
  // at one snapshot, merged with the transaction's own writes. Reads for_update and writes
  // lock exclusively; a key among them with a version committed after the snapshot
  // restarts the transaction (40001: first committer wins), and the commit is stamped above
  // the snapshot. No lost updates, no read skew; write skew is possible, as in PostgreSQL's
  // REPEATABLE READ.
  //   The snapshot is taken at the first lock-free read (Now().latest, and at least what
  // the locking reads before it saw), not at Begin: what those locking reads returned is
  // still current then, as they hold their keys exclusively. So a transaction that starts
  // with UPDATEs (TPC-C's Payment) queues for a hot row and proceeds, where PostgreSQL,
  // whose snapshot is its first statement's, fails with 40001 once the holder commits. A
  // transaction that never reads lock-free has no snapshot and no conflict to check: every
  // key it read it holds exclusively.
  kSnapshot,
};

struct TxnOptions {
  TxnMode mode = TxnMode::kReadWrite;
  // Read-only: read at exactly this timestamp (a snapshot read).
  std::optional<Timestamp> read_timestamp;
  // Read-only: bounded staleness. The first read takes the newest timestamp the nearest
  // replica can serve, no older than this; later reads use the same timestamp.
  absl::Duration max_staleness = absl::ZeroDuration();
  // Read-only: every read is in one range; the timestamp is that range's last commit
  // timestamp when nothing is prepared there (no wait at all).
  bool single_range = false;
  // Read-write: the wound-wait priority (start timestamp). A restart passes the previous
  // attempt's priority() so the transaction keeps its age.
  std::optional<Timestamp> priority;
  Isolation isolation = Isolation::kSerializable;  // read-write only
};

struct TxnClientOptions {
  // Prefix of this client's transaction ids; must be unique among live clients. 0: derived
  // from the clock's reading when the client is created.
  uint64_t client_id = 0;
  // Stale reads (bounded staleness, or a timestamp at least `nearest_min_age` old) try this
  // node's replica first, and go to the leaseholder only if it cannot serve them; 0: always
  // the leaseholder. Fresher reads go to the leaseholder first: a follower could serve them
  // only after its safe time caught up (up to a closed-timestamp interval, 100 ms).
  NodeId nearest_node = 0;
  absl::Duration nearest_min_age = absl::Milliseconds(250);
  absl::Duration request_timeout = absl::Seconds(10);
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // Writes buffered in a transaction's private spans (Txn::AddPrivateSpan) are ingested
  // once they reach this many bytes, in requests of at most this many bytes each.
  size_t ingest_batch_bytes = 1 << 20;
  // The most bytes of writes one range may take in a transaction's commit outside its
  // private spans. The commit is one Paxos command applied at once; past this it fails with
  // 54000 instead of stalling the range (and the node's other ranges) for seconds.
  size_t max_commit_bytes_per_range = 8 << 20;
};

struct Row {
  std::string key;
  std::string value;
  friend bool operator==(const Row&, const Row&) = default;
};

// Where a commit's time went, as reported by the ranges (slowest participant per phase).
struct CommitStats {
  int participants = 0;  // ranges written or read
  absl::Duration total;
  absl::Duration prepare;      // 2PC: the parallel PREPARE round, as seen by the client
  absl::Duration lock_wait;    // at the committing range
  absl::Duration replicate;    // Paxos at the committing range
  absl::Duration commit_wait;  // at the committing range
};

// One request a transaction sent and what it cost: EXPLAIN ANALYZE's account of where the
// time went (Txn::trace).
struct RpcTrace {
  std::string_view op;  // the request's op: READ, COMMIT, ... (GET, SCAN: lock-free reads)
  uint64_t range = 0;
  NodeId node = 0;      // the node that answered (0: none did)
  bool direct = false;  // that node is in this process: a direct call, no network
  int keys = 0;         // keys asked for, rows a scan returned, or writes sent
  absl::Duration elapsed;
  absl::Duration replicate;  // the range's Paxos round for it (zero: none)
  absl::Duration lock_wait;
  absl::Duration commit_wait;
  bool ok = true;
};

// How a read-write transaction committed.
enum class CommitProtocol {
  kNone,          // not committed (yet), or nothing read or written
  kReadOnly,      // a read-only transaction: nothing to commit
  kReleaseReads,  // read-write that only read: each range checks and releases its locks
  kOnePhase,      // one range written: one COMMIT there
  kTwoPhase,      // several ranges written: LOCK, PREPARE, DECIDE
};
std::string_view CommitProtocolName(CommitProtocol p);

class TxnClient;

class Txn {
 public:
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();  // rolls back a transaction still open

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key, bool for_update = false);
  // Get of several keys, in one request per range. The values in the order of `keys`.
  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      const std::vector<std::string>& keys, bool for_update = false);
  // Rows with start <= key < end (empty end: to the end), in key order; limit 0 = all.
  // `filter` (opaque to this layer, see txn/scan_filter.h) lets ranges
  // leave out committed rows that cannot match; rows may still come back unfiltered, and
  // the transaction's own buffered writes in the span always do. Locks cover the whole span.
  absl::StatusOr<std::vector<Row>> Scan(std::string_view start, std::string_view end,
                                        int64_t limit = 0, std::string_view filter = {});
  absl::Status Put(std::string_view key, std::string_view value);
  // Read-write: `key`, which this transaction writes, must have no live committed version
  // when its range locks it for the commit; else the commit fails with 23505 and `error`.
  // (A uniqueness check without a locking read before it: for a statement that commits
  // right away, where the error at commit is the statement's.)
  void RequireAbsent(std::string key, std::string error);
  absl::Status Delete(std::string_view key);
  // Read-write: the commit timestamp. Read-only: the read timestamp (nothing to commit).
  // After CommitUpdate, its commit timestamp again.
  absl::StatusOr<Timestamp> Commit();
  // Read-write, nothing read or written yet: reads `key` under an exclusive lock, applies
  // `update` (txn/row_update.h) to it at its range and commits the new value, all in one
  // request and one Paxos round; or, if the row is absent or the update leaves it, commits
  // nothing. The transaction is over afterwards. Errors are Commit's, and the update's own
  // (with their SQLSTATE); FailedPrecondition (no SQLSTATE) if the range does not
  // evaluate updates, in which case nothing happened and the transaction is still open.
  struct UpdateResult {
    Timestamp timestamp;
    std::optional<std::string> value;  // the row's new value; nullopt: nothing was written
  };
  absl::StatusOr<UpdateResult> CommitUpdate(std::string_view key, std::string update);
  absl::Status Rollback();

  // The bulk path. Declares that no other transaction can reach keys in [start, end) until
  // this one commits: a key space it created (a new table or index id that only its own
  // uncommitted writes name). Writes buffered there are ingested early, in batches of
  // TxnClientOptions::ingest_batch_bytes, each written as committed versions in one Paxos
  // round (INGEST), and the commit is stamped above them. So a transaction loading
  // millions of rows into a table it created or truncated never builds one huge command,
  // and stays all-or-nothing: if it does not commit, what it ingested stays unreachable.
  // Spans are key prefixes' spans: nested or disjoint. Reads in them still go to the ranges
  // (and find what was ingested).
  void AddPrivateSpan(std::string start, std::string end);
  // How many INGEST requests have been sent (a savepoint taken before one cannot be rolled
  // back to: ingested writes cannot be taken back, only left unreachable).
  uint64_t ingests() const { return ingests_; }

  // Savepoints. The buffered writes now; RestoreWrites puts them back, undoing every Put and
  // Delete since. Locks taken since stay held until the transaction ends (harmless: they
  // only make it conflict where it already read).
  using Writes = std::map<std::string, std::optional<std::string>>;  // nullopt = delete
  const Writes& buffered_writes() const { return writes_; }
  absl::Status RestoreWrites(Writes writes);

  // Read-write: asks every range this transaction has touched, now, whether it still
  // holds its locks there (one HEARTBEAT per range). 40001 when a range has aborted it
  // (wounded by an older transaction), which the background heartbeat would only report
  // later. For a caller about to report a conflict that a wounded transaction may have
  // seen only because its locks were taken away (a unique violation on a key an older
  // transaction wrote under a lock this one had lost).
  absl::Status CheckAlive();

  // Read-write: bounds on the commit timestamp that come from outside the transaction's own
  // reads: commit at or above `at_least` and strictly below `before`. A layer above sets
  // them when it relied on something read under a lease with an end (SQL's descriptor
  // leases, sql/catalog/descriptor_leases.h). A commit that cannot stay within them
  // restarts (40001), as does a commit of reads only that starts at or after `before`.
  void SetCommitBounds(Timestamp at_least, Timestamp before);

  // Read-write, nothing written: turns the reads' locks into a lease. Every range read
  // freezes the transaction's locks (a read-only PREPARE, no Paxos round) and keeps them
  // until ReleaseHolds() or until the hold's end, whichever comes first. While the hold
  // lasts nothing read can change: no write to it commits at a timestamp in [from, until)
  // (a later writer is stamped above `until`, or above the release). The transaction is
  // over afterwards; only ReleaseHolds() may follow.
  struct Hold {
    Timestamp from;   // the latest prepare timestamp: what was read is current at it
    Timestamp until;  // the earliest hold end
  };
  absl::StatusOr<Hold> HoldReads();
  // Releases the holds (best effort, no Paxos round; a hold not reached ends by itself).
  // Call only once nothing that relied on them can still commit.
  void ReleaseHolds();

  // State of a layer above whose lifetime is the transaction's: dropped when the
  // transaction ends (commit, rollback, HoldReads) or is destroyed.
  void set_attachment(std::shared_ptr<void> a) { attachment_ = std::move(a); }
  const std::shared_ptr<void>& attachment() const { return attachment_; }

  const std::string& id() const { return id_; }
  TxnMode mode() const { return options_.mode; }
  // A read-write transaction at snapshot isolation.
  bool snapshot() const {
    return options_.mode == TxnMode::kReadWrite && options_.isolation == Isolation::kSnapshot;
  }
  Timestamp priority() const { return priority_; }
  // Read-only and snapshot: the timestamp lock-free reads use, once known (a snapshot
  // transaction's: from its first lock-free read on).
  std::optional<Timestamp> read_timestamp() const { return read_ts_; }
  const CommitStats& commit_stats() const { return stats_; }
  // Every request this transaction sent so far, in order (parallel commit requests in the
  // order they were issued), and how it committed.
  const std::vector<RpcTrace>& trace() const { return trace_; }
  CommitProtocol commit_protocol() const { return protocol_; }

 private:
  friend class TxnClient;
  Txn(TxnClient* client, std::string id, TxnOptions options, Timestamp priority);

  absl::Status CheckOpen() const;
  absl::StatusOr<std::vector<Row>> ScanRange(const RangeSpan& range, std::string_view start,
                                             std::string_view end, int64_t limit,
                                             std::string_view filter);
  // A lock-free read at read_ts_ (read-only and snapshot transactions).
  absl::StatusOr<proto::KvResponse> ReadOnly(const RangeSpan& range, proto::KvRequest req);
  // The locking READ of `keys` (one key: `key`; several: batch_keys) at `range`.
  proto::TxnRequest LockingRead(uint64_t range, bool for_update) const;
  // client_->Send, traced.
  absl::StatusOr<proto::TxnResponse> Call(proto::TxnRequest req, bool retry_after_send = true);
  void Trace(const proto::TxnRequest& req, NodeId node, absl::Duration elapsed,
             const absl::StatusOr<proto::TxnResponse>& r);
  void AddRead(uint64_t range, LockSpan span);
  void Close();
  bool IsPrivate(std::string_view key) const;
  // Counts a buffered private write; ingests every private write once past the batch size.
  absl::Status NotePrivateWrite(std::string_view key, size_t bytes);
  absl::Status IngestPrivate();

  TxnClient* const client_;
  const std::string id_;
  const TxnOptions options_;
  const Timestamp priority_;
  bool open_ = true;
  std::optional<Timestamp> read_ts_;
  // Snapshot isolation, before the snapshot is taken: the latest timestamp a locking read
  // answered at (the snapshot goes at or above it).
  Timestamp locked_at_;
  // Snapshot isolation: takes the snapshot if it is not taken yet.
  void TakeSnapshot();
  std::optional<uint64_t> only_range_;  // single_range read-only: the range read so far
  Writes writes_;
  std::map<std::string, std::string> absent_;        // RequireAbsent: key -> error
  std::map<uint64_t, std::vector<LockSpan>> reads_;  // range -> spans locked, in read order
  // The same spans indexed, so that AddRead finds one that covers a new read without a
  // scan (a 1,000-row COPY's uniqueness reads were quadratic): point keys by key, and the
  // positions in reads_ of the spans that are not points.
  struct ReadIndex {
    std::set<std::string> points;
    std::vector<size_t> ranges;
  };
  std::map<uint64_t, ReadIndex> read_index_;
  std::set<std::string> exclusive_;  // keys read for_update (locked exclusively already)
  // Per range, the lock epoch of the first lock taken there; sent with every later request
  // to that range so a reset lock table (lease moved) is noticed instead of re-locked.
  std::map<uint64_t, std::string> epochs_;
  void NoteEpoch(uint64_t range, const proto::TxnResponse& r);
  CommitStats stats_;
  Timestamp commit_at_least_;
  std::optional<Timestamp> committed_by_update_;  // CommitUpdate's commit timestamp
  Timestamp commit_before_ = Timestamp::Max();
  std::set<uint64_t> held_;  // ranges holding this transaction's reads (HoldReads)
  std::vector<std::pair<std::string, std::string>> private_;  // AddPrivateSpan
  size_t private_bytes_ = 0;  // buffered in private spans since the last ingest
  uint64_t ingests_ = 0;
  Timestamp ingested_at_;  // the latest INGEST's timestamp; the commit goes above it
  std::vector<RpcTrace> trace_;
  CommitProtocol protocol_ = CommitProtocol::kNone;
  std::shared_ptr<void> attachment_;
};

class TxnClient {
 public:
  // `rpc` and `true_time` must outlive the client.
  TxnClient(RangeMap map, TxnRpc* rpc, clock::TrueTime* true_time, TxnClientOptions options = {});
  ~TxnClient();
  TxnClient(const TxnClient&) = delete;
  TxnClient& operator=(const TxnClient&) = delete;

  std::unique_ptr<Txn> Begin(TxnOptions options = {});

  // Runs `body` in a read-write transaction and commits it, restarting on 40001 (with the
  // same priority) up to `max_attempts` times. `body` must be safe to run again.
  absl::StatusOr<Timestamp> Run(const std::function<absl::Status(Txn&)>& body,
                                int max_attempts = 20);

  const RangeMap& range_map() const { return map_; }
  // Time comes from the injected clock (true_time->clock()), so a simulated clock drives
  // deadlines, backoff and commit statistics too. (The heartbeat thread's 1 s period is
  // a real-time mutex wait.)
  absl::Time Now() const;
  void Sleep(absl::Duration d) const;
  clock::TrueTime* true_time() { return true_time_; }

  // Sends `request` to the leaseholder of its range (LeaseholderRouter, within
  // request_timeout). With `retry_after_send` false, a call that may have reached the node
  // is not repeated (its failure is returned as 40003, outcome unknown).
  // `answered_by`, if set, receives the node that answered (or whose call failed last).
  absl::StatusOr<proto::TxnResponse> Send(proto::TxnRequest request, bool retry_after_send = true,
                                          NodeId* answered_by = nullptr);
  // A Kv request, to `first` if set, then to the range's leaseholder.
  absl::StatusOr<proto::KvResponse> SendKv(const proto::KvRequest& request, NodeId first,
                                           NodeId* answered_by = nullptr);
  // The routing (and leaseholder cache) Send and SendKv use, for callers that send single
  // key-value requests outside transactions.
  LeaseholderRouter& router() { return router_; }

 private:
  friend class Txn;
  struct Live {
    std::set<uint64_t> ranges;
    std::optional<absl::Status> aborted;
  };

  void Touch(const std::string& txn, uint64_t range);
  void Forget(const std::string& txn);
  absl::Status AbortedStatus(const std::string& txn);
  // Heartbeats `txn` at `ranges` now; records and returns 40001 if one aborted it.
  absl::Status HeartbeatNow(const std::string& txn, const std::vector<uint64_t>& ranges);
  void HeartbeatLoop();

  const RangeMap map_;
  TxnRpc* const rpc_;
  clock::TrueTime* const true_time_;
  const TxnClientOptions options_;
  LeaseholderRouter router_;
  const uint64_t client_id_;

  absl::Mutex mu_;
  std::map<std::string, Live> live_ ABSL_GUARDED_BY(mu_);
  uint64_t next_txn_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread heartbeat_;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_TXN_CLIENT_H_
