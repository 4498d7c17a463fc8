#include "server/node.h"

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock/physical_clock.h"
#include "common/logging.h"
#include "common/status.h"
#include "proto/timestamp_convert.h"
#include "server/clock_monitor.h"
#include "storage/engine/leveldb_engine.h"

namespace meridian::server {
namespace {

using proto::FromProto;
using proto::ToProto;

proto::KvResponse ErrorResponse(const absl::Status& s, NodeId leader_hint = 0) {
  proto::KvResponse r;
  r.set_code(static_cast<int>(s.code()));
  r.set_message(std::string(s.message()));
  r.set_leader_hint(leader_hint);
  return r;
}

}  // namespace

Node::Node(NodeOptions options)
    : options_(std::move(options)),
      incarnation_(static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^ options_.node_id) {}

absl::StatusOr<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  if (options.node_id == 0) return absl::InvalidArgumentError("--node-id must be >= 1");
  if (options.peers.count(options.node_id) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the peer list does not include this node (", options.node_id, ")"));
  }
  if (options.ranges < 1) return absl::InvalidArgumentError("--ranges must be >= 1");
  if (!options.splits.empty() && static_cast<size_t>(options.ranges) != options.splits.size() + 1) {
    return absl::InvalidArgumentError(absl::StrCat(options.splits.size(), " split keys make ",
                                                   options.splits.size() + 1, " ranges, not ",
                                                   options.ranges));
  }
  std::unique_ptr<Node> node(new Node(std::move(options)));
  RETURN_IF_ERROR(node->Init());
  return node;
}

absl::Status Node::Init() {
  if (options_.splits.empty()) {
    range_map_ = txn::RangeMap::Even(options_.ranges);
  } else {
    ASSIGN_OR_RETURN(range_map_, txn::RangeMap::FromSplits(options_.splits));
  }
  ASSIGN_OR_RETURN(engine_, storage::OpenLevelDbEngine(options_.data_dir));
  clock_ = std::make_unique<clock::OffsetClock>(clock::SystemClock::Default(),
                                                options_.clock_skew_ms * 1'000'000);
  true_time_ = std::make_unique<clock::TrueTime>(
      clock_.get(),
      clock::TrueTimeOptions{.epsilon_ns = options_.epsilon_us * 1000, .max_drift_ppm = 0});
  hlc_ = std::make_unique<clock::Hlc>(clock_.get());
  std::vector<storage::paxos::NodeId> voters;
  for (const auto& [id, addr] : options_.peers) voters.push_back(id);
  {
    absl::MutexLock lock(&mu_);
    for (int r = 1; r <= options_.ranges; ++r) {
      storage::RangeReplicaOptions ro;
      ro.range_id = static_cast<uint64_t>(r);
      ro.paxos.self = options_.node_id;
      ro.paxos.initial_voters = voters;
      ro.paxos.heartbeat_ticks = options_.heartbeat_ticks;
      ro.paxos.election_timeout_ticks = options_.election_timeout_ticks;
      ro.paxos.retransmit_ticks = options_.heartbeat_ticks;
      ro.paxos.lease_duration_ns = options_.lease_ms * 1'000'000;
      ro.paxos.seed = options_.node_id * 1'000'003 + static_cast<uint64_t>(r) +
                      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
      ASSIGN_OR_RETURN(ranges_[ro.range_id], storage::RangeReplica::Open(
                                                 ro, engine_.get(), true_time_.get(), hlc_.get()));
      storage::RangeReplica* range = ranges_[ro.range_id].get();
      servers_[ro.range_id] = std::make_unique<txn::RangeTxnServer>(
          txn::RangeTxnServerOptions{
              .node_id = options_.node_id,
              .range_map = &range_map_,
              .request_timeout_ns = options_.request_timeout_ms * 1'000'000,
              .wound_delay_ns = options_.wound_delay_us * 1000,
              .heartbeat_timeout_ns = options_.txn_heartbeat_timeout_ms * 1'000'000,
              .close_interval_ns = options_.close_interval_ms * 1'000'000,
              .incarnation = incarnation_,
              .scan_filters = options_.scan_filters,
              .row_updates = options_.row_updates},
          range, true_time_.get(), hlc_.get(), this);
      servers_[ro.range_id]->SetRefusal(clock_problem_);
    }
  }
  AddressBook others = options_.peers;
  others.erase(options_.node_id);
  TransportOptions to;
  to.wall_clock_ns = [clock = clock_.get()] { return clock->NowNanos(); };
  ASSIGN_OR_RETURN(transport_, Transport::Create(options_.node_id, others, options_.node_id, to));
  peer_rpc_ = NewPeerRpc();
  router_ = std::make_unique<txn::LeaseholderRouter>(peer_rpc_.get(), clock_.get());
  replica_driver_ = std::make_unique<storage::ReplicaDriver>(
      engine_.get(),
      [transport = transport_.get()](proto::PaxosMessage m) { transport->Send(std::move(m)); },
      storage::ReplicaDriverOptions{
          .sync = options_.sync_writes, .compact_above_entries = 20000, .retain_entries = 5000});
  // Writes hold a worker through commit and commit wait: size the pool for many in flight.
  ASSIGN_OR_RETURN(server_, GrpcServer::Start(options_.listen_address, this,
                                              GrpcServerOptions{.kv_threads = 256}));
  driver_ = std::thread([this] { DriverLoop(); });
  janitor_ = std::thread([this] { JanitorLoop(); });
  timer_ = std::thread([this] { TimerLoop(); });
  LOG(INFO) << "node " << options_.node_id << " serving " << options_.ranges << " range(s) on port "
            << server_->port() << ", data in " << options_.data_dir;
  return absl::OkStatus();
}

Node::~Node() { Stop(); }

void Node::Stop() {
  if (stopped_.exchange(true)) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    ExpireCalls();  // every call still waiting: the server's shutdown waits for them
  }
  if (server_ != nullptr) server_->Shutdown();
  if (driver_.joinable()) driver_.join();
  if (janitor_.joinable()) janitor_.join();
  if (timer_.joinable()) timer_.join();
  transport_.reset();
}

int Node::port() const { return server_->port(); }

void Node::OnPaxosBatch(const proto::PaxosBatch& batch) {
  absl::MutexLock lock(&mu_);
  for (const proto::PaxosMessage& m : batch.messages()) inbox_.push_back(m);
  work_pending_ = true;
}

absl::Status Node::OnSetFaults(const proto::FaultSpec& spec) {
  ASSIGN_OR_RETURN(FaultTable faults, FaultTableFromProto(spec));
  transport_->SetFaults(std::move(faults));
  return absl::OkStatus();
}

proto::NodeStatusResponse Node::OnStatus() {
  absl::MutexLock lock(&mu_);
  proto::NodeStatusResponse out;
  out.set_node_id(options_.node_id);
  out.set_clock_problem(clock_problem_);
  for (auto& [id, range] : ranges_) {
    storage::paxos::PaxosStatus s = range->core().Status();
    proto::RangeStatus* rs = out.add_ranges();
    rs->set_range_id(id);
    rs->set_role(storage::paxos::RoleName(s.role));
    rs->set_leader_hint(s.leader_hint);
    rs->set_has_lease(s.has_lease);
    rs->set_learned_index(s.learned_index);
    rs->set_applied_index(range->applied_index());
    *rs->mutable_ballot() = s.promised;
    for (auto v : s.voters) rs->add_voters(v);
    rs->set_next_slot(s.next_slot);
    rs->set_queued(s.queued);
    rs->set_inflight(s.inflight);
    const txn::RangeSpan& span = range_map_.ranges()[id - 1];
    rs->set_start_key(span.start);
    rs->set_end_key(span.end);
    rs->set_prepared_txns(range->prepared().size());
    rs->set_locked_txns(servers_[id]->locked_txns());
  }
  return out;
}

storage::RangeReplica* Node::FindRange(uint64_t range_id) {
  auto it = ranges_.find(range_id);
  return it == ranges_.end() ? nullptr : it->second.get();
}

proto::KvResponse Node::OnKv(const proto::KvRequest& request) {
  storage::RangeReplica* range;
  {
    absl::MutexLock lock(&mu_);
    if (!clock_problem_.empty()) {
      return ErrorResponse(absl::UnavailableError(
          absl::StrCat("node ", options_.node_id, " refuses to serve: ", clock_problem_)));
    }
    range = FindRange(request.range_id() == 0 ? 1 : request.range_id());
  }
  if (range == nullptr) {
    return ErrorResponse(absl::NotFoundError(
        absl::StrCat("range ", request.range_id(), " is not served by node ", options_.node_id)));
  }
  switch (request.op()) {
    case proto::KvRequest::PUT:
    case proto::KvRequest::DELETE: {
      if (request.key().empty()) return ErrorResponse(absl::InvalidArgumentError("empty key"));
      proto::KvWrite w;
      w.set_key(request.key());
      w.set_value(request.value());
      w.set_is_delete(request.op() == proto::KvRequest::DELETE);
      return Write(range, {std::move(w)});
    }
    case proto::KvRequest::BATCH: {
      if (request.writes_size() == 0 || request.writes_size() > 10000) {
        return ErrorResponse(absl::InvalidArgumentError("a batch holds 1 to 10000 writes"));
      }
      std::vector<proto::KvWrite> writes(request.writes().begin(), request.writes().end());
      for (const proto::KvWrite& w : writes) {
        if (w.key().empty()) return ErrorResponse(absl::InvalidArgumentError("empty key"));
      }
      return Write(range, std::move(writes));
    }
    case proto::KvRequest::GET:
    case proto::KvRequest::SCAN:
      return Read(range, request);
    default:
      return ErrorResponse(absl::InvalidArgumentError("unknown KV operation"));
  }
}

proto::KvResponse Node::Write(storage::RangeReplica* range, std::vector<proto::KvWrite> writes) {
  // A one-range transaction of its own: it locks like any other, so it never slips between a
  // transaction's read and its commit.
  proto::TxnRequest req;
  req.set_op(proto::TxnRequest::COMMIT);
  req.set_range_id(range->range_id());
  {
    absl::MutexLock lock(&mu_);
    req.set_txn_id(absl::StrCat("kv-", options_.node_id, "-", next_local_txn_++));
  }
  *req.mutable_priority() = ToProto(hlc_->Now());
  for (proto::KvWrite& w : writes) *req.add_writes() = std::move(w);
  proto::TxnResponse t = OnTxn(req);
  proto::KvResponse r;
  r.set_code(t.code());
  r.set_message(t.message());
  r.set_leader_hint(t.leader_hint());
  *r.mutable_timestamp() = t.timestamp();
  return r;
}

void Node::DriverLoop() {
  const absl::Duration tick = absl::Milliseconds(options_.tick_ms);
  absl::Time next_tick = absl::Now() + tick;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return work_pending_ || stopping_; };
      // Wake at the next tick, or sooner when a parked wait's deadline (a lock wait's
      // patience, a few milliseconds) passes before it.
      absl::Time wake_at = next_tick;
      for (const auto& [id, server] : servers_) {
        if (int64_t d = server->NextDeadlineNs(); d > 0) {
          wake_at = std::min(wake_at, absl::Now() + absl::Nanoseconds(d - clock_->NowNanos()));
        }
      }
      mu_.AwaitWithDeadline(absl::Condition(&wake), wake_at);
      if (stopping_) return;
      work_pending_ = false;
      const bool tick_due = absl::Now() >= next_tick;
      if (tick_due) {
        next_tick = absl::Now() + tick;
        CheckClock();
      }
      // A node whose clock is not trusted must not vote, lead or grant leases: it behaves as
      // if it were down until its clock agrees with the cluster again.
      if (clock_problem_.empty()) {
        for (const proto::PaxosMessage& m : inbox_) {
          storage::RangeReplica* r = FindRange(m.group());
          if (r != nullptr) r->core().Step(m);
        }
        if (tick_due) {
          for (auto& [id, r] : ranges_) r->core().Tick();
        }
      }
      inbox_.clear();
      MaintainTxns(tick_due);
      if (tick_due) ExpireCalls();
    }
    while (ProcessReadies()) {
    }
  }
}

void Node::CheckClock() {
  const int64_t max_offset_ns =
      (options_.max_clock_offset_us > 0 ? options_.max_clock_offset_us : options_.epsilon_us) *
      1000;
  ClockHealth health =
      EvaluateClock(transport_->ClockSamples(), options_.peers.size() - 1, clock_->NowNanos(),
                    max_offset_ns, /*max_sample_age_ns=*/2'000'000'000);
  if (health.healthy && !clock_problem_.empty()) {
    LOG(INFO) << "node " << options_.node_id << ": clock agrees with the cluster; serving";
  } else if (!health.healthy && health.problem != clock_problem_ &&
             health.problem.find("cannot verify") == std::string::npos) {
    LOG(ERROR) << "node " << options_.node_id << " stops serving: " << health.problem;
  }
  clock_problem_ = health.healthy ? "" : health.problem;
  for (auto& [id, server] : servers_) server->SetRefusal(clock_problem_);
}

bool Node::ProcessReadies() {
  storage::ReplicaDriver::Pass pass = replica_driver_->StartPass();
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, r] : ranges_) pass.Collect(r.get());
  }
  if (pass.empty()) return false;
  // The synced group-commit write and the sends run without mu_: requests keep arriving.
  const absl::Time persist_start = absl::Now();
  if (absl::Status s = pass.PersistAndSend(); !s.ok()) {
    // The cores believe their state is durable; only a restart from the disk is safe.
    LOG(FATAL) << "node " << options_.node_id << " stops: writing the Paxos state failed: " << s;
  }
  absl::MutexLock lock(&mu_);
  const absl::Time apply_start = absl::Now();
  absl::Cleanup slow = [&] {
    // Applying holds the node's mutex: every range waits, lease renewals included.
    const absl::Time end = absl::Now();
    if (end - apply_start > absl::Milliseconds(250) || end - persist_start > absl::Seconds(1)) {
      LOG(WARNING) << "node " << options_.node_id << ": slow replica pass: persist and send "
                   << absl::FormatDuration(apply_start - persist_start) << ", apply "
                   << absl::FormatDuration(end - apply_start);
    }
  };
  absl::Status s = pass.Apply(
      [this](storage::DrivenReplica& r, const storage::paxos::Ready&,
             std::vector<storage::AppliedProposal> outcomes)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { servers_[r.group_id()]->OnApplied(outcomes); });
  if (!s.ok()) LOG(FATAL) << "node " << options_.node_id << " stops: " << s;
  MaintainTxns(/*tick=*/false);
  return true;
}

}  // namespace meridian::server
