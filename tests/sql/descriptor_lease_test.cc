// Descriptor leases (sql/catalog/descriptor_leases.h) against a real in-process cluster,
// with two SQL engines over it standing for two gateway nodes.
//
// The mixing tests write from node B in explicit transactions that pause between their
// INSERT and their COMMIT (longer than the lease renewal margin, so some straddle a change), into a
// table keyed by the hidden row id (an INSERT then takes no lock before COMMIT), while node A
// changes the table; and then one transaction of B's straddles a change on purpose. A transaction
// whose INSERT ran with the old schema and whose COMMIT comes after the change must restart. Each
// test also runs with node B sabotaged (its transactions not bounded by their leases' ends) and
// must then catch the mix, so the checks can fail.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "server/testing/sql_cluster.h"
#include "sql/catalog/catalog.h"
#include "sql/session/session.h"

namespace meridian::sql {
namespace {

using ::meridian::server::testing::SqlCluster;

class CollectingSink : public DiscardingSink {
 public:
  std::vector<std::vector<Value>> rows;
  absl::Status Row(absl::Span<const Value> row) override {
    rows.emplace_back(row.begin(), row.end());
    return absl::OkStatus();
  }
};

class DescriptorLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = SqlCluster::Start({.nodes = 1});
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
  }
  // A second gateway over the same cluster, with its own leases.
  std::unique_ptr<Engine> OtherNode(bool sabotaged) {
    return std::make_unique<Engine>(
        EngineOptions{.client = &cluster_->client(),
                      .node_id = 2,
                      .descriptor_leases = {.unsafe_unbounded = sabotaged}});
  }
  static std::unique_ptr<SqlSession> NewSession(Engine& e) {
    auto s = e.NewSession({{"user", "root"}});
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  static absl::Status Run(SqlSession& s, const std::string& sql, CollectingSink* sink = nullptr) {
    CollectingSink local;
    return s.ExecuteSimple(sql, sink != nullptr ? sink : &local);
  }
  static int64_t Count(SqlSession& s, const std::string& sql) {
    CollectingSink rows;
    absl::Status st = Run(s, sql, &rows);
    EXPECT_TRUE(st.ok()) << sql << ": " << st;
    if (!st.ok() || rows.rows.size() != 1) return -1;
    return rows.rows[0][0].int_value();
  }

  // Node B's writers: each transaction inserts one row, waits, then commits. Returns the
  // number committed; every failure must be a restart.
  struct Writers {
    std::atomic<bool> stop{false};
    std::atomic<int64_t> committed{0};
    std::atomic<int64_t> restarted{0};
    std::vector<std::thread> threads;
    std::vector<std::unique_ptr<SqlSession>> sessions;
  };
  void StartWriters(Engine& b, const std::string& table, Writers* w) {
    for (int i = 0; i < 4; ++i) w->sessions.push_back(NewSession(b));
    for (int i = 0; i < 4; ++i) {
      w->threads.emplace_back([this, w, i, table] {
        SqlSession& s = *w->sessions[i];
        for (int n = 0; !w->stop.load(); ++n) {
          absl::Status st = Run(s, "BEGIN");
          if (st.ok()) st = Run(s, absl::StrCat("INSERT INTO ", table, " (v) VALUES (", n, ")"));
          if (st.ok()) absl::SleepFor(absl::Milliseconds(150 + 150 * i));
          if (st.ok()) st = Run(s, "COMMIT");
          if (st.ok()) {
            ++w->committed;
            continue;
          }
          (void)Run(s, "ROLLBACK");
          std::string state = GetSqlState(st).value_or("");
          // 42P01: the table is gone (after a DROP); 40001: a restart.
          if (state == "40001") {
            ++w->restarted;
          } else if (state != "42P01") {
            ADD_FAILURE() << st;
            return;
          }
        }
      });
    }
  }
  static void StopWriters(Writers* w) {
    w->stop = true;
    for (auto& t : w->threads) t.join();
  }

  // Node B's transaction inserts a row with the table's schema as leased, then node A
  // changes the table (`ddl`, which waits for B's lease to end), and only then does B commit.
  // B's commit must restart; returns its status. `changed_at`: a timestamp after the change.
  absl::Status StraddlingCommit(Engine& b, const std::string& table, const std::string& ddl,
                                Timestamp* changed_at = nullptr) {
    auto a = NewSession(cluster_->engine());
    auto bs = NewSession(b);
    EXPECT_TRUE(Run(*bs, "BEGIN").ok());
    EXPECT_TRUE(Run(*bs, absl::StrCat("INSERT INTO ", table, " (v) VALUES (-1)")).ok());
    absl::Status changed = Run(*a, ddl);
    EXPECT_TRUE(changed.ok()) << changed;
    // Earliest: at or above the change's commit (it waited that out), below any later one.
    if (changed_at != nullptr) {
      *changed_at = {cluster_->client().true_time()->Now().earliest_ns, 0};
    }
    absl::Status commit = Run(*bs, "COMMIT");
    if (!commit.ok()) (void)Run(*bs, "ROLLBACK");
    return commit;
  }

  // Node A adds a NOT NULL column with a default while node B writes: once with B's
  // writers running concurrently, once with a transaction of B's straddling the change.
  // Returns how many rows have no value in the new column (written with the old schema
  // after the change).
  int64_t RowsWithTheOldSchemaAfterAddColumn(bool sabotaged) {
    auto a = NewSession(cluster_->engine());
    EXPECT_TRUE(Run(*a, "CREATE TABLE mix (v INT)").ok());
    std::unique_ptr<Engine> b = OtherNode(sabotaged);
    Writers w;
    StartWriters(*b, "mix", &w);
    absl::SleepFor(absl::Milliseconds(700));
    absl::Status alter = Run(*a, "ALTER TABLE mix ADD COLUMN c INT NOT NULL DEFAULT 7");
    EXPECT_TRUE(alter.ok()) << alter;
    absl::SleepFor(absl::Milliseconds(1000));
    StopWriters(&w);
    EXPECT_GT(w.committed.load(), 0);
    int64_t committed = w.committed.load();
    absl::Status straddle =
        StraddlingCommit(*b, "mix", "ALTER TABLE mix ADD COLUMN d INT NOT NULL DEFAULT 8");
    if (sabotaged) {
      EXPECT_TRUE(straddle.ok()) << straddle;
      ++committed;
    } else {
      EXPECT_EQ(GetSqlState(straddle), "40001") << straddle;
    }
    // No write is lost either: every committed transaction left its row.
    EXPECT_EQ(Count(*a, "SELECT count(*) FROM mix"), committed);
    return Count(*a, "SELECT count(*) FROM mix WHERE c IS NULL OR d IS NULL");
  }

  std::unique_ptr<SqlCluster> cluster_;
};

TEST_F(DescriptorLeaseTest, StatementsReadNoCatalogKeyOnceLeased) {
  auto s = NewSession(cluster_->engine());
  ASSERT_TRUE(Run(*s, "CREATE TABLE acct (id INT PRIMARY KEY, bal INT)").ok());
  ASSERT_TRUE(Run(*s, "INSERT INTO acct VALUES (1, 0), (2, 0)").ok());
  const DescriptorLeases::Stats before = cluster_->engine().leases().stats();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Run(*s, "UPDATE acct SET bal = bal + 1 WHERE id = 1").ok());
    ASSERT_TRUE(Run(*s, "SELECT bal FROM acct WHERE id = 2").ok());
  }
  const DescriptorLeases::Stats after = cluster_->engine().leases().stats();
  EXPECT_EQ(after.fallbacks, before.fallbacks);
  EXPECT_GE(after.hits - before.hits, 100);
  // Renewals only (a hold lasts up to the catalog range's lease: about a second).
  EXPECT_LT(after.acquired - before.acquired, 20);
  EXPECT_EQ(Count(*s, "SELECT bal FROM acct WHERE id = 1"), 50);
}

TEST_F(DescriptorLeaseTest, ATransactionSeesItsOwnSchemaChanges) {
  auto s = NewSession(cluster_->engine());
  ASSERT_TRUE(Run(*s, "CREATE TABLE own (k INT PRIMARY KEY)").ok());
  ASSERT_TRUE(Run(*s, "INSERT INTO own VALUES (1)").ok());  // leased
  ASSERT_TRUE(Run(*s, "BEGIN").ok());
  ASSERT_TRUE(Run(*s, "INSERT INTO own VALUES (2)").ok());  // the lease's version
  ASSERT_TRUE(Run(*s, "ALTER TABLE own ADD COLUMN w INT DEFAULT 5").ok());
  ASSERT_TRUE(Run(*s, "INSERT INTO own VALUES (3, 6)").ok());
  ASSERT_TRUE(Run(*s, "CREATE TABLE fresh (k INT PRIMARY KEY)").ok());
  ASSERT_TRUE(Run(*s, "INSERT INTO fresh VALUES (1)").ok());
  ASSERT_TRUE(Run(*s, "COMMIT").ok());
  EXPECT_EQ(Count(*s, "SELECT sum(w) FROM own"), 16);
  EXPECT_EQ(Count(*s, "SELECT count(*) FROM fresh"), 1);
}

TEST_F(DescriptorLeaseTest, AnotherNodesSchemaChangeIsSeenOnceItCommits) {
  auto a = NewSession(cluster_->engine());
  std::unique_ptr<Engine> b = OtherNode(false);
  auto bs = NewSession(*b);
  ASSERT_TRUE(Run(*a, "CREATE TABLE seen (k INT PRIMARY KEY)").ok());
  ASSERT_TRUE(Run(*bs, "INSERT INTO seen VALUES (1)").ok());  // B leases the table
  ASSERT_TRUE(Run(*a, "ALTER TABLE seen ADD COLUMN w INT DEFAULT 3").ok());
  EXPECT_EQ(Count(*bs, "SELECT sum(w) FROM seen"), 3);
  ASSERT_TRUE(Run(*bs, "INSERT INTO seen (k) VALUES (2)").ok());
  EXPECT_EQ(Count(*a, "SELECT sum(w) FROM seen"), 6);
  ASSERT_TRUE(Run(*a, "DROP TABLE seen").ok());
  absl::Status gone = Run(*bs, "INSERT INTO seen VALUES (3)");
  EXPECT_EQ(GetSqlState(gone), "42P01") << gone;
}

TEST_F(DescriptorLeaseTest, AddColumnAndConcurrentWritesNeverMixVersions) {
  EXPECT_EQ(RowsWithTheOldSchemaAfterAddColumn(/*sabotaged=*/false), 0);
}

TEST_F(DescriptorLeaseTest, UnboundedLeaseUsersWouldMixVersions) {
  EXPECT_GT(RowsWithTheOldSchemaAfterAddColumn(/*sabotaged=*/true), 0);
}

// After DROP TABLE returns, nothing more is written under the dropped table's id: the rows
// there at the drop's return are all there ever are.
class DroppedTableTest : public DescriptorLeaseTest, public ::testing::WithParamInterface<bool> {};

TEST_P(DroppedTableTest, ADroppedTableIsNeverWrittenTo) {
  const bool sabotaged = GetParam();
  auto a = NewSession(cluster_->engine());
  std::unique_ptr<Engine> b = OtherNode(sabotaged);
  for (const char* table : {"gone", "gone2"}) {
    ASSERT_TRUE(Run(*a, absl::StrCat("CREATE TABLE ", table, " (v INT)")).ok());
  }
  auto prefix_of = [&](const std::string& name) {
    std::unique_ptr<txn::Txn> t = cluster_->client().Begin({.mode = txn::TxnMode::kReadOnly});
    absl::StatusOr<TablePtr> table = Catalog::GetTable(*t, name);
    EXPECT_TRUE(table.ok() && *table != nullptr);
    return (*table)->IndexPrefix(kPrimaryIndexId);
  };
  auto rows_at = [&](const std::string& prefix, Timestamp ts) -> int64_t {
    std::unique_ptr<txn::Txn> r =
        cluster_->client().Begin({.mode = txn::TxnMode::kReadOnly, .read_timestamp = ts});
    absl::StatusOr<std::vector<txn::Row>> rows = r->Scan(prefix, storage::PrefixEnd(prefix));
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? static_cast<int64_t>(rows->size()) : -1;
  };
  auto now = [&] { return Timestamp{cluster_->client().true_time()->Now().latest_ns, 0}; };

  // Concurrent writers on node B while node A drops the table.
  const std::string gone = prefix_of("gone");
  Writers w;
  StartWriters(*b, "gone", &w);
  absl::SleepFor(absl::Milliseconds(700));
  ASSERT_TRUE(Run(*a, "DROP TABLE gone").ok());
  const Timestamp dropped{cluster_->client().true_time()->Now().earliest_ns, 0};
  absl::SleepFor(absl::Milliseconds(1000));
  StopWriters(&w);
  const int64_t at_drop = rows_at(gone, dropped);
  EXPECT_GT(at_drop, 0);
  if (!sabotaged) {
    EXPECT_EQ(rows_at(gone, now()), at_drop);
    EXPECT_EQ(at_drop, w.committed.load());
  }

  // A transaction of node B's that inserted before the drop and commits after it.
  const std::string gone2 = prefix_of("gone2");
  Timestamp dropped2;
  absl::Status straddle = StraddlingCommit(*b, "gone2", "DROP TABLE gone2", &dropped2);
  EXPECT_EQ(rows_at(gone2, dropped2), 0);
  if (sabotaged) {
    EXPECT_TRUE(straddle.ok()) << straddle;
    EXPECT_EQ(rows_at(gone2, now()), 1) << "the sabotage should have let a stale writer in";
  } else {
    EXPECT_EQ(GetSqlState(straddle), "40001") << straddle;
    EXPECT_EQ(rows_at(gone2, now()), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Sabotage, DroppedTableTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Sabotaged" : "Leased"; });

}  // namespace
}  // namespace meridian::sql
