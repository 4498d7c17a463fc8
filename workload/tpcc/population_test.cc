#include "workload/tpcc/population.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

constexpr char kNow[] = "2024-01-02 03:04:05";

// Collects generated rows per table.
struct Collected {
  std::map<Table, std::vector<Row>> rows;
  RowSink Sink() {
    return [this](Table t, Row row) {
      EXPECT_EQ(static_cast<int>(row.size()), ColumnCount(t)) << TableName(t);
      rows[t].push_back(std::move(row));
      return absl::OkStatus();
    };
  }
};

int64_t Cents(const Field& f) {
  EXPECT_TRUE(f.has_value());
  double d = 0;
  EXPECT_TRUE(absl::SimpleAtod(*f, &d)) << *f;
  return static_cast<int64_t>(d * 100 + (d < 0 ? -0.5 : 0.5));
}

int Int(const Field& f) {
  int v = 0;
  EXPECT_TRUE(f.has_value() && absl::SimpleAtoi(*f, &v));
  return v;
}

TEST(Format, CentsAndRates) {
  EXPECT_EQ(FormatCents(12345), "123.45");
  EXPECT_EQ(FormatCents(-1000), "-10.00");
  EXPECT_EQ(FormatCents(5), "0.05");
  EXPECT_EQ(FormatCents(-5), "-0.05");
  EXPECT_EQ(FormatRate(1234), "0.1234");
  EXPECT_EQ(FormatRate(2000), "0.2000");
  EXPECT_EQ(FormatRate(7), "0.0007");
}

TEST(Population, ItemsAndStockHoldOriginalInAboutTenPercent) {
  Scale scale;
  Population pop(scale, NURandConstants{}, kNow);
  TpccRandom rng(1);
  Collected c;
  ASSERT_TRUE(pop.Items(rng, 1, 20000, c.Sink()).ok());
  ASSERT_TRUE(pop.Stock(rng, 3, 1, 20000, c.Sink()).ok());
  int item_original = 0, stock_original = 0;
  for (const Row& r : c.rows[Table::kItem]) {
    item_original += r[4]->find(kOriginal) != std::string::npos;
    const int64_t price = Cents(r[3]);
    ASSERT_GE(price, 100);
    ASSERT_LE(price, 10000);
  }
  for (const Row& r : c.rows[Table::kStock]) {
    stock_original += r[16]->find(kOriginal) != std::string::npos;
    EXPECT_EQ(Int(r[1]), 3);
    const int q = Int(r[2]);
    ASSERT_GE(q, 10);
    ASSERT_LE(q, 100);
    for (int d = 3; d < 13; ++d) ASSERT_EQ(r[d]->size(), 24u);
  }
  // 10% of 20,000: 2,000, with a standard deviation of about 42.
  EXPECT_NEAR(item_original, 2000, 200);
  EXPECT_NEAR(stock_original, 2000, 200);
  EXPECT_EQ(Int(c.rows[Table::kItem].front()[0]), 1);
  EXPECT_EQ(Int(c.rows[Table::kItem].back()[0]), 20000);
}

TEST(Population, CustomersFollowClause4331) {
  Scale scale;  // 3,000 customers per district: names iterate, then NURand
  NURandConstants load{.c_last = 173, .c_id = 0, .ol_i_id = 0};
  Population pop(scale, load, kNow);
  TpccRandom rng(2);
  Collected c;
  ASSERT_TRUE(pop.Customers(rng, 2, 7, c.Sink()).ok());
  const auto& customers = c.rows[Table::kCustomer];
  const auto& history = c.rows[Table::kHistory];
  ASSERT_EQ(customers.size(), 3000u);
  ASSERT_EQ(history.size(), 3000u);
  int bad_credit = 0;
  std::set<std::string> nurand_names;
  for (int i = 0; i < 3000; ++i) {
    const Row& r = customers[static_cast<size_t>(i)];
    EXPECT_EQ(Int(r[0]), i + 1);
    EXPECT_EQ(Int(r[1]), 7);
    EXPECT_EQ(Int(r[2]), 2);
    EXPECT_EQ(*r[4], "OE");
    if (i < 1000) {
      EXPECT_EQ(*r[5], LastName(i));
    } else {
      nurand_names.insert(*r[5]);
    }
    bad_credit += *r[13] == "BC";
    EXPECT_EQ(Cents(r[16]), -1000);  // C_BALANCE
    EXPECT_EQ(Cents(r[17]), 1000);   // C_YTD_PAYMENT
    EXPECT_EQ(Int(r[18]), 1);        // C_PAYMENT_CNT
    EXPECT_EQ(Int(r[19]), 0);        // C_DELIVERY_CNT
    EXPECT_GE(r[20]->size(), 300u);
    EXPECT_LE(r[20]->size(), 500u);
    const Row& h = history[static_cast<size_t>(i)];
    EXPECT_EQ(Int(h[0]), i + 1);
    EXPECT_EQ(Cents(h[6]), 1000);
  }
  EXPECT_NEAR(bad_credit, 300, 60);
  // NURand names are skewed: 2,000 draws hit far fewer than 1,000 distinct names.
  EXPECT_LT(nurand_names.size(), 900u);
}

TEST(Population, ScaledDownCustomersGetOnlyNamesThatExist) {
  Scale scale{.warehouses = 1, .items = 100, .customers = 30, .orders = 30};
  ASSERT_TRUE(scale.Validate().ok());
  EXPECT_FALSE(scale.SpecSized());
  EXPECT_EQ(scale.LastNameMax(), 29);
  Population pop(scale, NURandConstants{}, kNow);
  TpccRandom rng(3);
  Collected c;
  ASSERT_TRUE(pop.Customers(rng, 1, 1, c.Sink()).ok());
  ASSERT_EQ(c.rows[Table::kCustomer].size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(*c.rows[Table::kCustomer][i][5], LastName(i));
}

TEST(Population, OrdersDeliveredBeforeTheFirstNewOrder) {
  Scale scale;
  Population pop(scale, NURandConstants{}, kNow);
  TpccRandom rng(4);
  Collected c;
  ASSERT_TRUE(pop.Orders(rng, 1, 3, c.Sink()).ok());
  const auto& orders = c.rows[Table::kOrders];
  const auto& lines = c.rows[Table::kOrderLine];
  const auto& new_orders = c.rows[Table::kNewOrder];
  ASSERT_EQ(orders.size(), 3000u);
  ASSERT_EQ(new_orders.size(), 900u);
  EXPECT_EQ(Int(new_orders.front()[0]), 2101);
  EXPECT_EQ(Int(new_orders.back()[0]), 3000);
  std::set<int> customers;
  std::map<int, int> line_count;
  for (const Row& l : lines) {
    const int o = Int(l[0]);
    ++line_count[o];
    EXPECT_EQ(Int(l[3]), line_count[o]);  // OL_NUMBER runs 1..O_OL_CNT
    if (o < 2101) {
      EXPECT_EQ(*l[6], kNow);
      EXPECT_EQ(Cents(l[8]), 0);
    } else {
      EXPECT_FALSE(l[6].has_value());
      EXPECT_GE(Cents(l[8]), 1);
      EXPECT_LE(Cents(l[8]), 999999);
    }
  }
  int64_t ol_total = 0;
  for (const Row& o : orders) {
    const int id = Int(o[0]);
    customers.insert(Int(o[3]));
    EXPECT_EQ(o[5].has_value(), id < 2101) << id;  // O_CARRIER_ID
    const int cnt = Int(o[6]);
    EXPECT_GE(cnt, 5);
    EXPECT_LE(cnt, 15);
    EXPECT_EQ(line_count[id], cnt);
    ol_total += cnt;
  }
  EXPECT_EQ(customers.size(), 3000u);  // a permutation
  EXPECT_EQ(static_cast<int64_t>(lines.size()), ol_total);
}

TEST(Population, YtdsEqualTheHistory) {
  Scale scale{.warehouses = 1, .items = 10, .customers = 20, .orders = 20};
  Population pop(scale, NURandConstants{}, kNow);
  TpccRandom rng(5);
  Collected c;
  ASSERT_TRUE(pop.WarehouseAndDistricts(rng, 1, c.Sink()).ok());
  for (int d = 1; d <= 10; ++d) ASSERT_TRUE(pop.Customers(rng, 1, d, c.Sink()).ok());
  int64_t history = 0;
  std::map<int, int64_t> by_district;
  for (const Row& h : c.rows[Table::kHistory]) {
    history += Cents(h[6]);
    by_district[Int(h[3])] += Cents(h[6]);
  }
  ASSERT_EQ(c.rows[Table::kWarehouse].size(), 1u);
  EXPECT_EQ(Cents(c.rows[Table::kWarehouse][0][8]), history);  // 3.3.2.8
  ASSERT_EQ(c.rows[Table::kDistrict].size(), 10u);
  for (const Row& d : c.rows[Table::kDistrict]) {
    EXPECT_EQ(Cents(d[9]), by_district[Int(d[0])]);  // 3.3.2.9
    EXPECT_EQ(Int(d[10]), 21);                       // D_NEXT_O_ID
  }
  // At full size the spec's figures.
  EXPECT_EQ(Scale{}.WarehouseYtdCents(), 30000000);
  EXPECT_EQ(Scale{}.DistrictYtdCents(), 3000000);
}

TEST(Scale, ValidateNamesTheFlag) {
  EXPECT_TRUE(Scale{}.Validate().ok());
  EXPECT_TRUE(Scale{}.SpecSized());
  EXPECT_NE(Scale{.warehouses = 0}.Validate().message().find("--warehouses"), std::string::npos);
  EXPECT_NE(Scale{.items = 0}.Validate().message().find("--items"), std::string::npos);
  EXPECT_NE((Scale{.customers = 10, .orders = 20}).Validate().message().find("--orders"),
            std::string::npos);
  EXPECT_EQ(Scale{}.FirstNewOrder(), 2101);
  EXPECT_EQ((Scale{.customers = 100, .orders = 100}).FirstNewOrder(), 71);
}

}  // namespace
}  // namespace meridian::workload::tpcc
