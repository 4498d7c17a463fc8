#include "server/testing/sql_cluster.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/net.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/range_filter.h"

namespace meridian::server::testing {

absl::StatusOr<std::unique_ptr<SqlCluster>> SqlCluster::Start(SqlClusterOptions options) {
  std::unique_ptr<SqlCluster> c(new SqlCluster());
  c->options_ = options;
  c->dir_ = options.data_dir;
  if (c->dir_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "meridian-sql-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
    c->dir_ = tmpl;
    c->own_dir_ = true;
  }
  AddressBook addresses;
  for (int i = 1; i <= options.nodes; ++i) {
    ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    addresses[i] = absl::StrCat("127.0.0.1:", port);
  }
  std::vector<std::string> splits = sql::SqlSplitKeys();
  std::vector<NodeOptions> node_options;
  for (const auto& [id, addr] : addresses) {
    NodeOptions o;
    o.node_id = id;
    o.listen_address = addr;
    o.peers = addresses;
    o.data_dir = absl::StrCat(c->dir_, "/n", id);
    o.splits = splits;
    o.ranges = static_cast<int>(splits.size()) + 1;
    o.sync_writes = false;  // tests: durability across power loss is not what they check
    if (options.range_filters) o.scan_filters = sql::CompileRangeFilter;
    o.row_updates = sql::CompileRowUpdate;
    ASSIGN_OR_RETURN(auto node, Node::Start(o));
    c->nodes_.push_back(std::move(node));
    node_options.push_back(std::move(o));
  }
  // The front end of node 1 (stale reads there first).
  SqlNodeOptions so = SqlNodeOptions::ForNode(node_options.front());
  so.ingest_batch_bytes = options.ingest_batch_bytes;
  so.local_node = c->nodes_.front().get();
  if (options.pgwire) {
    sql::PgServerOptions po;
    po.password = options.password;
    so.pgwire = po;
  }
  ASSIGN_OR_RETURN(c->sql_, SqlNode::Start(std::move(so)));
  RETURN_IF_ERROR(c->sql_->AwaitRanges(absl::Seconds(30)));
  return c;
}

SqlCluster::~SqlCluster() {
  sql_.reset();
  for (auto& n : nodes_) n->Stop();
  nodes_.clear();
  if (own_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace meridian::server::testing
