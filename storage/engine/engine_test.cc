// One contract, two engines: every test here runs against LevelDbEngine and MemEngine.
#include "storage/engine/engine.h"

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/engine/mem_engine.h"
#include "storage/engine/test_util.h"

namespace meridian::storage {
namespace {

class EngineTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override { engine_ = MakeTestEngine(GetParam(), &dir_); }

  std::string MustGet(std::string_view key, const Snapshot* snap = nullptr) {
    auto v = engine_->Get(key, snap);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() && v->has_value() ? **v : "<absent>";
  }

  std::vector<std::pair<std::string, std::string>> ScanAll(Iterator* it) {
    std::vector<std::pair<std::string, std::string>> out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    EXPECT_TRUE(it->status().ok());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineTest, PutGetDelete) {
  EXPECT_EQ(MustGet("a"), "<absent>");
  ASSERT_TRUE(engine_->Put("a", "1").ok());
  ASSERT_TRUE(engine_->Put("b", "").ok());
  EXPECT_EQ(MustGet("a"), "1");
  EXPECT_EQ(MustGet("b"), "");
  ASSERT_TRUE(engine_->Put("a", "2").ok());
  EXPECT_EQ(MustGet("a"), "2");
  ASSERT_TRUE(engine_->Delete("a").ok());
  EXPECT_EQ(MustGet("a"), "<absent>");
  ASSERT_TRUE(engine_->Delete("never-existed").ok());
}

TEST_P(EngineTest, BinaryKeysOrderBytewise) {
  std::vector<std::string> keys = {std::string("\x00", 1),
                                   std::string("\x00\x00", 2),
                                   "a",
                                   std::string("a\x00", 2),
                                   "ab",
                                   "\x7f",
                                   "\x80",
                                   "\xff",
                                   std::string("\xff\x00", 2)};
  std::mt19937 rng(7);
  std::vector<std::string> shuffled = keys;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (const auto& k : shuffled) ASSERT_TRUE(engine_->Put(k, "v" + k).ok());
  auto it = engine_->NewIterator();
  auto rows = ScanAll(it.get());
  ASSERT_EQ(rows.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(rows[i].first, keys[i]) << i;
}

TEST_P(EngineTest, BatchIsAtomicAndLaterOpsWin) {
  WriteBatch batch;
  batch.Put("x", "1");
  batch.Put("y", "2");
  batch.Delete("x");
  batch.Put("y", "3");
  batch.Put("z", "4");
  EXPECT_EQ(batch.count(), 5u);
  ASSERT_TRUE(engine_->Write(batch, WriteOptions{.sync = true}).ok());
  EXPECT_EQ(MustGet("x"), "<absent>");
  EXPECT_EQ(MustGet("y"), "3");
  EXPECT_EQ(MustGet("z"), "4");
}

TEST_P(EngineTest, IteratorSeekNextPrev) {
  for (const char* k : {"b", "d", "f", "h"}) ASSERT_TRUE(engine_->Put(k, k).ok());
  auto it = engine_->NewIterator();
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->Next();
  EXPECT_EQ(it->key(), "f");
  it->Prev();
  it->Prev();
  EXPECT_EQ(it->key(), "b");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_EQ(it->key(), "h");
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->Seek("z");
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("e");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->SeekForPrev("d");
  EXPECT_EQ(it->key(), "d");
  it->SeekForPrev("z");
  EXPECT_EQ(it->key(), "h");
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
}

TEST_P(EngineTest, IteratorSeesStateAtCreation) {
  ASSERT_TRUE(engine_->Put("a", "1").ok());
  ASSERT_TRUE(engine_->Put("c", "3").ok());
  auto it = engine_->NewIterator();
  ASSERT_TRUE(engine_->Put("b", "2").ok());
  ASSERT_TRUE(engine_->Delete("c").ok());
  ASSERT_TRUE(engine_->Put("a", "changed").ok());
  auto rows = ScanAll(it.get());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], std::make_pair(std::string("a"), std::string("1")));
  EXPECT_EQ(rows[1], std::make_pair(std::string("c"), std::string("3")));
}

TEST_P(EngineTest, SnapshotsIsolateReads) {
  ASSERT_TRUE(engine_->Put("k", "old").ok());
  auto snap = engine_->GetSnapshot();
  ASSERT_TRUE(engine_->Put("k", "new").ok());
  ASSERT_TRUE(engine_->Put("k2", "v").ok());
  EXPECT_EQ(MustGet("k", snap.get()), "old");
  EXPECT_EQ(MustGet("k2", snap.get()), "<absent>");
  EXPECT_EQ(MustGet("k"), "new");
  auto it = engine_->NewIterator(snap.get());
  auto rows = ScanAll(it.get());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].second, "old");
  ASSERT_TRUE(engine_->Delete("k").ok());
  EXPECT_EQ(MustGet("k", snap.get()), "old");
  it.reset();
  snap.reset();
  EXPECT_EQ(MustGet("k"), "<absent>");
}

// A random workload checked against a std::map model, through point reads and both
// iteration directions, with snapshots taken along the way.
TEST_P(EngineTest, RandomOpsMatchModel) {
  std::mt19937_64 rng(1234);
  std::map<std::string, std::string> model;
  std::vector<std::pair<std::shared_ptr<const Snapshot>, std::map<std::string, std::string>>> snaps;
  auto random_key = [&] { return "key" + std::to_string(rng() % 200); };
  for (int round = 0; round < 300; ++round) {
    WriteBatch batch;
    int n = 1 + rng() % 8;
    for (int i = 0; i < n; ++i) {
      std::string k = random_key();
      if (rng() % 4 == 0) {
        batch.Delete(k);
        model.erase(k);
      } else {
        std::string v = std::to_string(rng());
        batch.Put(k, v);
        model[k] = v;
      }
    }
    ASSERT_TRUE(engine_->Write(batch, WriteOptions{.sync = rng() % 10 == 0}).ok());
    if (rng() % 40 == 0) snaps.emplace_back(engine_->GetSnapshot(), model);
    if (rng() % 60 == 0 && !snaps.empty()) snaps.erase(snaps.begin());
  }
  auto check = [&](const Snapshot* snap, const std::map<std::string, std::string>& m) {
    auto it = engine_->NewIterator(snap);
    auto rows = ScanAll(it.get());
    ASSERT_EQ(rows.size(), m.size());
    size_t i = 0;
    for (const auto& [k, v] : m) {
      EXPECT_EQ(rows[i].first, k);
      EXPECT_EQ(rows[i].second, v);
      ++i;
    }
    std::vector<std::string> reverse;
    for (it->SeekToLast(); it->Valid(); it->Prev()) reverse.emplace_back(it->key());
    ASSERT_EQ(reverse.size(), m.size());
    for (int k = 0; k < 200; ++k) {
      std::string key = "key" + std::to_string(k);
      auto found = m.find(key);
      EXPECT_EQ(MustGet(key, snap), found == m.end() ? "<absent>" : found->second);
    }
  };
  check(nullptr, model);
  for (const auto& [snap, m] : snaps) check(snap.get(), m);
}

TEST_P(EngineTest, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        WriteBatch b;
        b.Put("t" + std::to_string(t) + "/" + std::to_string(i), "v");
        b.Put("counter/" + std::to_string(t), std::to_string(i));
        ASSERT_TRUE(engine_->Write(b, {}).ok());
        if (i % 50 == 0) {
          auto it = engine_->NewIterator();
          int seen = 0;
          for (it->Seek("t" + std::to_string(t) + "/"); it->Valid() && it->key()[1] == '0' + t;
               it->Next()) {
            ++seen;
          }
          EXPECT_GE(seen, i + 1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto it = engine_->NewIterator();
  int total = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++total;
  EXPECT_EQ(total, kThreads * kPerThread + kThreads);
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineTest,
                         ::testing::Values(EngineKind::kLevelDb, EngineKind::kMemory),
                         [](const auto& info) { return EngineKindName(info.param); });

TEST(LevelDbEngineTest, DataSurvivesReopen) {
  TempDir dir;
  {
    auto engine = OpenLevelDbEngine(dir.path());
    ASSERT_TRUE(engine.ok()) << engine.status();
    ASSERT_TRUE((*engine)->Put("persist", "me", WriteOptions{.sync = true}).ok());
  }
  auto engine = OpenLevelDbEngine(dir.path());
  ASSERT_TRUE(engine.ok());
  auto v = (*engine)->Get("persist");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(**v, "me");
}

TEST(LevelDbEngineTest, CreatesNestedDataDirectories) {
  TempDir dir;
  auto engine = OpenLevelDbEngine(dir.path() + "/a/b/c");
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_TRUE((*engine)->Put("k", "v").ok());
}

TEST(LevelDbEngineTest, OpenErrorsAreStatuses) {
  TempDir dir;
  LevelDbOptions opts;
  opts.create_if_missing = false;
  auto missing = OpenLevelDbEngine(dir.path() + "/nope", opts);
  EXPECT_FALSE(missing.ok());
  {
    auto first = OpenLevelDbEngine(dir.path());
    ASSERT_TRUE(first.ok());
    // LevelDB holds a file lock: a second open of the same directory must fail cleanly.
    auto second = OpenLevelDbEngine(dir.path());
    EXPECT_FALSE(second.ok());
  }
}

TEST(MemEngineTest, CrashLosesOnlyUnsyncedWrites) {
  MemEngine engine;
  ASSERT_TRUE(engine.Put("a", "1", WriteOptions{.sync = true}).ok());
  ASSERT_TRUE(engine.Put("a", "2").ok());
  ASSERT_TRUE(engine.Put("b", "1").ok());
  ASSERT_TRUE(engine.Put("c", "1", WriteOptions{.sync = true}).ok());  // syncs b too
  ASSERT_TRUE(engine.Put("c", "2").ok());
  ASSERT_TRUE(engine.Delete("b").ok());
  WriteBatch batch;
  batch.Put("d", "1");
  batch.Put("a", "3");
  ASSERT_TRUE(engine.Write(batch, {}).ok());
  engine.SimulateCrash();
  auto get = [&](const char* k) {
    auto v = engine.Get(k, nullptr);
    return v->has_value() ? **v : std::string("<absent>");
  };
  EXPECT_EQ(get("a"), "2");
  EXPECT_EQ(get("b"), "1");
  EXPECT_EQ(get("c"), "1");
  EXPECT_EQ(get("d"), "<absent>");
  // Writing after a crash continues normally.
  ASSERT_TRUE(engine.Put("d", "x").ok());
  EXPECT_EQ(get("d"), "x");
}

TEST(MemEngineTest, OldVersionsArePrunedWhenUnpinned) {
  MemEngine engine;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(engine.Put("k" + std::to_string(i), "v").ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(engine.Delete("k" + std::to_string(i)).ok());
  EXPECT_EQ(engine.StoredKeyCountForTesting(), 0u);
}

}  // namespace
}  // namespace meridian::storage
