#include "cmd/kv_shell.h"

#include "common/clock/physical_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/engine/mem_engine.h"

namespace meridian::cmd {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class KvShellTest : public ::testing::Test {
 protected:
  KvShellTest()
      : clock_(1'700'000'000'000'000'000),
        true_time_(&clock_, clock::TrueTimeOptions{.epsilon_ns = 3'000'000, .max_drift_ppm = 0}),
        hlc_(&clock_) {
    store_ = std::move(*storage::MvccStore::Open(&engine_));
    shell_ = std::make_unique<KvShell>(store_.get(), &hlc_, &true_time_);
  }

  storage::MemEngine engine_;
  clock::ManualClock clock_;
  clock::TrueTime true_time_;
  clock::Hlc hlc_;
  std::unique_ptr<storage::MvccStore> store_;
  std::unique_ptr<KvShell> shell_;
};

TEST_F(KvShellTest, PutThenGetAndSnapshotRead) {
  std::string put1 = shell_->Execute("put greeting hello");
  ASSERT_THAT(put1, StartsWith("OK "));
  // The write timestamp is above TrueTime's latest bound, so commit wait took about 2*eps.
  EXPECT_THAT(put1, HasSubstr("commit wait"));
  std::string ts1 = put1.substr(3, put1.find(' ', 3) - 3);
  EXPECT_THAT(shell_->Execute("put greeting \"hi there\""), StartsWith("OK "));
  EXPECT_THAT(shell_->Execute("get greeting"), StartsWith("\"hi there\" @ "));
  EXPECT_THAT(shell_->Execute("get greeting AT " + ts1), StartsWith("\"hello\" @ " + ts1));
  EXPECT_EQ(shell_->Execute("get missing"), "(not found)");
  EXPECT_THAT(shell_->Execute("history greeting"), HasSubstr("(2 versions)"));
}

TEST_F(KvShellTest, CommitWaitMakesTrueTimeAfterTheCommitTimestamp) {
  std::string put = shell_->Execute("put k v");
  auto ts = ParseTimestamp(put.substr(3, put.find(' ', 3) - 3));
  ASSERT_TRUE(ts.ok()) << ts.status();
  EXPECT_TRUE(true_time_.After(*ts));
  EXPECT_GE(clock_.NowNanos() - true_time_.options().epsilon_ns, ts->wall_ns);
}

TEST_F(KvShellTest, ScanWithLimitReverseAndResume) {
  for (const char* k : {"a", "b", "c", "d"}) shell_->Execute(std::string("put ") + k + " " + k);
  std::string all = shell_->Execute("scan a -");
  EXPECT_THAT(all, HasSubstr("(4 rows)"));
  std::string limited = shell_->Execute("scan a - LIMIT 2");
  EXPECT_THAT(limited, HasSubstr("(2 rows)"));
  EXPECT_THAT(limited, HasSubstr("resume at \"c\""));
  std::string rev = shell_->Execute("scan b d REVERSE");
  EXPECT_LT(rev.find("\"c\" ="), rev.find("\"b\" ="));
  EXPECT_THAT(rev, HasSubstr("(2 rows)"));
}

TEST_F(KvShellTest, PreparedWritesBlockReadersUntilResolved) {
  shell_->Execute("put acct 100");
  EXPECT_THAT(shell_->Execute("prepare tx1 acct 50"), StartsWith("PREPARED "));
  EXPECT_THAT(shell_->Execute("get acct"), HasSubstr("prepared write of txn \"tx1\""));
  EXPECT_THAT(shell_->Execute("put acct 7"), StartsWith("ERROR: FAILED_PRECONDITION"));
  EXPECT_THAT(shell_->Execute("commit tx2 acct"), StartsWith("ERROR: FAILED_PRECONDITION"));
  EXPECT_THAT(shell_->Execute("commit tx1 acct"), StartsWith("COMMITTED "));
  EXPECT_THAT(shell_->Execute("get acct"), StartsWith("\"50\""));
  shell_->Execute("prepare tx3 acct -");
  EXPECT_EQ(shell_->Execute("abort tx3 acct"), "ABORTED");
  EXPECT_THAT(shell_->Execute("get acct"), StartsWith("\"50\""));
}

TEST_F(KvShellTest, GcAndStats) {
  shell_->Execute("put k 1");
  shell_->Execute("put k 2");
  std::string put = shell_->Execute("put k 3");
  std::string ts = put.substr(3, put.find(' ', 3) - 3);
  EXPECT_THAT(shell_->Execute("stats"), HasSubstr("versions=3"));
  EXPECT_THAT(shell_->Execute("gc " + ts), HasSubstr("removed 2 versions"));
  EXPECT_THAT(shell_->Execute("stats a z"), HasSubstr("versions=1"));
  EXPECT_THAT(shell_->Execute("get k AT 1.0"), HasSubstr("garbage-collection threshold"));
}

TEST_F(KvShellTest, BadInputGetsClearErrors) {
  EXPECT_THAT(shell_->Execute("frobnicate"), HasSubstr("unknown command"));
  EXPECT_THAT(shell_->Execute("put onlykey"), HasSubstr("usage: put KEY VALUE"));
  EXPECT_THAT(shell_->Execute("get k AT yesterday"), HasSubstr("bad timestamp"));
  EXPECT_THAT(shell_->Execute("get \"unterminated"), HasSubstr("unterminated quote"));
  EXPECT_THAT(shell_->Execute("scan b a"), HasSubstr("start is after its end"));
  EXPECT_THAT(shell_->Execute("scan a b LIMIT -3"), HasSubstr("usage: scan"));
  EXPECT_EQ(shell_->Execute("# a comment"), "");
  EXPECT_EQ(shell_->Execute("   "), "");
  EXPECT_FALSE(shell_->done());
  shell_->Execute("quit");
  EXPECT_TRUE(shell_->done());
}

TEST(ParseTimestampTest, Formats) {
  EXPECT_EQ(*ParseTimestamp("12.5"), (Timestamp{12'500'000'000, 0}));
  EXPECT_EQ(*ParseTimestamp("12.000000001,3"), (Timestamp{12'000'000'001, 3}));
  EXPECT_EQ(*ParseTimestamp("999"), (Timestamp{999, 0}));
  EXPECT_FALSE(ParseTimestamp("-5").ok());
  EXPECT_FALSE(ParseTimestamp("1.2.3").ok());
  EXPECT_FALSE(ParseTimestamp("1.0000000001").ok());
  EXPECT_FALSE(ParseTimestamp("1,x").ok());
}

}  // namespace
}  // namespace meridian::cmd
