// KvShell: an interactive shell over one node's MVCC store, the first user-facing surface of
// Meridian (`meridian demo` until the SQL layer lands).
//
// Writes are stamped by the node's HLC and commit-wait on TrueTime before they are
// reported, as every Meridian commit will; reads default to the current HLC time and take
// an explicit `AT <timestamp>` for snapshot reads. Type `help` for the commands.
//
// Thread-safety: one thread drives a shell.
#ifndef MERIDIAN_CMD_KV_SHELL_H_
#define MERIDIAN_CMD_KV_SHELL_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/hlc.h"
#include "common/clock/true_time.h"
#include "storage/mvcc/mvcc_store.h"

namespace meridian::cmd {

class KvShell {
 public:
  // All pointers must outlive the shell.
  KvShell(storage::MvccStore* store, clock::Hlc* hlc, clock::TrueTime* true_time);

  // Runs one command line and returns what to print (may be empty). Errors are returned as
  // "ERROR: ..." text, never thrown; `quit` sets done().
  std::string Execute(std::string_view line);
  bool done() const { return done_; }

  static std::string Help();

 private:
  absl::StatusOr<std::string> Run(const std::vector<std::string>& args);
  // The read timestamp: `AT ts` among args (removed from them), or now.
  absl::StatusOr<Timestamp> ReadTimestamp(std::vector<std::string>* args);
  // A fresh write timestamp, after the HLC has seen TrueTime's latest bound.
  Timestamp WriteTimestamp();
  std::string CommitWaitNote(Timestamp ts);

  storage::MvccStore* store_;
  clock::Hlc* hlc_;
  clock::TrueTime* true_time_;
  bool done_ = false;
};

// Splits a command line into words; "double quotes" group words and \" escapes a quote.
absl::StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view line);

// Runs one shell line: splits it, skips blanks and "#" comments, calls `run` with the words
// and turns an error into "ERROR: CODE: message" (the form scripts and tests look for).
std::string ExecuteCommandLine(
    std::string_view line,
    const std::function<absl::StatusOr<std::string>(const std::vector<std::string>&)>& run);

// Parses "SECONDS.NANOS,LOGICAL" (as Timestamp::ToString prints), "SECONDS.NANOS", or a
// plain integer of nanoseconds.
absl::StatusOr<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_KV_SHELL_H_
