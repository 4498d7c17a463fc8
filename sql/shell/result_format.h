// Turns PgResults into text the way psql's default output does, so that people and scripts
// used to psql read Meridian's shell output without surprises.
//
// Aligned (the default):               Expanded (\x):
//    id |  name  | score                 -[ RECORD 1 ]---
//   ----+--------+-------                id    | 1
//     1 | alice  |   9.5                 name  | alice
//     2 |        |                       score | 9.5
//   (2 rows)
//
// Headers are centred; numeric columns (by type OID) are right-aligned, others left-aligned;
// NULL prints as nothing; widths count display columns of UTF-8 text (East Asian wide
// characters take two, combining marks none); a value with newlines spans several lines
// with a '+' at the end of each line that continues. Statements without rows print their
// command tag ("INSERT 0 1").
//
// Thread-safety: stateless functions.
#ifndef MERIDIAN_SQL_SHELL_RESULT_FORMAT_H_
#define MERIDIAN_SQL_SHELL_RESULT_FORMAT_H_

#include <string>
#include <string_view>

#include "sql/client/pg_result.h"

namespace meridian::sql::shell {

struct FormatOptions {
  bool expanded = false;
  // Printed centred above an aligned table (e.g. "List of relations"); none when empty.
  std::string title;
  // Print "(N rows)" after an aligned table.
  bool footer = true;
};

// The number of terminal columns `text` occupies. Invalid UTF-8 bytes count one each.
int DisplayWidth(std::string_view text);

// The whole output for `result`, ending in a newline (empty when there is nothing to show,
// e.g. an empty command tag). COPY TO STDOUT data is not included.
std::string FormatResult(const client::PgResult& result, const FormatOptions& options);

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_RESULT_FORMAT_H_
