#include "sql/logictest/logictest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace meridian::sql {
namespace {

std::string Cell(const std::optional<std::string>& v) {
  if (!v.has_value()) return "NULL";
  if (v->empty()) return "(empty)";
  return *v;
}

std::string RowText(const std::vector<std::optional<std::string>>& row) {
  std::vector<std::string> cells;
  for (const auto& v : row) cells.push_back(Cell(v));
  return absl::StrJoin(cells, " ");
}

}  // namespace

std::vector<LogicTestFailure> RunLogicTest(const std::string& file, const std::string& text,
                                           TextExecutor& executor) {
  std::vector<LogicTestFailure> failures;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  size_t i = 0;
  auto fail = [&](int line, std::string msg) {
    failures.push_back(LogicTestFailure{line, absl::StrCat(file, ":", line, ": ", msg)});
  };
  while (i < lines.size()) {
    std::string head = std::string(absl::StripAsciiWhitespace(lines[i]));
    if (head.empty() || head[0] == '#') {
      ++i;
      continue;
    }
    const int record_line = static_cast<int>(i) + 1;
    std::vector<std::string> words = absl::StrSplit(head, ' ', absl::SkipEmpty());
    ++i;
    // The SQL: lines up to a blank line or "----".
    std::vector<std::string> sql_lines;
    while (i < lines.size() && !absl::StripAsciiWhitespace(lines[i]).empty() &&
           lines[i] != "----") {
      sql_lines.push_back(lines[i]);
      ++i;
    }
    std::string sql = absl::StrJoin(sql_lines, "\n");
    std::vector<std::string> expected;
    if (i < lines.size() && lines[i] == "----") {
      ++i;
      while (i < lines.size() && !absl::StripAsciiWhitespace(lines[i]).empty()) {
        expected.push_back(lines[i]);
        ++i;
      }
    }
    if (words.size() < 2 || (words[0] != "statement" && words[0] != "query")) {
      fail(record_line, absl::StrCat("bad record header: ", head));
      continue;
    }
    absl::StatusOr<TextResult> result = executor.Run(sql);
    if (words[1] == "error") {
      if (result.ok()) {
        fail(record_line, absl::StrCat("expected an error, but it succeeded: ", sql));
        continue;
      }
      std::string state = GetSqlState(result.status()).value_or("(none)");
      if (words.size() > 2 && state != words[2]) {
        fail(record_line, absl::StrCat("expected SQLSTATE ", words[2], ", got ", state, " (",
                                       result.status().message(), "): ", sql));
      }
      continue;
    }
    if (!result.ok()) {
      fail(record_line, absl::StrCat("unexpected error ", GetSqlState(result.status()).value_or(""),
                                     ": ", result.status().message(), "\n  in: ", sql));
      continue;
    }
    if (words[0] == "statement") continue;
    const std::string& types = words[1];
    bool rowsort = words.size() > 2 && words[2] == "rowsort";
    if (result->columns != static_cast<int>(types.size())) {
      fail(record_line,
           absl::StrCat("expected ", types.size(), " columns, got ", result->columns, ": ", sql));
      continue;
    }
    std::vector<std::string> got;
    for (const auto& row : result->rows) got.push_back(RowText(row));
    if (rowsort) {
      std::sort(got.begin(), got.end());
      std::sort(expected.begin(), expected.end());
    }
    if (got != expected) {
      fail(record_line, absl::StrCat("results differ for: ", sql, "\n  expected:\n    ",
                                     absl::StrJoin(expected, "\n    "), "\n  got:\n    ",
                                     absl::StrJoin(got, "\n    ")));
    }
  }
  return failures;
}

}  // namespace meridian::sql
