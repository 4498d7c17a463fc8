// PaxosCore: one replica of one Multi-Paxos group, as a pure state machine.
//
// It does no I/O: no threads, sockets, disk or wall clock. Time arrives through Tick() (for
// timeouts, counted in ticks) and through an injected TrueTime (only for leader leases);
// randomness comes from a seed. The same inputs give the same outputs, message for message.
//
//             Propose / ProposeConfigChange / Campaign / Compact / SendSnapshot
//                                        |
//     Step(msg) ---> +------------------------------------------+ ---> Ready
//     Tick()   ---> | acceptor: promised ballot, accepted slots |      1. persist: hard_state,
//                   | learner : learned (chosen) prefix          |         entries, compact_to,
//                   | leader  : phase 1 once, phase 2 per batch, |         snapshot
//                   |           leases, catch-up, membership     |      2. then send: messages
//                   +------------------------------------------+      3. then apply: committed
//                                                                       (and install snapshot)
//
// The Ready / Advance contract (the driver's side):
//   while (core.HasReady()) {
//     Ready rd = core.GetReady();
//     Send rd.early_messages (may be sent before the write, or with the others after it).
//     Persist rd.hard_state, rd.entries, rd.compact_to and rd.snapshot durably (fsync) in
//       one atomic write. Nothing in rd.messages may be sent before this completes: the
//       messages promise what was just persisted.
//     Send rd.messages (any order, may be lost; the core retransmits).
//     Install rd.snapshot into the state machine if set, then apply rd.committed in order.
//     For each peer in rd.snapshot_needed_by, take a state-machine snapshot at the
//       applied index and hand it to SendSnapshot().
//     core.Advance(rd);
//   }
//
// Protocol summary (per group):
//   - Ballots are (round, node). A candidate runs phase 1 once for every slot after its
//     learned prefix; it re-proposes, at its own ballot, the highest-ballot value reported
//     for each slot (or a value a promiser knows is chosen), and fills gaps with no-ops.
//   - A leader runs phase 2 for batches of commands, pipelined up to a bounded window of
//     unchosen slots. A slot is chosen once a majority of the voters accepted it durably.
//     The leader sends a batch's ACCEPTs while it writes the batch to its own log (they
//     are early_messages: they promise nothing about the leader's disk), and counts its own
//     acceptance only once that write is done (Advance). So the leader's fsync and the
//     followers' run in parallel, and a leader that crashes before its write completes
//     has voted for nothing: it restarts as a follower and never reuses its ballot.
//   - Commit knowledge travels on every ACCEPT (commit_index); a follower learns slot s if it
//     accepted s at the same ballot, and otherwise is sent the chosen value (LEARN) or, if
//     the leader's log no longer has it, a state-machine snapshot.
//   - Leases: every ACCEPT carries the leader's TrueTime earliest; an acceptor that accepts
//     it grants the leader a lease until its own TrueTime latest + lease_duration and
//     promises no other ballot until that time has certainly passed. The leader holds the
//     lease until (the majority-th newest acknowledged send time) + lease_duration, and only
//     while TrueTime latest is below it; so successive leaders' leases never overlap.
//     A restarted replica promises nothing for one lease duration.
//   - Membership changes one voter at a time through the log. A change is proposed only with
//     no other slot in flight and nothing is proposed after it until it is chosen, so each
//     slot is chosen under exactly one configuration. A candidate needs a majority of its
//     configuration and of any newer one it finds in the promises.
//
// Thread-safety: not thread-safe; the driver serializes every call.
#ifndef MERIDIAN_STORAGE_PAXOS_PAXOS_CORE_H_
#define MERIDIAN_STORAGE_PAXOS_PAXOS_CORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/true_time.h"
#include "proto/paxos.pb.h"

namespace meridian::storage::paxos {

using NodeId = uint64_t;

struct PaxosOptions {
  uint64_t group = 0;
  NodeId self = 0;
  // Voters of a brand-new group. Ignored when restoring persisted state that has a config.
  std::vector<NodeId> initial_voters;
  int heartbeat_ticks = 1;
  // A follower that hears no leader for a random time in [t, 2t) ticks campaigns.
  int election_timeout_ticks = 10;
  int retransmit_ticks = 2;
  int64_t lease_duration_ns = 1'000'000'000;
  size_t max_inflight_slots = 4096;
  // A leader holds at most this many bytes of commands that are not chosen yet: queued for
  // a slot (the in-flight window is full, or a membership change is pending) or in flight.
  // Past it, Propose answers kResourceExhausted until slots are chosen, so a slow quorum
  // pushes back on clients instead of growing memory without end. A command proposed when
  // nothing is pending is always taken, whatever its size.
  size_t max_pending_bytes = 64 << 20;
  size_t max_entries_per_message = 512;
  uint64_t seed = 1;
};

enum class Role { kFollower, kCandidate, kLeader };
const char* RoleName(Role role);

struct SnapshotToInstall {
  uint64_t index = 0;
  proto::GroupConfig config;
  std::string data;
};

struct Ready {
  // True if the write must be synced before any message is sent: it changes the promise or
  // accepted entries (or installs a snapshot). Otherwise it only records progress (learned
  // index, compaction) that is recomputed or re-learned after a crash, and may be written
  // without fsync.
  bool must_sync = false;
  std::optional<proto::HardState> hard_state;
  std::vector<proto::Entry> entries;   // write (overwrite by slot)
  std::optional<uint64_t> compact_to;  // delete log entries with slot <= this
  std::optional<SnapshotToInstall> snapshot;
  std::vector<proto::PaxosMessage> messages;
  // A leader's ACCEPTs of new entries: they may leave before the write above completes.
  std::vector<proto::PaxosMessage> early_messages;
  std::vector<proto::Entry> committed;  // apply in slot order
  std::vector<NodeId> snapshot_needed_by;
  bool empty() const;
};

struct PaxosStatus {
  Role role = Role::kFollower;
  proto::Ballot promised;
  NodeId leader_hint = 0;
  uint64_t learned_index = 0;
  uint64_t applied_index = 0;
  uint64_t log_start = 1;
  uint64_t next_slot = 0;  // leader only
  std::vector<NodeId> voters;
  bool has_lease = false;
  int64_t lease_expiry_ns = 0;
  size_t queued = 0;         // leader only
  size_t inflight = 0;       // leader only
  size_t pending_bytes = 0;  // leader only: command bytes queued or in flight
};

class PaxosCore {
 public:
  // `true_time` must outlive the core. A replica that restarts passes its persisted state to
  // Restore() before any other call.
  PaxosCore(PaxosOptions options, clock::TrueTime* true_time);

  // Loads persisted state. `entries` are the stored log entries (any order);
  // `applied_index` is the state machine's durable applied index (entries after it are
  // handed out again in Ready::committed).
  void Restore(const proto::HardState& hard_state, const std::vector<proto::Entry>& entries,
               uint64_t applied_index);

  void Tick();
  void Step(const proto::PaxosMessage& msg);

  // Starts phase 1 now (tests, leadership transfer). Returns false if this replica may not
  // (not a voter, or its acceptor is bound by a lease).
  bool Campaign();

  // Appends a command. Returns the slot it was proposed at; kUnavailable when this replica
  // is not the leader (the message names the leader hint); kResourceExhausted when the
  // leader already holds options.max_pending_bytes of unchosen commands (nothing was
  // proposed: retry once slots are chosen). A proposal can still be lost to a leader
  // change; the applied entry at the slot then differs.
  absl::StatusOr<uint64_t> Propose(std::string command);
  // Proposes a one-voter membership change (leader only; one at a time).
  absl::StatusOr<uint64_t> ProposeConfigChange(const proto::ConfigChange& change);

  // The state machine has durably captured everything up to `slot` (<= applied index):
  // drop log entries up to it.
  void Compact(uint64_t slot);
  // Sends `peer` a state-machine snapshot taken at applied index `index`.
  void SendSnapshot(NodeId peer, uint64_t index, std::string data);

  bool HasReady() const;
  Ready GetReady();
  void Advance(const Ready& ready);

  // True if this replica is the leader and holds an unexpired lease by TrueTime.
  bool HasLease();
  // When the current lease ends (wall ns; 0 if none). Timestamps this leader assigns must
  // stay below it, so that a successor's (all above this) are larger.
  int64_t lease_expiry_ns() const { return lease_expiry_ns_; }
  // The slot up to which a new leader must have applied before serving lease reads: the
  // last slot it re-proposed after phase 1.
  uint64_t leader_start_slot() const { return leader_start_slot_; }

  Role role() const { return role_; }
  NodeId leader_hint() const { return leader_hint_; }
  uint64_t learned_index() const { return learned_index_; }
  uint64_t applied_index() const { return applied_index_; }
  const proto::Ballot& promised() const { return promised_; }
  const std::set<NodeId>& voters() const { return voters_; }
  PaxosStatus Status();
  NodeId self() const { return options_.self; }

 private:
  struct SlotProgress {
    std::set<NodeId> accepted;
    int64_t sent_tick = 0;  // when the leader last (re)sent it
    size_t bytes = 0;       // its command's size, counted in inflight_bytes_
  };
  struct FollowerProgress {
    uint64_t learned_index = 0;
    int64_t lease_start_acked = 0;
    uint64_t learn_sent_upto = 0;  // a LEARN stream is in progress up to here (0: none)
    uint64_t commit_told = 0;      // the commit index announced at the previous heartbeat
    int64_t last_learn_tick = -1000000;
    bool heard = false;
    int64_t last_retransmit_tick = -1000000;
    int64_t last_heard_tick = 0;
    bool snapshot_pending = false;
    uint64_t snapshot_sent_index = 0;  // the index of the last snapshot sent
    int64_t snapshot_requested_tick = -1000000;
  };

  // --- roles
  void BecomeFollower(NodeId leader_hint);
  void BecomeLeader();
  void ResetElectionTimer();

  // --- acceptor
  void HandlePrepare(const proto::PaxosMessage& m);
  void HandleAccept(const proto::PaxosMessage& m);
  void HandleLearn(const proto::PaxosMessage& m);
  void HandleSnapshot(const proto::PaxosMessage& m);
  bool LeaseForbidsPromise(NodeId candidate);
  void GrantLease(NodeId leader);
  void Reject(const proto::PaxosMessage& m, const std::string& reason);

  // --- candidate / leader
  void HandlePromise(const proto::PaxosMessage& m);
  void HandleAccepted(const proto::PaxosMessage& m);
  void HandleReject(const proto::PaxosMessage& m);
  void LeaderTick();
  void AppendAsLeader(proto::Entry entry);
  void ProposeQueued();
  void SendAccepts(NodeId to, const std::vector<proto::Entry>& entries);
  void SendLearn(NodeId peer, FollowerProgress* progress);
  void AdvanceCommit();
  bool HasQuorum(const std::set<NodeId>& acks, const std::set<NodeId>& voters) const;
  std::set<NodeId> BroadcastTargets() const;
  void UpdateLease();

  // --- learner / log
  void StoreEntry(proto::Entry entry);
  void LearnUpTo(uint64_t commit_index, const proto::Ballot& ballot);
  void OnLearned(const proto::Entry& entry);
  std::set<NodeId> ConfigAt(uint64_t slot) const;
  void MarkHardStateDirty() { hard_state_dirty_ = true; }
  // The promise changed: the next Ready must be synced.
  void MarkPromiseDirty() {
    hard_state_dirty_ = true;
    promise_dirty_ = true;
  }
  proto::HardState MakeHardState() const;
  proto::PaxosMessage NewMessage(proto::PaxosMessage::Type type, NodeId to) const;
  void Send(proto::PaxosMessage m);
  void ObserveRound(uint64_t round);

  PaxosOptions options_;
  clock::TrueTime* true_time_;
  std::mt19937_64 rng_;

  // Persistent (acceptor and learner).
  proto::Ballot promised_;
  uint64_t max_round_seen_ = 0;
  std::map<uint64_t, proto::Entry> log_;  // slots >= log_start_
  uint64_t log_start_ = 1;
  uint64_t learned_index_ = 0;
  // Membership: voters_ is the current configuration; config_history_ maps the slot at which
  // each configuration took effect (0 = initial / snapshot).
  std::set<NodeId> voters_;
  std::map<uint64_t, std::set<NodeId>> config_history_;

  // Volatile.
  Role role_ = Role::kFollower;
  NodeId leader_hint_ = 0;
  uint64_t applied_index_ = 0;
  int64_t tick_ = 0;
  int64_t last_heard_tick_ = 0;
  int64_t election_deadline_tick_ = 0;
  int64_t last_heartbeat_tick_ = -1000000;
  // Acceptor lease grant: promise no other leader until TrueTime is certainly past this.
  NodeId grant_holder_ = 0;
  int64_t grant_expiry_ns_ = 0;
  int64_t restart_fence_ns_ = 0;

  // Candidate.
  std::map<NodeId, proto::PaxosMessage> promises_;
  std::set<NodeId> prepared_extra_;  // non-voters a PREPARE was sent to in this campaign
  // Leader: members of every configuration in the chain of changes re-proposed after
  // phase 1 (until the last is learned); they all get ACCEPTs.
  std::set<NodeId> chain_targets_;

  // Leader.
  uint64_t next_slot_ = 0;
  uint64_t leader_start_slot_ = 0;
  std::map<uint64_t, SlotProgress> inflight_;
  std::map<NodeId, FollowerProgress> followers_;
  std::deque<proto::Entry> queued_;
  // Command bytes in queued_ and in inflight_ (see PaxosOptions::max_pending_bytes).
  size_t queued_bytes_ = 0;
  size_t inflight_bytes_ = 0;
  std::vector<proto::Entry> unsent_;
  std::optional<uint64_t> pending_config_slot_;
  std::optional<proto::ConfigChange> pending_config_change_;
  int64_t self_lease_start_ns_ = 0;
  int64_t lease_expiry_ns_ = 0;

  // Ready accumulation.
  bool hard_state_dirty_ = false;
  bool promise_dirty_ = false;
  std::map<uint64_t, proto::Entry> unpersisted_;
  std::optional<uint64_t> compact_to_;
  std::optional<SnapshotToInstall> snapshot_;
  std::vector<proto::PaxosMessage> outbox_;
  std::vector<NodeId> snapshot_needed_by_;
};

// Ballot helpers.
bool BallotLess(const proto::Ballot& a, const proto::Ballot& b);
bool BallotEq(const proto::Ballot& a, const proto::Ballot& b);
std::string BallotString(const proto::Ballot& b);

}  // namespace meridian::storage::paxos

#endif  // MERIDIAN_STORAGE_PAXOS_PAXOS_CORE_H_
