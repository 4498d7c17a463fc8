// Descriptor leases: a SQL node resolves table names from its own cache, so a statement
// reads no catalog key in its transaction and the catalog range takes no part in its
// commit.
//
// A lease on a table's descriptor is a short transaction of this node's that read the
// descriptor (a shared lock on its namespace key) and then froze that lock with a hold
// (Txn::HoldReads: a read-only PREPARE, no Paxos round). Until the hold ends, at `until`,
// no schema change of the table can commit: its exclusive lock waits for the hold, and a
// write after the hold is stamped above `until`. So the descriptor is the current one at
// every timestamp in [from, until).
//
// Invariants:
//   - A read-write transaction that used a lease commits at a timestamp in [from, until) of
//     every lease it used (Txn::SetCommitBounds); past that it restarts (40001). It uses
//     one version of each table throughout: a renewal that finds the same (id, version)
//     extends its bound, one that finds another restarts it.
//   - A read-only transaction at timestamp r uses a lease only if from <= r < until, and
//     otherwise reads the descriptor at r itself. (Snapshots in the past read the schema
//     of their time.)
//   - One version of a table is in use at a time, cluster-wide. A schema change takes the
//     descriptor's lock exclusively: it first gives up this node's leases on the table
//     (after the transactions that used them have ended, or the leases have run out), and
//     waits at the range for other nodes' leases to run out (at most one hold, about a
//     range lease: 1.5 s by default). While it runs, this node takes no new lease on the
//     table: statements read the descriptor in their own transactions, under a shared lock,
//     and so wait for the change. A transaction that changed the schema reads every
//     descriptor itself for the rest of its life (it must see its own changes).
//   - Nothing is cached about a name with no table; such lookups read in the transaction.
// Any failure to take a lease falls back to reading in the transaction, which is always
// correct. See docs/architecture.md, "Descriptor leases".
//
// Thread-safety: thread-safe. One transaction is used by one thread at a time.
#ifndef MERIDIAN_SQL_CATALOG_DESCRIPTOR_LEASES_H_
#define MERIDIAN_SQL_CATALOG_DESCRIPTOR_LEASES_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/catalog/catalog.h"
#include "txn/txn_client.h"

namespace meridian::sql {

struct DescriptorLeaseOptions {
  bool enabled = true;  // false: every lookup reads in its transaction (as before leases)
  // A lease with less than this left is renewed by the next statement that needs it, and
  // a transaction about to commit renews the leases it used that end this soon.
  absl::Duration renew_margin = absl::Milliseconds(400);
  // A transaction with at least this many writes renews every lease it used right before
  // committing, so its commit has a whole hold to be stamped in.
  size_t large_writes = 1000;
  // How long a schema change waits for this node's transactions that used the old lease,
  // in real time, before giving up with 55P03 (they are bounded by the lease's end, so this
  // only matters when time stands still).
  absl::Duration drain_timeout = absl::Seconds(30);
  // Test-only sabotage: transactions that used a lease are not bounded by its end, so
  // the tests can show that they would then write with an old schema.
  bool unsafe_unbounded = false;
};

class DescriptorLeases {
 public:
  // `client` must outlive this object and every transaction that used a lease.
  DescriptorLeases(txn::TxnClient* client, DescriptorLeaseOptions options);
  ~DescriptorLeases();  // leaves the holds to end by themselves
  DescriptorLeases(const DescriptorLeases&) = delete;
  DescriptorLeases& operator=(const DescriptorLeases&) = delete;

  // The table named `name` as `txn` must see it, or null if there is none.
  absl::StatusOr<TablePtr> Get(txn::Txn& txn, const std::string& name);
  // For a schema change of `name` by `txn`: gives up this node's leases on it and reads the
  // descriptor under an exclusive lock (waiting for other nodes' leases to end). 40001 if
  // `txn` had used another version of the table.
  absl::StatusOr<TablePtr> GetForSchemaChange(txn::Txn& txn, const std::string& name);
  // Marks `txn` as changing the schema without naming a table (CREATE TABLE of a new name,
  // DROP INDEX before it finds its table): from now on it reads descriptors itself.
  void NoteSchemaChange(txn::Txn& txn);
  // Whether `txn` has changed the schema (its descriptors may not be committed ones).
  static bool ChangedSchema(const txn::Txn& txn);
  // Right before `txn` commits: renews the leases it used that are about to end (all of
  // them for a large transaction) and widens its commit bound; 40001 if a table changed.
  absl::Status BeforeCommit(txn::Txn& txn);

  struct Stats {
    int64_t acquired = 0;   // leases taken (each: one locking read and one hold, no Paxos)
    int64_t hits = 0;       // lookups served by a lease
    int64_t fallbacks = 0;  // lookups read in the transaction
  };
  Stats stats() const;

  class Core;  // shared with the transactions' per-transaction state

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_CATALOG_DESCRIPTOR_LEASES_H_
