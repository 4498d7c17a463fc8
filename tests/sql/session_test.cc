// Sessions against a real (in-process) cluster: guarantees that need two sessions at once.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "server/testing/sql_cluster.h"
#include "sql/session/internal/session_impl.h"

namespace meridian::sql {
namespace {

using ::meridian::server::testing::SqlCluster;

// Discards results.
class NullSink : public DiscardingSink {
 public:
  int64_t rows = 0;
  absl::Status Row(absl::Span<const Value>) override {
    ++rows;
    return absl::OkStatus();
  }
};

// Keeps every row as text ("a|b|c").
class TextSink : public NullSink {
 public:
  std::vector<std::string> lines;
  absl::Status Row(absl::Span<const Value> row) override {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, i ? "|" : "", row[i].is_null() ? "NULL" : row[i].DebugString());
    }
    lines.push_back(std::move(line));
    return absl::OkStatus();
  }
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
  // The rows of `sql`, each as TextSink's line, joined by ","; the statement must succeed.
  static std::string Query(SqlSession& s, const std::string& sql);
  // EXPLAIN ANALYZE of `sql` (an autocommit statement) shows one round trip and one Paxos
  // round, a one-phase commit, and no read request.
  static void ExpectOneRoundTripWithoutReads(SqlSession& s, const std::string& sql) {
    std::string plan = Query(s, "EXPLAIN ANALYZE " + sql);
    EXPECT_NE(plan.find("round trips: 1, Paxos rounds: 1, commit: one phase"), std::string::npos)
        << sql << "\n"
        << plan;
    EXPECT_EQ(plan.find("READ r"), std::string::npos) << sql << "\n" << plan;
  }
  std::unique_ptr<SqlCluster> cluster_;
};

std::string SessionTest::Query(SqlSession& s, const std::string& sql) {
  TextSink out;
  absl::Status st = Run(s, sql, &out);
  EXPECT_TRUE(st.ok()) << sql << ": " << st;
  return absl::StrJoin(out.lines, ",");
}

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
    absl::Status ca = sa.ok() ? Run(*a, "COMMIT") : (Run(*a, "ROLLBACK").IgnoreError(), sa);
    t.join();
    absl::Status cb = sb.ok() ? Run(*b, "COMMIT") : (Run(*b, "ROLLBACK").IgnoreError(), sb);
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

// REPEATABLE READ is snapshot isolation, as in PostgreSQL: reads take no locks and see the
// snapshot taken at the first statement, a concurrent writer is never blocked by them, and
// of two transactions that write one row the first to commit wins (no lost update). Write
// skew is allowed, as it is in PostgreSQL (SERIALIZABLE, the default, forbids it).
TEST_F(SessionTest, RepeatableReadIsSnapshotIsolation) {
  auto a = NewSession(), b = NewSession();
  ASSERT_TRUE(Run(*a, "CREATE TABLE acct (k INT PRIMARY KEY, v INT)").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO acct VALUES (1, 100), (2, 100)").ok());
  // Under shared read locks b's UPDATE would wait for a; this makes such a wait fail.
  ASSERT_TRUE(Run(*b, "SET statement_timeout = '3s'").ok());

  ASSERT_TRUE(Run(*a, "BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  EXPECT_EQ(Query(*a, "SHOW transaction_isolation"), "'repeatable read'");
  EXPECT_EQ(Query(*a, "SELECT v FROM acct WHERE k = 1"), "100");
  ASSERT_TRUE(Run(*b, "UPDATE acct SET v = 150 WHERE k = 1").ok()) << "blocked by a's read";
  EXPECT_EQ(Query(*a, "SELECT v FROM acct WHERE k = 1"), "100") << "not repeatable";
  EXPECT_EQ(Query(*a, "SELECT sum(v) FROM acct"), "200") << "not one snapshot";
  // The lost update: a's increment is based on 100, but 150 was committed since.
  absl::Status update = Run(*a, "UPDATE acct SET v = v + 1 WHERE k = 1");
  absl::Status commit = update.ok() ? Run(*a, "COMMIT") : update;
  EXPECT_EQ(GetSqlState(commit), "40001") << commit;
  if (!update.ok()) {
    ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  }
  EXPECT_EQ(Query(*b, "SELECT v FROM acct WHERE k = 1"), "150");

  // First committer wins whichever statement finds it: here a's blind write at COMMIT.
  ASSERT_TRUE(Run(*a, "BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  EXPECT_EQ(Query(*a, "SELECT v FROM acct WHERE k = 2"), "100");
  ASSERT_TRUE(Run(*b, "DELETE FROM acct WHERE k = 2").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO acct VALUES (3, 0)").ok());
  absl::Status blind = Run(*a, "UPDATE acct SET v = 7 WHERE k = 2");
  if (blind.ok()) blind = Run(*a, "COMMIT");
  // Either the row is gone at a's snapshot-less check (0 rows, commit fine) or the delete
  // is seen as a conflict; a never resurrects k = 2.
  if (!blind.ok()) {
    EXPECT_EQ(GetSqlState(blind), "40001") << blind;
    (void)Run(*a, "ROLLBACK");
  }
  EXPECT_EQ(Query(*b, "SELECT count(*) FROM acct WHERE k = 2"), "0");

  // Write skew: each reads both rows and moves one; both commit.
  ASSERT_TRUE(Run(*a, "DELETE FROM acct").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO acct VALUES (1, 100), (2, 100)").ok());
  ASSERT_TRUE(Run(*a, "BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  ASSERT_TRUE(Run(*b, "BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  EXPECT_EQ(Query(*a, "SELECT sum(v) FROM acct"), "200");
  EXPECT_EQ(Query(*b, "SELECT sum(v) FROM acct"), "200");
  ASSERT_TRUE(Run(*a, "UPDATE acct SET v = v - 150 WHERE k = 1").ok());
  ASSERT_TRUE(Run(*b, "UPDATE acct SET v = v - 150 WHERE k = 2").ok());
  EXPECT_TRUE(Run(*a, "COMMIT").ok());
  EXPECT_TRUE(Run(*b, "COMMIT").ok());
  EXPECT_EQ(Query(*a, "SELECT sum(v) FROM acct"), "-100");

  // SELECT ... FOR UPDATE over a range locks the rows it returns, as in PostgreSQL: a
  // writer waits until the locker commits.
  ASSERT_TRUE(Run(*a, "BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  EXPECT_EQ(Query(*a, "SELECT k FROM acct WHERE k >= 1 AND k <= 2 FOR UPDATE"), "1,2");
  std::atomic<bool> written{false};
  absl::Status write;
  std::thread writer([&] {
    write = Run(*b, "UPDATE acct SET v = 0 WHERE k = 2");
    written = true;
  });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(written.load()) << "FOR UPDATE did not lock the row";
  ASSERT_TRUE(Run(*a, "COMMIT").ok());
  writer.join();
  EXPECT_TRUE(write.ok()) << write;

  // The settings, and what REPEATABLE READ refuses.
  EXPECT_EQ(Query(*a, "SHOW transaction_isolation"), "'serializable'");
  ASSERT_TRUE(Run(*a, "SET default_transaction_isolation = 'repeatable read'").ok());
  EXPECT_EQ(Query(*a, "SHOW transaction_isolation"), "'repeatable read'");
  ASSERT_TRUE(Run(*a, "BEGIN").ok());
  EXPECT_EQ(Query(*a, "SHOW transaction_isolation"), "'repeatable read'");
  EXPECT_EQ(GetSqlState(Run(*a, "CREATE TABLE nope (k INT PRIMARY KEY)")), "0A000");
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  EXPECT_TRUE(Run(*a, "CREATE TABLE yes (k INT PRIMARY KEY)").ok()) << "autocommit DDL";
  EXPECT_EQ(GetSqlState(Run(*a, "SET default_transaction_isolation = 'snapshot'")), "22023");
  ASSERT_TRUE(Run(*a,
                  "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ "
                  "COMMITTED")
                  .ok());
  EXPECT_EQ(Query(*a, "SHOW default_transaction_isolation"), "'serializable'");  // stronger
  ASSERT_TRUE(Run(*a, "BEGIN").ok());
  ASSERT_TRUE(Run(*a, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").ok());
  EXPECT_EQ(Query(*a, "SELECT count(*) FROM acct"), "2");
  EXPECT_EQ(Query(*a, "SHOW transaction_isolation"), "'repeatable read'");
  EXPECT_EQ(GetSqlState(Run(*a, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")), "25001");
  (void)Run(*a, "ROLLBACK");
}

// An implicit transaction's results are held back (so a 40001 can be retried unnoticed) only
// up to 16 KiB: past that they stream, as PostgreSQL's do. So a statement that fails late
// has already sent the client the rows before the failure; one that fails early, none.
TEST_F(SessionTest, ResultsPastTheRetryBufferStreamToTheClient) {
  auto s = NewSession();
  NullSink late;
  absl::Status failed =
      Run(*s, "SELECT g, 1 / (g - 5000) FROM generate_series(1, 10000) AS g", &late);
  EXPECT_EQ(GetSqlState(failed), "22012") << failed;
  EXPECT_GT(late.rows, 1000) << "rows past the buffer must have reached the client";
  EXPECT_LT(late.rows, 5000);
  NullSink early;
  failed = Run(*s, "SELECT g, 1 / (g - 5) FROM generate_series(1, 10000) AS g", &early);
  EXPECT_EQ(GetSqlState(failed), "22012") << failed;
  EXPECT_EQ(early.rows, 0) << "a failed statement under the buffer sends nothing";
  // And the session carries on.
  NullSink ok;
  ASSERT_TRUE(Run(*s, "SELECT g FROM generate_series(1, 3) AS g", &ok).ok());
  EXPECT_EQ(ok.rows, 3);
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

// Plans are reused by prepared statements and by repeated statement texts, and never
// outlive the schema they were planned against: here the table is dropped and created
// again under the same name (a new table id), by another session, between executions.
TEST_F(SessionTest, CachedPlansAreReusedUntilTheirTablesChange) {
  auto a = NewSession(), b = NewSession();
  const auto& stats = static_cast<SessionImpl&>(*a).plan_cache_stats();
  ASSERT_TRUE(Run(*b, "CREATE TABLE pc (k INT PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(Run(*b, "INSERT INTO pc VALUES (1, 'old')").ok());
  auto prepared = a->Prepare("SELECT v FROM pc WHERE k = $1", {});
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  auto value = [&](bool simple) -> std::string {
    TextSink rows;
    absl::Status st = simple ? a->ExecuteSimple("SELECT v FROM pc WHERE k = 1", &rows)
                             : a->Execute(**prepared, {Value::Int(1)}, &rows);
    if (!simple) (void)a->Sync();
    EXPECT_TRUE(st.ok()) << st;
    return rows.lines.size() == 1 ? rows.lines[0] : "(none)";
  };
  for (bool simple : {false, true}) {
    const int64_t hits = stats.hits, misses = stats.misses;
    EXPECT_EQ(value(simple), "'old'");
    EXPECT_EQ(value(simple), "'old'");
    EXPECT_EQ(value(simple), "'old'");
    EXPECT_EQ(stats.misses - misses, 1);
    EXPECT_EQ(stats.hits - hits, 2);
  }
  ASSERT_TRUE(Run(*b, "DROP TABLE pc").ok());
  ASSERT_TRUE(Run(*b, "CREATE TABLE pc (k INT PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(Run(*b, "INSERT INTO pc VALUES (1, 'new')").ok());
  for (bool simple : {false, true}) {
    const int64_t misses = stats.misses;
    EXPECT_EQ(value(simple), "'new'");
    EXPECT_EQ(stats.misses - misses, 1);  // planned again
  }
  // Nor is a plan made inside a transaction that changed the table: its version may never
  // commit (and could be taken by another change after a rollback).
  ASSERT_TRUE(Run(*a, "BEGIN").ok());
  ASSERT_TRUE(Run(*a, "ALTER TABLE pc ADD COLUMN w INT DEFAULT 1").ok());
  EXPECT_EQ(value(false), "'new'");
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  ASSERT_TRUE(Run(*b, "ALTER TABLE pc ADD COLUMN z INT DEFAULT 2").ok());
  {
    const int64_t misses = stats.misses;
    EXPECT_EQ(value(false), "'new'");
    EXPECT_EQ(stats.misses - misses, 1);
  }
  // A plan that read a system view is not kept (it may change with any table).
  const int64_t misses = stats.misses;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Run(*a, "SELECT count(*) FROM pg_catalog.pg_class").ok());
  }
  EXPECT_EQ(stats.misses - misses, 2);
}

// Filters that run at the ranges: the same answers whether or not ranges evaluate them
// (the parameter), and with them far fewer rows cross the network.
class RangeFilterTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto c = SqlCluster::Start({.nodes = 1, .range_filters = GetParam()});
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
    auto s = cluster_->engine().NewSession({{"user", "root"}});
    ASSERT_TRUE(s.ok());
    session_ = std::move(*s);
  }
  std::vector<std::string> Query(const std::string& sql) {
    TextSink sink;
    absl::Status s = session_->ExecuteSimple(sql, &sink);
    EXPECT_TRUE(s.ok()) << sql << ": " << s;
    return sink.lines;
  }
  absl::Status Exec(const std::string& sql) {
    NullSink sink;
    return session_->ExecuteSimple(sql, &sink);
  }
  // The "rows read" figure of EXPLAIN ANALYZE.
  int64_t RowsRead(const std::string& sql) {
    for (const auto& line : Query("EXPLAIN ANALYZE " + sql)) {
      auto at = line.find(" rows read)");
      if (at == std::string::npos) continue;
      auto from = line.rfind(' ', at - 1);
      return std::stoll(line.substr(from + 1, at - from - 1));
    }
    ADD_FAILURE() << "no rows read in EXPLAIN ANALYZE " << sql;
    return -1;
  }
  std::unique_ptr<SqlCluster> cluster_;
  std::unique_ptr<SqlSession> session_;
};

TEST_P(RangeFilterTest, SameAnswersFewerRowsRead) {
  const bool filters = GetParam();
  ASSERT_TRUE(Exec("CREATE TABLE f (k INT PRIMARY KEY, v INT, s TEXT)").ok());
  // 3,000 rows: more than one page (kScanPageRows) of a range's scan.
  for (int chunk = 0; chunk < 3; ++chunk) {
    std::string insert = "INSERT INTO f VALUES ";
    for (int i = 0; i < 1000; ++i) {
      int k = chunk * 1000 + i;
      absl::StrAppend(&insert, i ? ", " : "", "(", k, ", ", k % 100, ", 'x", k, "')");
    }
    ASSERT_TRUE(Exec(insert).ok());
  }
  const std::string q = "SELECT k FROM f WHERE v = 7 ORDER BY k";
  std::vector<std::string> want;
  for (int k = 7; k < 3000; k += 100) want.push_back(absl::StrCat(k));
  EXPECT_EQ(Query(q), want);
  // Planned alike either way; read far less when ranges filter.
  std::vector<std::string> plan = Query("EXPLAIN " + q);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_NE(plan[2].find("at ranges (v#1 = 7)"), std::string::npos) << plan[2];
  EXPECT_EQ(RowsRead(q), filters ? 30 : 3000);

  // Filters passing most rows: pages cut at the request's limit resume correctly.
  EXPECT_EQ(Query("SELECT count(*), sum(k) FROM f WHERE v >= 1 AND s LIKE 'x%'"),
            std::vector<std::string>{"2970|4455000"});
  // A conjunct a range cannot run (a subquery) stays at the SQL node; the rest is pushed.
  EXPECT_EQ(Query("SELECT count(*) FROM f WHERE v = 7 AND k IN (SELECT 107 UNION SELECT 2907)"),
            std::vector<std::string>{"2"});
  // An error in the filter still reaches the client, with its SQLSTATE.
  EXPECT_EQ(GetSqlState(Exec("SELECT k FROM f WHERE 10 / (v - 7) > 100")), "22012");

  // A read-write transaction sees its own writes, filtered as committed rows are.
  ASSERT_TRUE(Exec("BEGIN").ok());
  ASSERT_TRUE(Exec("INSERT INTO f VALUES (5000, 7, 'new')").ok());
  ASSERT_TRUE(Exec("UPDATE f SET v = 8 WHERE k = 107").ok());
  ASSERT_TRUE(Exec("DELETE FROM f WHERE k = 207").ok());
  std::vector<std::string> mine = Query(q);
  ASSERT_TRUE(Exec("ROLLBACK").ok());
  ASSERT_GE(mine.size(), 3u);
  EXPECT_EQ(mine.front(), "7");
  EXPECT_EQ(mine[1], "307");
  EXPECT_EQ(mine.back(), "5000");
  EXPECT_EQ(mine.size(), 29u);  // 30, plus 5000, less 107 and 207
  // Read-only transactions filter at the replica they read from.
  ASSERT_TRUE(Exec("BEGIN READ ONLY").ok());
  EXPECT_EQ(Query(q), want);
  ASSERT_TRUE(Exec("COMMIT").ok());
}

INSTANTIATE_TEST_SUITE_P(Ranges, RangeFilterTest, ::testing::Bool(), [](const auto& info) {
  return info.param ? "Filtering" : "NotFiltering";
});

// EXPLAIN ANALYZE and SHOW last_transaction_trace count the round trips of the canonical
// shapes, so that a regression in the fast path fails here:
//   - a point select by primary key: one lock-free read RPC, nothing at the catalog range;
//   - an autocommit single-row UPDATE: a locking read and a one-phase COMMIT, one Paxos
//     round, nothing at the catalog range (descriptor leases);
//   - a transfer between two ranges: two-phase commit, two Paxos rounds on the critical path;
//   - a secondary-index scan: the index entries, then their rows in one request per range.
// Ranges here: r1 the catalog, r2 tables 100..103, r3 tables from 104 on.
TEST_F(SessionTest, RoundTripsOfTheCanonicalShapes) {
  auto s = NewSession();
  // Table ids 100 (r2) and 104 (r3): the three in between are placeholders.
  for (const char* t : {"acc", "p1", "p2", "p3", "far"}) {
    ASSERT_TRUE(Run(*s, absl::StrCat("CREATE TABLE ", t, " (k INT PRIMARY KEY, v INT)")).ok());
  }
  ASSERT_TRUE(Run(*s, "INSERT INTO acc VALUES (1, 100), (2, 100)").ok());
  ASSERT_TRUE(Run(*s, "INSERT INTO far VALUES (1, 100)").ok());
  auto explain = [&](const std::string& sql) {
    TextSink out;
    absl::Status st = Run(*s, sql, &out);
    EXPECT_TRUE(st.ok()) << st;
    return absl::StrJoin(out.lines, "\n");
  };
  auto count = [](const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  };
  explain("SELECT v FROM acc WHERE k = 1");  // leases and plans warm
  std::string select = explain("EXPLAIN ANALYZE SELECT v FROM acc WHERE k = 1");
  EXPECT_NE(select.find("round trips: 1, Paxos rounds: 0, commit: read-only"), std::string::npos)
      << select;
  EXPECT_EQ(count(select, "GET r2 at n1 (direct): 1 key"), 1) << select;
  EXPECT_EQ(count(select, " r1 "), 0) << "no catalog read\n" << select;

  explain("UPDATE acc SET v = v + 0 WHERE k = 1");
  std::string update = explain("EXPLAIN ANALYZE UPDATE acc SET v = v - 10 WHERE k = 1");
  // One request: the range reads the row under its lock, computes v - 10 and commits.
  EXPECT_NE(update.find("round trips: 1, Paxos rounds: 1, commit: one phase"), std::string::npos)
      << update;
  EXPECT_EQ(count(update, "READ r"), 0) << update;
  EXPECT_EQ(count(update, "COMMIT r2 at n1 (direct): 1 key"), 1) << update;
  EXPECT_EQ(count(update, "commit wait"), 1) << update;
  EXPECT_EQ(count(update, " r1 "), 0) << "no catalog read\n" << update;
  // The UPDATE committed (EXPLAIN ANALYZE runs it, as PostgreSQL's does).
  TextSink v;
  ASSERT_TRUE(Run(*s, "SELECT v FROM acc WHERE k = 1", &v).ok());
  EXPECT_EQ(v.lines, std::vector<std::string>{"90"});

  ASSERT_TRUE(Run(*s, "BEGIN").ok());
  ASSERT_TRUE(Run(*s, "UPDATE acc SET v = v - 10 WHERE k = 2").ok());
  ASSERT_TRUE(Run(*s, "UPDATE far SET v = v + 10 WHERE k = 1").ok());
  std::string inside = explain("EXPLAIN ANALYZE SELECT v FROM far WHERE k = 1");
  EXPECT_NE(inside.find("commit: not yet"), std::string::npos) << inside;
  ASSERT_TRUE(Run(*s, "COMMIT").ok());
  std::string transfer = explain("SHOW last_transaction_trace");
  // Each UPDATE's locking read took its row's lock, so there is no LOCK round: the reads,
  // PREPARE at r3, DECIDE at r2 (the coordinator, with commit wait).
  EXPECT_NE(transfer.find("round trips: 4, Paxos rounds: 2, commit: two-phase commit"),
            std::string::npos)
      << transfer;
  EXPECT_EQ(count(transfer, "LOCK r"), 0) << transfer;
  EXPECT_EQ(count(transfer, "PREPARE r3"), 1) << transfer;
  EXPECT_EQ(count(transfer, "DECIDE r2"), 1) << transfer;
  EXPECT_EQ(count(transfer, " r1 "), 0) << transfer;

  // A secondary-index scan: the index span, then its rows in one request per range.
  ASSERT_TRUE(Run(*s, "INSERT INTO acc VALUES (3, 90), (4, 90)").ok());
  ASSERT_TRUE(Run(*s, "CREATE INDEX acc_v ON acc (v)").ok());
  explain("SELECT k FROM acc WHERE v = 90");
  std::string by_index = explain("EXPLAIN ANALYZE SELECT k FROM acc WHERE v = 90");
  EXPECT_NE(by_index.find("round trips: 2, Paxos rounds: 0"), std::string::npos) << by_index;
  EXPECT_EQ(count(by_index, "SCAN r2 at n1 (direct): 4 keys"), 1) << by_index;
  EXPECT_EQ(count(by_index, "GET r2 at n1 (direct): 4 keys"), 1) << by_index;
}

// An autocommit UPDATE of one row by its key runs at the row's range (one request, one Paxos
// round): it must give the answers the usual path gives. Concurrent increments lose
// nothing; a WHERE that is false, or a missing row, updates nothing; RETURNING sees the new
// row; an error computing the new row (22012) or a NOT NULL violation writes nothing; and
// the shapes the range cannot run (a changed key, an indexed table, a volatile function)
// take the usual path with the same results.
TEST_F(SessionTest, SingleRowUpdatesAtTheRangeGiveTheUsualAnswers) {
  auto a = NewSession();
  ASSERT_TRUE(Run(*a, "CREATE TABLE c (k INT PRIMARY KEY, n INT NOT NULL, note TEXT)").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO c VALUES (1, 0, 'x'), (2, 5, NULL)").ok());
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([this] {
      auto s = NewSession();
      for (int j = 0; j < kEach; ++j) {
        absl::Status st = Run(*s, "UPDATE c SET n = n + 1 WHERE k = 1");
        EXPECT_TRUE(st.ok()) << st;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Query(*a, "SELECT n FROM c WHERE k = 1"), absl::StrCat(kThreads * kEach));
  std::string plan = Query(*a, "EXPLAIN ANALYZE UPDATE c SET n = n + 1 WHERE k = 1");
  EXPECT_NE(plan.find("round trips: 1,"), std::string::npos) << plan;

  EXPECT_EQ(Query(*a, "UPDATE c SET n = n * 2, note = note || '!' WHERE k = 2 RETURNING n, note"),
            "10|NULL");
  EXPECT_EQ(Query(*a, "UPDATE c SET n = 0 WHERE k = 2 AND n > 100 RETURNING n"), "");
  EXPECT_EQ(Query(*a, "UPDATE c SET n = 0 WHERE k = 3 RETURNING n"), "");
  EXPECT_EQ(Query(*a, "SELECT k, n, note FROM c ORDER BY k"),
            absl::StrCat("1|", kThreads * kEach + 1, "|'x',2|10|NULL"));
  absl::Status div = Run(*a, "UPDATE c SET n = n / (n - 10) WHERE k = 2");
  EXPECT_EQ(GetSqlState(div), "22012") << div;
  absl::Status null = Run(*a, "UPDATE c SET n = NULL WHERE k = 2");
  EXPECT_EQ(GetSqlState(null), "23502") << null;
  EXPECT_EQ(Query(*a, "SELECT n FROM c WHERE k = 2"), "10") << "a failed update wrote";
  // Shapes the range does not run, with the same answers.
  EXPECT_EQ(Query(*a, "UPDATE c SET k = 3 WHERE k = 2 RETURNING k, n"), "3|10");
  EXPECT_EQ(Query(*a, "UPDATE c SET note = random()::text WHERE k = 3 RETURNING n"), "10");
  ASSERT_TRUE(Run(*a, "CREATE INDEX c_n ON c (n)").ok());
  EXPECT_EQ(Query(*a, "UPDATE c SET n = 11 WHERE k = 3 RETURNING n"), "11");
  EXPECT_EQ(Query(*a, "SELECT k FROM c WHERE n = 11"), "3");
  plan = Query(*a, "EXPLAIN ANALYZE UPDATE c SET n = 12 WHERE k = 3");
  EXPECT_EQ(plan.find("round trips: 1,"), std::string::npos) << "an indexed column\n" << plan;
  EXPECT_EQ(Query(*a, "SELECT k FROM c WHERE n = 12"), "3");
  EXPECT_EQ(Query(*a, "SELECT count(*) FROM c WHERE n = 11"), "0");
  // A column no index holds: at the range, and the index still finds the row.
  plan = Query(*a, "EXPLAIN ANALYZE UPDATE c SET note = 'y' WHERE k = 3");
  EXPECT_NE(plan.find("round trips: 1,"), std::string::npos) << plan;
  EXPECT_EQ(Query(*a, "SELECT k, note FROM c WHERE n = 12"), "3|'y'");
}

// An autocommit INSERT of one row checks its key where its commit locks it: one round trip.
// A duplicate is still 23505 with the constraint's name and writes nothing; of concurrent
// inserts of one key exactly one wins; a table with a unique index takes the usual path.
TEST_F(SessionTest, SingleRowInsertsCheckTheirKeyAtCommit) {
  auto a = NewSession();
  ASSERT_TRUE(Run(*a, "CREATE TABLE ins (k INT PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO ins VALUES (0, 'warm')").ok());
  ExpectOneRoundTripWithoutReads(*a, "INSERT INTO ins VALUES (1, 'one')");
  std::string plan;
  absl::Status dup = Run(*a, "INSERT INTO ins VALUES (1, 'again')");
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  EXPECT_NE(dup.message().find("\"ins_pkey\""), std::string::npos) << dup;
  EXPECT_EQ(Query(*a, "SELECT v FROM ins WHERE k = 1"), "'one'");
  EXPECT_EQ(Query(*a, "INSERT INTO ins VALUES (2, 'two') RETURNING k, v"), "2|'two'");

  constexpr int kThreads = 4;
  std::atomic<int> won{0}, duplicate{0};
  std::vector<std::thread> threads;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, round, i] {
        auto s = NewSession();
        absl::Status st = Run(*s, absl::StrCat("INSERT INTO ins VALUES (", 100 + round, ", 'round ",
                                               round, " by ", i, "')"));
        if (st.ok()) {
          ++won;
        } else {
          EXPECT_EQ(GetSqlState(st), "23505") << st;
          ++duplicate;
        }
      });
    }
    for (auto& t : threads) t.join();
    threads.clear();
  }
  EXPECT_EQ(won.load(), 5);
  EXPECT_EQ(duplicate.load(), 5 * (kThreads - 1));
  EXPECT_EQ(Query(*a, "SELECT count(*) FROM ins WHERE k >= 100"), "5");

  ASSERT_TRUE(Run(*a, "CREATE UNIQUE INDEX ins_v ON ins (v)").ok());
  plan = Query(*a, "EXPLAIN ANALYZE INSERT INTO ins VALUES (3, 'three')");
  EXPECT_EQ(plan.find("round trips: 1,"), std::string::npos) << "a unique index\n" << plan;
  dup = Run(*a, "INSERT INTO ins VALUES (4, 'three')");
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  EXPECT_NE(dup.message().find("\"ins_v\""), std::string::npos) << dup;
}

// An autocommit multi-row INSERT or COPY into a table whose only unique constraint is its
// primary key checks its keys at commit too: one round trip, each key locked once. Any
// duplicate, against a committed row or within the statement (also across COPY's chunks of
// 1,000 rows), fails the statement with 23505 and writes nothing.
TEST_F(SessionTest, MultiRowInsertsAndCopyCheckTheirKeysAtCommit) {
  auto a = NewSession();
  ASSERT_TRUE(Run(*a, "CREATE TABLE many (k INT PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO many VALUES (0, 'warm')").ok());
  ExpectOneRoundTripWithoutReads(*a, "INSERT INTO many VALUES (1, 'a'), (2, 'b')");

  absl::Status dup = Run(*a, "INSERT INTO many VALUES (3, 'c'), (1, 'again')");
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  EXPECT_NE(dup.message().find("\"many_pkey\""), std::string::npos) << dup;
  dup = Run(*a, "INSERT INTO many VALUES (4, 'd'), (5, 'e'), (4, 'twice')");
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  EXPECT_EQ(Query(*a, "SELECT count(*) FROM many"), "3");

  class CopySink : public NullSink {
   public:
    std::string data;
    absl::StatusOr<std::string> CopyIn(const CopyFormat&) override { return data; }
  };
  auto copy = [&](int from, int to, int repeat) {
    CopySink sink;
    for (int k = from; k < to; ++k) absl::StrAppend(&sink.data, k, "\tc", k, "\n");
    if (repeat >= 0) absl::StrAppend(&sink.data, repeat, "\tagain\n");
    return Run(*a, "COPY many FROM STDIN", &sink);
  };
  ASSERT_TRUE(copy(100, 2600, -1).ok());
  EXPECT_EQ(Query(*a, "SELECT count(*), min(k), max(k) FROM many WHERE k >= 100"), "2500|100|2599");
  dup = copy(5000, 7500, 5001);  // the repeat is in the third chunk
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  dup = copy(8000, 8100, 2599);  // a committed row
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  EXPECT_EQ(Query(*a, "SELECT count(*) FROM many WHERE k >= 100"), "2500");

  // Inside a transaction block the check stays at the statement: the INSERT fails, not
  // the COMMIT.
  ASSERT_TRUE(Run(*a, "BEGIN").ok());
  dup = Run(*a, "INSERT INTO many VALUES (9, 'x'), (1, 'y')");
  EXPECT_EQ(GetSqlState(dup), "23505") << dup;
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  EXPECT_EQ(Query(*a, "SELECT count(*) FROM many WHERE k < 100"), "3");
}

// The bulk path (txn::Txn::AddPrivateSpan): rows written into a table created or truncated
// in the same transaction, or moved by ADD PRIMARY KEY, go out in batches (4 KiB here)
// before the commit. The transaction still reads them, catches duplicates among them, and
// is all-or-nothing: nobody else sees them before the commit, a rollback leaves the old
// table as it was, and everything is there after the commit.
class BulkPathTest : public SessionTest {
 protected:
  void SetUp() override {
    auto c = SqlCluster::Start({.nodes = 1, .ingest_batch_bytes = 4096});
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
  }
  static std::string Scalar(SqlSession& s, const std::string& sql) {
    TextSink out;
    absl::Status st = Run(s, sql, &out);
    if (!st.ok()) return std::string(st.message());
    return out.lines.empty() ? "" : out.lines[0];
  }
};

constexpr char kLoad[] =
    "INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 2000) AS g";

TEST_F(BulkPathTest, LoadsIntoNewKeySpacesAreAllOrNothing) {
  auto a = NewSession(), b = NewSession();
  // A new table, rolled back: gone, and its rows with it.
  ASSERT_TRUE(Run(*a, "BEGIN; CREATE TABLE t (k INT PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(Run(*a, kLoad).ok());
  EXPECT_EQ(Scalar(*a, "SELECT count(*), sum(k) FROM t"), "2000|2001000");
  EXPECT_EQ(GetSqlState(Run(*b, "SELECT * FROM t")), "42P01");
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  EXPECT_EQ(GetSqlState(Run(*a, "SELECT * FROM t")), "42P01");

  // TRUNCATE and reload (others wait for the table, as PostgreSQL's do): a duplicate of an
  // ingested row is caught; the rollback leaves the old rows.
  ASSERT_TRUE(Run(*a, "CREATE TABLE t (k INT PRIMARY KEY, v TEXT)").ok());
  absl::Status st = Run(*a, "INSERT INTO t VALUES (1, 'old'), (2, 'old'), (3, 'old')");
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_TRUE(Run(*a, "BEGIN; TRUNCATE t").ok());
  ASSERT_TRUE(Run(*a, kLoad).ok());
  EXPECT_EQ(GetSqlState(Run(*a, "INSERT INTO t VALUES (5, 'again')")), "23505");
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  EXPECT_EQ(Scalar(*a, "SELECT count(*) FROM t WHERE v = 'old'"), "3");
  EXPECT_EQ(Scalar(*a, "SELECT count(*) FROM t"), "3");

  // Committed: all of it, seen by the other session, through a new index too.
  ASSERT_TRUE(Run(*a, "BEGIN; TRUNCATE t").ok());
  ASSERT_TRUE(Run(*a, kLoad).ok());
  ASSERT_TRUE(Run(*a, "UPDATE t SET v = 'changed' WHERE k = 7").ok());  // an ingested row
  ASSERT_TRUE(Run(*a, "COMMIT").ok());
  EXPECT_EQ(Scalar(*b, "SELECT count(*), sum(k) FROM t"), "2000|2001000");
  EXPECT_EQ(Scalar(*b, "SELECT k FROM t WHERE v = 'changed'"), "7");
  ASSERT_TRUE(Run(*a, "CREATE INDEX t_v ON t (v)").ok());  // backfilled in batches
  EXPECT_EQ(Scalar(*b, "SELECT count(*) FROM t WHERE v = 'changed'"), "1");
  EXPECT_EQ(Scalar(*b, "SELECT count(*) FROM t WHERE v > 'w'"), "1999");
}

TEST_F(BulkPathTest, AddPrimaryKeyMovesRowsInBatches) {
  auto a = NewSession();
  ASSERT_TRUE(Run(*a, "CREATE TABLE t (k INT NOT NULL, v TEXT)").ok());
  ASSERT_TRUE(Run(*a, kLoad).ok());
  ASSERT_TRUE(Run(*a, "ALTER TABLE t ADD PRIMARY KEY (k)").ok());
  EXPECT_EQ(Scalar(*a, "SELECT count(*), sum(k) FROM t"), "2000|2001000");
  EXPECT_EQ(GetSqlState(Run(*a, "INSERT INTO t VALUES (1234, 'dup')")), "23505");
  // A duplicate found after some rows were moved fails the whole ALTER.
  ASSERT_TRUE(Run(*a, "CREATE TABLE d (k INT NOT NULL, v TEXT)").ok());
  ASSERT_TRUE(Run(*a,
                  "INSERT INTO d SELECT g % 1500, repeat('x', 100) FROM generate_series(1, "
                  "2000) AS g")
                  .ok());
  EXPECT_EQ(GetSqlState(Run(*a, "ALTER TABLE d ADD PRIMARY KEY (k)")), "23505");
  EXPECT_EQ(Scalar(*a, "SELECT count(*) FROM d"), "2000");
  ASSERT_TRUE(Run(*a, "INSERT INTO d VALUES (1, 'a second 1 is still allowed')").ok());
}

// Ingested rows cannot be taken back one savepoint at a time: ROLLBACK TO a savepoint
// taken before them fails (0A000); the whole transaction still rolls back.
TEST_F(BulkPathTest, SavepointsBeforeABulkLoadCannotBeRolledBackTo) {
  auto a = NewSession();
  ASSERT_TRUE(Run(*a, "BEGIN; SAVEPOINT before; CREATE TABLE t (k INT PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(Run(*a, "SAVEPOINT created").ok());
  ASSERT_TRUE(Run(*a, kLoad).ok());
  ASSERT_TRUE(Run(*a, "SAVEPOINT loaded").ok());
  ASSERT_TRUE(Run(*a, "INSERT INTO t VALUES (5000, 'y')").ok());
  ASSERT_TRUE(Run(*a, "ROLLBACK TO SAVEPOINT loaded").ok());  // nothing ingested since
  EXPECT_EQ(Scalar(*a, "SELECT count(*) FROM t"), "2000");
  EXPECT_EQ(GetSqlState(Run(*a, "ROLLBACK TO SAVEPOINT created")), "0A000");
  ASSERT_TRUE(Run(*a, "ROLLBACK").ok());
  EXPECT_EQ(GetSqlState(Run(*a, "SELECT * FROM t")), "42P01");
}

}  // namespace
}  // namespace meridian::sql
