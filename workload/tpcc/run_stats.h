// RunStats: what the driver measures while it runs. Workers record each transaction they
// finish (its type, response time, outcome, retries, statements sent, and the inputs the
// audit counts); a reporter takes the last second's figures for the per-second lines, and
// the measurement window's figures (after the ramp, before the end) feed the summary.
//
// Thread-safety: every method is safe to call from any thread (one mutex).
#ifndef MERIDIAN_WORKLOAD_TPCC_RUN_STATS_H_
#define MERIDIAN_WORKLOAD_TPCC_RUN_STATS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "workload/tpcc/histogram.h"
#include "workload/tpcc/transaction_type.h"

namespace meridian::workload::tpcc {

struct TypeStats {
  int64_t completed = 0;     // finished as the spec wants (committed; New-Order: or the
                             // deliberate rollback)
  int64_t rolled_back = 0;   // New-Order's deliberate rollbacks (included in completed)
  int64_t errors = 0;        // failed for another reason (or retries exhausted)
  int64_t retries = 0;       // 40001/40P01 attempts that were retried
  int64_t statements = 0;    // statements sent (round trips), retries included
  LatencyHistogram latency;  // response times of the completed ones, retries included

  void Merge(const TypeStats& o);
};

// The input rates clause 2 prescribes, counted over what the terminals entered.
struct InputAudit {
  int64_t new_orders = 0;
  int64_t order_lines = 0;
  int64_t remote_order_lines = 0;
  int64_t rollback_inputs = 0;  // New-Orders entered with an unused item
  int64_t payments = 0;
  int64_t remote_payments = 0;
  int64_t payments_by_name = 0;
  int64_t order_statuses = 0;
  int64_t order_statuses_by_name = 0;
  int64_t deliveries = 0;
  int64_t skipped_districts = 0;

  void Merge(const InputAudit& o);
};

struct ErrorCount {
  int64_t count = 0;
  std::string example;  // the first message seen
};

// One finished transaction, as a worker reports it.
struct TxnRecord {
  TxnType type;
  bool ok = false;
  bool rolled_back = false;
  int64_t micros = 0;
  int64_t retries = 0;
  int64_t statements = 0;
  std::string sqlstate;  // when !ok
  std::string error;     // when !ok
  InputAudit audit;      // this transaction's inputs
};

class RunStats {
 public:
  // `in_window`: the transaction finished inside the measurement window.
  void Record(const TxnRecord& r, bool in_window);

  // The figures since the last call (for the per-second lines).
  std::array<TypeStats, kTxnTypes> TakeInterval();
  std::array<TypeStats, kTxnTypes> Window() const;
  InputAudit WindowAudit() const;
  std::map<std::string, ErrorCount> Errors() const;  // by SQLSTATE, whole run

 private:
  mutable absl::Mutex mu_;
  std::array<TypeStats, kTxnTypes> interval_ ABSL_GUARDED_BY(mu_);
  std::array<TypeStats, kTxnTypes> window_ ABSL_GUARDED_BY(mu_);
  InputAudit audit_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ErrorCount> errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_RUN_STATS_H_
