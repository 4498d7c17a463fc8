// Transport: sends this node's Paxos messages to peer nodes over gRPC, batched per destination,
// through a fault-injection layer (delay, jitter, loss, partition) on outgoing traffic.
//
//   Send(msg) ──► fault table ──(drop: blocked / loss)
//                     │ delay+jitter > 0            │ no delay
//                     ▼                             ▼
//              delay queue (one thread,   ──►  per-peer FIFO (bounded, drops oldest)
//              ordered by due time)                 │ one sender thread per peer
//                                                   ▼
//                     PaxosBatch on the peer's PaxosStream (at most one unacked batch per peer)
//
// Each peer has its own queue and sender thread, so a slow or dead peer never delays traffic to
// the others. Everything queued for a peer while its previous batch awaited its ack goes out in
// the next batch. Batches travel on one long-lived gRPC stream per peer (a message on an open
// stream costs no call setup; a unary call per batch cost more CPU than the Paxos work it
// carried); a batch unacked after rpc_timeout is cancelled by a watchdog thread, and the next
// batch opens a new stream. Delivery is best effort: a failed batch is dropped and Paxos
// retransmits.
// Without faults, messages to one peer arrive in Send order; jitter may reorder them.
//
// The transport holds no gRPC types in this header (pimpl): including it is cheap.
//
// Thread-safety: every public method may be called concurrently from any thread.
#ifndef MERIDIAN_SERVER_TRANSPORT_H_
#define MERIDIAN_SERVER_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/node.pb.h"
#include "proto/paxos.pb.h"

namespace meridian::server {

using NodeId = uint64_t;

// Where each node listens for node-to-node RPCs, e.g. {2, "127.0.0.1:7002"}.
using AddressBook = std::map<NodeId, std::string>;

// Fault injection on the link from this node to one destination.
struct LinkFaultConfig {
  int64_t delay_us = 0;   // fixed one-way delay added to every message
  int64_t jitter_us = 0;  // plus a uniform random delay in [0, jitter_us]
  double loss = 0;        // probability in [0, 1] that a message is dropped
  bool blocked = false;   // partition: drop everything

  bool operator==(const LinkFaultConfig&) const = default;
};

using FaultTable = std::map<NodeId, LinkFaultConfig>;

// Converts the wire form of a fault table. Returns kInvalidArgument for a negative delay or
// jitter, a loss outside [0, 1], or the same destination listed twice.
absl::StatusOr<FaultTable> FaultTableFromProto(const proto::FaultSpec& spec);
proto::FaultSpec FaultTableToProto(const FaultTable& faults);

// A peer's clock as measured by this node: offset = peer - local, +/- uncertainty (half the
// round trip), taken at local time measured_at_ns.
struct ClockSample {
  int64_t offset_ns = 0;
  int64_t uncertainty_ns = 0;
  int64_t measured_at_ns = 0;
};

struct TransportOptions {
  // The local wall clock used to timestamp clock measurements (default: CLOCK_REALTIME).
  std::function<int64_t()> wall_clock_ns;
  // A peer with nothing queued for this long gets an empty batch, so its clock offset keeps
  // being measured.
  absl::Duration probe_interval = absl::Milliseconds(200);
  // Messages queued per destination (delayed messages not included); beyond this the oldest
  // queued message is dropped and counted in Stats::dropped_overflow.
  size_t max_queued_per_peer = 100000;
  // Messages held in the delay queue, over all destinations; beyond this new delayed messages
  // are dropped and counted in Stats::dropped_overflow.
  size_t max_delayed = 1000000;
  // Limits on one batch (a single larger message still goes out alone).
  size_t max_batch_messages = 10000;
  size_t max_batch_bytes = 16 << 20;
  // How long a batch may wait for its ack before its stream is cancelled.
  absl::Duration rpc_timeout = absl::Seconds(2);
};

class Transport {
 public:
  // Counters since creation. A message is counted once, in exactly one of sent_messages,
  // dropped_by_fault, dropped_overflow, dropped_unknown_peer and dropped_send_error, unless it
  // is still queued or in flight.
  struct Stats {
    uint64_t sent_messages = 0;         // delivered in an acked batch
    uint64_t sent_batches = 0;          // acked batches
    uint64_t dropped_by_fault = 0;      // blocked link or injected loss
    uint64_t dropped_overflow = 0;      // a queue was full
    uint64_t dropped_unknown_peer = 0;  // destination not in the address book
    uint64_t dropped_send_error = 0;    // messages in failed batches
    uint64_t send_errors = 0;           // failed batches (peer down, no ack in time, ...)
  };

  // Creates a transport sending from `self` to the nodes in `peers` (which may include `self`:
  // messages to self then go through the network like any other). Starts one sender thread per
  // peer and one delay thread; connections are made lazily. `seed` drives the fault layer's
  // randomness (loss and jitter). Returns kInvalidArgument for an empty address.
  static absl::StatusOr<std::unique_ptr<Transport>> Create(NodeId self, AddressBook peers,
                                                           uint64_t seed,
                                                           TransportOptions options = {});

  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Stops the threads, cancels RPCs in flight and drops everything still queued.
  ~Transport();

  NodeId self() const;

  // Queues `msg` for msg.to(). Never blocks on the network.
  void Send(proto::PaxosMessage msg);

  // Replaces the whole fault table for this node's outgoing traffic; destinations not in
  // `faults` get no faults. Applies to messages sent from now on, and a newly blocked link also
  // drops what is already queued or delayed for it (not an RPC already in flight).
  void SetFaults(FaultTable faults);
  FaultTable faults() const;

  Stats stats() const;

  // The latest clock measurement of each peer that has answered.
  std::map<NodeId, ClockSample> ClockSamples() const;

 private:
  class Impl;
  explicit Transport(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace meridian::server

#endif  // MERIDIAN_SERVER_TRANSPORT_H_
