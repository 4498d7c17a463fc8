#include "workload/tpcc/scale.h"

#include "absl/strings/str_format.h"

namespace meridian::workload::tpcc {

absl::Status Scale::Validate() const {
  if (warehouses < 1 || warehouses > 100000) {
    return absl::InvalidArgumentError("--warehouses must be in 1..100000");
  }
  if (items < 1 || items > kSpecItems) {
    return absl::InvalidArgumentError(absl::StrFormat("--items must be in 1..%d", kSpecItems));
  }
  if (customers < 1 || customers > kSpecCustomers) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--customers (per district) must be in 1..%d", kSpecCustomers));
  }
  if (orders < 1 || orders > customers) {
    return absl::InvalidArgumentError(
        "--orders (per district) must be in 1..--customers: each order's customer is drawn "
        "from one permutation of the district's customers");
  }
  return absl::OkStatus();
}

std::string Scale::Describe() const {
  std::string w = absl::StrFormat("%d warehouse%s", warehouses, warehouses == 1 ? "" : "s");
  if (SpecSized()) return w + " (spec-sized)";
  return absl::StrFormat(
      "%s, NOT spec-sized: %d items, %d customers and %d orders per district (the spec: "
      "%d, %d, %d)",
      w, items, customers, orders, kSpecItems, kSpecCustomers, kSpecOrders);
}

}  // namespace meridian::workload::tpcc
