#include "txn/leaseholder_router.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace meridian::txn {
namespace {

std::vector<NodeId> SortedNodes(const TxnRpc& rpc) {
  std::vector<NodeId> nodes = rpc.Nodes();
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

}  // namespace

LeaseholderRouter::LeaseholderRouter(TxnRpc* rpc, clock::PhysicalClock* clock,
                                     LeaseholderRouterOptions options)
    : rpc_(rpc), clock_(clock), options_(options), nodes_(SortedNodes(*rpc)) {
  CHECK(!nodes_.empty()) << "a cluster without nodes";
}

bool LeaseholderRouter::NeedsLeaseholder(const proto::KvRequest& request) {
  if (request.op() != proto::KvRequest::GET && request.op() != proto::KvRequest::SCAN) {
    return true;
  }
  if (request.at_last_commit()) return true;
  return !request.has_read_timestamp() && request.max_staleness_ms() == 0;
}

bool LeaseholderRouter::CertainlyNotDelivered(const absl::Status& s) {
  if (s.code() != absl::StatusCode::kUnavailable) return false;
  const absl::string_view m(s.message().data(), s.message().size());
  return absl::StrContains(m, "failed to connect") || absl::StrContains(m, "Failed to connect") ||
         absl::StrContains(m, "Connection refused");
}

bool LeaseholderRouter::Known(NodeId node) const {
  return std::binary_search(nodes_.begin(), nodes_.end(), node);
}

NodeId LeaseholderRouter::After(NodeId node) const {
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), node);
  return it == nodes_.end() ? nodes_.front() : *it;
}

NodeId LeaseholderRouter::Leaseholder(uint64_t range) {
  absl::MutexLock lock(&mu_);
  auto it = leaseholders_.find(range);
  if (it != leaseholders_.end()) return it->second;
  return nodes_[range % nodes_.size()];
}

void LeaseholderRouter::NoteLeaseholder(uint64_t range, NodeId node) {
  if (node == 0 || !Known(node)) return;
  absl::MutexLock lock(&mu_);
  leaseholders_[range] = node;
}

template <typename Response, typename Call>
Routed<Response> LeaseholderRouter::Route(uint64_t range, bool leaseholder_only,
                                          const RouteOptions& route, Call call) {
  auto now = [this] { return absl::FromUnixNanos(clock_->NowNanos()); };
  const absl::Time deadline = now() + route.timeout;
  NodeId target = route.first != 0 ? route.first : Leaseholder(range);
  absl::Status last = absl::UnavailableError("no node answered");
  size_t hops = 0;  // leader hints followed in a row, without backoff
  while (true) {
    const absl::Duration left = std::max(absl::Milliseconds(1), deadline - now());
    absl::StatusOr<Response> r = call(target, std::min(left, route.attempt_timeout));
    if (r.ok() && r->code() != static_cast<int>(absl::StatusCode::kUnavailable)) {
      if (leaseholder_only) NoteLeaseholder(range, target);
      return Routed<Response>{.response = std::move(r), .node = target};
    }
    if (!r.ok() && !route.retry_after_send && !CertainlyNotDelivered(r.status())) {
      return Routed<Response>{.response = r.status(), .node = target, .maybe_delivered = true};
    }
    const NodeId hint = r.ok() ? r->leader_hint() : 0;
    NoteLeaseholder(range, hint);
    last = r.ok() ? absl::UnavailableError(r->message()) : r.status();
    if (now() >= deadline) {
      return Routed<Response>{
          .response = absl::UnavailableError(absl::StrCat(
              leaseholder_only ? "range " : "no replica of range ", range,
              leaseholder_only ? " has no reachable leaseholder" : " could serve the read",
              " (last tried node ", target, "): ", last.message())),
          .node = target};
    }
    if (hint != 0 && hint != target && Known(hint) && hops < nodes_.size()) {
      target = hint;
      ++hops;
      continue;
    }
    hops = 0;
    target = After(target);
    clock_->SleepForNanos(absl::ToInt64Nanoseconds(std::min(options_.backoff, deadline - now())));
  }
}

Routed<proto::TxnResponse> LeaseholderRouter::SendTxn(const proto::TxnRequest& request,
                                                      const RouteOptions& route) {
  return Route<proto::TxnResponse>(
      request.range_id(), /*leaseholder_only=*/true, route,
      [&](NodeId node, absl::Duration timeout) { return rpc_->Txn(node, request, timeout); });
}

Routed<proto::KvResponse> LeaseholderRouter::SendKv(const proto::KvRequest& request,
                                                    const RouteOptions& route) {
  return Route<proto::KvResponse>(
      request.range_id(), NeedsLeaseholder(request), route,
      [&](NodeId node, absl::Duration timeout) { return rpc_->Kv(node, request, timeout); });
}

}  // namespace meridian::txn
