// Tests of the node's networking layer over real gRPC on 127.0.0.1: GrpcServer, NodeClient and
// the batched, fault-injecting Transport.
#include "server/transport.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc_server.h"

namespace meridian::server {
namespace {

using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;
using Clock = std::chrono::steady_clock;

// Polls `done` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(5)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

proto::PaxosMessage Msg(NodeId from, NodeId to, uint64_t slot) {
  proto::PaxosMessage msg;
  msg.set_type(proto::PaxosMessage::ACCEPT);
  msg.set_group(7);
  msg.set_from(from);
  msg.set_to(to);
  msg.set_slot(slot);
  return msg;
}

// Records what a node receives. Paxos delivery can be paused (a handler stuck in OnPaxosBatch)
// and Kv calls can be held, to build the interleavings the tests need.
class RecordingHandler : public NodeServiceHandler {
 public:
  struct Arrival {
    uint64_t slot;
    Clock::time_point at;
  };

  explicit RecordingHandler(NodeId id) : id_(id) {}

  void OnPaxosBatch(const proto::PaxosBatch& batch) override {
    if (batch.messages_size() == 0) return;  // a clock probe
    const Clock::time_point now = Clock::now();
    absl::MutexLock lock(&mu_);
    ++batches_;
    for (const proto::PaxosMessage& msg : batch.messages()) {
      arrivals_.push_back(Arrival{msg.slot(), now});
    }
    ++paxos_blocked_;
    mu_.Await(absl::Condition(&paxos_open_));
    --paxos_blocked_;
  }

  // This handler only records transport traffic; it serves no transactions.
  proto::TxnResponse OnTxn(const proto::TxnRequest&) override {
    proto::TxnResponse r;
    r.set_code(static_cast<int>(absl::StatusCode::kUnimplemented));
    r.set_message("the transport test handler serves no transactions");
    return r;
  }

  proto::KvResponse OnKv(const proto::KvRequest& request) override {
    absl::MutexLock lock(&mu_);
    ++kv_running_;
    mu_.Await(absl::Condition(&kv_open_));
    --kv_running_;
    proto::KvResponse response;
    response.set_found(true);
    response.set_value(absl::StrCat(std::string(request.key()), "=", std::string(request.value())));
    response.set_leader_hint(id_);
    return response;
  }

  proto::NodeStatusResponse OnStatus() override {
    proto::NodeStatusResponse response;
    response.set_node_id(id_);
    return response;
  }

  int64_t WallClockNanos() override { return absl::ToUnixNanos(absl::Now()) + clock_skew_ns_; }
  void set_clock_skew_ns(int64_t skew) { clock_skew_ns_ = skew; }

  absl::Status OnSetFaults(const proto::FaultSpec& spec) override {
    absl::MutexLock lock(&mu_);
    last_faults_ = spec;
    ++set_faults_calls_;
    if (spec.links_size() > 0 && spec.links(0).loss() > 1) {
      return absl::InvalidArgumentError("loss must be in [0, 1]");
    }
    return absl::OkStatus();
  }

  void PausePaxos() {
    absl::MutexLock lock(&mu_);
    paxos_open_ = false;
  }
  void ResumePaxos() {
    absl::MutexLock lock(&mu_);
    paxos_open_ = true;
  }
  void HoldKv() {
    absl::MutexLock lock(&mu_);
    kv_open_ = false;
  }
  void ReleaseKv() {
    absl::MutexLock lock(&mu_);
    kv_open_ = true;
  }

  std::vector<Arrival> arrivals() const {
    absl::MutexLock lock(&mu_);
    return arrivals_;
  }
  std::vector<uint64_t> slots() const {
    std::vector<uint64_t> out;
    for (const Arrival& a : arrivals()) out.push_back(a.slot);
    return out;
  }
  size_t messages() const {
    absl::MutexLock lock(&mu_);
    return arrivals_.size();
  }
  int batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  int paxos_blocked() const {
    absl::MutexLock lock(&mu_);
    return paxos_blocked_;
  }
  int kv_running() const {
    absl::MutexLock lock(&mu_);
    return kv_running_;
  }
  int set_faults_calls() const {
    absl::MutexLock lock(&mu_);
    return set_faults_calls_;
  }
  proto::FaultSpec last_faults() const {
    absl::MutexLock lock(&mu_);
    return last_faults_;
  }

 private:
  const NodeId id_;
  mutable absl::Mutex mu_;
  std::vector<Arrival> arrivals_ ABSL_GUARDED_BY(mu_);
  int batches_ ABSL_GUARDED_BY(mu_) = 0;
  bool paxos_open_ ABSL_GUARDED_BY(mu_) = true;
  int paxos_blocked_ ABSL_GUARDED_BY(mu_) = 0;
  bool kv_open_ ABSL_GUARDED_BY(mu_) = true;
  int kv_running_ ABSL_GUARDED_BY(mu_) = 0;
  proto::FaultSpec last_faults_ ABSL_GUARDED_BY(mu_);
  int set_faults_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int64_t> clock_skew_ns_{0};
};

// Nodes 2 and 3 serve on free ports; node 1 is the sender.
class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (NodeId id : {2, 3}) {
      handlers_[id] = std::make_unique<RecordingHandler>(id);
      auto server = GrpcServer::Start("127.0.0.1:0", handlers_[id].get());
      ASSERT_TRUE(server.ok()) << server.status();
      book_[id] = absl::StrCat("127.0.0.1:", (*server)->port());
      servers_[id] = std::move(*server);
    }
  }

  void TearDown() override {
    for (auto& [id, handler] : handlers_) {
      handler->ResumePaxos();
      handler->ReleaseKv();
    }
    transport_.reset();
    servers_.clear();
  }

  // Probes are off unless a test asks for them, so batch counts stay exact.
  void MakeTransport(TransportOptions options = NoProbes()) {
    auto transport = Transport::Create(1, book_, /*seed=*/42, options);
    ASSERT_TRUE(transport.ok()) << transport.status();
    transport_ = std::move(*transport);
  }

  RecordingHandler& handler(NodeId id) { return *handlers_.at(id); }

  static TransportOptions NoProbes() {
    TransportOptions o;
    o.probe_interval = absl::InfiniteDuration();
    return o;
  }

  // Waits until every message handed to the transport is accounted for.
  bool WaitSettled(uint64_t sent) {
    return WaitFor([&] {
      Transport::Stats s = transport_->stats();
      return s.sent_messages + s.dropped_by_fault + s.dropped_overflow + s.dropped_send_error +
                 s.dropped_unknown_peer ==
             sent;
    });
  }

  std::map<NodeId, std::unique_ptr<RecordingHandler>> handlers_;  // outlive the servers
  std::map<NodeId, std::unique_ptr<GrpcServer>> servers_;
  AddressBook book_;
  std::unique_ptr<Transport> transport_;
};

std::vector<uint64_t> Range(uint64_t begin, uint64_t end) {
  std::vector<uint64_t> out;
  for (uint64_t i = begin; i < end; ++i) out.push_back(i);
  return out;
}

TEST_F(TransportTest, DeliversInOrderAndBatchesWhileAnRpcIsInFlight) {
  MakeTransport();
  handler(2).PausePaxos();
  transport_->Send(Msg(1, 2, 0));
  // The first batch is now stuck in the handler: everything sent meanwhile must queue up and
  // go out together in the next RPC.
  ASSERT_TRUE(WaitFor([&] { return handler(2).paxos_blocked() == 1; }));
  for (uint64_t i = 1; i < 1000; ++i) transport_->Send(Msg(1, 2, i));
  handler(2).ResumePaxos();

  ASSERT_TRUE(WaitSettled(1000));
  EXPECT_THAT(handler(2).slots(), ElementsAreArray(Range(0, 1000)));
  EXPECT_EQ(handler(2).batches(), 2);
  Transport::Stats s = transport_->stats();
  EXPECT_EQ(s.sent_messages, 1000u);
  EXPECT_EQ(s.sent_batches, 2u);
  EXPECT_EQ(s.send_errors, 0u);
  EXPECT_EQ(handler(3).messages(), 0u);
}

TEST_F(TransportTest, BatchesRespectTheMessageLimit) {
  MakeTransport({.max_batch_messages = 100});
  handler(2).PausePaxos();
  transport_->Send(Msg(1, 2, 0));
  ASSERT_TRUE(WaitFor([&] { return handler(2).paxos_blocked() == 1; }));
  for (uint64_t i = 1; i < 1000; ++i) transport_->Send(Msg(1, 2, i));
  handler(2).ResumePaxos();

  ASSERT_TRUE(WaitSettled(1000));
  EXPECT_THAT(handler(2).slots(), ElementsAreArray(Range(0, 1000)));
  EXPECT_EQ(handler(2).batches(), 11);  // 1, then 999 in batches of at most 100
}

TEST_F(TransportTest, FullQueueDropsOldest) {
  MakeTransport({.max_queued_per_peer = 10});
  handler(2).PausePaxos();
  transport_->Send(Msg(1, 2, 0));
  ASSERT_TRUE(WaitFor([&] { return handler(2).paxos_blocked() == 1; }));
  for (uint64_t i = 1; i <= 100; ++i) transport_->Send(Msg(1, 2, i));
  EXPECT_EQ(transport_->stats().dropped_overflow, 90u);
  handler(2).ResumePaxos();

  ASSERT_TRUE(WaitSettled(101));
  std::vector<uint64_t> expected = {0};
  for (uint64_t i = 91; i <= 100; ++i) expected.push_back(i);
  EXPECT_THAT(handler(2).slots(), ElementsAreArray(expected));
}

TEST_F(TransportTest, UnknownDestinationIsCounted) {
  MakeTransport();
  transport_->Send(Msg(1, 99, 0));
  EXPECT_EQ(transport_->stats().dropped_unknown_peer, 1u);
}

TEST_F(TransportTest, BlockedLinkDeliversNothingWhileOthersDo) {
  MakeTransport();
  transport_->SetFaults({{2, LinkFaultConfig{.blocked = true}}});
  for (uint64_t i = 0; i < 100; ++i) {
    transport_->Send(Msg(1, 2, i));
    transport_->Send(Msg(1, 3, i));
  }
  ASSERT_TRUE(WaitSettled(200));
  EXPECT_EQ(handler(3).messages(), 100u);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(handler(2).messages(), 0u);
  EXPECT_EQ(transport_->stats().dropped_by_fault, 100u);

  // Healing the partition lets traffic through again.
  transport_->SetFaults({});
  EXPECT_TRUE(transport_->faults().empty());
  transport_->Send(Msg(1, 2, 1000));
  ASSERT_TRUE(WaitFor([&] { return handler(2).messages() == 1; }));
  EXPECT_THAT(handler(2).slots(), ElementsAreArray({1000}));
}

TEST_F(TransportTest, BlockingALinkDropsWhatIsAlreadyDelayed) {
  MakeTransport();
  transport_->SetFaults({{2, LinkFaultConfig{.delay_us = 200000}}});
  for (uint64_t i = 0; i < 10; ++i) transport_->Send(Msg(1, 2, i));
  transport_->SetFaults({{2, LinkFaultConfig{.blocked = true}}});
  ASSERT_TRUE(WaitSettled(10));
  EXPECT_EQ(transport_->stats().dropped_by_fault, 10u);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(handler(2).messages(), 0u);
}

TEST_F(TransportTest, TotalLossDropsEverything) {
  MakeTransport();
  transport_->SetFaults({{2, LinkFaultConfig{.loss = 1.0}}});
  for (uint64_t i = 0; i < 200; ++i) {
    transport_->Send(Msg(1, 2, i));
    transport_->Send(Msg(1, 3, i));
  }
  ASSERT_TRUE(WaitSettled(400));
  EXPECT_EQ(transport_->stats().dropped_by_fault, 200u);
  EXPECT_EQ(handler(2).messages(), 0u);
  EXPECT_EQ(handler(3).messages(), 200u);
}

TEST_F(TransportTest, PartialLossDropsAboutThatFraction) {
  MakeTransport();
  transport_->SetFaults({{2, LinkFaultConfig{.loss = 0.3}}});
  constexpr uint64_t kSent = 2000;
  for (uint64_t i = 0; i < kSent; ++i) transport_->Send(Msg(1, 2, i));
  ASSERT_TRUE(WaitSettled(kSent));
  const Transport::Stats s = transport_->stats();
  // Expected 600 drops, standard deviation about 20.
  EXPECT_GT(s.dropped_by_fault, 450u);
  EXPECT_LT(s.dropped_by_fault, 750u);
  EXPECT_EQ(handler(2).messages(), kSent - s.dropped_by_fault);
  // Survivors keep their order.
  std::vector<uint64_t> slots = handler(2).slots();
  EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end()));
}

TEST_F(TransportTest, DelayIsObservedPerLink) {
  MakeTransport();
  // Connect both links first so that connection setup does not count as delay.
  transport_->Send(Msg(1, 2, 100));
  transport_->Send(Msg(1, 3, 100));
  ASSERT_TRUE(WaitSettled(2));
  transport_->SetFaults({{2, LinkFaultConfig{.delay_us = 50000}}});
  std::vector<Clock::time_point> sent_at;
  for (uint64_t i = 0; i < 20; ++i) {
    sent_at.push_back(Clock::now());
    transport_->Send(Msg(1, 2, i));
    transport_->Send(Msg(1, 3, i));
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(WaitSettled(42));
  std::vector<RecordingHandler::Arrival> delayed = handler(2).arrivals();
  std::vector<RecordingHandler::Arrival> direct = handler(3).arrivals();
  delayed.erase(delayed.begin());  // the warm-up messages
  direct.erase(direct.begin());
  ASSERT_EQ(delayed.size(), 20u);
  ASSERT_EQ(direct.size(), 20u);
  for (size_t i = 0; i < delayed.size(); ++i) {
    EXPECT_EQ(delayed[i].slot, i);  // a fixed delay keeps the order
    EXPECT_GE(delayed[i].at - sent_at[i], std::chrono::milliseconds(50)) << "slot " << i;
    // The undelayed link is not held back by the delayed one.
    EXPECT_LT(direct[i].at, delayed[i].at) << "slot " << i;
  }
}

TEST_F(TransportTest, JitterReorders) {
  MakeTransport();
  transport_->SetFaults({{2, LinkFaultConfig{.delay_us = 1000, .jitter_us = 30000}}});
  for (uint64_t i = 0; i < 200; ++i) transport_->Send(Msg(1, 2, i));
  ASSERT_TRUE(WaitSettled(200));
  std::vector<uint64_t> slots = handler(2).slots();
  EXPECT_THAT(slots, UnorderedElementsAreArray(Range(0, 200)));
  EXPECT_FALSE(std::is_sorted(slots.begin(), slots.end()));
}

TEST_F(TransportTest, DeadPeerDoesNotBlockOthersAndRecoversAfterRestart) {
  MakeTransport();
  transport_->Send(Msg(1, 2, 0));
  transport_->Send(Msg(1, 3, 0));
  ASSERT_TRUE(WaitSettled(2));
  const int port = servers_[2]->port();
  servers_[2]->Shutdown();

  for (uint64_t i = 1; i <= 100; ++i) {
    transport_->Send(Msg(1, 2, i));
    transport_->Send(Msg(1, 3, i));
  }
  ASSERT_TRUE(WaitFor([&] { return handler(3).messages() == 101; }, absl::Seconds(2)));
  ASSERT_TRUE(WaitSettled(202));
  EXPECT_GT(transport_->stats().send_errors, 0u);
  EXPECT_EQ(handler(2).messages(), 1u);

  // Restart node 2 on the same port; retransmissions (here: one message every 20 ms) get
  // through again within a couple of seconds.
  RecordingHandler restarted(2);
  std::unique_ptr<GrpcServer> server;
  const absl::Time restart = absl::Now();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto s = GrpcServer::Start(book_[2], &restarted);
        if (s.ok()) server = std::move(*s);
        return s.ok();
      },
      absl::Seconds(2)));
  uint64_t slot = 1000;
  ASSERT_TRUE(WaitFor(
      [&] {
        transport_->Send(Msg(1, 2, slot++));
        absl::SleepFor(absl::Milliseconds(20));
        return restarted.messages() > 0;
      },
      absl::Seconds(3)));
  EXPECT_EQ(server->port(), port);
  RecordProperty("resumed_after_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(absl::Now() - restart)));
  server->Shutdown();
}

TEST_F(TransportTest, IdleProbesMeasurePeerClockOffsets) {
  handler(3).set_clock_skew_ns(80'000'000);  // node 3's clock runs 80 ms ahead
  TransportOptions o;
  o.probe_interval = absl::Milliseconds(20);
  MakeTransport(o);
  ASSERT_TRUE(WaitFor([&] { return transport_->ClockSamples().size() == 2; }));
  std::map<NodeId, ClockSample> samples = transport_->ClockSamples();
  const ClockSample& two = samples.at(2);
  const ClockSample& three = samples.at(3);
  EXPECT_LE(std::llabs(two.offset_ns), two.uncertainty_ns + 1'000'000);
  EXPECT_NEAR(three.offset_ns, 80'000'000, three.uncertainty_ns + 1'000'000);
  EXPECT_GT(three.uncertainty_ns, 0);
  // Samples keep being refreshed while the link is idle.
  const int64_t first = three.measured_at_ns;
  ASSERT_TRUE(WaitFor([&] { return transport_->ClockSamples().at(3).measured_at_ns > first; }));
}

// A peer that takes a batch and never answers (hung, not dead): the batch fails after
// rpc_timeout, other peers are unaffected, and once the peer answers again a new stream
// carries the next batches.
TEST_F(TransportTest, HungPeerFailsItsBatchAfterTheTimeoutThenRecovers) {
  MakeTransport({.rpc_timeout = absl::Milliseconds(200)});
  handler(2).PausePaxos();
  transport_->Send(Msg(1, 2, 0));
  ASSERT_TRUE(WaitFor([&] { return handler(2).paxos_blocked() == 1; }));
  const absl::Time start = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return transport_->stats().send_errors >= 1; }, absl::Seconds(3)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  transport_->Send(Msg(1, 3, 0));
  ASSERT_TRUE(WaitFor([&] { return handler(3).messages() == 1; }));
  handler(2).ResumePaxos();
  uint64_t slot = 1;
  ASSERT_TRUE(WaitFor(
      [&] {
        transport_->Send(Msg(1, 2, slot++));
        absl::SleepFor(absl::Milliseconds(20));
        return handler(2).messages() >= 2;
      },
      absl::Seconds(3)));
}

TEST_F(TransportTest, DestructorCancelsAnRpcInFlight) {
  MakeTransport({.rpc_timeout = absl::Seconds(30)});
  handler(2).PausePaxos();
  transport_->Send(Msg(1, 2, 0));
  ASSERT_TRUE(WaitFor([&] { return handler(2).paxos_blocked() == 1; }));
  const absl::Time start = absl::Now();
  transport_.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST(FaultTableTest, RoundTripsAndValidates) {
  FaultTable faults = {{2, LinkFaultConfig{.delay_us = 5, .jitter_us = 6, .loss = 0.5}},
                       {3, LinkFaultConfig{.blocked = true}}};
  auto parsed = FaultTableFromProto(FaultTableToProto(faults));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, faults);

  proto::FaultSpec spec;
  spec.add_links()->set_delay_us(-1);
  EXPECT_EQ(FaultTableFromProto(spec).status().code(), absl::StatusCode::kInvalidArgument);
  spec.Clear();
  spec.add_links()->set_loss(1.5);
  EXPECT_EQ(FaultTableFromProto(spec).status().code(), absl::StatusCode::kInvalidArgument);
  spec.Clear();
  spec.add_links()->set_to(4);
  spec.add_links()->set_to(4);
  EXPECT_EQ(FaultTableFromProto(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// GrpcServer and NodeClient

TEST_F(TransportTest, NodeClientRoundTripsToTheHandler) {
  auto client = NodeClient::Connect(book_[2]);
  ASSERT_TRUE(client.ok()) << client.status();

  proto::KvRequest request;
  request.set_op(proto::KvRequest::PUT);
  request.set_key("k");
  request.set_value("v");
  auto kv = (*client)->Kv(request, absl::Seconds(5));
  ASSERT_TRUE(kv.ok()) << kv.status();
  EXPECT_EQ(kv->code(), 0);
  EXPECT_TRUE(kv->found());
  EXPECT_EQ(kv->value(), "k=v");
  EXPECT_EQ(kv->leader_hint(), 2u);

  auto status = (*client)->Status(absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->node_id(), 2u);

  proto::FaultSpec spec =
      FaultTableToProto({{3, LinkFaultConfig{.delay_us = 1000, .loss = 0.25, .blocked = true}}});
  ASSERT_TRUE((*client)->SetFaults(spec, absl::Seconds(5)).ok());
  EXPECT_EQ(handler(2).set_faults_calls(), 1);
  EXPECT_EQ(handler(2).last_faults().SerializeAsString(), spec.SerializeAsString());
  // A handler's refusal reaches the client as the same status code.
  proto::FaultSpec bad;
  bad.add_links()->set_loss(2);
  EXPECT_EQ((*client)->SetFaults(bad, absl::Seconds(5)).code(), absl::StatusCode::kInvalidArgument);

  proto::PaxosBatch batch;
  *batch.add_messages() = Msg(9, 2, 77);
  ASSERT_TRUE((*client)->Paxos(batch, absl::Seconds(5)).ok());
  EXPECT_THAT(handler(2).slots(), ElementsAreArray({77}));
}

TEST_F(TransportTest, NodeClientMapsRpcErrors) {
  // Nobody listens on a port freed by a shut-down server.
  const std::string dead_address = book_[3];
  servers_[3]->Shutdown();
  auto dead = NodeClient::Connect(dead_address);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ((*dead)->Kv(proto::KvRequest(), absl::Seconds(2)).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ((*dead)->Status(absl::Seconds(2)).status().code(), absl::StatusCode::kUnavailable);

  // A handler slower than the caller's deadline.
  handler(2).HoldKv();
  auto slow = NodeClient::Connect(book_[2]);
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ((*slow)->Kv(proto::KvRequest(), absl::Milliseconds(100)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  handler(2).ReleaseKv();

  EXPECT_EQ(NodeClient::Connect("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TransportTest, ServerRefusesATakenPort) {
  RecordingHandler other(4);
  auto server = GrpcServer::Start(book_[2], &other);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(TransportTest, BlockedKvHandlersDoNotBlockPaxosOrStatus) {
  // A server whose Kv pool is saturated (2 workers, 6 calls held in OnKv or queued).
  RecordingHandler busy(4);
  auto server = GrpcServer::Start("127.0.0.1:0", &busy, {.kv_threads = 2});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());
  busy.HoldKv();

  auto client = NodeClient::Connect(address);
  ASSERT_TRUE(client.ok());
  std::vector<std::thread> callers;
  std::vector<absl::Status> results(6);
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&, i] {
      proto::KvRequest request;
      request.set_key(absl::StrCat("key", i));
      results[i] = (*client)->Kv(request, absl::Seconds(10)).status();
    });
  }
  ASSERT_TRUE(WaitFor([&] { return busy.kv_running() == 2; }));

  AddressBook book = {{4, address}};
  auto transport = Transport::Create(1, book, /*seed=*/1);
  ASSERT_TRUE(transport.ok());
  for (uint64_t i = 0; i < 10; ++i) (*transport)->Send(Msg(1, 4, i));
  EXPECT_TRUE(WaitFor([&] { return busy.messages() == 10; }, absl::Seconds(2)));
  auto status = (*client)->Status(absl::Seconds(2));
  EXPECT_TRUE(status.ok()) << status.status();

  busy.ReleaseKv();
  for (std::thread& t : callers) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  transport->reset();
  (*server)->Shutdown();
}

TEST_F(TransportTest, ShutdownFailsQueuedKvCallsAndWaitsForRunningOnes) {
  RecordingHandler busy(4);
  auto server = GrpcServer::Start("127.0.0.1:0", &busy, {.kv_threads = 1});
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = NodeClient::Connect(absl::StrCat("127.0.0.1:", (*server)->port()));
  ASSERT_TRUE(client.ok());
  busy.HoldKv();
  std::vector<absl::Status> results(3);
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] { results[i] = (*client)->Kv({}, absl::Seconds(10)).status(); });
  }
  ASSERT_TRUE(WaitFor([&] { return busy.kv_running() == 1; }));
  absl::SleepFor(absl::Milliseconds(50));  // let the other two calls reach the queue

  std::thread shutdown([&] { (*server)->Shutdown(); });
  absl::SleepFor(absl::Milliseconds(100));
  busy.ReleaseKv();
  shutdown.join();
  for (std::thread& t : callers) t.join();
  int ok = 0;
  for (const absl::Status& s : results) ok += s.ok();
  EXPECT_EQ(ok, 1);       // the running call completes; the queued ones fail
  (*server)->Shutdown();  // idempotent
}

// A handler that answers Txn calls asynchronously holds no worker while a call waits: with
// one worker, five calls are all inside the handler at once, and each gets its own answer
// when the handler finally gives it.
TEST_F(TransportTest, AsyncTxnCallsHoldNoWorkerWhileTheyWait) {
  class Deferring : public RecordingHandler {
   public:
    Deferring() : RecordingHandler(5) {}
    bool OnTxnAsync(const proto::TxnRequest& request,
                    std::function<void(proto::TxnResponse)> done) override {
      absl::MutexLock lock(&mu);
      waiting.emplace_back(request.txn_id(), std::move(done));
      return true;
    }
    absl::Mutex mu;
    std::vector<std::pair<std::string, std::function<void(proto::TxnResponse)>>> waiting
        ABSL_GUARDED_BY(mu);
  } handler;
  auto server = GrpcServer::Start("127.0.0.1:0", &handler, {.kv_threads = 1});
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = NodeClient::Connect(absl::StrCat("127.0.0.1:", (*server)->port()));
  ASSERT_TRUE(client.ok());
  constexpr int kCalls = 5;
  std::vector<absl::StatusOr<proto::TxnResponse>> results(kCalls, absl::UnknownError("none"));
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      proto::TxnRequest req;
      req.set_txn_id(absl::StrCat("t", i));
      results[i] = (*client)->Txn(req, absl::Seconds(10));
    });
  }
  ASSERT_TRUE(WaitFor([&] {
    absl::MutexLock lock(&handler.mu);
    return handler.waiting.size() == kCalls;
  }));
  {
    absl::MutexLock lock(&handler.mu);
    for (auto& [txn, done] : handler.waiting) {
      proto::TxnResponse r;
      r.set_message(absl::StrCat("answer to ", txn));
      done(std::move(r));
    }
  }
  for (std::thread& t : callers) t.join();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_EQ(results[i]->message(), absl::StrCat("answer to t", i));
  }
  (*server)->Shutdown();
}

}  // namespace
}  // namespace meridian::server
