// ColumnInfo: what a client learns about one result column (the wire protocol's
// RowDescription field): its name, type, and the table column it comes from, if any. The
// binder computes it for every statement that returns rows; the wire server sends it.
//
// Thread-safety: a plain value.
#ifndef MERIDIAN_SQL_TYPES_COLUMN_INFO_H_
#define MERIDIAN_SQL_TYPES_COLUMN_INFO_H_

#include <cstdint>
#include <string>

#include "sql/types/value.h"

namespace meridian::sql {

struct ColumnInfo {
  std::string name;
  SqlType type;
  uint32_t table_oid = 0;     // the table the column comes from, 0 if none
  int16_t column_number = 0;  // its attnum in that table, 0 if none
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_TYPES_COLUMN_INFO_H_
