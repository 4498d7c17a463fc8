#include "sql/types/value.h"

#include <gtest/gtest.h>

#include <cmath>

namespace meridian::sql {
namespace {

TEST(SqlTypeTest, PostgresDescriptions) {
  struct Case {
    SqlType t;
    uint32_t oid;
    int16_t typlen;
    int32_t typmod;
    const char* name;
  };
  std::vector<Case> cases = {
      {SqlType::Of(TypeId::kBool), 16, 1, -1, "boolean"},
      {SqlType::Of(TypeId::kBytea), 17, -1, -1, "bytea"},
      {SqlType::Of(TypeId::kName), 19, 64, -1, "name"},
      {SqlType::Of(TypeId::kInt8), 20, 8, -1, "bigint"},
      {SqlType::Of(TypeId::kInt2), 21, 2, -1, "smallint"},
      {SqlType::Of(TypeId::kInt4), 23, 4, -1, "integer"},
      {SqlType::Of(TypeId::kText), 25, -1, -1, "text"},
      {SqlType::Of(TypeId::kOid), 26, 4, -1, "oid"},
      {SqlType::Of(TypeId::kFloat4), 700, 4, -1, "real"},
      {SqlType::Of(TypeId::kFloat8), 701, 8, -1, "double precision"},
      {SqlType::Of(TypeId::kUnknown), 705, -2, -1, "unknown"},
      {SqlType::Char(3), 1042, -1, 7, "character(3)"},
      {SqlType::Varchar(20), 1043, -1, 24, "character varying(20)"},
      {SqlType::Varchar(), 1043, -1, -1, "character varying"},
      {SqlType::Of(TypeId::kDate), 1082, 4, -1, "date"},
      {SqlType::Of(TypeId::kTimestamp), 1114, 8, -1, "timestamp without time zone"},
      {SqlType::Of(TypeId::kTimestampTz), 1184, 8, -1, "timestamp with time zone"},
      {SqlType::Of(TypeId::kInterval), 1186, 16, -1, "interval"},
      {SqlType::Numeric(10, 2), 1700, -1, ((10 << 16) | 2) + 4, "numeric(10,2)"},
      {SqlType::Numeric(), 1700, -1, -1, "numeric"},
      {SqlType::Of(TypeId::kRegclass), 2205, 4, -1, "regclass"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.t.pg_oid(), c.oid) << c.name;
    EXPECT_EQ(c.t.pg_typlen(), c.typlen) << c.name;
    EXPECT_EQ(c.t.pg_typmod(), c.typmod) << c.name;
    EXPECT_EQ(c.t.ToString(), c.name);
    std::optional<SqlType> back = SqlTypeFromPgOid(c.oid);
    ASSERT_TRUE(back.has_value()) << c.oid;
    EXPECT_EQ(back->id, c.t.id) << c.oid;
  }
  EXPECT_EQ(SqlTypeFromPgOid(0)->id, TypeId::kUnknown);
  EXPECT_EQ(SqlTypeFromPgOid(24)->id, TypeId::kOid);  // regproc
  EXPECT_FALSE(SqlTypeFromPgOid(99999).has_value());
  EXPECT_TRUE(SqlType::Of(TypeId::kOid).is_integer());
  EXPECT_TRUE(SqlType::Numeric().is_numeric());
  EXPECT_FALSE(SqlType::Of(TypeId::kBool).is_numeric());
  EXPECT_TRUE(SqlType::Of(TypeId::kName).is_string());
}

TEST(ValueTest, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::Int(3).kind(), Value::Kind::kInt);
  EXPECT_EQ(Value::Bytes("x").kind(), Value::Kind::kBytes);
  EXPECT_EQ(Value::Bytes("x").string_value(), "x");
  EXPECT_EQ(Value::Interval(5).timestamp_value(), 5);
  EXPECT_EQ(Value::Date(-2).date_value(), -2);
  EXPECT_EQ(KindOfType(SqlType::Varchar(3)), Value::Kind::kString);
  EXPECT_EQ(KindOfType(SqlType::Of(TypeId::kTimestampTz)), Value::Kind::kTimestamp);
}

TEST(ValueTest, StructuralEquality) {
  EXPECT_EQ(Value::Null(), Value::Null());
  EXPECT_NE(Value::String("a"), Value::Bytes("a"));
  EXPECT_NE(Value::Date(1), Value::Timestamp(1));
  EXPECT_NE(Value::Int(1), Value::Float(1));
  EXPECT_EQ(Value::Float(std::nan("")), Value::Float(std::nan("")));
  EXPECT_NE(Value::Decimal(*Numeric::Parse("1.0")), Value::Decimal(*Numeric::Parse("1.00")));
  EXPECT_EQ(Value::Decimal(*Numeric::Parse("1.0")), Value::Decimal(*Numeric::Parse("1.0")));
}

TEST(ValueTest, DebugString) {
  EXPECT_EQ(Value().DebugString(), "NULL");
  EXPECT_EQ(Value::String("it's").DebugString(), "'it''s'");
  EXPECT_EQ(Value::Int(-4).DebugString(), "-4");
  EXPECT_EQ(Value::Bytes("\x01").DebugString(), "'\\x01'::bytea");
  EXPECT_EQ(Value::Date(0).DebugString(), "DATE '1970-01-01'");
  EXPECT_EQ(Value::Decimal(*Numeric::Parse("1.50")).DebugString(), "1.50");
}

}  // namespace
}  // namespace meridian::sql
