// BufferingSink: holds back a statement's output (row descriptions, rows, notices, COPY
// data, the command tag) so that an implicit transaction that must restart (40001) can be
// run again without the client seeing anything of the failed attempt. The retry is worth
// a bounded amount of memory only: once the held output passes `cap_bytes` (16 KiB by
// default, as CockroachDB's results buffer), everything held is sent and the rest streams
// straight through; streaming() then says the statement can no longer be retried unnoticed.
//
// COPY FROM data is kept for a retry either way (the client sends it once).
//
// Thread-safety: one thread (the session's).
#ifndef MERIDIAN_SQL_SESSION_INTERNAL_BUFFERING_SINK_H_
#define MERIDIAN_SQL_SESSION_INTERNAL_BUFFERING_SINK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sql/session/backend.h"

namespace meridian::sql {

class BufferingSink : public ResultSink {
 public:
  BufferingSink(ResultSink* out, int64_t cap_bytes) : out_(out), cap_(cap_bytes) {}

  void Columns(const std::vector<ColumnInfo>& columns) override;
  absl::Status Row(absl::Span<const Value> row) override;
  void Complete(std::string_view tag) override;
  absl::StatusOr<std::string> CopyIn(const CopyFormat& format) override;
  absl::Status CopyOutBegin(const CopyFormat& format) override;
  absl::Status CopyOutData(std::string_view data) override;
  absl::Status CopyOutEnd() override;
  void Notice(std::string_view message) override;

  // True once output went to the client (the cap was passed).
  bool streaming() const { return streaming_; }
  // Forgets the output of a failed attempt (COPY input is kept for the retry). Must not be
  // called once streaming.
  void Reset();
  // Sends what is held (the statement succeeded).
  absl::Status Replay();

 private:
  // Counts `bytes` more held; past the cap, sends everything held and starts streaming.
  absl::Status Hold(int64_t bytes);

  ResultSink* out_;
  const int64_t cap_;
  int64_t held_ = 0;
  bool streaming_ = false;
  bool copy_out_begun_ = false;  // held: CopyOutBegin (sent when streaming starts)
  bool copy_out_ended_ = false;  // held: CopyOutEnd
  std::optional<std::vector<ColumnInfo>> columns_;
  std::vector<std::vector<Value>> rows_;
  std::optional<std::string> tag_;
  std::optional<std::string> copy_data_;
  std::optional<CopyFormat> copy_format_;
  std::vector<std::string> copy_out_;
  std::vector<std::string> notices_;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_SESSION_INTERNAL_BUFFERING_SINK_H_
