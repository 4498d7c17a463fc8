// Scale: how large a TPC-C database is. The specification fixes everything but the number
// of warehouses (clause 4.3.3.1: 100,000 items; per warehouse 10 districts; per district
// 3,000 customers and 3,000 orders, of which the last 900 are new). For tests, the items,
// customers per district and orders per district can be scaled down; such a database is
// NOT spec-sized, and the tool says so wherever it reports a result.
//
// Values that follow from the population rules scale with it: the initial W_YTD and D_YTD
// are the sum of the customers' initial payments (10.00 each: 300,000.00 and 30,000.00 at
// full size), so consistency conditions 3.3.2.8 and 3.3.2.9 hold at any scale; the last
// 30% of each district's orders are new (900 of 3,000), and the others are delivered.
//
// Thread-safety: a plain value.
#ifndef MERIDIAN_WORKLOAD_TPCC_SCALE_H_
#define MERIDIAN_WORKLOAD_TPCC_SCALE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace meridian::workload::tpcc {

struct Scale {
  static constexpr int kDistrictsPerWarehouse = 10;
  static constexpr int kSpecItems = 100000;
  static constexpr int kSpecCustomers = 3000;
  static constexpr int kSpecOrders = 3000;
  static constexpr int kSpecNewOrders = 900;
  static constexpr int64_t kInitialPaymentCents = 1000;  // H_AMOUNT, C_YTD_PAYMENT: 10.00

  int warehouses = 1;
  int items = kSpecItems;
  int customers = kSpecCustomers;  // per district
  int orders = kSpecOrders;        // per district

  // InvalidArgument naming the flag when a value is out of range: at least one of each,
  // at most the spec's figure for items, customers and orders, and no more orders than
  // customers (each order's customer comes from one permutation of the customers).
  absl::Status Validate() const;
  bool SpecSized() const {
    return items == kSpecItems && customers == kSpecCustomers && orders == kSpecOrders;
  }

  // New orders per district (the last 30% of the orders: 900 of 3,000).
  int NewOrders() const { return orders * kSpecNewOrders / kSpecOrders; }
  // The first undelivered order id of every district (2,101 at full size).
  int FirstNewOrder() const { return orders - NewOrders() + 1; }
  // The last name numbers customers can have: [0 .. LastNameMax()] (999 at full size;
  // fewer when fewer than 1,000 customers per district get the iterated names).
  int LastNameMax() const { return customers < 1000 ? customers - 1 : 999; }

  int64_t WarehouseYtdCents() const {
    return int64_t{kDistrictsPerWarehouse} * customers * kInitialPaymentCents;
  }
  int64_t DistrictYtdCents() const { return int64_t{customers} * kInitialPaymentCents; }

  // "1 warehouse (spec-sized)" or "2 warehouses, NOT spec-sized: 1000 items, ...".
  std::string Describe() const;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_SCALE_H_
