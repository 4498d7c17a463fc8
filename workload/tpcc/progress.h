// Progress: what `init` shows while it loads: per table, the rows loaded out of the rows
// expected, the rate and an estimate of the time left. On a terminal the table is redrawn
// in place once a second; otherwise (a pipe, a log file) a plain line per table that moved
// is printed every `plain_interval`, so logs stay readable.
//
// Loader threads call Add; a reporter thread (Start/Stop) prints.
//
// Thread-safety: Add is safe from any thread (atomic counters); Start and Stop are called
// by the owner only.
#ifndef MERIDIAN_WORKLOAD_TPCC_PROGRESS_H_
#define MERIDIAN_WORKLOAD_TPCC_PROGRESS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "workload/tpcc/schema.h"

namespace meridian::workload::tpcc {

class Progress {
 public:
  // `expected[t]` is the number of rows table t will get (an estimate for ORDER_LINE).
  Progress(std::array<int64_t, kTables> expected, std::FILE* out, bool terminal,
           absl::Duration plain_interval = absl::Seconds(5));
  ~Progress();

  void Add(Table table, int64_t rows) {
    done_[static_cast<int>(table)].fetch_add(rows, std::memory_order_relaxed);
  }
  int64_t done(Table table) const { return done_[static_cast<int>(table)].load(); }

  void Start();
  // Stops the reporter and prints the final figures: rows, seconds and rows/s per table.
  void Stop();

  // One table's line: "stock  51,200 / 100,000 rows  12,345 rows/s  ETA 4s".
  static std::string Line(const char* table, int64_t done, int64_t expected, double rate,
                          bool finished);

 private:
  void Report(bool final);

  const std::array<int64_t, kTables> expected_;
  std::array<std::atomic<int64_t>, kTables> done_{};
  std::FILE* const out_;
  const bool terminal_;
  const absl::Duration plain_interval_;
  const absl::Time start_;
  // Per table: when its first and latest rows arrived (for its own rate).
  std::array<absl::Time, kTables> first_seen_;
  std::array<absl::Time, kTables> last_change_;
  std::array<int64_t, kTables> last_done_{};
  std::array<int64_t, kTables> last_printed_{};
  int drawn_lines_ = 0;  // lines of the last terminal redraw, to move back over
  absl::Time last_plain_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_PROGRESS_H_
