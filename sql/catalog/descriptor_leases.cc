#include "sql/catalog/descriptor_leases.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"

namespace meridian::sql {
namespace {

// One lease: a table's descriptor and the hold that keeps it current.
struct Lease {
  TablePtr table;  // never null: absence is not leased
  Timestamp from;
  Timestamp until;
  std::unique_ptr<txn::Txn> holder;  // the transaction whose hold this is
  int users = 0;                     // open transactions that used it; under Core::mu_
};

bool SameVersion(const TableInfo& a, const TableInfo& b) {
  return a.id() == b.id() && a.desc().version() == b.desc().version();
}

absl::Status Restart(const std::string& message) {
  return WithSqlState(absl::AbortedError(message), "40001");
}

}  // namespace

class DescriptorLeases::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(txn::TxnClient* client, DescriptorLeaseOptions options)
      : client_(client), options_(options) {}

  // One transaction's use of a lease: counted while the transaction is open.
  class Use {
   public:
    Use(std::shared_ptr<Core> core, std::shared_ptr<Lease> lease)
        : core_(std::move(core)), lease_(std::move(lease)) {
      absl::MutexLock lock(&core_->mu_);
      ++lease_->users;
    }
    ~Use() {
      absl::MutexLock lock(&core_->mu_);
      --lease_->users;
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    std::shared_ptr<Core> core_;
    std::shared_ptr<Lease> lease_;
  };

  // A schema change of a name in progress on this node: no lease is taken on it meanwhile.
  class Revocation {
   public:
    Revocation(std::shared_ptr<Core> core, std::string name)
        : core_(std::move(core)), name_(std::move(name)) {}
    ~Revocation() {
      absl::MutexLock lock(&core_->mu_);
      --core_->entries_[name_].revoking;
    }
    Revocation(const Revocation&) = delete;
    Revocation& operator=(const Revocation&) = delete;

   private:
    std::shared_ptr<Core> core_;
    std::string name_;
  };

  // What one transaction used; its lifetime is the transaction's (Txn::attachment).
  struct TxnState {
    struct Used {
      TablePtr table;
      Timestamp from;
      Timestamp until;
      std::shared_ptr<Use> use;
    };
    std::map<std::string, Used> used;
    std::vector<std::shared_ptr<Revocation>> revocations;
    bool schema_changed = false;
  };

  const DescriptorLeaseOptions& options() const { return options_; }
  txn::TxnClient& client() { return *client_; }

  static TxnState& State(txn::Txn& txn) {
    if (txn.attachment() == nullptr) txn.set_attachment(std::make_shared<TxnState>());
    return *std::static_pointer_cast<TxnState>(txn.attachment());
  }

  void SetBounds(txn::Txn& txn, const TxnState& state) {
    Timestamp at_least;
    Timestamp before = Timestamp::Max();
    if (!options_.unsafe_unbounded) {
      for (const auto& [name, u] : state.used) {
        at_least = std::max(at_least, u.from);
        before = std::min(before, u.until);
      }
    }
    txn.SetCommitBounds(at_least, before);
  }

  void Count(int64_t Stats::*field) {
    absl::MutexLock lock(&mu_);
    ++(stats_.*field);
  }

  Stats stats() const {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

  // The lease of `name`, taken or renewed if it ends within the margin (or `fresh`); null
  // when there is no table of that name, a schema change of it runs here, or the lease
  // could not be taken.
  std::shared_ptr<Lease> Acquire(const std::string& name, bool fresh) {
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        Entry& e = entries_[name];
        if (e.revoking > 0) return nullptr;
        const clock::TimeInterval now = client_->true_time()->Now();
        Prune(e, now);
        if (e.current != nullptr && !fresh &&
            Timestamp{now.latest_ns + absl::ToInt64Nanoseconds(options_.renew_margin), 0} <
                e.current->until) {
          return e.current;
        }
        if (!e.acquiring) {
          e.acquiring = true;
          break;
        }
        cv_.Wait(&mu_);
      }
    }
    std::shared_ptr<Lease> lease = Take(name);
    std::shared_ptr<Lease> unwanted;
    {
      absl::MutexLock lock(&mu_);
      Entry& e = entries_[name];
      e.acquiring = false;
      cv_.SignalAll();
      if (lease != nullptr && e.revoking > 0) {
        unwanted = std::move(lease);  // a schema change started meanwhile
      } else if (lease != nullptr) {
        ++stats_.acquired;
        if (e.current != nullptr) e.older.push_back(std::move(e.current));
        e.current = lease;
      }
    }
    if (unwanted != nullptr) unwanted->holder->ReleaseHolds();
    return lease;
  }

  // Gives up this node's leases on `name` for a schema change by the caller: no new one
  // is taken until the returned revocation ends; returns once no open transaction uses
  // the old ones (or they have ended).
  absl::StatusOr<std::shared_ptr<Revocation>> Revoke(const std::string& name) {
    auto revocation = std::make_shared<Revocation>(shared_from_this(), name);
    std::vector<std::shared_ptr<Lease>> leases;
    {
      absl::MutexLock lock(&mu_);
      Entry& e = entries_[name];
      ++e.revoking;
      if (e.current != nullptr) leases.push_back(std::move(e.current));
      e.current = nullptr;
      for (auto& l : e.older) leases.push_back(std::move(l));
      e.older.clear();
      const absl::Time give_up = absl::Now() + options_.drain_timeout;
      auto drained = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        const Timestamp earliest{client_->true_time()->Now().earliest_ns, 0};
        for (const auto& l : leases) {
          if (l->users > 0 && earliest < l->until) return false;
        }
        return true;
      };
      // Woken by nothing in particular: the users end in other sessions' commits, and the
      // leases' ends are clock readings, so this re-checks every few milliseconds.
      while (!drained()) {
        if (absl::Now() >= give_up) {
          return SqlError(absl::StatusCode::kDeadlineExceeded, "55P03",
                          absl::StrCat("could not change table \"", name,
                                       "\": transactions on this node still use its schema"));
        }
        cv_.WaitWithTimeout(&mu_, absl::Milliseconds(2));
      }
    }
    for (const auto& l : leases) l->holder->ReleaseHolds();
    return revocation;
  }

 private:
  struct Entry {
    std::shared_ptr<Lease> current;
    std::vector<std::shared_ptr<Lease>> older;  // superseded, kept for release until they end
    int revoking = 0;
    bool acquiring = false;
  };

  void Prune(Entry& e, const clock::TimeInterval& now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const Timestamp earliest{now.earliest_ns, 0};
    std::erase_if(e.older, [&](const std::shared_ptr<Lease>& l) { return l->until <= earliest; });
    if (e.current != nullptr && e.current->until <= earliest) e.current = nullptr;
  }

  // Reads the descriptor under a shared lock and turns the lock into a hold.
  std::shared_ptr<Lease> Take(const std::string& name) {
    std::unique_ptr<txn::Txn> t = client_->Begin();
    absl::StatusOr<TablePtr> table = Catalog::GetTable(*t, name);
    if (!table.ok() || *table == nullptr) {
      (void)t->Rollback();
      return nullptr;
    }
    absl::StatusOr<txn::Txn::Hold> hold = t->HoldReads();
    if (!hold.ok()) return nullptr;
    auto lease = std::make_shared<Lease>();
    lease->table = std::move(*table);
    lease->from = hold->from;
    lease->until = hold->until;
    lease->holder = std::move(t);
    return lease;
  }

  txn::TxnClient* const client_;
  const DescriptorLeaseOptions options_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

DescriptorLeases::DescriptorLeases(txn::TxnClient* client, DescriptorLeaseOptions options)
    : core_(std::make_shared<Core>(client, options)) {}

// The holds are not released: they end by themselves within about a second, and a node
// shutting down should not wait on RPCs to a catalog range that may be unreachable.
DescriptorLeases::~DescriptorLeases() = default;

DescriptorLeases::Stats DescriptorLeases::stats() const { return core_->stats(); }

absl::StatusOr<TablePtr> DescriptorLeases::Get(txn::Txn& txn, const std::string& name) {
  auto fallback = [&] {
    core_->Count(&Stats::fallbacks);
    return Catalog::GetTable(txn, name);
  };
  if (!core_->options().enabled) return fallback();
  if (txn.mode() == txn::TxnMode::kReadOnly) {
    const std::optional<Timestamp> r = txn.read_timestamp();
    if (!r.has_value()) return fallback();  // bounded staleness: the timestamp comes later
    std::shared_ptr<Lease> lease = core_->Acquire(name, /*fresh=*/false);
    if (lease == nullptr || *r < lease->from || *r >= lease->until) return fallback();
    core_->Count(&Stats::hits);
    return lease->table;
  }
  Core::TxnState& state = Core::State(txn);
  if (state.schema_changed) return fallback();
  if (auto it = state.used.find(name); it != state.used.end()) {
    core_->Count(&Stats::hits);
    return it->second.table;
  }
  std::shared_ptr<Lease> lease = core_->Acquire(name, /*fresh=*/false);
  if (lease == nullptr) return fallback();
  state.used[name] = Core::TxnState::Used{lease->table, lease->from, lease->until,
                                          std::make_shared<Core::Use>(core_, lease)};
  core_->SetBounds(txn, state);
  core_->Count(&Stats::hits);
  return lease->table;
}

void DescriptorLeases::NoteSchemaChange(txn::Txn& txn) { Core::State(txn).schema_changed = true; }

bool DescriptorLeases::ChangedSchema(const txn::Txn& txn) {
  return txn.attachment() != nullptr &&
         std::static_pointer_cast<Core::TxnState>(txn.attachment())->schema_changed;
}

absl::StatusOr<TablePtr> DescriptorLeases::GetForSchemaChange(txn::Txn& txn,
                                                              const std::string& name) {
  if (!core_->options().enabled) return Catalog::GetTable(txn, name, /*for_update=*/true);
  Core::TxnState& state = Core::State(txn);
  state.schema_changed = true;
  // This transaction's own use of the table ends here: from now on the exclusive lock
  // keeps the descriptor as it is, provided it is still the version that was used.
  TablePtr used;
  if (auto it = state.used.find(name); it != state.used.end()) {
    used = it->second.table;
    state.used.erase(it);
    core_->SetBounds(txn, state);
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Core::Revocation> revocation, core_->Revoke(name));
  state.revocations.push_back(std::move(revocation));
  ASSIGN_OR_RETURN(TablePtr table, Catalog::GetTable(txn, name, /*for_update=*/true));
  if (used != nullptr && (table == nullptr || !SameVersion(*used, *table))) {
    return Restart(
        absl::StrCat("the schema of table \"", name, "\" changed while the transaction used it"));
  }
  return table;
}

absl::Status DescriptorLeases::BeforeCommit(txn::Txn& txn) {
  if (txn.attachment() == nullptr || core_->options().unsafe_unbounded) return absl::OkStatus();
  Core::TxnState& state = Core::State(txn);
  if (state.used.empty()) return absl::OkStatus();
  const bool large = txn.buffered_writes().size() >= core_->options().large_writes;
  const Timestamp soon{core_->client().true_time()->Now().latest_ns +
                           absl::ToInt64Nanoseconds(core_->options().renew_margin),
                       0};
  for (auto& [name, u] : state.used) {
    if (!large && soon < u.until) continue;
    std::shared_ptr<Lease> lease = core_->Acquire(name, /*fresh=*/large);
    if (lease == nullptr) continue;  // the commit stays within the old bound, or restarts
    if (!SameVersion(*lease->table, *u.table)) {
      return Restart(
          absl::StrCat("the schema of table \"", name, "\" changed while the transaction used it"));
    }
    // The same version at both leases' reads, and versions only grow: it was current
    // throughout, so the bound moves to the new lease's end.
    u.until = std::max(u.until, lease->until);
    u.use = std::make_shared<Core::Use>(core_, lease);
  }
  core_->SetBounds(txn, state);
  return absl::OkStatus();
}

}  // namespace meridian::sql
