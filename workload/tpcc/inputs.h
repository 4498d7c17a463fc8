// Inputs: what a terminal enters for each transaction, drawn as clause 2 prescribes
// (2.4.1 New-Order, 2.5.1 Payment, 2.6.1 Order-Status, 2.7.1 Delivery, 2.8.1
// Stock-Level). Generating the inputs apart from running them lets the tests check the
// input rates (1% rollbacks, 1% remote order lines, 15% remote payments, 60% of payments
// and order-status lookups by last name) against the spec without a database.
//
// With one warehouse there is no other warehouse to make a line or a payment remote, so
// none is (the clause's own provision).
//
// Thread-safety: an InputGenerator is immutable; each terminal passes its own TpccRandom.
#ifndef MERIDIAN_WORKLOAD_TPCC_INPUTS_H_
#define MERIDIAN_WORKLOAD_TPCC_INPUTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workload/tpcc/nurand_constants.h"
#include "workload/tpcc/random.h"
#include "workload/tpcc/scale.h"

namespace meridian::workload::tpcc {

// A terminal: its home warehouse, and its own district (Stock-Level's, clause 2.8.1.1).
struct Terminal {
  int w = 1;
  int d = 1;
};

struct NewOrderInput {
  struct Line {
    int i_id;
    int supply_w;
    int quantity;
  };
  int w, d, c;
  std::vector<Line> lines;
  bool rollback = false;  // the last line's item is unused (clause 2.4.1.4)
  bool all_local = true;
};

struct PaymentInput {
  int w, d;      // the warehouse and district paid at (the terminal's home warehouse)
  int c_w, c_d;  // the customer's (remote in 15% of payments)
  std::optional<int> c_id;
  std::string c_last;  // when by last name
  int64_t amount_cents;
  bool remote() const { return c_w != w; }
  bool by_name() const { return !c_id.has_value(); }
};

struct OrderStatusInput {
  int w, d;
  std::optional<int> c_id;
  std::string c_last;
  bool by_name() const { return !c_id.has_value(); }
};

struct DeliveryInput {
  int w;
  int carrier;
};

struct StockLevelInput {
  int w, d;
  int threshold;
};

class InputGenerator {
 public:
  // `warehouses`: the warehouses the run uses (remote warehouses are drawn among them).
  InputGenerator(const Scale& scale, int warehouses, const NURandConstants& run)
      : scale_(scale), warehouses_(warehouses), c_(run) {}

  NewOrderInput NewOrder(TpccRandom& rng, const Terminal& t) const;
  PaymentInput Payment(TpccRandom& rng, const Terminal& t) const;
  OrderStatusInput OrderStatus(TpccRandom& rng, const Terminal& t) const;
  DeliveryInput Delivery(TpccRandom& rng, const Terminal& t) const;
  StockLevelInput StockLevel(TpccRandom& rng, const Terminal& t) const;

  // The item number New-Order uses for its rollback: one no item has.
  int UnusedItem() const { return scale_.items + 1; }

 private:
  int CustomerId(TpccRandom& rng) const;
  std::string CustomerLastName(TpccRandom& rng) const;
  // A warehouse other than `w`, uniformly. REQUIRES: warehouses_ > 1.
  int OtherWarehouse(TpccRandom& rng, int w) const;

  Scale scale_;
  int warehouses_;
  NURandConstants c_;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_INPUTS_H_
