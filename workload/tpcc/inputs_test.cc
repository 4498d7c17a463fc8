#include "workload/tpcc/inputs.h"

#include <set>

#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

Scale Small() { return Scale{.warehouses = 4, .items = 1000, .customers = 300, .orders = 300}; }

TEST(InputGenerator, NewOrderRatesFollowClause241) {
  const Scale scale = Small();
  TpccRandom rng(11);
  const InputGenerator gen(scale, 4, NURandConstants{.c_last = 10, .c_id = 20, .ol_i_id = 30});
  const int n = 100000;
  int64_t rollbacks = 0, lines = 0, remote = 0;
  for (int i = 0; i < n; ++i) {
    const NewOrderInput in = gen.NewOrder(rng, Terminal{2, 3});
    ASSERT_EQ(in.w, 2);
    ASSERT_GE(in.d, 1);
    ASSERT_LE(in.d, 10);
    ASSERT_GE(in.c, 1);
    ASSERT_LE(in.c, scale.customers);
    ASSERT_GE(in.lines.size(), 5u);
    ASSERT_LE(in.lines.size(), 15u);
    bool all_local = true;
    for (size_t k = 0; k < in.lines.size(); ++k) {
      const auto& line = in.lines[k];
      const bool unused = in.rollback && k + 1 == in.lines.size();
      if (unused) {
        EXPECT_EQ(line.i_id, gen.UnusedItem());
      } else {
        ASSERT_GE(line.i_id, 1);
        ASSERT_LE(line.i_id, scale.items);
      }
      ASSERT_GE(line.quantity, 1);
      ASSERT_LE(line.quantity, 10);
      ASSERT_GE(line.supply_w, 1);
      ASSERT_LE(line.supply_w, 4);
      all_local &= line.supply_w == 2;
      remote += line.supply_w != 2;
    }
    EXPECT_EQ(in.all_local, all_local);
    lines += static_cast<int64_t>(in.lines.size());
    rollbacks += in.rollback;
  }
  EXPECT_NEAR(100.0 * rollbacks / n, 1.0, 0.15);
  EXPECT_NEAR(100.0 * remote / lines, 1.0, 0.1);
  EXPECT_NEAR(static_cast<double>(lines) / n, 10.0, 0.05);
}

TEST(InputGenerator, PaymentAndOrderStatusRatesFollowClauses2512And2612) {
  const Scale scale = Small();
  TpccRandom rng(12);
  const InputGenerator gen(scale, 4, NURandConstants{.c_last = 100, .c_id = 20, .ol_i_id = 30});
  const int n = 100000;
  int remote = 0, by_name = 0, os_by_name = 0;
  for (int i = 0; i < n; ++i) {
    const PaymentInput p = gen.Payment(rng, Terminal{1, 1});
    ASSERT_EQ(p.w, 1);
    if (p.remote()) {
      ASSERT_NE(p.c_w, 1);
      ++remote;
    } else {
      ASSERT_EQ(p.c_d, p.d);
    }
    ASSERT_GE(p.amount_cents, 100);
    ASSERT_LE(p.amount_cents, 500000);
    if (p.by_name()) {
      ++by_name;
      ASSERT_FALSE(p.c_last.empty());
    }
    os_by_name += gen.OrderStatus(rng, Terminal{1, 1}).by_name();
  }
  EXPECT_NEAR(100.0 * remote / n, 15.0, 0.5);
  EXPECT_NEAR(100.0 * by_name / n, 60.0, 0.6);
  EXPECT_NEAR(100.0 * os_by_name / n, 60.0, 0.6);
}

TEST(InputGenerator, OneWarehouseHasNothingRemote) {
  const Scale scale{.warehouses = 1, .items = 1000, .customers = 300, .orders = 300};
  TpccRandom rng(13);
  const InputGenerator gen(scale, 1, NURandConstants{});
  for (int i = 0; i < 5000; ++i) {
    for (const auto& line : gen.NewOrder(rng, Terminal{1, 1}).lines) ASSERT_EQ(line.supply_w, 1);
    ASSERT_FALSE(gen.Payment(rng, Terminal{1, 1}).remote());
  }
}

TEST(InputGenerator, LastNamesComeFromTheLoadedRange) {
  // With 30 customers per district only names 0..29 exist; the run must draw among them.
  const Scale scale{.warehouses = 1, .items = 100, .customers = 30, .orders = 30};
  TpccRandom rng(14);
  const InputGenerator gen(scale, 1, NURandConstants{.c_last = 200});
  std::set<std::string> loaded;
  for (int i = 0; i < 30; ++i) loaded.insert(LastName(i));
  for (int i = 0; i < 5000; ++i) {
    const OrderStatusInput in = gen.OrderStatus(rng, Terminal{1, 1});
    if (in.by_name()) {
      ASSERT_TRUE(loaded.count(in.c_last)) << in.c_last;
    }
  }
}

TEST(InputGenerator, StockLevelUsesTheTerminalsDistrictAndDeliveryACarrier) {
  TpccRandom rng(15);
  const InputGenerator gen(Small(), 4, NURandConstants{});
  for (int i = 0; i < 1000; ++i) {
    const StockLevelInput s = gen.StockLevel(rng, Terminal{3, 7});
    ASSERT_EQ(s.w, 3);
    ASSERT_EQ(s.d, 7);
    ASSERT_GE(s.threshold, 10);
    ASSERT_LE(s.threshold, 20);
    const DeliveryInput d = gen.Delivery(rng, Terminal{3, 7});
    ASSERT_EQ(d.w, 3);
    ASSERT_GE(d.carrier, 1);
    ASSERT_LE(d.carrier, 10);
  }
}

}  // namespace
}  // namespace meridian::workload::tpcc
