#include "workload/tpcc/transaction_type.h"

namespace meridian::workload::tpcc {

double MaxTpmCPerWarehouse() {
  constexpr int kTerminalsPerWarehouse = 10;
  double seconds_per_deck = 0;
  for (const TxnTypeInfo& info : kTxnTypeInfo) {
    seconds_per_deck += info.deck_cards * (info.keying_seconds + info.think_mean_seconds);
  }
  const double new_orders_per_deck = Info(TxnType::kNewOrder).deck_cards;
  return kTerminalsPerWarehouse * new_orders_per_deck * 60.0 / seconds_per_deck;
}

}  // namespace meridian::workload::tpcc
