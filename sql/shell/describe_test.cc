#include "sql/shell/describe.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "gtest/gtest.h"

namespace meridian::sql::shell {

using client::kTextOid;
using client::PgColumn;
using client::PgResult;
namespace {

using Row = std::vector<std::optional<std::string>>;

PgResult Rows(std::vector<std::string> names, std::vector<Row> rows) {
  PgResult result;
  result.has_rows = true;
  for (std::string& name : names) {
    PgColumn column;
    column.name = std::move(name);
    column.type_oid = kTextOid;
    result.columns.push_back(std::move(column));
  }
  result.rows = std::move(rows);
  result.command_tag = "SELECT " + std::to_string(result.rows.size());
  return result;
}

// Answers the exact catalog queries describe.h documents with the rows a server holds;
// any other query fails the test.
class ScriptedCatalog {
 public:
  void Answer(const std::string& sql, PgResult result) { answers_[sql] = std::move(result); }
  CatalogQuery query() {
    return [this](const std::string& sql) -> absl::StatusOr<std::vector<PgResult>> {
      asked_.push_back(sql);
      auto it = answers_.find(sql);
      if (it == answers_.end()) {
        ADD_FAILURE() << "unexpected query: " << sql;
        return SqlError(absl::StatusCode::kInvalidArgument, "42601", "unexpected query");
      }
      return std::vector<PgResult>{it->second};
    };
  }
  const std::vector<std::string>& asked() const { return asked_; }

 private:
  std::map<std::string, PgResult> answers_;
  std::vector<std::string> asked_;
};

// What PostgreSQL 15 answers for
//   CREATE TABLE accounts (id INT PRIMARY KEY, owner TEXT NOT NULL,
//                          balance NUMERIC(12,2) DEFAULT 0);
//   CREATE INDEX accounts_owner ON accounts (owner);
void AnswerAccounts(ScriptedCatalog* catalog) {
  catalog->Answer(
      FindRelationQuery("", "accounts"),
      Rows({"table_schema", "table_name", "table_type"}, {{"public", "accounts", "BASE TABLE"}}));
  catalog->Answer(
      ColumnsQuery("public", "accounts"),
      Rows({"column_name", "data_type", "character_maximum_length", "numeric_precision",
            "numeric_scale", "is_nullable", "column_default"},
           {{"id", "integer", std::nullopt, "32", "0", "NO", std::nullopt},
            {"owner", "text", std::nullopt, std::nullopt, std::nullopt, "NO", std::nullopt},
            {"balance", "numeric", std::nullopt, "12", "2", "YES", "0"}}));
  catalog->Answer(
      IndexesQuery("public", "accounts"),
      Rows(
          {"indexname", "indexdef"},
          {{"accounts_owner", "CREATE INDEX accounts_owner ON public.accounts USING btree (owner)"},
           {"accounts_pkey",
            "CREATE UNIQUE INDEX accounts_pkey ON public.accounts USING btree (id)"}}));
  catalog->Answer(ConstraintsQuery("public", "accounts"),
                  Rows({"conname", "contype"}, {{"accounts_pkey", "p"}}));
}

TEST(DescribeTest, QuoteLiteralAndIdentifier) {
  EXPECT_EQ(QuoteLiteral("t"), "'t'");
  EXPECT_EQ(QuoteLiteral("o'brien"), "'o''brien'");
  EXPECT_EQ(QuoteIdentifier("t"), "\"t\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

TEST(DescribeTest, QueriesQuoteNames) {
  EXPECT_EQ(ListRelationsQuery(true, ""),
            "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
            "table_schema <> 'pg_catalog' AND table_schema <> 'information_schema' AND "
            "table_type = 'BASE TABLE' ORDER BY table_schema, table_name");
  EXPECT_EQ(ListRelationsQuery(false, "t").find("table_type ="), std::string::npos);
  EXPECT_EQ(ColumnsQuery("public", "x'y"),
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
            "numeric_scale, is_nullable, column_default FROM information_schema.columns WHERE "
            "table_schema = 'public' AND table_name = 'x''y' ORDER BY ordinal_position");
  EXPECT_EQ(IndexesQuery("public", "t"),
            "SELECT indexname, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = 'public' "
            "AND tablename = 't' ORDER BY indexname");
  EXPECT_EQ(FindRelationQuery("", "t"),
            "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
            "table_name = 't' ORDER BY table_schema");
  // A name with quotes of both kinds survives as one regclass literal.
  EXPECT_EQ(ConstraintsQuery("public", "it's \"x\""),
            "SELECT conname, contype FROM pg_catalog.pg_constraint WHERE conrelid = "
            "'\"public\".\"it''s \"\"x\"\"\"'::regclass AND (contype = 'p' OR contype = 'u') "
            "ORDER BY conname");
}

TEST(DescribeTest, ColumnTypeLabelsAreFormatTypes) {
  // The rows PostgreSQL 15's information_schema.columns gives, and what psql prints.
  EXPECT_EQ(ColumnTypeLabel("numeric", "", "12", "2"), "numeric(12,2)");
  EXPECT_EQ(ColumnTypeLabel("numeric", "", "5", "0"), "numeric(5,0)");
  EXPECT_EQ(ColumnTypeLabel("numeric", "", "", ""), "numeric");
  EXPECT_EQ(ColumnTypeLabel("integer", "", "32", "0"), "integer");
  EXPECT_EQ(ColumnTypeLabel("double precision", "", "53", ""), "double precision");
  EXPECT_EQ(ColumnTypeLabel("character varying", "20", "", ""), "character varying(20)");
  EXPECT_EQ(ColumnTypeLabel("character varying", "", "", ""), "character varying");
  EXPECT_EQ(ColumnTypeLabel("character", "3", "", ""), "character(3)");
}

TEST(DescribeTest, IndexDescriptionsAsPsqlPrintsThem) {
  EXPECT_EQ(IndexDescription("CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)", "p"),
            "PRIMARY KEY, btree (id)");
  EXPECT_EQ(IndexDescription("CREATE UNIQUE INDEX t_a_b_key ON public.t USING btree (a, b)", "u"),
            "UNIQUE CONSTRAINT, btree (a, b)");
  EXPECT_EQ(IndexDescription("CREATE UNIQUE INDEX t_a ON public.t USING btree (a)", ""),
            "UNIQUE, btree (a)");
  EXPECT_EQ(IndexDescription("CREATE INDEX t_v ON public.t USING hash (v)", ""), "hash (v)");
  EXPECT_EQ(IndexDescription("INDEX t_v (v)", ""), "INDEX t_v (v)");
}

// The whole of \d accounts, byte for byte what psql 15 prints against PostgreSQL 15.
TEST(DescribeTest, TableMatchesPsql) {
  ScriptedCatalog catalog;
  AnswerAccounts(&catalog);
  absl::StatusOr<std::string> out = DescribeRelation(catalog.query(), "accounts", {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "                 Table \"public.accounts\"\n"
            " Column  |     Type      | Collation | Nullable | Default \n"
            "---------+---------------+-----------+----------+---------\n"
            " id      | integer       |           | not null | \n"
            " owner   | text          |           | not null | \n"
            " balance | numeric(12,2) |           |          | 0\n"
            "Indexes:\n"
            "    \"accounts_pkey\" PRIMARY KEY, btree (id)\n"
            "    \"accounts_owner\" btree (owner)\n"
            "\n");
}

TEST(DescribeTest, UniqueConstraintsAndUniqueIndexes) {
  ScriptedCatalog catalog;
  catalog.Answer(
      FindRelationQuery("public", "u2"),
      Rows({"table_schema", "table_name", "table_type"}, {{"public", "u2", "BASE TABLE"}}));
  catalog.Answer(ColumnsQuery("public", "u2"),
                 Rows({"column_name", "data_type", "character_maximum_length", "numeric_precision",
                       "numeric_scale", "is_nullable", "column_default"},
                      {{"a", "integer", std::nullopt, "32", "0", "YES", std::nullopt}}));
  catalog.Answer(
      IndexesQuery("public", "u2"),
      Rows({"indexname", "indexdef"},
           {{"u2_a", "CREATE UNIQUE INDEX u2_a ON public.u2 USING btree (a)"},
            {"u2_a_b_key", "CREATE UNIQUE INDEX u2_a_b_key ON public.u2 USING btree (a, b)"}}));
  catalog.Answer(ConstraintsQuery("public", "u2"),
                 Rows({"conname", "contype"}, {{"u2_a_b_key", "u"}}));
  absl::StatusOr<std::string> out = DescribeRelation(catalog.query(), "public.u2", {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_NE(out->find("Indexes:\n"
                      "    \"u2_a\" UNIQUE, btree (a)\n"
                      "    \"u2_a_b_key\" UNIQUE CONSTRAINT, btree (a, b)\n"),
            std::string::npos)
      << *out;
}

TEST(DescribeTest, NoIndexesMeansNoConstraintQuery) {
  ScriptedCatalog catalog;
  catalog.Answer(FindRelationQuery("", "notes"), Rows({"table_schema", "table_name", "table_type"},
                                                      {{"public", "notes", "BASE TABLE"}}));
  catalog.Answer(
      ColumnsQuery("public", "notes"),
      Rows({"column_name", "data_type", "character_maximum_length", "numeric_precision",
            "numeric_scale", "is_nullable", "column_default"},
           {{"body", "text", std::nullopt, std::nullopt, std::nullopt, "YES", std::nullopt}}));
  catalog.Answer(IndexesQuery("public", "notes"), Rows({"indexname", "indexdef"}, {}));
  absl::StatusOr<std::string> out = DescribeRelation(catalog.query(), "notes", {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->find("Indexes"), std::string::npos);
  EXPECT_EQ(catalog.asked().size(), 3u);
}

TEST(DescribeTest, MissingRelationIsNotFound) {
  ScriptedCatalog catalog;
  catalog.Answer(FindRelationQuery("", "nope"),
                 Rows({"table_schema", "table_name", "table_type"}, {}));
  absl::StatusOr<std::string> out = DescribeRelation(catalog.query(), "nope", {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(GetSqlState(out.status()), "42P01");
  EXPECT_EQ(out.status().message(), "Did not find any relation named \"nope\".");
}

TEST(DescribeTest, ServerErrorsPassThrough) {
  ScriptedCatalog catalog;
  AnswerAccounts(&catalog);
  const CatalogQuery failing =
      [&](const std::string& sql) -> absl::StatusOr<std::vector<PgResult>> {
    if (sql == ConstraintsQuery("public", "accounts")) {
      return SqlError(absl::StatusCode::kUnavailable, "08006", "connection lost");
    }
    return catalog.query()(sql);
  };
  absl::StatusOr<std::string> out = DescribeRelation(failing, "accounts", {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(GetSqlState(out.status()), "08006");
}

TEST(DescribeTest, ListRelations) {
  ScriptedCatalog catalog;
  catalog.Answer(ListRelationsQuery(true, ""),
                 Rows({"table_schema", "table_name", "table_type"},
                      {{"public", "accounts", "BASE TABLE"}, {"public", "u2", "BASE TABLE"}}));
  absl::StatusOr<std::string> out = ListRelations(catalog.query(), true, "", {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out,
            "     List of relations\n"
            " Schema |   Name   | Type  \n"
            "--------+----------+-------\n"
            " public | accounts | table\n"
            " public | u2       | table\n"
            "(2 rows)\n"
            "\n");
}

}  // namespace
}  // namespace meridian::sql::shell
