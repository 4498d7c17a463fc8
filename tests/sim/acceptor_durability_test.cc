#include "tests/sim/acceptor_durability.h"

#include <map>
#include <vector>

#include "gtest/gtest.h"

namespace meridian::sim {
namespace {

proto::Ballot B(uint64_t round, uint64_t node) {
  proto::Ballot b;
  b.set_round(round);
  b.set_node(node);
  return b;
}

proto::PaxosMessage Msg(proto::PaxosMessage::Type type, uint64_t from, proto::Ballot ballot,
                        std::vector<uint64_t> accepted = {}) {
  proto::PaxosMessage m;
  m.set_type(type);
  m.set_group(7);
  m.set_from(from);
  m.set_to(1);
  *m.mutable_ballot() = ballot;
  for (uint64_t s : accepted) m.add_accepted_slots(s);
  return m;
}

storage::paxos::PersistedPaxosState State(proto::Ballot promised, uint64_t log_start,
                                          std::map<uint64_t, proto::Ballot> entries) {
  storage::paxos::PersistedPaxosState st;
  st.empty = false;
  *st.hard_state.mutable_promised() = promised;
  st.hard_state.set_log_start(log_start);
  for (const auto& [slot, ballot] : entries) {
    proto::Entry e;
    e.set_slot(slot);
    *e.mutable_ballot() = ballot;
    st.entries.push_back(e);
  }
  return st;
}

TEST(AcceptorDurabilityTest, APromiseMustSurvive) {
  AcceptorDurability d;
  d.OnSend(Msg(proto::PaxosMessage::PROMISE, 2, B(3, 1)));
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(3, 1), 1, {})).ok());
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(4, 3), 1, {})).ok());
  absl::Status lost = d.CheckRecovered(2, 7, State(B(2, 3), 1, {}));
  EXPECT_EQ(lost.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(lost.message().find("promised 3.1"), std::string::npos) << lost;
  EXPECT_FALSE(d.CheckRecovered(2, 7, storage::paxos::PersistedPaxosState{}).ok());
  // Other nodes and groups told nothing.
  EXPECT_TRUE(d.CheckRecovered(3, 7, storage::paxos::PersistedPaxosState{}).ok());
  EXPECT_TRUE(d.CheckRecovered(2, 8, storage::paxos::PersistedPaxosState{}).ok());
}

TEST(AcceptorDurabilityTest, AnAcknowledgedSlotMustSurviveUnlessCompacted) {
  AcceptorDurability d;
  d.OnSend(Msg(proto::PaxosMessage::ACCEPTED, 2, B(3, 1), {4, 5}));
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(3, 1), 1, {{4, B(3, 1)}, {5, B(3, 1)}})).ok());
  // Overwritten at a higher ballot since: fine.
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(4, 2), 1, {{5, B(4, 2)}})).ok());
  // In the snapshot now.
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(3, 1), 6, {})).ok());
  // Lost, or only an older value left.
  EXPECT_EQ(d.CheckRecovered(2, 7, State(B(3, 1), 1, {{4, B(3, 1)}})).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(d.CheckRecovered(2, 7, State(B(3, 1), 1, {{5, B(2, 3)}})).code(),
            absl::StatusCode::kDataLoss);
  // ACCEPTED also implies the promise.
  EXPECT_EQ(d.CheckRecovered(2, 7, State(B(2, 3), 6, {})).code(), absl::StatusCode::kDataLoss);
}

TEST(AcceptorDurabilityTest, ALearnedSlotNeedNotBeRestoredAtTheNewBallot) {
  AcceptorDurability d;
  proto::PaxosMessage m = Msg(proto::PaxosMessage::ACCEPTED, 2, B(3, 1), {5});
  m.set_learned_index(5);
  d.OnSend(m);
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(3, 1), 1, {{5, B(1, 1)}})).ok());
  EXPECT_TRUE(d.CheckRecovered(2, 7, State(B(3, 1), 6, {})).ok());
  EXPECT_EQ(d.CheckRecovered(2, 7, State(B(3, 1), 1, {{4, B(3, 1)}})).code(),
            absl::StatusCode::kDataLoss);
}

TEST(AcceptorDurabilityTest, AProposerVotesForItself) {
  AcceptorDurability d;
  d.OnSend(Msg(proto::PaxosMessage::PREPARE, 1, B(3, 1)));
  EXPECT_TRUE(d.CheckRecovered(1, 7, State(B(3, 1), 1, {})).ok());
  EXPECT_FALSE(d.CheckRecovered(1, 7, State(B(2, 2), 1, {})).ok());
  // A leader's ACCEPT claims its ballot, not its entries: it leaves while the leader writes
  // them (the leader votes for them only once the write is done).
  proto::PaxosMessage accept = Msg(proto::PaxosMessage::ACCEPT, 1, B(4, 1));
  accept.add_entries()->set_slot(9);
  d.OnSend(accept);
  EXPECT_TRUE(d.CheckRecovered(1, 7, State(B(4, 1), 1, {{8, B(4, 1)}})).ok());
  EXPECT_FALSE(d.CheckRecovered(1, 7, State(B(3, 1), 1, {{9, B(3, 1)}})).ok());
  // Its write done, the leader votes for the entries at its ballot: those must survive.
  std::vector<proto::Entry> written(2);
  written[0].set_slot(9);
  *written[0].mutable_ballot() = B(4, 1);
  written[1].set_slot(10);
  *written[1].mutable_ballot() = B(3, 1);  // an older ballot's copy: not this leader's vote
  d.OnLeaderWrote(1, 7, B(4, 1), written);
  EXPECT_TRUE(d.CheckRecovered(1, 7, State(B(4, 1), 1, {{9, B(4, 1)}})).ok());
  EXPECT_FALSE(d.CheckRecovered(1, 7, State(B(4, 1), 1, {{8, B(4, 1)}})).ok());
}

TEST(AcceptorDurabilityTest, OtherMessagesPromiseNothing) {
  AcceptorDurability d;
  // A REJECT may echo the candidate's ballot; LEARN and SNAPSHOT carry chosen values.
  d.OnSend(Msg(proto::PaxosMessage::REJECT, 2, B(9, 1)));
  proto::PaxosMessage learn = Msg(proto::PaxosMessage::LEARN, 2, B(9, 2));
  learn.add_entries()->set_slot(4);
  d.OnSend(learn);
  d.OnSend(Msg(proto::PaxosMessage::SNAPSHOT, 2, B(9, 2)));
  EXPECT_TRUE(d.CheckRecovered(2, 7, storage::paxos::PersistedPaxosState{}).ok());
}

}  // namespace
}  // namespace meridian::sim
