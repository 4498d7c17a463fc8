// RangeReplica over three in-process replicas with a synchronous message pump.
#include "storage/range/range_replica.h"

#include <map>
#include <memory>

#include "common/clock/physical_clock.h"
#include "common/logging.h"
#include "gtest/gtest.h"
#include "storage/engine/mem_engine.h"

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
        while (n->replica->core().HasReady()) {
          any = true;
          paxos::Ready rd = n->replica->core().GetReady();
          WriteBatch batch;
          n->replica->StageDurable(rd, &batch);
          CHECK_OK(n->disk.Write(batch, WriteOptions{.sync = rd.must_sync}));
          for (auto& m : rd.messages) inflight_.push_back(m);
          auto applied = n->replica->ApplyCommitted(rd);
          CHECK(applied.ok()) << applied.status();
          for (const AppliedProposal& a : *applied) results_[a.proposal_id] = a.status;
          n->replica->core().Advance(rd);
          for (auto peer : rd.snapshot_needed_by) {
            auto snap = n->replica->TakeSnapshot();
            CHECK(snap.ok());
            n->replica->core().SendSnapshot(peer, n->replica->applied_index(), *snap);
          }
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

}  // namespace
}  // namespace meridian::storage
