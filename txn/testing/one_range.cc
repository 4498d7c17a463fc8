#include "txn/testing/one_range.h"

#include "common/logging.h"

namespace meridian::txn::testing {

constexpr int64_t kMs = 1'000'000;

OneRange::OneRange(OneRangeOptions options)
    : clock_(1'700'000'000'000'000'000),
      tt_(&clock_, clock::TrueTimeOptions{.epsilon_ns = kMs, .max_drift_ppm = 0}),
      hlc_(&clock_),
      map_(RangeMap::Even(1)),
      // One voter: no message ever leaves.
      driver_(
          &disk_, [](proto::PaxosMessage) {}, storage::ReplicaDriverOptions{}) {
  storage::RangeReplicaOptions o;
  o.range_id = 1;
  o.paxos.self = 1;
  o.paxos.initial_voters = {1};
  o.paxos.lease_duration_ns = options.lease_ns;
  o.paxos.seed = 1;
  auto r = storage::RangeReplica::Open(o, &disk_, &tt_, &hlc_);
  CHECK(r.ok()) << r.status();
  replica_ = std::move(*r);
  server_ = std::make_unique<RangeTxnServer>(
      RangeTxnServerOptions{.node_id = 1,
                            .range_map = &map_,
                            .request_timeout_ns = options.request_timeout_ns,
                            .wound_delay_ns = options.wound_delay_ns,
                            .heartbeat_timeout_ns = options.heartbeat_timeout_ns,
                            .scan_filters = std::move(options.scan_filters),
                            .row_updates = std::move(options.row_updates)},
      replica_.get(), &tt_, &hlc_, this);
  for (int i = 0; i < 200 && !server_->Serving().ok(); ++i) Tick();
  CHECK(server_->Serving().ok());
}

void OneRange::AfterTimestamp(Timestamp ts, std::function<void()> fn) {
  timers_.emplace_back(ts, std::move(fn));
}

void OneRange::Drive() {
  storage::DrivenReplica* replicas[] = {replica_.get()};
  while (true) {
    absl::StatusOr<bool> moved = driver_.RunPass(
        replicas,
        [this](storage::DrivenReplica&, const storage::paxos::Ready&,
               std::vector<storage::AppliedProposal> outcomes) { server_->OnApplied(outcomes); });
    CHECK(moved.ok()) << moved.status();
    server_->Maintain(false);
    if (!*moved) return;
  }
}

void OneRange::Tick() {
  clock_.Advance(10 * kMs);
  replica_->core().Tick();
  server_->Maintain(true);
  Drive();
  std::vector<std::pair<Timestamp, std::function<void()>>> due;
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (tt_.After(it->first)) {
      due.push_back(std::move(*it));
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [ts, fn] : due) fn();
  Drive();
}

std::shared_ptr<std::optional<proto::TxnResponse>> OneRange::Send(const proto::TxnRequest& req) {
  auto out = std::make_shared<std::optional<proto::TxnResponse>>();
  server_->Handle(req, [out](proto::TxnResponse r) { *out = std::move(r); });
  return out;
}

}  // namespace meridian::txn::testing
