// AcceptorDurability: a simulator check of the persistence half of PaxosCore's contract,
// which the replica driver carries out: a replica sends a message only once what the message
// promises is durable.
//
// It watches every Paxos message a node hands to the network and remembers, per node and
// group, the votes the node's messages claim:
//   - the highest ballot it promised: its own as a candidate (PREPARE) or leader (ACCEPT),
//     or another's (PROMISE, ACCEPTED);
//   - the highest slot it accepted as an acceptor (ACCEPTED), with that ballot (a leader's
//     ACCEPT claims no acceptance: it leaves while the leader writes its entries, and the
//     leader votes only once the write is done); and the highest slot it acknowledged while it had
//     learned it already (an acceptor does not store a learned value again at the new
//     ballot).
// When the node restarts after a crash, CheckRecovered compares that with the Paxos state
// found on its disk: the promise must not have gone backwards, and those slots must still
// be in the log (the accepted one at that ballot or a higher one) unless the log now starts
// after them. A driver that sends before its write is durable (or does not write some of it) fails
// this at the first crash that falls inside the gap, whether or not the lost vote ever
// changes an outcome.
//
// Thread-safety: not thread-safe; the simulator is single-threaded.
#ifndef MERIDIAN_TESTS_SIM_ACCEPTOR_DURABILITY_H_
#define MERIDIAN_TESTS_SIM_ACCEPTOR_DURABILITY_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "proto/paxos.pb.h"
#include "storage/paxos/paxos_log.h"

namespace meridian::sim {

class AcceptorDurability {
 public:
  // Every message a node hands to the network (m.from() is the node).
  void OnSend(const proto::PaxosMessage& m);
  // A leader (node `node`, ballot `ballot`) finished the write of a Ready holding `entries`
  // and now counts its own vote for those at its ballot: they must survive a crash.
  void OnLeaderWrote(uint64_t node, uint64_t group, const proto::Ballot& ballot,
                     const std::vector<proto::Entry>& entries);

  // `state` is what node `node` found on its disk for `group` after a crash. Returns what an
  // earlier message of the node promised that the disk no longer holds (kDataLoss), or OK.
  absl::Status CheckRecovered(uint64_t node, uint64_t group,
                              const storage::paxos::PersistedPaxosState& state) const;

 private:
  struct Told {
    proto::Ballot promised;    // highest ballot of a PREPARE, PROMISE, ACCEPT or ACCEPTED
    uint64_t stored_slot = 0;  // highest slot stored at stored_ballot (0: none)
    proto::Ballot stored_ballot;
    uint64_t chosen_slot = 0;  // highest slot acknowledged as learned already (0: none)
  };
  std::map<std::pair<uint64_t, uint64_t>, Told> told_;  // by (node, group)
};

}  // namespace meridian::sim

#endif  // MERIDIAN_TESTS_SIM_ACCEPTOR_DURABILITY_H_
