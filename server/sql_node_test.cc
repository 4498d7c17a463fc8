// SqlNode against a real one-node cluster (server::Node on loopback): the assembled front
// end answers SQL in-process and over the wire, and refuses or reports what it cannot do.
#include "server/sql_node.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/net.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc_txn_rpc.h"
#include "server/node.h"
#include "sql/catalog/catalog.h"
#include "sql/pgwire/testing/test_client.h"

namespace meridian::server {
namespace {

using sql::pgwire::testing::DataRowValues;
using sql::pgwire::testing::ErrorFields;
using sql::pgwire::testing::TestClient;
using sql::pgwire::testing::Types;

class SqlNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "meridian-sqlnode-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    absl::StatusOr<int> port = FreeLoopbackPort();
    ASSERT_TRUE(port.ok());
    node_options_.node_id = 1;
    node_options_.listen_address = absl::StrCat("127.0.0.1:", *port);
    node_options_.peers = {{1, node_options_.listen_address}};
    node_options_.data_dir = dir_ + "/n1";
    node_options_.splits = sql::SqlSplitKeys();
    node_options_.ranges = static_cast<int>(node_options_.splits.size()) + 1;
    node_options_.sync_writes = false;
    absl::StatusOr<std::unique_ptr<Node>> node = Node::Start(node_options_);
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = std::move(*node);
  }
  void TearDown() override {
    if (node_ != nullptr) node_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  NodeOptions node_options_;
  std::unique_ptr<Node> node_;
};

TEST_F(SqlNodeTest, ForNodeTakesTheNodesClusterLayoutAndClock) {
  node_options_.epsilon_us = 2500;
  node_options_.node_id = 7;
  SqlNodeOptions o = SqlNodeOptions::ForNode(node_options_);
  EXPECT_EQ(o.peers, node_options_.peers);
  EXPECT_EQ(o.splits, node_options_.splits);
  EXPECT_EQ(o.ranges, 3);
  EXPECT_EQ(o.epsilon_us, 2500);
  EXPECT_EQ(o.node_id, 7u);
  EXPECT_EQ(o.nearest_node, 7u);  // stale reads at its own replica
  EXPECT_FALSE(o.pgwire.has_value());
}

TEST_F(SqlNodeTest, ServesSqlInProcessAndOverTheWire) {
  SqlNodeOptions o = SqlNodeOptions::ForNode(node_options_);
  o.pgwire = sql::PgServerOptions{};
  absl::StatusOr<std::unique_ptr<SqlNode>> front = SqlNode::Start(o);
  ASSERT_TRUE(front.ok()) << front.status();
  SqlNode& n = **front;
  ASSERT_TRUE(n.AwaitRanges(absl::Seconds(30)).ok());
  EXPECT_EQ(n.client().range_map().ranges().size(), 3u);

  // A write through the wire server is visible to a session of the in-process engine.
  ASSERT_GT(n.pg_port(), 0);
  TestClient client;
  ASSERT_TRUE(client.Connect(static_cast<uint16_t>(n.pg_port())).ok());
  ASSERT_TRUE(client.Login().ok());
  absl::StatusOr<std::vector<sql::pgwire::Message>> created =
      client.Query("CREATE TABLE t (k INT PRIMARY KEY, v TEXT)");
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(Types(*created), "CZ");
  ASSERT_TRUE(client.Query("INSERT INTO t VALUES (1, 'one')").ok());

  auto session = n.engine().NewSession({{"user", "root"}});
  ASSERT_TRUE(session.ok()) << session.status();
  std::unique_ptr<txn::Txn> t = n.client().Begin({.mode = txn::TxnMode::kReadOnly});
  absl::StatusOr<std::vector<txn::Row>> rows = t->Scan("", "");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_GE(rows->size(), 2u) << "the catalog entry and the row";

  absl::StatusOr<std::vector<sql::pgwire::Message>> read =
      client.Query("SELECT v FROM t WHERE k = 1");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(Types(*read), "TDCZ");
  EXPECT_EQ(DataRowValues((*read)[1]), (std::vector<std::optional<std::string>>{"one"}));
}

TEST_F(SqlNodeTest, WithoutPgwireThereIsNoPort) {
  absl::StatusOr<std::unique_ptr<SqlNode>> front =
      SqlNode::Start(SqlNodeOptions::ForNode(node_options_));
  ASSERT_TRUE(front.ok()) << front.status();
  EXPECT_EQ((*front)->pg_port(), 0);
}

TEST_F(SqlNodeTest, APasswordMakesTheWireServerAskForScram) {
  SqlNodeOptions o = SqlNodeOptions::ForNode(node_options_);
  o.pgwire = sql::PgServerOptions{.password = "s3cret"};
  absl::StatusOr<std::unique_ptr<SqlNode>> front = SqlNode::Start(o);
  ASSERT_TRUE(front.ok()) << front.status();
  TestClient wrong;
  ASSERT_TRUE(wrong.Connect(static_cast<uint16_t>((*front)->pg_port())).ok());
  absl::StatusOr<std::vector<sql::pgwire::Message>> denied = wrong.LoginScram("guess");
  ASSERT_TRUE(denied.ok()) << denied.status();
  ASSERT_EQ(denied->back().type, 'E');
  EXPECT_EQ(ErrorFields(denied->back())['C'], "28P01");
  TestClient right;
  ASSERT_TRUE(right.Connect(static_cast<uint16_t>((*front)->pg_port())).ok());
  absl::StatusOr<std::vector<sql::pgwire::Message>> ok = right.LoginScram("s3cret");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->back().type, 'Z');
}

TEST_F(SqlNodeTest, BadOptionsAreRefused) {
  SqlNodeOptions none;
  EXPECT_EQ(SqlNode::Start(none).status().code(), absl::StatusCode::kInvalidArgument);
  SqlNodeOptions bad_splits = SqlNodeOptions::ForNode(node_options_);
  bad_splits.splits = {"m", "c"};  // not ascending
  EXPECT_EQ(SqlNode::Start(bad_splits).status().code(), absl::StatusCode::kInvalidArgument);
  SqlNodeOptions taken = SqlNodeOptions::ForNode(node_options_);
  taken.pgwire = sql::PgServerOptions{.port = static_cast<uint16_t>(node_->port())};
  EXPECT_FALSE(SqlNode::Start(taken).ok()) << "the node's own gRPC port is taken";
}

TEST_F(SqlNodeTest, AwaitRangesGivesUpOnTheInjectedClock) {
  // A cluster whose only node is not running: every call is refused, and the wait ends
  // once the manual clock (advanced by the router's backoff) passes the timeout.
  node_->Stop();
  clock::ManualClock manual(1'700'000'000'000'000'000);
  SqlNodeOptions o = SqlNodeOptions::ForNode(node_options_);
  o.clock = &manual;
  absl::StatusOr<std::unique_ptr<SqlNode>> front = SqlNode::Start(o);
  ASSERT_TRUE(front.ok()) << front.status();
  absl::Status s = (*front)->AwaitRanges(absl::Seconds(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_NE(s.message().find("range 1 has no leaseholder serving reads"), std::string::npos) << s;
}

// Forwards Txn and Kv requests to a node and counts them.
class CountingHandler : public NodeServiceHandler {
 public:
  explicit CountingHandler(NodeServiceHandler* node) : node_(node) {}
  void OnPaxosBatch(const proto::PaxosBatch& batch) override { node_->OnPaxosBatch(batch); }
  proto::KvResponse OnKv(const proto::KvRequest& request) override {
    ++calls;
    return node_->OnKv(request);
  }
  proto::TxnResponse OnTxn(const proto::TxnRequest& request) override {
    ++calls;
    return node_->OnTxn(request);
  }
  proto::NodeStatusResponse OnStatus() override { return node_->OnStatus(); }
  int64_t WallClockNanos() override { return node_->WallClockNanos(); }
  absl::Status OnSetFaults(const proto::FaultSpec& spec) override {
    return node_->OnSetFaults(spec);
  }
  std::atomic<int> calls{0};

 private:
  NodeServiceHandler* const node_;
};

TEST_F(SqlNodeTest, ItsOwnNodeIsCalledDirectlyNotOverGrpc) {
  // The front end's address for node 1 leads nowhere: only the direct calls reach it.
  absl::StatusOr<int> nowhere = FreeLoopbackPort();
  ASSERT_TRUE(nowhere.ok());
  CountingHandler local(node_.get());
  SqlNodeOptions o = SqlNodeOptions::ForNode(node_options_);
  o.peers = {{1, absl::StrCat("127.0.0.1:", *nowhere)}};
  o.local_node = &local;
  o.pgwire = sql::PgServerOptions{};
  absl::StatusOr<std::unique_ptr<SqlNode>> front = SqlNode::Start(o);
  ASSERT_TRUE(front.ok()) << front.status();
  SqlNode& n = **front;
  ASSERT_TRUE(n.AwaitRanges(absl::Seconds(30)).ok());
  TestClient client;
  ASSERT_TRUE(client.Connect(static_cast<uint16_t>(n.pg_port())).ok());
  ASSERT_TRUE(client.Login().ok());
  for (const char* sql :
       {"CREATE TABLE t (k INT PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'one'), (2, 'two')",
        "UPDATE t SET v = 'uno' WHERE k = 1"}) {
    absl::StatusOr<std::vector<sql::pgwire::Message>> done = client.Query(sql);
    ASSERT_TRUE(done.ok()) << done.status();
    ASSERT_EQ(Types(*done), "CZ") << sql;
  }
  const int before = local.calls.load();
  absl::StatusOr<std::vector<sql::pgwire::Message>> read =
      client.Query("SELECT v FROM t WHERE k = 1");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(Types(*read), "TDCZ");
  EXPECT_EQ(DataRowValues((*read)[1]), (std::vector<std::optional<std::string>>{"uno"}));
  EXPECT_EQ(local.calls.load(), before + 1) << "one read, made directly";
  // EXPLAIN ANALYZE says so.
  absl::StatusOr<std::vector<sql::pgwire::Message>> explain =
      client.Query("EXPLAIN ANALYZE SELECT v FROM t WHERE k = 1");
  ASSERT_TRUE(explain.ok()) << explain.status();
  std::string plan;
  for (const sql::pgwire::Message& m : *explain) {
    if (m.type != 'D') continue;
    for (const std::optional<std::string>& v : DataRowValues(m)) absl::StrAppend(&plan, *v, "\n");
  }
  EXPECT_THAT(plan, ::testing::HasSubstr("GET r")) << plan;
  EXPECT_THAT(plan, ::testing::HasSubstr("at n1 (direct): 1 key")) << plan;
  front->reset();  // before `local` goes away
}

// Blocks each Txn request until released.
class BlockingHandler : public NodeServiceHandler {
 public:
  void OnPaxosBatch(const proto::PaxosBatch&) override {}
  proto::KvResponse OnKv(const proto::KvRequest&) override { return {}; }
  proto::TxnResponse OnTxn(const proto::TxnRequest&) override {
    entered.Notify();
    release.WaitForNotification();
    proto::TxnResponse r;
    r.set_message("answered directly");
    return r;
  }
  proto::NodeStatusResponse OnStatus() override { return {}; }
  int64_t WallClockNanos() override { return 0; }
  absl::Status OnSetFaults(const proto::FaultSpec&) override { return absl::OkStatus(); }
  absl::Notification entered, release;
};

TEST(GrpcTxnRpcTest, DetachingWaitsForDirectCallsInFlight) {
  BlockingHandler handler;
  GrpcTxnRpc rpc({{1, "127.0.0.1:1"}, {2, "127.0.0.1:1"}});
  rpc.AttachLocal(1, &handler);
  rpc.DetachLocal(2);  // not the attached node: changes nothing
  absl::StatusOr<proto::TxnResponse> answer;
  std::thread caller([&] { answer = rpc.Txn(1, proto::TxnRequest(), absl::Seconds(1)); });
  handler.entered.WaitForNotification();
  std::atomic<bool> detached{false};
  std::thread detacher([&] {
    rpc.DetachLocal(1);
    detached = true;
  });
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(detached.load()) << "a direct call is still running";
  handler.release.Notify();
  caller.join();
  detacher.join();
  EXPECT_TRUE(detached.load());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->message(), "answered directly");
  // Detached: node 1 is reached over gRPC again, where nothing listens.
  EXPECT_FALSE(rpc.Txn(1, proto::TxnRequest(), absl::Milliseconds(200)).ok());
}

}  // namespace
}  // namespace meridian::server
