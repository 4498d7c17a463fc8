// Built-in scalar functions: how each one types its arguments and computes its result.
// The binder resolves a call to a FunctionDef once; the executor calls `eval` per row.
//
// Thread-safety: the registry is immutable after static initialization.
#ifndef MERIDIAN_SQL_FUNCTIONS_FUNCTIONS_H_
#define MERIDIAN_SQL_FUNCTIONS_FUNCTIONS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "sql/catalog/catalog.h"
#include "sql/types/value.h"

namespace meridian::sql {

// What a running statement provides to functions that look outside their arguments.
class EvalContext {
 public:
  virtual ~EvalContext() = default;
  // The statement's start time (now(), current_timestamp): microseconds since the epoch.
  virtual int64_t StatementTimeMicros() const = 0;
  virtual std::string Database() const = 0;
  virtual std::string User() const = 0;
  // A cluster-wide unique, roughly time-ordered 64-bit id (a table's hidden row id).
  virtual int64_t UniqueRowId() = 0;
  virtual uint64_t Random() = 0;
  virtual int32_t BackendPid() const = 0;
  // Sleeps (pg_sleep), returning early with 57014 if the statement is cancelled.
  virtual absl::Status Sleep(double seconds) = 0;
  // The tables as the statement's transaction sees them, for the catalog functions
  // (pg_get_indexdef, ...). The default (no transaction, e.g. constant folding) fails, so
  // such calls are left to execution.
  virtual absl::StatusOr<std::vector<TablePtr>> Tables() {
    return absl::FailedPreconditionError("no catalog in this context");
  }
  // The bytes (keys plus values) stored in [start, end) as the statement's transaction sees
  // them, for pg_table_size and its relatives: a scan of the span. Fails like Tables().
  virtual absl::StatusOr<int64_t> StoredBytes(std::string_view start, std::string_view end) {
    return absl::FailedPreconditionError("no transaction in this context");
  }
};

struct FunctionDef {
  std::string name;
  int min_args = 0;
  int max_args = 0;  // -1: variadic
  // Result type from argument types; may also fix argument types (e.g. text) by writing
  // into `arg_types` the type each argument must be coerced to (kUnknown = leave it).
  std::function<absl::StatusOr<SqlType>(std::vector<SqlType>& arg_types)> resolve;
  // Computes the result. Called with NULL arguments only if !strict.
  std::function<absl::StatusOr<Value>(absl::Span<const Value> args, const SqlType& result,
                                      EvalContext& ctx)>
      eval;
  bool strict = true;      // NULL in -> NULL out
  bool volatile_ = false;  // not constant-foldable (now(), random(), unique_rowid())
};

// The function named `name` (lower-case, without a pg_catalog. prefix), or null.
const FunctionDef* LookupFunction(std::string_view name);

// The operations on arrays the binder builds for `x op ANY|ALL (array)` (kQuantified: the
// array is argument 1) and for `array[i]` / `array = array` (kStrict). Arrays are only the
// type of a few always-empty pg_catalog columns (see TypeId::kArray): a NULL array gives
// NULL and a non-NULL one fails with 0A000. Volatile, so they run only at the SQL node.
enum class ArrayOp { kQuantified, kStrict };
const FunctionDef* ArrayOperator(ArrayOp op);

// The result type of aggregate `name` over `arg` (42883 if not defined for that type).
absl::StatusOr<SqlType> AggregateResultType(std::string_view name, const SqlType& arg);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_FUNCTIONS_FUNCTIONS_H_
