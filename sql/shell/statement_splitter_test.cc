#include "sql/shell/statement_splitter.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::sql::shell {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Context = StatementSplitter::Context;

std::vector<std::string> SplitAll(const std::string& text) {
  StatementSplitter s;
  s.Append(text);
  std::vector<std::string> out = s.TakeStatements();
  std::string rest = s.TakePartial();
  if (!rest.empty()) out.push_back(rest);
  return out;
}

TEST(StatementSplitterTest, SplitsAtSemicolonsAndTrims) {
  EXPECT_THAT(SplitAll("SELECT 1; SELECT 2;\n  SELECT 3 ;"),
              ElementsAre("SELECT 1", "SELECT 2", "SELECT 3"));
  EXPECT_THAT(SplitAll(";;  ;\n"), IsEmpty());
  EXPECT_THAT(SplitAll("SELECT 4"), ElementsAre("SELECT 4"));  // unterminated, at end
}

TEST(StatementSplitterTest, MultiLineStatementWaitsForSemicolon) {
  StatementSplitter s;
  s.Append("INSERT INTO t\n");
  EXPECT_THAT(s.TakeStatements(), IsEmpty());
  EXPECT_TRUE(s.HasPartial());
  s.Append("VALUES (1),\n");
  EXPECT_THAT(s.TakeStatements(), IsEmpty());
  s.Append("  (2); SELECT\n");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("INSERT INTO t\nVALUES (1),\n  (2)"));
  EXPECT_TRUE(s.HasPartial());
  s.Append("1;\n");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT\n1"));
  EXPECT_FALSE(s.HasPartial());
}

TEST(StatementSplitterTest, SemicolonsInsideQuotesDoNotSplit) {
  EXPECT_THAT(SplitAll("SELECT 'a;b', 'it''s;'; SELECT 2;"),
              ElementsAre("SELECT 'a;b', 'it''s;'", "SELECT 2"));
  EXPECT_THAT(SplitAll("SELECT \"we;ird\"\"x\" FROM t; SELECT 3;"),
              ElementsAre("SELECT \"we;ird\"\"x\" FROM t", "SELECT 3"));
  // In an E'' string a backslash escapes the quote.
  EXPECT_THAT(SplitAll("SELECT E'a\\';b'; SELECT 4;"), ElementsAre("SELECT E'a\\';b'", "SELECT 4"));
  // In a standard string a backslash is an ordinary character.
  EXPECT_THAT(SplitAll("SELECT 'a\\'; SELECT 5;"), ElementsAre("SELECT 'a\\'", "SELECT 5"));
}

TEST(StatementSplitterTest, QuoteSpanningLinesReportsContext) {
  StatementSplitter s;
  s.Append("SELECT 'first;\n");
  EXPECT_EQ(s.context(), Context::kSingleQuote);
  EXPECT_THAT(s.TakeStatements(), IsEmpty());
  s.Append("second';\n");
  EXPECT_EQ(s.context(), Context::kNone);
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT 'first;\nsecond'"));
}

TEST(StatementSplitterTest, DollarQuotes) {
  EXPECT_THAT(SplitAll("SELECT $$a;b$$; SELECT $fn$ x; $$ y; $fn$; SELECT 6;"),
              ElementsAre("SELECT $$a;b$$", "SELECT $fn$ x; $$ y; $fn$", "SELECT 6"));
  // $1 is a parameter and a$b an identifier, not quotes.
  EXPECT_THAT(SplitAll("SELECT $1; SELECT a$b; SELECT 7;"),
              ElementsAre("SELECT $1", "SELECT a$b", "SELECT 7"));
  StatementSplitter s;
  s.Append("CREATE FUNCTION f() RETURNS int AS $body$\n");
  EXPECT_EQ(s.context(), Context::kDollarQuote);
  s.Append("  SELECT 1;\n");
  EXPECT_THAT(s.TakeStatements(), IsEmpty());
  s.Append("$body$ LANGUAGE sql;\n");
  EXPECT_THAT(s.TakeStatements(),
              ElementsAre("CREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1;\n$body$ "
                          "LANGUAGE sql"));
}

TEST(StatementSplitterTest, Comments) {
  EXPECT_THAT(SplitAll("SELECT 1 -- not; the end\n, 2; /* a; /* nested; */ b; */ SELECT 3;"),
              ElementsAre("SELECT 1 -- not; the end\n, 2", "/* a; /* nested; */ b; */ SELECT 3"));
  // Only comments and whitespace: no statement.
  EXPECT_THAT(SplitAll("-- just a comment;\n/* and; another */\n"), IsEmpty());
  StatementSplitter s;
  s.Append("SELECT /* open\n");
  EXPECT_EQ(s.context(), Context::kBlockComment);
  s.Append("still; open */ 1;\n");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT /* open\nstill; open */ 1"));
}

TEST(StatementSplitterTest, TokensSplitAcrossAppends) {
  StatementSplitter s;
  s.Append("SELECT 1 -");
  s.Append("- c;\n;");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT 1 -- c;"));
  s.Append("SELECT $");
  s.Append("q$;$q");
  EXPECT_THAT(s.TakeStatements(), IsEmpty());
  s.Append("$;");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT $q$;$q$"));
}

TEST(StatementSplitterTest, ParenthesesKeepStatementOpen) {
  StatementSplitter s;
  s.Append("SELECT (1;\n");
  EXPECT_EQ(s.paren_depth(), 1);
  EXPECT_THAT(s.TakeStatements(), IsEmpty());
  s.Append(");\n");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT (1;\n)"));
}

TEST(StatementSplitterTest, ResetDiscardsBuffer) {
  StatementSplitter s;
  s.Append("SELECT 'unterminated\n");
  s.Reset();
  EXPECT_EQ(s.context(), Context::kNone);
  EXPECT_FALSE(s.HasPartial());
  s.Append("SELECT 1;");
  EXPECT_THAT(s.TakeStatements(), ElementsAre("SELECT 1"));
}

}  // namespace
}  // namespace meridian::sql::shell
