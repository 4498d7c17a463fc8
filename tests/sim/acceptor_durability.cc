#include "tests/sim/acceptor_durability.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/paxos/paxos_core.h"

namespace meridian::sim {

using storage::paxos::BallotEq;
using storage::paxos::BallotLess;
using storage::paxos::BallotString;

void AcceptorDurability::OnSend(const proto::PaxosMessage& m) {
  // A proposer votes for its own ballot: PREPARE carries the candidate's own promise, ACCEPT
  // the leader's. An ACCEPT's values claim nothing about the leader's disk: the leader sends
  // them while it writes them and votes for them only once the write is done. (A REJECT may
  // echo a candidate's ballot; LEARN and SNAPSHOT carry chosen values, stored or not.)
  std::vector<uint64_t> stored;  // slots now stored at m.ballot()
  std::vector<uint64_t> chosen;  // slots stored at some ballot, known chosen
  switch (m.type()) {
    case proto::PaxosMessage::PREPARE:
    case proto::PaxosMessage::PROMISE:
    case proto::PaxosMessage::ACCEPT:
      break;
    case proto::PaxosMessage::ACCEPTED:
      // An acceptor acknowledges a slot it has learned already (with the same value) without
      // storing it again at the new ballot: for those only the value must survive.
      for (uint64_t slot : m.accepted_slots()) {
        (slot > m.learned_index() ? stored : chosen).push_back(slot);
      }
      break;
    default:
      return;
  }
  Told& told = told_[{m.from(), m.group()}];
  if (BallotLess(told.promised, m.ballot())) told.promised = m.ballot();
  for (uint64_t slot : stored) {
    if (slot > told.stored_slot ||
        (slot == told.stored_slot && BallotLess(told.stored_ballot, m.ballot()))) {
      told.stored_slot = slot;
      told.stored_ballot = m.ballot();
    }
  }
  for (uint64_t slot : chosen) told.chosen_slot = std::max(told.chosen_slot, slot);
}

void AcceptorDurability::OnLeaderWrote(uint64_t node, uint64_t group, const proto::Ballot& ballot,
                                       const std::vector<proto::Entry>& entries) {
  Told& told = told_[{node, group}];
  for (const proto::Entry& e : entries) {
    if (!BallotEq(e.ballot(), ballot)) continue;
    if (e.slot() > told.stored_slot ||
        (e.slot() == told.stored_slot && BallotLess(told.stored_ballot, ballot))) {
      told.stored_slot = e.slot();
      told.stored_ballot = ballot;
    }
  }
}

absl::Status AcceptorDurability::CheckRecovered(
    uint64_t node, uint64_t group, const storage::paxos::PersistedPaxosState& state) const {
  auto it = told_.find({node, group});
  if (it == told_.end()) return absl::OkStatus();
  const Told& told = it->second;
  const std::string where = absl::StrCat("node ", node, " group ", group, " restarted ");
  if (BallotLess(state.hard_state.promised(), told.promised)) {
    return absl::DataLossError(
        absl::StrCat(where, "with promise ", BallotString(state.hard_state.promised()),
                     " but had told a peer it promised ", BallotString(told.promised)));
  }
  // A slot below the log start is in the state machine's snapshot.
  auto find = [&](uint64_t slot) -> const proto::Entry* {
    for (const proto::Entry& e : state.entries) {
      if (e.slot() == slot) return &e;
    }
    return nullptr;
  };
  if (told.stored_slot != 0 && told.stored_slot >= state.hard_state.log_start()) {
    const proto::Entry* e = find(told.stored_slot);
    if (e == nullptr || BallotLess(e->ballot(), told.stored_ballot)) {
      return absl::DataLossError(
          absl::StrCat(where, e == nullptr ? "without slot " : "with an older ballot at slot ",
                       told.stored_slot, " (log starts at ", state.hard_state.log_start(),
                       ") but had accepted it at ", BallotString(told.stored_ballot)));
    }
  }
  if (told.chosen_slot != 0 && told.chosen_slot >= state.hard_state.log_start() &&
      find(told.chosen_slot) == nullptr) {
    return absl::DataLossError(absl::StrCat(where, "without slot ", told.chosen_slot,
                                            " (log starts at ", state.hard_state.log_start(),
                                            ") but had acknowledged holding it"));
  }
  return absl::OkStatus();
}

}  // namespace meridian::sim
