#include "sql/shell/result_format.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace meridian::sql::shell {

using client::kInt4Oid;
using client::kNumericOid;
using client::kTextOid;
using client::PgColumn;
using client::PgResult;
namespace {

PgColumn Col(std::string name, uint32_t oid) {
  PgColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  return c;
}

PgResult Rows(std::vector<PgColumn> columns,
              std::vector<std::vector<std::optional<std::string>>> rows) {
  PgResult r;
  r.has_rows = true;
  r.columns = std::move(columns);
  r.rows = std::move(rows);
  r.command_tag = "SELECT " + std::to_string(r.rows.size());
  return r;
}

// Expected strings below were checked byte for byte against psql 15's output for the
// same query.
TEST(ResultFormatTest, AlignedCentresHeadersRightAlignsNumbersAndShowsNullAsEmpty) {
  PgResult r = Rows({Col("id", kInt4Oid), Col("name", kTextOid), Col("score", kNumericOid)},
                    {{"1", "alice", "9.5"}, {"22", std::nullopt, std::nullopt}});
  EXPECT_EQ(FormatResult(r, {}),
            " id | name  | score \n"
            "----+-------+-------\n"
            "  1 | alice |   9.5\n"
            " 22 |       |      \n"
            "(2 rows)\n"
            "\n");
}

TEST(ResultFormatTest, LeftAlignedLastColumnIsNotPadded) {
  PgResult r = Rows({Col("a", kInt4Oid), Col("b", kTextOid)}, {{"1", std::nullopt}});
  EXPECT_EQ(FormatResult(r, {}), " a | b \n---+---\n 1 | \n(1 row)\n\n");
  PgResult s = Rows({Col("bb", kTextOid), Col("a", kInt4Oid)}, {{"x", "1"}});
  EXPECT_EQ(FormatResult(s, {}), " bb | a \n----+---\n x  | 1\n(1 row)\n\n");
}

TEST(ResultFormatTest, ZeroRowsAndZeroColumns) {
  PgResult r = Rows({Col("?column?", kInt4Oid)}, {});
  EXPECT_EQ(FormatResult(r, {}), " ?column? \n----------\n(0 rows)\n\n");
  PgResult none = Rows({}, {{}});
  EXPECT_EQ(FormatResult(none, {}), "--\n(1 row)\n\n");
}

TEST(ResultFormatTest, UnicodeWidth) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("é"), 1);          // precomposed, two bytes
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1);  // e + combining acute accent
  EXPECT_EQ(DisplayWidth("日本語"), 6);     // wide
  EXPECT_EQ(DisplayWidth("\xff\xfe"), 2);   // invalid bytes count one each
  EXPECT_EQ(DisplayWidth("\xe6\x97"), 2);   // truncated sequence
  PgResult r = Rows({Col("名前", kTextOid), Col("e", kTextOid), Col("n", kInt4Oid)},
                    {{"日本語", "é", "12"}});
  EXPECT_EQ(FormatResult(r, {}),
            "  名前  | e | n  \n"
            "--------+---+----\n"
            " 日本語 | é | 12\n"
            "(1 row)\n"
            "\n");
}

TEST(ResultFormatTest, MultiLineValuesGetContinuationMarkers) {
  PgResult r =
      Rows({Col("x", kTextOid), Col("y", kInt4Oid), Col("z", kTextOid)}, {{"a\nbb", "2", "q\nr"}});
  EXPECT_EQ(FormatResult(r, {}),
            " x  | y | z \n"
            "----+---+---\n"
            " a +| 2 | q+\n"
            " bb |   | r\n"
            "(1 row)\n"
            "\n");
}

TEST(ResultFormatTest, Expanded) {
  FormatOptions expanded;
  expanded.expanded = true;
  PgResult r = Rows({Col("a", kInt4Oid), Col("bb", kTextOid), Col("c", kTextOid)},
                    {{"1", std::nullopt, "x\nyy"}});
  EXPECT_EQ(FormatResult(r, expanded),
            "-[ RECORD 1 ]\n"
            "a  | 1\n"
            "bb | \n"
            "c  | x +\n"
            "   | yy\n"
            "\n");
  PgResult wide_names = Rows({Col("aaaaaaaaaaaaaaaaaaa", kInt4Oid), Col("b", kTextOid)},
                             {{"1", "hello"}, {"2", "x"}});
  EXPECT_EQ(FormatResult(wide_names, expanded),
            "-[ RECORD 1 ]-------+------\n"
            "aaaaaaaaaaaaaaaaaaa | 1\n"
            "b                   | hello\n"
            "-[ RECORD 2 ]-------+------\n"
            "aaaaaaaaaaaaaaaaaaa | 2\n"
            "b                   | x\n"
            "\n");
  PgResult wide_values =
      Rows({Col("a", kTextOid), Col("b", kTextOid)}, {{"ab", "cccccccccccccccccccccc"}});
  EXPECT_EQ(FormatResult(wide_values, expanded),
            "-[ RECORD 1 ]-------------\n"
            "a | ab\n"
            "b | cccccccccccccccccccccc\n"
            "\n");
  EXPECT_EQ(FormatResult(Rows({Col("a", kInt4Oid)}, {}), expanded), "(0 rows)\n\n");
}

TEST(ResultFormatTest, TitleIsCentredAndFooterCanBeOmitted) {
  FormatOptions options;
  options.title = "List of relations";
  PgResult r = Rows({Col("Schema", kTextOid), Col("Name", kTextOid), Col("Type", kTextOid),
                     Col("Owner", kTextOid)},
                    {{"public", "tt", "table", "postgres"}});
  EXPECT_EQ(FormatResult(r, options),
            "        List of relations\n"
            " Schema | Name | Type  |  Owner   \n"
            "--------+------+-------+----------\n"
            " public | tt   | table | postgres\n"
            "(1 row)\n"
            "\n");
  options.footer = false;
  EXPECT_EQ(FormatResult(r, options).find("(1 row)"), std::string::npos);
}

TEST(ResultFormatTest, CommandTagForStatementsWithoutRows) {
  PgResult r;
  r.command_tag = "INSERT 0 1";
  EXPECT_EQ(FormatResult(r, {}), "INSERT 0 1\n");
  PgResult empty;
  EXPECT_EQ(FormatResult(empty, {}), "");
}

TEST(ResultFormatTest, ShortRowsDoNotReadPastTheRow) {
  PgResult r = Rows({Col("a", kInt4Oid), Col("b", kTextOid)}, {{"1"}});
  EXPECT_EQ(FormatResult(r, {}), " a | b \n---+---\n 1 | \n(1 row)\n\n");
}

}  // namespace
}  // namespace meridian::sql::shell
