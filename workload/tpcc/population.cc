#include "workload/tpcc/population.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace meridian::workload::tpcc {
namespace {

std::string Int(int64_t v) { return absl::StrCat(v); }

// The spec's address: street 1 and 2, city (a-strings [10 .. 20]), state, zip.
void AppendAddress(TpccRandom& rng, Row* row) {
  row->push_back(rng.AString(10, 20));
  row->push_back(rng.AString(10, 20));
  row->push_back(rng.AString(10, 20));
  row->push_back(rng.State());
  row->push_back(rng.Zip());
}

}  // namespace

std::string FormatCents(int64_t cents) {
  const uint64_t magnitude = static_cast<uint64_t>(cents < 0 ? -cents : cents);
  return absl::StrFormat("%s%d.%02d", cents < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

std::string FormatRate(int64_t ten_thousandths) {
  const uint64_t magnitude =
      static_cast<uint64_t>(ten_thousandths < 0 ? -ten_thousandths : ten_thousandths);
  return absl::StrFormat("%s%d.%04d", ten_thousandths < 0 ? "-" : "", magnitude / 10000,
                         magnitude % 10000);
}

Population::Population(const Scale& scale, const NURandConstants& load, std::string now)
    : scale_(scale), load_(load), now_(std::move(now)) {}

absl::Status Population::Items(TpccRandom& rng, int first, int last, const RowSink& sink) const {
  for (int i = first; i <= last; ++i) {
    Row row;
    row.reserve(5);
    row.push_back(Int(i));                                         // I_ID
    row.push_back(Int(rng.Uniform(1, 10000)));                     // I_IM_ID
    row.push_back(rng.AString(14, 24));                            // I_NAME
    row.push_back(FormatCents(rng.Uniform(100, 10000)));           // I_PRICE 1.00 .. 100.00
    row.push_back(rng.DataWithOriginal(26, 50, rng.Percent(10)));  // I_DATA
    RETURN_IF_ERROR(sink(Table::kItem, std::move(row)));
  }
  return absl::OkStatus();
}

absl::Status Population::WarehouseAndDistricts(TpccRandom& rng, int w, const RowSink& sink) const {
  Row wh;
  wh.push_back(Int(w));                                   // W_ID
  wh.push_back(rng.AString(6, 10));                       // W_NAME
  AppendAddress(rng, &wh);                                // W_STREET_1 .. W_ZIP
  wh.push_back(FormatRate(rng.Uniform(0, 2000)));         // W_TAX 0.0000 .. 0.2000
  wh.push_back(FormatCents(scale_.WarehouseYtdCents()));  // W_YTD (300,000.00)
  RETURN_IF_ERROR(sink(Table::kWarehouse, std::move(wh)));
  for (int d = 1; d <= Scale::kDistrictsPerWarehouse; ++d) {
    Row row;
    row.push_back(Int(d));              // D_ID
    row.push_back(Int(w));              // D_W_ID
    row.push_back(rng.AString(6, 10));  // D_NAME
    AppendAddress(rng, &row);
    row.push_back(FormatRate(rng.Uniform(0, 2000)));        // D_TAX
    row.push_back(FormatCents(scale_.DistrictYtdCents()));  // D_YTD (30,000.00)
    row.push_back(Int(scale_.orders + 1));                  // D_NEXT_O_ID (3,001)
    RETURN_IF_ERROR(sink(Table::kDistrict, std::move(row)));
  }
  return absl::OkStatus();
}

absl::Status Population::Stock(TpccRandom& rng, int w, int first, int last,
                               const RowSink& sink) const {
  for (int i = first; i <= last; ++i) {
    Row row;
    row.reserve(17);
    row.push_back(Int(i));                                            // S_I_ID
    row.push_back(Int(w));                                            // S_W_ID
    row.push_back(Int(rng.Uniform(10, 100)));                         // S_QUANTITY
    for (int d = 0; d < 10; ++d) row.push_back(rng.AString(24, 24));  // S_DIST_01 .. 10
    row.push_back("0");                                               // S_YTD
    row.push_back("0");                                               // S_ORDER_CNT
    row.push_back("0");                                               // S_REMOTE_CNT
    row.push_back(rng.DataWithOriginal(26, 50, rng.Percent(10)));     // S_DATA
    RETURN_IF_ERROR(sink(Table::kStock, std::move(row)));
  }
  return absl::OkStatus();
}

absl::Status Population::Customers(TpccRandom& rng, int w, int d, const RowSink& sink) const {
  for (int c = 1; c <= scale_.customers; ++c) {
    // The first 1,000 customers iterate through the names; the rest are drawn with NURand.
    const int name =
        c <= 1000 ? c - 1
                  : static_cast<int>(rng.NURand(kCLastA, 0, scale_.LastNameMax(), load_.c_last));
    Row row;
    row.reserve(21);
    row.push_back(Int(c));                                     // C_ID
    row.push_back(Int(d));                                     // C_D_ID
    row.push_back(Int(w));                                     // C_W_ID
    row.push_back(rng.AString(8, 16));                         // C_FIRST
    row.push_back("OE");                                       // C_MIDDLE
    row.push_back(LastName(name));                             // C_LAST
    AppendAddress(rng, &row);                                  // C_STREET_1 .. C_ZIP
    row.push_back(rng.NString(16, 16));                        // C_PHONE
    row.push_back(now_);                                       // C_SINCE
    row.push_back(rng.Percent(10) ? "BC" : "GC");              // C_CREDIT
    row.push_back("50000.00");                                 // C_CREDIT_LIM
    row.push_back(FormatRate(rng.Uniform(0, 5000)));           // C_DISCOUNT 0.0000 .. 0.5000
    row.push_back(FormatCents(-Scale::kInitialPaymentCents));  // C_BALANCE -10.00
    row.push_back(FormatCents(Scale::kInitialPaymentCents));   // C_YTD_PAYMENT 10.00
    row.push_back("1");                                        // C_PAYMENT_CNT
    row.push_back("0");                                        // C_DELIVERY_CNT
    row.push_back(rng.AString(300, 500));                      // C_DATA
    RETURN_IF_ERROR(sink(Table::kCustomer, std::move(row)));

    Row h;
    h.reserve(8);
    h.push_back(Int(c));                                    // H_C_ID
    h.push_back(Int(d));                                    // H_C_D_ID
    h.push_back(Int(w));                                    // H_C_W_ID
    h.push_back(Int(d));                                    // H_D_ID
    h.push_back(Int(w));                                    // H_W_ID
    h.push_back(now_);                                      // H_DATE
    h.push_back(FormatCents(Scale::kInitialPaymentCents));  // H_AMOUNT
    h.push_back(rng.AString(12, 24));                       // H_DATA
    RETURN_IF_ERROR(sink(Table::kHistory, std::move(h)));
  }
  return absl::OkStatus();
}

absl::Status Population::Orders(TpccRandom& rng, int w, int d, const RowSink& sink) const {
  const std::vector<int> customers = rng.Permutation(scale_.customers);
  const int first_new = scale_.FirstNewOrder();
  for (int o = 1; o <= scale_.orders; ++o) {
    const bool delivered = o < first_new;
    const int64_t ol_cnt = rng.Uniform(5, 15);
    Row row;
    row.reserve(8);
    row.push_back(Int(o));                                                     // O_ID
    row.push_back(Int(d));                                                     // O_D_ID
    row.push_back(Int(w));                                                     // O_W_ID
    row.push_back(Int(customers[static_cast<size_t>(o - 1)]));                 // O_C_ID
    row.push_back(now_);                                                       // O_ENTRY_D
    row.push_back(delivered ? Field(Int(rng.Uniform(1, 10))) : std::nullopt);  // O_CARRIER_ID
    row.push_back(Int(ol_cnt));                                                // O_OL_CNT
    row.push_back("1");                                                        // O_ALL_LOCAL
    RETURN_IF_ERROR(sink(Table::kOrders, std::move(row)));
    for (int64_t n = 1; n <= ol_cnt; ++n) {
      Row line;
      line.reserve(10);
      line.push_back(Int(o));                                               // OL_O_ID
      line.push_back(Int(d));                                               // OL_D_ID
      line.push_back(Int(w));                                               // OL_W_ID
      line.push_back(Int(n));                                               // OL_NUMBER
      line.push_back(Int(rng.Uniform(1, scale_.items)));                    // OL_I_ID
      line.push_back(Int(w));                                               // OL_SUPPLY_W_ID
      line.push_back(delivered ? Field(now_) : std::nullopt);               // OL_DELIVERY_D
      line.push_back("5");                                                  // OL_QUANTITY
      line.push_back(FormatCents(delivered ? 0 : rng.Uniform(1, 999999)));  // OL_AMOUNT
      line.push_back(rng.AString(24, 24));                                  // OL_DIST_INFO
      RETURN_IF_ERROR(sink(Table::kOrderLine, std::move(line)));
    }
    if (!delivered) {
      RETURN_IF_ERROR(sink(Table::kNewOrder, Row{Int(o), Int(d), Int(w)}));
    }
  }
  return absl::OkStatus();
}

}  // namespace meridian::workload::tpcc
