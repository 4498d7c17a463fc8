#include "server/transport.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "proto/node.grpc.pb.h"
#include "server/grpc_server.h"

namespace meridian::server {

absl::StatusOr<FaultTable> FaultTableFromProto(const proto::FaultSpec& spec) {
  FaultTable faults;
  for (const proto::LinkFault& link : spec.links()) {
    if (link.delay_us() < 0 || link.jitter_us() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("negative delay or jitter on the link to node ", link.to()));
    }
    if (!(link.loss() >= 0 && link.loss() <= 1)) {  // also rejects NaN
      return absl::InvalidArgumentError(
          absl::StrCat("loss must be in [0, 1] on the link to node ", link.to()));
    }
    LinkFaultConfig config{.delay_us = link.delay_us(),
                           .jitter_us = link.jitter_us(),
                           .loss = link.loss(),
                           .blocked = link.blocked()};
    if (!faults.emplace(link.to(), config).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("node ", link.to(), " appears twice in the fault spec"));
    }
  }
  return faults;
}

proto::FaultSpec FaultTableToProto(const FaultTable& faults) {
  proto::FaultSpec spec;
  for (const auto& [to, config] : faults) {
    proto::LinkFault* link = spec.add_links();
    link->set_to(to);
    link->set_delay_us(config.delay_us);
    link->set_jitter_us(config.jitter_us);
    link->set_loss(config.loss);
    link->set_blocked(config.blocked);
  }
  return spec;
}

class Transport::Impl {
 public:
  Impl(NodeId self, uint64_t seed, TransportOptions options)
      : self_(self), options_(std::move(options)), rng_(seed) {}

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (delay_thread_.joinable()) delay_thread_.join();
    if (watchdog_thread_.joinable()) watchdog_thread_.join();
    for (auto& [id, peer] : peers_) {
      absl::MutexLock lock(&peer->mu);
      peer->stopping = true;
      if (peer->in_flight != nullptr) peer->in_flight->TryCancel();
    }
    for (auto& [id, peer] : peers_) {
      if (peer->sender.joinable()) peer->sender.join();
    }
  }

  // REQUIRES: called before Start().
  void AddPeer(NodeId id, const std::string& address) {
    auto peer = std::make_unique<Peer>();
    peer->id = id;
    peer->address = address;
    peer->stub = proto::MeridianNode::NewStub(CreateNodeChannel(address));
    peers_.emplace(id, std::move(peer));
  }

  void Start() {
    delay_thread_ = std::thread([this] { DelayLoop(); });
    watchdog_thread_ = std::thread([this] { WatchdogLoop(); });
    for (auto& [id, peer] : peers_) {
      Peer* p = peer.get();
      p->sender = std::thread([this, p] { SenderLoop(p); });
    }
  }

  NodeId self() const { return self_; }

  void Send(proto::PaxosMessage msg) {
    auto it = peers_.find(msg.to());
    if (it == peers_.end()) {
      dropped_unknown_peer_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      auto fault = faults_.find(msg.to());
      if (fault != faults_.end()) {
        const LinkFaultConfig& config = fault->second;
        if (config.blocked ||
            (config.loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < config.loss)) {
          dropped_by_fault_.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        int64_t delay_us = config.delay_us;
        if (config.jitter_us > 0) {
          delay_us += std::uniform_int_distribution<int64_t>(0, config.jitter_us)(rng_);
        }
        if (delay_us > 0) {
          if (delayed_.size() >= options_.max_delayed) {
            dropped_overflow_.fetch_add(1, std::memory_order_relaxed);
            return;
          }
          DelayKey key{std::chrono::steady_clock::now() + std::chrono::microseconds(delay_us),
                       next_delay_seq_++};
          if (delayed_.empty() || key < delayed_.begin()->first) ++delay_wakeups_;
          delayed_.emplace(key, std::move(msg));
          return;
        }
      }
    }
    Enqueue(it->second.get(), std::move(msg));
  }

  void SetFaults(FaultTable faults) {
    std::set<NodeId> blocked;
    for (const auto& [to, config] : faults) {
      if (config.blocked) blocked.insert(to);
    }
    {
      absl::MutexLock lock(&mu_);
      faults_ = std::move(faults);
      // A partition also cuts what is already on its way.
      for (auto it = delayed_.begin(); it != delayed_.end();) {
        if (blocked.contains(it->second.to())) {
          it = delayed_.erase(it);
          dropped_by_fault_.fetch_add(1, std::memory_order_relaxed);
        } else {
          ++it;
        }
      }
    }
    for (NodeId to : blocked) {
      auto it = peers_.find(to);
      if (it == peers_.end()) continue;
      Peer* peer = it->second.get();
      absl::MutexLock lock(&peer->mu);
      dropped_by_fault_.fetch_add(peer->queue.size(), std::memory_order_relaxed);
      peer->queue.clear();
    }
  }

  FaultTable faults() const {
    absl::MutexLock lock(&mu_);
    return faults_;
  }

  std::map<NodeId, ClockSample> ClockSamples() const {
    std::map<NodeId, ClockSample> out;
    for (const auto& [id, peer] : peers_) {
      absl::MutexLock lock(&peer->mu);
      if (peer->clock.has_value()) out[id] = *peer->clock;
    }
    return out;
  }

  int64_t WallNanos() const {
    if (options_.wall_clock_ns) return options_.wall_clock_ns();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  }

  Stats stats() const {
    Stats s;
    s.sent_messages = sent_messages_.load(std::memory_order_relaxed);
    s.sent_batches = sent_batches_.load(std::memory_order_relaxed);
    s.dropped_by_fault = dropped_by_fault_.load(std::memory_order_relaxed);
    s.dropped_overflow = dropped_overflow_.load(std::memory_order_relaxed);
    s.dropped_unknown_peer = dropped_unknown_peer_.load(std::memory_order_relaxed);
    s.dropped_send_error = dropped_send_error_.load(std::memory_order_relaxed);
    s.send_errors = send_errors_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  // One destination: its queue and the thread that drains it.
  struct Peer {
    NodeId id = 0;
    std::string address;
    std::unique_ptr<proto::MeridianNode::Stub> stub;
    std::thread sender;

    absl::Mutex mu;
    std::deque<proto::PaxosMessage> queue ABSL_GUARDED_BY(mu);
    bool stopping ABSL_GUARDED_BY(mu) = false;
    // The open stream (sender thread only) and its context; in_flight points to the context
    // while a batch awaits its ack, for the destructor and the watchdog to cancel.
    std::unique_ptr<grpc::ClientContext> stream_context;
    std::unique_ptr<grpc::ClientReaderWriter<proto::PaxosBatch, proto::PaxosAck>> stream;
    grpc::ClientContext* in_flight ABSL_GUARDED_BY(mu) = nullptr;
    std::chrono::steady_clock::time_point in_flight_deadline ABSL_GUARDED_BY(mu);
    std::optional<ClockSample> clock ABSL_GUARDED_BY(mu);
    bool reachable = true;  // sender thread only: for logging state changes
  };

  // Orders delayed messages by due time, then by Send order.
  struct DelayKey {
    std::chrono::steady_clock::time_point due;
    uint64_t seq;
    bool operator<(const DelayKey& o) const { return due < o.due || (due == o.due && seq < o.seq); }
  };

  bool IsBlocked(NodeId to) const {
    absl::MutexLock lock(&mu_);
    auto it = faults_.find(to);
    return it != faults_.end() && it->second.blocked;
  }

  void Enqueue(Peer* peer, proto::PaxosMessage msg) {
    absl::MutexLock lock(&peer->mu);
    while (peer->queue.size() >= options_.max_queued_per_peer) {
      peer->queue.pop_front();
      dropped_overflow_.fetch_add(1, std::memory_order_relaxed);
    }
    peer->queue.push_back(std::move(msg));
  }

  // Sends everything queued for `peer`, one batch at a time, until shutdown.
  void SenderLoop(Peer* peer) {
    SendUntilStopped(peer);
    CloseStream(peer);
  }

  void SendUntilStopped(Peer* peer) {
    for (;;) {
      proto::PaxosBatch batch;
      size_t bytes = 0;
      {
        absl::MutexLock lock(&peer->mu);
        // Wake for work, or after the probe interval to send an empty batch (a clock probe).
        peer->mu.AwaitWithTimeout(absl::Condition(
                                      +[](Peer* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu) {
                                        return p->stopping || !p->queue.empty();
                                      },
                                      peer),
                                  options_.probe_interval);
        if (peer->stopping) return;
        while (!peer->queue.empty() &&
               static_cast<size_t>(batch.messages_size()) < options_.max_batch_messages) {
          const size_t size = peer->queue.front().ByteSizeLong();
          if (batch.messages_size() > 0 && bytes + size > options_.max_batch_bytes) break;
          bytes += size;
          *batch.add_messages() = std::move(peer->queue.front());
          peer->queue.pop_front();
        }
      }
      const uint64_t n = batch.messages_size();
      if (IsBlocked(peer->id)) {  // blocked after these were queued
        dropped_by_fault_.fetch_add(n, std::memory_order_relaxed);
        continue;
      }

      // One batch on the peer's stream (opened on first use, and again after a failure),
      // answered by one ack. The watchdog cancels a batch unanswered after rpc_timeout.
      if (peer->stream == nullptr) peer->stream_context = std::make_unique<grpc::ClientContext>();
      {
        absl::MutexLock lock(&peer->mu);
        if (peer->stopping) return;
        peer->in_flight = peer->stream_context.get();
        peer->in_flight_deadline =
            std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(options_.rpc_timeout);
      }
      if (peer->stream == nullptr)
        peer->stream = peer->stub->PaxosStream(peer->stream_context.get());
      proto::PaxosAck response;
      const int64_t sent_at = WallNanos();
      const bool answered = peer->stream->Write(batch) && peer->stream->Read(&response);
      const int64_t answered_at = WallNanos();
      grpc::Status status = grpc::Status::OK;
      {
        absl::MutexLock lock(&peer->mu);
        peer->in_flight = nullptr;
        if (peer->stopping) return;  // cancelled by the destructor: not a peer failure
        if (answered && response.receiver_wall_ns() != 0) {
          // The peer read its clock somewhere in [sent_at, answered_at] of ours.
          const int64_t mid = sent_at + (answered_at - sent_at) / 2;
          peer->clock = ClockSample{response.receiver_wall_ns() - mid,
                                    (answered_at - sent_at) / 2 + 1, answered_at};
        }
      }
      if (!answered) {
        status = CloseStream(peer);
        if (status.ok()) status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream closed");
      }
      if (status.ok()) {
        sent_messages_.fetch_add(n, std::memory_order_relaxed);
        sent_batches_.fetch_add(1, std::memory_order_relaxed);
        if (!peer->reachable) {
          LOG(INFO) << "transport " << self_ << ": node " << peer->id << " at " << peer->address
                    << " is reachable again";
          peer->reachable = true;
        }
      } else {
        send_errors_.fetch_add(1, std::memory_order_relaxed);
        dropped_send_error_.fetch_add(n, std::memory_order_relaxed);
        if (peer->reachable) {
          LOG(INFO) << "transport " << self_ << ": sending to node " << peer->id << " at "
                    << peer->address << " failed (" << status.error_code() << ": "
                    << status.error_message() << "); dropping batches until it answers";
          peer->reachable = false;
        }
      }
    }
  }

  // Ends the peer's stream (sender thread only); its status. A no-op without a stream.
  grpc::Status CloseStream(Peer* peer) {
    if (peer->stream == nullptr) return grpc::Status::OK;
    peer->stream_context->TryCancel();
    grpc::Status status = peer->stream->Finish();
    peer->stream.reset();
    peer->stream_context.reset();
    return status;
  }

  // Cancels every batch still unanswered after rpc_timeout (a stream has no per-message
  // deadline), so that a hung peer fails its batch as a dead one does.
  void WatchdogLoop() {
    const absl::Duration period =
        std::clamp(options_.rpc_timeout / 4, absl::Milliseconds(1), absl::Milliseconds(100));
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), period);
        if (stopping_) return;
      }
      const auto now = std::chrono::steady_clock::now();
      for (auto& [id, peer] : peers_) {
        absl::MutexLock peer_lock(&peer->mu);
        if (peer->in_flight != nullptr && now > peer->in_flight_deadline) {
          peer->in_flight->TryCancel();
        }
      }
    }
  }

  // Moves delayed messages to their peer's queue when they fall due.
  void DelayLoop() {
    mu_.Lock();
    while (!stopping_) {
      if (delayed_.empty()) {
        mu_.Await(absl::Condition(
            +[](Impl* impl) ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl->mu_) {
              return impl->stopping_ || !impl->delayed_.empty();
            },
            this));
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      const auto due = delayed_.begin()->first.due;
      if (due > now) {
        const uint64_t seen = delay_wakeups_;
        auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || delay_wakeups_ != seen;
        };
        mu_.AwaitWithTimeout(absl::Condition(&woken), absl::FromChrono(due - now));
        continue;
      }
      std::vector<proto::PaxosMessage> ready;
      while (!delayed_.empty() && delayed_.begin()->first.due <= now) {
        ready.push_back(std::move(delayed_.extract(delayed_.begin()).mapped()));
      }
      mu_.Unlock();
      for (proto::PaxosMessage& msg : ready) {
        Peer* peer = peers_.at(msg.to()).get();  // before `msg` is moved from
        Enqueue(peer, std::move(msg));
      }
      mu_.Lock();
    }
    mu_.Unlock();
  }

  const NodeId self_;
  const TransportOptions options_;
  // Filled before Start(), immutable afterwards.
  std::map<NodeId, std::unique_ptr<Peer>> peers_;
  std::thread delay_thread_;
  std::thread watchdog_thread_;

  mutable absl::Mutex mu_;
  FaultTable faults_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  std::map<DelayKey, proto::PaxosMessage> delayed_ ABSL_GUARDED_BY(mu_);
  uint64_t next_delay_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped when the earliest due time moves earlier, to wake the delay thread.
  uint64_t delay_wakeups_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<uint64_t> sent_messages_{0};
  std::atomic<uint64_t> sent_batches_{0};
  std::atomic<uint64_t> dropped_by_fault_{0};
  std::atomic<uint64_t> dropped_overflow_{0};
  std::atomic<uint64_t> dropped_unknown_peer_{0};
  std::atomic<uint64_t> dropped_send_error_{0};
  std::atomic<uint64_t> send_errors_{0};
};

absl::StatusOr<std::unique_ptr<Transport>> Transport::Create(NodeId self, AddressBook peers,
                                                             uint64_t seed,
                                                             TransportOptions options) {
  if (options.max_batch_messages == 0 || options.max_queued_per_peer == 0) {
    return absl::InvalidArgumentError(
        "max_batch_messages and max_queued_per_peer must be positive");
  }
  auto impl = std::make_unique<Impl>(self, seed, std::move(options));
  for (const auto& [id, address] : peers) {
    if (address.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty address for node ", id));
    }
    impl->AddPeer(id, address);
  }
  impl->Start();
  return std::unique_ptr<Transport>(new Transport(std::move(impl)));
}

Transport::Transport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Transport::~Transport() = default;

NodeId Transport::self() const { return impl_->self(); }

void Transport::Send(proto::PaxosMessage msg) { impl_->Send(std::move(msg)); }

void Transport::SetFaults(FaultTable faults) { impl_->SetFaults(std::move(faults)); }

FaultTable Transport::faults() const { return impl_->faults(); }

Transport::Stats Transport::stats() const { return impl_->stats(); }

std::map<NodeId, ClockSample> Transport::ClockSamples() const { return impl_->ClockSamples(); }

}  // namespace meridian::server
