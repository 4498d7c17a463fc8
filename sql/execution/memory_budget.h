// MemoryBudget: how much memory one statement's operators may hold at once -- sorted rows,
// hash tables, groups, DISTINCT sets, the input a DML statement reads before writing,
// subquery results. Meridian does not spill to disk: a statement that would pass its budget
// fails with SQLSTATE 53200 (out_of_memory) and a message naming the setting that raises
// it (statement_memory_limit), and the session, the node and every other client carry on.
//
// Each operator that holds rows charges a MemoryAccount, which returns its bytes to the
// budget when the operator is destroyed. Sizes are estimates of the heap a row occupies
// (RowBytes), close enough to bound a node's memory, not exact.
//
// Thread-safety: used by the statement's thread only.
#ifndef MERIDIAN_SQL_EXECUTION_MEMORY_BUDGET_H_
#define MERIDIAN_SQL_EXECUTION_MEMORY_BUDGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace meridian::sql {

// The default budget of a statement: 256 MiB.
inline constexpr int64_t kDefaultStatementMemoryBytes = int64_t{256} << 20;

class MemoryBudget {
 public:
  // `limit_bytes` <= 0: unlimited.
  explicit MemoryBudget(int64_t limit_bytes = kDefaultStatementMemoryBytes) : limit_(limit_bytes) {}

  // Takes `bytes` more, or fails with 53200 (taking nothing) when that would pass the limit.
  absl::Status Reserve(int64_t bytes);
  void Release(int64_t bytes);

  int64_t limit() const { return limit_; }
  int64_t used() const { return used_; }
  int64_t peak() const { return peak_; }

 private:
  int64_t limit_;
  int64_t used_ = 0;
  int64_t peak_ = 0;
};

// One holder's share of a budget, returned when it is destroyed (or Clear()ed).
class MemoryAccount {
 public:
  explicit MemoryAccount(MemoryBudget* budget) : budget_(budget) {}
  MemoryAccount(const MemoryAccount&) = delete;
  MemoryAccount& operator=(const MemoryAccount&) = delete;
  ~MemoryAccount() { Clear(); }

  absl::Status Grow(int64_t bytes);
  // Grow by the estimated size of `row`.
  absl::Status AddRow(const std::vector<Value>& row);
  void Clear();
  int64_t held() const { return held_; }

 private:
  MemoryBudget* budget_;  // null: nothing is counted
  int64_t held_ = 0;
};

// The estimated heap bytes of a row held in memory (the vector, its values and their
// strings).
int64_t RowBytes(const std::vector<Value>& row);

// The text form PostgreSQL uses for a memory size ("256MB", "64kB", "1GB"), and its
// inverse: a number with an optional unit B, kB, MB, GB or TB (no unit: kB, as PostgreSQL's
// memory settings). 22023 for anything else.
std::string FormatMemorySetting(int64_t bytes);
absl::StatusOr<int64_t> ParseMemorySetting(const std::string& text);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_EXECUTION_MEMORY_BUDGET_H_
