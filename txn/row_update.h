// RowUpdate: a single-row read-modify-write that a range evaluates itself (TxnRequest.update),
// so that an autocommit UPDATE of one row by its key is one request and one Paxos round
// instead of a locking read and a commit. The meaning of the bytes belongs to the layer
// above (SQL: sql/expr/range_filter.h compiles them); this layer locks the key, reads its
// latest committed value, asks the update for the new one and commits it. A node is given a
// RowUpdateCompiler at start; without one, such requests are refused and the layer above
// reads and writes the row itself.
//
// Thread-safety: a compiled update is used by one thread; a compiler must be thread-safe.
#ifndef MERIDIAN_TXN_ROW_UPDATE_H_
#define MERIDIAN_TXN_ROW_UPDATE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meridian::txn {

class RowUpdate {
 public:
  virtual ~RowUpdate() = default;
  // The row's new value, given its current one; nullopt: leave the row as it is (its WHERE
  // is not true). An error (with its SQLSTATE) fails the request and writes nothing.
  virtual absl::StatusOr<std::optional<std::string>> Apply(std::string_view key,
                                                           std::string_view value) = 0;
};

// Turns a request's update bytes into an update; an error refuses the request.
using RowUpdateCompiler =
    std::function<absl::StatusOr<std::unique_ptr<RowUpdate>>(std::string_view update)>;

}  // namespace meridian::txn

#endif  // MERIDIAN_TXN_ROW_UPDATE_H_
