// MVCC storage benchmarks on the LevelDB engine (the real, durable one).
//
//   BM_MvccPut/sync:0|1   one committed version per call, each its own atomic batch
//   BM_MvccGet            point read at the newest timestamp over 100k keys
//   BM_MvccScan1000       a 1,000-row scan; /versions:N gives each key N versions to skip
//   BM_MvccGc             GC of a store of 20k keys x 4 versions (items = versions removed)
//
// Run: make bench   (or ./build/bench/mvcc_bench --benchmark_filter=...)
#include <random>
#include <string>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "common/logging.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/engine/test_util.h"
#include "storage/mvcc/mvcc_store.h"

namespace meridian::storage {
namespace {

std::string Key(int64_t i) { return absl::StrFormat("user/%010d", i); }

struct Fixture {
  TempDir dir;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<MvccStore> store;
  Fixture() {
    auto e = OpenLevelDbEngine(dir.path() + "/db");
    CHECK(e.ok()) << e.status();
    engine = std::move(*e);
    auto s = MvccStore::Open(engine.get());
    CHECK(s.ok()) << s.status();
    store = std::move(*s);
  }
  // Loads `keys` keys with `versions` versions each, in batches; returns the last timestamp.
  int64_t Load(int64_t keys, int versions, int value_bytes = 100) {
    std::string value(value_bytes, 'v');
    int64_t ts = 0;
    for (int v = 0; v < versions; ++v) {
      ++ts;
      for (int64_t i = 0; i < keys; i += 1000) {
        auto batch = store->NewBatch();
        for (int64_t k = i; k < std::min(keys, i + 1000); ++k) {
          CHECK_OK(batch->Put(Key(k), Timestamp{ts, 0}, value));
        }
        CHECK_OK(batch->Commit());
      }
    }
    return ts;
  }
};

void BM_MvccPut(benchmark::State& state) {
  Fixture f;
  const bool sync = state.range(0) != 0;
  std::mt19937_64 rng(1);
  std::string value(100, 'v');
  int64_t ts = 1;
  for (auto _ : state) {
    CHECK_OK(
        f.store->Put(Key(rng() % 1000000), Timestamp{++ts, 0}, value, WriteOptions{.sync = sync}));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * (value.size() + 15));
}
BENCHMARK(BM_MvccPut)->ArgName("sync")->Arg(0)->Arg(1)->UseRealTime();

void BM_MvccGet(benchmark::State& state) {
  Fixture f;
  constexpr int64_t kKeys = 100000;
  int64_t ts = f.Load(kKeys, 1);
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto r = f.store->Get(Key(rng() % kKeys), Timestamp{ts, 0});
    CHECK(r.ok() && r->row.has_value());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MvccGet)->UseRealTime();

void BM_MvccScan1000(benchmark::State& state) {
  Fixture f;
  constexpr int64_t kKeys = 20000;
  int64_t ts = f.Load(kKeys, static_cast<int>(state.range(0)));
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    int64_t start = rng() % (kKeys - 1000);
    auto r = f.store->Scan(ScanRequest{
        .start = Key(start), .end = "", .timestamp = Timestamp{ts, 0}, .max_rows = 1000});
    CHECK(r.ok() && r->rows.size() == 1000);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_MvccScan1000)->ArgName("versions")->Arg(1)->Arg(5)->UseRealTime();

void BM_MvccGc(benchmark::State& state) {
  constexpr int64_t kKeys = 20000;
  constexpr int kVersions = 4;
  int64_t removed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>();
    int64_t ts = f->Load(kKeys, kVersions, 50);
    int64_t before = f->store->Stats().version_count;
    state.ResumeTiming();
    CHECK_OK(f->store->GarbageCollect(Timestamp{ts, 0}));
    state.PauseTiming();
    removed += before - f->store->Stats().version_count;
    f.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(removed);
}
BENCHMARK(BM_MvccGc)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace meridian::storage
