// ConnectionPool: the driver's connections, opened up front and spread round-robin over
// the --db URLs (so clients can be spread over a cluster's nodes). A worker takes one for
// a transaction and gives it back; with fewer connections than workers, workers wait for
// one. A connection the server dropped is replaced (to the same URL) by the worker that
// holds it.
//
// Thread-safety: Acquire/Release/Reconnect are safe from any thread; the SqlRunner of a
// slot belongs to the thread that acquired it until it is released.
#ifndef MERIDIAN_WORKLOAD_TPCC_CONNECTION_POOL_H_
#define MERIDIAN_WORKLOAD_TPCC_CONNECTION_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {

class ConnectionPool {
 public:
  // Opens `size` connections, the i-th to urls[i % urls.size()].
  // REQUIRES: size >= 1, !urls.empty().
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Open(const std::vector<std::string>& urls,
                                                              int size,
                                                              SqlRunner::Protocol protocol);

  int size() const { return static_cast<int>(slots_.size()); }
  // Blocks until a connection is free; returns its slot.
  int Acquire();
  void Release(int slot);
  // The connection of a slot the caller holds.
  SqlRunner* runner(int slot) const { return slots_[static_cast<size_t>(slot)].runner.get(); }
  // Replaces the connection of a slot the caller holds with a new one to the same URL.
  absl::Status Reconnect(int slot);

 private:
  struct Slot {
    std::string url;
    std::unique_ptr<SqlRunner> runner;
  };
  ConnectionPool(std::vector<Slot> slots, SqlRunner::Protocol protocol);

  // Each slot is written only by the thread holding it (Reconnect), so the vector needs
  // no lock; the free list does.
  std::vector<Slot> slots_;
  const SqlRunner::Protocol protocol_;
  absl::Mutex mu_;
  std::vector<int> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_CONNECTION_POOL_H_
