// Lock contention on one key of one range, in process: what it costs a RangeTxnServer to
// queue N transactions for the same lock and pass the lock down the queue.
//
//   BM_LockQueue/N   N transactions, each a younger one than the last, send a locking read
//                    (SELECT ... FOR UPDATE: an exclusive lock) of key "k" while an older
//                    transaction holds it, so all N queue. Then the holder rolls back, and
//                    each waiter, once its read is answered, rolls back in turn: N grants.
//                    Time covers the N requests and the N hand-offs (not setting up the
//                    range); items = N, so time per item is the cost of one waiter.
//
// A single-voter range on the in-memory engine with a manual clock: no I/O, no Paxos round
// (a locking read needs none), nothing else running. What is left is the lock table and
// the server's waiting machinery, which is what this measures.
//
// Run: ./build/bench/lock_wait_bench   (part of `make bench`)
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/logging.h"
#include "proto/timestamp_convert.h"
#include "txn/range_txn_server.h"
#include "txn/testing/one_range.h"

namespace meridian::txn {
namespace {

constexpr int64_t kMs = 1'000'000;

proto::TxnRequest Request(proto::TxnRequest::Op op, int i) {
  proto::TxnRequest r;
  r.set_op(op);
  r.set_range_id(1);
  r.set_txn_id(absl::StrCat("t", i));
  *r.mutable_priority() = proto::ToProto(Timestamp{1000 + i, 0});  // later = younger
  r.set_key("k");
  r.set_for_update(true);
  return r;
}

void BM_LockQueue(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    // Lease and timeouts outlast any run.
    auto range = std::make_unique<testing::OneRange>(
        testing::OneRangeOptions{.lease_ns = 60'000 * kMs,
                                 .request_timeout_ns = 60'000 * kMs,
                                 .heartbeat_timeout_ns = 60'000 * kMs});
    RangeTxnServer& s = range->server();
    // replies[i]: the answer to transaction i's locking read; 0 is the first holder.
    std::vector<std::optional<proto::TxnResponse>> replies(n + 1);
    auto read = [&](int i) {
      s.Handle(Request(proto::TxnRequest::READ, i),
               [&replies, i](proto::TxnResponse r) { replies[i] = std::move(r); });
    };
    read(0);
    CHECK(replies[0].has_value() && replies[0]->code() == 0);
    state.ResumeTiming();

    for (int i = 1; i <= n; ++i) read(i);
    for (int i = 0; i <= n; ++i) {
      CHECK(replies[i].has_value()) << "transaction " << i << " was not granted in turn";
      CHECK_EQ(replies[i]->code(), 0) << replies[i]->message();
      if (i < n) CHECK(!replies[i + 1].has_value()) << "granted out of turn";
      s.Handle(Request(proto::TxnRequest::ROLLBACK, i),
               [](proto::TxnResponse r) { CHECK_EQ(r.code(), 0) << r.message(); });
    }

    state.PauseTiming();
    CHECK_EQ(s.waiting(), 0u);
    range.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LockQueue)
    ->ArgName("waiters")
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace meridian::txn
