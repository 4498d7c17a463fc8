// LeaseholderRouter: delivers a range's requests to the node that can serve them, which
// for everything but snapshot and stale reads is the range's leaseholder. The one
// implementation of leaseholder routing: TxnClient sends every transactional request and
// read-only read through it, and the tools that send single key-value requests
// (`meridian kv`, the demo's key-value shell) use it directly.
//
// For one request it calls the first node (the caller's choice, else the range's cached
// leaseholder) and then, while the answers are UNAVAILABLE (not the leaseholder, lease
// moving, node down):
//   - follows the answer's leader hint at once, up to one hop per node in a row (two nodes
//     with stale hints pointing at each other cannot make it spin);
//   - otherwise tries the next node (in id order) after a short backoff;
// until an answer that is not UNAVAILABLE (success or a definite error) or the deadline.
// A node that answers a leaseholder-only request, and every leader hint, updates the
// cache, so the next request to the range goes straight there.
//
// All time (deadlines, per-call timeouts, backoff) is measured on the injected
// PhysicalClock: under a ManualClock the backoff advances the clock instead of sleeping,
// so tests run the retry loop deterministically and in no real time.
//
// Thread-safety: thread-safe. Concurrent calls share the leaseholder cache. `rpc` and
// `clock` must outlive the router.
#ifndef MERIDIAN_TXN_LEASEHOLDER_ROUTER_H_
#define MERIDIAN_TXN_LEASEHOLDER_ROUTER_H_

#include <cstdint>
#include <map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/physical_clock.h"
#include "proto/node.pb.h"
#include "txn/txn_rpc.h"

namespace meridian::txn {

struct LeaseholderRouterOptions {
  // Pause before trying the next node when no hint says where to go.
  absl::Duration backoff = absl::Milliseconds(20);
};

// How one request is routed.
struct RouteOptions {
  NodeId first = 0;  // call this node first; 0: the range's cached leaseholder
  // For the whole routing, retries included.
  absl::Duration timeout = absl::Seconds(10);
  // The most one call may take, so that a node that hangs does not use up `timeout`.
  absl::Duration attempt_timeout = absl::InfiniteDuration();
  // False: a failed call that may have reached the node is not repeated anywhere (the
  // request could take effect twice, or a retry could report a different outcome); the
  // routing stops there with `maybe_delivered` set. Failures to connect are retried anyway.
  bool retry_after_send = true;
};

template <typename Response>
struct Routed {
  // The first answer that was not UNAVAILABLE (its `code` may still be an error). Else a
  // failure: kUnavailable naming the range and the last problem when the deadline passed,
  // or the call's own status when `maybe_delivered`.
  absl::StatusOr<Response> response;
  NodeId node = 0;  // the node that answered, or whose call failed last
  bool maybe_delivered = false;
};

class LeaseholderRouter {
 public:
  // REQUIRES: rpc->Nodes() is not empty.
  LeaseholderRouter(TxnRpc* rpc, clock::PhysicalClock* clock,
                    LeaseholderRouterOptions options = {});
  LeaseholderRouter(const LeaseholderRouter&) = delete;
  LeaseholderRouter& operator=(const LeaseholderRouter&) = delete;

  // `request.range_id()` names the range.
  Routed<proto::TxnResponse> SendTxn(const proto::TxnRequest& request, const RouteOptions& route);
  Routed<proto::KvResponse> SendKv(const proto::KvRequest& request, const RouteOptions& route);

  // The node believed to hold `range`'s lease: the last one that served it or was hinted;
  // before anything is known, a node chosen by range id so that ranges spread out.
  NodeId Leaseholder(uint64_t range);
  // Records a hint from outside the routing loop (e.g. a heartbeat's answer). Ignores 0
  // and nodes that are not in the cluster.
  void NoteLeaseholder(uint64_t range, NodeId node);

  const std::vector<NodeId>& nodes() const { return nodes_; }

  // True if a read can be answered only by the leaseholder: writes, strong reads and
  // reads at the range's last commit timestamp (not snapshot or stale reads).
  static bool NeedsLeaseholder(const proto::KvRequest& request);
  // True if a failed call certainly did not reach the node's handler (it could not
  // connect). "Connection reset" or "Socket closed" mean it may have been delivered.
  static bool CertainlyNotDelivered(const absl::Status& status);

 private:
  template <typename Response, typename Call>
  Routed<Response> Route(uint64_t range, bool leaseholder_only, const RouteOptions& route,
                         Call call);
  bool Known(NodeId node) const;
  NodeId After(NodeId node) const;

  TxnRpc* const rpc_;
  clock::PhysicalClock* const clock_;
  const LeaseholderRouterOptions options_;
  const std::vector<NodeId> nodes_;  // ascending

  absl::Mutex mu_;
  std::map<uint64_t, NodeId> leaseholders_ ABSL_GUARDED_BY(mu_);  // range -> node
};

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_LEASEHOLDER_ROUTER_H_
