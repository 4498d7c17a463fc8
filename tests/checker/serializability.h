// Strict-serializability checker for transaction histories (Adya's direct serialization
// graph, plus real-time edges).
//
// Input: every committed transaction with what it read (the value it observed for a key, or
// absent), what it wrote, its commit timestamp (read-only: its read timestamp) and the real
// times at which the client began and finished it. Every write must store a value no other
// write stores (e.g. tag it with the transaction id), so a read names its writer.
//
// The checker builds the graph whose nodes are the transactions and whose edges are
//   ww  T1 -> T2: T2 wrote the version of a key that follows T1's (versions are ordered by
//                 their writers' commit timestamps)
//   wr  T1 -> T2: T2 read the value T1 wrote
//   rw  T1 -> T2: T1 read a version and T2 wrote the next one (anti-dependency)
//   rt  T1 -> T2: T1 finished before T2 began (real time)
// and reports a cycle if there is one: a cycle without rt edges means the history is not
// serializable (dirty reads, lost updates, read skew, write skew all show up as one); a cycle
// through rt edges means it is serializable only in an order real time forbids. It also
// checks the timestamps directly: reads of values never written (or written by an aborted
// transaction), and commit timestamps that disagree with real time.
//
// Thread-safety: a pure function.
#ifndef MERIDIAN_TESTS_CHECKER_SERIALIZABILITY_H_
#define MERIDIAN_TESTS_CHECKER_SERIALIZABILITY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/timestamp.h"

namespace meridian::checker {

struct TxnRecord {
  std::string id;
  bool read_only = false;
  Timestamp timestamp;   // commit timestamp; read-only: the read timestamp
  int64_t begin_ns = 0;  // real time the client began it
  int64_t end_ns = 0;    // real time the client saw the commit acknowledged
  std::map<std::string, std::optional<std::string>> reads;   // nullopt: read "absent"
  std::map<std::string, std::optional<std::string>> writes;  // nullopt: a delete
};

// OK, or kFailedPrecondition describing the first violation found (a cycle, listed edge by
// edge, or a read of a value no committed transaction wrote). `initial` holds the values
// present before the history (written by a virtual transaction that precedes everything).
absl::Status CheckStrictSerializable(const std::vector<TxnRecord>& txns,
                                     const std::map<std::string, std::string>& initial);

}  // namespace meridian::checker

#endif  // MERIDIAN_TESTS_CHECKER_SERIALIZABILITY_H_
