// Plain values a PostgreSQL wire-protocol client hands back: the outcome of one statement
// (columns, text-format rows, command tag, notices, COPY TO STDOUT data) and server notices.
// They carry no behaviour, so the output formatter can be tested without a server.
//
// Thread-safety: plain structs; the usual rules for const and non-const access apply.
#ifndef MERIDIAN_SQL_CLIENT_PG_RESULT_H_
#define MERIDIAN_SQL_CLIENT_PG_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meridian::sql::client {

// Type OIDs the client cares about (pg_type.oid; fixed in every PostgreSQL release).
inline constexpr uint32_t kBoolOid = 16;
inline constexpr uint32_t kInt8Oid = 20;
inline constexpr uint32_t kInt2Oid = 21;
inline constexpr uint32_t kInt4Oid = 23;
inline constexpr uint32_t kTextOid = 25;
inline constexpr uint32_t kOidOid = 26;
inline constexpr uint32_t kXidOid = 28;
inline constexpr uint32_t kCidOid = 29;
inline constexpr uint32_t kFloat4Oid = 700;
inline constexpr uint32_t kFloat8Oid = 701;
inline constexpr uint32_t kMoneyOid = 790;
inline constexpr uint32_t kVarcharOid = 1043;
inline constexpr uint32_t kNumericOid = 1700;
inline constexpr uint32_t kXid8Oid = 5069;

// True for the types psql right-aligns (numbers).
inline bool IsNumericTypeOid(uint32_t oid) {
  switch (oid) {
    case kInt8Oid:
    case kInt2Oid:
    case kInt4Oid:
    case kOidOid:
    case kXidOid:
    case kCidOid:
    case kFloat4Oid:
    case kFloat8Oid:
    case kMoneyOid:
    case kNumericOid:
    case kXid8Oid:
      return true;
    default:
      return false;
  }
}

// A NoticeResponse (or the fields of an ErrorResponse).
struct PgNotice {
  std::string severity;  // "NOTICE", "WARNING", "INFO", "DEBUG", "LOG"; "ERROR" for errors
  std::string sqlstate;  // e.g. "00000", "42P07"
  std::string message;
  std::string detail;  // may be empty
  std::string hint;    // may be empty
};

// One field of a RowDescription.
struct PgColumn {
  std::string name;
  uint32_t type_oid = 0;
  int16_t type_size = 0;
  int32_t type_modifier = -1;
};

// The outcome of one statement.
struct PgResult {
  // True when the statement returned a row description (SELECT, VALUES, SHOW, ... even with
  // zero rows); false for statements that only have a command tag (INSERT, CREATE ...).
  bool has_rows = false;
  std::vector<PgColumn> columns;
  // rows[i][j] is column j of row i in text format; std::nullopt is SQL NULL.
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string command_tag;  // "SELECT 2", "INSERT 0 1", "CREATE TABLE", "COPY 3", ...
  // Notices the server sent while this statement ran (only when no notice handler is set
  // on the connection).
  std::vector<PgNotice> notices;
  // COPY ... TO STDOUT: the data the server sent, concatenated.
  std::string copy_data;
};

}  // namespace meridian::sql::client

#endif  // MERIDIAN_SQL_CLIENT_PG_RESULT_H_
