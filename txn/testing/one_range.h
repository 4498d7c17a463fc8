// OneRange: a RangeTxnServer over a one-voter RangeReplica on an in-memory disk and a manual
// clock, driven by hand through the real ReplicaDriver. For tests and benchmarks of the
// leaseholder's transaction logic that need no network: requests go straight to the
// server, Drive() runs the Ready pipeline, Tick() advances time and runs commit waits that
// are over.
//
// Thread-safety: single-threaded.
#ifndef MERIDIAN_TXN_TESTING_ONE_RANGE_H_
#define MERIDIAN_TXN_TESTING_ONE_RANGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/clock/hlc.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "storage/engine/mem_engine.h"
#include "storage/range/range_replica.h"
#include "storage/range/replica_driver.h"
#include "txn/range_map.h"
#include "txn/range_txn_server.h"

namespace meridian::txn::testing {

struct OneRangeOptions {
  ScanFilterCompiler scan_filters;
  RowUpdateCompiler row_updates;
  int64_t lease_ns = 2'000'000'000;
  int64_t request_timeout_ns = 5'000'000'000;
  int64_t heartbeat_timeout_ns = 5'000'000'000;
  int64_t wound_delay_ns = 0;
};

class OneRange : public RangeTxnHost {
 public:
  // Elects the replica and waits (in manual time) until the server serves.
  explicit OneRange(OneRangeOptions options = {});

  void AfterTimestamp(Timestamp ts, std::function<void()> fn) override;
  // Nothing is routed anywhere: there is no other range.
  void Route(proto::TxnRequest, std::function<void(absl::StatusOr<proto::TxnResponse>)>) override {}

  // Runs the Ready pipeline until the replica has nothing more.
  void Drive();
  // 10 ms pass: the replica and the server tick, due commit waits run.
  void Tick();
  // Hands `req` to the server; the reply lands in the returned slot whenever it comes.
  std::shared_ptr<std::optional<proto::TxnResponse>> Send(const proto::TxnRequest& req);

  RangeTxnServer& server() { return *server_; }
  storage::RangeReplica& replica() { return *replica_; }
  clock::ManualClock& clock() { return clock_; }

 private:
  clock::ManualClock clock_;
  clock::TrueTime tt_;
  clock::Hlc hlc_;
  RangeMap map_;
  storage::MemEngine disk_;
  storage::ReplicaDriver driver_;
  std::unique_ptr<storage::RangeReplica> replica_;
  std::unique_ptr<RangeTxnServer> server_;
  std::vector<std::pair<Timestamp, std::function<void()>>> timers_;
};

}  // namespace meridian::txn::testing

#endif  // MERIDIAN_TXN_TESTING_ONE_RANGE_H_
