// Router: sends a KV request to the leaseholder of its range, following leader hints and
// trying every node in turn, until an answer or a deadline. Shared by `meridian kv` and
// the demo shell.
//
// Thread-safety: not thread-safe; one caller at a time.
#ifndef MERIDIAN_CMD_ROUTER_H_
#define MERIDIAN_CMD_ROUTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/node.pb.h"
#include "server/grpc_server.h"

namespace meridian::cmd {

class Router {
 public:
  explicit Router(std::map<uint64_t, std::string> peers) : peers_(std::move(peers)) {}

  // The response of the node that answered definitively (OK or a non-retryable error), and
  // in `served_by` which node that was.
  absl::StatusOr<proto::KvResponse> Send(const proto::KvRequest& req, absl::Duration timeout,
                                         uint64_t* served_by = nullptr);
  // Drops the connection to `node` (it was restarted).
  void Forget(uint64_t node) { clients_.erase(node); }
  server::NodeClient* client(uint64_t node);
  const std::map<uint64_t, std::string>& peers() const { return peers_; }

 private:
  std::map<uint64_t, std::string> peers_;
  std::map<uint64_t, std::unique_ptr<server::NodeClient>> clients_;
  std::map<uint64_t, uint64_t> leader_guess_;  // range -> node
};

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_ROUTER_H_
