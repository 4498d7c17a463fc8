#include "sql/session/session.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/pg_describe.h"
#include "sql/execution/memory_budget.h"
#include "sql/execution/operator.h"
#include "sql/expr/expr_eval.h"
#include "sql/optimizer/optimizer.h"
#include "sql/parser/parser.h"
#include "sql/session/internal/buffering_sink.h"
#include "sql/session/internal/session_impl.h"
#include "sql/types/pg_format.h"

namespace meridian::sql {
namespace {

// EXPLAIN ANALYZE's and SHOW last_transaction_trace's account of a transaction's requests:
// a summary line, then one line per request.
std::vector<std::string> TraceLines(const std::vector<txn::RpcTrace>& trace,
                                    txn::CommitProtocol protocol) {
  int paxos = 0;
  for (const txn::RpcTrace& t : trace) paxos += t.replicate > absl::ZeroDuration();
  std::vector<std::string> lines;
  std::string summary = absl::StrCat(
      "round trips: ", trace.size(), ", Paxos rounds: ", paxos, ", commit: ",
      protocol == txn::CommitProtocol::kNone ? std::string("not yet")
                                             : std::string(txn::CommitProtocolName(protocol)));
  if (protocol == txn::CommitProtocol::kTwoPhase) {
    absl::StrAppend(&summary, " (each other participant applies the outcome after the reply: ",
                    "one more Paxos round there, off the critical path)");
  }
  lines.push_back(std::move(summary));
  for (const txn::RpcTrace& t : trace) {
    std::string l = absl::StrFormat("  %s r%d at n%d%s: %d key%s, %.3f ms", std::string(t.op),
                                    t.range, t.node, t.direct ? " (direct)" : "", t.keys,
                                    t.keys == 1 ? "" : "s", absl::ToDoubleMilliseconds(t.elapsed));
    if (t.lock_wait > absl::Microseconds(50)) {
      absl::StrAppend(
          &l, absl::StrFormat(", lock wait %.3f ms", absl::ToDoubleMilliseconds(t.lock_wait)));
    }
    if (t.replicate > absl::ZeroDuration()) {
      absl::StrAppend(&l,
                      absl::StrFormat(", Paxos %.3f ms", absl::ToDoubleMilliseconds(t.replicate)));
    }
    if (t.commit_wait > absl::ZeroDuration()) {
      absl::StrAppend(
          &l, absl::StrFormat(", commit wait %.3f ms", absl::ToDoubleMilliseconds(t.commit_wait)));
    }
    if (!t.ok) absl::StrAppend(&l, " (failed)");
    lines.push_back(std::move(l));
  }
  return lines;
}

absl::Status Error(std::string_view sqlstate, std::string_view message,
                   absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  return SqlError(code, sqlstate, message);
}

// Collects a statement's output so an implicit transaction can be retried invisibly; the
// output reaches the client only once the transaction has committed.
bool IsQuery(const ast::Statement& s) {
  return std::holds_alternative<ast::SelectStmt>(s) || std::holds_alternative<ast::InsertStmt>(s) ||
         std::holds_alternative<ast::UpdateStmt>(s) || std::holds_alternative<ast::DeleteStmt>(s);
}

bool IsDdl(const ast::Statement& s) {
  return std::holds_alternative<ast::CreateTableStmt>(s) ||
         std::holds_alternative<ast::DropTableStmt>(s) ||
         std::holds_alternative<ast::TruncateStmt>(s) ||
         std::holds_alternative<ast::AlterTableStmt>(s) ||
         std::holds_alternative<ast::CreateIndexStmt>(s) ||
         std::holds_alternative<ast::DropIndexStmt>(s);
}

// Statements whose effects live in a transaction and so can be retried as a whole.
bool Transactional(const ast::Statement& s) {
  return IsQuery(s) || IsDdl(s) || std::holds_alternative<ast::CopyStmt>(s) ||
         std::holds_alternative<std::unique_ptr<ast::ExplainStmt>>(s);
}

std::map<std::string, std::string> DefaultSettings(const std::string& user) {
  return {
      {"application_name", ""},
      {"client_encoding", "UTF8"},
      {"datestyle", "ISO, MDY"},
      {"default_transaction_isolation", "serializable"},
      {"default_transaction_read_only", "off"},
      {"extra_float_digits", "1"},
      {"integer_datetimes", "on"},
      {"intervalstyle", "postgres"},
      {"is_superuser", "on"},
      {"search_path", "public"},
      {"server_encoding", "UTF8"},
      {"server_version", "15.0"},
      {"server_version_num", "150000"},
      {"session_authorization", user},
      {"standard_conforming_strings", "on"},
      {"statement_memory_limit", FormatMemorySetting(kDefaultStatementMemoryBytes)},
      {"statement_timeout", "0"},
      {"timezone", "UTC"},
      {"transaction_isolation", "serializable"},
      {"transaction_read_only", "off"},
  };
}

// PostgreSQL's spelling of the parameters reported at startup.
const std::vector<std::pair<std::string, std::string>>& ReportedNames() {
  static const auto* names = new std::vector<std::pair<std::string, std::string>>{
      {"application_name", "application_name"},
      {"client_encoding", "client_encoding"},
      {"datestyle", "DateStyle"},
      {"integer_datetimes", "integer_datetimes"},
      {"intervalstyle", "IntervalStyle"},
      {"is_superuser", "is_superuser"},
      {"server_encoding", "server_encoding"},
      {"server_version", "server_version"},
      {"session_authorization", "session_authorization"},
      {"standard_conforming_strings", "standard_conforming_strings"},
      {"timezone", "TimeZone"},
  };
  return *names;
}

// A duration like "-10s", "5m", "250ms", "1h", "1.5s" (AS OF SYSTEM TIME offsets).
std::optional<absl::Duration> ParseOffset(std::string_view text) {
  absl::Duration d;
  if (absl::ParseDuration(std::string(text), &d)) return d;
  return std::nullopt;
}

// statement_timeout: milliseconds, or a number with a unit us, ms, s, min, h or d; 0 is none.
absl::StatusOr<absl::Duration> ParseTimeoutSetting(const std::string& text) {
  const std::string t(absl::StripAsciiWhitespace(text));
  size_t digits = 0;
  while (digits < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[digits]))) {
    ++digits;
  }
  int64_t n = 0;
  const std::string unit(absl::StripAsciiWhitespace(t.substr(digits)));
  static const std::map<std::string, absl::Duration> kUnits = {
      {"", absl::Milliseconds(1)}, {"us", absl::Microseconds(1)}, {"ms", absl::Milliseconds(1)},
      {"s", absl::Seconds(1)},     {"min", absl::Minutes(1)},     {"h", absl::Hours(1)},
      {"d", absl::Hours(24)}};
  auto u = kUnits.find(unit);
  if (digits == 0 || u == kUnits.end() || !absl::SimpleAtoi(t.substr(0, digits), &n) ||
      n > int64_t{1} << 40) {
    return Error("22023",
                 absl::StrCat("invalid value for parameter \"statement_timeout\": \"", text,
                              "\" (milliseconds, or a number with us, ms, s, min, h "
                              "or d)"));
  }
  return n * u->second;
}

// As PostgreSQL shows it: the largest unit that divides it ("0", "250ms", "5s", "2min").
std::string FormatTimeout(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0";
  static const std::pair<absl::Duration, const char*> kUnits[] = {
      {absl::Hours(24), "d"},  {absl::Hours(1), "h"},         {absl::Minutes(1), "min"},
      {absl::Seconds(1), "s"}, {absl::Milliseconds(1), "ms"}, {absl::Microseconds(1), "us"}};
  for (const auto& [unit, name] : kUnits) {
    if (d % unit == absl::ZeroDuration()) return absl::StrCat(d / unit, name);
  }
  return absl::StrCat(absl::ToInt64Microseconds(d), "us");
}

struct PreparedImpl : public PreparedStatement {
  ast::ParsedStatement parsed;
  SessionImpl::CachedPlan plan;  // the last execution's, while it holds
  std::vector<SqlType> params;
  std::vector<ColumnInfo> cols;
  bool rows = false;
  const std::vector<SqlType>& param_types() const override { return params; }
  const std::vector<ColumnInfo>& columns() const override { return cols; }
  bool returns_rows() const override { return rows; }
};

}  // namespace

absl::Status EnsureSqlState(absl::Status s) {
  if (s.ok() || GetSqlState(s).has_value()) return s;
  switch (s.code()) {
    case absl::StatusCode::kAborted:
      return WithSqlState(s, "40001");
    case absl::StatusCode::kCancelled:
      return WithSqlState(s, "57014");
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnavailable:
      return WithSqlState(s, "08006");
    case absl::StatusCode::kInvalidArgument:
      return WithSqlState(s, "22023");
    case absl::StatusCode::kFailedPrecondition:
      return WithSqlState(s, "55000");
    case absl::StatusCode::kResourceExhausted:
      return WithSqlState(s, "53000");
    case absl::StatusCode::kDataLoss:
      return WithSqlState(s, "XX001");
    default:
      return WithSqlState(s, "XX000");
  }
}

Engine::Engine(EngineOptions options)
    : options_(std::move(options)),
      leases_(std::make_unique<DescriptorLeases>(options_.client, options_.descriptor_leases)) {}

absl::StatusOr<std::unique_ptr<SqlSession>> Engine::NewSession(
    const std::vector<std::pair<std::string, std::string>>& options) {
  std::string user = "root", database = "meridian", app;
  for (const auto& [k, v] : options) {
    if (k == "user") user = v;
    if (k == "database") database = v;
    if (k == "application_name") app = v;
  }
  auto s = std::make_unique<SessionImpl>(this, user, database.empty() ? user : database);
  if (!app.empty()) {
    (void)s->ExecuteSimple(
        absl::StrCat("SET application_name = '", absl::StrReplaceAll(app, {{"'", "''"}}), "'"),
        nullptr);
  }
  return std::unique_ptr<SqlSession>(std::move(s));
}

SessionImpl::SessionImpl(Engine* engine, std::string user, std::string database)
    : engine_(engine),
      user_(std::move(user)),
      database_(std::move(database)),
      pid_(engine->NextBackendPid()),
      settings_(DefaultSettings(user_)) {}

SessionImpl::~SessionImpl() {
  if (txn_) (void)txn_->Rollback();
}

std::vector<std::pair<std::string, std::string>> SessionImpl::ReportedParameters() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, shown] : ReportedNames()) {
    auto it = settings_.find(key);
    out.emplace_back(shown, it == settings_.end() ? "" : it->second);
  }
  return out;
}

void SessionImpl::Cancel() {
  absl::MutexLock lock(&cancel_mu_);
  if (running_) cancelled_.store(true);
}

void SessionImpl::SetRunning(bool running) {
  if (running) statement_start_ = absl::Now();
  absl::MutexLock lock(&cancel_mu_);
  running_ = running;
  cancelled_.store(false);
}

char SessionImpl::TransactionStatus() const {
  if (!explicit_) return 'I';
  return failed_ ? 'E' : 'T';
}

// ---------------------------------------------------------------------------------------
// Transactions

absl::StatusOr<txn::TxnOptions> SessionImpl::AsOfOptions(const ast::Expr& as_of) {
  Binder binder(BinderCatalog{}, {});
  ASSIGN_OR_RETURN(BoundExprPtr e,
                   binder.BindTableExpr(as_of, TableInfo(proto::TableDescriptor())));
  ExecContext ctx = NewContext(nullptr, {});
  ASSIGN_OR_RETURN(Value v, Eval(*e, {}, ctx));
  txn::TxnOptions o;
  o.mode = txn::TxnMode::kReadOnly;
  std::string text;
  if (v.kind() == Value::Kind::kString) text = v.string_value();
  if (v.kind() == Value::Kind::kInt) text = std::to_string(v.int_value());
  if (v.kind() == Value::Kind::kTimestamp) {
    o.read_timestamp = Timestamp{v.timestamp_value() * 1000, 0};
    return o;
  }
  if (auto d = ParseOffset(text); d.has_value()) {
    if (*d > absl::ZeroDuration()) {
      return Error("22023", "AS OF SYSTEM TIME: an interval must be negative (in the past)");
    }
    int64_t now_ns = absl::ToUnixNanos(client().Now());
    o.read_timestamp = Timestamp{now_ns + absl::ToInt64Nanoseconds(*d), 0};
    return o;
  }
  if (!text.empty() && text.rfind("max_staleness:", 0) == 0) {
    auto d = ParseOffset(text.substr(14));
    if (!d.has_value()) return Error("22023", "AS OF SYSTEM TIME: bad staleness bound");
    o.max_staleness = *d;
    return o;
  }
  int64_t ns;
  if (absl::SimpleAtoi(text, &ns)) {
    o.read_timestamp = Timestamp{ns, 0};
    return o;
  }
  auto ts = ParseText(text, SqlType::Of(TypeId::kTimestamp));
  if (ts.ok()) {
    o.read_timestamp = Timestamp{ts->timestamp_value() * 1000, 0};
    return o;
  }
  return Error("22023", absl::StrCat("AS OF SYSTEM TIME: cannot read \"", text,
                                     "\" as a timestamp, an interval like '-10s', or "
                                     "'max_staleness:10s'"));
}

namespace {

// SQL's isolation level names (lower-cased, as the parser and SET give them) to the
// transaction layer's. READ COMMITTED and READ UNCOMMITTED run as SERIALIZABLE, which is
// stronger (PostgreSQL itself runs READ UNCOMMITTED as READ COMMITTED).
absl::StatusOr<txn::Isolation> IsolationOf(std::string_view level) {
  if (level == "repeatable read") return txn::Isolation::kSnapshot;
  if (level == "serializable" || level == "read committed" || level == "read uncommitted") {
    return txn::Isolation::kSerializable;
  }
  return SqlError(
      absl::StatusCode::kInvalidArgument, "22023",
      absl::StrCat("invalid value for parameter \"transaction_isolation\": \"", std::string(level),
                   "\" (serializable, repeatable read, read committed or read "
                   "uncommitted)"));
}

std::string IsolationName(txn::Isolation i) {
  return i == txn::Isolation::kSnapshot ? "repeatable read" : "serializable";
}

}  // namespace

txn::Isolation SessionImpl::DefaultIsolation() const {
  auto it = settings_.find("default_transaction_isolation");
  if (it == settings_.end()) return txn::Isolation::kSerializable;
  return IsolationOf(it->second).value_or(txn::Isolation::kSerializable);
}

absl::StatusOr<txn::Txn*> SessionImpl::StatementTxn(bool read_only_ok, const ast::Expr* as_of,
                                                    bool serializable) {
  if (serializable && ((txn_ && txn_->snapshot()) ||
                       (explicit_ && !txn_ && block_options_.mode == txn::TxnMode::kReadWrite &&
                        block_options_.isolation == txn::Isolation::kSnapshot))) {
    return Error("0A000",
                 "schema changes are not supported in a REPEATABLE READ transaction; run them "
                 "in a SERIALIZABLE one (the default)");
  }
  if (txn_) {
    if (as_of != nullptr) {
      return Error("0A000", "AS OF SYSTEM TIME inside a transaction must be given in BEGIN");
    }
    if (!read_only_ok && txn_->mode() == txn::TxnMode::kReadOnly && implicit_open_ && !explicit_) {
      // An implicit read-only transaction that now needs to write: its reads are done and
      // had no effects, so it ends and a read-write one takes over.
      (void)txn_->Commit();
      txn_.reset();
    } else {
      return txn_.get();
    }
  }
  if (explicit_) {
    if (as_of != nullptr) {
      return Error("0A000", "AS OF SYSTEM TIME inside a transaction must be given in BEGIN");
    }
    txn_ = client().Begin(block_options_);
    return txn_.get();
  }
  txn::TxnOptions o;
  if (as_of != nullptr) {
    ASSIGN_OR_RETURN(o, AsOfOptions(*as_of));
  } else if (read_only_ok) {
    o.mode = txn::TxnMode::kReadOnly;
  } else if (!serializable) {
    o.isolation = DefaultIsolation();
  }
  txn_ = client().Begin(o);
  implicit_open_ = true;
  return txn_.get();
}

absl::Status SessionImpl::FinishImplicit(bool ok) {
  implicit_open_ = false;
  if (!txn_) return absl::OkStatus();
  std::unique_ptr<txn::Txn> t = std::move(txn_);
  absl::Cleanup note = [&] { NoteFinished(*t); };
  if (!ok) {
    (void)t->Rollback();
    return absl::OkStatus();
  }
  return CommitWithLeases(*t).status();
}

void SessionImpl::NoteFinished(const txn::Txn& t) {
  last_trace_ = t.trace();
  last_protocol_ = t.commit_protocol();
}

absl::StatusOr<Timestamp> SessionImpl::CommitWithLeases(txn::Txn& t) {
  if (absl::Status s = engine_->leases().BeforeCommit(t); !s.ok()) {
    (void)t.Rollback();
    return s;
  }
  return t.Commit();
}

absl::StatusOr<TablePtr> SessionImpl::LookupTable(txn::Txn& txn, const std::string& name) {
  return engine_->leases().Get(txn, name);
}

absl::StatusOr<TablePtr> SessionImpl::SchemaTable(txn::Txn& txn, const std::string& name) {
  return engine_->leases().GetForSchemaChange(txn, name);
}

void SessionImpl::EndBlockSettings(bool committed) {
  if (!committed && settings_at_begin_.has_value()) {
    settings_ = std::move(*settings_at_begin_);  // SET is transactional: rolled back with it
  } else {
    for (auto& [name, value] : local_restore_) {
      if (value.has_value()) {
        settings_[name] = std::move(*value);
      } else {
        settings_.erase(name);
      }
    }
  }
  settings_at_begin_.reset();
  local_restore_.clear();
}

absl::Status SessionImpl::CommitTxn() {
  EndBlockSettings(/*committed=*/!failed_);
  savepoints_.clear();
  explicit_ = false;
  failed_ = false;
  implicit_open_ = false;
  if (!txn_) return absl::OkStatus();
  std::unique_ptr<txn::Txn> t = std::move(txn_);
  absl::Cleanup note = [&] { NoteFinished(*t); };
  return CommitWithLeases(*t).status();
}

void SessionImpl::RollbackTxn() {
  EndBlockSettings(/*committed=*/false);
  savepoints_.clear();
  explicit_ = false;
  failed_ = false;
  implicit_open_ = false;
  if (txn_) {
    (void)txn_->Rollback();
    NoteFinished(*txn_);
  }
  txn_.reset();
}

absl::Status SessionImpl::Begin(const ast::BeginStmt& stmt, ResultSink* sink) {
  if (explicit_) {
    if (sink) sink->Notice("there is already a transaction in progress");
    if (sink) sink->Complete("BEGIN");
    return absl::OkStatus();
  }
  block_options_ = txn::TxnOptions{};
  block_options_.isolation = DefaultIsolation();
  if (!stmt.isolation.empty()) {
    ASSIGN_OR_RETURN(block_options_.isolation, IsolationOf(stmt.isolation));
  }
  if (stmt.read_only) block_options_.mode = txn::TxnMode::kReadOnly;
  if (stmt.as_of_system_time) {
    ASSIGN_OR_RETURN(block_options_, AsOfOptions(*stmt.as_of_system_time));
  }
  explicit_ = true;
  failed_ = false;
  settings_at_begin_ = settings_;
  // An implicit transaction already open (BEGIN inside a multi-statement query string)
  // becomes the block's transaction.
  implicit_open_ = false;
  if (sink) sink->Complete("BEGIN");
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------
// Statements

BinderCatalog SessionImpl::MakeCatalog(txn::Txn* txn) {
  BinderCatalog c;
  c.table = [this, txn](const std::string& name) { return LookupTable(*txn, name); };
  c.relation_oid = [txn](const std::string& schema,
                         const std::string& name) -> absl::StatusOr<std::optional<int64_t>> {
    if (!schema.empty() && schema != "public") return std::nullopt;
    ASSIGN_OR_RETURN(std::vector<TablePtr> tables, Catalog::ListTables(*txn));
    return RelationOidByName(tables, name);
  };
  c.system_view = [this, txn](const std::string& schema, const std::string& name) {
    return SystemView(txn, schema, name);
  };
  return c;
}

void SessionImpl::AllowCommitAlone(ExecContext& ctx) {
  if (autocommit_statement_ && !explicit_ && txn_.get() == ctx.txn) {
    ctx.commit_alone = [this](txn::Txn& t) { return engine_->leases().BeforeCommit(t); };
  }
}

ExecContext SessionImpl::NewContext(txn::Txn* txn, std::vector<Value> params) {
  ExecContext ctx;
  ctx.txn = txn;
  ctx.range_map = &client().range_map();
  ctx.params = std::move(params);
  ctx.statement_time_micros = absl::ToUnixMicros(client().Now());
  ctx.database = database_;
  ctx.user = user_;
  ctx.backend_pid = pid_;
  ctx.node_id = engine_->options().node_id;
  ctx.cancelled = &cancelled_;
  // Both were checked when they were SET.
  if (absl::StatusOr<int64_t> limit = ParseMemorySetting(settings_["statement_memory_limit"]);
      limit.ok()) {
    ctx.memory = MemoryBudget(*limit);
  }
  if (absl::StatusOr<absl::Duration> timeout = ParseTimeoutSetting(settings_["statement_timeout"]);
      timeout.ok() && *timeout > absl::ZeroDuration()) {
    ctx.deadline = statement_start_ + *timeout;
  }
  ctx.run_subquery = [](const PhysicalNode& plan,
                        ExecContext& c) -> absl::StatusOr<std::vector<Row>> {
    ASSIGN_OR_RETURN(auto op, BuildOperator(plan, c));
    std::vector<Row> rows;
    RETURN_IF_ERROR(Drain(*op, &rows));
    return rows;
  };
  return ctx;
}

absl::Status SessionImpl::RunPlan(LogicalPtr plan, ExecContext& ctx, ResultSink* sink,
                                  std::vector<Row>* out) {
  ASSIGN_OR_RETURN(PhysicalPtr physical, Optimize(std::move(plan)));
  return RunPhysical(*physical, ctx, sink, out);
}

absl::StatusOr<bool> SessionImpl::PlanStillValid(const CachedPlan& cache, txn::Txn& txn) {
  for (const auto& [name, id_version] : cache.tables) {
    ASSIGN_OR_RETURN(TablePtr t, LookupTable(txn, name));
    if (t == nullptr || t->id() != id_version.first || t->desc().version() != id_version.second) {
      return false;
    }
  }
  return true;
}

absl::Status SessionImpl::RunPhysical(const PhysicalNode& physical, ExecContext& ctx,
                                      ResultSink* sink, std::vector<Row>* out) {
  ASSIGN_OR_RETURN(auto op, BuildOperator(physical, ctx));
  std::vector<Row> batch;
  while (true) {
    RETURN_IF_ERROR(ctx.CheckCancelled());
    ASSIGN_OR_RETURN(bool more, op->Next(&batch));
    if (!more) return absl::OkStatus();
    for (Row& r : batch) {
      if (out != nullptr) {
        out->push_back(std::move(r));
      } else if (sink != nullptr) {
        RETURN_IF_ERROR(sink->Row(r));
      }
    }
  }
}

absl::Status SessionImpl::RunQuery(const ast::Statement& stmt, const std::vector<Value>& params,
                                   ResultSink* sink, bool send_columns, CachedPlan* cache) {
  const ast::Expr* as_of = nullptr;
  bool read_only_ok = false;
  if (const auto* sel = std::get_if<ast::SelectStmt>(&stmt)) {
    as_of = sel->as_of_system_time.get();
    read_only_ok = !sel->for_update && !sel->for_share;
  }
  ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(read_only_ok, as_of));
  bool hit = false;
  if (cache != nullptr && cache->plan != nullptr) {
    ASSIGN_OR_RETURN(hit, PlanStillValid(*cache, *txn));
  }
  CachedPlan planned;
  if (hit) {
    ++plan_cache_stats_.hits;
  } else {
    if (cache != nullptr) ++plan_cache_stats_.misses;
    // Binding records what the plan depends on, to know whether it may be kept. A
    // transaction that changed the schema plans against descriptors that may never commit
    // (their versions could be taken again by another change), so its plans are not kept.
    bool cacheable = cache != nullptr && !DescriptorLeases::ChangedSchema(*txn);
    BinderCatalog catalog = MakeCatalog(txn);
    if (cacheable) {
      catalog.table = [&, lookup = catalog.table](const std::string& name) {
        absl::StatusOr<TablePtr> t = lookup(name);
        if (t.ok() && *t != nullptr) {
          planned.tables.push_back({name, {(*t)->id(), (*t)->desc().version()}});
        } else {
          cacheable = false;
        }
        return t;
      };
      catalog.relation_oid = [&, lookup = catalog.relation_oid](const std::string& schema,
                                                                const std::string& name) {
        cacheable = false;
        return lookup(schema, name);
      };
      catalog.system_view = [&, lookup = catalog.system_view](const std::string& schema,
                                                              const std::string& name) {
        cacheable = false;
        return lookup(schema, name);
      };
    }
    std::vector<SqlType> types;
    for (const Value& v : params) (void)v, types.push_back(SqlType::Of(TypeId::kUnknown));
    Binder binder(std::move(catalog), types);
    ASSIGN_OR_RETURN(BoundStatement bound, binder.Bind(stmt));
    ASSIGN_OR_RETURN(planned.plan, Optimize(bound.plan));
    planned.columns = std::move(bound.columns);
    planned.verb = bound.verb;
    if (cache != nullptr) *cache = cacheable ? planned : CachedPlan{};
  }
  const CachedPlan& plan = hit ? *cache : planned;
  bool returns_rows = std::holds_alternative<ast::SelectStmt>(stmt) || !plan.columns.empty();
  if (send_columns && returns_rows && sink) sink->Columns(plan.columns);
  ExecContext ctx = NewContext(txn, params);
  AllowCommitAlone(ctx);
  int64_t sent = 0;
  struct Counter : DiscardingSink {
    ResultSink* out;
    int64_t* n;
    absl::Status Row(absl::Span<const Value> row) override {
      ++*n;
      return out ? out->Row(row) : absl::OkStatus();
    }
  } counter;
  counter.out = sink;
  counter.n = &sent;
  // Keeps the plan alive even if the statement below replaces the cache entry.
  const PhysicalPtr physical = plan.plan;
  RETURN_IF_ERROR(RunPhysical(*physical, ctx, &counter, nullptr));
  if (sink == nullptr) return absl::OkStatus();
  switch (plan.verb) {
    case StatementVerb::kSelect:
      sink->Complete(absl::StrCat("SELECT ", sent));
      break;
    case StatementVerb::kInsert:
      sink->Complete(absl::StrCat("INSERT 0 ", ctx.rows_affected));
      break;
    case StatementVerb::kUpdate:
      sink->Complete(absl::StrCat("UPDATE ", ctx.rows_affected));
      break;
    case StatementVerb::kDelete:
      sink->Complete(absl::StrCat("DELETE ", ctx.rows_affected));
      break;
  }
  return absl::OkStatus();
}

absl::Status SessionImpl::Explain(const ast::ExplainStmt& stmt, const std::vector<Value>& params,
                                  ResultSink* sink) {
  if (!IsQuery(stmt.statement))
    return Error("0A000", "EXPLAIN supports SELECT, INSERT, UPDATE and DELETE");
  const ast::Expr* as_of = nullptr;
  bool read_only_ok = !stmt.analyze;
  if (const auto* sel = std::get_if<ast::SelectStmt>(&stmt.statement)) {
    as_of = sel->as_of_system_time.get();
    read_only_ok = !sel->for_update;
  }
  ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(read_only_ok, as_of));
  Binder binder(MakeCatalog(txn),
                std::vector<SqlType>(params.size(), SqlType::Of(TypeId::kUnknown)));
  ASSIGN_OR_RETURN(BoundStatement bound, binder.Bind(stmt.statement));
  ASSIGN_OR_RETURN(PhysicalPtr plan, Optimize(bound.plan));
  std::vector<std::string> lines;
  if (!stmt.analyze) {
    lines = absl::StrSplit(plan->ToString(), '\n', absl::SkipEmpty());
  } else {
    ExecContext ctx = NewContext(txn, params);
    AllowCommitAlone(ctx);
    const size_t traced_before = txn->trace().size();
    ASSIGN_OR_RETURN(auto op, BuildOperator(*plan, ctx));
    absl::Time start = absl::Now();
    std::vector<Row> rows;
    RETURN_IF_ERROR(Drain(*op, &rows));
    // A statement that is its own transaction commits here, so that its commit is part of
    // the account: the round trips, Paxos rounds and commit wait it cost.
    std::vector<txn::RpcTrace> trace;
    txn::CommitProtocol protocol = txn::CommitProtocol::kNone;
    if (autocommit_statement_ && !explicit_ && txn_.get() == txn) {
      std::unique_ptr<txn::Txn> t = std::move(txn_);
      implicit_open_ = false;
      absl::StatusOr<Timestamp> committed = CommitWithLeases(*t);
      NoteFinished(*t);
      RETURN_IF_ERROR(committed.status());
      trace = t->trace();
      protocol = t->commit_protocol();
    } else {
      trace = txn->trace();
    }
    absl::Duration total = absl::Now() - start;
    std::function<void(const Operator&, int)> walk = [&](const Operator& o, int depth) {
      std::string line = o.plan().Describe();
      lines.push_back(absl::StrCat(
          std::string(depth * 2, ' '), line, " (actual rows=", o.rows(),
          " time=", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(o.time())), " ms)"));
      for (const auto& c : o.children()) walk(*c, depth + 1);
    };
    walk(*op, 0);
    std::vector<std::string> ranges;
    for (uint64_t r : ctx.ranges_touched) ranges.push_back(absl::StrCat("r", r));
    lines.push_back(
        absl::StrCat("ranges touched: ", ranges.empty() ? "none" : absl::StrJoin(ranges, ", "),
                     " (", ctx.kv_reads, " key-value reads, ", ctx.rows_read, " rows read)"));
    for (std::string& l : TraceLines(
             std::vector<txn::RpcTrace>(trace.begin() + traced_before, trace.end()), protocol)) {
      lines.push_back(std::move(l));
    }
    lines.push_back(absl::StrFormat("execution time: %.3f ms", absl::ToDoubleMilliseconds(total)));
  }
  sink->Columns({ColumnInfo{"QUERY PLAN", SqlType::Of(TypeId::kText)}});
  for (const auto& l : lines) RETURN_IF_ERROR(sink->Row({Value::String(l)}));
  sink->Complete("EXPLAIN");
  return absl::OkStatus();
}

absl::Status SessionImpl::Set(const ast::SetStmt& stmt, ResultSink* sink) {
  if (stmt.name == "transaction" || stmt.name == "session characteristics") {
    if (stmt.transaction.read_only) block_options_.mode = txn::TxnMode::kReadOnly;
    if (stmt.transaction.read_write) {
      if (txn_ && explicit_ && txn_->mode() == txn::TxnMode::kReadOnly) {
        return Error("25001", "transaction read-write mode must be set before any query");
      }
      block_options_.mode = txn::TxnMode::kReadWrite;
    }
    if (txn_ && explicit_ && stmt.transaction.read_only &&
        txn_->mode() != txn::TxnMode::kReadOnly) {
      return Error("25001", "transaction read-only mode must be set before any query");
    }
    if (!stmt.transaction.isolation.empty()) {
      ASSIGN_OR_RETURN(txn::Isolation iso, IsolationOf(stmt.transaction.isolation));
      if (stmt.name == "session characteristics") {
        settings_["default_transaction_isolation"] = IsolationName(iso);
      } else if (txn_ && explicit_) {
        if (txn_->snapshot() != (iso == txn::Isolation::kSnapshot)) {
          return Error("25001", "SET TRANSACTION ISOLATION LEVEL must be called before any query");
        }
      } else {
        block_options_.isolation = iso;
      }
    }
    if (sink) sink->Complete("SET");
    return absl::OkStatus();
  }
  std::string value;
  if (stmt.is_default) {
    value = DefaultSettings(user_)[stmt.name];
  } else {
    std::vector<std::string> parts;
    for (const auto& v : stmt.values) {
      if (v->kind == ast::ExprKind::kLiteral || v->kind == ast::ExprKind::kColumnRef) {
        parts.push_back(v->kind == ast::ExprKind::kColumnRef ? v->names.back() : v->text);
      } else if (v->kind == ast::ExprKind::kUnary && !v->args.empty() &&
                 v->args[0]->kind == ast::ExprKind::kLiteral) {
        parts.push_back(v->op + v->args[0]->text);
      } else {
        return Error("22023", absl::StrCat("SET ", stmt.name, ": value must be a constant"));
      }
    }
    value = absl::StrJoin(parts, ", ");
  }
  std::string name = stmt.name == "time zone" ? "timezone" : stmt.name;
  if (name == "timezone") {
    std::string z = absl::AsciiStrToUpper(value);
    if (z != "UTC" && z != "GMT" && z != "0" && z != "Z" && z != "ETC/UTC" && z != "+00" &&
        z != "LOCAL" && z != "DEFAULT") {
      return Error("22023", absl::StrCat("invalid value for parameter \"TimeZone\": \"", value,
                                         "\" (Meridian runs in UTC)"));
    }
    value = "UTC";
  }
  if (name == "transaction_isolation" || name == "default_transaction_isolation") {
    ASSIGN_OR_RETURN(txn::Isolation iso, IsolationOf(absl::AsciiStrToLower(value)));
    value = IsolationName(iso);
    if (name == "transaction_isolation") {
      // The current (or next) transaction block's, as SET TRANSACTION ISOLATION LEVEL.
      if (txn_ && explicit_ && txn_->snapshot() != (iso == txn::Isolation::kSnapshot)) {
        return Error("25001", "SET TRANSACTION ISOLATION LEVEL must be called before any query");
      }
      if (explicit_) block_options_.isolation = iso;
      if (sink) sink->Complete("SET");
      return absl::OkStatus();
    }
  }
  if (name == "statement_memory_limit") {
    ASSIGN_OR_RETURN(int64_t bytes, ParseMemorySetting(value));
    value = bytes == 0 ? "0" : FormatMemorySetting(bytes);
  }
  if (name == "statement_timeout") {
    ASSIGN_OR_RETURN(absl::Duration d, ParseTimeoutSetting(value));
    value = FormatTimeout(d);
  }
  if (stmt.local) {
    // Until the transaction ends; outside a block it would end at once (PostgreSQL warns).
    if (!explicit_) {
      if (sink) sink->Notice("SET LOCAL can only be used in transaction blocks");
      if (sink) sink->Complete("SET");
      return absl::OkStatus();
    }
    local_restore_.try_emplace(
        name, settings_.count(name) ? std::optional(settings_[name]) : std::nullopt);
  }
  settings_[name] = value;
  if (sink) sink->Complete("SET");
  return absl::OkStatus();
}

absl::Status SessionImpl::Show(const ast::ShowStmt& stmt, ResultSink* sink) {
  const SqlType text = SqlType::Of(TypeId::kText);
  if (stmt.name == "all") {
    sink->Columns({ColumnInfo{"name", text}, ColumnInfo{"setting", text}});
    for (const auto& [k, v] : settings_)
      RETURN_IF_ERROR(sink->Row({Value::String(k), Value::String(v)}));
    sink->Complete(absl::StrCat("SHOW ", settings_.size()));
    return absl::OkStatus();
  }
  if (stmt.name == "last_transaction_trace") {
    sink->Columns({ColumnInfo{"trace", text}});
    for (const std::string& l : TraceLines(last_trace_, last_protocol_))
      RETURN_IF_ERROR(sink->Row({Value::String(l)}));
    sink->Complete("SHOW");
    return absl::OkStatus();
  }
  if (stmt.name == "tables") {
    ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(true, nullptr));
    ASSIGN_OR_RETURN(auto tables, Catalog::ListTables(*txn));
    sink->Columns({ColumnInfo{"table_name", text}});
    for (const auto& t : tables) RETURN_IF_ERROR(sink->Row({Value::String(t->name())}));
    sink->Complete(absl::StrCat("SHOW ", tables.size()));
    return absl::OkStatus();
  }
  std::string name = stmt.name;
  if (name == "transaction isolation level") name = "transaction_isolation";
  if (name == "time zone") name = "timezone";
  auto it = settings_.find(absl::AsciiStrToLower(name));
  if (it == settings_.end()) {
    return Error("42704", absl::StrCat("unrecognized configuration parameter \"", stmt.name, "\""));
  }
  std::string value = it->second;
  if (name == "transaction_read_only")
    value = (txn_ && txn_->mode() == txn::TxnMode::kReadOnly) ? "on" : "off";
  if (name == "transaction_isolation") {
    value = txn_ && txn_->mode() == txn::TxnMode::kReadWrite
                ? IsolationName(txn_->snapshot() ? txn::Isolation::kSnapshot
                                                 : txn::Isolation::kSerializable)
            : explicit_ ? IsolationName(block_options_.isolation)
                        : IsolationName(DefaultIsolation());
  }
  sink->Columns({ColumnInfo{stmt.name, text}});
  RETURN_IF_ERROR(sink->Row({Value::String(value)}));
  sink->Complete("SHOW");
  return absl::OkStatus();
}

absl::Status SessionImpl::SavepointStatement(const ast::Statement& stmt, ResultSink* sink) {
  if (const auto* d = std::get_if<ast::DiscardStmt>(&stmt)) {
    std::string tag = absl::StrCat("DISCARD ", absl::AsciiStrToUpper(d->what));
    if (d->what == "all") {
      if (explicit_) return Error("25001", "DISCARD ALL cannot run inside a transaction block");
      // Session settings; the wire server also forgets the connection's prepared statements.
      settings_ = DefaultSettings(user_);
    }
    if (sink) sink->Complete(tag);
    return absl::OkStatus();
  }
  auto find = [this](const std::string& name, const char* verb) -> absl::StatusOr<size_t> {
    if (!explicit_) {
      return Error("25P01", absl::StrCat(verb, " can only be used in transaction blocks"));
    }
    for (size_t i = savepoints_.size(); i-- > 0;) {
      if (savepoints_[i].name == name) return i;
    }
    return Error("3B001", absl::StrCat("savepoint \"", name, "\" does not exist"));
  };
  if (const auto* sp = std::get_if<ast::SavepointStmt>(&stmt)) {
    if (!explicit_) return Error("25P01", "SAVEPOINT can only be used in transaction blocks");
    savepoints_.push_back(Savepoint{sp->name, txn_ ? txn_->buffered_writes() : txn::Txn::Writes{},
                                    settings_, local_restore_, txn_ ? txn_->ingests() : 0});
    if (sink) sink->Complete("SAVEPOINT");
    return absl::OkStatus();
  }
  if (const auto* r = std::get_if<ast::ReleaseStmt>(&stmt)) {
    ASSIGN_OR_RETURN(size_t i, find(r->name, "RELEASE SAVEPOINT"));
    savepoints_.resize(i);
    if (sink) sink->Complete("RELEASE");
    return absl::OkStatus();
  }
  const auto& r = std::get<ast::RollbackStmt>(stmt);
  ASSIGN_OR_RETURN(size_t i, find(r.savepoint, "ROLLBACK TO SAVEPOINT"));
  if (txn_) {
    if (txn_->ingests() != savepoints_[i].ingests) {
      // Rows written early on the bulk path cannot be taken back one statement at a time.
      return Error("0A000",
                   absl::StrCat("cannot roll back to savepoint \"", r.savepoint,
                                "\": rows loaded in bulk since then (into a table created or "
                                "truncated in this transaction) are already written; roll back "
                                "the whole transaction"));
    }
    // Undoes the writes since the savepoint. A transaction the cluster aborted (40001)
    // cannot be resumed: the block stays failed.
    absl::Status s = txn_->RestoreWrites(savepoints_[i].writes);
    if (!s.ok()) return EnsureSqlState(s);
  }
  settings_ = savepoints_[i].settings;  // SETs since the savepoint are rolled back too
  local_restore_ = savepoints_[i].local_restore;
  savepoints_.resize(i + 1);
  failed_ = false;
  if (sink) sink->Complete("ROLLBACK");
  return absl::OkStatus();
}

absl::Status SessionImpl::ExecuteOne(const ast::ParsedStatement& parsed,
                                     const std::vector<Value>& params, ResultSink* sink,
                                     CachedPlan* cache) {
  const ast::Statement& stmt = parsed.statement;
  if (const auto* r = std::get_if<ast::RollbackStmt>(&stmt);
      r != nullptr && !r->savepoint.empty()) {
    return SavepointStatement(stmt, sink);
  }
  bool ends_block = std::holds_alternative<ast::CommitStmt>(stmt) ||
                    std::holds_alternative<ast::RollbackStmt>(stmt);
  if (failed_ && !ends_block) {
    return Error("25P02",
                 "current transaction is aborted, commands ignored until end of transaction block",
                 absl::StatusCode::kFailedPrecondition);
  }
  if (const auto* b = std::get_if<ast::BeginStmt>(&stmt)) return Begin(*b, sink);
  if (std::holds_alternative<ast::CommitStmt>(stmt)) {
    if (!explicit_) {
      if (sink) sink->Notice("there is no transaction in progress");
      if (sink) sink->Complete("COMMIT");
      return absl::OkStatus();
    }
    if (failed_) {
      RollbackTxn();
      if (sink) sink->Complete("ROLLBACK");
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(CommitTxn());
    if (sink) sink->Complete("COMMIT");
    return absl::OkStatus();
  }
  if (std::holds_alternative<ast::RollbackStmt>(stmt)) {
    if (!explicit_ && sink) sink->Notice("there is no transaction in progress");
    RollbackTxn();
    if (sink) sink->Complete("ROLLBACK");
    return absl::OkStatus();
  }
  if (std::holds_alternative<ast::SavepointStmt>(stmt) ||
      std::holds_alternative<ast::ReleaseStmt>(stmt) ||
      std::holds_alternative<ast::DiscardStmt>(stmt)) {
    return SavepointStatement(stmt, sink);
  }
  if (const auto* s = std::get_if<ast::SetStmt>(&stmt)) return Set(*s, sink);
  if (const auto* s = std::get_if<ast::ShowStmt>(&stmt)) return Show(*s, sink);
  if (const auto* s = std::get_if<ast::ResetStmt>(&stmt)) {
    if (s->name == "all") {
      settings_ = DefaultSettings(user_);
    } else {
      settings_[s->name] = DefaultSettings(user_)[s->name];
    }
    if (sink) sink->Complete("RESET");
    return absl::OkStatus();
  }
  if (std::holds_alternative<ast::VacuumStmt>(stmt)) {
    if (explicit_) return Error("25001", "VACUUM cannot run inside a transaction block");
    if (sink) sink->Complete("VACUUM");
    return absl::OkStatus();
  }
  if (std::holds_alternative<ast::EmptyStmt>(stmt)) return absl::OkStatus();
  if (const auto* e = std::get_if<std::unique_ptr<ast::ExplainStmt>>(&stmt)) {
    return Explain(**e, params, sink);
  }
  if (IsQuery(stmt)) return RunQuery(stmt, params, sink, true, cache);
  if (const auto* c = std::get_if<ast::CopyStmt>(&stmt)) return ExecuteCopy(*c, sink);
  if (IsDdl(stmt)) return ExecuteDdl(stmt, sink);
  return Error("0A000", "statement not supported");
}

absl::Status SessionImpl::ExecuteStatement(const ast::ParsedStatement& parsed,
                                           const std::vector<Value>& params, ResultSink* sink,
                                           bool implicit_single, CachedPlan* cache) {
  if (!implicit_single || !Transactional(parsed.statement)) {
    return ExecuteOne(parsed, params, sink, cache);
  }
  BufferingSink buffer(sink, engine_->options().result_buffer_bytes);
  absl::Status status;
  for (int attempt = 0;; ++attempt) {
    buffer.Reset();
    autocommit_statement_ = true;
    status = ExecuteOne(parsed, params, &buffer, cache);
    autocommit_statement_ = false;
    absl::Status end = FinishImplicit(status.ok());
    if (status.ok()) status = end;
    if (status.ok()) return buffer.Replay();
    status = EnsureSqlState(status);
    // Once results reached the client the statement cannot be run again unnoticed: the
    // client sees the error (a 40001 it can retry itself).
    if (GetSqlState(status) != "40001" || buffer.streaming() ||
        attempt + 1 >= engine_->options().max_implicit_retries) {
      return status;
    }
    client().Sleep(absl::Milliseconds(1 << std::min(attempt, 6)));
  }
}

absl::Status SessionImpl::ExecuteSimple(std::string_view sql, ResultSink* sink) {
  SetRunning(true);
  absl::Cleanup done = [this] { SetRunning(false); };
  absl::StatusOr<std::shared_ptr<TextEntry>> entry = ParseCached(sql);
  if (!entry.ok()) {
    if (explicit_) failed_ = true;
    return EnsureSqlState(entry.status());
  }
  const std::shared_ptr<TextEntry> text = *std::move(entry);  // kept while it runs
  const bool batch = text->parsed.size() > 1;
  for (size_t i = 0; i < text->parsed.size(); ++i) {
    bool implicit_single = !explicit_ && !batch && !implicit_open_;
    absl::Status s = ExecuteStatement(text->parsed[i], {}, sink, implicit_single, &text->plans[i]);
    if (!s.ok()) {
      if (explicit_) {
        failed_ = true;
      } else {
        (void)FinishImplicit(false);
      }
      return EnsureSqlState(s);
    }
  }
  if (implicit_open_ && !explicit_) return EnsureSqlState(FinishImplicit(true));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<SessionImpl::TextEntry>> SessionImpl::ParseCached(
    std::string_view sql) {
  const bool keep = sql.size() <= kTextCacheMaxBytes;
  if (keep) {
    if (auto it = text_cache_.find(sql); it != text_cache_.end()) {
      text_lru_.splice(text_lru_.begin(), text_lru_, it->second);
      return it->second->second;
    }
  }
  ASSIGN_OR_RETURN(std::vector<ast::ParsedStatement> parsed, Parse(sql));
  auto entry = std::make_shared<TextEntry>();
  entry->parsed = std::move(parsed);
  entry->plans.resize(entry->parsed.size());
  if (keep) {
    text_lru_.emplace_front(std::string(sql), entry);
    text_cache_.emplace(text_lru_.front().first, text_lru_.begin());
    if (text_lru_.size() > kTextCacheEntries) {
      text_cache_.erase(text_lru_.back().first);
      text_lru_.pop_back();
    }
  }
  return entry;
}

absl::StatusOr<std::unique_ptr<PreparedStatement>> SessionImpl::Prepare(
    std::string_view sql, absl::Span<const uint32_t> param_type_oids) {
  ASSIGN_OR_RETURN(auto parsed, Parse(sql));
  if (parsed.size() > 1) {
    return Error("42601", "cannot insert multiple commands into a prepared statement");
  }
  auto p = std::make_unique<PreparedImpl>();
  if (parsed.empty()) {
    p->parsed.statement = ast::EmptyStmt{};
    return std::unique_ptr<PreparedStatement>(std::move(p));
  }
  p->parsed = std::move(parsed[0]);
  std::vector<SqlType> types;
  for (uint32_t oid : param_type_oids) {
    auto t = SqlTypeFromPgOid(oid);
    if (!t.has_value())
      return Error("42704", absl::StrCat("type with OID ", oid, " does not exist"));
    types.push_back(*t);
  }
  if (types.size() < static_cast<size_t>(p->parsed.num_params)) {
    types.resize(p->parsed.num_params, SqlType::Of(TypeId::kUnknown));
  }
  const ast::Statement& stmt = p->parsed.statement;
  const SqlType text = SqlType::Of(TypeId::kText);
  if (IsQuery(stmt) || std::holds_alternative<std::unique_ptr<ast::ExplainStmt>>(stmt)) {
    // Describe through the catalog as of now (in the open transaction, if any).
    std::unique_ptr<txn::Txn> own;
    txn::Txn* t = txn_.get();
    if (t == nullptr) {
      own = client().Begin({.mode = txn::TxnMode::kReadOnly});
      t = own.get();
    }
    if (IsQuery(stmt)) {
      Binder binder(MakeCatalog(t), types);
      absl::StatusOr<BoundStatement> b = binder.Bind(stmt);
      if (own) (void)own->Commit();
      if (!b.ok()) return EnsureSqlState(b.status());
      p->params = b->param_types;
      p->cols = b->columns;
      p->rows = std::holds_alternative<ast::SelectStmt>(stmt) || !b->columns.empty();
    } else {
      if (own) (void)own->Commit();
      p->params = types;
      p->cols = {ColumnInfo{"QUERY PLAN", text}};
      p->rows = true;
    }
  } else if (const auto* s = std::get_if<ast::ShowStmt>(&stmt)) {
    p->params = types;
    if (s->name == "all") {
      p->cols = {ColumnInfo{"name", text}, ColumnInfo{"setting", text}};
    } else if (s->name == "tables") {
      p->cols = {ColumnInfo{"table_name", text}};
    } else {
      p->cols = {ColumnInfo{s->name, text}};
    }
    p->rows = true;
  } else {
    p->params = types;
  }
  for (auto& t : p->params) {
    if (t.id == TypeId::kUnknown) t = text;
  }
  return std::unique_ptr<PreparedStatement>(std::move(p));
}

absl::Status SessionImpl::Execute(PreparedStatement& statement, absl::Span<const Value> params,
                                  ResultSink* sink) {
  SetRunning(true);
  absl::Cleanup done = [this] { SetRunning(false); };
  auto& p = static_cast<PreparedImpl&>(statement);
  std::vector<Value> values(params.begin(), params.end());
  absl::Status s;
  if (IsQuery(p.parsed.statement)) {
    if (failed_) {
      s = Error("25P02",
                "current transaction is aborted, commands ignored until end of transaction block");
    } else {
      s = RunQuery(p.parsed.statement, values, sink, /*send_columns=*/false, &p.plan);
    }
  } else {
    s = ExecuteOne(p.parsed, values, sink);
  }
  if (!s.ok()) {
    if (explicit_) {
      failed_ = true;
    } else {
      (void)FinishImplicit(false);
    }
  }
  return EnsureSqlState(s);
}

absl::Status SessionImpl::Sync() {
  if (implicit_open_ && !explicit_) return EnsureSqlState(FinishImplicit(true));
  return absl::OkStatus();
}

}  // namespace meridian::sql
