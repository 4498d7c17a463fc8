#include "sql/catalog/pg_describe.h"

#include <set>

#include "gtest/gtest.h"

namespace meridian::sql {
namespace {

proto::ColumnDescriptor Column(uint32_t id, const std::string& name, bool hidden = false) {
  proto::ColumnDescriptor c;
  c.set_id(id);
  c.set_name(name);
  c.mutable_type()->set_id(static_cast<uint32_t>(TypeId::kInt4));
  c.set_hidden(hidden);
  return c;
}

// acct (id, "Owner Name", "order") with primary key (id) and an index (x_idx) on
// ("Owner Name" DESC, "order"), as table id 120.
TableInfo Acct() {
  proto::TableDescriptor d;
  d.set_id(120);
  d.set_name("acct");
  *d.add_columns() = Column(1, "id");
  *d.add_columns() = Column(2, "Owner Name");
  *d.add_columns() = Column(3, "order");
  d.mutable_primary()->set_id(kPrimaryIndexId);
  d.mutable_primary()->set_name("acct_pkey");
  d.mutable_primary()->add_column_ids(1);
  auto* index = d.add_indexes();
  index->set_id(2);
  index->set_name("x_idx");
  index->add_column_ids(2);
  index->add_column_ids(3);
  index->add_descending(true);
  index->add_descending(false);
  return TableInfo(d);
}

TEST(PgDescribeTest, QuoteIdentQuotesWhatPostgresQuotes) {
  EXPECT_EQ(QuoteIdent("acct"), "acct");
  EXPECT_EQ(QuoteIdent("a_1"), "a_1");
  EXPECT_EQ(QuoteIdent("Acct"), "\"Acct\"");
  EXPECT_EQ(QuoteIdent("1a"), "\"1a\"");
  EXPECT_EQ(QuoteIdent("two words"), "\"two words\"");
  EXPECT_EQ(QuoteIdent("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(QuoteIdent("order"), "\"order\"");  // reserved
  EXPECT_EQ(QuoteIdent("user"), "\"user\"");
  EXPECT_EQ(QuoteIdent("key"), "key");  // unreserved
  EXPECT_EQ(QuoteIdent("ord"), "ord");  // not a keyword, though a prefix of one
  EXPECT_EQ(QuoteIdent(""), "\"\"");
}

TEST(PgDescribeTest, IndexDefinitions) {
  TableInfo t = Acct();
  EXPECT_EQ(IndexDefinition(t, t.desc().primary()),
            "CREATE UNIQUE INDEX acct_pkey ON public.acct USING btree (id)");
  EXPECT_EQ(IndexDefinition(t, t.desc().indexes(0), 0, /*pretty=*/true),
            "CREATE INDEX x_idx ON acct USING btree (\"Owner Name\" DESC, \"order\")");
  EXPECT_EQ(IndexDefinition(t, t.desc().indexes(0), 1), "\"Owner Name\"");
  EXPECT_EQ(IndexDefinition(t, t.desc().indexes(0), 2), "\"order\"");
  EXPECT_EQ(IndexDefinition(t, t.desc().indexes(0), 3), "");
  EXPECT_EQ(ConstraintDefinition(t, t.desc().primary()), "PRIMARY KEY (id)");
  EXPECT_EQ(ConstraintDefinition(t, t.desc().indexes(0)), "UNIQUE (\"Owner Name\", \"order\")");
}

TEST(PgDescribeTest, OidsResolveBackToTheirObjects) {
  std::vector<TablePtr> tables = {std::make_shared<const TableInfo>(Acct())};
  const TableInfo& t = *tables[0];
  EXPECT_EQ(TableOid(t), 120);
  EXPECT_EQ(FindTableByOid(tables, 120), &t);
  EXPECT_EQ(FindTableByOid(tables, 121), nullptr);
  auto index = FindIndexByOid(tables, IndexOid(t, t.desc().indexes(0)));
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->index->name(), "x_idx");
  EXPECT_FALSE(FindIndexByOid(tables, 120).has_value());
  auto pk = FindConstraintByOid(tables, ConstraintOid(t, t.desc().primary()));
  ASSERT_TRUE(pk.has_value());
  EXPECT_EQ(pk->index, &t.desc().primary());
  EXPECT_FALSE(FindConstraintByOid(tables, IndexOid(t, t.desc().primary())).has_value());
  // x_idx was made by CREATE INDEX: no constraint stands behind it.
  EXPECT_FALSE(IsConstraintIndex(t, t.desc().indexes(0)));
  EXPECT_FALSE(FindConstraintByOid(tables, ConstraintOid(t, t.desc().indexes(0))).has_value());
  // The kinds of OID do not collide.
  std::set<int64_t> oids = {TableOid(t), IndexOid(t, t.desc().primary()),
                            IndexOid(t, t.desc().indexes(0)), ConstraintOid(t, t.desc().primary()),
                            DefaultOid(t, 0)};
  EXPECT_EQ(oids.size(), 5u);
}

TEST(PgDescribeTest, UniqueConstraintsAreConstraints) {
  proto::TableDescriptor d = Acct().desc();
  d.mutable_indexes(0)->set_unique(true);
  d.mutable_indexes(0)->set_constraint(true);
  std::vector<TablePtr> tables = {std::make_shared<const TableInfo>(d)};
  const TableInfo& t = *tables[0];
  EXPECT_TRUE(IsConstraintIndex(t, t.desc().indexes(0)));
  auto c = FindConstraintByOid(tables, ConstraintOid(t, t.desc().indexes(0)));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->index->name(), "x_idx");
}

TEST(PgDescribeTest, HiddenRowIdKeyIsNotShown) {
  proto::TableDescriptor d;
  d.set_id(130);
  d.set_name("notes");
  *d.add_columns() = Column(1, "body");
  *d.add_columns() = Column(2, "rowid", /*hidden=*/true);
  d.mutable_primary()->set_id(kPrimaryIndexId);
  d.mutable_primary()->set_name("notes_pkey");
  d.mutable_primary()->add_column_ids(2);
  std::vector<TablePtr> tables = {std::make_shared<const TableInfo>(d)};
  EXPECT_FALSE(HasDeclaredPrimaryKey(*tables[0]));
  EXPECT_TRUE(VisibleIndexes(*tables[0]).empty());
  EXPECT_FALSE(FindIndexByOid(tables, 130 * 1000 + 1).has_value());
  EXPECT_FALSE(FindConstraintByOid(tables, ConstraintOid(*tables[0], d.primary())).has_value());
  EXPECT_TRUE(HasDeclaredPrimaryKey(Acct()));
}

}  // namespace
}  // namespace meridian::sql
