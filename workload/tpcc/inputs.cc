#include "workload/tpcc/inputs.h"

#include "common/logging.h"

namespace meridian::workload::tpcc {

int InputGenerator::CustomerId(TpccRandom& rng) const {
  return static_cast<int>(rng.NURand(kCIdA, 1, scale_.customers, c_.c_id));
}

std::string InputGenerator::CustomerLastName(TpccRandom& rng) const {
  return LastName(static_cast<int>(rng.NURand(kCLastA, 0, scale_.LastNameMax(), c_.c_last)));
}

int InputGenerator::OtherWarehouse(TpccRandom& rng, int w) const {
  CHECK_GT(warehouses_, 1);
  const int other = static_cast<int>(rng.Uniform(1, warehouses_ - 1));
  return other >= w ? other + 1 : other;
}

NewOrderInput InputGenerator::NewOrder(TpccRandom& rng, const Terminal& t) const {
  NewOrderInput in;
  in.w = t.w;
  in.d = static_cast<int>(rng.Uniform(1, Scale::kDistrictsPerWarehouse));
  in.c = CustomerId(rng);
  const int ol_cnt = static_cast<int>(rng.Uniform(5, 15));
  in.rollback = rng.Uniform(1, 100) == 1;
  for (int n = 1; n <= ol_cnt; ++n) {
    NewOrderInput::Line line;
    line.i_id = in.rollback && n == ol_cnt
                    ? UnusedItem()
                    : static_cast<int>(rng.NURand(kOlIIdA, 1, scale_.items, c_.ol_i_id));
    // 99% from the home warehouse, 1% from another one (clause 2.4.1.5).
    line.supply_w = t.w;
    if (warehouses_ > 1 && rng.Uniform(1, 100) == 1) line.supply_w = OtherWarehouse(rng, t.w);
    line.quantity = static_cast<int>(rng.Uniform(1, 10));
    in.all_local &= line.supply_w == t.w;
    in.lines.push_back(line);
  }
  return in;
}

PaymentInput InputGenerator::Payment(TpccRandom& rng, const Terminal& t) const {
  PaymentInput in;
  in.w = t.w;
  in.d = static_cast<int>(rng.Uniform(1, Scale::kDistrictsPerWarehouse));
  // 85% at the home warehouse, 15% a customer of another one (clause 2.5.1.2).
  if (warehouses_ == 1 || rng.Uniform(1, 100) <= 85) {
    in.c_w = in.w;
    in.c_d = in.d;
  } else {
    in.c_d = static_cast<int>(rng.Uniform(1, Scale::kDistrictsPerWarehouse));
    in.c_w = OtherWarehouse(rng, t.w);
  }
  // 60% by last name, 40% by number.
  if (rng.Uniform(1, 100) <= 60) {
    in.c_last = CustomerLastName(rng);
  } else {
    in.c_id = CustomerId(rng);
  }
  in.amount_cents = rng.Uniform(100, 500000);  // H_AMOUNT: 1.00 .. 5,000.00
  return in;
}

OrderStatusInput InputGenerator::OrderStatus(TpccRandom& rng, const Terminal& t) const {
  OrderStatusInput in;
  in.w = t.w;
  in.d = static_cast<int>(rng.Uniform(1, Scale::kDistrictsPerWarehouse));
  if (rng.Uniform(1, 100) <= 60) {
    in.c_last = CustomerLastName(rng);
  } else {
    in.c_id = CustomerId(rng);
  }
  return in;
}

DeliveryInput InputGenerator::Delivery(TpccRandom& rng, const Terminal& t) const {
  return DeliveryInput{t.w, static_cast<int>(rng.Uniform(1, 10))};
}

StockLevelInput InputGenerator::StockLevel(TpccRandom& rng, const Terminal& t) const {
  return StockLevelInput{t.w, t.d, static_cast<int>(rng.Uniform(10, 20))};
}

}  // namespace meridian::workload::tpcc
