// Direct tests of the pure TxnCommit state machine: which requests each step sends, what
// the answers make of them, and which failure decides the result.
#include "txn/txn_commit.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/timestamp_convert.h"

namespace meridian::txn {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Op = proto::TxnRequest;

constexpr char kTxn[] = "c1-7";
const Timestamp kPriority{1000, 3};

proto::KvWrite Write(const std::string& key, const std::string& value) {
  proto::KvWrite w;
  w.set_key(key);
  w.set_value(value);
  return w;
}

CommitPart Writes(std::vector<std::string> keys) {
  CommitPart p;
  for (const std::string& k : keys) p.writes.push_back(Write(k, "v-" + k));
  return p;
}

CommitPart Reads(std::vector<LockSpan> spans) {
  CommitPart p;
  p.reads = std::move(spans);
  return p;
}

// A successful answer at wall time `ts`, with a lock epoch if given.
absl::StatusOr<proto::TxnResponse> Ok(int64_t ts, const std::string& epoch = "") {
  proto::TxnResponse r;
  *r.mutable_timestamp() = proto::ToProto(Timestamp{ts, 0});
  r.set_lock_epoch(epoch);
  return r;
}

// A read-only participant's PREPARE answer: prepared at `ts`, holding until `until`.
absl::StatusOr<proto::TxnResponse> Held(int64_t ts, int64_t until) {
  absl::StatusOr<proto::TxnResponse> r = Ok(ts);
  *r->mutable_hold_until() = proto::ToProto(Timestamp{until, 0});
  return r;
}

// A node's error answer.
absl::StatusOr<proto::TxnResponse> Error(absl::StatusCode code, const std::string& message) {
  proto::TxnResponse r;
  r.set_code(static_cast<int>(code));
  r.set_message(message);
  return r;
}

// The (range, op) pairs of `sends`, for compact expectations.
std::vector<std::pair<uint64_t, Op::Op>> Targets(const std::vector<CommitSend>& sends) {
  std::vector<std::pair<uint64_t, Op::Op>> out;
  for (const CommitSend& s : sends) out.emplace_back(s.request.range_id(), s.request.op());
  return out;
}

// Feeds one answer per send (by range) and returns the next step's sends.
std::vector<CommitSend> AnswerAll(TxnCommit& c, const std::vector<CommitSend>& sends,
                                  std::map<uint64_t, absl::StatusOr<proto::TxnResponse>> answers) {
  std::vector<CommitSend> next;
  for (const CommitSend& s : sends) {
    auto it = answers.find(s.request.range_id());
    EXPECT_NE(it, answers.end()) << "no answer for range " << s.request.range_id();
    if (it == answers.end()) continue;
    for (CommitSend& n : c.OnAnswer(s.request.range_id(), it->second)) next.push_back(std::move(n));
  }
  return next;
}

TEST(TxnCommitTest, NothingReadOrWrittenIsDoneAtOnce) {
  TxnCommit c(kTxn, kPriority, {}, {}, false);
  EXPECT_THAT(c.Start(), IsEmpty());
  ASSERT_TRUE(c.done());
  ASSERT_TRUE(c.result().ok());
  EXPECT_EQ(*c.result(), Timestamp::Min());
  EXPECT_EQ(c.coordinator(), 0u);
}

TEST(TxnCommitTest, ReadsOnlyReleaseEveryRangeAndTakeTheLatestTimestamp) {
  TxnCommit c(kTxn, kPriority,
              {{1, Reads({LockSpan::Point("a")})}, {2, Reads({LockSpan::Range("m", "p")})}},
              {{1, "e1"}}, false);
  std::vector<CommitSend> sends = c.Start();
  EXPECT_THAT(Targets(sends), ElementsAre(std::pair{1ul, Op::COMMIT}, std::pair{2ul, Op::COMMIT}));
  for (const CommitSend& s : sends) {
    EXPECT_TRUE(s.retry_after_send);  // no writes: repeating the check is harmless
    EXPECT_FALSE(s.best_effort);
    EXPECT_EQ(s.request.writes_size(), 0);
    EXPECT_EQ(s.request.coordinator_range(), 0u);
  }
  EXPECT_EQ(sends[0].request.lock_epoch(), "e1");
  EXPECT_EQ(sends[1].request.lock_epoch(), "");
  EXPECT_THAT(sends[1].request.read_starts(), ElementsAre("m"));
  EXPECT_THAT(sends[1].request.read_ends(), ElementsAre("p"));

  EXPECT_THAT(c.OnAnswer(2, Ok(70)), IsEmpty());
  EXPECT_FALSE(c.done());  // range 1 has not answered
  EXPECT_THAT(c.OnAnswer(1, Ok(50)), IsEmpty());
  ASSERT_TRUE(c.done());
  ASSERT_TRUE(c.result().ok());
  EXPECT_EQ(*c.result(), (Timestamp{70, 0}));
}

TEST(TxnCommitTest, ReadsOnlyFailureIsTheResult) {
  TxnCommit c(kTxn, kPriority, {{1, Reads({LockSpan::Point("a")})}}, {}, false);
  std::vector<CommitSend> sends = c.Start();
  EXPECT_THAT(AnswerAll(c, sends, {{1, Error(absl::StatusCode::kAborted, "lost a lock")}}),
              IsEmpty());
  ASSERT_TRUE(c.done());
  EXPECT_EQ(c.result().status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetSqlState(c.result().status()), "40001");
}

TEST(TxnCommitTest, OneRangeCommitsWithOneRequestThatIsNeverResent) {
  CommitPart part = Writes({"a", "b"});
  part.reads = {LockSpan::Point("z")};
  TxnCommit c(kTxn, kPriority, {{4, part}}, {{4, "e4"}}, false);
  EXPECT_EQ(c.coordinator(), 4u);
  std::vector<CommitSend> sends = c.Start();
  ASSERT_THAT(Targets(sends), ElementsAre(std::pair{4ul, Op::COMMIT}));
  const proto::TxnRequest& r = sends[0].request;
  EXPECT_FALSE(sends[0].retry_after_send);  // a resent commit could apply twice: 40003
  EXPECT_EQ(r.txn_id(), kTxn);
  EXPECT_EQ(proto::FromProto(r.priority()), kPriority);
  EXPECT_EQ(r.lock_epoch(), "e4");
  ASSERT_EQ(r.writes_size(), 2);
  EXPECT_EQ(r.writes(0).key(), "a");
  EXPECT_EQ(r.writes(1).value(), "v-b");
  EXPECT_THAT(r.read_starts(), ElementsAre("z"));

  proto::TxnResponse answer = *Ok(99);
  answer.set_commit_wait_us(1234);
  EXPECT_THAT(c.OnAnswer(4, answer), IsEmpty());
  ASSERT_TRUE(c.done());
  ASSERT_TRUE(c.result().ok());
  EXPECT_EQ(*c.result(), (Timestamp{99, 0}));
  ASSERT_TRUE(c.committed_response().has_value());
  EXPECT_EQ(c.committed_response()->commit_wait_us(), 1234);
}

// A commit whose command may or may not have applied is 40003, never 40001: the client
// must not retry it blindly.
TEST(TxnCommitTest, OneRangeOutcomeUnknownIs40003) {
  for (absl::StatusCode code : {absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kUnknown}) {
    TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}}, {}, false);
    std::vector<CommitSend> sends = c.Start();
    EXPECT_THAT(AnswerAll(c, sends, {{1, Error(code, "no idea")}}), IsEmpty());
    ASSERT_TRUE(c.done());
    EXPECT_EQ(c.result().status().code(), absl::StatusCode::kUnknown) << code;
    EXPECT_EQ(GetSqlState(c.result().status()), "40003") << code;
    EXPECT_FALSE(c.committed_response().has_value());
  }
}

TEST(TxnCommitTest, OneRangeCallFailureAndDefiniteErrorsAreTheResult) {
  {
    // The driver already turned a call that may have landed into 40003; it passes through.
    TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}}, {}, false);
    absl::Status lost = WithSqlState(absl::UnknownError("connection reset"), "40003");
    EXPECT_THAT(AnswerAll(c, c.Start(), {{1, lost}}), IsEmpty());
    EXPECT_EQ(c.result().status(), lost);
  }
  {
    // A restart: the range released the locks itself, so nothing else is sent.
    TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}}, {}, false);
    EXPECT_THAT(AnswerAll(c, c.Start(), {{1, Error(absl::StatusCode::kAborted, "wounded")}}),
                IsEmpty());
    EXPECT_EQ(GetSqlState(c.result().status()), "40001");
  }
  {
    TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}}, {}, false);
    EXPECT_THAT(AnswerAll(c, c.Start(), {{1, Error(absl::StatusCode::kInvalidArgument, "bad")}}),
                IsEmpty());
    EXPECT_EQ(c.result().status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(c.result().status().message(), "bad");
  }
}

// LOCK at every range, then PREPARE at every range but the coordinator (the first range
// with writes), then DECIDE at the coordinator at or above every prepare timestamp.
TEST(TxnCommitTest, TwoPhaseCommitLocksPreparesAndDecides) {
  TxnCommit c(kTxn, kPriority,
              {{1, Reads({LockSpan::Point("a")})}, {2, Writes({"m"})}, {3, Writes({"x", "y"})}},
              {{1, "e1"}}, false);
  EXPECT_EQ(c.coordinator(), 2u);
  EXPECT_EQ(c.participants(), 3u);
  EXPECT_THAT(c.ranges(), ElementsAre(1, 2, 3));

  // Only the ranges written lock: range 1 holds its read locks since the reads.
  std::vector<CommitSend> lock = c.Start();
  ASSERT_THAT(Targets(lock), ElementsAre(std::pair{2ul, Op::LOCK}, std::pair{3ul, Op::LOCK}));
  for (const CommitSend& s : lock) {
    EXPECT_TRUE(s.retry_after_send);
    EXPECT_EQ(s.request.coordinator_range(), 2u);
  }
  EXPECT_FALSE(c.preparing());

  // Ranges first locked at LOCK time report their epochs; prepares carry them.
  std::vector<CommitSend> prepare = AnswerAll(c, lock, {{2, Ok(1, "e2")}, {3, Ok(1, "e3")}});
  ASSERT_THAT(Targets(prepare),
              ElementsAre(std::pair{1ul, Op::PREPARE}, std::pair{3ul, Op::PREPARE}));
  EXPECT_TRUE(c.preparing());
  EXPECT_EQ(prepare[0].request.lock_epoch(), "e1");
  EXPECT_EQ(prepare[0].request.writes_size(), 0);  // read-only: no Paxos round there
  EXPECT_EQ(prepare[0].request.read_starts_size(), 1);
  EXPECT_EQ(prepare[1].request.lock_epoch(), "e3");
  EXPECT_EQ(prepare[1].request.writes_size(), 2);
  EXPECT_TRUE(prepare[0].retry_after_send);  // a repeated PREPARE answers from its record

  // Range 1 holds its read locks until 900: the commit must land below that.
  std::vector<CommitSend> decide = AnswerAll(c, prepare, {{1, Held(40, 900)}, {3, Ok(55)}});
  ASSERT_THAT(Targets(decide), ElementsAre(std::pair{2ul, Op::DECIDE}));
  EXPECT_FALSE(c.preparing());
  const proto::TxnRequest& d = decide[0].request;
  EXPECT_TRUE(decide[0].retry_after_send);  // DECIDE is idempotent at the coordinator
  EXPECT_EQ(proto::FromProto(d.min_commit_timestamp()), (Timestamp{55, 0}));
  EXPECT_EQ(proto::FromProto(d.commit_before()), (Timestamp{900, 0}));
  // Only range 3 has a prepare record to resolve; range 1 is released after commit wait.
  EXPECT_THAT(d.participants(), ElementsAre(3));
  EXPECT_THAT(d.release_ranges(), ElementsAre(1));
  EXPECT_EQ(d.lock_epoch(), "e2");
  ASSERT_EQ(d.writes_size(), 1);
  EXPECT_EQ(d.writes(0).key(), "m");

  EXPECT_THAT(AnswerAll(c, decide, {{2, Ok(60)}}), IsEmpty());
  ASSERT_TRUE(c.done());
  ASSERT_TRUE(c.result().ok());
  EXPECT_EQ(*c.result(), (Timestamp{60, 0}));
  ASSERT_TRUE(c.committed_response().has_value());
}

// One range written, others only read: the read-only prepares take no Paxos round, and the
// written range commits in one round (COMMIT, no decision record) below the earliest hold.
TEST(TxnCommitTest, OneRangeWrittenCommitsInOneRoundBelowTheReadHolds) {
  TxnCommit c(
      kTxn, kPriority,
      {{1, Reads({LockSpan::Point("a")})}, {2, Writes({"m"})}, {3, Reads({LockSpan{"x", "z"}})}},
      {{1, "e1"}, {2, "e2"}, {3, "e3"}}, /*all_writes_locked=*/true);
  std::vector<CommitSend> prepare = c.Start();
  ASSERT_THAT(Targets(prepare),
              ElementsAre(std::pair{1ul, Op::PREPARE}, std::pair{3ul, Op::PREPARE}));
  std::vector<CommitSend> commit = AnswerAll(c, prepare, {{1, Held(40, 900)}, {3, Held(70, 800)}});
  ASSERT_THAT(Targets(commit), ElementsAre(std::pair{2ul, Op::COMMIT}));
  const proto::TxnRequest& r = commit[0].request;
  EXPECT_FALSE(commit[0].retry_after_send);  // a COMMIT that may have landed is 40003
  EXPECT_EQ(proto::FromProto(r.min_commit_timestamp()), (Timestamp{70, 0}));
  EXPECT_EQ(proto::FromProto(r.commit_before()), (Timestamp{800, 0}));
  EXPECT_THAT(r.participants(), IsEmpty());
  EXPECT_THAT(r.release_ranges(), ElementsAre(1, 3));
  ASSERT_EQ(r.writes_size(), 1);
  EXPECT_THAT(AnswerAll(c, commit, {{2, Ok(85)}}), IsEmpty());
  ASSERT_TRUE(c.result().ok());
  EXPECT_EQ(*c.result(), (Timestamp{85, 0}));
}

// Bounds from outside (a descriptor lease) narrow the holds' window, or make one of their
// own for a commit at one range.
TEST(TxnCommitTest, OutsideBoundsGoWithTheCommitOrDecide) {
  TxnCommit one(kTxn, kPriority, {{2, Writes({"m"})}}, {}, false,
                CommitBounds{.at_least = Timestamp{50, 0}, .before = Timestamp{600, 0}});
  std::vector<CommitSend> commit = one.Start();
  ASSERT_THAT(Targets(commit), ElementsAre(std::pair{2ul, Op::COMMIT}));
  EXPECT_EQ(proto::FromProto(commit[0].request.min_commit_timestamp()), (Timestamp{50, 0}));
  EXPECT_EQ(proto::FromProto(commit[0].request.commit_before()), (Timestamp{600, 0}));
  EXPECT_FALSE(commit[0].retry_after_send);

  TxnCommit two(kTxn, kPriority,
                {{1, Writes({"a"})}, {2, Writes({"m"})}, {3, Reads({LockSpan::Point("x")})}}, {},
                /*all_writes_locked=*/false,
                CommitBounds{.at_least = Timestamp{90, 0}, .before = Timestamp{700, 0}});
  std::vector<CommitSend> lock = two.Start();
  std::vector<CommitSend> prepare = AnswerAll(two, lock, {{1, Ok(10)}, {2, Ok(10)}});
  std::vector<CommitSend> decide = AnswerAll(two, prepare, {{2, Ok(60)}, {3, Held(40, 800)}});
  ASSERT_THAT(Targets(decide), ElementsAre(std::pair{1ul, Op::DECIDE}));
  EXPECT_EQ(proto::FromProto(decide[0].request.min_commit_timestamp()), (Timestamp{90, 0}));
  EXPECT_EQ(proto::FromProto(decide[0].request.commit_before()), (Timestamp{700, 0}));
}

// The COMMIT certainly failed (it would not fit below a hold): the ranges only read are
// released at once. Its outcome unknown: nothing is released (the holds run out).
TEST(TxnCommitTest, OneRangeWrittenFailureReleasesTheReadOnlyRanges) {
  auto start = [] {
    auto c = std::make_unique<TxnCommit>(
        kTxn, kPriority,
        std::map<uint64_t, CommitPart>{{1, Reads({LockSpan::Point("a")})}, {2, Writes({"m"})}},
        std::map<uint64_t, std::string>{{1, "e1"}}, false);
    std::vector<CommitSend> lock = c->Start();
    EXPECT_THAT(Targets(lock), ElementsAre(std::pair{2ul, Op::LOCK}));
    std::vector<CommitSend> prepare = AnswerAll(*c, lock, {{2, Ok(1, "e2")}});
    EXPECT_THAT(Targets(prepare), ElementsAre(std::pair{1ul, Op::PREPARE}));
    std::vector<CommitSend> commit = AnswerAll(*c, prepare, {{1, Held(40, 900)}});
    EXPECT_THAT(Targets(commit), ElementsAre(std::pair{2ul, Op::COMMIT}));
    return std::pair{std::move(c), commit};
  };
  {
    auto [c, commit] = start();
    std::vector<CommitSend> aborts =
        AnswerAll(*c, commit, {{2, Error(absl::StatusCode::kAborted, "ran out of time")}});
    ASSERT_THAT(Targets(aborts),
                ElementsAre(std::pair{1ul, Op::RESOLVE}, std::pair{2ul, Op::ROLLBACK}));
    EXPECT_TRUE(aborts[0].best_effort);
    EXPECT_FALSE(aborts[0].request.commit());
    EXPECT_EQ(GetSqlState(c->result().status()), "40001");
  }
  {
    auto [c, commit] = start();
    EXPECT_THAT(AnswerAll(*c, commit, {{2, Error(absl::StatusCode::kDeadlineExceeded, "slow")}}),
                IsEmpty());
    EXPECT_EQ(GetSqlState(c->result().status()), "40003");
  }
}

// When for_update reads locked every written key, the LOCK round is skipped.
TEST(TxnCommitTest, SkipsLockWhenForUpdateReadsLockedEveryWrite) {
  TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}, {2, Writes({"m"})}}, {{1, "e1"}, {2, "e2"}},
              /*all_writes_locked=*/true);
  std::vector<CommitSend> prepare = c.Start();
  ASSERT_THAT(Targets(prepare), ElementsAre(std::pair{2ul, Op::PREPARE}));
  EXPECT_TRUE(c.preparing());
  EXPECT_EQ(prepare[0].request.lock_epoch(), "e2");
  std::vector<CommitSend> decide = AnswerAll(c, prepare, {{2, Ok(10)}});
  ASSERT_THAT(Targets(decide), ElementsAre(std::pair{1ul, Op::DECIDE}));
  EXPECT_EQ(proto::FromProto(decide[0].request.min_commit_timestamp()), (Timestamp{10, 0}));
}

// A failure before DECIDE aborts everywhere, fire and forget: ROLLBACK at the coordinator,
// an aborting RESOLVE at every other range (one that prepared must log the abort).
void ExpectAbortsEverywhere(const std::vector<CommitSend>& aborts, uint64_t coordinator,
                            std::vector<uint64_t> ranges) {
  ASSERT_EQ(aborts.size(), ranges.size());
  for (size_t i = 0; i < aborts.size(); ++i) {
    const CommitSend& s = aborts[i];
    EXPECT_EQ(s.request.range_id(), ranges[i]);
    EXPECT_TRUE(s.best_effort);
    EXPECT_TRUE(s.retry_after_send);
    EXPECT_EQ(s.request.txn_id(), kTxn);
    EXPECT_FALSE(s.request.commit());
    EXPECT_EQ(s.request.op(), ranges[i] == coordinator ? Op::ROLLBACK : Op::RESOLVE);
  }
}

// In one round, a restart (40001) wins over other failures, since the client can then
// retry the whole transaction; among other failures, the first range's wins.
TEST(TxnCommitTest, ARestartWinsOverOtherFailuresOfTheRound) {
  {
    TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}, {2, Writes({"m"})}, {3, Writes({"x"})}}, {},
                false);
    std::vector<CommitSend> aborts =
        AnswerAll(c, c.Start(),
                  {{1, Error(absl::StatusCode::kInvalidArgument, "bad key")},
                   {2, absl::UnavailableError("no leaseholder")},
                   {3, Error(absl::StatusCode::kAborted, "wounded by c0-1")}});
    ExpectAbortsEverywhere(aborts, 1, {1, 2, 3});
    ASSERT_TRUE(c.done());
    EXPECT_EQ(c.result().status().code(), absl::StatusCode::kAborted);
    EXPECT_EQ(c.result().status().message(), "wounded by c0-1");
    EXPECT_EQ(GetSqlState(c.result().status()), "40001");
  }
  {
    TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}, {2, Writes({"m"})}, {3, Writes({"x"})}}, {},
                false);
    std::vector<CommitSend> aborts =
        AnswerAll(c, c.Start(),
                  {{1, Ok(1)},
                   {2, absl::UnavailableError("no leaseholder")},
                   {3, Error(absl::StatusCode::kInvalidArgument, "bad key")}});
    ExpectAbortsEverywhere(aborts, 1, {1, 2, 3});
    EXPECT_EQ(c.result().status().code(), absl::StatusCode::kUnavailable);
  }
}

TEST(TxnCommitTest, PrepareFailureAbortsEverywhere) {
  TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}, {2, Writes({"m"})}, {3, Writes({"x"})}}, {},
              false);
  std::vector<CommitSend> prepare = AnswerAll(c, c.Start(), {{1, Ok(1)}, {2, Ok(1)}, {3, Ok(1)}});
  ASSERT_THAT(Targets(prepare),
              ElementsAre(std::pair{2ul, Op::PREPARE}, std::pair{3ul, Op::PREPARE}));
  std::vector<CommitSend> aborts =
      AnswerAll(c, prepare, {{2, Ok(30)}, {3, Error(absl::StatusCode::kAborted, "lease moved")}});
  ExpectAbortsEverywhere(aborts, 1, {1, 2, 3});
  EXPECT_EQ(GetSqlState(c.result().status()), "40001");
  EXPECT_FALSE(c.committed_response().has_value());
}

// After DECIDE was sent, only the coordinator's log knows the outcome: a lost call or an
// answer that says "unknown" is 40003, and nothing is aborted.
TEST(TxnCommitTest, DecideOutcomeUnknownIs40003AndAbortsNothing) {
  auto at_decide = [] {
    auto c = std::make_unique<TxnCommit>(
        kTxn, kPriority, std::map<uint64_t, CommitPart>{{1, Writes({"a"})}, {2, Writes({"m"})}},
        std::map<uint64_t, std::string>{}, true);
    std::vector<CommitSend> decide = AnswerAll(*c, c->Start(), {{2, Ok(5)}});
    EXPECT_THAT(Targets(decide), ElementsAre(std::pair{1ul, Op::DECIDE}));
    return c;
  };
  {
    std::unique_ptr<TxnCommit> c = at_decide();
    EXPECT_THAT(c->OnAnswer(1, absl::UnavailableError("no reachable leaseholder")), IsEmpty());
    EXPECT_EQ(GetSqlState(c->result().status()), "40003");
    EXPECT_NE(c->result().status().message().find("no reachable leaseholder"), std::string::npos);
  }
  for (absl::StatusCode code : {absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kUnknown}) {
    std::unique_ptr<TxnCommit> c = at_decide();
    EXPECT_THAT(c->OnAnswer(1, Error(code, "not replicated in time")), IsEmpty());
    EXPECT_EQ(GetSqlState(c->result().status()), "40003") << code;
  }
}

// The coordinator refused the commit (an abort was logged first, or its queue was full):
// the transaction is aborted everywhere and restarts. Other definite errors end it as they
// are.
TEST(TxnCommitTest, DecideRefusedAbortsEverywhereOtherErrorsEndIt) {
  auto at_decide = [] {
    auto c = std::make_unique<TxnCommit>(
        kTxn, kPriority, std::map<uint64_t, CommitPart>{{1, Writes({"a"})}, {2, Writes({"m"})}},
        std::map<uint64_t, std::string>{}, true);
    AnswerAll(*c, c->Start(), {{2, Ok(5)}});
    return c;
  };
  {
    std::unique_ptr<TxnCommit> c = at_decide();
    std::vector<CommitSend> aborts =
        c->OnAnswer(1, Error(absl::StatusCode::kAborted, "range 1 is too busy"));
    ExpectAbortsEverywhere(aborts, 1, {1, 2});
    EXPECT_EQ(GetSqlState(c->result().status()), "40001");
  }
  {
    std::unique_ptr<TxnCommit> c = at_decide();
    EXPECT_THAT(c->OnAnswer(1, Error(absl::StatusCode::kInternal, "disk")), IsEmpty());
    EXPECT_EQ(c->result().status().code(), absl::StatusCode::kInternal);
  }
}

// Answers from ranges that were not asked in this step, and repeated answers, change
// nothing.
TEST(TxnCommitTest, StrayAndRepeatedAnswersAreIgnored) {
  TxnCommit c(kTxn, kPriority, {{1, Writes({"a"})}, {2, Writes({"m"})}}, {}, false);
  std::vector<CommitSend> lock = c.Start();
  EXPECT_THAT(c.OnAnswer(9, Ok(1)), IsEmpty());
  EXPECT_THAT(c.OnAnswer(1, Ok(1)), IsEmpty());
  EXPECT_THAT(c.OnAnswer(1, Error(absl::StatusCode::kAborted, "late copy")), IsEmpty());
  std::vector<CommitSend> prepare = c.OnAnswer(2, Ok(1));
  ASSERT_THAT(Targets(prepare), ElementsAre(std::pair{2ul, Op::PREPARE}));
  // Range 1 is not part of the PREPARE round.
  EXPECT_THAT(c.OnAnswer(1, Ok(1)), IsEmpty());
  EXPECT_FALSE(c.done());
}

TEST(TxnCommitTest, ResponseStatusMarksRestartsWithTheirSqlState) {
  EXPECT_TRUE(ResponseStatus(0, "").ok());
  absl::Status restart = ResponseStatus(static_cast<int>(absl::StatusCode::kAborted), "wounded");
  EXPECT_EQ(restart.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(restart.message(), "wounded");
  EXPECT_EQ(GetSqlState(restart), "40001");
  absl::Status other = ResponseStatus(static_cast<int>(absl::StatusCode::kNotFound), "gone");
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(GetSqlState(other).has_value());
}

}  // namespace
}  // namespace meridian::txn
