// ReplicaDriver over real PaxosCores and a small in-memory state machine: the order of
// write, sends and apply; group commit; the failure policy; compaction and snapshots.
#include "storage/range/replica_driver.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "common/logging.h"
#include "gtest/gtest.h"
#include "storage/engine/mem_engine.h"
#include "storage/paxos/paxos_log.h"

namespace meridian::storage {
namespace {

// A MemEngine that counts writes and can be told to fail them.
class CountingEngine : public Engine {
 public:
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key,
                                                 const Snapshot* snapshot) override {
    return mem_.Get(key, snapshot);
  }
  absl::Status Write(const WriteBatch& batch, const WriteOptions& options) override {
    if (fail_writes) return absl::DataLossError("disk on fire");
    ++writes;
    if (options.sync) ++synced_writes;
    return mem_.Write(batch, options);
  }
  std::unique_ptr<Iterator> NewIterator(const Snapshot* snapshot) override {
    return mem_.NewIterator(snapshot);
  }
  std::shared_ptr<const Snapshot> GetSnapshot() override { return mem_.GetSnapshot(); }
  void SimulateCrash() { mem_.SimulateCrash(); }

  int writes = 0;
  int synced_writes = 0;
  bool fail_writes = false;

 private:
  MemEngine mem_;
};

// A replica whose state machine is the list of applied commands (kept in memory; a snapshot
// is the list joined by commas).
class ListReplica : public DrivenReplica {
 public:
  ListReplica(uint64_t group, paxos::NodeId self, std::vector<paxos::NodeId> voters, Engine* engine,
              clock::TrueTime* tt)
      : group_(group), log_(engine, group) {
    paxos::PaxosOptions o;
    o.group = group;
    o.self = self;
    o.initial_voters = std::move(voters);
    o.heartbeat_ticks = 1;
    o.election_timeout_ticks = 5;
    o.retransmit_ticks = 2;
    o.lease_duration_ns = 1'000'000'000;
    o.seed = self * 100 + group;
    core_ = std::make_unique<paxos::PaxosCore>(o, tt);
  }

  uint64_t group_id() const override { return group_; }
  paxos::PaxosCore& core() override { return *core_; }
  void StageDurable(const paxos::Ready& ready, WriteBatch* batch) override {
    log_.Stage(ready, batch);
    if (ready.snapshot.has_value()) {
      applied_ = ready.snapshot->index;
      values_.clear();
      if (!ready.snapshot->data.empty()) values_ = absl::StrSplit(ready.snapshot->data, ',');
      ++snapshots_installed;
    }
  }
  absl::StatusOr<std::vector<AppliedProposal>> ApplyCommitted(const paxos::Ready& ready) override {
    if (fail_apply) return absl::DataLossError("corrupt");
    std::vector<AppliedProposal> out;
    for (const proto::Entry& e : ready.committed) {
      EXPECT_EQ(e.slot(), applied_ + 1);
      applied_ = e.slot();
      if (e.type() == proto::Entry::NORMAL && !e.command().empty()) {
        values_.push_back(e.command());
        out.push_back(AppliedProposal{e.slot(), absl::OkStatus(), Timestamp{}});
      }
    }
    return out;
  }
  absl::StatusOr<std::string> TakeSnapshot() override {
    if (failing_snapshots > 0) {
      --failing_snapshots;
      return absl::UnavailableError("snapshot failed on purpose");
    }
    return absl::StrJoin(values_, ",");
  }
  uint64_t applied_index() const override { return applied_; }

  const std::vector<std::string>& values() const { return values_; }
  int failing_snapshots = 0;
  bool fail_apply = false;
  int snapshots_installed = 0;

 private:
  const uint64_t group_;
  paxos::PaxosLog log_;
  std::unique_ptr<paxos::PaxosCore> core_;
  uint64_t applied_ = 0;
  std::vector<std::string> values_;
};

class ReplicaDriverTest : public ::testing::Test {
 protected:
  ReplicaDriverTest()
      : clock_(1'700'000'000'000'000'000),
        tt_(&clock_, clock::TrueTimeOptions{.epsilon_ns = 1'000'000, .max_drift_ppm = 0}) {}

  std::unique_ptr<ReplicaDriver> NewDriver(ReplicaDriverOptions options = {}) {
    return std::make_unique<ReplicaDriver>(
        &engine_,
        [this](proto::PaxosMessage m) {
          writes_at_send_.push_back(engine_.writes);
          sent_.push_back(std::move(m));
        },
        options);
  }

  clock::ManualClock clock_;
  clock::TrueTime tt_;
  CountingEngine engine_;
  std::vector<proto::PaxosMessage> sent_;
  std::vector<int> writes_at_send_;  // engine writes done when each message was sent
};

TEST_F(ReplicaDriverTest, GroupCommitIsOneSyncedWriteAndMessagesFollowIt) {
  auto driver = NewDriver();
  ListReplica a(1, 1, {1, 2, 3}, &engine_, &tt_);
  ListReplica b(2, 1, {1, 2, 3}, &engine_, &tt_);
  ASSERT_TRUE(a.core().Campaign());
  ASSERT_TRUE(b.core().Campaign());

  ReplicaDriver::Pass pass = driver->StartPass();
  pass.Collect(&a);
  pass.Collect(&b);
  EXPECT_FALSE(pass.empty());
  EXPECT_EQ(engine_.writes, 0);  // collecting only stages
  ASSERT_TRUE(pass.PersistAndSend().ok());
  // Both promises in one synced write, then two PREPAREs per group.
  EXPECT_EQ(engine_.writes, 1);
  EXPECT_EQ(engine_.synced_writes, 1);
  ASSERT_EQ(sent_.size(), 4u);
  for (int w : writes_at_send_) EXPECT_EQ(w, 1);
  std::set<uint64_t> groups;
  for (const proto::PaxosMessage& m : sent_) groups.insert(m.group());
  EXPECT_EQ(groups, (std::set<uint64_t>{1, 2}));
  ASSERT_TRUE(pass.Apply(nullptr).ok());
  EXPECT_EQ(driver->stats().passes, 1u);
  EXPECT_EQ(driver->stats().readies, 2u);
  EXPECT_EQ(driver->stats().writes, 1u);
  EXPECT_EQ(driver->stats().synced_writes, 1u);
  EXPECT_EQ(driver->stats().messages, 4u);

  // The promises survive a crash: the write was synced.
  engine_.SimulateCrash();
  for (uint64_t group : {1, 2}) {
    paxos::PaxosLog log(&engine_, group);
    absl::StatusOr<paxos::PersistedPaxosState> state = log.Load();
    ASSERT_TRUE(state.ok());
    EXPECT_FALSE(state->empty);
    EXPECT_GT(state->hard_state.promised().round(), 0u);
  }
}

TEST_F(ReplicaDriverTest, GroupCommitSyncsIfAnyReadyMustSync) {
  auto driver = NewDriver(ReplicaDriverOptions{.compact_above_entries = 0});
  ListReplica a(1, 1, {1, 2, 3}, &engine_, &tt_);
  ListReplica b(2, 1, {1}, &engine_, &tt_);  // one voter: commits on proposal
  DrivenReplica* only_b[] = {&b};
  ASSERT_TRUE(b.core().Campaign());
  ASSERT_TRUE(b.core().Propose("x").ok());
  while (*driver->RunPass(only_b, nullptr)) {
  }
  // a's promise must be synced; b's compaction alone need not be. Collected last, b must
  // not decide for both.
  ASSERT_TRUE(a.core().Campaign());
  b.core().Compact(1);
  const int synced = engine_.synced_writes;
  DrivenReplica* both[] = {&a, &b};
  ASSERT_TRUE(*driver->RunPass(both, nullptr));
  EXPECT_EQ(engine_.synced_writes, synced + 1);
}

TEST_F(ReplicaDriverTest, SyncOffNeverSyncs) {
  auto driver = NewDriver(ReplicaDriverOptions{.sync = false});
  ListReplica a(1, 1, {1, 2, 3}, &engine_, &tt_);
  ASSERT_TRUE(a.core().Campaign());
  DrivenReplica* replicas[] = {&a};
  absl::StatusOr<bool> passed = driver->RunPass(replicas, nullptr);
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(*passed);
  EXPECT_EQ(engine_.writes, 1);
  EXPECT_EQ(engine_.synced_writes, 0);
}

TEST_F(ReplicaDriverTest, ProgressOnlyIsWrittenWithoutSync) {
  auto driver = NewDriver(ReplicaDriverOptions{.compact_above_entries = 0});
  ListReplica a(1, 1, {1}, &engine_, &tt_);  // one voter: commits on proposal
  DrivenReplica* replicas[] = {&a};
  ASSERT_TRUE(a.core().Campaign());
  while (*driver->RunPass(replicas, nullptr)) {
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.core().Propose("v" + std::to_string(i)).ok());
  while (*driver->RunPass(replicas, nullptr)) {
  }
  EXPECT_EQ(a.values(), (std::vector<std::string>{"v0", "v1", "v2"}));
  const int synced = engine_.synced_writes;
  const int writes = engine_.writes;
  // Compaction changes no promise and no accepted value: written, but not synced.
  a.core().Compact(2);
  ASSERT_TRUE(*driver->RunPass(replicas, nullptr));
  EXPECT_EQ(engine_.writes, writes + 1);
  EXPECT_EQ(engine_.synced_writes, synced);
}

TEST_F(ReplicaDriverTest, ApplyAdvancesThenReportsOutcomes) {
  auto driver = NewDriver();
  ListReplica a(1, 1, {1}, &engine_, &tt_);
  DrivenReplica* replicas[] = {&a};
  ASSERT_TRUE(a.core().Campaign());
  while (*driver->RunPass(replicas, nullptr)) {
  }
  absl::StatusOr<uint64_t> slot = a.core().Propose("x");
  ASSERT_TRUE(slot.ok());
  std::vector<uint64_t> reported;
  auto on_applied = [&](DrivenReplica& r, const paxos::Ready& ready,
                        std::vector<AppliedProposal> outcomes) {
    EXPECT_EQ(&r, &a);
    // The core has been advanced before the host hears of the outcomes.
    EXPECT_EQ(r.core().applied_index(), r.applied_index());
    for (const AppliedProposal& p : outcomes) reported.push_back(p.proposal_id);
  };
  while (*driver->RunPass(replicas, on_applied)) {
  }
  EXPECT_EQ(reported, (std::vector<uint64_t>{*slot}));
  EXPECT_EQ(a.values(), (std::vector<std::string>{"x"}));
}

TEST_F(ReplicaDriverTest, FailedWriteSendsNothingAndFailsThePass) {
  auto driver = NewDriver();
  ListReplica a(1, 1, {1, 2, 3}, &engine_, &tt_);
  ASSERT_TRUE(a.core().Campaign());
  engine_.fail_writes = true;
  DrivenReplica* replicas[] = {&a};
  absl::StatusOr<bool> passed = driver->RunPass(replicas, nullptr);
  EXPECT_EQ(passed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(driver->stats().passes, 0u);
}

TEST_F(ReplicaDriverTest, FailedApplyFailsThePassWithTheGroup) {
  auto driver = NewDriver();
  ListReplica a(7, 1, {1}, &engine_, &tt_);
  DrivenReplica* replicas[] = {&a};
  ASSERT_TRUE(a.core().Campaign());
  while (*driver->RunPass(replicas, nullptr)) {
  }
  ASSERT_TRUE(a.core().Propose("x").ok());
  a.fail_apply = true;
  absl::StatusOr<bool> passed = driver->RunPass(replicas, nullptr);
  EXPECT_EQ(passed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(passed.status().message().find("group 7"), std::string::npos);
}

TEST_F(ReplicaDriverTest, PassesMustNotOverlap) {
  auto driver = NewDriver();
  EXPECT_DEATH(
      {
        ReplicaDriver::Pass first = driver->StartPass();
        ReplicaDriver::Pass second = driver->StartPass();
      },
      "overlap");
}

TEST_F(ReplicaDriverTest, DroppingACollectedPassIsABug) {
  auto driver = NewDriver();
  ListReplica a(1, 1, {1, 2, 3}, &engine_, &tt_);
  ASSERT_TRUE(a.core().Campaign());
  EXPECT_DEATH(
      {
        ReplicaDriver::Pass pass = driver->StartPass();
        pass.Collect(&a);
      },
      "dropped before it was applied");
}

// Three replicas of one group, each with its own engine and driver, and a message pump that
// can cut one node off.
class DriverCluster {
 public:
  explicit DriverCluster(ReplicaDriverOptions options)
      : clock_(1'700'000'000'000'000'000),
        tt_(&clock_, clock::TrueTimeOptions{.epsilon_ns = 1'000'000, .max_drift_ppm = 0}) {
    for (paxos::NodeId id = 1; id <= 3; ++id) {
      Node& n = nodes_[id];
      n.replica = std::make_unique<ListReplica>(1, id, std::vector<paxos::NodeId>{1, 2, 3},
                                                &n.engine, &tt_);
      n.driver = std::make_unique<ReplicaDriver>(
          &n.engine, [this](proto::PaxosMessage m) { queue_.push_back(std::move(m)); }, options);
    }
  }

  // Passes and deliveries until nothing moves.
  void Pump() {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      for (auto& [id, n] : nodes_) {
        DrivenReplica* replicas[] = {n.replica.get()};
        while (true) {
          absl::StatusOr<bool> passed = n.driver->RunPass(replicas, nullptr);
          CHECK_OK(passed.status());
          if (!*passed) break;
          any = true;
        }
      }
      std::vector<proto::PaxosMessage> queue = std::move(queue_);
      queue_.clear();
      for (const proto::PaxosMessage& m : queue) {
        any = true;
        if (m.from() == isolated || m.to() == isolated) continue;
        nodes_[m.to()].replica->core().Step(m);
      }
      if (!any) return;
    }
  }

  void Tick(int ticks) {
    for (int i = 0; i < ticks; ++i) {
      clock_.Advance(10'000'000);
      for (auto& [id, n] : nodes_) n.replica->core().Tick();
      Pump();
    }
  }

  ListReplica& replica(paxos::NodeId id) { return *nodes_[id].replica; }
  const ReplicaDriverStats& stats(paxos::NodeId id) { return nodes_[id].driver->stats(); }

  paxos::NodeId isolated = 0;

 private:
  struct Node {
    MemEngine engine;
    std::unique_ptr<ListReplica> replica;
    std::unique_ptr<ReplicaDriver> driver;
  };
  clock::ManualClock clock_;
  clock::TrueTime tt_;
  std::map<paxos::NodeId, Node> nodes_;
  std::vector<proto::PaxosMessage> queue_;
};

TEST(ReplicaDriverClusterTest, CompactsByTheOptionsAndRetriesAFailedSnapshot) {
  DriverCluster c(ReplicaDriverOptions{.compact_above_entries = 10, .retain_entries = 4});
  ASSERT_TRUE(c.replica(1).core().Campaign());
  c.Pump();
  ASSERT_EQ(c.replica(1).core().role(), paxos::Role::kLeader);
  // Node 3 misses 30 commands; the leader's log is compacted past them.
  c.isolated = 3;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(c.replica(1).core().Propose("v" + std::to_string(i)).ok());
    c.Pump();
  }
  EXPECT_EQ(c.replica(1).values().size(), 30u);
  EXPECT_GT(c.stats(1).compactions, 0u);
  const paxos::PaxosStatus status = c.replica(1).core().Status();
  EXPECT_GT(status.log_start, 2u);
  // Never more than compact_above_entries applied entries stay in the log after a pass.
  EXPECT_LE(c.replica(1).applied_index(), status.log_start + 10);
  EXPECT_TRUE(c.replica(3).values().empty());

  // Node 3 comes back; the first snapshot the leader takes for it fails. The driver goes on,
  // and the core asks again later.
  c.replica(1).failing_snapshots = 1;
  c.isolated = 0;
  c.Tick(5);
  EXPECT_EQ(c.stats(1).snapshot_failures, 1u);
  EXPECT_EQ(c.stats(1).snapshots_sent, 0u);
  EXPECT_TRUE(c.replica(3).values().empty());
  c.Tick(60);  // past ten election timeouts
  EXPECT_EQ(c.stats(1).snapshot_failures, 1u);
  EXPECT_GE(c.stats(1).snapshots_sent, 1u);
  EXPECT_EQ(c.replica(3).snapshots_installed, 1);
  EXPECT_EQ(c.replica(3).values(), c.replica(1).values());
}

}  // namespace
}  // namespace meridian::storage
