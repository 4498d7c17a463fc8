// TxnCluster: the transactional system in one process on simulated clocks, disks and
// network, driven by one seed.
//
// Each node runs the real RangeReplica (PaxosCore + MVCC over a MemEngine "disk") and the real
// RangeTxnServer for every range, driven by the node's real ReplicaDriver (group commit
// across its ranges); clients run the real TxnCommit coordinator. Only the plumbing is
// simulated: message delivery (delays, reordering, loss, duplication, partitions), crashes
// (a crash loses every unsynced write) and restarts, clock skew and drift inside the
// TrueTime bound, and timers.
//
// Workload: a bank. Accounts are spread over the ranges; transfer clients move money between
// two accounts in read-write transactions (locking reads, some FOR UPDATE, sometimes a shared
// read of a third account whose range then only reads, then a one-range commit or 2PC),
// restarting on 40001 with their priority; auditor clients read every
// account in a lock-free snapshot at Now().latest from a random replica.
// Every run checks:
//   - the bank: every audit, and a final strong read, sums to the initial total;
//   - strict serializability of the history (tests/checker/serializability.h), including
//     that commit timestamps agree with real time;
//   - liveness: once faults stop, transfers commit again within a bound;
//   - no lost vote: after a crash, a node's disk holds every promise and acceptance its
//     messages claimed (acceptor_durability.h);
//   - no stuck state: after the clients stop, no range keeps a prepared transaction or a lock;
//   - no snapshot for a lagging replica failed (the simulated disk cannot fail a read).
//
// Thread-safety: single-threaded.
#ifndef MERIDIAN_TESTS_SIM_TXN_CLUSTER_H_
#define MERIDIAN_TESTS_SIM_TXN_CLUSTER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace meridian::sim {

struct TxnSimOptions {
  uint64_t seed = 1;
  int nodes = 3;
  int ranges = 3;
  int accounts_per_range = 2;
  int transfer_clients = 3;
  int auditors = 1;
  int64_t chaos_ns = 8'000'000'000;  // how long faults are injected
  int64_t liveness_bound_ns = 15'000'000'000;
  bool crashes = true;
  bool partitions = true;
  bool message_faults = true;  // loss, duplication, delay spikes
  bool clock_faults = true;    // resyncs with new skew/drift inside the bound
  // How long an older lock request waits for younger holders before wounding them
  // (txn::RangeTxnServerOptions::wound_delay_ns). Negative: chosen by the seed, one of
  // 0 (wound at once), 5 ms and 20 ms, so every mode runs under the faults.
  int64_t wound_delay_ns = -1;
  // Test-only sabotage, to show the checkers can fail: transfers read without locks (a
  // snapshot read at Now().latest), so concurrent transfers lose updates.
  bool unsafe_unlocked_reads = false;
  // Test-only sabotage: every transfer also reads a third account, and the client releases
  // the ranges it only read as soon as they have prepared, before the commit, so a writer
  // there may commit below the transfer's timestamp.
  bool unsafe_early_release = false;
};

struct TxnSimResult {
  bool ok() const { return violations.empty(); }
  std::vector<std::string> violations;
  int64_t committed = 0;        // transfers acknowledged
  int64_t uncertain = 0;        // transfers whose outcome the client could not learn (40003)
  int64_t restarts = 0;         // attempts that ended in 40001 or a failed call
  int64_t audits = 0;           // snapshot audits completed
  int64_t multi_range = 0;      // committed transfers that used 2PC
  int64_t read_only_parts = 0;  // committed transfers with a range only read (no Paxos there)
  int64_t crashes = 0;
  int64_t partitions = 0;
  int64_t snapshots = 0;  // sent by the replica drivers to peers behind the compacted log
  uint64_t messages = 0;
  uint64_t events = 0;
  std::string Summary() const;
};

TxnSimResult RunTxnSimulation(const TxnSimOptions& options);

}  // namespace meridian::sim

#endif  // MERIDIAN_TESTS_SIM_TXN_CLUSTER_H_
