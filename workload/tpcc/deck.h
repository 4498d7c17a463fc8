// Deck: the transaction mix of one terminal, chosen by the card-deck method of clause
// 5.2.4.2: a deck holding each type in its share is shuffled, dealt one card per
// transaction without replacement, and shuffled again when it runs out. Over every full
// deck the mix is exact, so the minimum percentages of clause 5.2.3 hold over any interval
// much longer than one deck, which random draws with replacement would only approach.
//
// The deck holds 100 cards: 43 Payment, 4 Order-Status, 4 Delivery and 4 Stock-Level (the
// minimum shares of clause 5.2.3) and New-Order the remaining 45, the largest New-Order
// share the minimums allow; the 12.86 tpmC-per-warehouse ceiling assumes it.
//
// Thread-safety: a Deck belongs to one terminal, used by one thread at a time.
#ifndef MERIDIAN_WORKLOAD_TPCC_DECK_H_
#define MERIDIAN_WORKLOAD_TPCC_DECK_H_

#include <vector>

#include "workload/tpcc/random.h"
#include "workload/tpcc/transaction_type.h"

namespace meridian::workload::tpcc {

class Deck {
 public:
  // The standard deck (TxnTypeInfo::deck_cards of each type).
  Deck();

  // The next card; shuffles a fresh deck (with `rng`) when the last one is used up.
  TxnType Deal(TpccRandom& rng);

  // Cards in a full deck, and how many of them are `type`.
  int size() const { return static_cast<int>(cards_.size()); }
  int Count(TxnType type) const;

 private:
  std::vector<TxnType> cards_;
  int next_ = 0;  // cards_[next_..] are still to be dealt; size() means "shuffle first"
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_DECK_H_
