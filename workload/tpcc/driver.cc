#include "workload/tpcc/driver.h"

#include <algorithm>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status.h"
#include "workload/tpcc/connection_pool.h"
#include "workload/tpcc/deck.h"
#include "workload/tpcc/inputs.h"
#include "workload/tpcc/meta.h"
#include "workload/tpcc/pacing.h"
#include "workload/tpcc/run_stats.h"
#include "workload/tpcc/transactions.h"

namespace meridian::workload::tpcc {
namespace {

constexpr int kTerminalsPerWarehouse = 10;

struct TerminalState {
  TerminalState(Terminal t, uint64_t seed) : terminal(t), rng(seed) {}
  Terminal terminal;
  Deck deck;
  TpccRandom rng;
  absl::Time due;
  bool keyed = false;  // a card is dealt and its keying time runs until `due`
  TxnType card = TxnType::kNewOrder;
};

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

bool Retryable(const absl::Status& s) {
  const std::optional<std::string> state = GetSqlState(s);
  return state.has_value() && (*state == "40001" || *state == "40P01");
}

// Everything the workers share.
struct Shared {
  const RunOptions* options;
  InputGenerator inputs;
  Pacing pacing;
  ConnectionPool* pool;
  RunStats* stats;
  absl::Time window_start;
  absl::Time stop;
};

// Runs one transaction of `type` for terminal `t`, retries included.
TxnRecord Execute(Shared& sh, TerminalState& t) {
  TxnRecord rec;
  rec.type = t.card;
  TpccRandom& rng = t.rng;
  // The inputs are drawn once: a retry re-runs the same transaction.
  NewOrderInput no;
  PaymentInput pay;
  OrderStatusInput os;
  DeliveryInput del;
  StockLevelInput sl;
  switch (t.card) {
    case TxnType::kNewOrder:
      no = sh.inputs.NewOrder(rng, t.terminal);
      rec.audit.new_orders = 1;
      rec.audit.order_lines = static_cast<int64_t>(no.lines.size());
      for (const auto& line : no.lines) rec.audit.remote_order_lines += line.supply_w != no.w;
      rec.audit.rollback_inputs = no.rollback;
      break;
    case TxnType::kPayment:
      pay = sh.inputs.Payment(rng, t.terminal);
      rec.audit.payments = 1;
      rec.audit.remote_payments = pay.remote();
      rec.audit.payments_by_name = pay.by_name();
      break;
    case TxnType::kOrderStatus:
      os = sh.inputs.OrderStatus(rng, t.terminal);
      rec.audit.order_statuses = 1;
      rec.audit.order_statuses_by_name = os.by_name();
      break;
    case TxnType::kDelivery:
      del = sh.inputs.Delivery(rng, t.terminal);
      rec.audit.deliveries = 1;
      break;
    case TxnType::kStockLevel:
      sl = sh.inputs.StockLevel(rng, t.terminal);
      break;
  }

  // The response time starts when the terminal submits: waiting for a connection counts.
  const absl::Time start = absl::Now();
  const int slot = sh.pool->Acquire();
  for (int attempt = 0;; ++attempt) {
    SqlRunner* db = sh.pool->runner(slot);
    if (!db->is_open()) {
      if (absl::Status s = sh.pool->Reconnect(slot); !s.ok()) {
        rec.error = std::string(s.message());
        rec.sqlstate = GetSqlState(s).value_or("");
        break;
      }
      db = sh.pool->runner(slot);
    }
    const int64_t before = db->statements();
    Transactions txns(db, sh.options->isolation);
    absl::StatusOr<TxnResult> r;
    const std::string now = Timestamp(absl::Now());
    switch (t.card) {
      case TxnType::kNewOrder:
        r = txns.NewOrder(no, now);
        break;
      case TxnType::kPayment:
        r = txns.Payment(pay, now);
        break;
      case TxnType::kOrderStatus:
        r = txns.OrderStatus(os);
        break;
      case TxnType::kDelivery:
        r = txns.Delivery(del, now);
        break;
      case TxnType::kStockLevel:
        r = txns.StockLevel(sl);
        break;
    }
    if (r.ok()) {
      rec.statements += db->statements() - before;
      rec.ok = true;
      rec.rolled_back = r->rolled_back;
      rec.audit.skipped_districts = r->skipped_districts;
      break;
    }
    // The transaction is still open on the server (or the connection is gone).
    if (db->is_open()) (void)db->Simple("ROLLBACK");
    rec.statements += db->statements() - before;
    if (Retryable(r.status()) && attempt < sh.options->max_retries) {
      ++rec.retries;
      continue;
    }
    rec.sqlstate = GetSqlState(r.status()).value_or("");
    rec.error = std::string(r.status().message());
    break;
  }
  rec.micros = absl::ToInt64Microseconds(absl::Now() - start);
  sh.pool->Release(slot);
  return rec;
}

void Worker(Shared& sh, std::vector<TerminalState*> terminals) {
  if (terminals.empty()) return;
  for (TerminalState* t : terminals) t->due = absl::Now();
  while (true) {
    TerminalState* t = *std::min_element(
        terminals.begin(), terminals.end(),
        [](const TerminalState* a, const TerminalState* b) { return a->due < b->due; });
    if (t->due >= sh.stop) return;
    const absl::Time now = absl::Now();
    if (now >= sh.stop) return;
    if (t->due > now) {
      absl::SleepFor(t->due - now);
      continue;
    }
    if (!t->keyed) {
      t->card = t->deck.Deal(t->rng);
      t->keyed = true;
      t->due = now + absl::Seconds(sh.pacing.KeyingSeconds(t->card));
      continue;
    }
    const TxnRecord rec = Execute(sh, *t);
    const absl::Time end = absl::Now();
    sh.stats->Record(rec, end >= sh.window_start && end <= sh.stop);
    t->keyed = false;
    t->due = end + absl::Seconds(sh.pacing.ThinkSeconds(t->card, t->rng));
  }
}

void PrintInterval(std::FILE* out, double elapsed, bool ramp,
                   const std::array<TypeStats, kTxnTypes>& interval, double seconds) {
  for (TxnType t : kAllTxnTypes) {
    const TypeStats& s = interval[static_cast<int>(t)];
    std::fprintf(out, "%7.0fs%s %-12s %8.1f %6lld %6lld %9.1f %9.1f %9.1f %9.1f\n", elapsed,
                 ramp ? "*" : " ", Info(t).name, static_cast<double>(s.completed) / seconds,
                 static_cast<long long>(s.errors), static_cast<long long>(s.retries),
                 static_cast<double>(s.latency.Quantile(0.5)) / 1000,
                 static_cast<double>(s.latency.Quantile(0.9)) / 1000,
                 static_cast<double>(s.latency.Quantile(0.99)) / 1000,
                 static_cast<double>(s.latency.max()) / 1000);
  }
  std::fflush(out);
}

}  // namespace

absl::StatusOr<RunSummary> RunWorkload(const RunOptions& options, std::FILE* lines) {
  CHECK(!options.urls.empty());
  ASSIGN_OR_RETURN(std::unique_ptr<SqlRunner> first,
                   SqlRunner::Connect(options.urls[0], SqlRunner::Protocol::kSimple));
  ASSIGN_OR_RETURN(TpccMeta meta, TpccMeta::Read(*first));
  RunSummary summary;
  summary.scale = meta.scale;
  summary.system = first->meridian() ? "Meridian" : "PostgreSQL";
  first.reset();

  const int warehouses = options.warehouses == 0 ? meta.scale.warehouses : options.warehouses;
  if (warehouses > meta.scale.warehouses) {
    return absl::InvalidArgumentError(
        absl::StrCat("--warehouses=", warehouses, " but the database holds ", meta.scale.warehouses,
                     " (see `meridian workload tpcc init`)"));
  }
  // The spec's 10 terminals per warehouse. Flat out (--wait=0) a terminal is only a source
  // of inputs, so more workers than that get more terminals (homed round-robin over the
  // warehouses and districts); with waits, extra workers would only idle.
  int terminals = warehouses * kTerminalsPerWarehouse;
  if (options.wait == 0 && options.workers > terminals) terminals = options.workers;
  const int workers = options.workers == 0 ? terminals : std::min(options.workers, terminals);
  const int conns = options.conns == 0 ? workers : std::min(options.conns, workers);
  summary.warehouses = warehouses;
  summary.terminals = terminals;
  summary.workers = workers;
  summary.conns = conns;
  summary.wait = options.wait;
  summary.prepared = options.protocol == SqlRunner::Protocol::kPrepared;
  summary.isolation = options.isolation;

  TpccRandom rng(options.seed);
  const NURandConstants run_c = NURandConstants::ForRun(meta.load, rng);
  std::fprintf(lines,
               "TPC-C run on %s: %s; %d terminals, %d workers, %d connections over %zu URL(s), "
               "wait x%g, %s protocol, seed %llu, NURand C_Run: C_LAST %lld (C_Load %lld), "
               "C_ID %lld, OL_I_ID %lld\n",
               summary.system.c_str(), meta.scale.Describe().c_str(), terminals, workers, conns,
               options.urls.size(), options.wait, summary.prepared ? "prepared" : "simple",
               static_cast<unsigned long long>(options.seed), static_cast<long long>(run_c.c_last),
               static_cast<long long>(meta.load.c_last), static_cast<long long>(run_c.c_id),
               static_cast<long long>(run_c.ol_i_id));
  ASSIGN_OR_RETURN(std::unique_ptr<ConnectionPool> pool,
                   ConnectionPool::Open(options.urls, conns, options.protocol));

  std::vector<std::unique_ptr<TerminalState>> states;
  for (int k = 0; k < terminals; ++k) {
    const Terminal t{(k / kTerminalsPerWarehouse) % warehouses + 1, k % kTerminalsPerWarehouse + 1};
    states.push_back(std::make_unique<TerminalState>(
        t, options.seed ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(k + 1))));
  }
  RunStats stats;
  const absl::Time begin = absl::Now();
  Shared shared{&options,
                InputGenerator(meta.scale, warehouses, run_c),
                Pacing(options.wait),
                pool.get(),
                &stats,
                begin + options.ramp,
                begin + options.ramp + options.duration};
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i) {
    std::vector<TerminalState*> mine;
    for (int k = i; k < terminals; k += workers)
      mine.push_back(states[static_cast<size_t>(k)].get());
    threads.emplace_back(Worker, std::ref(shared), std::move(mine));
  }

  std::fprintf(lines, "%8s %-12s %8s %6s %6s %9s %9s %9s %9s\n", "elapsed", "type", "txn/s",
               "errors", "retry", "p50(ms)", "p90(ms)", "p99(ms)", "max(ms)");
  absl::Time last = begin;
  while (absl::Now() < shared.stop) {
    const absl::Time next = std::min(last + absl::Seconds(1), shared.stop);
    absl::SleepFor(next - absl::Now());
    const absl::Time now = absl::Now();
    PrintInterval(lines, absl::ToDoubleSeconds(now - begin), now <= shared.window_start,
                  stats.TakeInterval(), std::max(absl::ToDoubleSeconds(now - last), 1e-3));
    last = now;
  }
  for (std::thread& t : threads) t.join();

  summary.window_seconds = absl::ToDoubleSeconds(options.duration);
  summary.types = stats.Window();
  summary.audit = stats.WindowAudit();
  summary.errors = stats.Errors();
  return summary;
}

}  // namespace meridian::workload::tpcc
