// TxnCommit: the coordinator side of committing one read-write transaction, as a pure state
// machine. It says which requests to send (each to its range's leaseholder) and, fed their
// answers, what to send next, until the outcome is known. TxnClient drives it with blocking
// RPCs; the deterministic simulator drives it with simulated messages.
//
//   no writes        COMMIT (no writes) to every range read: check and release the locks
//   one range        COMMIT: lock, replicate, commit wait (never resent once sent: 40003)
//   several ranges   LOCK at the ranges written (skipped when for_update reads locked every
//                    write; the ranges only read hold their locks since the reads)
//                    -> PREPARE at all but the coordinator (the first range written). A
//                       range only read prepares without a Paxos round: it freezes its read
//                       locks and holds them until it hears the outcome or until its
//                       hold_until, which the commit timestamp must stay below.
//                    -> one range written: COMMIT there (one Paxos round, no decision
//                       record); several: DECIDE at the coordinator. Either way
//                       s >= every prepare timestamp and s < every hold; the coordinator
//                       releases the ranges only read after commit wait.
//                    Any failure before the commit aborts everywhere (best effort: ranges
//                    also expire silent transactions, ask the coordinator, or let holds run
//                    out).
// Bounds given from outside (CommitBounds) go with the COMMIT or DECIDE like the holds.
//
// Results: the commit timestamp; 40001 (restart); 40003 (outcome unknown); or the error.
//
// Thread-safety: not thread-safe.
#ifndef MERIDIAN_TXN_TXN_COMMIT_H_
#define MERIDIAN_TXN_TXN_COMMIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/timestamp.h"
#include "proto/node.pb.h"
#include "txn/lock_table.h"

namespace meridian::txn {

// The SQLSTATE-carrying status for a node's error response.
absl::Status ResponseStatus(int code, const std::string& message, const std::string& sqlstate = "");

// What one range does in the commit.
struct CommitPart {
  std::vector<proto::KvWrite> writes;
  std::vector<LockSpan> reads;  // spans locked by the transaction's reads
  // Written keys that must not exist (Txn::RequireAbsent), with the error for each.
  std::vector<std::pair<std::string, std::string>> absent;
};

struct CommitSend {
  proto::TxnRequest request;
  // False: a failed call that may have reached the node must not be repeated; the driver
  // reports it as 40003 (outcome unknown).
  bool retry_after_send = true;
  // Fire and forget: the answer is not fed back (aborts after a failure).
  bool best_effort = false;
};

// Bounds on the commit timestamp from outside the transaction's reads (Txn::SetCommitBounds):
// the commit is stamped at or above `at_least` and below `before`, or restarts.
struct CommitBounds {
  Timestamp at_least;
  Timestamp before = Timestamp::Max();
  // Snapshot isolation: the snapshot. LOCK and COMMIT carry it, and a range refuses (40001)
  // a written key with a version committed above it.
  std::optional<Timestamp> snapshot;
};

class TxnCommit {
 public:
  // `epochs`: per range, the lock epoch of the transaction's first lock there.
  // `all_writes_locked`: every written key was read for_update (locked exclusively).
  TxnCommit(std::string txn_id, Timestamp priority, std::map<uint64_t, CommitPart> parts,
            std::map<uint64_t, std::string> epochs, bool all_writes_locked,
            CommitBounds bounds = {});

  // The first requests. Call once.
  std::vector<CommitSend> Start();
  // The answer to a request of the current step (not best-effort ones): a response, or the
  // failure of the call. Returns the next requests, once the step is complete.
  std::vector<CommitSend> OnAnswer(uint64_t range, absl::StatusOr<proto::TxnResponse> answer);

  bool done() const { return result_.has_value(); }
  // REQUIRES: done().
  const absl::StatusOr<Timestamp>& result() const { return *result_; }
  // The committing range's response (timings), when committed.
  const std::optional<proto::TxnResponse>& committed_response() const { return committed_; }
  size_t participants() const { return parts_.size(); }
  // Ranges the transaction touches (to heartbeat during 2PC).
  std::set<uint64_t> ranges() const;
  uint64_t coordinator() const { return coordinator_; }
  // True while the PREPARE round is outstanding (for timing it).
  bool preparing() const { return step_ == Step::kPrepare; }

 private:
  enum class Step { kReadsOnly, kSingle, kLock, kPrepare, kDecide, kDone };
  proto::TxnRequest Request(proto::TxnRequest::Op op, uint64_t range) const;
  // The PREPARE round: every range but the coordinator.
  std::vector<CommitSend> PrepareRound();
  // After the prepares: COMMIT or DECIDE at the coordinator at >= `min_ts`, below the holds.
  std::vector<CommitSend> CommitRound(Timestamp min_ts, Timestamp before);
  std::vector<CommitSend> Round(proto::TxnRequest::Op op, const std::set<uint64_t>& ranges);
  std::vector<CommitSend> AfterRound();
  // Finishes with `s`, aborting everywhere first.
  std::vector<CommitSend> Fail(absl::Status s);
  std::vector<CommitSend> Finish(absl::StatusOr<Timestamp> r);

  const std::string txn_id_;
  const Timestamp priority_;
  const std::map<uint64_t, CommitPart> parts_;
  std::map<uint64_t, std::string> epochs_;
  const bool all_writes_locked_;
  const CommitBounds bounds_;
  uint64_t coordinator_ = 0;      // 0: no writes
  std::set<uint64_t> written_;    // ranges with writes
  std::set<uint64_t> read_only_;  // ranges only read (when some other range is written)
  Step step_ = Step::kDone;
  std::set<uint64_t> waiting_;  // ranges of the current step not yet answered
  std::map<uint64_t, absl::StatusOr<proto::TxnResponse>> answers_;
  std::optional<absl::StatusOr<Timestamp>> result_;
  std::optional<proto::TxnResponse> committed_;
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_TXN_COMMIT_H_
