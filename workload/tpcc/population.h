// Population: the rows of the initial database, generated as clause 4.3.3.1 prescribes,
// in the text form that COPY and the wire protocol carry (a field is its text, NULL is
// std::nullopt), in each table's column order (schema.h).
//
// Each generator takes the random source to draw from, so the loader can give every unit
// of work (a range of items, one district's customers, ...) its own seeded TpccRandom and
// load units in parallel, in any order, with a reproducible result.
//
// What the rows satisfy (tested in population_test):
//   - ITEM and STOCK: I_DATA / S_DATA hold "ORIGINAL" in about 10% of rows;
//   - CUSTOMER: customer c <= 1000 has last name LastName(c - 1), the others
//     LastName(NURand(255, 0, 999)) with the load's C; "BC" credit for about 10%;
//     balance -10.00 and one 10.00 payment, which HISTORY records;
//   - ORDERS: O_C_ID runs through a permutation of the customers; orders before the first
//     new order (2,101) are delivered: they have a carrier, their lines a delivery date and
//     a zero amount; the others are in NEW_ORDER;
//   - W_YTD and D_YTD equal the sum of the history amounts (Scale).
//
// Thread-safety: a Population is immutable after construction; its methods may be called
// from several threads, each with its own TpccRandom.
#ifndef MERIDIAN_WORKLOAD_TPCC_POPULATION_H_
#define MERIDIAN_WORKLOAD_TPCC_POPULATION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "workload/tpcc/nurand_constants.h"
#include "workload/tpcc/random.h"
#include "workload/tpcc/scale.h"
#include "workload/tpcc/schema.h"

namespace meridian::workload::tpcc {

using Field = std::optional<std::string>;
using Row = std::vector<Field>;

// Receives generated rows. Returning an error stops the generator, which returns it.
using RowSink = std::function<absl::Status(Table table, Row row)>;

// 12345 cents -> "123.45"; -1000 -> "-10.00".
std::string FormatCents(int64_t cents);
// A rate in ten-thousandths: 1234 -> "0.1234".
std::string FormatRate(int64_t ten_thousandths);

class Population {
 public:
  // `now` is the text of the load time (C_SINCE, H_DATE, O_ENTRY_D, OL_DELIVERY_D: "the
  // current date and time" when the population is generated).
  Population(const Scale& scale, const NURandConstants& load, std::string now);

  const Scale& scale() const { return scale_; }

  // Items first..last (I_ID).
  absl::Status Items(TpccRandom& rng, int first, int last, const RowSink& sink) const;
  // Warehouse w and its ten districts.
  absl::Status WarehouseAndDistricts(TpccRandom& rng, int w, const RowSink& sink) const;
  // Stock of warehouse w for items first..last.
  absl::Status Stock(TpccRandom& rng, int w, int first, int last, const RowSink& sink) const;
  // District (w, d)'s customers and their history rows.
  absl::Status Customers(TpccRandom& rng, int w, int d, const RowSink& sink) const;
  // District (w, d)'s orders, their order lines, and the new orders.
  absl::Status Orders(TpccRandom& rng, int w, int d, const RowSink& sink) const;

 private:
  Scale scale_;
  NURandConstants load_;
  std::string now_;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_POPULATION_H_
