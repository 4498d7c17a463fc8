#include "sql/shell/describe.h"

#include <string>

#include "gtest/gtest.h"

namespace meridian::sql::shell {
namespace {

TEST(DescribeTest, QuoteLiteralDoublesQuotes) {
  EXPECT_EQ(QuoteLiteral("t"), "'t'");
  EXPECT_EQ(QuoteLiteral("o'brien"), "'o''brien'");
}

TEST(DescribeTest, QueriesAreSingleTableAndQuoteNames) {
  EXPECT_EQ(ListRelationsQuery(true, ""),
            "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
            "table_schema <> 'pg_catalog' AND table_schema <> 'information_schema' AND "
            "table_type = 'BASE TABLE' ORDER BY table_schema, table_name");
  EXPECT_EQ(ListRelationsQuery(false, "t").find("table_type ="), std::string::npos);
  EXPECT_EQ(ColumnsQuery("public", "x'y"),
            "SELECT column_name, data_type, character_maximum_length, is_nullable, "
            "column_default FROM information_schema.columns WHERE table_schema = 'public' AND "
            "table_name = 'x''y' ORDER BY ordinal_position");
  EXPECT_EQ(IndexesQuery("public", "t"),
            "SELECT indexname, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = 'public' "
            "AND tablename = 't' ORDER BY indexname");
  EXPECT_EQ(FindRelationQuery("", "t"),
            "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
            "table_name = 't' ORDER BY table_schema");
  for (const std::string& q : {ListRelationsQuery(false, ""), FindRelationQuery("s", "t"),
                               ColumnsQuery("s", "t"), IndexesQuery("s", "t")}) {
    EXPECT_EQ(q.find("JOIN"), std::string::npos) << q;
    EXPECT_EQ(q.find("::"), std::string::npos) << q;
    EXPECT_EQ(q.find('~'), std::string::npos) << q;
  }
}

TEST(DescribeTest, ShortIndexDefinition) {
  EXPECT_EQ(ShortIndexDefinition("CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)"),
            "UNIQUE, btree (id)");
  EXPECT_EQ(ShortIndexDefinition("CREATE INDEX t_v ON public.t USING hash (v)"), "hash (v)");
  EXPECT_EQ(ShortIndexDefinition("INDEX t_v (v)"), "INDEX t_v (v)");
}

}  // namespace
}  // namespace meridian::sql::shell
