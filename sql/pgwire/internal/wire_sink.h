// WireSink: the ResultSink through which a session's results reach the client, encoded as
// protocol messages on a Channel (RowDescription, DataRow, CommandComplete, NoticeResponse,
// and the COPY sub-protocol). Also the encoders for messages that other parts of the
// connection send (ErrorResponse, RowDescription).
//
// For the simple protocol the sink sends a RowDescription (text format) when the session
// calls Columns(). For the extended protocol the connection fixes the columns and their
// format codes up front (Describe already sent any RowDescription), and may ask the sink to
// keep the encoded DataRows and the command tag instead of sending them, so that Execute
// with a row limit can hand them out in batches.
//
// A problem that must end the connection (a malformed or unexpected message during COPY
// FROM STDIN) is kept in fatal(); the connection checks it after the statement returns.
//
// Thread-safety: none; used by its connection's thread only.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_WIRE_SINK_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_WIRE_SINK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sql/pgwire/internal/channel.h"
#include "sql/pgwire/internal/message.h"
#include "sql/session/backend.h"

namespace meridian::sql::pgwire {

// ErrorResponse ('E') or NoticeResponse ('N') for `status` with the given severity
// ("ERROR", "FATAL", "NOTICE"). The SQLSTATE is the status's (XX000 if none); the
// position field is sent when the status carries one.
void WriteErrorResponse(MessageWriter* out, char type, std::string_view severity,
                        const absl::Status& status);
// RowDescription with one format code per column (`formats` empty = all text).
void WriteRowDescription(MessageWriter* out, const std::vector<ColumnInfo>& columns,
                         const std::vector<int16_t>& formats);

class WireSink : public ResultSink {
 public:
  struct Limits {
    size_t max_copy_bytes = 0;
    absl::Duration read_timeout = absl::InfiniteDuration();  // per message during COPY IN
  };

  // Simple-protocol mode: columns come from Columns() and are sent in text format.
  WireSink(Channel* channel, const Limits& limits) : channel_(channel), limits_(limits) {}

  // Extended-protocol mode: `columns` with one format code each (0 text, 1 binary; every
  // binary column's type has HasBinaryFormat). Columns() is then ignored.
  void SetColumns(std::vector<ColumnInfo> columns, std::vector<int16_t> formats);
  // Keep DataRows and the tag instead of sending them (see buffered_rows(), tag()).
  void set_buffer_results(bool buffer) { buffer_results_ = buffer; }

  void Columns(const std::vector<ColumnInfo>& columns) override;
  absl::Status Row(absl::Span<const Value> row) override;
  void Complete(std::string_view tag) override;
  absl::StatusOr<std::string> CopyIn(const CopyFormat& format) override;
  absl::Status CopyOutBegin(const CopyFormat& format) override;
  absl::Status CopyOutData(std::string_view data) override;
  absl::Status CopyOutEnd() override;
  void Notice(std::string_view message) override;

  // How many statements completed (0 after an empty query).
  int completed() const { return completed_; }
  // Buffering mode: the encoded DataRow messages. tag(): the last command tag (any mode).
  std::deque<std::string>& buffered_rows() { return buffered_rows_; }
  const std::string& tag() const { return tag_; }
  const absl::Status& fatal() const { return fatal_; }

 private:
  absl::Status Fatal(absl::Status status);

  Channel* const channel_;
  const Limits limits_;
  bool fixed_columns_ = false;
  bool buffer_results_ = false;
  std::vector<ColumnInfo> columns_;
  std::vector<int16_t> formats_;
  int completed_ = 0;
  std::deque<std::string> buffered_rows_;
  std::string tag_;
  absl::Status fatal_;
};

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_WIRE_SINK_H_
