#include "workload/tpcc/loader.h"

#include <string>

#include "gtest/gtest.h"
#include "workload/tpcc/progress.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {
namespace {

TEST(CopyText, EscapesAndNulls) {
  std::string out;
  AppendCopyLine(Row{"1", std::nullopt, "a\tb", "back\\slash", "two\nlines\r"}, &out);
  EXPECT_EQ(out, "1\t\\N\ta\\tb\tback\\\\slash\ttwo\\nlines\\r\n");
  std::string empty;
  AppendCopyLine(Row{"", std::nullopt}, &empty);  // an empty string is not NULL
  EXPECT_EQ(empty, "\t\\N\n");
}

TEST(ExpectedRows, TheSpecFiguresPerWarehouse) {
  auto rows = ExpectedRows(Scale{.warehouses = 2});
  EXPECT_EQ(rows[static_cast<int>(Table::kItem)], 100000);  // shared by all warehouses
  EXPECT_EQ(rows[static_cast<int>(Table::kWarehouse)], 2);
  EXPECT_EQ(rows[static_cast<int>(Table::kDistrict)], 20);
  EXPECT_EQ(rows[static_cast<int>(Table::kStock)], 200000);
  EXPECT_EQ(rows[static_cast<int>(Table::kCustomer)], 60000);
  EXPECT_EQ(rows[static_cast<int>(Table::kHistory)], 60000);
  EXPECT_EQ(rows[static_cast<int>(Table::kOrders)], 60000);
  EXPECT_EQ(rows[static_cast<int>(Table::kNewOrder)], 18000);
  EXPECT_EQ(rows[static_cast<int>(Table::kOrderLine)], 600000);
}

TEST(InlineParams, QuotesLiteralsAndLeavesStringsAlone) {
  auto s = InlineParams("SELECT $1, $2, '$1', \"$2\", $10",
                        {"a'b", std::nullopt, "3", "4", "5", "6", "7", "8", "9", "ten"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, "SELECT 'a''b', NULL, '$1', \"$2\", 'ten'");
  EXPECT_FALSE(InlineParams("SELECT $2", {"x"}).ok());
  EXPECT_EQ(*InlineParams("SELECT 1", {}), "SELECT 1");
}

TEST(ConnectParams, AddsAnApplicationNameUnlessGiven) {
  auto p = ConnectParams("postgresql://u@h:5/db");
  ASSERT_TRUE(p.ok()) << p.status();
  bool app = false;
  for (const auto& [k, v] : *p) app |= k == "application_name";
  EXPECT_TRUE(app);
  EXPECT_FALSE(ConnectParams("postgresql://u@h:notaport:x/db?=").ok());
}

TEST(Progress, LineShowsRowsRateAndEta) {
  EXPECT_EQ(Progress::Line("stock", 51200, 100000, 12345.6, false),
            "stock            51,200 / 100,000      rows     12,345 rows/s  ETA 4s");
  EXPECT_NE(Progress::Line("item", 0, 10, 0, false).find("waiting"), std::string::npos);
  EXPECT_NE(Progress::Line("item", 10, 10, 5, true).find("done"), std::string::npos);
  EXPECT_NE(Progress::Line("item", 1, 100000, 1, false).find("ETA 27h46m"), std::string::npos);
}

}  // namespace
}  // namespace meridian::workload::tpcc
