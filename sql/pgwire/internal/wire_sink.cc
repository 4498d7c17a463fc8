#include "sql/pgwire/internal/wire_sink.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/types/pg_format.h"

namespace meridian::sql::pgwire {
namespace {

void WriteCopyResponse(MessageWriter* out, char type, const CopyFormat& format) {
  out->Begin(type);
  out->Byte(0);  // overall format: text (CSV is text too)
  const int columns = std::max(0, std::min(format.num_columns, 32767));
  out->Int16(static_cast<int16_t>(columns));
  for (int i = 0; i < columns; ++i) out->Int16(0);
  out->End();
}

}  // namespace

void WriteErrorResponse(MessageWriter* out, char type, std::string_view severity,
                        const absl::Status& status) {
  out->Begin(type);
  out->Byte('S');
  out->CString(severity);
  out->Byte('V');
  out->CString(severity);
  out->Byte('C');
  if (status.ok()) {
    out->CString("00000");
  } else {
    std::optional<std::string> sqlstate = GetSqlState(status);
    out->CString(sqlstate.has_value() && sqlstate->size() == 5 ? *sqlstate : "XX000");
  }
  out->Byte('M');
  out->CString(ToStd(status.message()));
  if (std::optional<int> position = GetErrorPosition(status); position.has_value()) {
    out->Byte('P');
    out->CString(std::to_string(*position));
  }
  out->Byte(0);
  out->End();
}

void WriteRowDescription(MessageWriter* out, const std::vector<ColumnInfo>& columns,
                         const std::vector<int16_t>& formats) {
  out->Begin('T');
  out->Int16(static_cast<int16_t>(columns.size()));
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnInfo& column = columns[i];
    out->CString(column.name);
    out->Int32(static_cast<int32_t>(column.table_oid));
    out->Int16(column.column_number);
    out->Int32(static_cast<int32_t>(column.type.pg_oid()));
    out->Int16(column.type.pg_typlen());
    out->Int32(column.type.pg_typmod());
    out->Int16(i < formats.size() ? formats[i] : 0);
  }
  out->End();
}

void WireSink::SetColumns(std::vector<ColumnInfo> columns, std::vector<int16_t> formats) {
  columns_ = std::move(columns);
  formats_ = std::move(formats);
  formats_.resize(columns_.size(), 0);
  fixed_columns_ = true;
}

void WireSink::Columns(const std::vector<ColumnInfo>& columns) {
  if (fixed_columns_) return;
  columns_ = columns;
  formats_.assign(columns_.size(), 0);
  WriteRowDescription(&channel_->out(), columns_, formats_);
}

absl::Status WireSink::Row(absl::Span<const Value> row) {
  if (row.size() != columns_.size()) {
    return SqlError(absl::StatusCode::kInternal, "XX000",
                    absl::StrCat("row has ", row.size(), " values but the result has ",
                                 columns_.size(), " columns"));
  }
  MessageWriter local;
  MessageWriter* out = buffer_results_ ? &local : &channel_->out();
  out->Begin('D');
  out->Int16(static_cast<int16_t>(row.size()));
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i].is_null()) {
      out->Int32(-1);
      continue;
    }
    const std::string bytes = formats_[i] == 1 ? FormatBinary(row[i], columns_[i].type)
                                               : FormatText(row[i], columns_[i].type);
    out->Int32(static_cast<int32_t>(bytes.size()));
    out->Bytes(bytes);
  }
  out->End();
  if (buffer_results_) {
    buffered_rows_.push_back(local.data());
    return absl::OkStatus();
  }
  return channel_->FlushIfLarge();
}

void WireSink::Complete(std::string_view tag) {
  ++completed_;
  tag_ = std::string(tag);
  if (!buffer_results_) {
    channel_->out().Begin('C');
    channel_->out().CString(tag);
    channel_->out().End();
  }
  if (!fixed_columns_) {
    columns_.clear();
    formats_.clear();
  }
}

absl::Status WireSink::Fatal(absl::Status status) {
  if (fatal_.ok()) fatal_ = status;
  return status;
}

absl::StatusOr<std::string> WireSink::CopyIn(const CopyFormat& format) {
  WriteCopyResponse(&channel_->out(), 'G', format);
  RETURN_IF_ERROR(channel_->Flush());
  std::string data;
  while (true) {
    const absl::Time deadline = limits_.read_timeout == absl::InfiniteDuration()
                                    ? absl::InfiniteFuture()
                                    : absl::Now() + limits_.read_timeout;
    absl::StatusOr<Message> message = channel_->ReadMessage(deadline);
    if (!message.ok()) return Fatal(message.status());
    switch (message->type) {
      case 'd':
        if (message->body.size() > limits_.max_copy_bytes - data.size()) {
          return SqlError(
              absl::StatusCode::kResourceExhausted, "54000",
              absl::StrCat("COPY data exceeds the limit of ", limits_.max_copy_bytes, " bytes"));
        }
        data.append(message->body);
        break;
      case 'c':
        return data;
      case 'f': {
        MessageReader reader(message->body);
        std::string_view reason = reader.CString();
        if (!reader.ok()) reason = message->body;
        return SqlError(absl::StatusCode::kCancelled, "57014",
                        absl::StrCat("COPY from stdin failed: ", ToAbsl(reason)));
      }
      case 'H':
      case 'S':
        break;  // ignored during COPY IN, as PostgreSQL does
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<uint8_t>(message->type));
        return Fatal(
            SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                     absl::StrCat("unexpected message type ", hex, " during COPY from stdin")));
      }
    }
  }
}

absl::Status WireSink::CopyOutBegin(const CopyFormat& format) {
  WriteCopyResponse(&channel_->out(), 'H', format);
  return channel_->FlushIfLarge();
}

absl::Status WireSink::CopyOutData(std::string_view data) {
  channel_->out().Begin('d');
  channel_->out().Bytes(data);
  channel_->out().End();
  return channel_->FlushIfLarge();
}

absl::Status WireSink::CopyOutEnd() {
  channel_->out().Empty('c');
  return channel_->FlushIfLarge();
}

void WireSink::Notice(std::string_view message) {
  WriteErrorResponse(&channel_->out(), 'N', "NOTICE",
                     WithSqlState(absl::UnknownError(ToAbsl(message)), "00000"));
}

}  // namespace meridian::sql::pgwire
