#include "workload/tpcc/run_stats.h"

namespace meridian::workload::tpcc {

void TypeStats::Merge(const TypeStats& o) {
  completed += o.completed;
  rolled_back += o.rolled_back;
  errors += o.errors;
  retries += o.retries;
  statements += o.statements;
  latency.Merge(o.latency);
}

void InputAudit::Merge(const InputAudit& o) {
  new_orders += o.new_orders;
  order_lines += o.order_lines;
  remote_order_lines += o.remote_order_lines;
  rollback_inputs += o.rollback_inputs;
  payments += o.payments;
  remote_payments += o.remote_payments;
  payments_by_name += o.payments_by_name;
  order_statuses += o.order_statuses;
  order_statuses_by_name += o.order_statuses_by_name;
  deliveries += o.deliveries;
  skipped_districts += o.skipped_districts;
}

void RunStats::Record(const TxnRecord& r, bool in_window) {
  absl::MutexLock lock(&mu_);
  auto add = [&r](TypeStats& s) {
    s.retries += r.retries;
    s.statements += r.statements;
    if (r.ok) {
      ++s.completed;
      s.rolled_back += r.rolled_back;
      s.latency.Record(r.micros);
    } else {
      ++s.errors;
    }
  };
  add(interval_[static_cast<int>(r.type)]);
  if (in_window) {
    add(window_[static_cast<int>(r.type)]);
    if (r.ok) audit_.Merge(r.audit);
  }
  if (!r.ok) {
    ErrorCount& e = errors_[r.sqlstate.empty() ? "-----" : r.sqlstate];
    if (e.count++ == 0) e.example = r.error;
  }
}

std::array<TypeStats, kTxnTypes> RunStats::TakeInterval() {
  absl::MutexLock lock(&mu_);
  std::array<TypeStats, kTxnTypes> out = interval_;
  for (TypeStats& s : interval_) s = TypeStats();
  return out;
}

std::array<TypeStats, kTxnTypes> RunStats::Window() const {
  absl::MutexLock lock(&mu_);
  return window_;
}

InputAudit RunStats::WindowAudit() const {
  absl::MutexLock lock(&mu_);
  return audit_;
}

std::map<std::string, ErrorCount> RunStats::Errors() const {
  absl::MutexLock lock(&mu_);
  return errors_;
}

}  // namespace meridian::workload::tpcc
