// SqlNode against a real one-node cluster (server::Node on loopback): the assembled front
// end answers SQL in-process and over the wire, and refuses or reports what it cannot do.
#include "server/sql_node.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/net.h"
#include "gtest/gtest.h"
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

}  // namespace
}  // namespace meridian::server
