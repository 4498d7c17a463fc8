// The logic-test runner itself, against a scripted executor: it reports mismatches, and its
// rewrite mode produces a file that then passes.
#include <map>

#include "common/status.h"
#include "gtest/gtest.h"
#include "sql/logictest/logictest.h"

namespace meridian::sql {
namespace {

class ScriptedExecutor : public TextExecutor {
 public:
  std::map<std::string, absl::StatusOr<TextResult>> answers;
  absl::StatusOr<TextResult> Run(const std::string& sql) override {
    auto it = answers.find(sql);
    if (it == answers.end()) return absl::NotFoundError("unscripted: " + sql);
    return it->second;
  }
};

TextResult Rows(int columns, std::vector<std::vector<std::optional<std::string>>> rows) {
  TextResult r;
  r.columns = columns;
  r.rows = std::move(rows);
  return r;
}

ScriptedExecutor Script() {
  ScriptedExecutor e;
  e.answers["CREATE TABLE t (a INT)"] = TextResult();
  e.answers["SELECT a, b FROM t"] = Rows(2, {{"2", std::nullopt}, {"1", ""}});
  e.answers["SELECT nope FROM t"] =
      SqlError(absl::StatusCode::kInvalidArgument, "42703", "column \"nope\" does not exist");
  return e;
}

constexpr char kStale[] = R"(# a comment stays
statement ok
CREATE TABLE t (a INT)

query IT rowsort
SELECT a, b FROM t
----
1 x

query error 42P01
SELECT nope FROM t
)";

constexpr char kFixed[] = R"(# a comment stays
statement ok
CREATE TABLE t (a INT)

query IT rowsort
SELECT a, b FROM t
----
1 (empty)
2 NULL

query error 42703
SELECT nope FROM t
)";

TEST(LogicTestRunner, ReportsEveryMismatch) {
  ScriptedExecutor e = Script();
  std::vector<LogicTestFailure> f = RunLogicTest("t.slt", kStale, e);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].line, 5);
  EXPECT_NE(f[0].message.find("results differ"), std::string::npos);
  EXPECT_EQ(f[1].line, 10);
  EXPECT_NE(f[1].message.find("expected SQLSTATE 42P01, got 42703"), std::string::npos);
}

TEST(LogicTestRunner, RewriteProducesAFileThatPasses) {
  ScriptedExecutor e = Script();
  std::string rewritten;
  RunLogicTest("t.slt", kStale, e, &rewritten);
  EXPECT_EQ(rewritten, kFixed);
  EXPECT_TRUE(RunLogicTest("t.slt", rewritten, e).empty());
  // A passing file rewrites to itself.
  std::string again;
  RunLogicTest("t.slt", kFixed, e, &again);
  EXPECT_EQ(again, kFixed);
}

TEST(LogicTestRunner, AFailingStatementCannotBeRewrittenAway) {
  ScriptedExecutor e = Script();
  std::string rewritten;
  auto f = RunLogicTest("t.slt", "statement ok\nSELECT nope FROM t\n", e, &rewritten);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(rewritten, "statement ok\nSELECT nope FROM t\n");
}

}  // namespace
}  // namespace meridian::sql
