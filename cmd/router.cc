#include "cmd/router.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace meridian::cmd {

server::NodeClient* Router::client(uint64_t node) {
  auto& c = clients_[node];
  if (c == nullptr) {
    auto made = server::NodeClient::Connect(peers_.at(node));
    if (!made.ok()) return nullptr;
    c = std::move(*made);
  }
  return c.get();
}

absl::StatusOr<proto::KvResponse> Router::Send(const proto::KvRequest& req, absl::Duration timeout,
                                               uint64_t* served_by) {
  const uint64_t range = req.range_id() == 0 ? 1 : req.range_id();
  uint64_t target = leader_guess_.count(range) ? leader_guess_[range] : peers_.begin()->first;
  absl::Status last = absl::UnavailableError("no node answered");
  const absl::Time deadline = absl::Now() + timeout;
  size_t rotate = 0;
  while (absl::Now() < deadline) {
    server::NodeClient* c = client(target);
    absl::StatusOr<proto::KvResponse> resp =
        c == nullptr ? absl::UnavailableError("cannot connect")
                     : c->Kv(req, std::min(absl::Seconds(6), deadline - absl::Now()));
    const bool unavailable =
        !resp.ok() || resp->code() == static_cast<int>(absl::StatusCode::kUnavailable);
    if (!unavailable) {
      leader_guess_[range] = target;
      if (served_by != nullptr) *served_by = target;
      return resp;
    }
    last = resp.ok() ? absl::UnavailableError(resp->message()) : resp.status();
    if (resp.ok() && resp->leader_hint() != 0 && resp->leader_hint() != target &&
        peers_.count(resp->leader_hint())) {
      target = resp->leader_hint();
      continue;
    }
    auto it = peers_.begin();
    std::advance(it, ++rotate % peers_.size());
    target = it->first;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return last;
}

}  // namespace meridian::cmd
