// PaxosCluster: a whole replicated key-value register running in one process on simulated
// clocks, disks and network, driven by one seed.
//
// Each node runs the real PaxosCore and PaxosLog over a MemEngine "disk" (a crash loses
// every write not covered by a synced one), through the production ReplicaDriver. The state
// machine is a key-value register kept on the same disk with its applied index in the same
// batch as its effects; with the core and log it is the driver's DrivenReplica. Clients issue
// reads (served by the leaseholder without a Paxos round) and writes (through the log);
// faults are injected while they run. Every run checks:
//   - agreement: no two replicas apply different commands at one slot;
//   - durability: every acknowledged write is applied by every live voter in the end;
//   - no lost vote: after a crash, a node's disk holds every promise and acceptance its
//     messages claimed (acceptor_durability.h);
//   - no snapshot for a lagging replica failed;
//   - leases: at no instant do two replicas both believe they hold the lease;
//   - linearizability of the clients' history (tests/checker);
//   - liveness: once faults stop and a majority is up and connected, a write commits
//     within a bound.
//
// Thread-safety: single-threaded.
#ifndef MERIDIAN_TESTS_SIM_PAXOS_CLUSTER_H_
#define MERIDIAN_TESTS_SIM_PAXOS_CLUSTER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace meridian::sim {

struct PaxosSimOptions {
  uint64_t seed = 1;
  int voters = 3;  // initial voters: nodes 1..voters
  int spares = 1;  // extra nodes, not voters, for membership changes
  int clients = 4;
  int keys = 5;
  int64_t chaos_ns = 20'000'000'000;  // how long faults are injected
  int64_t liveness_bound_ns = 10'000'000'000;
  bool crashes = true;
  bool partitions = true;
  bool message_faults = true;  // loss, duplication
  bool clock_faults = true;    // resyncs with new skew/drift inside the bound
  bool membership = true;
  bool snapshots = true;
  // Test-only sabotage, to show the checkers can fail: replicas serve reads without
  // checking their lease.
  bool unsafe_reads_without_lease = false;
};

struct PaxosSimResult {
  bool ok() const { return violations.empty(); }
  std::vector<std::string> violations;
  // Figures for the log line of a run.
  int64_t ops_completed = 0;
  int64_t writes_acked = 0;
  int64_t reads_served = 0;
  int64_t crashes = 0;
  int64_t partitions = 0;
  int64_t config_changes = 0;
  int64_t snapshots_installed = 0;
  uint64_t messages = 0;
  uint64_t events = 0;
  std::string Summary() const;
};

PaxosSimResult RunPaxosSimulation(const PaxosSimOptions& options);

}  // namespace meridian::sim

#endif  // MERIDIAN_TESTS_SIM_PAXOS_CLUSTER_H_
