#include "sql/session/internal/buffering_sink.h"

#include "common/status.h"
#include "sql/execution/memory_budget.h"

namespace meridian::sql {

void BufferingSink::Columns(const std::vector<ColumnInfo>& columns) {
  if (streaming_) return out_->Columns(columns);
  columns_ = columns;
}

absl::Status BufferingSink::Row(absl::Span<const Value> row) {
  if (streaming_) return out_->Row(row);
  rows_.emplace_back(row.begin(), row.end());
  return Hold(RowBytes(rows_.back()));
}

void BufferingSink::Complete(std::string_view tag) {
  if (streaming_) return out_->Complete(tag);
  tag_ = std::string(tag);
}

absl::StatusOr<std::string> BufferingSink::CopyIn(const CopyFormat& format) {
  if (!copy_data_.has_value()) {
    ASSIGN_OR_RETURN(std::string data, out_->CopyIn(format));
    copy_data_ = std::move(data);
  }
  return *copy_data_;
}

absl::Status BufferingSink::CopyOutBegin(const CopyFormat& format) {
  if (streaming_) return out_->CopyOutBegin(format);
  copy_format_ = format;
  copy_out_begun_ = true;
  return absl::OkStatus();
}

absl::Status BufferingSink::CopyOutData(std::string_view data) {
  if (streaming_) return out_->CopyOutData(data);
  copy_out_.emplace_back(data);
  return Hold(static_cast<int64_t>(data.size()));
}

absl::Status BufferingSink::CopyOutEnd() {
  if (streaming_) return out_->CopyOutEnd();
  copy_out_ended_ = true;
  return absl::OkStatus();
}

void BufferingSink::Notice(std::string_view message) {
  if (streaming_) return out_->Notice(message);
  notices_.emplace_back(message);
  (void)Hold(static_cast<int64_t>(message.size()));  // a notice cannot fail the statement
}

void BufferingSink::Reset() {
  columns_.reset();
  rows_.clear();
  tag_.reset();
  copy_format_.reset();
  copy_out_begun_ = copy_out_ended_ = false;
  copy_out_.clear();
  notices_.clear();
  held_ = 0;
}

absl::Status BufferingSink::Replay() {
  for (const auto& n : notices_) out_->Notice(n);
  if (columns_.has_value()) out_->Columns(*columns_);
  for (const auto& r : rows_) RETURN_IF_ERROR(out_->Row(r));
  if (copy_out_begun_) {
    RETURN_IF_ERROR(out_->CopyOutBegin(*copy_format_));
    for (const auto& d : copy_out_) RETURN_IF_ERROR(out_->CopyOutData(d));
    if (copy_out_ended_) RETURN_IF_ERROR(out_->CopyOutEnd());
  }
  if (tag_.has_value()) out_->Complete(*tag_);
  Reset();
  return absl::OkStatus();
}

absl::Status BufferingSink::Hold(int64_t bytes) {
  held_ += bytes;
  if (held_ <= cap_ || streaming_) return absl::OkStatus();
  streaming_ = true;
  return Replay();
}

}  // namespace meridian::sql
