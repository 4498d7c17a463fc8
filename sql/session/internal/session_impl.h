// The Session class (see sql/session/session.h), shared by the files that implement its
// statements: session.cc (transactions, queries, settings), ddl.cc (schema changes),
// copy.cc (COPY), system_views.cc (pg_catalog, information_schema).
//
// Thread-safety: one thread, except Cancel() (cancel_mu_, running_, cancelled_).
#ifndef MERIDIAN_SQL_SESSION_INTERNAL_SESSION_IMPL_H_
#define MERIDIAN_SQL_SESSION_INTERNAL_SESSION_IMPL_H_

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sql/execution/exec_context.h"
#include "sql/parser/ast.h"
#include "sql/planner/binder.h"
#include "sql/planner/physical_plan.h"
#include "sql/session/backend.h"
#include "sql/session/session.h"

namespace meridian::sql {

class SessionImpl : public SqlSession {
 public:
  SessionImpl(Engine* engine, std::string user, std::string database);
  ~SessionImpl() override;

  absl::Status ExecuteSimple(std::string_view sql, ResultSink* sink) override;
  absl::StatusOr<std::unique_ptr<PreparedStatement>> Prepare(
      std::string_view sql, absl::Span<const uint32_t> param_type_oids) override;
  absl::Status Execute(PreparedStatement& statement, absl::Span<const Value> params,
                       ResultSink* sink) override;
  absl::Status Sync() override;
  char TransactionStatus() const override;
  // Cancels the statement running now; a cancel that arrives between statements is
  // ignored, as in PostgreSQL (it must not fail the next statement).
  void Cancel() override;
  std::vector<std::pair<std::string, std::string>> ReportedParameters() const override;

  // --- used by the statement implementations
  txn::TxnClient& client() { return *engine_->options().client; }
  // The transaction a statement runs in, starting one if needed. `serializable`: a
  // statement that needs serializable isolation (a schema change) whatever the session's
  // default; it fails (0A000) inside a REPEATABLE READ block.
  absl::StatusOr<txn::Txn*> StatementTxn(bool read_only_ok, const ast::Expr* as_of,
                                         bool serializable = false);
  // The isolation of transactions started now outside a block: default_transaction_isolation.
  txn::Isolation DefaultIsolation() const;
  BinderCatalog MakeCatalog(txn::Txn* txn);
  // The table `name` for a statement of `txn` (through the node's descriptor leases), and
  // for a schema change of it (under the descriptor's exclusive lock, leases given up).
  absl::StatusOr<TablePtr> LookupTable(txn::Txn& txn, const std::string& name);
  absl::StatusOr<TablePtr> SchemaTable(txn::Txn& txn, const std::string& name);
  // Commits `t`, first renewing the descriptor leases it used that are about to end.
  absl::StatusOr<Timestamp> CommitWithLeases(txn::Txn& t);
  ExecContext NewContext(txn::Txn* txn, std::vector<Value> params);
  // Lets the statement's DML commit in its own request (ExecContext::commit_alone) when the
  // statement is its own transaction and ctx.txn is that transaction.
  void AllowCommitAlone(ExecContext& ctx);
  // Optimizes and runs `plan`, streaming rows to `sink` (if it returns rows).
  absl::Status RunPlan(LogicalPtr plan, ExecContext& ctx, ResultSink* sink, std::vector<Row>* out);
  absl::Status RunPhysical(const PhysicalNode& plan, ExecContext& ctx, ResultSink* sink,
                           std::vector<Row>* out);

  // A query's optimized plan, reused by the next execution of the same prepared statement
  // or statement text while every table it was planned against keeps its descriptor (id
  // and version) and nothing else it read can change: a plan that resolved a system view
  // or a relation OID, or looked up a name with no table, is not kept.
  struct CachedPlan {
    PhysicalPtr plan;  // null: nothing cached
    std::vector<ColumnInfo> columns;
    StatementVerb verb = StatementVerb::kSelect;
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> tables;
  };
  struct PlanCacheStats {
    int64_t hits = 0;
    int64_t misses = 0;
  };
  const PlanCacheStats& plan_cache_stats() const { return plan_cache_stats_; }

  absl::Status ExecuteDdl(const ast::Statement& stmt, ResultSink* sink);
  absl::Status ExecuteCopy(const ast::CopyStmt& stmt, ResultSink* sink);
  absl::StatusOr<LogicalPtr> SystemView(txn::Txn* txn, const std::string& schema,
                                        const std::string& name);

 private:
  struct Prepared;
  absl::Status ExecuteStatement(const ast::ParsedStatement& parsed,
                                const std::vector<Value>& params, ResultSink* sink,
                                bool implicit_single, CachedPlan* cache = nullptr);
  absl::Status ExecuteOne(const ast::ParsedStatement& parsed, const std::vector<Value>& params,
                          ResultSink* sink, CachedPlan* cache = nullptr);
  absl::Status RunQuery(const ast::Statement& stmt, const std::vector<Value>& params,
                        ResultSink* sink, bool send_columns, CachedPlan* cache = nullptr);
  // Whether `cache` still holds for `txn` (every table at the version it was planned at).
  absl::StatusOr<bool> PlanStillValid(const CachedPlan& cache, txn::Txn& txn);

  // The simple protocol's statements by text, each with its cached plans; least recently
  // used first out.
  struct TextEntry {
    std::vector<ast::ParsedStatement> parsed;
    std::vector<CachedPlan> plans;  // one per statement
  };
  static constexpr size_t kTextCacheEntries = 128;
  static constexpr size_t kTextCacheMaxBytes = 4096;  // longer texts are not kept
  absl::StatusOr<std::shared_ptr<TextEntry>> ParseCached(std::string_view sql);
  std::list<std::pair<std::string, std::shared_ptr<TextEntry>>> text_lru_;
  std::map<std::string, decltype(text_lru_)::iterator, std::less<>> text_cache_;
  PlanCacheStats plan_cache_stats_;
  absl::Status Explain(const ast::ExplainStmt& stmt, const std::vector<Value>& params,
                       ResultSink* sink);
  absl::Status Set(const ast::SetStmt& stmt, ResultSink* sink);
  absl::Status Show(const ast::ShowStmt& stmt, ResultSink* sink);
  absl::Status Begin(const ast::BeginStmt& stmt, ResultSink* sink);
  absl::Status CommitTxn();
  void RollbackTxn();
  // SAVEPOINT, RELEASE, ROLLBACK TO SAVEPOINT and DISCARD.
  absl::Status SavepointStatement(const ast::Statement& stmt, ResultSink* sink);
  // Ends an implicit transaction: commit when `ok`, else roll back.
  absl::Status FinishImplicit(bool ok);
  // Keeps what `t` sent, for SHOW last_transaction_trace (call when it ends).
  void NoteFinished(const txn::Txn& t);
  absl::StatusOr<txn::TxnOptions> AsOfOptions(const ast::Expr& as_of);

  Engine* const engine_;
  const std::string user_;
  const std::string database_;
  const int32_t pid_;
  // Marks a statement running (true) or finished, clearing any cancel either way.
  void SetRunning(bool running);
  absl::Mutex cancel_mu_;
  bool running_ ABSL_GUARDED_BY(cancel_mu_) = false;
  // Read by the executor without the mutex; written only under it.
  std::atomic<bool> cancelled_{false};

  std::unique_ptr<txn::Txn> txn_;
  bool explicit_ = false;       // inside BEGIN ... COMMIT
  bool failed_ = false;         // an error happened inside the block
  bool implicit_open_ = false;  // txn_ is an implicit transaction (extended protocol / batch)
  // The statement running is a transaction of its own, committed right after it (a simple
  // query's only statement outside a block): EXPLAIN ANALYZE commits it and reports that.
  bool autocommit_statement_ = false;
  // The requests of the session's last finished transaction and how it committed.
  std::vector<txn::RpcTrace> last_trace_;
  txn::CommitProtocol last_protocol_ = txn::CommitProtocol::kNone;
  txn::TxnOptions block_options_;
  // The block's savepoints, oldest first: each holds the buffered writes when it was set.
  struct Savepoint {
    std::string name;
    txn::Txn::Writes writes;
    std::map<std::string, std::string> settings;
    std::map<std::string, std::optional<std::string>> local_restore;
    uint64_t ingests = 0;  // txn::Txn::ingests() when it was taken
  };
  std::vector<Savepoint> savepoints_;
  std::map<std::string, std::string> settings_;
  // Inside a block: the settings at BEGIN (a rollback restores them, as SET is
  // transactional), and what SET LOCAL changed, with the value to restore (none: unset).
  std::optional<std::map<std::string, std::string>> settings_at_begin_;
  std::map<std::string, std::optional<std::string>> local_restore_;
  // When the statement running now started (statement_timeout counts from here).
  absl::Time statement_start_ = absl::InfinitePast();
  // Ends a block's settings: a commit keeps them but undoes SET LOCAL; a rollback undoes all.
  void EndBlockSettings(bool committed);
};

// Converts a status without a SQLSTATE into one with the closest code.
absl::Status EnsureSqlState(absl::Status s);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_SESSION_INTERNAL_SESSION_IMPL_H_
