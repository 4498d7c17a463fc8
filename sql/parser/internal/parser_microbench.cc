// Hand-run timing of Parse (not a test; see CMakeLists.txt):
//   cmake --build <dir> --target sql_parser_microbench && <dir>/sql/parser/sql_parser_microbench
#include <chrono>
#include <cstdio>
#include <string>

#include "sql/parser/parser.h"

namespace {

void Time(const char* label, const std::string& sql, int iterations) {
  // Warm the ANTLR prediction caches first.
  for (int i = 0; i < 100; ++i) (void)meridian::sql::Parse(sql);
  auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (int i = 0; i < iterations; ++i) {
    if (!meridian::sql::Parse(sql).ok()) ++failures;
  }
  std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("%-28s %8.2f us/statement (%d iterations, %d failures)\n", label,
              elapsed.count() / iterations, iterations, failures);
}

}  // namespace

int main() {
  Time("point select", "SELECT abalance FROM pgbench_accounts WHERE aid = 70665;", 10000);
  Time("point select ($1)", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", 10000);
  Time("update", "UPDATE pgbench_accounts SET abalance = abalance + 741 WHERE aid = 70665;", 10000);
  Time("insert",
       "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (10, 1, 70665, "
       "741, CURRENT_TIMESTAMP);",
       10000);
  Time("begin", "BEGIN;", 10000);
  return 0;
}
