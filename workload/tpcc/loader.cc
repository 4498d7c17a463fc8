#include "workload/tpcc/loader.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {
namespace {

// Items and stock are cut into units of this many rows.
constexpr int kRowsPerRangeUnit = 10000;
// A COPY also ends once its data reaches this size (customers are about 700 bytes a row).
constexpr size_t kMaxCopyBytes = 4 << 20;
constexpr int kMaxCopyAttempts = 20;

struct Unit {
  enum class Kind { kItems, kWarehouse, kStock, kCustomers, kOrders };
  Kind kind;
  int w = 0;
  int d = 0;
  int first = 0;
  int last = 0;

  std::string Describe() const {
    switch (kind) {
      case Kind::kItems:
        return absl::StrCat("items ", first, "..", last);
      case Kind::kWarehouse:
        return absl::StrCat("warehouse ", w, " and its districts");
      case Kind::kStock:
        return absl::StrCat("stock ", first, "..", last, " of warehouse ", w);
      case Kind::kCustomers:
        return absl::StrCat("customers of district ", d, " of warehouse ", w);
      case Kind::kOrders:
        return absl::StrCat("orders of district ", d, " of warehouse ", w);
    }
    return "?";
  }
};

// SplitMix64's finalizer: spreads a unit's coordinates over the seed space.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t UnitSeed(uint64_t seed, const Unit& u) {
  uint64_t h = Mix(seed);
  for (uint64_t v : {static_cast<uint64_t>(u.kind), static_cast<uint64_t>(u.w),
                     static_cast<uint64_t>(u.d), static_cast<uint64_t>(u.first)}) {
    h = Mix(h ^ v);
  }
  return h;
}

std::vector<Unit> Units(const Scale& scale) {
  std::vector<Unit> units;
  auto ranges = [&](Unit::Kind kind, int w) {
    for (int first = 1; first <= scale.items; first += kRowsPerRangeUnit) {
      units.push_back(
          Unit{kind, w, 0, first, std::min(scale.items, first + kRowsPerRangeUnit - 1)});
    }
  };
  ranges(Unit::Kind::kItems, 0);
  for (int w = 1; w <= scale.warehouses; ++w) {
    units.push_back(Unit{Unit::Kind::kWarehouse, w});
    for (int d = 1; d <= Scale::kDistrictsPerWarehouse; ++d) {
      units.push_back(Unit{Unit::Kind::kCustomers, w, d});
      units.push_back(Unit{Unit::Kind::kOrders, w, d});
    }
    ranges(Unit::Kind::kStock, w);
  }
  return units;
}

// Buffers one unit's rows per table and sends each table's buffer as one COPY when it is
// full, and at the end.
class Batcher {
 public:
  Batcher(SqlRunner* db, Progress* progress, int batch_rows)
      : db_(db), progress_(progress), batch_rows_(batch_rows) {}

  absl::Status Add(Table table, const Row& row) {
    Buffer& b = buffers_[static_cast<int>(table)];
    AppendCopyLine(row, &b.data);
    if (++b.rows >= batch_rows_ || b.data.size() >= kMaxCopyBytes) return Flush(table);
    return absl::OkStatus();
  }

  absl::Status FlushAll() {
    for (Table t : kAllTables) RETURN_IF_ERROR(Flush(t));
    return absl::OkStatus();
  }

 private:
  struct Buffer {
    std::string data;
    int64_t rows = 0;
  };

  absl::Status Flush(Table table) {
    Buffer& b = buffers_[static_cast<int>(table)];
    if (b.rows == 0) return absl::OkStatus();
    const std::string sql = absl::StrCat("COPY ", TableName(table), " FROM STDIN");
    for (int attempt = 1;; ++attempt) {
      auto result = db_->CopyIn(sql, b.data);
      if (result.ok()) break;
      const auto state = GetSqlState(result.status());
      const bool retry = state == "40001" || state == "40P01";
      if (!retry || attempt >= kMaxCopyAttempts) {
        return absl::Status(result.status().code(),
                            absl::StrCat("COPY ", TableName(table), " (", b.rows,
                                         " rows): ", result.status().message(), " (SQLSTATE ",
                                         state.value_or("none"), ")"));
      }
    }
    progress_->Add(table, b.rows);
    b.data.clear();
    b.rows = 0;
    return absl::OkStatus();
  }

  SqlRunner* db_;
  Progress* progress_;
  const int batch_rows_;
  std::array<Buffer, kTables> buffers_;
};

absl::Status RunUnit(const Unit& u, const Population& pop, SqlRunner* db, Progress* progress,
                     int batch_rows, uint64_t seed) {
  TpccRandom rng(UnitSeed(seed, u));
  Batcher batcher(db, progress, batch_rows);
  RowSink sink = [&batcher](Table t, Row row) { return batcher.Add(t, row); };
  switch (u.kind) {
    case Unit::Kind::kItems:
      RETURN_IF_ERROR(pop.Items(rng, u.first, u.last, sink));
      break;
    case Unit::Kind::kWarehouse:
      RETURN_IF_ERROR(pop.WarehouseAndDistricts(rng, u.w, sink));
      break;
    case Unit::Kind::kStock:
      RETURN_IF_ERROR(pop.Stock(rng, u.w, u.first, u.last, sink));
      break;
    case Unit::Kind::kCustomers:
      RETURN_IF_ERROR(pop.Customers(rng, u.w, u.d, sink));
      break;
    case Unit::Kind::kOrders:
      RETURN_IF_ERROR(pop.Orders(rng, u.w, u.d, sink));
      break;
  }
  return batcher.FlushAll();
}

}  // namespace

void AppendCopyLine(const Row& row, std::string* out) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out->push_back('\t');
    if (!row[i].has_value()) {
      out->append("\\N");
      continue;
    }
    for (char c : *row[i]) {
      switch (c) {
        case '\\':
          out->append("\\\\");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        default:
          out->push_back(c);
      }
    }
  }
  out->push_back('\n');
}

std::array<int64_t, kTables> ExpectedRows(const Scale& scale) {
  std::array<int64_t, kTables> rows{};
  const int64_t w = scale.warehouses;
  const int64_t districts = w * Scale::kDistrictsPerWarehouse;
  rows[static_cast<int>(Table::kItem)] = scale.items;
  rows[static_cast<int>(Table::kWarehouse)] = w;
  rows[static_cast<int>(Table::kDistrict)] = districts;
  rows[static_cast<int>(Table::kStock)] = w * scale.items;
  rows[static_cast<int>(Table::kCustomer)] = districts * scale.customers;
  rows[static_cast<int>(Table::kHistory)] = districts * scale.customers;
  rows[static_cast<int>(Table::kOrders)] = districts * scale.orders;
  rows[static_cast<int>(Table::kNewOrder)] = districts * scale.NewOrders();
  rows[static_cast<int>(Table::kOrderLine)] = districts * scale.orders * 10;
  return rows;
}

absl::Status Load(const Population& population, const LoadOptions& options, Progress* progress) {
  const std::vector<Unit> units = Units(population.scale());
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  absl::Status first_error;  // guarded by mu
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  const int workers = std::max(1, options.workers);
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back([&, i] {
      const std::string& url = options.urls[static_cast<size_t>(i) % options.urls.size()];
      auto fail = [&](const absl::Status& s) {
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = s;
        failed = true;
      };
      auto db = SqlRunner::Connect(url, SqlRunner::Protocol::kSimple);
      if (!db.ok()) return fail(db.status());
      while (!failed) {
        const size_t n = next.fetch_add(1);
        if (n >= units.size()) return;
        absl::Status s =
            RunUnit(units[n], population, db->get(), progress, options.batch_rows, options.seed);
        if (!s.ok()) {
          return fail(absl::Status(
              s.code(), absl::StrCat("loading ", units[n].Describe(), ": ", s.message())));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  absl::MutexLock lock(&mu);
  return first_error;
}

}  // namespace meridian::workload::tpcc
