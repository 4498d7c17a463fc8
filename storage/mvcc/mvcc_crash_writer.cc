// Child process for mvcc_durability_test. Usage: mvcc_crash_writer DIR
//
// Opens the LevelDB engine in DIR and, forever, commits synced MVCC batches. Batch n writes
// kKeysPerBatch keys "n/<j>" plus "last" = n, all at timestamp n. After Commit returns it
// prints "n" on stdout and flushes: a printed number is an acknowledged, durable batch.
// On start it continues after the "last" batch already stored.
#include <cstdio>
#include <string>

#include "common/logging.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/mvcc/mvcc_store.h"

namespace {
constexpr int kKeysPerBatch = 10;
}

int main(int argc, char** argv) {
  using namespace meridian;
  using namespace meridian::storage;
  CHECK(argc == 2) << "usage: mvcc_crash_writer DIR";
  auto engine = OpenLevelDbEngine(argv[1]);
  CHECK(engine.ok()) << engine.status();
  auto store = MvccStore::Open(engine->get());
  CHECK(store.ok()) << store.status();
  auto last = (*store)->Get("last", Timestamp::Max());
  CHECK(last.ok()) << last.status();
  int64_t n = last->row.has_value() ? std::stoll(last->row->value) + 1 : 1;
  for (;; ++n) {
    auto batch = (*store)->NewBatch();
    Timestamp ts{n, 0};
    for (int j = 0; j < kKeysPerBatch; ++j) {
      CHECK_OK(batch->Put(std::to_string(n) + "/" + std::to_string(j), ts,
                          std::string(100 + j, 'a' + n % 26)));
    }
    CHECK_OK(batch->Put("last", ts, std::to_string(n)));
    CHECK_OK(batch->Commit(WriteOptions{.sync = true}));
    std::printf("%lld\n", static_cast<long long>(n));
    std::fflush(stdout);
  }
}
