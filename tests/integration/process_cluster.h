// ProcessCluster: real `meridian start` processes on loopback, for integration tests and
// benchmarks. Each node gets a free port, its own data directory and a log file; nodes can be
// killed with any signal and restarted on the same port and data.
//
// Thread-safety: thread-safe. Tests send (Kv, client) from writer threads while the main
// thread kills and restarts nodes; a client handed out stays valid while its holder uses it,
// even if its node is killed meanwhile. NodeClients are thread-safe.
#ifndef MERIDIAN_TESTS_INTEGRATION_PROCESS_CLUSTER_H_
#define MERIDIAN_TESTS_INTEGRATION_PROCESS_CLUSTER_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/node.pb.h"
#include "server/grpc_server.h"

namespace meridian::testing {

class ProcessCluster {
 public:
  // `extra_flags` are passed to every `meridian start`.
  ProcessCluster(std::string binary, int nodes, std::vector<std::string> extra_flags);
  ~ProcessCluster();

  void StartAll();
  // `more_flags` are added to this start only (e.g. a deliberately skewed clock).
  void Start(uint64_t id, const std::vector<std::string>& more_flags = {});
  void Kill(uint64_t id, int signal) ABSL_LOCKS_EXCLUDED(mu_);
  bool running(uint64_t id) const ABSL_LOCKS_EXCLUDED(mu_);

  std::string address(uint64_t id) const { return addresses_.at(id); }
  std::string peers_flag() const;
  const std::string& dir() const { return dir_; }
  std::vector<uint64_t> ids() const;

  std::shared_ptr<server::NodeClient> client(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // The node holding the lease of `range`, waiting up to `timeout`; 0 if none.
  uint64_t WaitForLeaseholder(uint64_t range, absl::Duration timeout);
  absl::StatusOr<proto::RangeStatus> RangeStatusOf(uint64_t id, uint64_t range);

  // Sends to the leaseholder, following hints and trying others; gives up at `timeout`.
  absl::StatusOr<proto::KvResponse> Kv(const proto::KvRequest& req, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::string binary_;
  std::vector<std::string> extra_flags_;
  std::string dir_;
  std::map<uint64_t, std::string> addresses_;
  // Fixed at construction: binary_, extra_flags_, dir_, addresses_.
  mutable absl::Mutex mu_;
  std::map<uint64_t, pid_t> pids_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, std::shared_ptr<server::NodeClient>> clients_ ABSL_GUARDED_BY(mu_);
  uint64_t leader_guess_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace meridian::testing

#endif  // MERIDIAN_TESTS_INTEGRATION_PROCESS_CLUSTER_H_
