// Transactions on three real `meridian start` processes with four ranges ("" .. "b" .. "c"
// .. "d" ..), driven through the transaction API (txn/txn_client.h) over gRPC.
//
//   - the API end to end: read-your-writes, scans across ranges, rollback, read-only
//     snapshots (now, at a timestamp, bounded staleness, single range), bad input;
//   - one test per classic anomaly, each showing it cannot happen: dirty write, dirty read,
//     lost update, read skew, write skew, real-time order violation;
//   - 2PC recovery: a participant whose client vanished after PREPARE asks the coordinator
//     range, which logs an abort; the locks go away and the prepared write never shows;
//   - the bank: concurrent transfers between accounts on all ranges and concurrent
//     read-only auditors, while the leaseholder of the coordinator-heavy range is killed with
//     SIGKILL and restarted. The total never changes, and the whole history (transfers,
//     audits, a final read) passes the strict-serializability checker.
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "proto/timestamp_convert.h"
#include "server/grpc_txn_rpc.h"
#include "tests/checker/serializability.h"
#include "tests/integration/process_cluster.h"
#include "txn/txn_client.h"

namespace meridian::testing {
namespace {

using txn::Txn;
using txn::TxnMode;
using txn::TxnOptions;

const std::vector<std::string> kSplits = {"b", "c", "d"};

std::vector<std::string> Flags(int64_t txn_timeout_ms = 3000) {
  return {"--lease-ms=1000",   "--tick-ms=10",   "--election-ticks=30",
          "--epsilon-us=1000", "--splits=b,c,d", absl::StrCat("--txn-timeout-ms=", txn_timeout_ms)};
}

int64_t NowNs() { return absl::ToUnixNanos(absl::Now()); }

// A cluster plus a transaction client for it.
class TxnCluster {
 public:
  explicit TxnCluster(int64_t txn_timeout_ms = 3000)
      : cluster_(MERIDIAN_BINARY, 3, Flags(txn_timeout_ms)),
        true_time_(clock::SystemClock::Default(), clock::TrueTimeOptions{.epsilon_ns = 1'000'000}) {
    cluster_.StartAll();
    std::map<txn::NodeId, std::string> addrs;
    for (uint64_t id : cluster_.ids()) addrs[id] = cluster_.address(id);
    rpc_ = std::make_unique<server::GrpcTxnRpc>(addrs);
    for (uint64_t r = 1; r <= 4; ++r) {
      EXPECT_NE(cluster_.WaitForLeaseholder(r, absl::Seconds(20)), 0u) << "range " << r;
    }
    client_ = NewClient(0);
  }

  std::unique_ptr<txn::TxnClient> NewClient(txn::NodeId nearest) {
    return std::make_unique<txn::TxnClient>(*txn::RangeMap::FromSplits(kSplits), rpc_.get(),
                                            &true_time_,
                                            txn::TxnClientOptions{.nearest_node = nearest});
  }

  txn::TxnClient& client() { return *client_; }
  ProcessCluster& processes() { return cluster_; }
  server::GrpcTxnRpc& rpc() { return *rpc_; }

 private:
  ProcessCluster cluster_;
  clock::TrueTime true_time_;
  std::unique_ptr<server::GrpcTxnRpc> rpc_;
  std::unique_ptr<txn::TxnClient> client_;
};

absl::Status Write(txn::TxnClient& c, std::map<std::string, std::string> kv) {
  return c
      .Run([&](Txn& t) {
        for (const auto& [k, v] : kv) RETURN_IF_ERROR(t.Put(k, v));
        return absl::OkStatus();
      })
      .status();
}

// A participant's PREPARE of one write, made by hand, with range 1 as the coordinator.
proto::TxnRequest PrepareOne(uint64_t range, const std::string& txn, const std::string& key,
                             const std::string& value) {
  proto::TxnRequest prep;
  prep.set_op(proto::TxnRequest::PREPARE);
  prep.set_range_id(range);
  prep.set_txn_id(txn);
  *prep.mutable_priority() = proto::ToProto(Timestamp{NowNs(), 0});
  prep.set_coordinator_range(1);
  proto::KvWrite* w = prep.add_writes();
  w->set_key(key);
  w->set_value(value);
  return prep;
}

// What a 2PC participant goes through, by hand: the LOCK round, then PREPARE.
absl::StatusOr<proto::TxnResponse> LockAndPrepare(txn::TxnClient& c, proto::TxnRequest prep) {
  proto::TxnRequest lock = prep;
  lock.set_op(proto::TxnRequest::LOCK);
  absl::StatusOr<proto::TxnResponse> l = c.Send(lock);
  if (!l.ok() || l->code() != 0) return l;
  return c.Send(prep);
}

std::optional<std::string> ReadNow(txn::TxnClient& c, const std::string& key) {
  std::unique_ptr<Txn> t = c.Begin({.mode = TxnMode::kReadOnly});
  absl::StatusOr<std::optional<std::string>> v = t->Get(key);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::nullopt;
}

TEST(TxnIntegrationTest, ApiEndToEnd) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  // A write across two ranges is one atomic commit.
  absl::StatusOr<Timestamp> t1 = c.Run([](Txn& t) {
    RETURN_IF_ERROR(t.Put("a/1", "one"));
    return t.Put("c/1", "three");
  });
  ASSERT_TRUE(t1.ok()) << t1.status();
  EXPECT_EQ(ReadNow(c, "a/1"), "one");
  EXPECT_EQ(ReadNow(c, "c/1"), "three");

  // Snapshot reads: just below the commit nothing is there, at it everything is.
  {
    std::unique_ptr<Txn> before =
        c.Begin({.mode = TxnMode::kReadOnly, .read_timestamp = t1->Prev()});
    EXPECT_EQ(*before->Get("a/1"), std::nullopt);
    EXPECT_EQ(*before->Get("c/1"), std::nullopt);
    std::unique_ptr<Txn> at = c.Begin({.mode = TxnMode::kReadOnly, .read_timestamp = *t1});
    EXPECT_EQ(*at->Get("a/1"), "one");
    EXPECT_EQ(*at->Get("c/1"), "three");
  }

  // Read-your-writes, a scan across ranges merged with buffered writes, then rollback.
  {
    std::unique_ptr<Txn> t = c.Begin();
    ASSERT_TRUE(t->Put("b/2", "two").ok());
    ASSERT_TRUE(t->Delete("c/1").ok());
    EXPECT_EQ(*t->Get("b/2"), "two");
    EXPECT_EQ(*t->Get("c/1"), std::nullopt);
    absl::StatusOr<std::vector<txn::Row>> rows = t->Scan("a", "e");
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0], (txn::Row{"a/1", "one"}));
    EXPECT_EQ((*rows)[1], (txn::Row{"b/2", "two"}));
    EXPECT_EQ(t->Scan("a", "", 1)->size(), 1u);
    ASSERT_TRUE(t->Rollback().ok());
    EXPECT_FALSE(t->Get("a/1").ok());  // over
  }
  EXPECT_EQ(ReadNow(c, "b/2"), std::nullopt);
  EXPECT_EQ(ReadNow(c, "c/1"), "three");

  // Bounded staleness at a follower, and the single-range LastTS read.
  {
    uint64_t leader = tc.processes().WaitForLeaseholder(1, absl::Seconds(5));
    uint64_t follower = leader == 1 ? 2 : 1;
    std::unique_ptr<txn::TxnClient> near = tc.NewClient(follower);
    // Bounded staleness: the newest timestamp the follower can serve, within the bound; the
    // answer is consistent with that timestamp, and the follower soon catches up with t1.
    bool caught_up = false;
    for (int i = 0; i < 100 && !caught_up; ++i) {
      std::unique_ptr<Txn> stale =
          near->Begin({.mode = TxnMode::kReadOnly, .max_staleness = absl::Seconds(10)});
      absl::StatusOr<std::optional<std::string>> v = stale->Get("a/1");
      ASSERT_TRUE(v.ok()) << v.status();
      const Timestamp at = *stale->read_timestamp();
      EXPECT_GE(at.wall_ns, NowNs() - 10'000'000'000);
      if (at >= *t1) {
        EXPECT_EQ(*v, "one");
        caught_up = true;
      } else {
        EXPECT_EQ(*v, std::nullopt);
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
    EXPECT_TRUE(caught_up);

    std::unique_ptr<Txn> single = c.Begin({.mode = TxnMode::kReadOnly, .single_range = true});
    EXPECT_EQ(*single->Get("a/1"), "one");
    EXPECT_GE(*single->read_timestamp(), *t1);
    EXPECT_LE(single->read_timestamp()->wall_ns, NowNs() + 1'000'000);
    absl::StatusOr<std::optional<std::string>> other = single->Get("c/1");
    EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  }

  // Bad input: clear errors, nothing applied.
  {
    std::unique_ptr<Txn> t = c.Begin();
    EXPECT_EQ(t->Put("", "x").code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(t->Put(std::string(5000, 'k'), "x").code(), absl::StatusCode::kInvalidArgument);
    std::unique_ptr<Txn> ro = c.Begin({.mode = TxnMode::kReadOnly});
    absl::Status s = ro->Put("a/9", "x");
    EXPECT_EQ(GetSqlState(s), "25006");
    ASSERT_TRUE(t->Put("a/ok", "1").ok());
    EXPECT_TRUE(t->Commit().ok());
    EXPECT_EQ(t->Commit().status().code(), absl::StatusCode::kFailedPrecondition);
  }
}

// Dirty write: two transactions write the same two keys (on different ranges) in opposite
// orders, many times, concurrently. Without write locks held to commit, the final state
// could mix them; it never does.
TEST(TxnAnomalyTest, NoDirtyWrite) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&c, w] {
      for (int i = 0; i < 25; ++i) {
        const std::string v = absl::StrCat("w", w, "-", i);
        absl::Status s = c.Run([&](Txn& t) {
                            RETURN_IF_ERROR(t.Put(w == 0 ? "a/x" : "c/y", v));
                            return t.Put(w == 0 ? "c/y" : "a/x", v);
                          }).status();
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::unique_ptr<Txn> r = c.Begin({.mode = TxnMode::kReadOnly});
  EXPECT_EQ(*r->Get("a/x"), *r->Get("c/y"));
}

// Dirty read: a prepared but undecided write is invisible. A reader at a timestamp above the
// prepare waits for the outcome; here the outcome is abort, so it sees the old value.
TEST(TxnAnomalyTest, NoDirtyRead) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  ASSERT_TRUE(Write(c, {{"b/k", "clean"}}).ok());
  // Prepare a write of a transaction by hand, as a 2PC participant would.
  proto::TxnRequest prep = PrepareOne(2, "dirty-1", "b/k", "dirty");
  absl::StatusOr<proto::TxnResponse> pr = LockAndPrepare(c, prep);
  ASSERT_TRUE(pr.ok() && pr->code() == 0) << (pr.ok() ? pr->message() : pr.status().ToString());

  std::atomic<bool> done{false};
  std::optional<std::string> seen;
  std::thread reader([&] {
    seen = ReadNow(c, "b/k");
    done = true;
  });
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_FALSE(done.load()) << "a read above the prepare timestamp must wait for the outcome";
  proto::TxnRequest abort;
  abort.set_op(proto::TxnRequest::RESOLVE);
  abort.set_range_id(2);
  abort.set_txn_id("dirty-1");
  abort.set_commit(false);
  ASSERT_TRUE(c.Send(abort).ok());
  reader.join();
  EXPECT_EQ(seen, "clean");
  EXPECT_EQ(ReadNow(c, "b/k"), "clean");
}

// Lost update: concurrent read-modify-write increments of one counter all survive.
TEST(TxnAnomalyTest, NoLostUpdate) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  ASSERT_TRUE(Write(c, {{"a/counter", "0"}}).ok());
  constexpr int kThreads = 4, kEach = 15;
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&c] {
      for (int i = 0; i < kEach; ++i) {
        absl::Status s = c.Run([](Txn& t) -> absl::Status {
                            ASSIGN_OR_RETURN(std::optional<std::string> v, t.Get("a/counter"));
                            int n = 0;
                            if (!v.has_value() || !absl::SimpleAtoi(*v, &n)) {
                              return absl::InternalError("bad counter");
                            }
                            return t.Put("a/counter", absl::StrCat(n + 1));
                          }).status();
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ReadNow(c, "a/counter"), absl::StrCat(kThreads * kEach));
}

// The same at snapshot isolation: the reads take no locks, so every increment may read a
// value another has overwritten since; first committer wins makes the loser restart.
TEST(TxnAnomalyTest, NoLostUpdateUnderSnapshotIsolation) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  ASSERT_TRUE(Write(c, {{"a/counter", "0"}}).ok());
  constexpr int kThreads = 4, kEach = 15;
  std::atomic<int> restarts{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&c, &restarts] {
      for (int i = 0; i < kEach; ++i) {
        absl::Status s;
        std::optional<Timestamp> priority;
        for (int attempt = 0; attempt < 100; ++attempt) {
          std::unique_ptr<Txn> t =
              c.Begin({.priority = priority, .isolation = txn::Isolation::kSnapshot});
          priority = t->priority();
          s = [&]() -> absl::Status {
            ASSIGN_OR_RETURN(std::optional<std::string> v, t->Get("a/counter"));
            int n = 0;
            if (!v.has_value() || !absl::SimpleAtoi(*v, &n)) {
              return absl::InternalError("bad counter");
            }
            RETURN_IF_ERROR(t->Put("a/counter", absl::StrCat(n + 1)));
            return t->Commit().status();
          }();
          if (GetSqlState(s) != "40001") break;
          ++restarts;
        }
        EXPECT_TRUE(s.ok()) << s;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ReadNow(c, "a/counter"), absl::StrCat(kThreads * kEach));
  std::printf("%d restarts (first committer wins)\n", restarts.load());
}

// Read skew: transfers keep x + y constant across two ranges; concurrent readers (locking
// read-write ones and lock-free read-only ones) never see a torn pair.
TEST(TxnAnomalyTest, NoReadSkew) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  ASSERT_TRUE(Write(c, {{"a/x", "50"}, {"c/y", "50"}}).ok());
  std::atomic<bool> stop{false};
  std::thread mover([&] {
    for (int i = 0; !stop; ++i) {
      (void)c.Run([&](Txn& t) -> absl::Status {
        ASSIGN_OR_RETURN(std::optional<std::string> x, t.Get("a/x"));
        ASSIGN_OR_RETURN(std::optional<std::string> y, t.Get("c/y"));
        int xi = std::stoi(*x), yi = std::stoi(*y);
        const int d = (i % 2 == 0) ? 7 : -7;
        RETURN_IF_ERROR(t.Put("a/x", absl::StrCat(xi - d)));
        return t.Put("c/y", absl::StrCat(yi + d));
      });
    }
  });
  int checked = 0;
  for (int i = 0; i < 40; ++i) {
    const bool ro = i % 2 == 0;
    absl::Status s;
    int sum = 0;
    if (ro) {
      std::unique_ptr<Txn> t = c.Begin({.mode = TxnMode::kReadOnly});
      absl::StatusOr<std::optional<std::string>> x = t->Get("a/x");
      absl::SleepFor(absl::Milliseconds(5));  // let a transfer commit in between
      absl::StatusOr<std::optional<std::string>> y = t->Get("c/y");
      ASSERT_TRUE(x.ok() && y.ok());
      sum = std::stoi(**x) + std::stoi(**y);
    } else {
      s = c.Run([&](Txn& t) -> absl::Status {
             ASSIGN_OR_RETURN(std::optional<std::string> x, t.Get("a/x"));
             absl::SleepFor(absl::Milliseconds(5));
             ASSIGN_OR_RETURN(std::optional<std::string> y, t.Get("c/y"));
             sum = std::stoi(*x) + std::stoi(*y);
             return absl::OkStatus();
           }).status();
      ASSERT_TRUE(s.ok()) << s;
    }
    EXPECT_EQ(sum, 100) << (ro ? "read-only" : "read-write") << " reader saw a torn pair";
    ++checked;
  }
  stop = true;
  mover.join();
  EXPECT_EQ(checked, 40);
}

// Write skew: the constraint x + y >= 1 is checked by each transaction before it zeroes one
// of them. Under snapshot isolation both could commit; under serializability one must lose.
TEST(TxnAnomalyTest, NoWriteSkew) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(Write(c, {{"a/on_call_x", "1"}, {"c/on_call_y", "1"}}).ok());
    std::vector<std::thread> doctors;
    for (const std::string me : {"a/on_call_x", "c/on_call_y"}) {
      doctors.emplace_back([&c, me] {
        (void)c.Run([&](Txn& t) -> absl::Status {
          ASSIGN_OR_RETURN(std::optional<std::string> x, t.Get("a/on_call_x"));
          ASSIGN_OR_RETURN(std::optional<std::string> y, t.Get("c/on_call_y"));
          if (std::stoi(*x) + std::stoi(*y) >= 2) return t.Put(me, "0");
          return absl::OkStatus();
        });
      });
    }
    for (auto& d : doctors) d.join();
    std::unique_ptr<Txn> r = c.Begin({.mode = TxnMode::kReadOnly});
    EXPECT_GE(std::stoi(**r->Get("a/on_call_x")) + std::stoi(**r->Get("c/on_call_y")), 1)
        << "round " << round << ": both went off call";
  }
}

// Real-time order: once a commit is acknowledged, a transaction that starts afterwards, on
// another client reading at another replica, sees it and gets a larger timestamp.
TEST(TxnAnomalyTest, RealTimeOrderHolds) {
  TxnCluster tc;
  txn::TxnClient& writer = tc.client();
  std::vector<std::unique_ptr<txn::TxnClient>> readers;
  for (uint64_t n : tc.processes().ids()) readers.push_back(tc.NewClient(n));
  for (int i = 0; i < 30; ++i) {
    const std::string key = i % 2 == 0 ? "a/rt" : "d/rt";
    const std::string v = absl::StrCat("v", i);
    absl::StatusOr<Timestamp> ts = writer.Run([&](Txn& t) { return t.Put(key, v); });
    ASSERT_TRUE(ts.ok()) << ts.status();
    txn::TxnClient& r = *readers[i % readers.size()];
    std::unique_ptr<Txn> ro = r.Begin({.mode = TxnMode::kReadOnly});
    EXPECT_GT(*ro->read_timestamp(), *ts);
    absl::StatusOr<std::optional<std::string>> got = ro->Get(key);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, v) << "read at replica of node " << (i % readers.size()) + 1;
    absl::StatusOr<Timestamp> next = r.Run([&](Txn& t) { return t.Put("b/rt", v); });
    ASSERT_TRUE(next.ok());
    EXPECT_GT(*next, *ts);
  }
}

// A participant prepared, then its client vanished: after the heartbeat timeout the
// participant asks the coordinator range, which logs an abort; the prepared write is gone
// and its lock released.
TEST(TxnRecoveryTest, AbandonedPrepareIsAbortedByCoordinator) {
  TxnCluster tc(/*txn_timeout_ms=*/1000);
  txn::TxnClient& c = tc.client();
  ASSERT_TRUE(Write(c, {{"c/k", "before"}}).ok());
  proto::TxnRequest prep = PrepareOne(3, "orphan-1", "c/k", "orphaned");
  absl::StatusOr<proto::TxnResponse> pr = LockAndPrepare(c, prep);
  ASSERT_TRUE(pr.ok() && pr->code() == 0);
  const absl::Time start = absl::Now();
  // A writer of the same key waits for the orphan's fate, then succeeds.
  absl::Status s = Write(c, {{"c/k", "after"}});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  EXPECT_EQ(ReadNow(c, "c/k"), "after");
  // The coordinator range logged the abort: a late commit of the orphan is refused.
  proto::TxnRequest decide;
  decide.set_op(proto::TxnRequest::DECIDE);
  decide.set_range_id(1);
  decide.set_txn_id("orphan-1");
  *decide.mutable_priority() = prep.priority();
  *decide.mutable_min_commit_timestamp() = pr->timestamp();
  decide.add_participants(3);
  absl::StatusOr<proto::TxnResponse> dr = c.Send(decide);
  ASSERT_TRUE(dr.ok());
  EXPECT_EQ(dr->code(), static_cast<int>(absl::StatusCode::kAborted)) << dr->message();
}

// A transaction's shared lock dies with the leaseholder that granted it. Another transaction
// then overwrites the key at the new leaseholder. The first may not quietly lock the key again
// there (it would have read two different values of it): the new leaseholder sees that the
// lock epoch it names is not its own and refuses with 40001.
TEST(TxnRecoveryTest, LocksLostWithTheLeaseAreNotSilentlyRetaken) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  ASSERT_TRUE(Write(c, {{"a/x", "1"}}).ok());
  std::unique_ptr<Txn> t1 = c.Begin();
  ASSERT_EQ(*t1->Get("a/x"), "1");
  const uint64_t old_leader = tc.processes().WaitForLeaseholder(1, absl::Seconds(5));
  ASSERT_NE(old_leader, 0u);
  tc.processes().Kill(old_leader, SIGKILL);
  tc.rpc().Forget(old_leader);
  ASSERT_TRUE(Write(c, {{"a/x", "2"}}).ok());  // no lock stands in its way any more
  absl::StatusOr<std::optional<std::string>> again = t1->Get("a/x", /*for_update=*/true);
  EXPECT_FALSE(again.ok()) << "re-locked and read " << again->value_or("-");
  EXPECT_EQ(GetSqlState(again.status()), "40001") << again.status();
  // Nor can it commit a write based on its first read.
  std::unique_ptr<Txn> t3 = c.Begin();
  ASSERT_EQ(*t3->Get("a/x"), "2");
  tc.processes().Start(old_leader);
}

// Cuts `victim` off from every other node (both directions), or heals everything.
void Partition(ProcessCluster& pc, uint64_t victim, bool cut) {
  for (uint64_t id : pc.ids()) {
    if (!pc.running(id)) continue;
    proto::FaultSpec spec;
    if (cut) {
      for (uint64_t other : pc.ids()) {
        if (other == id || (id != victim && other != victim)) continue;
        proto::LinkFault* f = spec.add_links();
        f->set_to(other);
        f->set_blocked(true);
      }
    }
    absl::Status s = pc.client(id)->SetFaults(spec, absl::Seconds(5));
    EXPECT_TRUE(s.ok()) << s;
  }
}

// The bank: transfers and audits while `fault_rounds` faults hit the cluster, alternating a
// SIGKILL of a range's leaseholder (restarted 4 s later) and a partition of one (healed 3 s
// later). Round 0 kills the leaseholder of range 1.
void RunBank(int fault_rounds) {
  TxnCluster tc;
  txn::TxnClient& c = tc.client();
  std::vector<std::string> accounts;
  for (const char* prefix : {"a", "b", "c", "d"}) {
    for (int i = 0; i < 3; ++i) accounts.push_back(absl::StrCat(prefix, "/acct", i));
  }
  const int kInitial = 100;
  const int kTotal = kInitial * static_cast<int>(accounts.size());
  std::map<std::string, std::string> initial;
  for (const std::string& a : accounts) initial[a] = absl::StrCat(kInitial, "|init");
  {
    std::unique_ptr<Txn> t = c.Begin();
    for (const auto& [k, v] : initial) ASSERT_TRUE(t->Put(k, v).ok());
    absl::StatusOr<Timestamp> ts = t->Commit();
    ASSERT_TRUE(ts.ok()) << ts.status();
  }
  auto balance = [](const std::optional<std::string>& v) {
    int n = 0;
    EXPECT_TRUE(v.has_value());
    if (v.has_value()) {
      EXPECT_TRUE(absl::SimpleAtoi(v->substr(0, v->find('|')), &n)) << *v;
    }
    return n;
  };

  std::mutex history_mu;
  std::vector<checker::TxnRecord> history;
  std::atomic<int> committed{0}, uncertain{0}, audits{0};
  // Writes of transfers whose commit outcome is unknown (40003: a leaseholder died mid-commit).
  std::set<std::pair<std::string, std::optional<std::string>>> uncertain_writes;
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  // Workers 4 and 5 run at snapshot isolation, with lock-free and locking reads: a transfer
  // writes every key it reads, so snapshot isolation makes it serializable too, and the
  // checker holds it to that.
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 rng(w + 1);
      for (int i = 0; !stop; ++i) {
        const std::string from = accounts[rng() % accounts.size()];
        std::string to = accounts[rng() % accounts.size()];
        if (to == from) continue;
        const int amount = static_cast<int>(rng() % 20) + 1;
        checker::TxnRecord rec;
        std::optional<Timestamp> priority;
        for (int attempt = 0; attempt < 30 && !stop; ++attempt) {
          rec = checker::TxnRecord{};
          rec.begin_ns = NowNs();
          std::unique_ptr<Txn> t = c.Begin(
              {.priority = priority,
               .isolation = w >= 4 ? txn::Isolation::kSnapshot : txn::Isolation::kSerializable});
          priority = t->priority();
          rec.id = t->id();
          absl::Status s = [&]() -> absl::Status {
            // Odd workers read FOR UPDATE (exclusive locks at once; their 2PC commits
            // skip the LOCK round); even ones read shared and lock writes at commit.
            ASSIGN_OR_RETURN(std::optional<std::string> a, t->Get(from, w % 2 == 1));
            ASSIGN_OR_RETURN(std::optional<std::string> b, t->Get(to, w % 2 == 1));
            rec.reads[from] = a;
            rec.reads[to] = b;
            const int fa = balance(a), tb = balance(b);
            rec.writes[from] = absl::StrCat(fa - amount, "|", t->id());
            rec.writes[to] = absl::StrCat(tb + amount, "|", t->id());
            RETURN_IF_ERROR(t->Put(from, *rec.writes[from]));
            return t->Put(to, *rec.writes[to]);
          }();
          if (s.ok()) {
            absl::StatusOr<Timestamp> ts = t->Commit();
            if (ts.ok()) {
              rec.timestamp = *ts;
              rec.end_ns = NowNs();
              std::lock_guard<std::mutex> l(history_mu);
              history.push_back(rec);
              ++committed;
              break;
            }
            s = ts.status();
          }
          if (GetSqlState(s) == "40003") {
            ++uncertain;
            std::lock_guard<std::mutex> l(history_mu);
            uncertain_writes.insert(rec.writes.begin(), rec.writes.end());
            break;
          }
          absl::SleepFor(absl::Milliseconds(5 + rng() % 20));
        }
      }
    });
  }
  workers.emplace_back([&] {
    while (!stop) {
      checker::TxnRecord rec;
      rec.read_only = true;
      rec.begin_ns = NowNs();
      std::unique_ptr<Txn> t = c.Begin({.mode = TxnMode::kReadOnly});
      rec.id = t->id();
      int sum = 0;
      bool ok = true;
      for (const std::string& a : accounts) {
        absl::StatusOr<std::optional<std::string>> v = t->Get(a);
        if (!v.ok()) {
          ok = false;  // e.g. no replica reachable during the failover; not an answer
          break;
        }
        rec.reads[a] = *v;
        sum += balance(*v);
      }
      if (!ok) continue;
      rec.end_ns = NowNs();
      rec.timestamp = *t->read_timestamp();
      EXPECT_EQ(sum, kTotal) << "audit at " << rec.timestamp.ToString();
      ++audits;
      std::lock_guard<std::mutex> l(history_mu);
      history.push_back(rec);
    }
  });

  int64_t killed_ns = 0;
  for (int round = 0; round < fault_rounds; ++round) {
    absl::SleepFor(absl::Seconds(3));
    const uint64_t range = static_cast<uint64_t>(round % 4) + 1;
    const uint64_t victim = tc.processes().WaitForLeaseholder(range, absl::Seconds(10));
    ASSERT_NE(victim, 0u);
    if (round % 2 == 0) {
      tc.processes().Kill(victim, SIGKILL);
      killed_ns = NowNs();
      std::printf("round %d: killed node %llu, leaseholder of range %llu\n", round,
                  static_cast<unsigned long long>(victim), static_cast<unsigned long long>(range));
      absl::SleepFor(absl::Seconds(4));
      tc.processes().Start(victim);
      tc.rpc().Forget(victim);
    } else {
      Partition(tc.processes(), victim, true);
      std::printf("round %d: partitioned node %llu, leaseholder of range %llu\n", round,
                  static_cast<unsigned long long>(victim), static_cast<unsigned long long>(range));
      absl::SleepFor(absl::Seconds(3));
      Partition(tc.processes(), victim, false);
    }
  }
  absl::SleepFor(absl::Seconds(3));
  stop = true;
  for (auto& t : workers) t.join();

  // Liveness after the fault: transactions commit again.
  absl::StatusOr<Timestamp> after = c.Run([&](Txn& t) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> v, t.Get(accounts[0]));
    return t.Put(accounts[0], absl::StrCat(balance(v), "|final"));
  });
  ASSERT_TRUE(after.ok()) << after.status();

  // The final state: total unchanged, and part of the history.
  checker::TxnRecord final_read;
  final_read.read_only = true;
  final_read.id = "final";
  final_read.begin_ns = NowNs();
  std::unique_ptr<Txn> t = c.Begin({.mode = TxnMode::kReadOnly});
  int sum = 0;
  for (const std::string& a : accounts) {
    absl::StatusOr<std::optional<std::string>> v = t->Get(a);
    ASSERT_TRUE(v.ok()) << v.status();
    final_read.reads[a] = *v;
    sum += balance(*v);
  }
  final_read.end_ns = NowNs();
  final_read.timestamp = *t->read_timestamp();
  EXPECT_EQ(sum, kTotal);
  std::printf("bank: %d transfers committed, %d uncertain, %d audits\n", committed.load(),
              uncertain.load(), audits.load());
  EXPECT_GT(committed.load(), 20);
  EXPECT_GT(audits.load(), 5);
  {
    // The final write of accounts[0] is not in the history: read before it.
    final_read.reads.erase(accounts[0]);
    history.push_back(final_read);
    // A transfer with an unknown outcome is left out, and so are the reads that saw its
    // values. What remains is a subgraph of the true dependency graph: any cycle in it is
    // real.
    for (checker::TxnRecord& r : history) {
      for (auto it = r.reads.begin(); it != r.reads.end();) {
        it = uncertain_writes.contains(*it) ? r.reads.erase(it) : std::next(it);
      }
    }
    absl::Status check = checker::CheckStrictSerializable(history, initial);
    EXPECT_TRUE(check.ok()) << check;
    std::printf("checked %zu transactions for strict serializability\n", history.size());
    if (!check.ok()) {
      for (const checker::TxnRecord& r : history) {
        if (check.message().find(r.id + " ") == std::string::npos &&
            !absl::EndsWith(check.message(), r.id)) {
          continue;
        }
        std::string line =
            absl::StrCat(r.id, " ts=", r.timestamp.ToString(), " begin=", r.begin_ns - killed_ns,
                         " end=", r.end_ns - killed_ns);
        for (const auto& [k, v] : r.reads) absl::StrAppend(&line, " R ", k, "=", v.value_or("-"));
        for (const auto& [k, v] : r.writes) absl::StrAppend(&line, " W ", k, "=", v.value_or("-"));
        std::printf("%s\n", line.c_str());
      }
    }
  }
}

TEST(TxnBankTest, TotalNeverChangesAcrossLeaseholderCrash) { RunBank(1); }

// `make soak`: twelve rounds of crashes and partitions over every range.
TEST(TxnBankSoak, ManyCrashesAndPartitions) { RunBank(12); }

}  // namespace
}  // namespace meridian::testing
