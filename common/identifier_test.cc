#include "common/identifier.h"

#include "gtest/gtest.h"

namespace meridian {
namespace {

TEST(IdentifierTest, ParseRelationNameFoldsUnquotedParts) {
  std::string schema, name;
  ParseRelationName("Users", &schema, &name);
  EXPECT_EQ(schema, "");
  EXPECT_EQ(name, "users");
  ParseRelationName("Sales.\"Order.Items\"", &schema, &name);
  EXPECT_EQ(schema, "sales");
  EXPECT_EQ(name, "Order.Items");
  ParseRelationName("\"a\"\"b\"", &schema, &name);
  EXPECT_EQ(name, "a\"b");
  ParseRelationName("public.\"Mixed Case\"", &schema, &name);
  EXPECT_EQ(schema, "public");
  EXPECT_EQ(name, "Mixed Case");
}

}  // namespace
}  // namespace meridian
