// RangeTxnServer on a one-voter range with a hand-driven Ready loop and host: the cases that
// need requests to cross each other at chosen moments.
#include "txn/range_txn_server.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/clock/hlc.h"
#include "common/clock/physical_clock.h"
#include "common/logging.h"
#include "gtest/gtest.h"
#include "proto/timestamp_convert.h"
#include "storage/engine/mem_engine.h"

namespace meridian::txn {
namespace {

constexpr int64_t kMs = 1'000'000;

class OneNode : public RangeTxnHost {
 public:
  OneNode()
      : clock_(1'700'000'000'000'000'000),
        tt_(&clock_, clock::TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 0}),
        hlc_(&clock_),
        map_(RangeMap::Even(1)) {
    storage::RangeReplicaOptions o;
    o.range_id = 1;
    o.paxos.self = 1;
    o.paxos.initial_voters = {1};
    o.paxos.lease_duration_ns = 2000 * kMs;
    o.paxos.seed = 1;
    auto r = storage::RangeReplica::Open(o, &disk_, &tt_, &hlc_);
    CHECK(r.ok()) << r.status();
    replica_ = std::move(*r);
    server_ = std::make_unique<RangeTxnServer>(
        RangeTxnServerOptions{.node_id = 1, .range_map = &map_}, replica_.get(), &tt_, &hlc_, this);
    for (int i = 0; i < 200 && !server_->Serving().ok(); ++i) Tick();
    CHECK(server_->Serving().ok());
  }

  void AfterTimestamp(Timestamp ts, std::function<void()> fn) override {
    timers_.emplace_back(ts, std::move(fn));
  }
  void Route(proto::TxnRequest, std::function<void(absl::StatusOr<proto::TxnResponse>)>) override {}

  // Applies everything proposed so far.
  void Drive() {
    while (replica_->core().HasReady()) {
      storage::paxos::Ready rd = replica_->core().GetReady();
      storage::WriteBatch batch;
      replica_->StageDurable(rd, &batch);
      CHECK_OK(disk_.Write(batch, storage::WriteOptions{.sync = true}));
      auto applied = replica_->ApplyCommitted(rd);
      CHECK(applied.ok()) << applied.status();
      replica_->core().Advance(rd);
      server_->OnApplied(*applied);
      server_->Maintain(false);
    }
  }
  // Time passes: ticks, and commit waits that are over run.
  void Tick() {
    clock_.Advance(10 * kMs);
    replica_->core().Tick();
    server_->Maintain(true);
    Drive();
    std::vector<std::pair<Timestamp, std::function<void()>>> due;
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (tt_.After(it->first)) {
        due.push_back(std::move(*it));
        it = timers_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [ts, fn] : due) fn();
    Drive();
  }

  // Sends `req`; the reply lands in the returned slot whenever it comes.
  std::shared_ptr<std::optional<proto::TxnResponse>> Send(const proto::TxnRequest& req) {
    auto out = std::make_shared<std::optional<proto::TxnResponse>>();
    server_->Handle(req, [out](proto::TxnResponse r) { *out = std::move(r); });
    return out;
  }

 private:
  clock::ManualClock clock_;
  clock::TrueTime tt_;
  clock::Hlc hlc_;
  RangeMap map_;
  storage::MemEngine disk_;
  std::unique_ptr<storage::RangeReplica> replica_;
  std::unique_ptr<RangeTxnServer> server_;
  std::vector<std::pair<Timestamp, std::function<void()>>> timers_;
};

proto::TxnRequest Commit(const std::string& txn, int64_t priority, const std::string& key,
                         const std::string& value) {
  proto::TxnRequest r;
  r.set_op(proto::TxnRequest::COMMIT);
  r.set_range_id(1);
  r.set_txn_id(txn);
  *r.mutable_priority() = proto::ToProto(Timestamp{priority, 0});
  proto::KvWrite* w = r.add_writes();
  w->set_key(key);
  w->set_value(value);
  return r;
}

proto::TxnRequest Read(const std::string& txn, int64_t priority, const std::string& key) {
  proto::TxnRequest r;
  r.set_op(proto::TxnRequest::READ);
  r.set_range_id(1);
  r.set_txn_id(txn);
  *r.mutable_priority() = proto::ToProto(Timestamp{priority, 0});
  r.set_key(key);
  return r;
}

// A second copy of a COMMIT (a retry that crossed the original) arrives while the first is
// being replicated. It must not release the first's locks, and must not claim a definite
// failure: the first commits.
TEST(RangeTxnServerTest, SecondCopyOfACommitKeepsTheLocksAndSaysOutcomeUnknown) {
  OneNode n;
  auto first = n.Send(Commit("t1", 100, "k", "v1"));
  auto copy = n.Send(Commit("t1", 100, "k", "v1"));
  ASSERT_TRUE(copy->has_value());
  EXPECT_EQ((*copy)->code(), static_cast<int>(absl::StatusCode::kUnknown)) << (*copy)->message();
  // A younger reader must wait for t1's lock: it may not read "k" before t1's write lands.
  auto reader = n.Send(Read("t2", 200, "k"));
  EXPECT_FALSE(reader->has_value());
  for (int i = 0; i < 50 && !(first->has_value() && reader->has_value()); ++i) n.Tick();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->code(), 0) << (*first)->message();
  ASSERT_TRUE(reader->has_value());
  EXPECT_EQ((*reader)->code(), 0) << (*reader)->message();
  EXPECT_TRUE((*reader)->found());
  EXPECT_EQ((*reader)->value(), "v1");
}

// The commit is acknowledged only after commit wait, and its locks are held until then.
TEST(RangeTxnServerTest, CommitRepliesAfterCommitWait) {
  OneNode n;
  auto reply = n.Send(Commit("t1", 100, "k", "v1"));
  n.Drive();  // applied, but commit wait has not run
  EXPECT_FALSE(reply->has_value());
  for (int i = 0; i < 10 && !reply->has_value(); ++i) n.Tick();
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->code(), 0);
  EXPECT_GT((*reply)->timestamp().wall_ns(), 0);
}

}  // namespace
}  // namespace meridian::txn
