// Sessions against a real (in-process) cluster: guarantees that need two sessions at once.
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "sql/testing/sql_cluster.h"

namespace meridian::sql {
namespace {

// Discards results.
class NullSink : public ResultSink {
 public:
  int64_t rows = 0;
  void Columns(const std::vector<ColumnInfo>&) override {}
  absl::Status Row(absl::Span<const Value>) override {
    ++rows;
    return absl::OkStatus();
  }
  void Complete(std::string_view) override {}
  absl::StatusOr<std::string> CopyIn(const CopyFormat&) override { return std::string(); }
  absl::Status CopyOutBegin(const CopyFormat&) override { return absl::OkStatus(); }
  absl::Status CopyOutData(std::string_view) override { return absl::OkStatus(); }
  absl::Status CopyOutEnd() override { return absl::OkStatus(); }
  void Notice(std::string_view) override {}
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = SqlCluster::Start({.nodes = 1});
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
  }
  std::unique_ptr<SqlSession> NewSession() {
    auto s = cluster_->engine().NewSession({{"user", "root"}});
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  static absl::Status Run(SqlSession& s, const std::string& sql, NullSink* sink = nullptr) {
    NullSink local;
    return s.ExecuteSimple(sql, sink != nullptr ? sink : &local);
  }
  std::unique_ptr<SqlCluster> cluster_;
};

TEST_F(SessionTest, ConcurrentInsertsOfOneKeyNeverBothCommit) {
  auto a = NewSession(), b = NewSession();
  ASSERT_TRUE(Run(*a, "CREATE TABLE u (k INT PRIMARY KEY, v TEXT UNIQUE)").ok());
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(Run(*a, "BEGIN").ok());
    ASSERT_TRUE(Run(*b, "BEGIN").ok());
    // Same unique value, different primary keys: only the unique index can catch it.
    absl::Status sa =
        Run(*a, absl::StrCat("INSERT INTO u VALUES (", 2 * round, ", 'v", round, "')"));
    absl::Status sb;
    std::thread t([&] {
      sb = Run(*b, absl::StrCat("INSERT INTO u VALUES (", 2 * round + 1, ", 'v", round, "')"));
    });
    absl::Status ca = sa.ok() ? Run(*a, "COMMIT") : (Run(*a, "ROLLBACK"), sa);
    t.join();
    absl::Status cb = sb.ok() ? Run(*b, "COMMIT") : (Run(*b, "ROLLBACK"), sb);
    int committed = (sa.ok() && ca.ok()) + (sb.ok() && cb.ok());
    EXPECT_LE(committed, 1) << "round " << round;
    for (const absl::Status* s : {&ca, &cb}) {
      if (!s->ok()) {
        std::string state = GetSqlState(*s).value_or("");
        EXPECT_TRUE(state == "23505" || state == "40001") << *s;
      }
    }
    NullSink rows;
    ASSERT_TRUE(Run(*a, absl::StrCat("SELECT k FROM u WHERE v = 'v", round, "'"), &rows).ok());
    EXPECT_EQ(rows.rows, committed);
  }
}

TEST_F(SessionTest, DdlBecomesVisibleAtCommit) {
  auto a = NewSession(), b = NewSession();
  ASSERT_TRUE(
      Run(*a, "BEGIN; CREATE TABLE later (k INT PRIMARY KEY); INSERT INTO later VALUES (1)").ok());
  absl::Status before = Run(*b, "SELECT * FROM later");
  EXPECT_EQ(GetSqlState(before), "42P01") << before;
  ASSERT_TRUE(Run(*a, "COMMIT").ok());
  NullSink rows;
  ASSERT_TRUE(Run(*b, "SELECT * FROM later", &rows).ok());
  EXPECT_EQ(rows.rows, 1);
}

TEST_F(SessionTest, CancelInterruptsARunningStatement) {
  auto a = NewSession();
  absl::Status s;
  std::thread t([&] { s = Run(*a, "SELECT pg_sleep(30)"); });
  absl::SleepFor(absl::Milliseconds(200));
  a->Cancel();
  t.join();
  EXPECT_EQ(GetSqlState(s), "57014") << s;
  // The session is usable afterwards, and a cancel while idle affects nothing.
  EXPECT_TRUE(Run(*a, "SELECT 1").ok());
  a->Cancel();
  EXPECT_TRUE(Run(*a, "SELECT 1").ok());
}

TEST_F(SessionTest, FailedBlockRefusesStatementsUntilRollback) {
  auto a = NewSession();
  ASSERT_TRUE(Run(*a, "BEGIN").ok());
  EXPECT_FALSE(Run(*a, "SELECT 1/0").ok());
  EXPECT_EQ(a->TransactionStatus(), 'E');
  EXPECT_EQ(GetSqlState(Run(*a, "SELECT 1")), "25P02");
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  EXPECT_EQ(a->TransactionStatus(), 'I');
}

}  // namespace
}  // namespace meridian::sql
