#include "tests/sim/txn_cluster.h"

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/clock/hlc.h"
#include "common/clock/simulated_clock.h"
#include "common/clock/true_time.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"
#include "storage/engine/mem_engine.h"
#include "storage/paxos/paxos_log.h"
#include "storage/range/range_replica.h"
#include "storage/range/replica_driver.h"
#include "tests/checker/serializability.h"
#include "tests/sim/acceptor_durability.h"
#include "tests/sim/sim_network.h"
#include "txn/range_map.h"
#include "txn/range_txn_server.h"
#include "txn/txn_commit.h"

namespace meridian::sim {
namespace {

using proto::FromProto;
using proto::ToProto;
using Answer = absl::StatusOr<proto::TxnResponse>;
using KvAnswer = absl::StatusOr<proto::KvResponse>;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kTickNs = 10 * kMs;
constexpr int64_t kEpsilonNs = 2 * kMs;
constexpr double kMaxDriftPpm = 100;
constexpr int64_t kLeaseNs = 400 * kMs;
// The seed picks one of these lock-wait patiences (TxnSimOptions::wound_delay_ns).
constexpr int64_t kWoundDelaysNs[] = {0, 5 * kMs, 20 * kMs};
constexpr int64_t kCallTimeoutNs = 2000 * kMs;  // one RPC: above the servers' lock wait
constexpr int64_t kRouteNs = 6000 * kMs;        // finding a leaseholder, retries included
constexpr int64_t kHeartbeatNs = 300 * kMs;
constexpr int kInitialBalance = 100;
constexpr uint64_t kClientBase = 1000;  // network endpoints of clients: kClientBase + index

std::string Balance(int amount, const std::string& writer) {
  return absl::StrCat(amount, "|", writer);
}

int ParseBalance(const std::optional<std::string>& v) {
  int n = 0;
  if (v.has_value()) (void)absl::SimpleAtoi(v->substr(0, v->find('|')), &n);
  return n;
}

class Cluster {
 public:
  explicit Cluster(const TxnSimOptions& o)
      : o_(o), rng_(o.seed), scheduler_(&time_), network_(&scheduler_, &rng_) {
    time_.Set(1'700'000'000'000'000'000);
    start_ = time_.Now();
    std::vector<std::string> splits;
    for (int r = 1; r < o_.ranges; ++r) splits.push_back(absl::StrCat("acct", r));
    map_ = *txn::RangeMap::FromSplits(splits);
    for (int r = 0; r < o_.ranges; ++r) {
      for (int a = 0; a < o_.accounts_per_range; ++a) {
        // "acct<r>-<a>" sorts inside [acct<r>, acct<r+1>): range r+1.
        accounts_.push_back(absl::StrCat("acct", r, "-", a));
      }
    }
    for (int i = 1; i <= o_.nodes; ++i) {
      auto n = std::make_unique<Node>();
      n->id = static_cast<uint64_t>(i);
      n->clock = std::make_unique<clock::SimulatedClock>(&time_, RandomSkew(), RandomDrift());
      n->tt = std::make_unique<clock::TrueTime>(
          n->clock.get(),
          clock::TrueTimeOptions{.epsilon_ns = kEpsilonNs, .max_drift_ppm = kMaxDriftPpm});
      n->hlc = std::make_unique<clock::Hlc>(n->clock.get());
      n->host = std::make_unique<Host>(this, n.get());
      // The production driver; the small compaction thresholds exercise snapshots.
      n->driver = std::make_unique<storage::ReplicaDriver>(
          &n->disk, [this, from = n->id](proto::PaxosMessage m) { SendPaxos(from, std::move(m)); },
          storage::ReplicaDriverOptions{
              .sync = true, .compact_above_entries = 200, .retain_entries = 100});
      Node* raw = n.get();
      n->on_applied = [this, raw](storage::DrivenReplica& r, const storage::paxos::Ready& rd,
                                  std::vector<storage::AppliedProposal> outcomes) {
        if (r.core().Status().role == storage::paxos::Role::kLeader) {
          durability_.OnLeaderWrote(raw->id, r.group_id(), r.core().promised(), rd.entries);
        }
        raw->servers[r.group_id()]->OnApplied(outcomes);
      };
      nodes_.push_back(std::move(n));
    }
    for (int c = 0; c < o_.transfer_clients + o_.auditors; ++c) {
      auto cl = std::make_unique<Client>();
      cl->index = c;
      cl->endpoint = kClientBase + static_cast<uint64_t>(c);
      cl->auditor = c >= o_.transfer_clients;
      cl->clock = std::make_unique<clock::SimulatedClock>(&time_, RandomSkew(), RandomDrift());
      cl->tt = std::make_unique<clock::TrueTime>(
          cl->clock.get(),
          clock::TrueTimeOptions{.epsilon_ns = kEpsilonNs, .max_drift_ppm = kMaxDriftPpm});
      clients_.push_back(std::move(cl));
    }
  }

  TxnSimResult Run();

 private:
  struct Node;
  // The node's side of RangeTxnHost: commit-wait timers and routed requests, both through
  // the simulator; callbacks of an earlier incarnation never run.
  class Host : public txn::RangeTxnHost {
   public:
    Host(Cluster* c, Node* n) : c_(c), n_(n) {}
    void AfterTimestamp(Timestamp ts, std::function<void()> fn) override {
      c_->WaitOut(n_, n_->incarnation, ts, std::move(fn));
    }
    void Route(proto::TxnRequest request, std::function<void(Answer)> done) override {
      const uint64_t inc = n_->incarnation;
      Node* n = n_;
      Cluster* c = c_;
      c_->RouteTxn(
          n_->id, [n, inc] { return n->up && n->incarnation == inc; }, std::move(request),
          /*retry_after_send=*/true, &n_->leaders,
          [c, n, done = std::move(done)](Answer a) {
            done(std::move(a));
            c->Drive(n);
          });
    }

   private:
    Cluster* c_;
    Node* n_;
  };

  struct Node {
    uint64_t id = 0;
    std::unique_ptr<clock::SimulatedClock> clock;
    std::unique_ptr<clock::TrueTime> tt;
    std::unique_ptr<clock::Hlc> hlc;
    std::unique_ptr<Host> host;
    storage::MemEngine disk;
    std::unique_ptr<storage::ReplicaDriver> driver;  // over `disk`, sending to the network
    storage::ReplicaDriver::AppliedFn on_applied;    // hands outcomes to the range's server
    std::map<uint64_t, std::unique_ptr<storage::RangeReplica>> ranges;
    std::vector<storage::DrivenReplica*> replicas;  // `ranges`, for the driver
    std::map<uint64_t, std::unique_ptr<txn::RangeTxnServer>> servers;
    std::map<uint64_t, uint64_t> leaders;  // range -> leaseholder guess
    bool up = false;
    uint64_t incarnation = 0;
  };

  struct Transfer {
    std::string from, to;
    int amount = 0;
    bool for_update = false;
    // Also read (shared lock, never written): usually on a third range, which then takes
    // part in the commit as a read-only participant.
    std::optional<std::string> witness;
    std::optional<Timestamp> priority;  // kept across restarts
    int attempts = 0;
  };

  // One attempt of a transfer (a transaction).
  struct Attempt {
    std::string id;
    Timestamp priority;
    int64_t begin_ns = 0;
    std::map<std::string, std::optional<std::string>> reads;
    std::map<uint64_t, std::string> epochs;
    std::set<uint64_t> ranges;
    std::unique_ptr<txn::TxnCommit> commit;
    bool read_only_part = false;  // some range of the commit was only read
    std::map<std::string, std::optional<std::string>> writes;
    bool over = false;
  };

  struct Client {
    int index = 0;
    uint64_t endpoint = 0;
    bool auditor = false;
    std::unique_ptr<clock::SimulatedClock> clock;
    std::unique_ptr<clock::TrueTime> tt;
    std::map<uint64_t, uint64_t> leaders;
    uint64_t next_txn = 1;
    std::shared_ptr<Attempt> current;  // the transaction in flight (for heartbeats)
  };

  int64_t RandomSkew() {
    if (!o_.clock_faults) return 0;
    return std::uniform_int_distribution<int64_t>(-kEpsilonNs / 2, kEpsilonNs / 2)(rng_);
  }
  double RandomDrift() {
    if (!o_.clock_faults) return 0;
    return std::uniform_real_distribution<double>(-kMaxDriftPpm / 2, kMaxDriftPpm / 2)(rng_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  Node* node(uint64_t id) { return nodes_[id - 1].get(); }
  uint64_t RandomNode() { return static_cast<uint64_t>(Uniform(1, o_.nodes)); }
  bool Stopped() const { return time_.Now() >= stop_clients_; }

  void Violation(std::string what) {
    if (result_.violations.size() < 20) {
      result_.violations.push_back(
          absl::StrCat("seed ", o_.seed, " t=", (time_.Now() - start_) / kMs, "ms: ", what));
    }
  }

  // --- nodes

  void StartNode(Node* n) {
    n->up = true;
    ++n->incarnation;
    std::vector<storage::paxos::NodeId> voters;
    for (int i = 1; i <= o_.nodes; ++i) voters.push_back(static_cast<uint64_t>(i));
    for (int r = 1; r <= o_.ranges; ++r) {
      CheckRecovered(n, static_cast<uint64_t>(r));
      storage::RangeReplicaOptions ro;
      ro.range_id = static_cast<uint64_t>(r);
      ro.paxos.self = n->id;
      ro.paxos.initial_voters = voters;
      ro.paxos.heartbeat_ticks = 2;
      ro.paxos.election_timeout_ticks = 15;
      ro.paxos.retransmit_ticks = 4;
      ro.paxos.lease_duration_ns = kLeaseNs;
      ro.paxos.seed = o_.seed * 1000 + n->id * 100 + n->incarnation * 10 + ro.range_id;
      absl::StatusOr<std::unique_ptr<storage::RangeReplica>> replica =
          storage::RangeReplica::Open(ro, &n->disk, n->tt.get(), n->hlc.get());
      CHECK(replica.ok()) << replica.status();
      n->ranges[ro.range_id] = std::move(*replica);
      n->replicas.push_back(n->ranges[ro.range_id].get());
      n->servers[ro.range_id] = std::make_unique<txn::RangeTxnServer>(
          txn::RangeTxnServerOptions{.node_id = n->id,
                                     .range_map = &map_,
                                     .request_timeout_ns = 1500 * kMs,
                                     .wound_delay_ns = o_.wound_delay_ns >= 0
                                                           ? o_.wound_delay_ns
                                                           : kWoundDelaysNs[o_.seed % 3],
                                     .heartbeat_timeout_ns = 2000 * kMs,
                                     .close_interval_ns = 100 * kMs,
                                     .incarnation = o_.seed * 100 + n->incarnation,
                                     .status_retry_ns = 500 * kMs,
                                     .follower_read_wait_ns = 300 * kMs},
          n->ranges[ro.range_id].get(), n->tt.get(), n->hlc.get(), n->host.get());
    }
    Drive(n);
  }

  // Whatever the node's messages promised before a crash must be on its disk now.
  void CheckRecovered(Node* n, uint64_t range) {
    absl::StatusOr<storage::paxos::PersistedPaxosState> state =
        storage::paxos::PaxosLog(&n->disk, range).Load();
    CHECK(state.ok()) << state.status();
    if (absl::Status s = durability_.CheckRecovered(n->id, range, *state); !s.ok()) {
      Violation(std::string(s.message()));
    }
  }

  void Crash(Node* n) {
    n->up = false;
    n->servers.clear();  // pending callbacks die with them
    n->replicas.clear();
    n->ranges.clear();
    n->disk.SimulateCrash();
    ++result_.crashes;
  }

  void ScheduleTick(Node* n) {
    scheduler_.After(kTickNs + Uniform(-kMs, kMs), [this, n] {
      if (n->up) {
        for (auto& [id, r] : n->ranges) r->core().Tick();
        for (auto& [id, s] : n->servers) s->Maintain(/*tick=*/true);
        Drive(n);
      }
      ScheduleTick(n);
    });
  }

  // The Ready pipeline of every range, through the production ReplicaDriver (group commit
  // across the node's ranges), then the servers' follow-up work, until nothing is left.
  void Drive(Node* n) {
    bool any = true;
    while (n->up && any) {
      absl::StatusOr<bool> passed = n->driver->RunPass(n->replicas, n->on_applied);
      CHECK(passed.ok()) << "node " << n->id << ": " << passed.status();  // a MemEngine never fails
      any = *passed;
      for (auto& [id, s] : n->servers) s->Maintain(/*tick=*/false);
    }
  }

  // The driver's message sink: a Paxos message from node `from` into the network.
  void SendPaxos(uint64_t from, proto::PaxosMessage m) {
    durability_.OnSend(m);
    const uint64_t to = m.to();
    network_.Send(from, to, [this, to, m = std::move(m)] {
      Node* dst = node(to);
      if (!dst->up) return;
      auto it = dst->ranges.find(m.group());
      if (it == dst->ranges.end()) return;
      it->second->core().Step(m);
      Drive(dst);
    });
  }

  void WaitOut(Node* n, uint64_t inc, Timestamp ts, std::function<void()> fn) {
    scheduler_.After(n->tt->CommitWaitNanos(ts), [this, n, inc, ts, fn = std::move(fn)]() mutable {
      if (!n->up || n->incarnation != inc) return;
      if (!n->tt->After(ts)) return WaitOut(n, inc, ts, std::move(fn));
      fn();
      Drive(n);
    });
  }

  // --- calls

  // One request to one node's server for `range`; the answer (or a timeout) comes back to
  // `from`, if `alive()` still holds then.
  template <typename Response, typename Invoke>
  void Call(uint64_t from, std::function<bool()> alive, uint64_t to, uint64_t range, Invoke invoke,
            std::function<void(absl::StatusOr<Response>)> done) {
    auto answered = std::make_shared<bool>(false);
    auto finish = [answered, alive, done](absl::StatusOr<Response> a) {
      if (*answered || !alive()) return;
      *answered = true;
      done(std::move(a));
    };
    // Calls are at most once (gRPC over TCP): lost or late, never duplicated.
    network_.Send(from, to, /*may_duplicate=*/false, [this, from, to, range, invoke, finish] {
      Node* n = node(to);
      if (!n->up) return;  // a dead node never answers
      auto it = n->servers.find(range);
      if (it == n->servers.end()) return;
      invoke(it->second.get(), [this, from, to, finish](Response r) {
        network_.Send(to, from, /*may_duplicate=*/false, [finish, r = std::move(r)] { finish(r); });
      });
      Drive(n);
    });
    scheduler_.After(kCallTimeoutNs,
                     [finish] { finish(absl::DeadlineExceededError("the call timed out")); });
  }

  // Sends `req` to the leaseholder of its range, following hints and retrying refusals. A
  // call that may have reached the node and got no answer is retried only if
  // `retry_after_send`; otherwise it is 40003 (outcome unknown).
  void RouteTxn(uint64_t from, std::function<bool()> alive, proto::TxnRequest req,
                bool retry_after_send, std::map<uint64_t, uint64_t>* leaders,
                std::function<void(Answer)> done, int64_t deadline = 0) {
    if (deadline == 0) deadline = time_.Now() + kRouteNs;
    const uint64_t range = req.range_id();
    auto guess = leaders->find(range);
    const uint64_t target = guess != leaders->end() ? guess->second : RandomNode();
    auto shared = std::make_shared<const proto::TxnRequest>(std::move(req));
    Call<proto::TxnResponse>(
        from, alive, target, range,
        [shared](txn::RangeTxnServer* s, txn::RangeTxnServer::Reply reply) {
          s->Handle(*shared, std::move(reply));
        },
        [this, from, alive, shared, retry_after_send, leaders, done, deadline, target,
         range](Answer a) {
          if (a.ok() && a->code() != static_cast<int>(absl::StatusCode::kUnavailable)) {
            (*leaders)[range] = target;
            return done(std::move(a));
          }
          if (!a.ok() && !retry_after_send) {
            return done(WithSqlState(
                absl::UnknownError(absl::StrCat("no answer from node ", target,
                                                " during the commit; the outcome is unknown")),
                "40003"));
          }
          if (time_.Now() >= deadline) {
            return done(absl::UnavailableError(
                absl::StrCat("range ", range, " has no reachable leaseholder")));
          }
          const uint64_t hint = a.ok() ? a->leader_hint() : 0;
          (*leaders)[range] = hint != 0 && hint != target && hint <= static_cast<uint64_t>(o_.nodes)
                                  ? hint
                                  : RandomNode();
          scheduler_.After(
              5 * kMs, [this, from, alive, shared, retry_after_send, leaders, done, deadline] {
                if (!alive()) return;
                RouteTxn(from, alive, *shared, retry_after_send, leaders, done, deadline);
              });
        });
  }

  void ReadOnce(Client* c, proto::KvRequest req, uint64_t target, int64_t deadline,
                std::function<void(KvAnswer)> done) {
    auto shared = std::make_shared<const proto::KvRequest>(std::move(req));
    Call<proto::KvResponse>(
        c->endpoint, [] { return true; }, target, shared->range_id(),
        [shared](txn::RangeTxnServer* s, txn::RangeTxnServer::KvReply reply) {
          s->HandleRead(*shared, std::move(reply));
        },
        [this, c, shared, deadline, done, target](KvAnswer a) {
          if (a.ok() && a->code() == 0) return done(std::move(a));
          if (time_.Now() >= deadline) {
            return done(a.ok() ? absl::UnavailableError(a->message()) : a.status());
          }
          // A replica that is behind names the leaseholder; otherwise try another replica.
          const uint64_t hint = a.ok() ? a->leader_hint() : 0;
          const uint64_t next = hint != 0 && hint != target ? hint : RandomNode();
          scheduler_.After(5 * kMs, [this, c, shared, next, deadline, done] {
            ReadOnce(c, *shared, next, deadline, done);
          });
        });
  }

  // A GET of one account: a strong read, or a snapshot read at `ts`.
  proto::KvRequest AccountGet(const std::string& key, std::optional<Timestamp> ts) const {
    proto::KvRequest req;
    req.set_op(proto::KvRequest::GET);
    req.set_range_id(map_.Lookup(key).range_id);
    req.set_key(key);
    if (ts.has_value()) *req.mutable_read_timestamp() = ToProto(*ts);
    return req;
  }

  // A request about attempt `a` whose answer nobody needs (rollback, heartbeat).
  void Tell(Client* c, proto::TxnRequest::Op op, uint64_t range, const std::shared_ptr<Attempt>& a,
            std::function<bool()> alive) {
    proto::TxnRequest req;
    req.set_op(op);
    req.set_range_id(range);
    req.set_txn_id(a->id);
    if (op == proto::TxnRequest::HEARTBEAT) req.add_heartbeat_txn_ids(a->id);
    RouteTxn(c->endpoint, std::move(alive), std::move(req), true, &c->leaders, [](Answer) {});
  }

  // --- transfer clients

  void StartTransfer(Client* c) {
    if (Stopped()) return;
    auto t = std::make_shared<Transfer>();
    t->from = accounts_[Uniform(0, static_cast<int64_t>(accounts_.size()) - 1)];
    do {
      t->to = accounts_[Uniform(0, static_cast<int64_t>(accounts_.size()) - 1)];
    } while (t->to == t->from);
    t->amount = static_cast<int>(Uniform(1, 20));
    t->for_update = Chance(0.5);
    if (accounts_.size() > 2 && !o_.unsafe_unlocked_reads &&
        (o_.unsafe_early_release || Chance(0.4))) {
      std::string w;
      do {
        w = accounts_[Uniform(0, static_cast<int64_t>(accounts_.size()) - 1)];
      } while (w == t->from || w == t->to);
      t->witness = w;
    }
    StartAttempt(c, t);
  }

  void StartAttempt(Client* c, std::shared_ptr<Transfer> t) {
    auto a = std::make_shared<Attempt>();
    a->id = absl::StrCat("c", c->index, "-", c->next_txn++);
    a->priority = t->priority.value_or(Timestamp{c->tt->Now().latest_ns, 0});
    t->priority = a->priority;
    a->begin_ns = time_.Now();
    ++t->attempts;
    c->current = a;
    ReadAccount(c, t, a, t->from, t->for_update, [this, c, t, a] {
      ReadAccount(c, t, a, t->to, t->for_update, [this, c, t, a] {
        if (!t->witness.has_value()) return CommitTransfer(c, t, a);
        ReadAccount(c, t, a, *t->witness, false, [this, c, t, a] { CommitTransfer(c, t, a); });
      });
    });
  }

  void ReadAccount(Client* c, std::shared_ptr<Transfer> t, std::shared_ptr<Attempt> a,
                   const std::string& key, bool for_update, std::function<void()> next) {
    const uint64_t range = map_.Lookup(key).range_id;
    a->ranges.insert(range);
    if (o_.unsafe_unlocked_reads) {
      // Sabotage: no lock, a snapshot read at Now().latest.
      ReadOnce(c, AccountGet(key, Timestamp{c->tt->Now().latest_ns, 0}), RandomNode(),
               time_.Now() + kRouteNs, [this, c, t, a, key, next](KvAnswer r) {
                 if (!r.ok()) return Restart(c, t, a, r.status());
                 a->reads[key] = r->found() ? std::optional<std::string>(r->value()) : std::nullopt;
                 next();
               });
      return;
    }
    proto::TxnRequest req;
    req.set_op(proto::TxnRequest::READ);
    req.set_range_id(range);
    req.set_txn_id(a->id);
    *req.mutable_priority() = ToProto(a->priority);
    req.set_key(key);
    req.set_for_update(for_update);
    if (auto e = a->epochs.find(range); e != a->epochs.end()) req.set_lock_epoch(e->second);
    RouteTxn(
        c->endpoint, [a] { return !a->over; }, std::move(req), true, &c->leaders,
        [this, c, t, a, key, range, next](Answer r) {
          absl::Status s = r.ok() ? txn::ResponseStatus(r->code(), r->message()) : r.status();
          if (!s.ok()) return Restart(c, t, a, s);
          if (!r->lock_epoch().empty()) a->epochs.emplace(range, r->lock_epoch());
          a->reads[key] = r->found() ? std::optional<std::string>(r->value()) : std::nullopt;
          next();
        });
  }

  // The attempt failed before its commit could have happened: roll back, try again.
  void Restart(Client* c, std::shared_ptr<Transfer> t, std::shared_ptr<Attempt> a,
               const absl::Status& why) {
    a->over = true;
    ++result_.restarts;
    for (uint64_t r : a->ranges) {
      Tell(c, proto::TxnRequest::ROLLBACK, r, a, [] { return true; });
    }
    if (t->attempts >= 40) {
      Violation(absl::StrCat("transfer of client ", c->index,
                             " failed 40 times; last: ", why.ToString()));
      scheduler_.After(kMs, [this, c] { StartTransfer(c); });
      return;
    }
    const int64_t backoff = std::min<int64_t>(int64_t{1} << std::min(t->attempts, 6), 50) * kMs;
    scheduler_.After(backoff + Uniform(0, kMs), [this, c, t] {
      if (Stopped()) return;
      StartAttempt(c, t);
    });
  }

  void CommitTransfer(Client* c, std::shared_ptr<Transfer> t, std::shared_ptr<Attempt> a) {
    const int from = ParseBalance(a->reads[t->from]);
    const int to = ParseBalance(a->reads[t->to]);
    a->writes[t->from] = Balance(from - t->amount, a->id);
    a->writes[t->to] = Balance(to + t->amount, a->id);
    std::map<uint64_t, txn::CommitPart> parts;
    for (const auto& [k, v] : a->writes) {
      proto::KvWrite w;
      w.set_key(k);
      w.set_value(*v);
      parts[map_.Lookup(k).range_id].writes.push_back(std::move(w));
      if (!o_.unsafe_unlocked_reads) {
        parts[map_.Lookup(k).range_id].reads.push_back(txn::LockSpan::Point(k));
      }
    }
    if (t->witness.has_value()) {
      const uint64_t r = map_.Lookup(*t->witness).range_id;
      a->read_only_part = !parts.contains(r);
      parts[r].reads.push_back(txn::LockSpan::Point(*t->witness));
    }
    a->commit = std::make_unique<txn::TxnCommit>(a->id, a->priority, std::move(parts), a->epochs,
                                                 t->for_update && !o_.unsafe_unlocked_reads);
    for (uint64_t r : a->commit->ranges()) a->ranges.insert(r);
    DriveCommit(c, t, a, a->commit->Start());
  }

  void DriveCommit(Client* c, std::shared_ptr<Transfer> t, std::shared_ptr<Attempt> a,
                   std::vector<txn::CommitSend> sends) {
    for (txn::CommitSend& s : sends) {
      const uint64_t range = s.request.range_id();
      if (o_.unsafe_early_release && s.request.release_ranges_size() > 0) {
        // Release now; commit a little later (as a slow network might).
        for (uint64_t r : s.request.release_ranges()) {
          proto::TxnRequest release;
          release.set_op(proto::TxnRequest::RESOLVE);
          release.set_range_id(r);
          release.set_txn_id(a->id);
          release.set_commit(true);
          *release.mutable_commit_timestamp() = s.request.min_commit_timestamp();
          RouteTxn(
              c->endpoint, [] { return true; }, std::move(release), true, &c->leaders,
              [](Answer) {});
        }
        auto late = std::make_shared<txn::CommitSend>(std::move(s));
        late->request.clear_release_ranges();
        scheduler_.After(Uniform(20 * kMs, 60 * kMs),
                         [this, c, t, a, late] { DriveCommit(c, t, a, {std::move(*late)}); });
        continue;
      }
      if (s.best_effort) {
        RouteTxn(
            c->endpoint, [] { return true; }, std::move(s.request), true, &c->leaders,
            [](Answer) {});
        continue;
      }
      RouteTxn(
          c->endpoint, [a] { return !a->over; }, std::move(s.request), s.retry_after_send,
          &c->leaders,
          [this, c, t, a, range](Answer r) {
            std::vector<txn::CommitSend> next = a->commit->OnAnswer(range, std::move(r));
            DriveCommit(c, t, a, std::move(next));
            if (a->commit->done() && !a->over) Committed(c, t, a);
          });
    }
  }

  void Committed(Client* c, std::shared_ptr<Transfer> t, std::shared_ptr<Attempt> a) {
    const absl::StatusOr<Timestamp>& result = a->commit->result();
    if (!result.ok()) {
      const std::optional<std::string> state = GetSqlState(result.status());
      if (state == "40003") {
        a->over = true;
        ++result_.uncertain;
        for (const auto& [k, v] : a->writes) uncertain_writes_.insert({k, v});
        scheduler_.After(kMs, [this, c] { StartTransfer(c); });
        return;
      }
      // 40001, or certain failures (no leaseholder reachable before anything committed).
      return Restart(c, t, a, result.status());
    }
    a->over = true;
    ++result_.committed;
    if (a->commit->participants() > 1) ++result_.multi_range;
    if (a->read_only_part) ++result_.read_only_parts;
    last_commit_ns_ = time_.Now();
    checker::TxnRecord rec;
    rec.id = a->id;
    rec.timestamp = *result;
    rec.begin_ns = a->begin_ns;
    rec.end_ns = time_.Now();
    rec.reads = a->reads;
    rec.writes = a->writes;
    history_.push_back(std::move(rec));
    scheduler_.After(Uniform(0, 5 * kMs), [this, c] { StartTransfer(c); });
  }

  void ScheduleHeartbeats(Client* c) {
    scheduler_.After(kHeartbeatNs, [this, c] {
      std::shared_ptr<Attempt> a = c->current;
      if (a != nullptr && !a->over) {
        for (uint64_t r : a->ranges) {
          Tell(c, proto::TxnRequest::HEARTBEAT, r, a, [a] { return !a->over; });
        }
      }
      if (!Stopped()) ScheduleHeartbeats(c);
    });
  }

  // --- auditors

  void StartAudit(Client* c) {
    if (Stopped()) return;
    struct Audit {
      Timestamp ts;
      int64_t begin_ns;
      std::map<std::string, std::optional<std::string>> reads;
      size_t pending;
      bool failed = false;
    };
    auto audit = std::make_shared<Audit>();
    audit->ts = Timestamp{c->tt->Now().latest_ns, 0};
    audit->begin_ns = time_.Now();
    audit->pending = accounts_.size();
    for (const std::string& key : accounts_) {
      ReadOnce(c, AccountGet(key, audit->ts), RandomNode(), time_.Now() + kRouteNs,
               [this, c, audit, key](KvAnswer r) {
                 if (!r.ok()) {
                   audit->failed = true;
                 } else {
                   audit->reads[key] =
                       r->found() ? std::optional<std::string>(r->value()) : std::nullopt;
                 }
                 if (--audit->pending > 0) return;
                 if (!audit->failed) {
                   ++result_.audits;
                   int sum = 0;
                   for (const auto& [k, v] : audit->reads) sum += ParseBalance(v);
                   if (sum != TotalBalance()) {
                     Violation(absl::StrCat("audit at ", audit->ts.ToString(), " summed to ", sum,
                                            ", not ", TotalBalance()));
                   }
                   checker::TxnRecord rec;
                   rec.id = absl::StrCat("audit-", c->index, "-", c->next_txn++);
                   rec.read_only = true;
                   rec.timestamp = audit->ts;
                   rec.begin_ns = audit->begin_ns;
                   rec.end_ns = time_.Now();
                   rec.reads = audit->reads;
                   history_.push_back(std::move(rec));
                 }
                 scheduler_.After(Uniform(20 * kMs, 80 * kMs), [this, c] { StartAudit(c); });
               });
    }
  }

  int TotalBalance() const { return kInitialBalance * static_cast<int>(accounts_.size()); }

  // --- faults

  void ScheduleChaos() {
    scheduler_.After(Uniform(100 * kMs, 1200 * kMs), [this] {
      if (time_.Now() > chaos_end_) return;
      ChaosStep();
      ScheduleChaos();
    });
  }

  void ChaosStep() {
    const int choice = static_cast<int>(Uniform(0, 9));
    if (choice <= 2 && o_.crashes) {
      int down = 0;
      for (auto& n : nodes_) down += n->up ? 0 : 1;
      Node* victim = node(RandomNode());
      if (victim->up && (down + 1) * 2 < o_.nodes) {
        Crash(victim);
        scheduler_.After(Uniform(50 * kMs, 2500 * kMs), [this, victim] {
          if (!victim->up) StartNode(victim);
        });
      }
    } else if (choice <= 4 && o_.partitions) {
      std::set<uint64_t> a, b;
      for (auto& n : nodes_) (Chance(0.5) ? a : b).insert(n->id);
      // Clients stay with the larger side.
      std::set<uint64_t>& bigger = a.size() >= b.size() ? a : b;
      for (auto& c : clients_) bigger.insert(c->endpoint);
      network_.Partition({a, b});
      ++result_.partitions;
      scheduler_.After(Uniform(100 * kMs, 2500 * kMs), [this] { network_.Heal(); });
    } else if (choice <= 6 && o_.message_faults) {
      NetworkOptions no = network_.options();
      no.loss = std::uniform_real_distribution<double>(0, 0.1)(rng_);
      no.duplicate = std::uniform_real_distribution<double>(0, 0.05)(rng_);
      no.max_delay_ns = Uniform(2 * kMs, 20 * kMs);
      no.spike = Chance(0.5) ? std::uniform_real_distribution<double>(0, 0.05)(rng_) : 0;
      no.spike_ns = 1000 * kMs;
      network_.set_options(no);
    } else if (o_.clock_faults) {
      Node* n = node(RandomNode());
      n->clock->Resync(RandomSkew(), RandomDrift());
      n->tt->MarkSynchronized();
    }
  }

  void Heal() {
    network_.Heal();
    network_.set_options(NetworkOptions{});
    for (auto& n : nodes_) {
      if (!n->up) StartNode(n.get());
    }
  }

  // --- final checks

  void CheckQuiescent() {
    for (auto& n : nodes_) {
      for (auto& [id, r] : n->ranges) {
        if (!r->prepared().empty()) {
          Violation(absl::StrCat("node ", n->id, " range ", id, " still has ", r->prepared().size(),
                                 " prepared transaction(s), e.g. ", r->prepared().begin()->first));
        }
      }
      for (auto& [id, s] : n->servers) {
        if (s->locked_txns() != 0) {
          Violation(absl::StrCat("node ", n->id, " range ", id, " still knows ", s->locked_txns(),
                                 " transaction(s) holding locks"));
        }
      }
    }
  }

  void FinalAudit() {
    // A strong read of every account at its leaseholder, through the same read path.
    auto reads = std::make_shared<std::map<std::string, std::optional<std::string>>>();
    auto pending = std::make_shared<size_t>(accounts_.size());
    Client* c = clients_.front().get();
    for (const std::string& key : accounts_) {
      ReadOnce(
          c, AccountGet(key, std::nullopt), RandomNode(), time_.Now() + kRouteNs,
          [this, reads, pending, key](KvAnswer r) {
            if (!r.ok()) {
              Violation(absl::StrCat("final read of ", key, " failed: ", r.status().ToString()));
            } else {
              (*reads)[key] = r->found() ? std::optional<std::string>(r->value()) : std::nullopt;
            }
            if (--*pending > 0) return;
            final_done_ = true;
            int sum = 0;
            for (const auto& [k, v] : *reads) sum += ParseBalance(v);
            if (reads->size() == accounts_.size() && sum != TotalBalance()) {
              Violation(absl::StrCat("final balances sum to ", sum, ", not ", TotalBalance()));
            }
          });
    }
  }

  void CheckHistory() {
    std::map<std::string, std::string> initial;
    for (const std::string& a : accounts_) initial[a] = Balance(kInitialBalance, "init");
    // A transfer with an unknown outcome is left out, and so are reads of its values: what
    // remains is a subgraph of the true dependency graph, so any cycle in it is real.
    for (checker::TxnRecord& r : history_) {
      for (auto it = r.reads.begin(); it != r.reads.end();) {
        it = uncertain_writes_.contains(*it) ? r.reads.erase(it) : std::next(it);
      }
    }
    absl::Status s = checker::CheckStrictSerializable(history_, initial);
    if (!s.ok()) Violation(s.ToString());
  }

  const TxnSimOptions o_;
  clock::SimTime time_;
  std::mt19937_64 rng_;
  SimScheduler scheduler_;
  SimNetwork network_;
  AcceptorDurability durability_;
  txn::RangeMap map_;
  std::vector<std::string> accounts_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Client>> clients_;
  int64_t start_ = 0;
  int64_t chaos_end_ = 0;
  int64_t stop_clients_ = 0;
  int64_t last_commit_ns_ = 0;
  bool final_done_ = false;
  std::vector<checker::TxnRecord> history_;
  std::set<std::pair<std::string, std::optional<std::string>>> uncertain_writes_;
  TxnSimResult result_;
};

TxnSimResult Cluster::Run() {
  chaos_end_ = start_ + o_.chaos_ns;
  // Clients run through the chaos and for the liveness bound after it.
  stop_clients_ = chaos_end_ + o_.liveness_bound_ns;
  // Initial balances: one transaction through the real path, before any fault.
  for (auto& n : nodes_) StartNode(n.get());
  for (auto& n : nodes_) ScheduleTick(n.get());
  bool seeded = false;
  {
    std::map<uint64_t, txn::CommitPart> parts;
    for (const std::string& a : accounts_) {
      proto::KvWrite w;
      w.set_key(a);
      w.set_value(Balance(kInitialBalance, "init"));
      parts[map_.Lookup(a).range_id].writes.push_back(std::move(w));
    }
    auto setup = std::make_shared<txn::TxnCommit>("setup", Timestamp{1, 0}, std::move(parts),
                                                  std::map<uint64_t, std::string>{}, false);
    auto drive = std::make_shared<std::function<void(std::vector<txn::CommitSend>)>>();
    Client* c = clients_.front().get();
    *drive = [this, setup, drive, c, &seeded](std::vector<txn::CommitSend> sends) {
      for (txn::CommitSend& s : sends) {
        const uint64_t range = s.request.range_id();
        RouteTxn(
            c->endpoint, [] { return true; }, std::move(s.request), true, &c->leaders,
            [this, setup, drive, range, &seeded](Answer r) {
              std::vector<txn::CommitSend> next = setup->OnAnswer(range, std::move(r));
              if (*drive) (*drive)(std::move(next));
              if (setup->done() && !seeded) {
                seeded = true;
                if (!setup->result().ok()) {
                  Violation(absl::StrCat("setting up the accounts failed: ",
                                         setup->result().status().ToString()));
                }
              }
            });
      }
    };
    scheduler_.After(1000 * kMs, [drive, setup] { (*drive)(setup->Start()); });
    // Break the drive -> lambda -> drive cycle when done (late duplicate answers see null).
    struct Reset {
      std::shared_ptr<std::function<void(std::vector<txn::CommitSend>)>> f;
      ~Reset() { *f = nullptr; }
    } reset{drive};
    scheduler_.RunUntil(start_ + 10'000 * kMs, [&] {});
    // The setup's commit wait and 2PC are done once seeded.
    if (!seeded || !setup->result().ok()) {
      if (!seeded) Violation("setting up the accounts did not finish");
      return result_;
    }
  }
  const int64_t t0 = time_.Now();
  chaos_end_ = t0 + o_.chaos_ns;
  stop_clients_ = chaos_end_ + o_.liveness_bound_ns;
  for (auto& c : clients_) {
    if (c->auditor) {
      StartAudit(c.get());
    } else {
      StartTransfer(c.get());
      ScheduleHeartbeats(c.get());
    }
  }
  ScheduleChaos();
  scheduler_.RunUntil(chaos_end_);
  Heal();
  const int64_t healed = time_.Now();
  const int64_t committed_before = result_.committed;
  scheduler_.RunUntil(stop_clients_);
  if (result_.committed == committed_before || last_commit_ns_ < healed) {
    Violation(absl::StrCat("no transfer committed in the ", o_.liveness_bound_ns / kMs,
                           " ms after the faults stopped"));
  }
  // Clients stop; let recovery finish (expiry, in-doubt asks), then everything is idle.
  scheduler_.RunUntil(stop_clients_ + 8000 * kMs);
  CheckQuiescent();
  FinalAudit();
  scheduler_.RunUntil(time_.Now() + 10'000 * kMs);
  if (!final_done_) Violation("the final audit did not finish");
  CheckHistory();
  result_.messages = network_.sent();
  result_.events = scheduler_.events_run();
  for (auto& n : nodes_) {
    result_.snapshots += static_cast<int64_t>(n->driver->stats().snapshots_sent);
    // The driver survives a failed snapshot (the core asks again), but a MemEngine cannot
    // fail a read: here a failure is a bug.
    if (n->driver->stats().snapshot_failures > 0) {
      Violation(absl::StrCat("node ", n->id, ": ", n->driver->stats().snapshot_failures,
                             " snapshot(s) for lagging replicas failed"));
    }
  }
  return result_;
}

}  // namespace

std::string TxnSimResult::Summary() const {
  return absl::StrCat(committed, " transfers committed (", multi_range, " 2PC, ", read_only_parts,
                      " with a range only read), ", uncertain, " uncertain, ", restarts,
                      " restarts, ", audits, " audits; ", crashes, " crashes, ", partitions,
                      " partitions, ", snapshots, " snapshots; ", messages, " messages, ", events,
                      " events");
}

TxnSimResult RunTxnSimulation(const TxnSimOptions& options) {
  Cluster cluster(options);
  return cluster.Run();
}

}  // namespace meridian::sim
