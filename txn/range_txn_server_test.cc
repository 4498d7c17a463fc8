// RangeTxnServer on a one-voter range with a hand-driven Ready loop and host: the cases that
// need requests to cross each other at chosen moments.
#include "txn/range_txn_server.h"

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/clock/hlc.h"
#include "common/clock/physical_clock.h"
#include "common/logging.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "proto/timestamp_convert.h"
#include "storage/engine/mem_engine.h"
#include "storage/range/replica_driver.h"
#include "txn/testing/one_range.h"
#include "txn/txn_commit.h"

namespace meridian::txn {
namespace {

constexpr int64_t kMs = 1'000'000;

using OneNode = testing::OneRange;

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

// Sends `req` and ticks until it is answered (50 ticks at most); the answer.
proto::TxnResponse Answer(OneNode& n, proto::TxnRequest req) {
  auto r = n.Send(std::move(req));
  for (int i = 0; i < 50 && !r->has_value(); ++i) n.Tick();
  EXPECT_TRUE(r->has_value());
  return r->has_value() ? **r : proto::TxnResponse();
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

// INGEST (the bulk path) writes committed versions in one Paxos round without locks and
// answers their timestamp; the transaction's own locks do not stand in its way. Into a key
// another transaction has locked it is refused, writing nothing.
TEST(RangeTxnServerTest, IngestWritesWithoutLocksButNotUnderSomeoneElsesLock) {
  OneNode n;
  auto own = n.Send(Read("loader", 100, "b"));  // the loader's own shared lock on "b"
  for (int i = 0; i < 10 && !own->has_value(); ++i) n.Tick();
  ASSERT_TRUE(own->has_value());
  proto::TxnRequest ingest = Commit("loader", 100, "a", "1");
  ingest.set_op(proto::TxnRequest::INGEST);
  proto::KvWrite* w = ingest.add_writes();
  w->set_key("b");
  w->set_value("2");
  auto done = n.Send(ingest);
  for (int i = 0; i < 10 && !done->has_value(); ++i) n.Tick();
  ASSERT_TRUE(done->has_value());
  ASSERT_EQ((*done)->code(), 0) << (*done)->message();
  EXPECT_GT((*done)->timestamp().wall_ns(), 0);
  auto other = n.Send(Read("other", 50, "a"));
  for (int i = 0; i < 10 && !other->has_value(); ++i) n.Tick();
  ASSERT_TRUE(other->has_value());
  EXPECT_EQ((*other)->value(), "1");  // committed, as the caller vouched nobody would look

  auto locker = n.Send(Read("locker", 300, "c"));
  for (int i = 0; i < 10 && !locker->has_value(); ++i) n.Tick();
  proto::TxnRequest into_locked = Commit("loader", 100, "c", "3");
  into_locked.set_op(proto::TxnRequest::INGEST);
  auto refused = n.Send(into_locked);
  ASSERT_TRUE(refused->has_value());
  EXPECT_EQ((*refused)->code(), static_cast<int>(absl::StatusCode::kFailedPrecondition))
      << (*refused)->message();
  auto check = n.Send(Read("locker", 300, "c"));
  for (int i = 0; i < 10 && !check->has_value(); ++i) n.Tick();
  ASSERT_TRUE(check->has_value());
  EXPECT_FALSE((*check)->found());
}

// Sends `commit` (t1's, writing k = v1) and checks that it is acknowledged only after commit
// wait, but releases its locks as soon as it is applied: the next transaction reads the
// committed value during that wait and commits above it.
void ExpectLocksReleasedBeforeCommitWait(OneNode& n, const proto::TxnRequest& commit) {
  auto reply = n.Send(commit);
  n.Drive();  // applied, but commit wait has not run
  EXPECT_FALSE(reply->has_value());
  auto read = n.Send(Read("t2", 200, "k"));
  n.Drive();
  ASSERT_TRUE(read->has_value()) << "t1's lock is still held";
  ASSERT_EQ((*read)->code(), 0) << (*read)->message();
  EXPECT_EQ((*read)->value(), "v1");
  EXPECT_FALSE(reply->has_value()) << "t1 is acknowledged only after its commit wait";
  auto second = n.Send(Commit("t2", 200, "k", "v2"));
  for (int i = 0; i < 10 && !(reply->has_value() && second->has_value()); ++i) n.Tick();
  ASSERT_TRUE(reply->has_value());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*reply)->code(), 0) << (*reply)->message();
  EXPECT_EQ((*second)->code(), 0) << (*second)->message();
  EXPECT_GT((*reply)->timestamp().wall_ns(), 0);
  EXPECT_GT(proto::FromProto((*second)->timestamp()), proto::FromProto((*reply)->timestamp()));
}

TEST(RangeTxnServerTest, CommitRepliesAfterCommitWaitButReleasesItsLocksBefore) {
  OneNode n;
  ExpectLocksReleasedBeforeCommitWait(n, Commit("t1", 100, "k", "v1"));
}

// The same for the coordinator of a two-phase commit: its DECIDE releases the locks once
// applied, and replies after commit wait.
TEST(RangeTxnServerTest, DecideRepliesAfterCommitWaitButReleasesItsLocksBefore) {
  OneNode n;
  proto::TxnRequest lock = Commit("t1", 100, "k", "v1");
  lock.set_op(proto::TxnRequest::LOCK);
  lock.set_coordinator_range(1);
  ASSERT_EQ(Answer(n, lock).code(), 0);
  proto::TxnRequest decide = lock;
  decide.set_op(proto::TxnRequest::DECIDE);
  decide.add_participants(2);  // told through the host, which drops it here
  ExpectLocksReleasedBeforeCommitWait(n, decide);
}

// Snapshot isolation's first-committer-wins rule, at the range: once a snapshot
// transaction holds a key exclusively (a locking read, or its commit), a version of the key
// committed after its snapshot restarts it (40001) and nothing of it is written; a version
// at or below the snapshot does not.
TEST(RangeTxnServerTest, ASnapshotTransactionLosesToAWriteCommittedAfterItsSnapshot) {
  OneNode n;
  auto run = [&](proto::TxnRequest req) { return Answer(n, std::move(req)); };
  const proto::TxnResponse first = run(Commit("t1", 100, "k", "v1"));
  ASSERT_EQ(first.code(), 0) << first.message();
  const Timestamp t1 = proto::FromProto(first.timestamp());
  const proto::TxnResponse second = run(Commit("t2", 200, "k", "v2"));
  ASSERT_EQ(second.code(), 0) << second.message();
  const Timestamp t2 = proto::FromProto(second.timestamp());
  ASSERT_GT(t2, t1);
  auto at = [](proto::TxnRequest req, Timestamp snapshot) {
    *req.mutable_snapshot_timestamp() = proto::ToProto(snapshot);
    return req;
  };
  auto locking_read = [&](const std::string& txn, int64_t priority) {
    proto::TxnRequest r = Read(txn, priority, "k");
    r.set_for_update(true);
    return r;
  };
  // Snapshot between the two commits: "k" was written after it.
  proto::TxnResponse stale = run(at(Commit("s1", 300, "k", "lost update"), t1));
  EXPECT_EQ(GetSqlState(ResponseStatus(stale.code(), stale.message())), "40001") << stale.message();
  stale = run(at(locking_read("s2", 310), t1));
  EXPECT_EQ(GetSqlState(ResponseStatus(stale.code(), stale.message())), "40001") << stale.message();
  // s2 must restart, so its lock on "k" went with the refusal (the reader below needs it).
  auto rollback = [&](const std::string& txn) {
    proto::TxnRequest r = Read(txn, 0, "k");
    r.set_op(proto::TxnRequest::ROLLBACK);
    (void)run(r);
  };
  // A delete counts as a write too.
  proto::TxnRequest del = Commit("t3", 320, "gone", "x");
  ASSERT_EQ(run(del).code(), 0);
  del = Commit("t4", 330, "gone", "");
  del.mutable_writes(0)->set_is_delete(true);
  const proto::TxnResponse deleted = run(del);
  ASSERT_EQ(deleted.code(), 0);
  const proto::TxnResponse after_delete =
      run(at(Commit("s3", 340, "gone", "back"), proto::FromProto(deleted.timestamp()).Prev()));
  EXPECT_EQ(GetSqlState(ResponseStatus(after_delete.code(), after_delete.message())), "40001");
  // The last committed value is still t2's: no losing commit wrote anything.
  const proto::TxnResponse check = run(Read("reader", 400, "k"));
  EXPECT_EQ(check.value(), "v2");
  rollback("reader");
  // A snapshot at or after the last write wins: the locking read, then the commit.
  const proto::TxnResponse locked = run(at(locking_read("s4", 500), t2));
  ASSERT_EQ(locked.code(), 0) << locked.message();
  EXPECT_EQ(locked.value(), "v2");
  const proto::TxnResponse won = run(at(Commit("s4", 500, "k", "v3"), t2));
  ASSERT_EQ(won.code(), 0) << won.message();
  // A locking scan cannot be a snapshot read: refused, not served with the wrong semantics.
  proto::TxnRequest scan = at(Read("s5", 600, "a"), t2);
  scan.set_scan(true);
  EXPECT_EQ(run(scan).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
}

// A COMMIT with an update (txn/row_update.h): the range locks the key, reads it, applies
// the update and commits the result in the same request. An update that leaves the row,
// a missing row, or a failing update (its SQLSTATE comes back) writes nothing and keeps no
// lock; a node without a compiler refuses, untouched.
TEST(RangeTxnServerTest, ARowUpdateReadsAppliesAndCommitsInOneRequest) {
  class Increment : public RowUpdate {
   public:
    explicit Increment(std::string how) : how_(std::move(how)) {}
    absl::StatusOr<std::optional<std::string>> Apply(std::string_view,
                                                     std::string_view value) override {
      if (how_ == "fail")
        return WithSqlState(absl::InvalidArgumentError("division by zero"), "22012");
      if (how_ == "leave") return std::nullopt;
      int n = 0;
      if (!absl::SimpleAtoi(std::string(value), &n)) {
        return absl::InvalidArgumentError("not a number");
      }
      return absl::StrCat(n + 1);
    }

   private:
    const std::string how_;
  };
  OneNode n(testing::OneRangeOptions{
      .row_updates = [](std::string_view how) -> absl::StatusOr<std::unique_ptr<RowUpdate>> {
        return std::make_unique<Increment>(std::string(how));
      }});
  auto run = [&](proto::TxnRequest req) { return Answer(n, std::move(req)); };
  auto update = [](const std::string& txn, int64_t priority, const std::string& key,
                   const std::string& how) {
    proto::TxnRequest r = Read(txn, priority, key);
    r.set_op(proto::TxnRequest::COMMIT);
    r.set_update(how);
    return r;
  };
  ASSERT_EQ(run(Commit("t0", 100, "k", "41")).code(), 0);
  proto::TxnResponse done = run(update("u1", 200, "k", "add"));
  ASSERT_EQ(done.code(), 0) << done.message();
  EXPECT_TRUE(done.found());
  EXPECT_EQ(done.value(), "42");
  EXPECT_GT(done.replicate_us(), 0);  // one Paxos round, in this request
  EXPECT_EQ(run(Read("r1", 300, "k")).value(), "42");
  proto::TxnRequest release = Read("r1", 300, "k");
  release.set_op(proto::TxnRequest::ROLLBACK);
  (void)run(release);
  // Nothing written, and no lock left behind (the readers below would wait for it).
  for (const char* how : {"leave", "fail"}) {
    const proto::TxnResponse r = run(update(absl::StrCat("u-", how), 400, "k", how));
    EXPECT_FALSE(r.found()) << how;
    if (std::string(how) == "fail") {
      EXPECT_EQ(r.sqlstate(), "22012") << r.message();
      EXPECT_EQ(GetSqlState(ResponseStatus(r.code(), r.message(), r.sqlstate())), "22012");
    } else {
      EXPECT_EQ(r.code(), 0) << r.message();
    }
  }
  const proto::TxnResponse missing = run(update("u2", 500, "absent", "add"));
  EXPECT_EQ(missing.code(), 0) << missing.message();
  EXPECT_FALSE(missing.found());
  proto::TxnRequest check = Read("r2", 600, "k");
  check.set_for_update(true);
  const proto::TxnResponse after = run(check);
  ASSERT_EQ(after.code(), 0) << after.message();
  EXPECT_EQ(after.value(), "42");
  proto::TxnRequest bad = update("u3", 700, "k", "add");
  bad.add_writes()->set_key("k");
  EXPECT_EQ(run(bad).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));

  OneNode plain;
  const proto::TxnResponse refused = Answer(plain, update("u4", 800, "k", "add"));
  EXPECT_EQ(refused.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(refused.sqlstate().empty());
}

// A commit's absent keys (Txn::RequireAbsent) are checked once the range holds them: a
// live version fails the commit with 23505 and the caller's message, writing nothing; a
// deleted or never-written key passes; a key the request does not write is refused.
TEST(RangeTxnServerTest, AbsentKeysAreCheckedUnderTheCommitsLock) {
  OneNode n;
  auto run = [&](proto::TxnRequest req) { return Answer(n, std::move(req)); };
  auto insert = [](const std::string& txn, int64_t priority, const std::string& key,
                   const std::string& value) {
    proto::TxnRequest r = Commit(txn, priority, key, value);
    r.add_absent_keys(key);
    r.add_absent_errors(absl::StrCat("duplicate ", key));
    return r;
  };
  ASSERT_EQ(run(insert("t1", 100, "k", "first")).code(), 0);
  const proto::TxnResponse dup = run(insert("t2", 200, "k", "second"));
  EXPECT_EQ(dup.sqlstate(), "23505") << dup.message();
  EXPECT_EQ(dup.message(), "duplicate k");
  EXPECT_EQ(run(Read("r", 300, "k")).value(), "first");
  proto::TxnRequest release = Read("r", 300, "k");
  release.set_op(proto::TxnRequest::ROLLBACK);
  (void)run(release);
  proto::TxnRequest del = Commit("t3", 400, "k", "");
  del.mutable_writes(0)->set_is_delete(true);
  ASSERT_EQ(run(del).code(), 0);
  EXPECT_EQ(run(insert("t4", 500, "k", "again")).code(), 0) << "a deleted key is free";
  proto::TxnRequest stray = Commit("t5", 600, "j", "x");
  stray.add_absent_keys("other");
  EXPECT_EQ(run(stray).code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
}

// With a wound delay, an older writer that finds a younger lock holder waits for it first:
// a holder that commits within the delay is not thrown away. One that does not is wounded
// when the delay ends, and the older writer goes ahead.
TEST(RangeTxnServerTest, OlderWriterWoundsAYoungerHolderOnlyAfterTheWoundDelay) {
  OneNode n(testing::OneRangeOptions{.wound_delay_ns = 25 * kMs});
  auto tick_until = [&](auto done) {
    for (int i = 0; i < 20 && !done(); ++i) n.Tick();
  };
  // 1. The younger holder commits in time: both commit, the older after it.
  auto young_read = n.Send(Read("young", 200, "k"));
  tick_until([&] { return young_read->has_value(); });
  ASSERT_EQ((*young_read)->code(), 0) << (*young_read)->message();
  auto old_commit = n.Send(Commit("old", 100, "k", "old"));
  n.Drive();
  EXPECT_FALSE(old_commit->has_value()) << "the older writer did not wait for the lock";
  auto young_commit = n.Send(Commit("young", 200, "j", "young"));
  tick_until([&] { return young_commit->has_value() && old_commit->has_value(); });
  ASSERT_TRUE(young_commit->has_value());
  EXPECT_EQ((*young_commit)->code(), 0) << (*young_commit)->message();
  ASSERT_TRUE(old_commit->has_value());
  EXPECT_EQ((*old_commit)->code(), 0) << (*old_commit)->message();
  EXPECT_GT(proto::FromProto((*old_commit)->timestamp()),
            proto::FromProto((*young_commit)->timestamp()));

  // 2. The younger holder stays silent: within the delay nobody is wounded; after it, the
  // older writer wounds it and commits, and the younger one's commit must restart.
  auto idle_read = n.Send(Read("idle", 300, "m"));
  tick_until([&] { return idle_read->has_value(); });
  ASSERT_EQ((*idle_read)->code(), 0) << (*idle_read)->message();
  auto older = n.Send(Commit("older", 150, "m", "older"));
  n.Tick();  // 10 ms: within the delay (a wound at once would have committed by now)
  EXPECT_FALSE(older->has_value());
  tick_until([&] { return older->has_value(); });
  ASSERT_TRUE(older->has_value());
  EXPECT_EQ((*older)->code(), 0) << (*older)->message();
  auto late = n.Send(Commit("idle", 300, "m2", "idle"));
  tick_until([&] { return late->has_value(); });
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ(GetSqlState(ResponseStatus((*late)->code(), (*late)->message())), "40001")
      << (*late)->message();
}

// A read-only participant's PREPARE: no Paxos round; its read locks are frozen (an older
// writer cannot wound them) and held until the outcome arrives, or until the hold it
// announced has certainly passed. Either way the writer that waited commits above the
// reader's commit timestamp (here: above the hold).
TEST(RangeTxnServerTest, ReadOnlyPrepareHoldsTheReadLocksUntilTheOutcomeOrTheHold) {
  for (bool told : {true, false}) {
    SCOPED_TRACE(told ? "outcome delivered" : "hold runs out");
    OneNode n;
    auto read = n.Send(Read("reader", 200, "k"));
    ASSERT_TRUE(read->has_value());
    ASSERT_EQ((*read)->code(), 0) << (*read)->message();
    proto::TxnRequest prepare = Read("reader", 200, "k");
    prepare.set_op(proto::TxnRequest::PREPARE);
    const LockSpan span = LockSpan::Point("k");
    prepare.add_read_starts(span.start);
    prepare.add_read_ends(span.end);
    const uint64_t applied = n.replica().applied_index();
    auto prepared = n.Send(prepare);
    ASSERT_TRUE(prepared->has_value());  // at once: nothing to replicate
    ASSERT_EQ((*prepared)->code(), 0) << (*prepared)->message();
    EXPECT_EQ(n.replica().applied_index(), applied);
    const Timestamp hold = proto::FromProto((*prepared)->hold_until());
    EXPECT_GT(hold, proto::FromProto((*prepared)->timestamp()));
    EXPECT_LE(hold.wall_ns, n.replica().core().lease_expiry_ns());
    EXPECT_EQ(proto::FromProto((*n.Send(prepare))->hold_until()), hold);  // a repeat

    // An older writer of "k" must wait: the frozen lock cannot be wounded.
    auto writer = n.Send(Commit("writer", 100, "k", "v"));
    for (int i = 0; i < 5; ++i) n.Tick();
    EXPECT_FALSE(writer->has_value());

    Timestamp reader_commit = proto::FromProto((*prepared)->timestamp()).Next();
    if (told) {
      proto::TxnRequest resolve = Read("reader", 200, "k");
      resolve.set_op(proto::TxnRequest::RESOLVE);
      resolve.set_commit(true);
      *resolve.mutable_commit_timestamp() = proto::ToProto(reader_commit);
      auto resolved = n.Send(resolve);
      ASSERT_TRUE(resolved->has_value());
      EXPECT_EQ((*resolved)->code(), 0) << (*resolved)->message();
      EXPECT_EQ(n.replica().applied_index(), applied);  // nothing logged
    } else {
      reader_commit = hold.Prev();  // the latest the reader could have committed at
    }
    for (int i = 0; i < 400 && !writer->has_value(); ++i) n.Tick();
    ASSERT_TRUE(writer->has_value());
    ASSERT_EQ((*writer)->code(), 0) << (*writer)->message();
    EXPECT_GT(proto::FromProto((*writer)->timestamp()), reader_commit);
  }
}

// A READ of several keys locks each of them (found or not) and answers the ones found, in
// request order: one round trip for an IN list.
TEST(RangeTxnServerTest, BatchedReadLocksEveryKeyAndAnswersTheFoundOnes) {
  OneNode n;
  for (const char* k : {"k1", "k3"}) {
    auto w = n.Send(Commit(std::string("w-") + k, 100, k, std::string("v-") + k));
    for (int i = 0; i < 400 && !w->has_value(); ++i) n.Tick();
    ASSERT_TRUE(w->has_value());
    ASSERT_EQ((*w)->code(), 0) << (*w)->message();
  }
  proto::TxnRequest batch = Read("reader", 200, "");
  for (const char* k : {"k3", "k2", "k1"}) batch.add_batch_keys(k);
  batch.set_for_update(true);
  auto read = n.Send(batch);
  ASSERT_TRUE(read->has_value());
  ASSERT_EQ((*read)->code(), 0) << (*read)->message();
  ASSERT_EQ((*read)->keys_size(), 2);
  EXPECT_EQ((*read)->keys(0), "k3");
  EXPECT_EQ((*read)->values(0), "v-k3");
  EXPECT_EQ((*read)->keys(1), "k1");
  EXPECT_EQ((*read)->values(1), "v-k1");

  // The missing key is locked too: a younger writer of it waits for the reader.
  auto writer = n.Send(Commit("writer", 300, "k2", "v"));
  for (int i = 0; i < 5; ++i) n.Tick();
  EXPECT_FALSE(writer->has_value());
  proto::TxnRequest rollback = Read("reader", 200, "");
  rollback.set_op(proto::TxnRequest::ROLLBACK);
  ASSERT_TRUE(n.Send(rollback)->has_value());
  for (int i = 0; i < 400 && !writer->has_value(); ++i) n.Tick();
  ASSERT_TRUE(writer->has_value());
  EXPECT_EQ((*writer)->code(), 0) << (*writer)->message();

  // The lock-free form (read-only transactions): several keys at one snapshot timestamp.
  proto::KvRequest get;
  get.set_op(proto::KvRequest::GET);
  get.set_range_id(1);
  for (const char* k : {"k1", "k2", "k3"}) get.add_batch_keys(k);
  *get.mutable_read_timestamp() = (*writer)->timestamp();
  std::optional<proto::KvResponse> snapshot;
  n.server().HandleRead(get, [&](proto::KvResponse r) { snapshot = std::move(r); });
  for (int i = 0; i < 400 && !snapshot.has_value(); ++i) n.Tick();
  ASSERT_TRUE(snapshot.has_value());
  ASSERT_EQ(snapshot->code(), 0) << snapshot->message();
  ASSERT_EQ(snapshot->keys_size(), 3);
  EXPECT_EQ(snapshot->values(1), "v");  // the writer's, committed at that timestamp
  get.set_op(proto::KvRequest::SCAN);
  snapshot.reset();
  n.server().HandleRead(get, [&](proto::KvResponse r) { snapshot = std::move(r); });
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ(snapshot->code(), static_cast<int>(absl::StatusCode::kInvalidArgument));

  // Bad input: an empty key, or a batch that claims to be a scan.
  proto::TxnRequest bad = Read("bad", 400, "");
  bad.add_batch_keys("a");
  bad.add_batch_keys("");
  EXPECT_EQ((*n.Send(bad))->code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  bad.set_batch_keys(1, "b");
  bad.set_scan(true);
  EXPECT_EQ((*n.Send(bad))->code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
}

// A COMMIT that cannot be stamped below its commit_before (a read-only participant's hold
// has passed) restarts the transaction, writes nothing and frees its locks.
TEST(RangeTxnServerTest, CommitThatCannotStayBelowItsBoundRestarts) {
  OneNode n;
  proto::TxnRequest late = Commit("late", 100, "k", "v");
  *late.mutable_commit_before() = proto::ToProto(Timestamp{n.clock().NowNanos() - kMs, 0});
  auto reply = n.Send(late);
  for (int i = 0; i < 10 && !reply->has_value(); ++i) n.Tick();
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->code(), static_cast<int>(absl::StatusCode::kAborted)) << (*reply)->message();
  EXPECT_EQ(GetSqlState(ResponseStatus((*reply)->code(), (*reply)->message())), "40001");
  auto after = n.Send(Read("next", 200, "k"));
  for (int i = 0; i < 10 && !after->has_value(); ++i) n.Tick();
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->code(), 0) << (*after)->message();
  EXPECT_FALSE((*after)->found());
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
    OneNode n(testing::OneRangeOptions{.scan_filters = c});
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
    if (compile) {
      EXPECT_EQ(requests, 3);  // 1,000 rows examined per request
    }
    // A limit smaller than the matches of a page cuts the page and resumes after the cut.
    EXPECT_EQ(ScanAll(n, "7", 30, &requests), want) << compile;
    if (compile) {
      EXPECT_GE(requests, 9);
    }
  }
}

// Three replicas of one range, the server at node 1 (the leaseholder), messages delivered
// by hand, and a switch that cuts node 1 off from the others, so that nothing it proposes
// is chosen.
class ThreeNodes : public RangeTxnHost {
 public:
  explicit ThreeNodes(size_t max_pending_bytes)
      : clock_(1'700'000'000'000'000'000),
        tt_(&clock_, clock::TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 0}),
        map_(RangeMap::Even(1)) {
    for (uint64_t id = 1; id <= 3; ++id) {
      Node& n = nodes_[id];
      n.hlc = std::make_unique<clock::Hlc>(&clock_);
      n.driver = std::make_unique<storage::ReplicaDriver>(
          &n.disk, [this](proto::PaxosMessage m) { wire_.push_back(std::move(m)); },
          storage::ReplicaDriverOptions{});
      storage::RangeReplicaOptions o;
      o.range_id = 1;
      o.paxos.self = id;
      o.paxos.initial_voters = {1, 2, 3};
      o.paxos.lease_duration_ns = 2000 * kMs;
      o.paxos.seed = id;
      o.paxos.max_pending_bytes = max_pending_bytes;
      auto r = storage::RangeReplica::Open(o, &n.disk, &tt_, n.hlc.get());
      CHECK(r.ok()) << r.status();
      n.replica = std::move(*r);
    }
    server_ =
        std::make_unique<RangeTxnServer>(RangeTxnServerOptions{.node_id = 1, .range_map = &map_},
                                         replica(1), &tt_, nodes_[1].hlc.get(), this);
    CHECK(replica(1)->core().Campaign());
    for (int i = 0; i < 200 && !server_->Serving().ok(); ++i) Tick();
    CHECK(server_->Serving().ok());
  }

  void AfterTimestamp(Timestamp ts, std::function<void()> fn) override {
    timers_.emplace_back(ts, std::move(fn));
  }
  void Route(proto::TxnRequest, std::function<void(absl::StatusOr<proto::TxnResponse>)>) override {}

  storage::RangeReplica* replica(uint64_t id) { return nodes_.at(id).replica.get(); }
  void Cut(bool cut) { cut_ = cut; }

  // Runs every Ready and delivers messages until nothing moves.
  void Drive() {
    bool moved = true;
    while (moved) {
      moved = false;
      for (auto& [id, n] : nodes_) {
        storage::DrivenReplica* replicas[] = {n.replica.get()};
        while (true) {
          absl::StatusOr<bool> ran = n.driver->RunPass(
              replicas, [this, id = id](storage::DrivenReplica&, const storage::paxos::Ready&,
                                        std::vector<storage::AppliedProposal> outcomes) {
                if (id == 1) server_->OnApplied(outcomes);
              });
          CHECK(ran.ok()) << ran.status();
          if (!*ran) break;
          moved = true;
          if (id == 1) server_->Maintain(false);
        }
      }
      std::vector<proto::PaxosMessage> wire = std::move(wire_);
      wire_.clear();
      for (const proto::PaxosMessage& m : wire) {
        if (cut_ && (m.from() == 1) != (m.to() == 1)) continue;
        nodes_.at(m.to()).replica->core().Step(m);
        moved = true;
      }
    }
  }
  void Tick() {
    clock_.Advance(10 * kMs);
    for (auto& [id, n] : nodes_) n.replica->core().Tick();
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

  std::shared_ptr<std::optional<proto::TxnResponse>> Send(const proto::TxnRequest& req) {
    auto out = std::make_shared<std::optional<proto::TxnResponse>>();
    server_->Handle(req, [out](proto::TxnResponse r) { *out = std::move(r); });
    Drive();
    return out;
  }

 private:
  struct Node {
    std::unique_ptr<clock::Hlc> hlc;
    storage::MemEngine disk;
    std::unique_ptr<storage::ReplicaDriver> driver;
    std::unique_ptr<storage::RangeReplica> replica;
  };
  clock::ManualClock clock_;
  clock::TrueTime tt_;
  RangeMap map_;
  std::map<uint64_t, Node> nodes_;
  std::unique_ptr<RangeTxnServer> server_;
  std::vector<proto::PaxosMessage> wire_;
  bool cut_ = false;
  std::vector<std::pair<Timestamp, std::function<void()>>> timers_;
};

proto::TxnRequest Prepare(const std::string& txn, int64_t priority, const std::string& key,
                          const std::string& value) {
  proto::TxnRequest r = Commit(txn, priority, key, value);
  r.set_op(proto::TxnRequest::PREPARE);
  r.set_coordinator_range(2);
  return r;
}

// The Paxos proposal queue's byte bound, end to end: while the quorum is unreachable, a
// commit that would pass the bound is refused at once with a retryable error (40001 at the
// client), nothing of it is replicated, and its locks are free; once the quorum is back the
// same commit succeeds.
TEST(RangeTxnServerTest, FullProposalQueueTellsTheClientToRestart) {
  ThreeNodes n(/*max_pending_bytes=*/4096);
  const std::string big(3000, 'v');
  n.Cut(true);
  auto first = n.Send(Commit("t1", 100, "a", big));
  EXPECT_FALSE(first->has_value());  // proposed; not chosen while cut off
  EXPECT_GE(n.replica(1)->core().Status().pending_bytes, big.size());

  auto second = n.Send(Commit("t2", 200, "b", big));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->code(), static_cast<int>(absl::StatusCode::kAborted))
      << (*second)->message();
  EXPECT_NE((*second)->message().find("too busy"), std::string::npos) << (*second)->message();
  // What the client makes of it: restart (SQLSTATE 40001).
  EXPECT_EQ(GetSqlState(ResponseStatus((*second)->code(), (*second)->message())), "40001");
  // t2's locks were released: a younger transaction locks "b" at once.
  proto::TxnRequest lock_b = Read("t3", 300, "b");
  lock_b.set_for_update(true);
  auto third = n.Send(lock_b);
  ASSERT_TRUE(third->has_value());
  EXPECT_EQ((*third)->code(), 0) << (*third)->message();
  auto rollback = n.Send([] {
    proto::TxnRequest r = Read("t3", 300, "b");
    r.set_op(proto::TxnRequest::ROLLBACK);
    return r;
  }());

  n.Cut(false);
  for (int i = 0; i < 100 && !first->has_value(); ++i) n.Tick();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->code(), 0) << (*first)->message();
  EXPECT_EQ(n.replica(1)->core().Status().pending_bytes, 0u);

  // The restarted transaction goes through.
  auto retry = n.Send(Commit("t2", 200, "b", big));
  for (int i = 0; i < 100 && !retry->has_value(); ++i) n.Tick();
  ASSERT_TRUE(retry->has_value());
  EXPECT_EQ((*retry)->code(), 0) << (*retry)->message();
}

// A second copy of a PREPARE (a retry that crossed the first) refused for a full queue
// must not release the locks of the first, which is still being replicated: its outcome is
// unknown, and the first copy prepares once the quorum is back.
TEST(RangeTxnServerTest, FullQueueKeepsTheLocksOfACommandStillBeingReplicated) {
  ThreeNodes n(/*max_pending_bytes=*/4096);
  const std::string big(3000, 'v');
  auto locked = n.Send([&] {
    proto::TxnRequest r = Commit("t1", 100, "a", big);
    r.set_op(proto::TxnRequest::LOCK);
    return r;
  }());
  ASSERT_TRUE(locked->has_value());
  ASSERT_EQ((*locked)->code(), 0) << (*locked)->message();
  proto::TxnRequest prepare = Prepare("t1", 100, "a", big);
  prepare.set_lock_epoch((*locked)->lock_epoch());

  n.Cut(true);
  auto first = n.Send(prepare);
  EXPECT_FALSE(first->has_value());
  auto copy = n.Send(prepare);
  ASSERT_TRUE(copy->has_value());
  EXPECT_EQ((*copy)->code(), static_cast<int>(absl::StatusCode::kDeadlineExceeded))
      << (*copy)->message();
  // t1 still holds "a": a younger reader waits.
  auto reader = n.Send(Read("t2", 200, "a"));
  EXPECT_FALSE(reader->has_value());

  n.Cut(false);
  for (int i = 0; i < 100 && !first->has_value(); ++i) n.Tick();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->code(), 0) << (*first)->message();
  EXPECT_TRUE(n.replica(1)->prepared().contains("t1"));
  EXPECT_FALSE(reader->has_value());  // prepared: the lock stays until t1 is resolved
}

}  // namespace
}  // namespace meridian::txn
