#include "workload/tpcc/deck.h"

#include <map>
#include <vector>

#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

TEST(Deck, HoldsTheMinimumMixWithNewOrderTheRest) {
  Deck deck;
  EXPECT_EQ(deck.size(), 100);
  EXPECT_EQ(deck.Count(TxnType::kNewOrder), 45);
  EXPECT_EQ(deck.Count(TxnType::kPayment), 43);
  EXPECT_EQ(deck.Count(TxnType::kOrderStatus), 4);
  EXPECT_EQ(deck.Count(TxnType::kDelivery), 4);
  EXPECT_EQ(deck.Count(TxnType::kStockLevel), 4);
  // Clause 5.2.3's minimums hold on one deck.
  for (TxnType t : kAllTxnTypes) {
    EXPECT_GE(deck.Count(t), Info(t).min_mix_percent * deck.size() / 100) << Info(t).name;
  }
}

TEST(Deck, EveryFullDeckDealsTheExactMixInAShuffledOrder) {
  Deck deck;
  TpccRandom rng(1);
  std::vector<std::vector<TxnType>> decks;
  for (int d = 0; d < 20; ++d) {
    std::vector<TxnType> dealt;
    std::map<TxnType, int> counts;
    for (int i = 0; i < deck.size(); ++i) {
      dealt.push_back(deck.Deal(rng));
      ++counts[dealt.back()];
    }
    for (TxnType t : kAllTxnTypes) EXPECT_EQ(counts[t], deck.Count(t)) << Info(t).name;
    decks.push_back(dealt);
  }
  // Shuffled: the decks do not all come out in one order.
  int same = 0;
  for (size_t i = 1; i < decks.size(); ++i) same += decks[i] == decks[0];
  EXPECT_LT(same, 19);
}

TEST(TxnTypes, TheMaximumThroughputPerWarehouse) {
  // 10 terminals x 45 New-Orders per deck x 60 s / (sum of keying + mean think time per
  // card over the deck: 45*30 + 43*15 + 4*12 + 4*7 + 4*7 = 2,099 s).
  EXPECT_NEAR(MaxTpmCPerWarehouse(), 12.86, 0.005);
}

}  // namespace
}  // namespace meridian::workload::tpcc
