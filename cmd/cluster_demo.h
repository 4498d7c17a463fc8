// ClusterDemo: the embedded default behind `meridian demo`. A local replicated cluster of
// real nodes (in this process, each with its own gRPC port and LevelDB directory) placed in
// simulated regions whose one-way WAN delays come from the transport's fault layer, plus a
// shell to read, write, stop nodes and partition them, and watch failover happen. The
// shell also runs transactions (begin / commit / rollback) over the two ranges.
//
// Thread-safety: one thread drives the shell.
#ifndef MERIDIAN_CMD_CLUSTER_DEMO_H_
#define MERIDIAN_CMD_CLUSTER_DEMO_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/node.h"
#include "server/sql_node.h"
#include "txn/txn_client.h"

namespace meridian::cmd {

struct ClusterDemoOptions {
  std::string data_dir;
  int nodes = 3;
  bool wan = true;  // simulated inter-region delays
  int64_t epsilon_us = 2000;
  // Ranges: the SQL catalog, SQL tables 100..103, tables 104.. up to "m", and keys from
  // "m" on, so SQL and key-value transactions alike can span ranges (2PC). Empty: that
  // layout.
  std::vector<std::string> splits;
  // The PostgreSQL wire protocol port on 127.0.0.1 (0: any free port).
  int sql_port = 0;
};

class ClusterDemo {
 public:
  static absl::StatusOr<std::unique_ptr<ClusterDemo>> Start(ClusterDemoOptions options);
  ~ClusterDemo();

  // `sql`: the banner for the SQL shell (else the key-value shell's).
  std::string Banner(bool sql = false) const;
  // Where PostgreSQL clients (and `meridian sql`) connect.
  int sql_port() const { return sql_ == nullptr ? 0 : sql_->pg_port(); }
  std::string Execute(std::string_view line);
  bool done() const { return done_; }
  static std::string Help();

 private:
  explicit ClusterDemo(ClusterDemoOptions options) : options_(std::move(options)) {}
  server::NodeOptions NodeOptionsFor(uint64_t id) const;
  absl::Status StartNode(uint64_t id);
  void StopNode(uint64_t id);
  // Installs every running node's outgoing delays (and the partition, if any).
  void ApplyFaults();
  int64_t OneWayDelayMs(uint64_t a, uint64_t b) const;
  std::string Region(uint64_t id) const;
  uint64_t Leaseholder(uint64_t range);
  absl::StatusOr<std::string> Run(const std::vector<std::string>& args);
  absl::StatusOr<std::string> Kv(proto::KvRequest req);
  // begin / commit / rollback and the reads and writes inside an open transaction.
  absl::StatusOr<std::string> RunTxn(const std::vector<std::string>& args);
  absl::StatusOr<std::string> Scan(txn::Txn& t, const std::string& start, const std::string& end);

  ClusterDemoOptions options_;
  std::map<uint64_t, std::string> addresses_;
  std::map<uint64_t, std::unique_ptr<server::Node>> nodes_;  // running nodes only
  std::set<uint64_t> partitioned_;
  // The SQL front end (and the transaction client the shell's commands use), as node 1's.
  std::unique_ptr<server::SqlNode> sql_;
  std::unique_ptr<txn::Txn> open_;  // the shell's open transaction, if any
  absl::Time open_since_;
  bool done_ = false;
};

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_CLUSTER_DEMO_H_
