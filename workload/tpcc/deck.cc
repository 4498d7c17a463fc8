#include "workload/tpcc/deck.h"

#include <algorithm>

namespace meridian::workload::tpcc {

Deck::Deck() {
  for (TxnType type : kAllTxnTypes) {
    cards_.insert(cards_.end(), Info(type).deck_cards, type);
  }
  next_ = size();
}

TxnType Deck::Deal(TpccRandom& rng) {
  if (next_ == size()) {
    for (int i = size() - 1; i > 0; --i) {
      std::swap(cards_[static_cast<size_t>(i)], cards_[static_cast<size_t>(rng.Uniform(0, i))]);
    }
    next_ = 0;
  }
  return cards_[static_cast<size_t>(next_++)];
}

int Deck::Count(TxnType type) const {
  return static_cast<int>(std::count(cards_.begin(), cards_.end(), type));
}

}  // namespace meridian::workload::tpcc
