// A sqllogictest-style runner for the files in sql/testdata/.
//
// File format (records separated by blank lines; '#' starts a comment line):
//
//   statement ok
//   CREATE TABLE t (a INT PRIMARY KEY, b TEXT)
//
//   statement error 23505
//   INSERT INTO t VALUES (1, 'x')
//
//   query IT rowsort          <- one letter per column (I int, T text, R numeric/float,
//   SELECT a, b FROM t           B bool, any letter is fine); sort mode: nosort (default),
//   ----                         rowsort (sort rows as text before comparing)
//   1 x
//   2 NULL                    <- values separated by one space; NULL; (empty) for ''
//
//   query error 42703
//   SELECT nope FROM t
//
// Rewrite mode: MERIDIAN_REWRITE=1 sql_logic_test --gtest_filter='*inprocess*' regenerates the
// expected results of every file from what the engine returns; read the diff before keeping
// it, because the files are the specification.
//
// Every statement is sent as one simple-protocol query; each file runs in one session, so
// BEGIN/COMMIT blocks span records. The same files run in-process (Session directly) and
// over the wire (a PostgreSQL client against the pgwire server): the results must agree.
//
// Thread-safety: one thread.
#ifndef MERIDIAN_SQL_LOGICTEST_LOGICTEST_H_
#define MERIDIAN_SQL_LOGICTEST_LOGICTEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meridian::sql {

// The outcome of one query string, as text.
struct TextResult {
  std::vector<std::vector<std::optional<std::string>>> rows;
  int columns = 0;
  std::string tag;
};

// Runs one query string; an error result carries its SQLSTATE.
class TextExecutor {
 public:
  virtual ~TextExecutor() = default;
  virtual absl::StatusOr<TextResult> Run(const std::string& sql) = 0;
};

struct LogicTestFailure {
  int line = 0;
  std::string message;
};

// Runs the records of `text` (named `file` in messages); returns every mismatch. With
// `rewritten`, also sets it to the file as the results say it should read: each query's
// expected rows replaced by the rows it returned (sorted, for rowsort), each error record's
// SQLSTATE by the one it got; comments and SQL are kept. (A statement expected to succeed
// that fails cannot be rewritten: it stays a failure.)
std::vector<LogicTestFailure> RunLogicTest(const std::string& file, const std::string& text,
                                           TextExecutor& executor,
                                           std::string* rewritten = nullptr);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_LOGICTEST_LOGICTEST_H_
