#include "sql/execution/exec_context.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "common/status.h"
#include "sql/types/row_codec.h"

namespace meridian::sql {

absl::StatusOr<const std::vector<Row>*> ExecContext::Subquery(const PhysicalNode& plan) {
  auto it = subqueries_.find(&plan);
  if (it != subqueries_.end()) return &it->second;
  if (!run_subquery) return absl::InternalError("no subquery runner");
  ASSIGN_OR_RETURN(std::vector<Row> rows, run_subquery(plan, *this));
  if (subquery_memory_ == nullptr) subquery_memory_ = std::make_unique<MemoryAccount>(&memory);
  for (const Row& r : rows) RETURN_IF_ERROR(subquery_memory_->AddRow(r));
  return &(subqueries_[&plan] = std::move(rows));
}

absl::StatusOr<const std::vector<Row>*> ExecContext::Subquery(const BoundExpr& e,
                                                              absl::Span<const Value> row) {
  if (e.subquery_plan == nullptr) return absl::InternalError("the subquery was not planned");
  if (!e.correlated) return Subquery(*e.subquery_plan);
  if (!run_subquery) return absl::InternalError("no subquery runner");
  outer_rows_.emplace_back(row.begin(), row.end());
  struct Pop {
    std::vector<Row>* rows;
    ~Pop() { rows->pop_back(); }
  } pop{&outer_rows_};
  std::vector<uint32_t> ids;
  std::vector<Value> values;
  for (const auto& [depth, index] : e.outer_refs) {
    ASSIGN_OR_RETURN(Value v, OuterValue(depth, index));
    ids.push_back(static_cast<uint32_t>(ids.size() + 1));
    values.push_back(std::move(v));
  }
  auto key = std::make_pair(e.subquery_plan.get(), EncodeRow(ids, values));
  auto it = correlated_.find(key);
  if (it != correlated_.end()) return &it->second;
  ASSIGN_OR_RETURN(std::vector<Row> rows, run_subquery(*e.subquery_plan, *this));
  // Bounded memory: forget everything once the memo is large (it is only a cache).
  if (correlated_memory_ == nullptr) {
    correlated_memory_ = std::make_unique<MemoryAccount>(&memory);
  }
  if (correlated_.size() >= 4096) {
    correlated_.clear();
    correlated_memory_->Clear();
  }
  for (const Row& r : rows) RETURN_IF_ERROR(correlated_memory_->AddRow(r));
  return &(correlated_[std::move(key)] = std::move(rows));
}

absl::StatusOr<Value> ExecContext::OuterValue(int depth, int index) const {
  const int n = static_cast<int>(outer_rows_.size());
  if (depth < 1 || depth > n || index < 0 ||
      index >= static_cast<int>(outer_rows_[n - depth].size())) {
    return absl::InternalError("outer column reference out of range");
  }
  return outer_rows_[n - depth][index];
}

absl::Status ExecContext::Sleep(double seconds) {
  // Real time on purpose: pg_sleep is a client-visible wait, not simulated time.
  absl::Time end = absl::Now() + absl::Seconds(std::min(seconds, 3600.0));
  while (absl::Now() < end) {
    RETURN_IF_ERROR(CheckCancelled());
    absl::SleepFor(std::min(absl::Milliseconds(10), end - absl::Now()));
  }
  return CheckCancelled();
}

absl::StatusOr<std::vector<TablePtr>> ExecContext::Tables() {
  if (txn == nullptr) return EvalContext::Tables();
  if (!tables_.has_value()) {
    ASSIGN_OR_RETURN(tables_, Catalog::ListTables(*txn));
  }
  return *tables_;
}

absl::StatusOr<int64_t> ExecContext::StoredBytes(std::string_view start, std::string_view end) {
  if (txn == nullptr) return EvalContext::StoredBytes(start, end);
  constexpr int64_t kPage = 1024;
  Touch(start, end);
  int64_t bytes = 0;
  std::string from(start);
  while (true) {
    RETURN_IF_ERROR(CheckCancelled());
    ASSIGN_OR_RETURN(std::vector<txn::Row> rows, txn->Scan(from, end, kPage));
    ++kv_reads;
    for (const auto& r : rows) bytes += static_cast<int64_t>(r.key.size() + r.value.size());
    if (static_cast<int64_t>(rows.size()) < kPage) return bytes;
    from = rows.back().key + std::string(1, '\0');
  }
}

absl::Status ExecContext::CheckCancelled() const {
  if (cancelled != nullptr && cancelled->load()) {
    return SqlError(absl::StatusCode::kCancelled, "57014",
                    "canceling statement due to user request");
  }
  if (deadline != absl::InfiniteFuture() && absl::Now() >= deadline) {
    return SqlError(absl::StatusCode::kDeadlineExceeded, "57014",
                    "canceling statement due to statement timeout");
  }
  return absl::OkStatus();
}

void ExecContext::Touch(std::string_view start, std::string_view end) {
  if (range_map == nullptr) return;
  if (end.empty()) {
    ranges_touched.insert(range_map->Lookup(start).range_id);
    return;
  }
  for (const auto& r : range_map->Overlapping(start, end)) ranges_touched.insert(r.range_id);
}

}  // namespace meridian::sql
