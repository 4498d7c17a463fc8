// Tests of the wound-wait lock table: one test per rule, and golden transcripts in testdata/
// (set MERIDIAN_REWRITE=1 to regenerate them, then read the diff). The randomized property
// test is in lock_table_property_test.cc.
#include "txn/lock_table.h"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "common/testing/transcript.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::txn {

// Readable failure messages (found by argument-dependent lookup).
void PrintTo(const Grant& g, std::ostream* os) {
  *os << "grant " << g.txn << " " << g.span.ToString() << " " << LockModeName(g.mode);
}
void PrintTo(const Wound& w, std::ostream* os) {
  *os << "wound " << w.victim << " by " << w.wounder;
}
void PrintTo(const LockInfo& l, std::ostream* os) {
  *os << l.txn << ":" << LockModeName(l.mode) << "@" << l.span.ToString()
      << (l.granted ? " held" : " waiting");
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr LockMode S = LockMode::kShared;
constexpr LockMode X = LockMode::kExclusive;

Timestamp Ts(int64_t wall_ns) { return Timestamp{wall_ns, 0}; }
LockSpan K(std::string_view key) { return LockSpan::Point(key); }

// Acquire that must not fail; returns the outcome and effects.
AcquireResult Must(LockTable& t, const TxnId& txn, int64_t ts, const LockSpan& span, LockMode mode,
                   Wounding wounding = Wounding::kImmediate) {
  absl::StatusOr<AcquireResult> r = t.Acquire(txn, Ts(ts), span, mode, wounding);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : AcquireResult{AcquireOutcome::kWaiting, {}};
}

LockEffects MustRelease(LockTable& t, const TxnId& txn) {
  absl::StatusOr<LockEffects> r = t.Release(txn);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : LockEffects{};
}

std::vector<std::string> HolderNames(const LockTable& t, std::string_view key) {
  std::vector<std::string> out;
  for (const LockInfo& l : t.Holders(key))
    out.push_back(absl::StrCat(l.txn, ":", LockModeName(l.mode)));
  return out;
}

std::vector<std::string> WaiterNames(const LockTable& t, std::string_view key) {
  std::vector<std::string> out;
  for (const LockInfo& l : t.Waiters(key))
    out.push_back(absl::StrCat(l.txn, ":", LockModeName(l.mode)));
  return out;
}

TEST(LockTableTest, SharedLocksAreCompatible) {
  LockTable t;
  AcquireResult a = Must(t, "t1", 5, K("k"), S);
  AcquireResult b = Must(t, "t2", 3, K("k"), S);
  AcquireResult c = Must(t, "t3", 9, K("k"), S);
  EXPECT_EQ(a.outcome, AcquireOutcome::kGranted);
  EXPECT_EQ(b.outcome, AcquireOutcome::kGranted);
  EXPECT_EQ(c.outcome, AcquireOutcome::kGranted);
  EXPECT_TRUE(a.effects.empty() && b.effects.empty() && c.effects.empty());
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("t1:S", "t2:S", "t3:S"));
  EXPECT_THAT(t.Waiters("k"), IsEmpty());
}

TEST(LockTableTest, ExclusiveConflictsWithEveryOtherMode) {
  LockTable t;
  EXPECT_EQ(Must(t, "old", 1, K("k"), X).outcome, AcquireOutcome::kGranted);
  EXPECT_EQ(Must(t, "young1", 5, K("k"), S).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "young2", 6, K("k"), X).outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("old:X"));
  EXPECT_THAT(WaiterNames(t, "k"), ElementsAre("young1:S", "young2:X"));
  // Other keys are independent.
  EXPECT_EQ(Must(t, "young2", 6, K("other"), X).outcome, AcquireOutcome::kGranted);
}

TEST(LockTableTest, YoungerWaitsBehindOlderWithoutWounds) {
  LockTable t;
  Must(t, "old", 1, K("k"), S);
  AcquireResult r = Must(t, "young", 2, K("k"), X);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(r.effects.empty());
  EXPECT_FALSE(t.IsWounded("old"));
  LockEffects e = MustRelease(t, "old");
  EXPECT_THAT(e.granted, ElementsAre(Grant{"young", K("k"), X}));
  EXPECT_THAT(e.wounded, IsEmpty());
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("young:X"));
}

TEST(LockTableTest, OlderWoundsYoungerHolderThenGetsTheLock) {
  LockTable t;
  Must(t, "young", 9, K("k"), X);
  Must(t, "young", 9, K("j"), S);
  AcquireResult r = Must(t, "old", 2, K("k"), S);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(r.effects.wounded, ElementsAre(Wound{"young", "old"}));
  EXPECT_THAT(r.effects.granted, IsEmpty());
  EXPECT_TRUE(t.IsWounded("young"));
  EXPECT_EQ(t.WoundedBy("young"), "old");
  // The victim keeps its locks until it releases; it may take no new ones.
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("young:X"));
  absl::StatusOr<AcquireResult> again = t.Acquire("young", Ts(9), K("z"), S);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetSqlState(again.status()), "40001");
  EXPECT_THAT(t.Holders("z"), IsEmpty());

  LockEffects e = MustRelease(t, "young");
  EXPECT_THAT(e.granted, ElementsAre(Grant{"old", K("k"), S}));
  EXPECT_FALSE(t.IsKnown("young"));
  // Restarted with the same priority it is a fresh attempt, and waits for the older one.
  AcquireResult retry = Must(t, "young", 9, K("k"), X);
  EXPECT_EQ(retry.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(retry.effects.empty());
}

TEST(LockTableTest, WoundReportedOnceAndWoundedQueuedRequestsAreDropped) {
  LockTable t;
  Must(t, "a", 1, K("k1"), X);
  Must(t, "c", 9, K("k2"), X);
  EXPECT_EQ(Must(t, "c", 9, K("k1"), X).outcome, AcquireOutcome::kWaiting);  // c waits for a
  AcquireResult r = Must(t, "b", 5, K("k2"), S);                             // b wounds c
  EXPECT_THAT(r.effects.wounded, ElementsAre(Wound{"c", "b"}));
  EXPECT_THAT(t.Waiters("k1"), IsEmpty());         // c's queued request is gone
  AcquireResult r2 = Must(t, "a", 1, K("k2"), S);  // c already wounded: no second report
  EXPECT_THAT(r2.effects.wounded, IsEmpty());
  EXPECT_EQ(r2.outcome, AcquireOutcome::kWaiting);
  // Releasing a grants nothing to c.
  EXPECT_THAT(MustRelease(t, "a").granted, IsEmpty());
}

TEST(LockTableTest, PreparedHolderIsNotWoundedAndOlderWaits) {
  LockTable t;
  Must(t, "young", 9, K("k"), X);
  ASSERT_TRUE(t.MarkPrepared("young").ok());
  EXPECT_TRUE(t.IsPrepared("young"));
  AcquireResult r = Must(t, "old", 1, K("k"), X);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(r.effects.wounded, IsEmpty());
  EXPECT_FALSE(t.IsWounded("young"));
  // A prepared txn takes no new locks.
  EXPECT_EQ(t.Acquire("young", Ts(9), K("other"), S).status().code(),
            absl::StatusCode::kFailedPrecondition);
  LockEffects e = MustRelease(t, "young");
  EXPECT_THAT(e.granted, ElementsAre(Grant{"old", K("k"), X}));
}

TEST(LockTableTest, MarkPreparedRefusesWoundedUnknownAndWaitingTxns) {
  LockTable t;
  EXPECT_EQ(t.MarkPrepared("nobody").code(), absl::StatusCode::kFailedPrecondition);
  Must(t, "young", 9, K("k"), X);
  Must(t, "old", 1, K("k"), X);  // wounds young
  absl::Status s = t.MarkPrepared("young");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetSqlState(s), "40001");
  EXPECT_EQ(t.MarkPrepared("old").code(), absl::StatusCode::kFailedPrecondition);  // waiting
  MustRelease(t, "young");
  EXPECT_TRUE(t.MarkPrepared("old").ok());
  EXPECT_TRUE(t.MarkPrepared("old").ok());  // idempotent
}

TEST(LockTableTest, UpgradeWithoutOtherHolders) {
  LockTable t;
  EXPECT_EQ(Must(t, "t1", 5, K("k"), S).outcome, AcquireOutcome::kGranted);
  AcquireResult r = Must(t, "t1", 5, K("k"), X);
  EXPECT_EQ(r.outcome, AcquireOutcome::kGranted);
  EXPECT_TRUE(r.effects.empty());
  EXPECT_THAT(t.LocksHeldBy("t1"), ElementsAre(LockInfo{"t1", K("k"), X, true}));
  // A weaker request under an exclusive lock is granted at once and changes nothing.
  EXPECT_EQ(Must(t, "t1", 5, K("k"), S).outcome, AcquireOutcome::kGranted);
  EXPECT_THAT(t.LocksHeldBy("t1"), ElementsAre(LockInfo{"t1", K("k"), X, true}));
}

TEST(LockTableTest, OlderUpgraderWoundsYoungerSharedHolder) {
  LockTable t;
  Must(t, "old", 1, K("k"), S);
  Must(t, "young", 7, K("k"), S);
  AcquireResult r = Must(t, "old", 1, K("k"), X);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(r.effects.wounded, ElementsAre(Wound{"young", "old"}));
  LockEffects e = MustRelease(t, "young");
  EXPECT_THAT(e.granted, ElementsAre(Grant{"old", K("k"), X}));
  EXPECT_THAT(t.LocksHeldBy("old"), ElementsAre(LockInfo{"old", K("k"), X, true}));
}

TEST(LockTableTest, YoungerUpgraderWaitsForOlderSharedHolder) {
  LockTable t;
  Must(t, "old", 1, K("k"), S);
  Must(t, "young", 7, K("k"), S);
  AcquireResult r = Must(t, "young", 7, K("k"), X);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(r.effects.empty());
  // It keeps its shared lock while it waits.
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("old:S", "young:S"));
  // Now both want to upgrade: the older one wounds the younger (no upgrade deadlock).
  AcquireResult r2 = Must(t, "old", 1, K("k"), X);
  EXPECT_EQ(r2.outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(r2.effects.wounded, ElementsAre(Wound{"young", "old"}));
  EXPECT_THAT(WaiterNames(t, "k"), ElementsAre("old:X"));
  EXPECT_THAT(MustRelease(t, "young").granted, ElementsAre(Grant{"old", K("k"), X}));
}

TEST(LockTableTest, SharedRequestBehindQueuedExclusiveWaits) {
  LockTable t;
  Must(t, "t1", 1, K("k"), S);
  EXPECT_EQ(Must(t, "t2", 2, K("k"), X).outcome, AcquireOutcome::kWaiting);
  // Compatible with the holder, but queued behind t2's X: FIFO, so the writer is not starved.
  AcquireResult r = Must(t, "t3", 3, K("k"), S);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(r.effects.empty());
  EXPECT_THAT(MustRelease(t, "t1").granted, ElementsAre(Grant{"t2", K("k"), X}));
  EXPECT_THAT(MustRelease(t, "t2").granted, ElementsAre(Grant{"t3", K("k"), S}));
}

TEST(LockTableTest, OlderRequestBehindYoungerConflictingWaiterWoundsIt) {
  LockTable t;
  Must(t, "t1", 1, K("k"), S);
  EXPECT_EQ(Must(t, "t5", 5, K("k"), X).outcome, AcquireOutcome::kWaiting);
  // t3 is older than the queued t5: it would wait for t5, so it wounds t5 instead and, with
  // t5's request gone, shares the lock with t1 at once.
  AcquireResult r = Must(t, "t3", 3, K("k"), S);
  EXPECT_EQ(r.outcome, AcquireOutcome::kGranted);
  EXPECT_THAT(r.effects.wounded, ElementsAre(Wound{"t5", "t3"}));
  EXPECT_THAT(r.effects.granted, IsEmpty());
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("t1:S", "t3:S"));
}

TEST(LockTableTest, DeferredRequestWaitsForYoungerHolderThatFinishes) {
  LockTable t;
  Must(t, "young", 9, K("k"), X);
  AcquireResult r = Must(t, "old", 2, K("k"), X, Wounding::kDeferred);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(r.effects.empty());
  EXPECT_FALSE(t.IsWounded("young"));
  // The younger holder commits in time: the older one gets the lock and nobody restarts.
  LockEffects e = MustRelease(t, "young");
  EXPECT_THAT(e.granted, ElementsAre(Grant{"old", K("k"), X}));
  EXPECT_THAT(e.wounded, IsEmpty());
}

TEST(LockTableTest, WoundBlockersDealsTheDeferredWoundsOnly) {
  LockTable t;
  Must(t, "oldest", 1, K("a"), X);
  Must(t, "young", 9, K("b"), X);
  Must(t, "prepared", 8, K("c"), X);
  ASSERT_TRUE(t.MarkPrepared("prepared").ok());
  Must(t, "queued", 6, K("d"), S);
  EXPECT_EQ(Must(t, "late", 7, K("d"), X).outcome, AcquireOutcome::kWaiting);  // late waits
  for (const char* key : {"a", "b", "c", "d"}) {
    EXPECT_EQ(Must(t, "mid", 5, K(key), X, Wounding::kDeferred).outcome, AcquireOutcome::kWaiting)
        << key;
  }
  EXPECT_FALSE(t.IsWounded("young"));
  EXPECT_FALSE(t.IsWounded("queued"));
  EXPECT_FALSE(t.IsWounded("late"));
  // mid waits for younger holders (young, queued) and a younger request queued before its
  // own (late). It wounds those, not the older holder nor the prepared one.
  LockEffects e = t.WoundBlockers("mid");
  EXPECT_THAT(e.wounded,
              ElementsAre(Wound{"young", "mid"}, Wound{"queued", "mid"}, Wound{"late", "mid"}));
  EXPECT_THAT(e.granted, IsEmpty());  // the victims still hold until they release
  EXPECT_THAT(WaiterNames(t, "d"), ElementsAre("mid:X"));
  EXPECT_THAT(MustRelease(t, "young").granted, ElementsAre(Grant{"mid", K("b"), X}));
  MustRelease(t, "late");
  EXPECT_THAT(MustRelease(t, "queued").granted, ElementsAre(Grant{"mid", K("d"), X}));
  // Nothing left to wound: a second call is a no-op, as for unknown transactions.
  EXPECT_TRUE(t.WoundBlockers("mid").empty());
  EXPECT_TRUE(t.WoundBlockers("nobody").empty());
}

TEST(LockTableTest, WoundBlockersGrantsWhatAQueuedVictimBlocked) {
  LockTable t;
  Must(t, "t1", 1, K("k"), S);
  EXPECT_EQ(Must(t, "t5", 5, K("k"), X).outcome, AcquireOutcome::kWaiting);
  // Deferred, t3 queues behind the younger queued t5 instead of wounding it.
  EXPECT_EQ(Must(t, "t3", 3, K("k"), S, Wounding::kDeferred).outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(WaiterNames(t, "k"), ElementsAre("t5:X", "t3:S"));
  // Wounding t5 drops its queued request, so t3 shares the lock with t1 at once.
  LockEffects e = t.WoundBlockers("t3");
  EXPECT_THAT(e.wounded, ElementsAre(Wound{"t5", "t3"}));
  EXPECT_THAT(e.granted, ElementsAre(Grant{"t3", K("k"), S}));
  EXPECT_THAT(HolderNames(t, "k"), ElementsAre("t1:S", "t3:S"));
}

TEST(LockTableTest, DeferredDeadlockIsBrokenByWoundBlockers) {
  LockTable t;
  Must(t, "old", 1, K("a"), X);
  Must(t, "young", 9, K("b"), X);
  EXPECT_EQ(Must(t, "old", 1, K("b"), X, Wounding::kDeferred).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "young", 9, K("a"), X).outcome, AcquireOutcome::kWaiting);
  // old waits for young and young for old: a cycle, until old's patience ends.
  EXPECT_FALSE(t.IsWounded("young"));
  LockEffects e = t.WoundBlockers("old");
  EXPECT_THAT(e.wounded, ElementsAre(Wound{"young", "old"}));
  EXPECT_THAT(t.Waiters("a"), IsEmpty());  // young's queued request was dropped
  EXPECT_THAT(MustRelease(t, "young").granted, ElementsAre(Grant{"old", K("b"), X}));
}

TEST(LockTableTest, ReleaseGrantsTheCompatiblePrefixInArrivalOrder) {
  LockTable t;
  Must(t, "t1", 1, K("k"), X);
  Must(t, "t2", 2, K("k"), S);
  Must(t, "t3", 3, K("k"), S);
  Must(t, "t4", 4, K("k"), X);
  Must(t, "t5", 5, K("k"), S);
  EXPECT_THAT(WaiterNames(t, "k"), ElementsAre("t2:S", "t3:S", "t4:X", "t5:S"));
  EXPECT_THAT(MustRelease(t, "t1").granted,
              ElementsAre(Grant{"t2", K("k"), S}, Grant{"t3", K("k"), S}));
  EXPECT_THAT(MustRelease(t, "t3").granted, IsEmpty());
  EXPECT_THAT(MustRelease(t, "t2").granted, ElementsAre(Grant{"t4", K("k"), X}));
  EXPECT_THAT(MustRelease(t, "t4").granted, ElementsAre(Grant{"t5", K("k"), S}));
  EXPECT_THAT(MustRelease(t, "t5").granted, IsEmpty());
  EXPECT_EQ(t.DebugString(), "empty");
}

TEST(LockTableTest, EqualPrioritiesAreOrderedByTxnId) {
  LockTable t;
  Must(t, "b", 4, K("k"), X);
  AcquireResult r = Must(t, "a", 4, K("k"), X);  // same timestamp, "a" < "b": a is older
  EXPECT_THAT(r.effects.wounded, ElementsAre(Wound{"b", "a"}));
  Must(t, "d", 4, K("j"), X);
  AcquireResult r2 = Must(t, "e", 4, K("j"), X);  // "e" > "d": e is younger and waits
  EXPECT_EQ(r2.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(r2.effects.empty());
}

TEST(LockTableTest, LogicalTimestampPartOrdersPriorities) {
  LockTable t;
  ASSERT_TRUE(t.Acquire("z", Timestamp{7, 2}, K("k"), X).ok());
  absl::StatusOr<AcquireResult> r = t.Acquire("y", Timestamp{7, 3}, K("k"), X);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->effects.empty());  // y (7,3) is younger than z (7,2) despite its id
}

TEST(LockTableTest, SpansConflictWithPointKeysInside) {
  LockTable t;
  EXPECT_EQ(Must(t, "scan", 1, LockSpan::Range("b", "d"), S).outcome, AcquireOutcome::kGranted);
  // Writes inside [b,d) wait for the older scan; "d" itself and "a" are outside.
  EXPECT_EQ(Must(t, "w1", 5, K("b"), X).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "w2", 6, K("c\xff"), X).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "w3", 7, K("d"), X).outcome, AcquireOutcome::kGranted);
  EXPECT_EQ(Must(t, "w4", 8, K("a"), X).outcome, AcquireOutcome::kGranted);
  // Reads inside are compatible with the scan, but FIFO behind w1's queued write.
  EXPECT_EQ(Must(t, "r", 9, K("b"), S).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "r2", 9, K("c"), S).outcome, AcquireOutcome::kGranted);
  EXPECT_THAT(HolderNames(t, "b"), ElementsAre("scan:S"));
  EXPECT_THAT(HolderNames(t, "c"), ElementsAre("scan:S", "r2:S"));
  EXPECT_THAT(MustRelease(t, "scan").granted,
              ElementsAre(Grant{"w1", K("b"), X}, Grant{"w2", K("c\xff"), X}));
  EXPECT_THAT(MustRelease(t, "w1").granted, ElementsAre(Grant{"r", K("b"), S}));
}

TEST(LockTableTest, OlderScanWoundsYoungerWriterInsideItsSpan) {
  LockTable t;
  Must(t, "w", 9, K("m"), X);
  Must(t, "w2", 9, K("z"), X);
  AcquireResult r = Must(t, "scan", 1, LockSpan::Range("a", "n"), S);
  EXPECT_EQ(r.outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(r.effects.wounded, ElementsAre(Wound{"w", "scan"}));
  EXPECT_FALSE(t.IsWounded("w2"));
  EXPECT_THAT(MustRelease(t, "w").granted,
              ElementsAre(Grant{"scan", LockSpan::Range("a", "n"), S}));
  // An exclusive span conflicts with shared point locks inside it.
  AcquireResult r2 = Must(t, "young", 20, LockSpan::Range("c", "e"), X);
  EXPECT_EQ(r2.outcome, AcquireOutcome::kWaiting);
  EXPECT_TRUE(r2.effects.empty());
}

TEST(LockTableTest, PointSpanAndPointKeyAreTheSame) {
  std::string end = "k";
  end.push_back('\0');
  LockSpan explicit_point = LockSpan::Range("k", end);
  EXPECT_TRUE(explicit_point.IsPoint());
  EXPECT_EQ(explicit_point, K("k"));
  EXPECT_FALSE(LockSpan::Range("k", "l").IsPoint());
  EXPECT_EQ(LockSpan::Range("a", "c").ToString(), "[a,c)");
  EXPECT_EQ(K(std::string("a\0b", 3)).ToString(), "a\\000b");
}

TEST(LockTableTest, BadUseGivesStatusesNotCrashes) {
  LockTable t;
  EXPECT_EQ(t.Release("ghost").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.Acquire("t1", Ts(1), LockSpan::Range("b", "a"), S).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Acquire("t1", Ts(1), LockSpan::Range("b", "b"), S).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(t.IsKnown("t1"));  // a failed Acquire leaves nothing behind
  Must(t, "t1", 1, K("k"), S);
  EXPECT_EQ(t.Acquire("t1", Ts(2), K("j"), S).status().code(),
            absl::StatusCode::kInvalidArgument);  // priority changed mid-transaction
  EXPECT_TRUE(t.Release("t1").ok());
  EXPECT_EQ(t.Release("t1").status().code(), absl::StatusCode::kNotFound);  // twice
  EXPECT_FALSE(t.IsWounded("ghost"));
  EXPECT_THAT(t.LocksHeldBy("ghost"), IsEmpty());
}

TEST(LockTableTest, DuplicateQueuedRequestIsQueuedOnce) {
  LockTable t;
  Must(t, "old", 1, K("k"), X);
  EXPECT_EQ(Must(t, "young", 5, K("k"), S).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "young", 5, K("k"), S).outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(WaiterNames(t, "k"), ElementsAre("young:S"));
  EXPECT_THAT(MustRelease(t, "old").granted, ElementsAre(Grant{"young", K("k"), S}));
}

TEST(LockTableTest, ClearReportsWhatEachTransactionMustDo) {
  LockTable t;
  Must(t, "holder", 5, K("a"), X);
  Must(t, "prep", 6, K("b"), X);
  ASSERT_TRUE(t.MarkPrepared("prep").ok());
  Must(t, "waiter", 7, K("a"), S);
  Must(t, "victim", 8, K("c"), S);
  Must(t, "killer", 1, K("c"), X);  // wounds victim; killer waits
  ClearedTxns c = t.Clear();
  EXPECT_THAT(c.aborted, ElementsAre("holder", "victim"));
  EXPECT_THAT(c.prepared, ElementsAre("prep"));
  EXPECT_THAT(c.unqueued, ElementsAre("killer", "waiter"));
  EXPECT_EQ(t.DebugString(), "empty");
  EXPECT_THAT(t.Requests(), IsEmpty());
  // The table works again from scratch, e.g. reinstating a prepared txn's locks.
  EXPECT_EQ(Must(t, "prep", 6, K("b"), X).outcome, AcquireOutcome::kGranted);
  EXPECT_TRUE(t.MarkPrepared("prep").ok());
}

TEST(LockTableTest, MultipleQueuedRequestsOfOneTxnAreGrantedIndependently) {
  LockTable t;
  Must(t, "h1", 1, K("a"), X);
  Must(t, "h2", 2, K("b"), X);
  EXPECT_EQ(Must(t, "w", 5, K("a"), X).outcome, AcquireOutcome::kWaiting);
  EXPECT_EQ(Must(t, "w", 5, K("b"), X).outcome, AcquireOutcome::kWaiting);
  EXPECT_THAT(MustRelease(t, "h2").granted, ElementsAre(Grant{"w", K("b"), X}));
  EXPECT_THAT(MustRelease(t, "h1").granted, ElementsAre(Grant{"w", K("a"), X}));
  EXPECT_THAT(t.LocksHeldBy("w"),
              ElementsAre(LockInfo{"w", K("a"), X, true}, LockInfo{"w", K("b"), X, true}));
}

// ---------------------------------------------------------------------------------------
// Golden transcripts. Commands:
//   acquire TXN ts=N KEY|[START,END) S|X
//   prepare TXN
//   release TXN
//   clear
//   print

LockSpan ParseSpan(const std::string& s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ')') {
    std::vector<std::string> parts = absl::StrSplit(s.substr(1, s.size() - 2), ',');
    if (parts.size() == 2) return LockSpan::Range(parts[0], parts[1]);
  }
  return K(s);
}

std::string StatusLine(const absl::Status& s) {
  std::string out = absl::StrCat("error ", absl::StatusCodeToString(s.code()), ": ", s.message());
  if (auto state = GetSqlState(s)) absl::StrAppend(&out, " (SQLSTATE ", *state, ")");
  return out;
}

std::string WithEffects(std::string head, const LockEffects& e) {
  if (!e.empty()) absl::StrAppend(&head, "\n", e.ToString());
  return head;
}

std::string RunCommand(LockTable& t, const std::string& line) {
  std::vector<std::string> a = absl::StrSplit(line, ' ', absl::SkipEmpty());
  const std::string& cmd = a[0];
  if (cmd == "acquire" && a.size() == 5 && a[2].rfind("ts=", 0) == 0) {
    absl::StatusOr<AcquireResult> r =
        t.Acquire(a[1], Ts(std::stoll(a[2].substr(3))), ParseSpan(a[3]), a[4] == "X" ? X : S);
    if (!r.ok()) return StatusLine(r.status());
    return WithEffects(r->outcome == AcquireOutcome::kGranted ? "granted" : "waiting", r->effects);
  }
  if (cmd == "prepare" && a.size() == 2) {
    absl::Status s = t.MarkPrepared(a[1]);
    return s.ok() ? "ok" : StatusLine(s);
  }
  if (cmd == "release" && a.size() == 2) {
    absl::StatusOr<LockEffects> r = t.Release(a[1]);
    if (!r.ok()) return StatusLine(r.status());
    return WithEffects("released", *r);
  }
  if (cmd == "clear") {
    ClearedTxns c = t.Clear();
    return absl::StrCat("aborted [", absl::StrJoin(c.aborted, " "), "] prepared [",
                        absl::StrJoin(c.prepared, " "), "] unqueued [",
                        absl::StrJoin(c.unqueued, " "), "]");
  }
  if (cmd == "print") return t.DebugString();
  return absl::StrCat("unknown command: ", line);
}

// Replays one file; returns its text with freshly computed outputs.
TEST(LockTableTranscriptTest, GoldenFiles) {
  meridian::testing::CheckTranscripts(LOCK_TABLE_TESTDATA_DIR, [] {
    auto table = std::make_shared<LockTable>();
    return [table](const std::string& line) { return RunCommand(*table, line); };
  });
}

}  // namespace
}  // namespace meridian::txn
