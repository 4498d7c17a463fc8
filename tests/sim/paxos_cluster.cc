#include "tests/sim/paxos_cluster.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock/simulated_clock.h"
#include "common/clock/true_time.h"
#include "common/logging.h"
#include "common/status.h"
#include "storage/engine/mem_engine.h"
#include "storage/paxos/paxos_core.h"
#include "storage/paxos/paxos_log.h"
#include "storage/range/driven_replica.h"
#include "storage/range/replica_driver.h"
#include "tests/checker/linearizability.h"
#include "tests/sim/acceptor_durability.h"
#include "tests/sim/sim_network.h"

namespace meridian::sim {
namespace {

using storage::paxos::NodeId;
using storage::paxos::PaxosCore;
using storage::paxos::PaxosLog;
using storage::paxos::Ready;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kTickNs = 10 * kMs;
constexpr int64_t kEpsilonNs = 2 * kMs;
constexpr double kMaxDriftPpm = 100;
constexpr int64_t kLeaseNs = 400 * kMs;
constexpr int64_t kClientTimeoutNs = 1500 * kMs;

// The replicated state machine: a key-value register on the node's disk, and with its core
// and log the replica the node's ReplicaDriver drives.
// Keys: "sm/applied" -> slot, "sm/kv/<key>" -> value.
class KvStateMachine : public storage::DrivenReplica {
 public:
  // `check` sees every committed entry just before it is applied.
  using EntryCheck = std::function<void(const proto::Entry&)>;
  KvStateMachine(storage::Engine* disk, PaxosCore* core, PaxosLog* log, EntryCheck check)
      : disk_(disk), core_(core), log_(log), check_(std::move(check)) {}

  // DrivenReplica.
  uint64_t group_id() const override { return 1; }
  PaxosCore& core() override { return *core_; }
  void StageDurable(const Ready& rd, storage::WriteBatch* batch) override {
    log_->Stage(rd, batch);
    // The installed state must be durable together with the compacted log.
    if (rd.snapshot.has_value()) Install(rd.snapshot->index, rd.snapshot->data, batch);
  }
  absl::StatusOr<std::vector<storage::AppliedProposal>> ApplyCommitted(const Ready& rd) override {
    storage::WriteBatch apply;
    for (const proto::Entry& e : rd.committed) {
      check_(e);
      Apply(e, &apply);
    }
    if (!apply.empty()) RETURN_IF_ERROR(disk_->Write(apply, storage::WriteOptions{.sync = false}));
    // The simulator matches its clients' writes to slots itself (CompleteWrites).
    return std::vector<storage::AppliedProposal>{};
  }
  absl::StatusOr<std::string> TakeSnapshot() override { return Snapshot(); }
  uint64_t applied_index() const override { return applied_; }

  void Load() {
    kv_.clear();
    applied_ = 0;
    auto it = disk_->NewIterator();
    for (it->Seek("sm/"); it->Valid() && it->key().starts_with("sm/"); it->Next()) {
      std::string_view k = it->key();
      if (k == "sm/applied") {
        CHECK(absl::SimpleAtoi(std::string(it->value()), &applied_));
      } else if (k.starts_with("sm/kv/")) {
        kv_[std::string(k.substr(6))] = std::string(it->value());
      }
    }
  }

  // Stages the effect of `entry` in `batch`.
  void Apply(const proto::Entry& entry, storage::WriteBatch* batch) {
    if (entry.type() == proto::Entry::NORMAL) {
      // "W <op> <key> <value>"
      std::vector<std::string> parts = absl::StrSplit(entry.command(), ' ');
      CHECK(parts.size() == 4 && parts[0] == "W") << entry.command();
      kv_[parts[2]] = parts[3];
      batch->Put("sm/kv/" + parts[2], parts[3]);
    }
    applied_ = entry.slot();
    batch->Put("sm/applied", std::to_string(applied_));
  }

  std::string Snapshot() const {
    std::string out = std::to_string(applied_);
    for (const auto& [k, v] : kv_) absl::StrAppend(&out, "\n", k, "=", v);
    return out;
  }

  void Install(uint64_t index, const std::string& data, storage::WriteBatch* batch) {
    for (const auto& [k, v] : kv_) batch->Delete("sm/kv/" + k);
    kv_.clear();
    std::vector<std::string> lines = absl::StrSplit(data, '\n');
    uint64_t snap_index = 0;
    CHECK(absl::SimpleAtoi(lines[0], &snap_index));
    CHECK_EQ(snap_index, index);
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t eq = lines[i].find('=');
      kv_[lines[i].substr(0, eq)] = lines[i].substr(eq + 1);
      batch->Put("sm/kv/" + lines[i].substr(0, eq), lines[i].substr(eq + 1));
    }
    applied_ = index;
    batch->Put("sm/applied", std::to_string(applied_));
  }

  std::optional<std::string> Read(const std::string& key) const {
    auto it = kv_.find(key);
    if (it == kv_.end()) return std::nullopt;
    return it->second;
  }
  uint64_t applied() const { return applied_; }

 private:
  storage::Engine* disk_;
  PaxosCore* core_;
  PaxosLog* log_;
  EntryCheck check_;
  std::map<std::string, std::string> kv_;
  uint64_t applied_ = 0;
};

struct ClientOp {
  int index;  // into history_
  int client;
  bool is_write;
  std::string key;
  std::string value;
  int attempt = 0;
};

class Cluster {
 public:
  explicit Cluster(const PaxosSimOptions& o)
      : o_(o), rng_(o.seed), scheduler_(&time_), network_(&scheduler_, &rng_) {
    time_.Set(1'700'000'000'000'000'000);
    int total = o_.voters + o_.spares;
    for (int i = 1; i <= total; ++i) {
      auto n = std::make_unique<Node>();
      n->id = static_cast<NodeId>(i);
      n->clock = std::make_unique<clock::SimulatedClock>(&time_, RandomSkew(), RandomDrift());
      n->tt = std::make_unique<clock::TrueTime>(
          n->clock.get(),
          clock::TrueTimeOptions{.epsilon_ns = kEpsilonNs, .max_drift_ppm = kMaxDriftPpm});
      // The production driver; the small compaction thresholds exercise snapshots.
      n->driver = std::make_unique<storage::ReplicaDriver>(
          &n->disk, [this, from = n->id](proto::PaxosMessage m) { SendPaxos(from, std::move(m)); },
          storage::ReplicaDriverOptions{.sync = true,
                                        .compact_above_entries = o_.snapshots ? 40u : 0u,
                                        .retain_entries = 20});
      Node* raw = n.get();
      n->on_applied = [this, raw](storage::DrivenReplica& r, const Ready& rd,
                                  std::vector<storage::AppliedProposal>) {
        if (r.core().Status().role == storage::paxos::Role::kLeader) {
          durability_.OnLeaderWrote(raw->id, 1, r.core().promised(), rd.entries);
        }
        AfterApply(raw, rd);
      };
      nodes_.push_back(std::move(n));
    }
    for (auto& n : nodes_) StartNode(n.get());
    for (auto& n : nodes_) ScheduleTick(n.get());
  }

  PaxosSimResult Run();

 private:
  struct Node {
    NodeId id;
    std::unique_ptr<clock::SimulatedClock> clock;
    std::unique_ptr<clock::TrueTime> tt;
    storage::MemEngine disk;
    std::unique_ptr<storage::ReplicaDriver> driver;  // over `disk`, sending to the network
    storage::ReplicaDriver::AppliedFn on_applied;    // AfterApply
    std::unique_ptr<PaxosLog> log;
    std::unique_ptr<PaxosCore> core;
    std::unique_ptr<KvStateMachine> sm;
    bool up = false;
    uint64_t incarnation = 0;
    std::map<uint64_t, ClientOp> pending_writes;               // slot -> op
    std::vector<std::pair<uint64_t, ClientOp>> pending_reads;  // (required index, op)
  };

  int64_t RandomSkew() {
    if (!o_.clock_faults) return 0;
    return std::uniform_int_distribution<int64_t>(-kEpsilonNs, kEpsilonNs)(rng_);
  }
  double RandomDrift() {
    if (!o_.clock_faults) return 0;
    return std::uniform_real_distribution<double>(-kMaxDriftPpm, kMaxDriftPpm)(rng_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  Node* node(NodeId id) { return nodes_[id - 1].get(); }

  void Violation(std::string what) {
    if (result_.violations.size() < 20) {
      result_.violations.push_back(
          absl::StrCat("seed ", o_.seed, " t=", (scheduler_.now() - start_) / kMs, "ms: ", what));
    }
  }

  void StartNode(Node* n) {
    n->up = true;
    ++n->incarnation;
    storage::paxos::PaxosOptions po;
    po.group = 1;
    po.self = n->id;
    for (int i = 1; i <= o_.voters; ++i) po.initial_voters.push_back(static_cast<NodeId>(i));
    po.heartbeat_ticks = 2;
    po.election_timeout_ticks = 15;
    po.retransmit_ticks = 4;
    po.lease_duration_ns = kLeaseNs;
    po.max_entries_per_message = 64;
    po.seed = o_.seed * 1000 + n->id * 10 + n->incarnation;
    n->core = std::make_unique<PaxosCore>(po, n->tt.get());
    n->log = std::make_unique<PaxosLog>(&n->disk, 1);
    n->sm = std::make_unique<KvStateMachine>(
        &n->disk, n->core.get(), n->log.get(),
        [this, n](const proto::Entry& e) { CheckAgreement(n, e); });
    n->sm->Load();
    auto persisted = n->log->Load();
    CHECK(persisted.ok()) << persisted.status();
    // Whatever the node's messages promised before a crash must be on its disk now.
    if (absl::Status s = durability_.CheckRecovered(n->id, 1, *persisted); !s.ok()) {
      Violation(std::string(s.message()));
    }
    if (!persisted->empty) {
      n->core->Restore(persisted->hard_state, persisted->entries, n->sm->applied());
    }
    Drive(n);
  }

  void Crash(Node* n) {
    n->up = false;
    n->core.reset();
    n->log.reset();
    n->sm.reset();
    n->pending_writes.clear();
    n->pending_reads.clear();
    n->disk.SimulateCrash();
    ++result_.crashes;
  }

  void ScheduleTick(Node* n) {
    int64_t jitter = std::uniform_int_distribution<int64_t>(-kMs, kMs)(rng_);
    scheduler_.After(kTickNs + jitter, [this, n] {
      if (n->up) {
        n->core->Tick();
        Drive(n);
      }
      ScheduleTick(n);
    });
  }

  // Runs the Ready loop through the production ReplicaDriver: persist, send, apply.
  void Drive(Node* n) {
    while (n->up) {
      storage::DrivenReplica* replica = n->sm.get();
      absl::StatusOr<bool> passed =
          n->driver->RunPass(absl::MakeConstSpan(&replica, 1), n->on_applied);
      CHECK(passed.ok()) << "node " << n->id << ": " << passed.status();  // a MemEngine never fails
      if (!*passed) break;
    }
  }

  // The driver's message sink: a Paxos message from node `from` into the network.
  void SendPaxos(NodeId from, proto::PaxosMessage m) {
    durability_.OnSend(m);
    const NodeId to = m.to();
    network_.Send(from, to, [this, to, m = std::move(m)]() {
      Node* dst = node(to);
      if (!dst->up) return;
      dst->core->Step(m);
      Drive(dst);
    });
  }

  // After the driver applied a Ready (and advanced the core): complete the clients' writes
  // and reads it decided. The driver then serves snapshot requests and compacts.
  void AfterApply(Node* n, const Ready& rd) {
    if (rd.snapshot.has_value()) ++result_.snapshots_installed;
    for (const proto::Entry& e : rd.committed) CompleteWrites(n, e);
    if (rd.snapshot.has_value()) {
      for (auto it = n->pending_writes.begin(); it != n->pending_writes.end();) {
        if (it->first > rd.snapshot->index) break;
        Finish(it->second, /*ok=*/false, std::nullopt);  // outcome unknown
        it = n->pending_writes.erase(it);
      }
    }
    ServeReads(n);
  }

  void CheckAgreement(Node* n, const proto::Entry& e) {
    std::string fingerprint = absl::StrCat(static_cast<int>(e.type()), "|", e.command(), "|",
                                           e.config_change().ShortDebugString());
    auto [it, inserted] = chosen_.emplace(e.slot(), fingerprint);
    if (!inserted && it->second != fingerprint) {
      Violation(absl::StrCat("node ", n->id, " applied '", fingerprint, "' at slot ", e.slot(),
                             " where another applied '", it->second, "'"));
    }
    if (e.slot() != n->sm->applied() + 1) {
      Violation(
          absl::StrCat("node ", n->id, " applied slot ", e.slot(), " after ", n->sm->applied()));
    }
  }

  void CompleteWrites(Node* n, const proto::Entry& e) {
    auto it = n->pending_writes.find(e.slot());
    if (it == n->pending_writes.end()) return;
    ClientOp op = it->second;
    n->pending_writes.erase(it);
    bool mine = e.type() == proto::Entry::NORMAL &&
                e.command() == absl::StrCat("W ", op.index, " ", op.key, " ", op.value);
    if (mine) {
      acked_writes_[op.index] = e.slot();
      Finish(op, true, std::nullopt);
    } else {
      Finish(op, false, std::nullopt);  // lost to a leader change: outcome unknown to client
    }
  }

  void ServeReads(Node* n) {
    std::vector<std::pair<uint64_t, ClientOp>> still;
    for (auto& [required, op] : n->pending_reads) {
      bool leaseholder = o_.unsafe_reads_without_lease ||
                         (n->core->HasLease() && n->core->role() == storage::paxos::Role::kLeader);
      if (!leaseholder) {
        Finish(op, false, std::nullopt);
      } else if (n->sm->applied() >= required) {
        Finish(op, true, n->sm->Read(op.key));
        ++result_.reads_served;
      } else {
        still.emplace_back(required, op);
      }
    }
    n->pending_reads = std::move(still);
  }

  // --- clients

  void StartClient(int client) {
    if (scheduler_.now() > chaos_end_) return;
    ClientOp op;
    op.client = client;
    op.is_write = Chance(0.5);
    op.key = absl::StrCat("k", std::uniform_int_distribution<int>(0, o_.keys - 1)(rng_));
    op.index = static_cast<int>(history_.size());
    op.value = absl::StrCat("v", op.index);
    checker::KvOperation h;
    h.client = client;
    h.type = op.is_write ? checker::KvOperation::Type::kWrite : checker::KvOperation::Type::kRead;
    h.key = op.key;
    if (op.is_write) h.value = op.value;
    h.invoke_time = scheduler_.now();
    h.completed = false;
    history_.push_back(h);
    open_[op.index] = true;
    int index = op.index;
    scheduler_.After(kClientTimeoutNs, [this, index, client] {
      if (open_[index]) {
        open_[index] = false;  // timed out: outcome unknown
        scheduler_.After(kMs, [this, client] { StartClient(client); });
      }
    });
    Attempt(op);
  }

  void Attempt(ClientOp op) {
    if (!open_[op.index]) return;
    NodeId target = leader_guess_;
    // The sabotaged mode also spreads reads over followers, which lag the leader.
    if (target == 0 || op.attempt > 0 || (o_.unsafe_reads_without_lease && !op.is_write)) {
      target = static_cast<NodeId>(
          std::uniform_int_distribution<int>(1, static_cast<int>(nodes_.size()))(rng_));
    }
    ++op.attempt;
    // Client <-> node hops are delayed but not partitioned (clients sit outside the cut).
    int64_t hop = std::uniform_int_distribution<int64_t>(200'000, 2 * kMs)(rng_);
    scheduler_.After(hop, [this, op, target] {
      Node* n = node(target);
      if (!n->up) {
        Retry(op);
        return;
      }
      if (op.is_write) {
        auto slot = n->core->Propose(absl::StrCat("W ", op.index, " ", op.key, " ", op.value));
        if (!slot.ok()) {
          if (n->core->leader_hint() != 0) leader_guess_ = n->core->leader_hint();
          Retry(op);
          return;
        }
        leader_guess_ = target;
        n->pending_writes[*slot] = op;
        Drive(n);
      } else {
        bool can_serve = o_.unsafe_reads_without_lease ||
                         (n->core->role() == storage::paxos::Role::kLeader && n->core->HasLease());
        if (!can_serve) {
          if (n->core->leader_hint() != 0) leader_guess_ = n->core->leader_hint();
          Retry(op);
          return;
        }
        leader_guess_ = target;
        uint64_t required = std::max(n->core->learned_index(), n->core->leader_start_slot());
        n->pending_reads.emplace_back(required, op);
        ServeReads(n);
      }
    });
  }

  void Retry(ClientOp op) {
    scheduler_.After(5 * kMs, [this, op] { Attempt(op); });
  }

  // A reply travels back to the client; the op completes when it arrives.
  void Finish(const ClientOp& op, bool ok, std::optional<std::string> read_value) {
    int64_t hop = std::uniform_int_distribution<int64_t>(200'000, 2 * kMs)(rng_);
    scheduler_.After(hop, [this, op, ok, read_value] {
      if (!open_[op.index]) return;
      if (!ok) {
        if (op.is_write) {
          // The write may or may not take effect: leave it uncompleted, move on.
          open_[op.index] = false;
          StartClient(op.client);
        } else {
          Retry(op);
        }
        return;
      }
      open_[op.index] = false;
      checker::KvOperation& h = history_[op.index];
      h.completed = true;
      h.complete_time = scheduler_.now();
      if (!op.is_write) h.value = read_value;
      ++result_.ops_completed;
      if (op.is_write) ++result_.writes_acked;
      StartClient(op.client);
    });
  }

  // --- faults

  void ScheduleChaos() {
    int64_t gap = std::uniform_int_distribution<int64_t>(100 * kMs, 1500 * kMs)(rng_);
    scheduler_.After(gap, [this] {
      if (scheduler_.now() > chaos_end_) return;
      ChaosStep();
      ScheduleChaos();
    });
  }

  std::vector<NodeId> VotersOfSomeLiveNode() {
    for (auto& n : nodes_) {
      if (n->up && n->core->role() == storage::paxos::Role::kLeader) {
        return std::vector<NodeId>(n->core->voters().begin(), n->core->voters().end());
      }
    }
    for (auto& n : nodes_) {
      if (n->up) return std::vector<NodeId>(n->core->voters().begin(), n->core->voters().end());
    }
    return {};
  }

  void ChaosStep() {
    int choice = std::uniform_int_distribution<int>(0, 9)(rng_);
    if (choice <= 2 && o_.crashes) {
      // Crash one node, keeping at most a minority of nodes down; restart it later.
      int down = 0;
      for (auto& n : nodes_) down += n->up ? 0 : 1;
      NodeId victim = static_cast<NodeId>(
          std::uniform_int_distribution<int>(1, static_cast<int>(nodes_.size()))(rng_));
      if (node(victim)->up && (down + 1) * 2 < static_cast<int>(nodes_.size())) {
        Crash(node(victim));
        int64_t downtime = std::uniform_int_distribution<int64_t>(50 * kMs, 3000 * kMs)(rng_);
        scheduler_.After(downtime, [this, victim] {
          if (!node(victim)->up) StartNode(node(victim));
        });
      }
    } else if (choice <= 4 && o_.partitions) {
      std::set<uint64_t> a, b;
      for (auto& n : nodes_) (Chance(0.5) ? a : b).insert(n->id);
      network_.Partition({a, b});
      ++result_.partitions;
      int64_t len = std::uniform_int_distribution<int64_t>(100 * kMs, 3000 * kMs)(rng_);
      scheduler_.After(len, [this] { network_.Heal(); });
    } else if (choice == 5 && o_.message_faults) {
      NetworkOptions no = network_.options();
      no.loss = std::uniform_real_distribution<double>(0, 0.2)(rng_);
      no.duplicate = std::uniform_real_distribution<double>(0, 0.05)(rng_);
      no.max_delay_ns = std::uniform_int_distribution<int64_t>(2 * kMs, 40 * kMs)(rng_);
      no.spike = Chance(0.5) ? std::uniform_real_distribution<double>(0, 0.1)(rng_) : 0;
      no.spike_ns = 2000 * kMs;
      network_.set_options(no);
    } else if (choice == 6 && o_.clock_faults) {
      Node* n = node(static_cast<NodeId>(
          std::uniform_int_distribution<int>(1, static_cast<int>(nodes_.size()))(rng_)));
      n->clock->Resync(RandomSkew(), RandomDrift());
      n->tt->MarkSynchronized();
    } else if (choice >= 7 && o_.membership) {
      // Move one voter at a time: grow to voters+1, then shrink back.
      for (auto& n : nodes_) {
        if (!n->up || n->core->role() != storage::paxos::Role::kLeader) continue;
        const std::set<NodeId>& voters = n->core->voters();
        proto::ConfigChange change;
        const int size = static_cast<int>(voters.size());
        const bool grow = size <= o_.voters || (size < o_.voters + o_.spares && Chance(0.5));
        if (grow) {
          std::vector<NodeId> outside;
          for (auto& m : nodes_) {
            if (voters.count(m->id) == 0) outside.push_back(m->id);
          }
          if (outside.empty()) break;
          change.set_op(proto::ConfigChange::ADD_VOTER);
          change.set_node(outside[rng_() % outside.size()]);
        } else {
          std::vector<NodeId> in(voters.begin(), voters.end());
          change.set_op(proto::ConfigChange::REMOVE_VOTER);
          change.set_node(in[rng_() % in.size()]);
        }
        if (n->core->ProposeConfigChange(change).ok()) ++result_.config_changes;
        Drive(n.get());
        break;
      }
    }
  }

  void CheckLeases() {
    int holders = 0;
    NodeId first = 0;
    for (auto& n : nodes_) {
      if (n->up && n->core->HasLease()) {
        ++holders;
        if (holders == 1) {
          first = n->id;
        } else {
          Violation(absl::StrCat("nodes ", first, " and ", n->id, " both hold the lease"));
        }
      }
    }
  }

  // After faults stop: every node up, network healed and clean. A write must commit.
  void CheckLiveness() {
    network_.Heal();
    network_.set_options(NetworkOptions{});
    for (auto& n : nodes_) {
      if (!n->up) StartNode(n.get());
    }
    int64_t deadline = scheduler_.now() + o_.liveness_bound_ns;
    bool committed = false;
    uint64_t probe_slot = 0;
    NodeId prober = 0;
    while (scheduler_.now() < deadline && !committed) {
      scheduler_.RunUntil(scheduler_.now() + 20 * kMs, [this] { CheckLeases(); });
      for (auto& n : nodes_) {
        if (prober == 0 && n->core->role() == storage::paxos::Role::kLeader) {
          auto slot = n->core->Propose("W -1 probe done");
          if (slot.ok()) {
            prober = n->id;
            probe_slot = *slot;
            Drive(n.get());
          }
        }
      }
      if (prober != 0) {
        Node* p = node(prober);
        if (p->core->role() != storage::paxos::Role::kLeader && p->sm->applied() < probe_slot) {
          prober = 0;  // lost leadership; try again with whoever leads
        } else if (p->sm->applied() >= probe_slot) {
          committed = true;
        }
      }
    }
    if (!committed) {
      std::string roles;
      for (auto& n : nodes_) {
        auto s = n->core->Status();
        absl::StrAppend(&roles, " n", n->id, "=", storage::paxos::RoleName(s.role), "/ballot ",
                        storage::paxos::BallotString(s.promised), "/learned ", s.learned_index,
                        "/voters ", s.voters.size());
      }
      Violation(absl::StrCat("no write committed within ", o_.liveness_bound_ns / kMs,
                             "ms after faults stopped:", roles));
      return;
    }
    // Let everyone catch up, then check every acknowledged write is applied by all voters.
    scheduler_.RunUntil(scheduler_.now() + 3000 * kMs, [this] { CheckLeases(); });
    std::set<NodeId> voters;
    for (auto& n : nodes_) {
      if (n->core->role() == storage::paxos::Role::kLeader) {
        voters.insert(n->core->voters().begin(), n->core->voters().end());
      }
    }
    for (NodeId v : voters) {
      Node* n = node(v);
      for (const auto& [op, slot] : acked_writes_) {
        if (n->sm->applied() < slot) {
          Violation(absl::StrCat("voter ", v, " has applied only up to ", n->sm->applied(),
                                 " but acknowledged write ", op, " is at slot ", slot));
          break;
        }
      }
    }
  }

  PaxosSimOptions o_;
  std::mt19937_64 rng_;
  clock::SimTime time_;
  SimScheduler scheduler_;
  SimNetwork network_;
  AcceptorDurability durability_;
  std::vector<std::unique_ptr<Node>> nodes_;
  int64_t start_ = 0;
  int64_t chaos_end_ = 0;
  NodeId leader_guess_ = 0;
  std::map<uint64_t, std::string> chosen_;
  std::map<int, uint64_t> acked_writes_;  // op index -> slot
  std::vector<checker::KvOperation> history_;
  std::map<int, bool> open_;
  PaxosSimResult result_;
};

PaxosSimResult Cluster::Run() {
  start_ = scheduler_.now();
  chaos_end_ = start_ + o_.chaos_ns;
  NetworkOptions no;
  if (o_.message_faults) {
    no.loss = 0.02;
    no.duplicate = 0.01;
    no.spike = 0.01;
    no.spike_ns = 2000 * kMs;
  }
  network_.set_options(no);
  for (int c = 0; c < o_.clients; ++c) {
    scheduler_.After((c + 1) * 50 * kMs, [this, c] { StartClient(c); });
  }
  ScheduleChaos();
  scheduler_.RunUntil(chaos_end_, [this] { CheckLeases(); });
  CheckLiveness();
  // Close open operations as unknown and check the history.
  checker::LinearizabilityResult lin = checker::CheckLinearizability(history_);
  if (!lin.linearizable) {
    Violation(absl::StrCat("history not linearizable on key ", lin.key, ": ", lin.explanation));
  } else if (lin.inconclusive) {
    Violation(absl::StrCat("linearizability check inconclusive on key ", lin.key));
  }
  for (auto& n : nodes_) {
    // The driver survives a failed snapshot (the core asks again), but this register cannot
    // fail to take one: here a failure is a bug.
    if (n->driver->stats().snapshot_failures > 0) {
      Violation(absl::StrCat("node ", n->id, ": ", n->driver->stats().snapshot_failures,
                             " snapshot(s) for lagging replicas failed"));
    }
  }
  result_.messages = network_.sent();
  result_.events = scheduler_.events_run();
  return result_;
}

}  // namespace

std::string PaxosSimResult::Summary() const {
  return absl::StrCat("ops=", ops_completed, " writes=", writes_acked, " reads=", reads_served,
                      " crashes=", crashes, " partitions=", partitions,
                      " config_changes=", config_changes, " snapshots=", snapshots_installed,
                      " messages=", messages, " events=", events);
}

PaxosSimResult RunPaxosSimulation(const PaxosSimOptions& options) {
  Cluster cluster(options);
  return cluster.Run();
}

}  // namespace meridian::sim
