// TxnClient against a scripted fake of the nodes: routing and the commit-outcome rules that
// do not need a cluster.
#include "txn/txn_client.h"

#include <deque>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/physical_clock.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "proto/timestamp_convert.h"

namespace meridian::txn {
namespace {

// Answers each call with the next scripted outcome for its op; records the calls.
class FakeRpc : public TxnRpc {
 public:
  using Answer = std::function<absl::StatusOr<proto::TxnResponse>(NodeId)>;

  std::vector<NodeId> Nodes() const override { return {1, 2, 3}; }
  absl::StatusOr<proto::TxnResponse> Txn(NodeId node, const proto::TxnRequest& request,
                                         absl::Duration) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back({request.op(), node});
    last_[request.op()] = request;
    std::deque<Answer>& q = script_[request.op()];
    if (q.empty()) return proto::TxnResponse();  // OK
    Answer a = q.front();
    q.pop_front();
    return a(node);
  }
  absl::StatusOr<proto::KvResponse> Kv(NodeId node, const proto::KvRequest&,
                                       absl::Duration) override {
    absl::MutexLock lock(&mu_);
    kv_nodes_.push_back(node);
    return proto::KvResponse();
  }
  std::vector<NodeId> KvNodes() {
    absl::MutexLock lock(&mu_);
    return kv_nodes_;
  }
  void Script(proto::TxnRequest::Op op, Answer a) {
    absl::MutexLock lock(&mu_);
    script_[op].push_back(std::move(a));
  }
  proto::TxnRequest Last(proto::TxnRequest::Op op) {
    absl::MutexLock lock(&mu_);
    return last_[op];
  }
  int Calls(proto::TxnRequest::Op op) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [o, node] : calls_) n += o == op;
    return n;
  }

 private:
  absl::Mutex mu_;
  std::map<proto::TxnRequest::Op, std::deque<Answer>> script_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<proto::TxnRequest::Op, NodeId>> calls_ ABSL_GUARDED_BY(mu_);
  std::map<proto::TxnRequest::Op, proto::TxnRequest> last_ ABSL_GUARDED_BY(mu_);
  std::vector<NodeId> kv_nodes_ ABSL_GUARDED_BY(mu_);
};

class TxnClientTest : public ::testing::Test {
 protected:
  TxnClientTest()
      : tt_(&clock_, clock::TrueTimeOptions{.epsilon_ns = 0}),
        client_(*RangeMap::FromSplits({"m"}), &rpc_, &tt_,
                TxnClientOptions{.request_timeout = absl::Seconds(2)}) {}

  clock::ManualClock clock_{1'700'000'000'000'000'000};
  clock::TrueTime tt_;
  FakeRpc rpc_;
  TxnClient client_;
};

absl::StatusOr<proto::TxnResponse> Fails(absl::Status s) { return s; }

TEST_F(TxnClientTest, BrokenConnectionDuringSingleRangeCommitIsOutcomeUnknown) {
  // The node died after the COMMIT may have arrived: the client must not retry it (a retry
  // elsewhere could report an abort for a transaction that committed).
  rpc_.Script(proto::TxnRequest::COMMIT,
              [](NodeId) { return Fails(absl::UnavailableError("Connection reset by peer")); });
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Put("a", "1").ok());
  absl::StatusOr<Timestamp> ts = t->Commit();
  EXPECT_EQ(GetSqlState(ts.status()), "40003") << ts.status();
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::COMMIT), 1);
}

TEST_F(TxnClientTest, CommitThatCouldNotConnectIsRetriedElsewhere) {
  rpc_.Script(proto::TxnRequest::COMMIT, [](NodeId) {
    return Fails(absl::UnavailableError("failed to connect to all addresses; Connection refused"));
  });
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Put("a", "1").ok());
  EXPECT_TRUE(t->Commit().ok());
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::COMMIT), 2);
}

TEST_F(TxnClientTest, TimedOutOrOvertakenCommitIsOutcomeUnknown) {
  for (absl::StatusCode code : {absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kUnknown}) {
    rpc_.Script(proto::TxnRequest::COMMIT, [code](NodeId) {
      proto::TxnResponse r;
      r.set_code(static_cast<int>(code));
      r.set_message("outcome unknown");
      return absl::StatusOr<proto::TxnResponse>(r);
    });
    std::unique_ptr<Txn> t = client_.Begin();
    ASSERT_TRUE(t->Put("a", "1").ok());
    EXPECT_EQ(GetSqlState(t->Commit().status()), "40003");
  }
}

TEST_F(TxnClientTest, LeaderHintsAreFollowed) {
  rpc_.Script(proto::TxnRequest::READ, [](NodeId) {
    proto::TxnResponse r;
    r.set_code(static_cast<int>(absl::StatusCode::kUnavailable));
    r.set_leader_hint(3);
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  rpc_.Script(proto::TxnRequest::READ, [](NodeId node) {
    proto::TxnResponse r;
    EXPECT_EQ(node, 3u);
    r.set_found(true);
    r.set_value("v");
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  std::unique_ptr<Txn> t = client_.Begin();
  absl::StatusOr<std::optional<std::string>> v = t->Get("a");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "v");
}

TEST_F(TxnClientTest, TwoRangeCommitRunsLockPrepareDecideAndAbortsOnARestart) {
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Put("a", "1").ok());  // range 1: the coordinator
  ASSERT_TRUE(t->Put("z", "2").ok());  // range 2
  ASSERT_TRUE(t->Commit().ok());
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::LOCK), 2);
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::PREPARE), 1);
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::DECIDE), 1);

  // A participant refuses to prepare with 40001: the client aborts everywhere, never decides.
  rpc_.Script(proto::TxnRequest::PREPARE, [](NodeId) {
    proto::TxnResponse r;
    r.set_code(static_cast<int>(absl::StatusCode::kAborted));
    r.set_message("wounded");
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  std::unique_ptr<Txn> t2 = client_.Begin();
  ASSERT_TRUE(t2->Put("a", "1").ok());
  ASSERT_TRUE(t2->Put("z", "2").ok());
  EXPECT_EQ(GetSqlState(t2->Commit().status()), "40001");
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::DECIDE), 1);
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::RESOLVE), 1);   // the participant
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::ROLLBACK), 1);  // the coordinator
}

TEST_F(TxnClientTest, CheckAliveAsksEveryRangeTouchedAndReportsAWound) {
  std::unique_ptr<Txn> t = client_.Begin();
  EXPECT_TRUE(t->CheckAlive().ok());  // touched nothing: nothing to ask
  ASSERT_TRUE(t->Get("a").ok());      // range 1
  ASSERT_TRUE(t->Get("z").ok());      // range 2
  const int before = rpc_.Calls(proto::TxnRequest::HEARTBEAT);
  EXPECT_TRUE(t->CheckAlive().ok());
  EXPECT_GE(rpc_.Calls(proto::TxnRequest::HEARTBEAT), before + 2);
  // A range has aborted it (an older transaction wounded it): 40001 now, and from then on.
  const std::string id = t->id();
  for (int i = 0; i < 10; ++i) {
    rpc_.Script(proto::TxnRequest::HEARTBEAT, [id](NodeId) {
      proto::TxnResponse r;
      r.add_aborted_txn_ids(id);
      return absl::StatusOr<proto::TxnResponse>(r);
    });
  }
  EXPECT_EQ(GetSqlState(t->CheckAlive()), "40001");
  EXPECT_EQ(GetSqlState(t->Get("b").status()), "40001");
}

// A lease's transaction: the reads' locks become holds (a PREPARE with no writes at each
// range read), the answer is the latest prepare timestamp and the earliest hold end, and the
// holds are let go by an abort (RESOLVE), never by a commit.
TEST_F(TxnClientTest, HoldReadsTurnsTheReadLocksIntoHoldsAndReleasesThem) {
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Get("a").ok());  // range 1
  ASSERT_TRUE(t->Get("z").ok());  // range 2
  for (int64_t i : {1, 2}) {
    rpc_.Script(proto::TxnRequest::PREPARE, [i](NodeId) {
      proto::TxnResponse r;
      r.mutable_timestamp()->set_wall_ns(100 * i);
      r.mutable_hold_until()->set_wall_ns(1000 * (3 - i));
      return absl::StatusOr<proto::TxnResponse>(r);
    });
  }
  absl::StatusOr<Txn::Hold> hold = t->HoldReads();
  ASSERT_TRUE(hold.ok()) << hold.status();
  EXPECT_EQ(hold->from, (Timestamp{200, 0}));
  EXPECT_EQ(hold->until, (Timestamp{1000, 0}));
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::PREPARE), 2);
  EXPECT_EQ(rpc_.Last(proto::TxnRequest::PREPARE).writes_size(), 0);
  EXPECT_EQ(rpc_.Last(proto::TxnRequest::PREPARE).read_starts_size(), 1);
  EXPECT_FALSE(t->Put("b", "1").ok());  // the transaction is over
  t->ReleaseHolds();
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::RESOLVE), 2);
  EXPECT_FALSE(rpc_.Last(proto::TxnRequest::RESOLVE).commit());
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::COMMIT), 0);

  // A transaction that wrote cannot become a lease.
  std::unique_ptr<Txn> w = client_.Begin();
  ASSERT_TRUE(w->Get("a").ok());
  ASSERT_TRUE(w->Put("a", "1").ok());
  EXPECT_EQ(w->HoldReads().status().code(), absl::StatusCode::kFailedPrecondition);
}

// Bounds from a layer above go with the commit: the range must stamp it inside them.
TEST_F(TxnClientTest, CommitBoundsGoWithTheCommitAndAReadOnlyCommitPastThemRestarts) {
  const int64_t now = tt_.Now().latest_ns;
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Put("a", "1").ok());
  t->SetCommitBounds(Timestamp{now - 5, 0}, Timestamp{now + 1'000'000'000, 0});
  ASSERT_TRUE(t->Commit().ok());
  proto::TxnRequest commit = rpc_.Last(proto::TxnRequest::COMMIT);
  EXPECT_EQ(commit.min_commit_timestamp().wall_ns(), now - 5);
  EXPECT_EQ(commit.commit_before().wall_ns(), now + 1'000'000'000);

  // Reads only: nothing to stamp, so the client checks the bound itself before releasing.
  std::unique_ptr<Txn> r = client_.Begin();
  ASSERT_TRUE(r->Get("a").ok());
  r->SetCommitBounds(Timestamp{}, Timestamp{now + 1000, 0});
  clock_.Advance(2000);
  const int commits = rpc_.Calls(proto::TxnRequest::COMMIT);
  EXPECT_EQ(GetSqlState(r->Commit().status()), "40001");
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::COMMIT), commits);
}

// Several keys: one READ per range, with every key the range must read; the transaction's
// own buffered writes answer plain reads without asking.
TEST_F(TxnClientTest, GetManyReadsEachRangeOnce) {
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Put("b", "mine").ok());
  rpc_.Script(proto::TxnRequest::READ, [](NodeId) {
    proto::TxnResponse r;
    r.add_keys("a");
    r.add_values("va");
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  rpc_.Script(proto::TxnRequest::READ, [](NodeId) {
    proto::TxnResponse r;
    r.add_keys("y");
    r.add_values("vy");
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  auto values = t->GetMany({"a", "y", "b", "c", "z"});
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::READ), 2);                   // ranges 1 and 2
  EXPECT_EQ(rpc_.Last(proto::TxnRequest::READ).batch_keys_size(), 2);  // "y", "z"
  EXPECT_EQ(*values, (std::vector<std::optional<std::string>>{"va", "vy", "mine", std::nullopt,
                                                              std::nullopt}));
  // A read-only transaction: one lock-free GET per range, with the keys of that range.
  std::unique_ptr<Txn> ro = client_.Begin({.mode = TxnMode::kReadOnly});
  const size_t kv_before = rpc_.KvNodes().size();
  ASSERT_TRUE(ro->GetMany({"a", "b", "y"}).ok());
  EXPECT_EQ(rpc_.KvNodes().size() - kv_before, 2u);
  EXPECT_FALSE(ro->GetMany({"a", "b"}, /*for_update=*/true).ok());
  // A locking read of a key written here still locks it, and answers the buffered value.
  auto locked = t->GetMany({"b", "c"}, /*for_update=*/true);
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(rpc_.Last(proto::TxnRequest::READ).batch_keys_size(), 2);
  EXPECT_TRUE(rpc_.Last(proto::TxnRequest::READ).for_update());
  EXPECT_EQ((*locked)[0], "mine");
}

// Snapshot isolation: plain reads are lock-free reads at one snapshot (KV requests, no
// READ, nothing to release at commit), taken at the first of them and not below what the
// locking reads before it saw; later locking reads and the commit carry it, and the commit
// is stamped above it. The transaction's own writes still win.
TEST_F(TxnClientTest, ASnapshotTransactionReadsLockFreeAndCommitsAboveItsSnapshot) {
  std::unique_ptr<Txn> t = client_.Begin({.isolation = Isolation::kSnapshot});
  ASSERT_TRUE(t->snapshot());
  EXPECT_FALSE(t->read_timestamp().has_value());
  // A locking read first: no snapshot yet, so none to check; it answered at a time ahead
  // of this client's clock.
  const Timestamp ahead{clock_.NowNanos() + 5'000'000'000, 0};
  rpc_.Script(proto::TxnRequest::READ, [ahead](NodeId) {
    proto::TxnResponse r;
    *r.mutable_timestamp() = proto::ToProto(ahead);
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  ASSERT_TRUE(t->Get("d", /*for_update=*/true).ok());
  EXPECT_FALSE(rpc_.Last(proto::TxnRequest::READ).has_snapshot_timestamp());
  ASSERT_TRUE(t->Put("c", "mine").ok());
  ASSERT_TRUE(t->Get("a").ok());
  ASSERT_TRUE(t->read_timestamp().has_value());
  const Timestamp snapshot = *t->read_timestamp();
  EXPECT_GE(snapshot, ahead);
  ASSERT_TRUE(t->GetMany({"a", "b", "y"}).ok());
  auto rows = t->Scan("a", "z");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, (std::vector<Row>{{"c", "mine"}}));
  auto own = t->Get("c");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(*own, "mine");
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::READ), 1);
  EXPECT_EQ(rpc_.KvNodes().size(), 5u);  // Get, GetMany (2 ranges), Scan (2 ranges)
  ASSERT_TRUE(t->Get("b", /*for_update=*/true).ok());
  const proto::TxnRequest locking = rpc_.Last(proto::TxnRequest::READ);
  EXPECT_TRUE(locking.for_update());
  ASSERT_TRUE(locking.has_snapshot_timestamp());
  EXPECT_EQ(proto::FromProto(locking.snapshot_timestamp()), snapshot);
  ASSERT_TRUE(t->Put("b", "1").ok());
  ASSERT_TRUE(t->Commit().ok());
  const proto::TxnRequest commit = rpc_.Last(proto::TxnRequest::COMMIT);
  ASSERT_TRUE(commit.has_snapshot_timestamp());
  EXPECT_EQ(proto::FromProto(commit.snapshot_timestamp()), snapshot);
  EXPECT_GT(proto::FromProto(commit.min_commit_timestamp()), snapshot);
  EXPECT_EQ(commit.read_starts_size(), 2);  // only the locking reads' keys, "b" and "d"
  // A snapshot transaction that never read lock-free has no snapshot to check against.
  std::unique_ptr<Txn> w = client_.Begin({.isolation = Isolation::kSnapshot});
  ASSERT_TRUE(w->Get("e", /*for_update=*/true).ok());
  ASSERT_TRUE(w->Put("e", "1").ok());
  ASSERT_TRUE(w->Commit().ok());
  EXPECT_FALSE(rpc_.Last(proto::TxnRequest::COMMIT).has_snapshot_timestamp());
  // A serializable transaction's requests carry no snapshot.
  std::unique_ptr<Txn> s = client_.Begin();
  ASSERT_TRUE(s->Get("a", /*for_update=*/true).ok());
  EXPECT_FALSE(rpc_.Last(proto::TxnRequest::READ).has_snapshot_timestamp());
}

// CommitUpdate: one COMMIT carrying the key, the update and the commit bounds; the answer's
// new value; Commit() afterwards answers the same timestamp. A range that does not evaluate
// updates leaves the transaction open for the usual path; one that has read may not use it.
TEST_F(TxnClientTest, CommitUpdateIsOneCommitRequest) {
  const Timestamp at{clock_.NowNanos() + 1000, 0};
  rpc_.Script(proto::TxnRequest::COMMIT, [at](NodeId) {
    proto::TxnResponse r;
    r.set_found(true);
    r.set_value("new");
    *r.mutable_timestamp() = proto::ToProto(at);
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  std::unique_ptr<Txn> t = client_.Begin();
  t->SetCommitBounds(Timestamp{5, 0}, Timestamp{clock_.NowNanos() + 1'000'000'000, 0});
  auto r = t->CommitUpdate("b", "program");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->value, "new");
  EXPECT_EQ(r->timestamp, at);
  const proto::TxnRequest sent = rpc_.Last(proto::TxnRequest::COMMIT);
  EXPECT_EQ(sent.key(), "b");
  EXPECT_EQ(sent.update(), "program");
  EXPECT_EQ(sent.writes_size(), 0);
  EXPECT_EQ(proto::FromProto(sent.min_commit_timestamp()), (Timestamp{5, 0}));
  EXPECT_TRUE(sent.has_commit_before());
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::READ), 0);
  EXPECT_EQ(t->commit_protocol(), CommitProtocol::kOnePhase);
  auto again = t->Commit();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, at);

  rpc_.Script(proto::TxnRequest::COMMIT, [](NodeId) {
    proto::TxnResponse r;
    r.set_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
    r.set_message("does not evaluate row updates");
    return absl::StatusOr<proto::TxnResponse>(r);
  });
  std::unique_ptr<Txn> u = client_.Begin();
  EXPECT_EQ(u->CommitUpdate("b", "program").status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(u->Put("b", "usual").ok()) << "still open";
  ASSERT_TRUE(u->Commit().ok());

  std::unique_ptr<Txn> w = client_.Begin();
  ASSERT_TRUE(w->Get("a").ok());
  EXPECT_EQ(w->CommitUpdate("a", "program").status().code(), absl::StatusCode::kFailedPrecondition);
}

// RequireAbsent goes with the COMMIT of the key's range (and with LOCK in two-phase commit);
// it must name a key the transaction writes.
TEST_F(TxnClientTest, RequiredAbsentKeysGoWithTheCommit) {
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Put("b", "1").ok());
  t->RequireAbsent("b", "duplicate b");
  ASSERT_TRUE(t->Commit().ok());
  const proto::TxnRequest commit = rpc_.Last(proto::TxnRequest::COMMIT);
  ASSERT_EQ(commit.absent_keys_size(), 1);
  EXPECT_EQ(commit.absent_keys(0), "b");
  EXPECT_EQ(commit.absent_errors(0), "duplicate b");
  std::unique_ptr<Txn> two = client_.Begin();
  ASSERT_TRUE(two->Put("b", "1").ok());
  ASSERT_TRUE(two->Put("y", "1").ok());
  two->RequireAbsent("b", "duplicate b");  // one per range, whichever LOCK comes last
  two->RequireAbsent("y", "duplicate y");
  ASSERT_TRUE(two->Commit().ok());
  EXPECT_EQ(rpc_.Last(proto::TxnRequest::LOCK).absent_keys_size(), 1);
  std::unique_ptr<Txn> stray = client_.Begin();
  ASSERT_TRUE(stray->Put("b", "1").ok());
  stray->RequireAbsent("c", "duplicate c");
  EXPECT_EQ(stray->Commit().status().code(), absl::StatusCode::kFailedPrecondition);
}

// The commit names each read lock once: a read that an earlier one covers (the same key
// again, or a key inside a scanned span) adds nothing.
TEST_F(TxnClientTest, CommitNamesEachReadSpanOnce) {
  std::unique_ptr<Txn> t = client_.Begin();
  ASSERT_TRUE(t->Get("a").ok());
  ASSERT_TRUE(t->Get("a").ok());                  // the same key: covered
  ASSERT_TRUE(t->Scan("a", "c", 10).ok());        // a span: not covered by the point "a"
  ASSERT_TRUE(t->Get("b").ok());                  // inside the span: covered
  ASSERT_TRUE(t->GetMany({"b", "d", "d"}).ok());  // "d" once
  ASSERT_TRUE(t->Put("e", "1").ok());
  ASSERT_TRUE(t->Commit().ok());
  const proto::TxnRequest& commit = rpc_.Last(proto::TxnRequest::COMMIT);
  std::vector<std::pair<std::string, std::string>> spans;
  for (int i = 0; i < commit.read_starts_size(); ++i) {
    spans.emplace_back(commit.read_starts(i), commit.read_ends(i));
  }
  EXPECT_EQ(spans, (std::vector<std::pair<std::string, std::string>>{
                       {"a", std::string("a\0", 2)}, {"a", "c"}, {"d", std::string("d\0", 2)}}));
}

// With a nearest node, stale reads go there first and fresh ones to the leaseholder
// (a follower would have to wait for its safe time to reach a fresh timestamp).
TEST_F(TxnClientTest, StaleReadsGoToTheNearestReplicaFreshOnesToTheLeaseholder) {
  TxnClient near(*RangeMap::FromSplits({"m"}), &rpc_, &tt_,
                 TxnClientOptions{.nearest_node = 3, .request_timeout = absl::Seconds(2)});
  const Timestamp now{tt_.Now().latest_ns, 0};
  auto first_node = [&](TxnOptions o) {
    const size_t before = rpc_.KvNodes().size();
    std::unique_ptr<Txn> t = near.Begin(o);
    EXPECT_TRUE(t->Get("a").ok());
    std::vector<NodeId> nodes = rpc_.KvNodes();
    return nodes.size() > before ? nodes[before] : NodeId{0};
  };
  EXPECT_EQ(first_node({.mode = TxnMode::kReadOnly,
                        .read_timestamp = Timestamp{now.wall_ns - 10'000'000'000, 0}}),
            3u);
  EXPECT_EQ(first_node({.mode = TxnMode::kReadOnly, .max_staleness = absl::Seconds(10)}), 3u);
  EXPECT_NE(first_node({.mode = TxnMode::kReadOnly}), 3u);  // at now: the leaseholder
}

// The bulk path: writes in a private span go out early as INGESTs of bounded size and leave
// the buffer; other writes stay buffered; the commit is stamped above every ingest (here
// ahead of the client's clock, as a leaseholder's HLC can be).
TEST_F(TxnClientTest, PrivateSpanWritesAreIngestedInBatchesAndTheCommitGoesAboveThem) {
  TxnClient bulk(*RangeMap::FromSplits({"m"}), &rpc_, &tt_,
                 TxnClientOptions{.request_timeout = absl::Seconds(2), .ingest_batch_bytes = 100});
  const Timestamp ingested{tt_.Now().latest_ns + 5'000'000'000, 3};
  for (int i = 0; i < 10; ++i) {
    rpc_.Script(proto::TxnRequest::INGEST, [ingested](NodeId) {
      proto::TxnResponse r;
      *r.mutable_timestamp() = proto::ToProto(ingested);
      return absl::StatusOr<proto::TxnResponse>(r);
    });
  }
  std::unique_ptr<Txn> t = bulk.Begin();
  t->AddPrivateSpan("b", "c");    // all in range 1, as "a" is: a one-range commit
  t->AddPrivateSpan("b1", "b2");  // nested: already covered
  ASSERT_TRUE(t->Put("a", std::string(200, 'x')).ok());  // not private: stays buffered
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(t->Put(absl::StrCat("b", 100 + i), std::string(10, 'v')).ok());
  }
  // 14 bytes a write, ingested once 100 bytes are buffered: 3 batches of 8.
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::INGEST), 3);
  proto::TxnRequest last = rpc_.Last(proto::TxnRequest::INGEST);
  EXPECT_EQ(last.txn_id(), t->id());
  ASSERT_EQ(last.writes_size(), 8);
  for (const proto::KvWrite& w : last.writes()) EXPECT_EQ(w.key()[0], 'b');
  EXPECT_EQ(t->ingests(), 3u);
  EXPECT_EQ(t->buffered_writes().size(), 1u + 30 - 24);
  EXPECT_TRUE(t->buffered_writes().contains("a"));
  // A read of an ingested key goes to its range (the buffer no longer has it).
  ASSERT_TRUE(t->Get("b100").ok());
  EXPECT_EQ(rpc_.Last(proto::TxnRequest::READ).key(), "b100");
  ASSERT_TRUE(t->Commit().ok());
  proto::TxnRequest commit = rpc_.Last(proto::TxnRequest::COMMIT);
  EXPECT_GT(proto::FromProto(commit.min_commit_timestamp()), ingested);
  EXPECT_EQ(commit.writes_size(), 7);  // "a" and the 6 not yet ingested
}

// Outside private spans one commit writes at most max_commit_bytes_per_range to a range:
// past it the commit fails at once with 54000 (it would stall the range), sending nothing.
TEST_F(TxnClientTest, ACommitTooLargeForOneRangeFailsClearly) {
  TxnClient small(
      *RangeMap::FromSplits({"m"}), &rpc_, &tt_,
      TxnClientOptions{.request_timeout = absl::Seconds(2), .max_commit_bytes_per_range = 1000});
  std::unique_ptr<Txn> t = small.Begin();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(t->Put(absl::StrCat("a", i), std::string(100, 'v')).ok());
  absl::StatusOr<Timestamp> ts = t->Commit();
  EXPECT_EQ(GetSqlState(ts.status()), "54000") << ts.status();
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::COMMIT), 0);
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::INGEST), 0);
}

TEST_F(TxnClientTest, BadInputIsRefusedBeforeAnyRpc) {
  std::unique_ptr<Txn> t = client_.Begin();
  EXPECT_EQ(t->Put("", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t->Get(std::string(5000, 'k')).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t->Scan("a", "b", -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rpc_.Calls(proto::TxnRequest::READ), 0);
}

}  // namespace
}  // namespace meridian::txn
