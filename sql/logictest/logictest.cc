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
                                           TextExecutor& executor, std::string* rewritten) {
  std::vector<LogicTestFailure> failures;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  std::vector<std::string> out;  // the file, rewritten
  size_t i = 0;
  auto fail = [&](int line, std::string msg) {
    failures.push_back(LogicTestFailure{line, absl::StrCat(file, ":", line, ": ", msg)});
  };
  while (i < lines.size()) {
    std::string head = std::string(absl::StripAsciiWhitespace(lines[i]));
    if (head.empty() || head[0] == '#') {
      out.push_back(lines[i]);
      ++i;
      continue;
    }
    const int record_line = static_cast<int>(i) + 1;
    std::vector<std::string> words = absl::StrSplit(head, ' ', absl::SkipEmpty());
    const std::string header_line = lines[i];
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
    bool had_results = false;
    if (i < lines.size() && lines[i] == "----") {
      had_results = true;
      ++i;
      while (i < lines.size() && !absl::StripAsciiWhitespace(lines[i]).empty()) {
        expected.push_back(lines[i]);
        ++i;
      }
    }
    // What the record becomes in the rewritten file: its header and SQL, then (for a query
    // that returned rows) the rows it returned.
    std::string new_header = header_line;
    std::optional<std::vector<std::string>> new_results;
    if (had_results) new_results = expected;
    auto emit = [&] {
      out.push_back(new_header);
      out.insert(out.end(), sql_lines.begin(), sql_lines.end());
      if (new_results.has_value()) {
        out.push_back("----");
        out.insert(out.end(), new_results->begin(), new_results->end());
      }
    };
    if (words.size() < 2 || (words[0] != "statement" && words[0] != "query")) {
      fail(record_line, absl::StrCat("bad record header: ", head));
      emit();
      continue;
    }
    absl::StatusOr<TextResult> result = executor.Run(sql);
    if (words[1] == "error") {
      if (result.ok()) {
        fail(record_line, absl::StrCat("expected an error, but it succeeded: ", sql));
        emit();
        continue;
      }
      std::string state = GetSqlState(result.status()).value_or("(none)");
      if (words.size() > 2 && state != words[2]) {
        fail(record_line, absl::StrCat("expected SQLSTATE ", words[2], ", got ", state, " (",
                                       result.status().message(), "): ", sql));
        words[2] = state;
        new_header = absl::StrJoin(words, " ");
      }
      emit();
      continue;
    }
    if (!result.ok()) {
      fail(record_line, absl::StrCat("unexpected error ", GetSqlState(result.status()).value_or(""),
                                     ": ", result.status().message(), "\n  in: ", sql));
      emit();
      continue;
    }
    if (words[0] == "statement") {
      emit();
      continue;
    }
    const std::string& types = words[1];
    bool rowsort = words.size() > 2 && words[2] == "rowsort";
    if (result->columns != static_cast<int>(types.size())) {
      fail(record_line,
           absl::StrCat("expected ", types.size(), " columns, got ", result->columns, ": ", sql));
      emit();
      continue;
    }
    std::vector<std::string> got;
    for (const auto& row : result->rows) got.push_back(RowText(row));
    if (rowsort) std::sort(got.begin(), got.end());
    new_results = got;
    if (rowsort) std::sort(expected.begin(), expected.end());
    if (got != expected) {
      fail(record_line, absl::StrCat("results differ for: ", sql, "\n  expected:\n    ",
                                     absl::StrJoin(expected, "\n    "), "\n  got:\n    ",
                                     absl::StrJoin(got, "\n    ")));
    }
    emit();
  }
  if (rewritten != nullptr) *rewritten = absl::StrJoin(out, "\n");
  return failures;
}

}  // namespace meridian::sql
