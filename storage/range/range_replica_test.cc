// RangeReplica over three in-process replicas, each run by a ReplicaDriver, with a
// synchronous message pump.
#include "storage/range/range_replica.h"

#include <map>
#include <memory>

#include "common/clock/physical_clock.h"
#include "common/logging.h"
#include "gtest/gtest.h"
#include "storage/engine/mem_engine.h"
#include "storage/range/replica_driver.h"

namespace meridian::storage {
namespace {

class Cluster {
 public:
  explicit Cluster(int n) : clock_(1'700'000'000'000'000'000) {
    for (int i = 1; i <= n; ++i) voters_.push_back(i);
    for (int i = 1; i <= n; ++i) {
      auto node = std::make_unique<Node>();
      node->tt = std::make_unique<clock::TrueTime>(
          &clock_, clock::TrueTimeOptions{.epsilon_ns = 1'000'000, .max_drift_ppm = 0});
      node->hlc = std::make_unique<clock::Hlc>(&clock_);
      nodes_[i] = std::move(node);
      Open(i);
    }
  }

  void Open(uint64_t id, std::vector<uint64_t> voters = {}) {
    Node* n = nodes_[id].get();
    RangeReplicaOptions o;
    o.range_id = 7;
    o.paxos.self = id;
    o.paxos.initial_voters = voters.empty() ? voters_ : voters;
    o.paxos.lease_duration_ns = 2'000'000'000;
    o.paxos.seed = id;
    auto r = RangeReplica::Open(o, &n->disk, n->tt.get(), n->hlc.get());
    CHECK(r.ok()) << r.status();
    n->replica = std::move(*r);
    if (n->driver == nullptr) {
      // Compaction is left to the tests.
      n->driver = std::make_unique<ReplicaDriver>(
          &n->disk, [this](proto::PaxosMessage m) { inflight_.push_back(std::move(m)); },
          ReplicaDriverOptions{.compact_above_entries = 0});
    }
    n->up = true;
  }

  void Crash(uint64_t id) {
    nodes_[id]->replica.reset();
    nodes_[id]->up = false;
    nodes_[id]->disk.SimulateCrash();
  }

  RangeReplica& r(uint64_t id) { return *nodes_[id]->replica; }
  clock::Hlc& hlc(uint64_t id) { return *nodes_[id]->hlc; }
  MemEngine& disk(uint64_t id) { return nodes_[id]->disk; }

  // Runs every replica's Ready loop and delivers messages until quiet.
  void Pump() {
    for (int round = 0; round < 200; ++round) {
      bool any = false;
      for (auto& [id, n] : nodes_) {
        if (!n->up) continue;
        DrivenReplica* replicas[] = {n->replica.get()};
        while (true) {
          absl::StatusOr<bool> passed = n->driver->RunPass(
              replicas,
              [this](DrivenReplica&, const paxos::Ready&, std::vector<AppliedProposal> outcomes) {
                for (const AppliedProposal& a : outcomes) results_[a.proposal_id] = a.status;
              });
          CHECK_OK(passed.status());
          if (!*passed) break;
          any = true;
        }
      }
      std::vector<proto::PaxosMessage> msgs = std::move(inflight_);
      inflight_.clear();
      for (auto& m : msgs) {
        any = true;
        if (nodes_.count(m.to()) && nodes_[m.to()]->up) nodes_[m.to()]->replica->core().Step(m);
      }
      if (!any) return;
    }
  }

  void TickAll(int n = 1) {
    for (int i = 0; i < n; ++i) {
      for (auto& [id, node] : nodes_) {
        if (node->up) node->replica->core().Tick();
      }
      Pump();
    }
  }

  absl::Status Result(uint64_t proposal_id) {
    auto it = results_.find(proposal_id);
    return it == results_.end() ? absl::NotFoundError("pending") : it->second;
  }

  void AddNode(uint64_t id) {
    auto node = std::make_unique<Node>();
    node->tt = std::make_unique<clock::TrueTime>(
        &clock_, clock::TrueTimeOptions{.epsilon_ns = 1'000'000, .max_drift_ppm = 0});
    node->hlc = std::make_unique<clock::Hlc>(&clock_);
    nodes_[id] = std::move(node);
    Open(id, {1, 2, 3});
  }

  clock::ManualClock clock_;

 private:
  struct Node {
    MemEngine disk;
    std::unique_ptr<clock::TrueTime> tt;
    std::unique_ptr<clock::Hlc> hlc;
    std::unique_ptr<RangeReplica> replica;
    std::unique_ptr<ReplicaDriver> driver;  // over `disk`, into inflight_
    bool up = false;
  };
  std::vector<uint64_t> voters_;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
  std::vector<proto::PaxosMessage> inflight_;
  std::map<uint64_t, absl::Status> results_;
};

proto::KvWrite Put(const std::string& k, const std::string& v) {
  proto::KvWrite w;
  w.set_key(k);
  w.set_value(v);
  return w;
}

std::string ReadAt(RangeReplica& r, const std::string& key, Timestamp ts) {
  auto g = r.mvcc().Get(key, ts);
  if (!g.ok()) return "<error>";
  return g->row.has_value() ? g->row->value : "<none>";
}

TEST(RangeReplicaTest, WritesReplicateAndLeaseholderReadsWithoutPaxosRound) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  auto p = c.r(1).ProposeWrites({Put("a", "1"), Put("b", "2")});
  ASSERT_TRUE(p.ok()) << p.status();
  c.Pump();
  c.TickAll();
  EXPECT_TRUE(c.Result(p->proposal_id).ok());
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(ReadAt(c.r(id), "a", p->timestamp), "1") << id;
    EXPECT_EQ(ReadAt(c.r(id), "b", p->timestamp.Prev()), "<none>") << id;
    EXPECT_EQ(c.r(id).t_safe(), p->timestamp);
  }
  // The leaseholder's read plan is ready at once: no message is needed.
  auto plan = c.r(1).PlanStrongRead();
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(c.r(1).ReadReady(*plan));
  EXPECT_GE(plan->read_timestamp, p->timestamp);
  EXPECT_EQ(ReadAt(c.r(1), "b", plan->read_timestamp), "2");
  // Followers refuse writes and strong reads, naming the leader.
  auto refused = c.r(2).ProposeWrites({Put("x", "y")});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("leader hint: 1"), std::string::npos);
  EXPECT_EQ(c.r(3).PlanStrongRead().status().code(), absl::StatusCode::kUnavailable);
}

TEST(RangeReplicaTest, ReadTimestampStaysBelowInFlightProposals) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  auto p = c.r(1).ProposeWrites({Put("k", "v")});
  ASSERT_TRUE(p.ok());
  // Not pumped: the proposal is in flight.
  auto plan = c.r(1).PlanStrongRead();
  ASSERT_TRUE(plan.ok());
  EXPECT_LT(plan->read_timestamp, p->timestamp);
  c.Pump();
  EXPECT_EQ(ReadAt(c.r(1), "k", plan->read_timestamp), "<none>");
}

TEST(RangeReplicaTest, RestartNeitherLosesNorRepeatsCommands) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  Timestamp last;
  for (int i = 0; i < 20; ++i) {
    auto p = c.r(1).ProposeWrites({Put("k" + std::to_string(i % 5), std::to_string(i))});
    ASSERT_TRUE(p.ok());
    last = p->timestamp;
    c.Pump();
  }
  c.TickAll();
  MvccStats before = c.r(2).mvcc().Stats();
  uint64_t applied = c.r(2).applied_index();
  // Follower 2 crashes: its unsynced applies are lost, its synced log is not.
  c.Crash(2);
  c.Open(2);
  EXPECT_LE(c.r(2).applied_index(), applied);
  c.TickAll(2);
  EXPECT_EQ(c.r(2).applied_index(), applied);
  EXPECT_EQ(c.r(2).mvcc().Stats(), before);  // each version exactly once
  EXPECT_EQ(ReadAt(c.r(2), "k4", last), "19");
  auto computed = c.r(2).mvcc().ComputeStats("", "");
  ASSERT_TRUE(computed.ok());
  EXPECT_EQ(*computed, before);
}

TEST(RangeReplicaTest, NewReplicaCatchesUpFromSnapshot) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(c.r(1).ProposeWrites({Put("key" + std::to_string(i), "v")}).ok());
    c.Pump();
  }
  c.TickAll();
  c.r(1).core().Compact(c.r(1).applied_index() - 2);
  c.Pump();
  c.AddNode(4);
  proto::ConfigChange add;
  add.set_op(proto::ConfigChange::ADD_VOTER);
  add.set_node(4);
  ASSERT_TRUE(c.r(1).core().ProposeConfigChange(add).ok());
  c.Pump();
  c.TickAll(3);
  EXPECT_EQ(c.r(4).applied_index(), c.r(1).applied_index());
  EXPECT_EQ(c.r(4).mvcc().Stats(), c.r(1).mvcc().Stats());
  EXPECT_EQ(ReadAt(c.r(4), "key17", c.r(1).t_safe()), "v");
  EXPECT_EQ(c.r(4).t_safe(), c.r(1).t_safe());
  // The new replica keeps applying after the snapshot.
  auto p = c.r(1).ProposeWrites({Put("after", "snap")});
  ASSERT_TRUE(p.ok());
  c.Pump();
  c.TickAll();
  EXPECT_EQ(ReadAt(c.r(4), "after", p->timestamp), "snap");
}

// Spanner's disjointness rule: a leaseholder never stamps a write, or reads, at or beyond its
// lease expiry, even when its HLC was pushed there (e.g. by a timestamp from a node whose
// clock runs ahead); a successor's timestamps, all after that expiry, stay larger.
TEST(RangeReplicaTest, TimestampsStayInsideTheLease) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  const int64_t expiry = c.r(1).core().lease_expiry_ns();
  ASSERT_GT(expiry, 0);
  ASSERT_TRUE(c.hlc(1).Update(Timestamp{expiry + 1'000'000, 0}).ok());
  auto refused = c.r(1).ProposeWrites({Put("k", "v")});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("lease"), std::string::npos);
  auto plan = c.r(1).PlanStrongRead();
  ASSERT_TRUE(plan.ok());
  EXPECT_LT(plan->read_timestamp.wall_ns, expiry);
}

TEST(RangeReplicaTest, EmptyWriteCommandIsRefused) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  EXPECT_EQ(c.r(1).ProposeWrites({}).status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Transactions: PREPARE / RESOLVE / DECIDE -------------------------------------------

proto::RangeCommand PrepareCmd(const std::string& txn, std::vector<proto::KvWrite> writes) {
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::PREPARE);
  cmd.mutable_prepare()->set_txn_id(txn);
  cmd.mutable_prepare()->set_coordinator_range(1);
  for (auto& w : writes) *cmd.add_writes() = w;
  return cmd;
}

proto::RangeCommand ResolveCmd(const std::string& txn, bool commit, Timestamp ts) {
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::RESOLVE);
  cmd.set_txn_id(txn);
  cmd.set_commit(commit);
  cmd.mutable_timestamp()->set_wall_ns(ts.wall_ns);
  cmd.mutable_timestamp()->set_logical(ts.logical);
  return cmd;
}

proto::RangeCommand DecideCmd(const std::string& txn, bool commit,
                              std::vector<proto::KvWrite> writes = {}) {
  proto::RangeCommand cmd;
  cmd.set_kind(proto::RangeCommand::DECIDE);
  cmd.set_txn_id(txn);
  cmd.set_commit(commit);
  cmd.add_participants(2);
  for (auto& w : writes) *cmd.add_writes() = w;
  return cmd;
}

TEST(RangeReplicaTxnTest, PrepareHoldsTsafeAndResolveCommitsAtTheGivenTimestamp) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  auto w = c.r(1).ProposeWrites({Put("k", "old")});
  ASSERT_TRUE(w.ok());
  c.Pump();
  auto prep = c.r(1).Propose(PrepareCmd("t1", {Put("k", "new")}));
  ASSERT_TRUE(prep.ok()) << prep.status();
  c.Pump();
  c.TickAll();
  ASSERT_TRUE(c.Result(prep->proposal_id).ok());
  for (uint64_t id : {1, 2, 3}) {
    ASSERT_EQ(c.r(id).prepared().size(), 1u) << id;
    // Nothing at or above the prepare timestamp is stable yet.
    EXPECT_EQ(c.r(id).t_safe(), prep->timestamp.Prev()) << id;
  }
  // A read above the prepare timestamp is told it is blocked; below it sees the old value.
  auto g = c.r(2).mvcc().Get("k", prep->timestamp);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->blocked_by.has_value());
  EXPECT_EQ(ReadAt(c.r(2), "k", prep->timestamp.Prev()), "old");
  // The coordinator chose s well above; the participant records it as is.
  const Timestamp s{prep->timestamp.wall_ns + 5'000'000, 3};
  auto res = c.r(1).Propose(ResolveCmd("t1", true, s));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->timestamp, s);
  c.Pump();
  c.TickAll();
  ASSERT_TRUE(c.Result(res->proposal_id).ok());
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_TRUE(c.r(id).prepared().empty());
    EXPECT_EQ(ReadAt(c.r(id), "k", s), "new");
    EXPECT_EQ(ReadAt(c.r(id), "k", s.Prev()), "old");
    EXPECT_GE(c.r(id).t_safe(), s);
  }
  // Later proposals are stamped above s.
  auto after = c.r(1).ProposeWrites({Put("z", "1")});
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->timestamp, s);
}

TEST(RangeReplicaTxnTest, ResolveAbortRemovesPreparedWritesAndRepeatsAreNoOps) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  auto prep = c.r(1).Propose(PrepareCmd("t1", {Put("k", "never")}));
  ASSERT_TRUE(prep.ok());
  c.Pump();
  // A second PREPARE of the same transaction is rejected (deterministically, everywhere).
  auto again = c.r(1).Propose(PrepareCmd("t1", {Put("k", "never")}));
  ASSERT_TRUE(again.ok());
  c.Pump();
  EXPECT_EQ(c.Result(again->proposal_id).code(), absl::StatusCode::kAlreadyExists);
  auto abort = c.r(1).Propose(ResolveCmd("t1", false, Timestamp::Min()));
  ASSERT_TRUE(abort.ok());
  c.Pump();
  c.TickAll();
  auto twice = c.r(1).Propose(ResolveCmd("t1", true, Timestamp{prep->timestamp.wall_ns + 1, 0}));
  ASSERT_TRUE(twice.ok());
  c.Pump();
  c.TickAll();
  EXPECT_TRUE(c.Result(twice->proposal_id).ok());  // no record any more: a no-op
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_TRUE(c.r(id).prepared().empty());
    EXPECT_EQ(ReadAt(c.r(id), "k", Timestamp::Max().Prev()), "<none>");
    auto intent = c.r(id).mvcc().GetIntent("k");
    ASSERT_TRUE(intent.ok());
    EXPECT_FALSE(intent->has_value());
  }
}

TEST(RangeReplicaTxnTest, AbortThatOvertakesItsPrepareStopsIt) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  auto abort = c.r(1).Propose(ResolveCmd("t1", false, Timestamp::Min()));
  ASSERT_TRUE(abort.ok());
  auto late = c.r(1).Propose(PrepareCmd("t1", {Put("k", "late")}));
  ASSERT_TRUE(late.ok());
  c.Pump();
  c.TickAll();
  EXPECT_TRUE(c.Result(abort->proposal_id).ok());
  EXPECT_EQ(c.Result(late->proposal_id).code(), absl::StatusCode::kAborted);
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_TRUE(c.r(id).prepared().empty());
    auto intent = c.r(id).mvcc().GetIntent("k");
    ASSERT_TRUE(intent.ok());
    EXPECT_FALSE(intent->has_value());
  }
  // Other transactions prepare as usual.
  auto other = c.r(1).Propose(PrepareCmd("t2", {Put("k", "v")}));
  ASSERT_TRUE(other.ok());
  c.Pump();
  EXPECT_TRUE(c.Result(other->proposal_id).ok());
}

TEST(RangeReplicaTxnTest, DecisionIsWrittenOnceAndTheOtherOutcomeIsRefused) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  // Recovery decided abort first: a late commit must fail, and write nothing.
  auto abort = c.r(1).Propose(DecideCmd("t1", false));
  ASSERT_TRUE(abort.ok());
  c.Pump();
  auto late = c.r(1).Propose(DecideCmd("t1", true, {Put("k", "late")}));
  ASSERT_TRUE(late.ok());
  c.Pump();
  c.TickAll();
  EXPECT_EQ(c.Result(late->proposal_id).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReadAt(c.r(2), "k", Timestamp::Max().Prev()), "<none>");
  auto d = c.r(3).Decision("t1");
  ASSERT_TRUE(d.ok() && d->has_value());
  EXPECT_FALSE((*d)->committed());
  // The other way round: a commit is not undone by a later abort.
  auto commit = c.r(1).Propose(DecideCmd("t2", true, {Put("j", "yes")}));
  ASSERT_TRUE(commit.ok());
  c.Pump();
  auto late_abort = c.r(1).Propose(DecideCmd("t2", false));
  ASSERT_TRUE(late_abort.ok());
  c.Pump();
  c.TickAll();
  EXPECT_TRUE(c.Result(commit->proposal_id).ok());
  EXPECT_EQ(c.Result(late_abort->proposal_id).code(), absl::StatusCode::kAlreadyExists);
  auto d2 = c.r(2).Decision("t2");
  ASSERT_TRUE(d2.ok() && d2->has_value());
  EXPECT_TRUE((*d2)->committed());
  EXPECT_EQ(ReadAt(c.r(2), "j", commit->timestamp), "yes");
}

TEST(RangeReplicaTxnTest, DecideTimestampIsAtLeastThePrepareTimestamps) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  const Timestamp prepare{c.clock_.NowNanos() + 50'000'000, 0};  // another range, ahead
  auto d = c.r(1).Propose(DecideCmd("t1", true, {Put("k", "v")}), prepare);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_GE(d->timestamp, prepare);
  auto next = c.r(1).ProposeWrites({Put("x", "y")});
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->timestamp, d->timestamp);
}

// Regression: a pending RESOLVE carries the coordinator's timestamp, which may be below
// versions already applied here. A strong read must not be capped below it (it would miss
// those versions: a lost update under a shared lock).
TEST(RangeReplicaTxnTest, PendingResolveDoesNotMakeStrongReadsStale) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  auto prep = c.r(1).Propose(PrepareCmd("t1", {Put("p", "1")}));
  ASSERT_TRUE(prep.ok());
  c.Pump();
  c.clock_.Advance(10'000'000);
  auto w = c.r(1).ProposeWrites({Put("k", "fresh")});
  ASSERT_TRUE(w.ok());
  c.Pump();
  // t1 commits at a timestamp between its prepare and w: legal (s >= prepare timestamp).
  auto res = c.r(1).Propose(ResolveCmd("t1", true, prep->timestamp.Next()));
  ASSERT_TRUE(res.ok());
  ASSERT_LT(res->timestamp, w->timestamp);
  // Not pumped: the RESOLVE is in flight.
  auto plan = c.r(1).PlanStrongRead();
  ASSERT_TRUE(plan.ok());
  EXPECT_GE(plan->read_timestamp, w->timestamp);
  EXPECT_EQ(ReadAt(c.r(1), "k", plan->read_timestamp), "fresh");
}

TEST(RangeReplicaTxnTest, SnapshotsCarryPreparedAndDecisionRecords) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).core().Campaign());
  c.Pump();
  ASSERT_TRUE(c.r(1).Propose(PrepareCmd("t1", {Put("k", "v")})).ok());
  ASSERT_TRUE(c.r(1).Propose(DecideCmd("t9", true, {Put("j", "w")})).ok());
  c.Pump();
  c.TickAll();
  auto snap = c.r(1).TakeSnapshot();
  ASSERT_TRUE(snap.ok());
  proto::RangeSnapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(*snap));
  int txn_records = 0;
  for (const std::string& k : parsed.keys()) {
    if (k.find("tp") != std::string::npos || k.find("tx") != std::string::npos) ++txn_records;
  }
  EXPECT_GE(txn_records, 2);
}

}  // namespace
}  // namespace meridian::storage
