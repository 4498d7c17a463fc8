#include "txn/txn_locks.h"

#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::txn {
namespace {

constexpr int64_t kSec = 1'000'000'000;

Timestamp Ts(int64_t w) { return Timestamp{w, 0}; }

TEST(TxnLocksTest, WoundReleasesVictimAtOnceAndRemembersIt) {
  TxnLocks locks;
  ASSERT_EQ(*locks.Acquire("young", Ts(20), LockSpan::Point("k"), LockMode::kShared, 0),
            AcquireOutcome::kGranted);
  // The older writer wounds the younger reader; the lock passes to it at once.
  ASSERT_EQ(*locks.Acquire("old", Ts(10), LockSpan::Point("k"), LockMode::kExclusive, 0),
            AcquireOutcome::kGranted);
  EXPECT_TRUE(locks.Holds("old", LockSpan::Point("k"), LockMode::kExclusive));
  absl::Status s = locks.CheckAlive("young");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetSqlState(s), "40001");
  // Its later requests fail too, and so does its commit-time check.
  EXPECT_FALSE(locks.Acquire("young", Ts(20), LockSpan::Point("j"), LockMode::kShared, 0).ok());
  EXPECT_FALSE(locks.CheckHeld("young", {LockSpan::Point("k")}).ok());
}

TEST(TxnLocksTest, YoungerWaitsForOlder) {
  TxnLocks locks;
  ASSERT_EQ(*locks.Acquire("old", Ts(10), LockSpan::Point("k"), LockMode::kExclusive, 0),
            AcquireOutcome::kGranted);
  ASSERT_EQ(*locks.Acquire("young", Ts(20), LockSpan::Point("k"), LockMode::kShared, 0),
            AcquireOutcome::kWaiting);
  EXPECT_FALSE(locks.Holds("young", LockSpan::Point("k"), LockMode::kShared));
  locks.Finish("old");
  EXPECT_TRUE(locks.Holds("young", LockSpan::Point("k"), LockMode::kShared));
  EXPECT_TRUE(locks.CheckHeld("young", {LockSpan::Point("k")}).ok());
}

// A waiter is named by TakeWoken exactly when its wait may have ended: its request granted,
// or it was aborted. Bystanders are not named.
TEST(TxnLocksTest, TakeWokenNamesTheTransactionsWhoseWaitsMayHaveEnded) {
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  TxnLocks locks;
  const LockSpan k = LockSpan::Point("k");
  ASSERT_EQ(*locks.Acquire("t1", Ts(10), k, LockMode::kExclusive, 0), AcquireOutcome::kGranted);
  ASSERT_EQ(*locks.Acquire("t2", Ts(20), k, LockMode::kExclusive, 0), AcquireOutcome::kWaiting);
  ASSERT_EQ(*locks.Acquire("t3", Ts(30), k, LockMode::kExclusive, 0), AcquireOutcome::kWaiting);
  ASSERT_EQ(*locks.Acquire("other", Ts(40), LockSpan::Point("j"), LockMode::kShared, 0),
            AcquireOutcome::kGranted);
  EXPECT_THAT(locks.TakeWoken(), IsEmpty());
  // t1 finishes: t2 is granted; t3 still waits and is not named.
  locks.Finish("t1");
  EXPECT_THAT(locks.TakeWoken(), ElementsAre("t1", "t2"));
  EXPECT_THAT(locks.TakeWoken(), IsEmpty());
  // An older request wounds the holder t2 and the waiter t3: both are named, and so is t0,
  // whose request the victims' release granted.
  ASSERT_EQ(*locks.Acquire("t0", Ts(5), k, LockMode::kExclusive, 0), AcquireOutcome::kGranted);
  EXPECT_THAT(locks.TakeWoken(), ElementsAre("t0", "t2", "t3"));
  // A silent transaction's abort names it.
  locks.ExpireIdle(10 * kSec);
  std::vector<TxnId> expired = locks.TakeWoken();
  EXPECT_THAT(expired, ElementsAre("other", "t0"));
  // A reset names every transaction that lost a lock or a queued request.
  ASSERT_EQ(*locks.Acquire("a", Ts(50), k, LockMode::kExclusive, 11 * kSec),
            AcquireOutcome::kGranted);
  ASSERT_EQ(*locks.Acquire("b", Ts(60), k, LockMode::kExclusive, 11 * kSec),
            AcquireOutcome::kWaiting);
  EXPECT_THAT(locks.TakeWoken(), IsEmpty());
  locks.Reset(11 * kSec);
  EXPECT_THAT(locks.TakeWoken(), ElementsAre("a", "b"));
}

TEST(TxnLocksTest, PreparedCannotBeWounded) {
  TxnLocks locks;
  ASSERT_TRUE(locks.Acquire("young", Ts(20), LockSpan::Point("k"), LockMode::kExclusive, 0).ok());
  ASSERT_TRUE(locks.MarkPrepared("young").ok());
  EXPECT_EQ(*locks.Acquire("old", Ts(10), LockSpan::Point("k"), LockMode::kShared, 0),
            AcquireOutcome::kWaiting);
  EXPECT_TRUE(locks.CheckAlive("young").ok());
}

TEST(TxnLocksTest, SilentTransactionsExpireButPreparedOnesDoNot) {
  TxnLocks locks(TxnLocksOptions{.heartbeat_timeout_ns = 5 * kSec});
  ASSERT_TRUE(locks.Acquire("idle", Ts(1), LockSpan::Point("a"), LockMode::kShared, 0).ok());
  ASSERT_TRUE(locks.Acquire("beating", Ts(2), LockSpan::Point("b"), LockMode::kShared, 0).ok());
  ASSERT_TRUE(locks.Acquire("prep", Ts(3), LockSpan::Point("c"), LockMode::kExclusive, 0).ok());
  ASSERT_TRUE(locks.MarkPrepared("prep").ok());
  locks.Heartbeat("beating", 4 * kSec);
  EXPECT_TRUE(locks.ExpireIdle(4 * kSec).empty());
  EXPECT_EQ(locks.ExpireIdle(6 * kSec), std::vector<TxnId>{"idle"});
  EXPECT_FALSE(locks.CheckAlive("idle").ok());
  EXPECT_TRUE(locks.CheckAlive("beating").ok());
  EXPECT_TRUE(locks.Holds("prep", LockSpan::Point("c"), LockMode::kExclusive));
  // The freed lock is available to others.
  EXPECT_EQ(*locks.Acquire("next", Ts(9), LockSpan::Point("a"), LockMode::kExclusive, 6 * kSec),
            AcquireOutcome::kGranted);
}

TEST(TxnLocksTest, LeaseChangeAbortsHoldersAndReinstatesPrepared) {
  TxnLocks locks;
  ASSERT_TRUE(locks.Acquire("reader", Ts(1), LockSpan::Point("a"), LockMode::kShared, 0).ok());
  std::vector<TxnId> aborted = locks.Reset(0);
  EXPECT_EQ(aborted, std::vector<TxnId>{"reader"});
  EXPECT_FALSE(locks.CheckHeld("reader", {LockSpan::Point("a")}).ok());
  // A new leaseholder: the prepared transaction's locks come back from its record.
  ASSERT_TRUE(locks.Reinstate("prep", Ts(5), {"w"}, {LockSpan::Range("a", "c")}, 0).ok());
  EXPECT_TRUE(locks.Holds("prep", LockSpan::Point("w"), LockMode::kExclusive));
  EXPECT_TRUE(locks.Holds("prep", LockSpan::Point("b"), LockMode::kShared));
  // An older writer cannot wound it: it waits.
  EXPECT_EQ(*locks.Acquire("old", Ts(1), LockSpan::Point("b"), LockMode::kExclusive, 0),
            AcquireOutcome::kWaiting);
}

TEST(TxnLocksTest, CheckHeldNeedsEverySpan) {
  TxnLocks locks;
  ASSERT_TRUE(locks.Acquire("t", Ts(1), LockSpan::Range("a", "m"), LockMode::kShared, 0).ok());
  EXPECT_TRUE(locks.CheckHeld("t", {LockSpan::Point("b"), LockSpan::Range("c", "d")}).ok());
  EXPECT_FALSE(locks.CheckHeld("t", {LockSpan::Point("z")}).ok());
  EXPECT_FALSE(locks.CheckHeld("stranger", {LockSpan::Point("b")}).ok());
}

}  // namespace
}  // namespace meridian::txn
