#include "sql/execution/memory_budget.h"

#include "common/status.h"
#include "gtest/gtest.h"

namespace meridian::sql {
namespace {

TEST(MemoryBudgetTest, AccountsReturnTheirShareAndTheLimitHolds) {
  MemoryBudget budget(1000);
  {
    MemoryAccount a(&budget);
    ASSERT_TRUE(a.Grow(600).ok());
    MemoryAccount b(&budget);
    absl::Status s = b.Grow(500);
    EXPECT_EQ(GetSqlState(s), "53200");
    EXPECT_NE(s.message().find("statement_memory_limit"), std::string_view::npos);
    EXPECT_EQ(budget.used(), 600);  // the failed reservation took nothing
    ASSERT_TRUE(b.Grow(400).ok());
    EXPECT_EQ(budget.used(), 1000);
  }
  EXPECT_EQ(budget.used(), 0);
  EXPECT_EQ(budget.peak(), 1000);
}

TEST(MemoryBudgetTest, ZeroIsUnlimitedAndNullAccountsCountNothing) {
  MemoryBudget unlimited(0);
  MemoryAccount a(&unlimited);
  EXPECT_TRUE(a.Grow(int64_t{1} << 50).ok());
  MemoryAccount none(nullptr);
  EXPECT_TRUE(none.Grow(5).ok());
  EXPECT_EQ(none.held(), 0);
}

TEST(MemoryBudgetTest, RowBytesCountsStrings) {
  std::vector<Value> small = {Value::Int(1)};
  std::vector<Value> big = {Value::Int(1), Value::String(std::string(10000, 'x'))};
  EXPECT_GE(RowBytes(big), RowBytes(small) + 10000);
}

TEST(MemoryBudgetTest, SettingsParseAndPrintAsPostgresDoes) {
  EXPECT_EQ(*ParseMemorySetting("256MB"), int64_t{256} << 20);
  EXPECT_EQ(*ParseMemorySetting("64"), 64 * 1024);  // no unit: kB
  EXPECT_EQ(*ParseMemorySetting(" 2GB "), int64_t{2} << 30);
  EXPECT_EQ(*ParseMemorySetting("100B"), 100);
  for (const char* bad : {"", "MB", "12XB", "-5MB", "1.5GB", "99999999999999TB"}) {
    EXPECT_EQ(GetSqlState(ParseMemorySetting(bad).status()), "22023") << bad;
  }
  EXPECT_EQ(FormatMemorySetting(int64_t{256} << 20), "256MB");
  EXPECT_EQ(FormatMemorySetting(1536), "1536B");
  EXPECT_EQ(FormatMemorySetting(2048), "2kB");
}

}  // namespace
}  // namespace meridian::sql
