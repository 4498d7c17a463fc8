// RangeTxnServer on a one-voter range with a hand-driven Ready loop and host: the cases that
// need requests to cross each other at chosen moments.
#include "txn/range_txn_server.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  explicit OneNode(ScanFilterCompiler filters = {})
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
        RangeTxnServerOptions{.node_id = 1, .range_map = &map_, .scan_filters = std::move(filters)},
        replica_.get(), &tt_, &hlc_, this);
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

// Keeps rows whose value ends with the filter's bytes.
class SuffixFilter : public ScanFilter {
 public:
  explicit SuffixFilter(std::string suffix) : suffix_(std::move(suffix)) {}
  absl::StatusOr<bool> Keep(std::string_view, std::string_view value) override {
    if (value == "error") return absl::InvalidArgumentError("cannot evaluate");
    return value.size() >= suffix_.size() && value.substr(value.size() - suffix_.size()) == suffix_;
  }

 private:
  std::string suffix_;
};

// Scans every page of [a, b) with `filter` and `limit` per request, following resume keys.
std::vector<std::string> ScanAll(OneNode& n, const std::string& filter, int64_t limit,
                                 int* requests) {
  std::vector<std::string> keys;
  std::string from = "a";
  *requests = 0;
  while (true) {
    proto::TxnRequest r = Read("reader", 500, from);
    r.set_scan(true);
    r.set_end_key("b");
    r.set_limit(limit);
    r.set_filter(filter);
    auto reply = n.Send(r);
    for (int i = 0; i < 50 && !reply->has_value(); ++i) n.Tick();
    ++*requests;
    CHECK(reply->has_value());
    CHECK((*reply)->code() == 0) << (*reply)->message();
    for (const auto& k : (*reply)->keys()) keys.push_back(k);
    if ((*reply)->resume_key().empty()) break;
    from = (*reply)->resume_key();
  }
  return keys;
}

// Filtered scans return only what passes (and what cannot be evaluated), page by page,
// with resume keys that neither skip nor repeat rows; without a compiler the filter is
// ignored and every row comes back.
TEST(RangeTxnServerTest, ScanFiltersRunAtTheRange) {
  for (bool compile : {true, false}) {
    ScanFilterCompiler c;
    if (compile) {
      c = [](std::string_view f) -> absl::StatusOr<std::unique_ptr<ScanFilter>> {
        return std::make_unique<SuffixFilter>(std::string(f));
      };
    }
    OneNode n(c);
    proto::TxnRequest commit = Commit("w", 100, "a0000", "v0");
    commit.clear_writes();
    for (int i = 0; i < 2500; ++i) {
      proto::KvWrite* w = commit.add_writes();
      char key[16];
      snprintf(key, sizeof(key), "a%04d", i);
      w->set_key(key);
      w->set_value(i == 1234 ? "error" : "v" + std::to_string(i));
    }
    auto done = n.Send(commit);
    for (int i = 0; i < 50 && !done->has_value(); ++i) n.Tick();
    ASSERT_TRUE(done->has_value());
    ASSERT_EQ((*done)->code(), 0) << (*done)->message();

    std::vector<std::string> want;
    for (int i = 0; i < 2500; ++i) {
      if (!compile || i % 10 == 7 || i == 1234) {
        char key[16];
        snprintf(key, sizeof(key), "a%04d", i);
        want.push_back(key);
      }
    }
    int requests = 0;
    EXPECT_EQ(ScanAll(n, "7", 0, &requests), want) << compile;
    if (compile) EXPECT_EQ(requests, 3);  // 1,000 rows examined per request
    // A limit smaller than the matches of a page cuts the page and resumes after the cut.
    EXPECT_EQ(ScanAll(n, "7", 30, &requests), want) << compile;
    if (compile) EXPECT_GE(requests, 9);
  }
}

}  // namespace
}  // namespace meridian::txn
