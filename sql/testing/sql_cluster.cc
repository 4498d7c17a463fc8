#include "sql/testing/sql_cluster.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/clock/physical_clock.h"
#include "common/net.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/range_filter.h"
#include "storage/codec/key_codec.h"

namespace meridian::sql {

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
  for (int i = 1; i <= options.nodes; ++i) {
    ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    c->addresses_[i] = absl::StrCat("127.0.0.1:", port);
  }
  std::vector<std::string> splits = SqlSplitKeys();
  for (const auto& [id, addr] : c->addresses_) {
    server::NodeOptions o;
    o.node_id = id;
    o.listen_address = addr;
    o.peers = c->addresses_;
    o.data_dir = absl::StrCat(c->dir_, "/n", id);
    o.splits = splits;
    o.ranges = static_cast<int>(splits.size()) + 1;
    o.sync_writes = false;  // tests: durability across power loss is not what they check
    if (options.range_filters) o.scan_filters = CompileRangeFilter;
    ASSIGN_OR_RETURN(auto node, server::Node::Start(o));
    c->nodes_.push_back(std::move(node));
  }
  ASSIGN_OR_RETURN(txn::RangeMap map, txn::RangeMap::FromSplits(splits));
  c->true_time_ = std::make_unique<clock::TrueTime>(clock::SystemClock::Default(),
                                                    clock::TrueTimeOptions{.epsilon_ns = 1000000});
  c->rpc_ = std::make_unique<server::GrpcTxnRpc>(c->addresses_);
  c->client_ = std::make_unique<txn::TxnClient>(map, c->rpc_.get(), c->true_time_.get(),
                                                txn::TxnClientOptions{.nearest_node = 1});
  c->engine_ = std::make_unique<Engine>(EngineOptions{.client = c->client_.get()});
  // Wait until every range has a leaseholder that serves reads.
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (true) {
    auto t = c->client_->Begin();
    absl::Status s;
    for (const auto& r : map.ranges()) {
      s = t->Get(r.start + std::string("\x01probe", 6)).status();
      if (!s.ok()) break;
    }
    (void)t->Rollback();
    if (s.ok()) break;
    if (absl::Now() > deadline) return s;
    absl::SleepFor(absl::Milliseconds(50));
  }
  if (options.pgwire) {
    PgServerOptions po;
    po.password = options.password;
    ASSIGN_OR_RETURN(c->pg_, PgServer::Start(po, c->engine_.get()));
  }
  return c;
}

SqlCluster::~SqlCluster() {
  if (pg_) pg_->Shutdown();
  pg_.reset();
  engine_.reset();
  client_.reset();
  for (auto& n : nodes_) n->Stop();
  nodes_.clear();
  if (own_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace meridian::sql
