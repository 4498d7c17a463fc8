#include "storage/paxos/paxos_core.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace meridian::storage::paxos {

using proto::Entry;
using proto::PaxosMessage;

bool BallotLess(const proto::Ballot& a, const proto::Ballot& b) {
  return a.round() != b.round() ? a.round() < b.round() : a.node() < b.node();
}
bool BallotEq(const proto::Ballot& a, const proto::Ballot& b) {
  return a.round() == b.round() && a.node() == b.node();
}
std::string BallotString(const proto::Ballot& b) { return absl::StrCat(b.round(), ".", b.node()); }

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "?";
}

bool Ready::empty() const {
  return !hard_state.has_value() && entries.empty() && !compact_to.has_value() &&
         !snapshot.has_value() && messages.empty() && early_messages.empty() && committed.empty() &&
         snapshot_needed_by.empty();
}

namespace {

std::set<NodeId> ApplyChange(std::set<NodeId> voters, const proto::ConfigChange& change) {
  if (change.op() == proto::ConfigChange::ADD_VOTER) {
    voters.insert(change.node());
  } else {
    voters.erase(change.node());
  }
  return voters;
}

proto::GroupConfig ToProto(const std::set<NodeId>& voters) {
  proto::GroupConfig c;
  for (NodeId n : voters) c.add_voters(n);
  return c;
}

std::set<NodeId> FromProto(const proto::GroupConfig& c) {
  return std::set<NodeId>(c.voters().begin(), c.voters().end());
}

}  // namespace

PaxosCore::PaxosCore(PaxosOptions options, clock::TrueTime* true_time)
    : options_(std::move(options)), true_time_(true_time), rng_(options_.seed) {
  CHECK(options_.self != 0) << "node ids start at 1";
  voters_ = std::set<NodeId>(options_.initial_voters.begin(), options_.initial_voters.end());
  config_history_[0] = voters_;
  ResetElectionTimer();
}

void PaxosCore::Restore(const proto::HardState& hs, const std::vector<Entry>& entries,
                        uint64_t applied_index) {
  promised_ = hs.promised();
  max_round_seen_ = std::max(hs.max_round_seen(), promised_.round());
  log_start_ = std::max<uint64_t>(hs.log_start(), 1);
  learned_index_ = std::max(hs.learned_index(), log_start_ - 1);
  applied_index_ = log_start_ - 1;
  if (hs.snapshot_config().voters_size() > 0 || hs.snapshot_index() > 0) {
    config_history_.clear();
    config_history_[hs.snapshot_index()] = FromProto(hs.snapshot_config());
  }
  voters_ = config_history_.rbegin()->second;
  for (const Entry& e : entries) {
    if (e.slot() < log_start_) continue;
    log_[e.slot()] = e;
  }
  // Replay configuration changes that are already learned; later ones apply when learned.
  for (auto& [slot, e] : log_) {
    if (slot > learned_index_) break;
    if (e.type() == Entry::CONFIG) {
      voters_ = ApplyChange(voters_, e.config_change());
      config_history_[slot] = voters_;
    }
  }
  applied_index_ = std::max(log_start_ - 1, std::min(applied_index, learned_index_));
  // A restarted acceptor may have granted a lease it no longer remembers: promise nothing
  // to anyone for one lease duration.
  if (promised_.round() > 0) {
    restart_fence_ns_ = true_time_->Now().latest_ns + options_.lease_duration_ns;
  }
  ResetElectionTimer();
}

// ---------------------------------------------------------------------------------------
// Ready / Advance

bool PaxosCore::HasReady() const {
  return hard_state_dirty_ || !unpersisted_.empty() || compact_to_.has_value() ||
         snapshot_.has_value() || !outbox_.empty() || !unsent_.empty() ||
         applied_index_ < learned_index_ || !snapshot_needed_by_.empty();
}

Ready PaxosCore::GetReady() {
  Ready rd;
  if (!unsent_.empty()) {
    std::vector<Entry> batch = std::move(unsent_);
    unsent_.clear();
    // New entries' ACCEPTs may go before the leader's own write of them (it votes for them
    // only in Advance), unless this Ready also changes the promise they are sent under.
    const bool early = !promise_dirty_;
    std::vector<proto::PaxosMessage> others;
    if (early) others.swap(outbox_);
    for (NodeId peer : BroadcastTargets()) {
      if (peer != options_.self) SendAccepts(peer, batch);
    }
    if (early) {
      rd.early_messages = std::move(outbox_);
      outbox_ = std::move(others);
    }
  }
  rd.must_sync = promise_dirty_ || !unpersisted_.empty() || snapshot_.has_value();
  if (hard_state_dirty_) rd.hard_state = MakeHardState();
  for (auto& [slot, e] : unpersisted_) rd.entries.push_back(std::move(e));
  rd.compact_to = compact_to_;
  rd.snapshot = snapshot_;
  rd.messages = std::move(outbox_);
  rd.snapshot_needed_by = snapshot_needed_by_;
  uint64_t from = std::max(applied_index_ + 1, log_start_);
  if (snapshot_.has_value()) from = snapshot_->index + 1;
  for (uint64_t s = from; s <= learned_index_; ++s) {
    auto it = log_.find(s);
    CHECK(it != log_.end()) << "learned slot " << s << " missing from the log";
    rd.committed.push_back(it->second);
  }
  hard_state_dirty_ = false;
  promise_dirty_ = false;
  unpersisted_.clear();
  compact_to_.reset();
  snapshot_.reset();
  outbox_.clear();
  snapshot_needed_by_.clear();
  return rd;
}

void PaxosCore::Advance(const Ready& rd) {
  if (rd.snapshot.has_value()) applied_index_ = std::max(applied_index_, rd.snapshot->index);
  if (!rd.committed.empty()) applied_index_ = std::max(applied_index_, rd.committed.back().slot());
  // The leader's own entries are durable now: its acceptance counts.
  if (role_ != Role::kLeader) return;
  bool voted = false;
  for (const Entry& e : rd.entries) {
    if (!BallotEq(e.ballot(), promised_)) continue;
    auto it = inflight_.find(e.slot());
    if (it == inflight_.end()) continue;
    voted |= it->second.accepted.insert(options_.self).second;
  }
  if (voted) AdvanceCommit();
}

proto::HardState PaxosCore::MakeHardState() const {
  proto::HardState hs;
  *hs.mutable_promised() = promised_;
  hs.set_learned_index(learned_index_);
  hs.set_log_start(log_start_);
  hs.set_snapshot_index(log_start_ - 1);
  *hs.mutable_snapshot_config() = ToProto(ConfigAt(log_start_ - 1));
  hs.set_max_round_seen(max_round_seen_);
  return hs;
}

// ---------------------------------------------------------------------------------------
// Helpers

PaxosMessage PaxosCore::NewMessage(PaxosMessage::Type type, NodeId to) const {
  PaxosMessage m;
  m.set_type(type);
  m.set_group(options_.group);
  m.set_from(options_.self);
  m.set_to(to);
  return m;
}

void PaxosCore::Send(PaxosMessage m) {
  if (m.to() == options_.self) return;
  outbox_.push_back(std::move(m));
}

void PaxosCore::ObserveRound(uint64_t round) {
  if (round > max_round_seen_) {
    max_round_seen_ = round;
    MarkHardStateDirty();
  }
}

std::set<NodeId> PaxosCore::ConfigAt(uint64_t slot) const {
  auto it = config_history_.upper_bound(slot);
  CHECK(it != config_history_.begin());
  return std::prev(it)->second;
}

bool PaxosCore::HasQuorum(const std::set<NodeId>& acks, const std::set<NodeId>& voters) const {
  if (voters.empty()) return false;
  size_t n = 0;
  for (NodeId v : voters) n += acks.count(v);
  return n * 2 > voters.size();
}

std::set<NodeId> PaxosCore::BroadcastTargets() const {
  std::set<NodeId> targets = voters_;
  targets.insert(chain_targets_.begin(), chain_targets_.end());
  if (pending_config_change_.has_value()) {
    std::set<NodeId> next = ApplyChange(voters_, *pending_config_change_);
    targets.insert(next.begin(), next.end());
  }
  return targets;
}

void PaxosCore::ResetElectionTimer() {
  int t = std::max(1, options_.election_timeout_ticks);
  election_deadline_tick_ = tick_ + t + static_cast<int>(rng_() % static_cast<uint64_t>(t));
}

void PaxosCore::StoreEntry(Entry entry) {
  uint64_t slot = entry.slot();
  if (slot < log_start_) return;
  log_[slot] = entry;
  unpersisted_[slot] = std::move(entry);
}

// ---------------------------------------------------------------------------------------
// Roles

void PaxosCore::BecomeFollower(NodeId leader_hint) {
  if (role_ == Role::kLeader) {
    // Proposals that were never sent are lost with leadership; their callers time out.
    queued_.clear();
    queued_bytes_ = 0;
    unsent_.clear();
    inflight_.clear();
    inflight_bytes_ = 0;
    followers_.clear();
    pending_config_slot_.reset();
    pending_config_change_.reset();
    chain_targets_.clear();
    lease_expiry_ns_ = 0;
  }
  role_ = Role::kFollower;
  leader_hint_ = leader_hint;
  promises_.clear();
  last_heard_tick_ = tick_;
  ResetElectionTimer();
}

bool PaxosCore::Campaign() {
  if (voters_.count(options_.self) == 0) return false;
  if (LeaseForbidsPromise(options_.self)) return false;
  proto::Ballot ballot;
  ballot.set_round(max_round_seen_ + 1);
  ballot.set_node(options_.self);
  ObserveRound(ballot.round());
  promised_ = ballot;
  MarkPromiseDirty();
  if (role_ == Role::kLeader) BecomeFollower(0);
  role_ = Role::kCandidate;
  leader_hint_ = 0;
  promises_.clear();
  prepared_extra_.clear();
  ResetElectionTimer();
  // Our own promise.
  PaxosMessage self_promise = NewMessage(PaxosMessage::PROMISE, options_.self);
  *self_promise.mutable_ballot() = ballot;
  self_promise.set_slot(learned_index_ + 1);
  self_promise.set_commit_index(learned_index_);
  self_promise.set_log_start(log_start_);
  for (auto it = log_.lower_bound(learned_index_ + 1); it != log_.end(); ++it) {
    *self_promise.add_entries() = it->second;
  }
  for (NodeId peer : voters_) {
    if (peer == options_.self) continue;
    PaxosMessage m = NewMessage(PaxosMessage::PREPARE, peer);
    *m.mutable_ballot() = ballot;
    m.set_slot(learned_index_ + 1);
    Send(std::move(m));
  }
  HandlePromise(self_promise);
  return true;
}

void PaxosCore::BecomeLeader() {
  role_ = Role::kLeader;
  leader_hint_ = options_.self;
  followers_.clear();
  inflight_.clear();
  inflight_bytes_ = 0;
  std::map<NodeId, uint64_t> promised_learned;
  for (const auto& [node, promise] : promises_) promised_learned[node] = promise.commit_index();
  // Re-propose every slot after our learned prefix that any promiser reported.
  uint64_t max_slot = learned_index_;
  std::map<uint64_t, Entry> best;
  for (const auto& [node, promise] : promises_) {
    for (const Entry& e : promise.entries()) {
      if (e.slot() <= learned_index_) continue;
      max_slot = std::max(max_slot, e.slot());
      auto it = best.find(e.slot());
      if (it == best.end() ||
          (!it->second.chosen() && (e.chosen() || BallotLess(it->second.ballot(), e.ballot())))) {
        best[e.slot()] = e;
      }
    }
  }
  promises_.clear();
  next_slot_ = learned_index_ + 1;
  for (uint64_t s = learned_index_ + 1; s <= max_slot; ++s) {
    Entry e;
    auto it = best.find(s);
    if (it != best.end()) {
      e = it->second;
    } else {
      e.set_type(Entry::NOOP);
    }
    e.set_slot(s);
    e.set_chosen(false);
    if (e.type() == Entry::CONFIG) {
      pending_config_slot_ = s;
      pending_config_change_ = e.config_change();
    }
    AppendAsLeader(std::move(e));
  }
  leader_start_slot_ = max_slot;
  for (NodeId v : BroadcastTargets()) {
    if (v == options_.self) continue;
    FollowerProgress& p = followers_[v];
    p.last_heard_tick = tick_;
    auto it = promised_learned.find(v);
    if (it != promised_learned.end()) {
      p.learned_index = it->second;
      p.heard = true;
    }
  }
  // Announce leadership (and start the lease) right away.
  last_heartbeat_tick_ = tick_ - options_.heartbeat_ticks;
  LeaderTick();
  AdvanceCommit();
}

// ---------------------------------------------------------------------------------------
// Tick

void PaxosCore::Tick() {
  ++tick_;
  if (role_ == Role::kLeader) {
    LeaderTick();
    // Step down if a majority has been silent for an election timeout: clients then learn
    // quickly that this replica cannot commit.
    std::set<NodeId> live = {options_.self};
    for (const auto& [peer, p] : followers_) {
      if (tick_ - p.last_heard_tick < options_.election_timeout_ticks) live.insert(peer);
    }
    if (!HasQuorum(live, voters_)) BecomeFollower(0);
    return;
  }
  if (tick_ >= election_deadline_tick_) {
    if (!Campaign()) ResetElectionTimer();
  }
}

void PaxosCore::LeaderTick() {
  if (tick_ - last_heartbeat_tick_ < options_.heartbeat_ticks) return;
  last_heartbeat_tick_ = tick_;
  self_lease_start_ns_ = true_time_->Now().earliest_ns;
  GrantLease(options_.self);
  for (auto& [peer, progress] : followers_) {
    // Retransmit unacknowledged slots in the window, then the heartbeat itself.
    std::vector<Entry> resend;
    if (tick_ - progress.last_retransmit_tick >= options_.retransmit_ticks) {
      for (auto& [slot, sp] : inflight_) {
        if (sp.accepted.count(peer) == 0 && tick_ - sp.sent_tick >= options_.retransmit_ticks) {
          auto it = log_.find(slot);
          if (it != log_.end()) resend.push_back(it->second);
          if (resend.size() >= options_.max_entries_per_message) break;
        }
      }
      if (!resend.empty()) progress.last_retransmit_tick = tick_;
    }
    SendAccepts(peer, resend);
    // A follower still behind what it was told a heartbeat ago won't learn it from commit
    // indexes alone (it lacks those slots at this ballot): send the chosen values.
    if (progress.heard && progress.learned_index < progress.commit_told &&
        (progress.learn_sent_upto == 0 ||
         tick_ - progress.last_learn_tick >= options_.retransmit_ticks)) {
      SendLearn(peer, &progress);
    }
    progress.commit_told = learned_index_;
  }
  UpdateLease();
}

// ---------------------------------------------------------------------------------------
// Proposals

absl::StatusOr<uint64_t> PaxosCore::Propose(std::string command) {
  if (role_ != Role::kLeader) {
    return absl::UnavailableError(
        absl::StrCat("not the leader of group ", options_.group, "; leader hint: ", leader_hint_));
  }
  const size_t pending = queued_bytes_ + inflight_bytes_;
  if (pending > 0 && pending + command.size() > options_.max_pending_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the leader of group ", options_.group, " holds ", pending,
        " bytes of proposals not yet chosen; another ", command.size(), " would pass its limit of ",
        options_.max_pending_bytes, " bytes (its quorum is slow or unreachable); retry later"));
  }
  Entry e;
  e.set_type(Entry::NORMAL);
  e.set_command(std::move(command));
  uint64_t slot = next_slot_ + queued_.size();
  queued_bytes_ += e.command().size();
  queued_.push_back(std::move(e));
  ProposeQueued();
  // The leader's own acceptance may already be a quorum (a single-voter group). It is
  // persisted by the same Ready that reports the slot committed, before it is applied.
  AdvanceCommit();
  return slot;
}

absl::StatusOr<uint64_t> PaxosCore::ProposeConfigChange(const proto::ConfigChange& change) {
  if (role_ != Role::kLeader) {
    return absl::UnavailableError(
        absl::StrCat("not the leader of group ", options_.group, "; leader hint: ", leader_hint_));
  }
  if (pending_config_change_.has_value()) {
    return absl::FailedPreconditionError("a membership change is already in progress");
  }
  for (const Entry& q : queued_) {
    if (q.type() == Entry::CONFIG) {
      return absl::FailedPreconditionError("a membership change is already queued");
    }
  }
  bool is_voter = voters_.count(change.node()) > 0;
  if (change.op() == proto::ConfigChange::ADD_VOTER && is_voter) {
    return absl::InvalidArgumentError(absl::StrCat("node ", change.node(), " is already a voter"));
  }
  if (change.op() == proto::ConfigChange::REMOVE_VOTER) {
    if (!is_voter) {
      return absl::InvalidArgumentError(absl::StrCat("node ", change.node(), " is not a voter"));
    }
    if (voters_.size() == 1) return absl::InvalidArgumentError("cannot remove the last voter");
  }
  Entry e;
  e.set_type(Entry::CONFIG);
  *e.mutable_config_change() = change;
  uint64_t slot = next_slot_ + queued_.size();
  queued_.push_back(std::move(e));
  ProposeQueued();
  // The leader's own acceptance may already be a quorum (a single-voter group). It is
  // persisted by the same Ready that reports the slot committed, before it is applied.
  AdvanceCommit();
  return slot;
}

void PaxosCore::ProposeQueued() {
  while (!queued_.empty() && role_ == Role::kLeader) {
    if (pending_config_slot_.has_value()) return;  // nothing after a config change
    if (next_slot_ - 1 - learned_index_ >= options_.max_inflight_slots) return;
    if (queued_.front().type() == Entry::CONFIG) {
      if (next_slot_ - 1 != learned_index_) return;  // wait until nothing is in flight
      pending_config_slot_ = next_slot_;
      pending_config_change_ = queued_.front().config_change();
      for (NodeId v : BroadcastTargets()) {
        if (v != options_.self && followers_.count(v) == 0) {
          followers_[v].last_heard_tick = tick_;
        }
      }
    }
    Entry e = std::move(queued_.front());
    queued_.pop_front();
    queued_bytes_ -= e.command().size();
    e.set_slot(next_slot_);
    AppendAsLeader(std::move(e));
  }
}

void PaxosCore::AppendAsLeader(Entry entry) {
  CHECK_EQ(entry.slot(), next_slot_);
  *entry.mutable_ballot() = promised_;
  next_slot_ = entry.slot() + 1;
  SlotProgress& progress = inflight_[entry.slot()];
  progress.accepted.erase(options_.self);  // it votes once the entry is durable (Advance)
  progress.sent_tick = tick_;
  inflight_bytes_ += entry.command().size() - progress.bytes;  // progress.bytes: 0 if new
  progress.bytes = entry.command().size();
  StoreEntry(entry);
  unsent_.push_back(std::move(entry));
}

void PaxosCore::SendAccepts(NodeId to, const std::vector<Entry>& entries) {
  size_t i = 0;
  do {
    PaxosMessage m = NewMessage(PaxosMessage::ACCEPT, to);
    *m.mutable_ballot() = promised_;
    m.set_commit_index(learned_index_);
    m.set_lease_start_ns(self_lease_start_ns_);
    for (size_t n = 0; i < entries.size() && n < options_.max_entries_per_message; ++i, ++n) {
      *m.add_entries() = entries[i];
    }
    Send(std::move(m));
  } while (i < entries.size());
}

void PaxosCore::SendLearn(NodeId peer, FollowerProgress* p) {
  if (p->learned_index >= learned_index_) {
    p->learn_sent_upto = 0;
    return;
  }
  if (p->learned_index + 1 < log_start_) {
    // The log no longer has what the peer needs: it must install a snapshot.
    if (!p->snapshot_pending ||
        tick_ - p->snapshot_requested_tick > 10 * options_.election_timeout_ticks) {
      p->snapshot_pending = true;
      p->snapshot_requested_tick = tick_;
      snapshot_needed_by_.push_back(peer);
    }
    return;
  }
  PaxosMessage m = NewMessage(PaxosMessage::LEARN, peer);
  *m.mutable_ballot() = promised_;
  m.set_commit_index(learned_index_);
  uint64_t s = p->learned_index + 1;
  for (; s <= learned_index_ &&
         static_cast<size_t>(m.entries_size()) < options_.max_entries_per_message;
       ++s) {
    auto it = log_.find(s);
    if (it == log_.end()) break;
    Entry* e = m.add_entries();
    *e = it->second;
    e->set_chosen(true);
  }
  p->learn_sent_upto = s - 1;
  p->last_learn_tick = tick_;
  Send(std::move(m));
}

void PaxosCore::Compact(uint64_t slot) {
  slot = std::min(slot, applied_index_);
  if (slot < log_start_) return;
  // Keep the configuration as of `slot`, and every later change.
  std::set<NodeId> config = ConfigAt(slot);
  for (auto it = config_history_.begin(); it != config_history_.end();) {
    it = it->first <= slot ? config_history_.erase(it) : std::next(it);
  }
  config_history_[slot] = config;
  log_.erase(log_.begin(), log_.upper_bound(slot));
  for (auto it = unpersisted_.begin(); it != unpersisted_.end();) {
    it = it->first <= slot ? unpersisted_.erase(it) : std::next(it);
  }
  log_start_ = slot + 1;
  compact_to_ = slot;
  MarkHardStateDirty();
}

void PaxosCore::SendSnapshot(NodeId peer, uint64_t index, std::string data) {
  if (auto it = followers_.find(peer); it != followers_.end()) {
    it->second.snapshot_sent_index = index;
  }
  PaxosMessage m = NewMessage(PaxosMessage::SNAPSHOT, peer);
  *m.mutable_ballot() = promised_;
  m.set_slot(index);
  *m.mutable_config() = ToProto(ConfigAt(index));
  m.set_snapshot_data(std::move(data));
  m.set_commit_index(learned_index_);
  Send(std::move(m));
}

// ---------------------------------------------------------------------------------------
// Step

void PaxosCore::Step(const PaxosMessage& m) {
  if (m.group() != options_.group || m.to() != options_.self) return;
  ObserveRound(m.ballot().round());
  switch (m.type()) {
    case PaxosMessage::PREPARE:
      HandlePrepare(m);
      break;
    case PaxosMessage::PROMISE:
      HandlePromise(m);
      break;
    case PaxosMessage::ACCEPT:
      HandleAccept(m);
      break;
    case PaxosMessage::ACCEPTED:
      HandleAccepted(m);
      break;
    case PaxosMessage::REJECT:
      HandleReject(m);
      break;
    case PaxosMessage::LEARN:
      HandleLearn(m);
      break;
    case PaxosMessage::SNAPSHOT:
      HandleSnapshot(m);
      break;
    default:
      break;
  }
}

bool PaxosCore::LeaseForbidsPromise(NodeId candidate) {
  int64_t earliest = true_time_->Now().earliest_ns;
  if (restart_fence_ns_ != 0) {
    if (earliest <= restart_fence_ns_) return true;
    restart_fence_ns_ = 0;
  }
  return grant_holder_ != 0 && grant_holder_ != candidate && earliest <= grant_expiry_ns_;
}

void PaxosCore::GrantLease(NodeId leader) {
  int64_t expiry = true_time_->Now().latest_ns + options_.lease_duration_ns;
  // A grant never shrinks, even if the local clock steps back.
  if (grant_holder_ == leader) expiry = std::max(expiry, grant_expiry_ns_);
  grant_holder_ = leader;
  grant_expiry_ns_ = expiry;
}

void PaxosCore::Reject(const PaxosMessage& m, const std::string& reason) {
  PaxosMessage r = NewMessage(PaxosMessage::REJECT, m.from());
  *r.mutable_ballot() = promised_;
  r.set_reject_reason(reason);
  r.set_slot(m.slot());
  Send(std::move(r));
}

void PaxosCore::HandlePrepare(const PaxosMessage& m) {
  if (BallotLess(m.ballot(), promised_)) {
    Reject(m, "promised a higher ballot");
    return;
  }
  if (!BallotEq(m.ballot(), promised_)) {
    if (LeaseForbidsPromise(m.from())) {
      PaxosMessage r = NewMessage(PaxosMessage::REJECT, m.from());
      *r.mutable_ballot() = m.ballot();  // not a higher ballot: the candidate keeps its round
      r.set_reject_reason("a leader lease is in force");
      Send(std::move(r));
      return;
    }
    promised_ = m.ballot();
    MarkPromiseDirty();
    if (role_ != Role::kFollower) BecomeFollower(0);
    last_heard_tick_ = tick_;
    ResetElectionTimer();
  }
  PaxosMessage p = NewMessage(PaxosMessage::PROMISE, m.from());
  *p.mutable_ballot() = m.ballot();
  p.set_slot(m.slot());
  p.set_commit_index(learned_index_);
  p.set_log_start(log_start_);
  for (auto it = log_.lower_bound(m.slot()); it != log_.end(); ++it) {
    Entry* e = p.add_entries();
    *e = it->second;
    e->set_chosen(it->first <= learned_index_);
  }
  Send(std::move(p));
}

void PaxosCore::HandlePromise(const PaxosMessage& m) {
  if (role_ != Role::kCandidate || !BallotEq(m.ballot(), promised_) ||
      m.ballot().node() != options_.self) {
    return;
  }
  // A promiser that has compacted slots we have not learned can't tell us their values:
  // give up and let a better-informed replica lead (it will catch us up).
  if (m.log_start() > learned_index_ + 1 && m.commit_index() > learned_index_) {
    BecomeFollower(0);
    last_heard_tick_ = tick_;
    ResetElectionTimer();
    election_deadline_tick_ += options_.election_timeout_ticks;  // let others go first
    return;
  }
  promises_[m.from()] = m;
  // Every configuration change after our learned prefix that a promiser reports may have
  // been chosen: we need a majority of our configuration and of each one after it in the
  // chain (composed in slot order, the value per slot chosen as BecomeLeader will).
  std::map<uint64_t, Entry> changes;
  for (const auto& [node, p] : promises_) {
    for (const Entry& e : p.entries()) {
      if (e.type() != Entry::CONFIG || e.slot() <= learned_index_) continue;
      auto it = changes.find(e.slot());
      if (it == changes.end() ||
          (!it->second.chosen() && (e.chosen() || BallotLess(it->second.ballot(), e.ballot())))) {
        changes[e.slot()] = e;
      }
    }
  }
  std::vector<std::set<NodeId>> chain = {voters_};
  for (const auto& [slot, e] : changes) {
    chain.push_back(ApplyChange(chain.back(), e.config_change()));
  }
  std::set<NodeId> acks;
  for (const auto& [node, p] : promises_) acks.insert(node);
  bool quorum = true;
  for (const std::set<NodeId>& config : chain) {
    for (NodeId n : config) {
      if (n != options_.self && promises_.count(n) == 0 && prepared_extra_.insert(n).second &&
          voters_.count(n) == 0) {
        PaxosMessage prep = NewMessage(PaxosMessage::PREPARE, n);
        *prep.mutable_ballot() = promised_;
        prep.set_slot(learned_index_ + 1);
        Send(std::move(prep));
      }
    }
    quorum = quorum && HasQuorum(acks, config);
  }
  if (chain.back().count(options_.self) == 0) {
    // The newest configuration no longer has us (we were removed): do not lead.
    BecomeFollower(0);
    return;
  }
  if (quorum) {
    chain_targets_.clear();
    for (const auto& config : chain) chain_targets_.insert(config.begin(), config.end());
    BecomeLeader();
  }
}

void PaxosCore::HandleAccept(const PaxosMessage& m) {
  if (BallotLess(m.ballot(), promised_)) {
    Reject(m, "promised a higher ballot");
    return;
  }
  if (!BallotEq(m.ballot(), promised_)) {
    promised_ = m.ballot();
    MarkPromiseDirty();
  }
  if (m.from() != options_.self && role_ != Role::kFollower) BecomeFollower(m.from());
  leader_hint_ = m.from();
  last_heard_tick_ = tick_;
  ResetElectionTimer();
  GrantLease(m.from());
  PaxosMessage reply = NewMessage(PaxosMessage::ACCEPTED, m.from());
  *reply.mutable_ballot() = m.ballot();
  for (const Entry& e : m.entries()) {
    if (e.slot() > learned_index_ && e.slot() >= log_start_) {
      Entry copy = e;
      copy.set_chosen(false);
      *copy.mutable_ballot() = m.ballot();
      StoreEntry(std::move(copy));
    } else if (e.slot() >= log_start_) {
      // Already learned here: acknowledge only the same value (a different one would mean a
      // broken protocol; never vote for it).
      auto it = log_.find(e.slot());
      if (it == log_.end() || it->second.type() != e.type() ||
          it->second.command() != e.command() ||
          it->second.config_change().SerializeAsString() != e.config_change().SerializeAsString()) {
        continue;
      }
    }
    reply.add_accepted_slots(e.slot());
  }
  LearnUpTo(m.commit_index(), m.ballot());
  reply.set_learned_index(learned_index_);
  reply.set_lease_start_ns(m.lease_start_ns());
  Send(std::move(reply));
}

void PaxosCore::LearnUpTo(uint64_t commit_index, const proto::Ballot& ballot) {
  while (learned_index_ < commit_index) {
    auto it = log_.find(learned_index_ + 1);
    if (it == log_.end() || !BallotEq(it->second.ballot(), ballot)) break;
    ++learned_index_;
    OnLearned(it->second);
    MarkHardStateDirty();
  }
}

void PaxosCore::OnLearned(const Entry& e) {
  if (e.type() != Entry::CONFIG) return;
  voters_ = ApplyChange(voters_, e.config_change());
  config_history_[e.slot()] = voters_;
  if (role_ == Role::kLeader) {
    if (pending_config_slot_.has_value() && e.slot() >= *pending_config_slot_) {
      pending_config_slot_.reset();
      pending_config_change_.reset();
      chain_targets_.clear();
    }
    std::set<NodeId> targets = BroadcastTargets();
    for (auto it = followers_.begin(); it != followers_.end();) {
      it = targets.count(it->first) ? std::next(it) : followers_.erase(it);
    }
    for (NodeId v : targets) {
      if (v != options_.self && followers_.count(v) == 0) followers_[v].last_heard_tick = tick_;
    }
    if (voters_.count(options_.self) == 0 && !pending_config_slot_.has_value()) {
      BecomeFollower(0);
    }
  }
}

void PaxosCore::HandleLearn(const PaxosMessage& m) {
  // A LEARN reaching a leader comes from an older leader; our phase 1 already found every
  // chosen value, and absorbing it would bypass our in-flight bookkeeping.
  if (role_ == Role::kLeader) return;
  // Chosen values are facts, whoever relays them.
  for (const Entry& e : m.entries()) {
    if (e.slot() <= learned_index_ || e.slot() < log_start_) continue;
    Entry copy = e;
    copy.set_chosen(false);
    StoreEntry(std::move(copy));
    if (e.slot() == learned_index_ + 1) {
      ++learned_index_;
      OnLearned(log_[learned_index_]);
      MarkHardStateDirty();
    }
  }
  // Entries stored earlier may now extend the prefix only if they are known chosen; those
  // from LEARN are. Entries from ACCEPT need the leader's commit at their ballot.
  if (!BallotLess(m.ballot(), promised_)) {
    leader_hint_ = m.from();
    last_heard_tick_ = tick_;
  }
  PaxosMessage reply = NewMessage(PaxosMessage::ACCEPTED, m.from());
  *reply.mutable_ballot() = m.ballot();
  reply.set_learned_index(learned_index_);
  Send(std::move(reply));
}

void PaxosCore::HandleSnapshot(const PaxosMessage& m) {
  if (role_ == Role::kLeader) return;  // as for LEARN: stale, and phase 1 covered it
  if (m.slot() > learned_index_) {
    uint64_t index = m.slot();
    SnapshotToInstall snap{index, m.config(), m.snapshot_data()};
    log_.erase(log_.begin(), log_.upper_bound(index));
    for (auto it = unpersisted_.begin(); it != unpersisted_.end();) {
      it = it->first <= index ? unpersisted_.erase(it) : std::next(it);
    }
    config_history_.clear();
    config_history_[index] = FromProto(m.config());
    voters_ = config_history_[index];
    log_start_ = index + 1;
    learned_index_ = index;
    compact_to_ = index;
    snapshot_ = std::move(snap);
    MarkHardStateDirty();
    // Entries after the snapshot we already hold at the sender's ballot can now be learned.
    LearnUpTo(m.commit_index(), m.ballot());
  }
  PaxosMessage reply = NewMessage(PaxosMessage::ACCEPTED, m.from());
  *reply.mutable_ballot() = m.ballot();
  reply.set_learned_index(learned_index_);
  Send(std::move(reply));
}

void PaxosCore::HandleAccepted(const PaxosMessage& m) {
  if (role_ != Role::kLeader || !BallotEq(m.ballot(), promised_)) return;
  auto fit = followers_.find(m.from());
  if (fit == followers_.end()) return;
  FollowerProgress& p = fit->second;
  p.last_heard_tick = tick_;
  p.heard = true;
  // Replies may arrive out of order; a stale lower value only costs a redundant LEARN.
  p.learned_index = m.learned_index();
  // The follower installed what we sent (or caught up otherwise), even if we compacted
  // further since.
  if (p.snapshot_pending &&
      (p.learned_index + 1 >= log_start_ ||
       (p.snapshot_sent_index != 0 && p.learned_index >= p.snapshot_sent_index))) {
    p.snapshot_pending = false;
  }
  p.lease_start_acked = std::max(p.lease_start_acked, m.lease_start_ns());
  for (uint64_t slot : m.accepted_slots()) {
    auto it = inflight_.find(slot);
    if (it != inflight_.end()) it->second.accepted.insert(m.from());
  }
  // AdvanceCommit may apply a membership change that drops this follower, or step down:
  // `p` must not be used after it.
  AdvanceCommit();
  if (role_ != Role::kLeader) return;
  UpdateLease();
  fit = followers_.find(m.from());
  if (fit == followers_.end()) return;
  FollowerProgress& q = fit->second;
  // Keep a catch-up stream going once the previous LEARN was absorbed.
  if (q.learn_sent_upto != 0 && q.learned_index >= q.learn_sent_upto) SendLearn(m.from(), &q);
}

void PaxosCore::AdvanceCommit() {
  bool advanced = false;
  while (true) {
    auto it = inflight_.find(learned_index_ + 1);
    if (it == inflight_.end() || !HasQuorum(it->second.accepted, voters_)) break;
    inflight_bytes_ -= it->second.bytes;
    inflight_.erase(it);
    ++learned_index_;
    advanced = true;
    MarkHardStateDirty();
    OnLearned(log_[learned_index_]);
    if (role_ != Role::kLeader) return;
  }
  if (advanced) ProposeQueued();
}

void PaxosCore::HandleReject(const PaxosMessage& m) {
  if (role_ == Role::kFollower) return;
  if (BallotLess(promised_, m.ballot()) && m.ballot().node() != options_.self) {
    BecomeFollower(0);
  }
}

void PaxosCore::UpdateLease() {
  if (role_ != Role::kLeader) return;
  std::vector<int64_t> starts;
  for (NodeId v : voters_) {
    if (v == options_.self) {
      starts.push_back(self_lease_start_ns_);
    } else {
      auto it = followers_.find(v);
      starts.push_back(it == followers_.end() ? 0 : it->second.lease_start_acked);
    }
  }
  std::sort(starts.rbegin(), starts.rend());
  size_t quorum = voters_.size() / 2 + 1;
  if (starts.size() < quorum || starts[quorum - 1] == 0) return;
  lease_expiry_ns_ = std::max(lease_expiry_ns_, starts[quorum - 1] + options_.lease_duration_ns);
}

bool PaxosCore::HasLease() {
  return role_ == Role::kLeader && lease_expiry_ns_ != 0 &&
         true_time_->Now().latest_ns < lease_expiry_ns_;
}

PaxosStatus PaxosCore::Status() {
  PaxosStatus s;
  s.role = role_;
  s.promised = promised_;
  s.leader_hint = leader_hint_;
  s.learned_index = learned_index_;
  s.applied_index = applied_index_;
  s.log_start = log_start_;
  s.next_slot = role_ == Role::kLeader ? next_slot_ : 0;
  s.voters.assign(voters_.begin(), voters_.end());
  s.has_lease = HasLease();
  s.lease_expiry_ns = lease_expiry_ns_;
  s.queued = queued_.size();
  s.inflight = inflight_.size();
  s.pending_bytes = queued_bytes_ + inflight_bytes_;
  return s;
}

}  // namespace meridian::storage::paxos
