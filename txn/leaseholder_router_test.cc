// LeaseholderRouter against scripted nodes on a ManualClock: hints, rotation, backoff and
// deadlines all run in simulated time, so every expectation about time is exact.
#include "txn/leaseholder_router.h"

#include <functional>
#include <map>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock/physical_clock.h"
#include "gtest/gtest.h"

namespace meridian::txn {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000'000;

proto::TxnResponse Answer(absl::StatusCode code, NodeId hint = 0) {
  proto::TxnResponse r;
  r.set_code(static_cast<int>(code));
  r.set_leader_hint(hint);
  if (code != absl::StatusCode::kOk) r.set_message(absl::StatusCodeToString(code));
  return r;
}

// Nodes 1, 2, 3. Each node answers through its behaviour (default: OK); every call is
// recorded with the timeout it was given. A call takes `latency` of the manual clock.
class ScriptedNodes : public TxnRpc {
 public:
  using Behaviour = std::function<absl::StatusOr<proto::TxnResponse>()>;

  explicit ScriptedNodes(clock::ManualClock* clock) : clock_(clock) {}

  std::vector<NodeId> Nodes() const override { return {3, 1, 2}; }  // any order
  absl::StatusOr<proto::TxnResponse> Txn(NodeId node, const proto::TxnRequest&,
                                         absl::Duration timeout) override {
    Behaviour b;
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back(node);
      timeouts_.push_back(timeout);
      if (auto it = behaviour_.find(node); it != behaviour_.end()) b = it->second;
    }
    clock_->Advance(absl::ToInt64Nanoseconds(latency));
    if (!b) return Answer(absl::StatusCode::kOk);
    return b();
  }
  absl::StatusOr<proto::KvResponse> Kv(NodeId node, const proto::KvRequest& request,
                                       absl::Duration timeout) override {
    proto::TxnRequest ignored;
    absl::StatusOr<proto::TxnResponse> t = Txn(node, ignored, timeout);
    if (!t.ok()) return t.status();
    proto::KvResponse r;
    r.set_code(t->code());
    r.set_message(t->message());
    r.set_leader_hint(t->leader_hint());
    return r;
  }

  void Set(NodeId node, Behaviour b) {
    absl::MutexLock lock(&mu_);
    behaviour_[node] = std::move(b);
  }
  std::vector<NodeId> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<absl::Duration> timeouts() {
    absl::MutexLock lock(&mu_);
    return timeouts_;
  }
  void ClearCalls() {
    absl::MutexLock lock(&mu_);
    calls_.clear();
    timeouts_.clear();
  }

  absl::Duration latency = absl::ZeroDuration();

 private:
  clock::ManualClock* const clock_;
  absl::Mutex mu_;
  std::map<NodeId, Behaviour> behaviour_ ABSL_GUARDED_BY(mu_);
  std::vector<NodeId> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> timeouts_ ABSL_GUARDED_BY(mu_);
};

ScriptedNodes::Behaviour Unavailable(NodeId hint = 0) {
  return [hint] { return Answer(absl::StatusCode::kUnavailable, hint); };
}
ScriptedNodes::Behaviour Fails(std::string message) {
  return
      [message]() -> absl::StatusOr<proto::TxnResponse> { return absl::UnavailableError(message); };
}

proto::TxnRequest Request(uint64_t range) {
  proto::TxnRequest r;
  r.set_op(proto::TxnRequest::READ);
  r.set_range_id(range);
  return r;
}

class LeaseholderRouterTest : public ::testing::Test {
 protected:
  int64_t Elapsed() { return clock_.NowNanos() - kStart; }

  clock::ManualClock clock_{kStart};
  ScriptedNodes nodes_{&clock_};
  LeaseholderRouter router_{&nodes_, &clock_,
                            LeaseholderRouterOptions{.backoff = absl::Milliseconds(20)}};
};

TEST_F(LeaseholderRouterTest, FollowsTheHintAtOnceAndRemembersTheLeaseholder) {
  nodes_.Set(1, Unavailable(/*hint=*/3));
  nodes_.Set(2, Unavailable(/*hint=*/3));
  Routed<proto::TxnResponse> r = router_.SendTxn(Request(5), {.first = 1});
  ASSERT_TRUE(r.response.ok()) << r.response.status();
  EXPECT_EQ(r.node, 3u);
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{1, 3}));
  EXPECT_EQ(Elapsed(), 0) << "a hint is followed without backoff";
  EXPECT_EQ(router_.Leaseholder(5), 3u);

  nodes_.ClearCalls();
  ASSERT_TRUE(router_.SendTxn(Request(5), {}).response.ok());
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{3})) << "the cache sends it straight there";
}

TEST_F(LeaseholderRouterTest, WithoutHintsTriesTheNextNodeAfterABackoff) {
  nodes_.Set(1, Fails("failed to connect to all addresses; Connection refused"));
  nodes_.Set(2, Unavailable());
  Routed<proto::TxnResponse> r = router_.SendTxn(Request(1), {.first = 1});
  ASSERT_TRUE(r.response.ok()) << r.response.status();
  EXPECT_EQ(r.node, 3u);
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(Elapsed(), absl::ToInt64Nanoseconds(absl::Milliseconds(40)));
}

TEST_F(LeaseholderRouterTest, RotationWrapsAroundFromTheLastNode) {
  nodes_.Set(3, Unavailable());
  nodes_.Set(2, Unavailable());
  Routed<proto::TxnResponse> r = router_.SendTxn(Request(1), {.first = 3});
  ASSERT_TRUE(r.response.ok());
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{3, 1}));
}

TEST_F(LeaseholderRouterTest, GivesUpAtTheDeadlineMeasuredOnTheInjectedClock) {
  for (NodeId n : {1, 2, 3}) nodes_.Set(n, Unavailable());
  nodes_.latency = absl::Milliseconds(5);
  Routed<proto::TxnResponse> r = router_.SendTxn(Request(7), {.timeout = absl::Seconds(1)});
  ASSERT_FALSE(r.response.ok());
  EXPECT_EQ(r.response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.response.status().message().find("range 7 has no reachable leaseholder"),
            std::string::npos)
      << r.response.status();
  // Each round is a 5 ms call plus a 20 ms backoff, so the 40th backoff ends exactly at the
  // deadline; one last call gets the 1 ms minimum and then the router gives up.
  EXPECT_EQ(nodes_.calls().size(), 41u);
  EXPECT_EQ(Elapsed(), absl::ToInt64Nanoseconds(absl::Seconds(1) + absl::Milliseconds(5)));
  // Each call gets the time left, never less than a millisecond.
  EXPECT_EQ(nodes_.timeouts().front(), absl::Seconds(1));
  EXPECT_EQ(nodes_.timeouts().back(), absl::Milliseconds(1));
}

TEST_F(LeaseholderRouterTest, StaleHintsPointingAtEachOtherDoNotSpin) {
  // Nodes 1 and 2 each think the other leads; node 3 is down. Following hints costs no
  // time, so without a bound this would loop forever on a manual clock.
  nodes_.Set(1, Unavailable(/*hint=*/2));
  nodes_.Set(2, Unavailable(/*hint=*/1));
  nodes_.Set(3, Fails("Connection refused"));
  Routed<proto::TxnResponse> r =
      router_.SendTxn(Request(1), {.first = 1, .timeout = absl::Milliseconds(100)});
  EXPECT_EQ(r.response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_GE(Elapsed(), absl::ToInt64Nanoseconds(absl::Milliseconds(100)));
  // At most one hop per node between backoffs: about 100 ms / 20 ms rounds of <= 4 calls.
  EXPECT_LE(nodes_.calls().size(), 6u * 4u);
}

TEST_F(LeaseholderRouterTest, AnAnswerThatIsNotUnavailableEndsRoutingErrorOrNot) {
  nodes_.Set(2, [] { return Answer(absl::StatusCode::kAborted); });
  Routed<proto::TxnResponse> r = router_.SendTxn(Request(1), {.first = 2});
  ASSERT_TRUE(r.response.ok());
  EXPECT_EQ(r.response->code(), static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_EQ(r.node, 2u);
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{2}));
}

TEST_F(LeaseholderRouterTest, AFailureAfterSendingIsNotRetriedWhenTheCallerSaysSo) {
  nodes_.Set(1, Fails("Connection reset by peer"));
  Routed<proto::TxnResponse> r =
      router_.SendTxn(Request(1), {.first = 1, .retry_after_send = false});
  EXPECT_TRUE(r.maybe_delivered);
  EXPECT_EQ(r.node, 1u);
  EXPECT_EQ(r.response.status().message(), "Connection reset by peer");
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{1}));

  // The same failure with retries allowed goes on to the next node.
  nodes_.ClearCalls();
  r = router_.SendTxn(Request(1), {.first = 1});
  EXPECT_FALSE(r.maybe_delivered);
  EXPECT_TRUE(r.response.ok());
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{1, 2}));

  // A failure to connect certainly did not arrive: retried even when retries after send
  // are not allowed.
  nodes_.ClearCalls();
  nodes_.Set(1, Fails("failed to connect to all addresses"));
  r = router_.SendTxn(Request(1), {.first = 1, .retry_after_send = false});
  EXPECT_FALSE(r.maybe_delivered);
  EXPECT_TRUE(r.response.ok());
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{1, 2}));
}

TEST_F(LeaseholderRouterTest, EachCallIsCappedByTheAttemptTimeout) {
  ASSERT_TRUE(
      router_
          .SendTxn(Request(1), {.timeout = absl::Seconds(20), .attempt_timeout = absl::Seconds(6)})
          .response.ok());
  EXPECT_EQ(nodes_.timeouts(), (std::vector<absl::Duration>{absl::Seconds(6)}));
}

TEST_F(LeaseholderRouterTest, OnlyLeaseholderAnswersTeachTheCache) {
  router_.NoteLeaseholder(4, 1);
  proto::KvRequest stale;
  stale.set_op(proto::KvRequest::GET);
  stale.set_range_id(4);
  stale.set_max_staleness_ms(10000);
  Routed<proto::KvResponse> r = router_.SendKv(stale, {.first = 3});
  ASSERT_TRUE(r.response.ok());
  EXPECT_EQ(r.node, 3u);
  EXPECT_EQ(router_.Leaseholder(4), 1u) << "a follower's stale read says nothing of the lease";

  proto::KvRequest strong = stale;
  strong.set_max_staleness_ms(0);
  r = router_.SendKv(strong, {.first = 3});
  ASSERT_TRUE(r.response.ok());
  EXPECT_EQ(router_.Leaseholder(4), 3u);
}

TEST_F(LeaseholderRouterTest, HintsTeachTheCacheEvenWhenRoutingFails) {
  nodes_.Set(1, Unavailable(/*hint=*/2));
  nodes_.Set(2, Fails("Connection refused"));
  nodes_.Set(3, Fails("Connection refused"));
  Routed<proto::TxnResponse> r =
      router_.SendTxn(Request(9), {.first = 1, .timeout = absl::Milliseconds(10)});
  EXPECT_FALSE(r.response.ok());
  EXPECT_EQ(router_.Leaseholder(9), 2u);
}

TEST_F(LeaseholderRouterTest, UnknownNodesAreNeverRemembered) {
  const NodeId before = router_.Leaseholder(2);
  router_.NoteLeaseholder(2, 0);
  router_.NoteLeaseholder(2, 42);
  EXPECT_EQ(router_.Leaseholder(2), before);
  nodes_.Set(1, Unavailable(/*hint=*/42));
  ASSERT_TRUE(router_.SendTxn(Request(2), {.first = 1}).response.ok());
  EXPECT_EQ(nodes_.calls(), (std::vector<NodeId>{1, 2})) << "a hint outside the cluster";
}

TEST_F(LeaseholderRouterTest, RangesStartSpreadOverTheNodes) {
  EXPECT_EQ(router_.nodes(), (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(router_.Leaseholder(0), 1u);
  EXPECT_EQ(router_.Leaseholder(1), 2u);
  EXPECT_EQ(router_.Leaseholder(2), 3u);
}

TEST(LeaseholderRouterKv, WhichReadsNeedTheLeaseholder) {
  proto::KvRequest r;
  r.set_op(proto::KvRequest::PUT);
  EXPECT_TRUE(LeaseholderRouter::NeedsLeaseholder(r));
  r.set_op(proto::KvRequest::GET);
  EXPECT_TRUE(LeaseholderRouter::NeedsLeaseholder(r));  // strong
  r.mutable_read_timestamp()->set_wall_ns(1);
  EXPECT_FALSE(LeaseholderRouter::NeedsLeaseholder(r));  // snapshot
  r.set_at_last_commit(true);
  EXPECT_TRUE(LeaseholderRouter::NeedsLeaseholder(r));
  proto::KvRequest stale;
  stale.set_op(proto::KvRequest::SCAN);
  stale.set_max_staleness_ms(5);
  EXPECT_FALSE(LeaseholderRouter::NeedsLeaseholder(stale));
}

}  // namespace
}  // namespace meridian::txn
