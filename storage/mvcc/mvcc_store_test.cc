// MvccStore semantics, run against both engines.
#include "storage/mvcc/mvcc_store.h"

#include <algorithm>
#include <map>
#include <random>

#include "gtest/gtest.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/engine/mem_engine.h"
#include "storage/engine/test_util.h"
#include "storage/mvcc/mvcc_key.h"

namespace meridian::storage {
namespace {

Timestamp T(int64_t wall, uint32_t logical = 0) { return Timestamp{wall, logical}; }

class MvccStoreTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override {
    engine_ = MakeTestEngine(GetParam(), &dir_);
    auto store = MvccStore::Open(engine_.get());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // "value", "<none>", or "<blocked by TXN>".
  std::string Read(std::string_view key, Timestamp ts) {
    auto r = store_->Get(key, ts);
    if (!r.ok()) return "<error " + std::string(r.status().message()) + ">";
    if (r->blocked_by.has_value()) return "<blocked by " + r->blocked_by->txn_id + ">";
    if (!r->row.has_value()) return "<none>";
    return r->row->value;
  }

  void ExpectStatsConsistent() {
    auto computed = store_->ComputeStats("", "");
    ASSERT_TRUE(computed.ok()) << computed.status();
    EXPECT_EQ(store_->Stats(), *computed)
        << "maintained " << store_->Stats().ToString() << "\ncomputed   " << computed->ToString();
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<MvccStore> store_;
};

TEST_P(MvccStoreTest, ReadsSeeNewestVersionAtOrBelowTimestamp) {
  ASSERT_TRUE(store_->Put("k", T(10), "v10").ok());
  ASSERT_TRUE(store_->Put("k", T(20), "v20").ok());
  ASSERT_TRUE(store_->Put("k", T(30), "v30").ok());
  EXPECT_EQ(Read("k", T(5)), "<none>");
  EXPECT_EQ(Read("k", T(10)), "v10");
  EXPECT_EQ(Read("k", T(19, 99)), "v10");
  EXPECT_EQ(Read("k", T(20)), "v20");
  EXPECT_EQ(Read("k", T(1000)), "v30");
  ASSERT_TRUE(store_->Delete("k", T(40)).ok());
  EXPECT_EQ(Read("k", T(39)), "v30");
  EXPECT_EQ(Read("k", T(40)), "<none>");
  EXPECT_EQ(Read("other", T(40)), "<none>");
  auto row = store_->Get("k", T(25));
  ASSERT_TRUE(row.ok() && row->row.has_value());
  EXPECT_EQ(row->row->timestamp, T(20));
  auto history = store_->History("k");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].timestamp, T(40));
  EXPECT_FALSE((*history)[0].value.has_value());
  EXPECT_EQ((*history)[3].value, "v10");
  ExpectStatsConsistent();
}

// GetMany answers as a Get of each key would, through one iterator, in any key order:
// versions at or below the timestamp, tombstones as absent, intents as blockers.
TEST_P(MvccStoreTest, GetManyAnswersAsGetDoesForEachKey) {
  ASSERT_TRUE(store_->Put("a", T(10), "a10").ok());
  ASSERT_TRUE(store_->Put("c", T(10), "c10").ok());
  ASSERT_TRUE(store_->Delete("c", T(20)).ok());
  ASSERT_TRUE(store_->Put("d", T(30), "d30").ok());
  {
    std::unique_ptr<MvccBatch> b = store_->NewBatch();
    ASSERT_TRUE(b->Prepare("e", "txn-1", T(15), std::string("prepared")).ok());
    ASSERT_TRUE(b->Commit().ok());
  }
  const std::vector<std::string_view> keys = {"d", "a", "b", "c", "e", "a"};
  for (Timestamp ts : {T(12), T(25), Timestamp::Max()}) {
    absl::StatusOr<std::vector<MvccGetResult>> many = store_->GetMany(keys, ts);
    ASSERT_TRUE(many.ok()) << many.status();
    ASSERT_EQ(many->size(), keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      absl::StatusOr<MvccGetResult> one = store_->Get(keys[i], ts);
      ASSERT_TRUE(one.ok()) << one.status();
      const MvccGetResult& got = (*many)[i];
      EXPECT_EQ(got.row.has_value(), one->row.has_value()) << keys[i] << " at " << ts.ToString();
      if (got.row.has_value() && one->row.has_value()) {
        EXPECT_EQ(got.row->value, one->row->value);
        EXPECT_EQ(got.row->timestamp, one->row->timestamp);
      }
      EXPECT_EQ(got.blocked_by.has_value(), one->blocked_by.has_value()) << keys[i];
    }
  }
  absl::StatusOr<std::vector<MvccGetResult>> late = store_->GetMany(keys, Timestamp::Max());
  ASSERT_TRUE(late.ok());
  EXPECT_EQ((*late)[0].row->value, "d30");
  EXPECT_FALSE((*late)[2].row.has_value());  // never written
  EXPECT_FALSE((*late)[3].row.has_value());  // deleted
  EXPECT_TRUE((*late)[4].blocked_by.has_value());
}

// Snapshot isolation's write-write check reads the newest version of a key: tombstones
// count, a prepared write does not (it is not committed), and a neighbouring key with the
// same prefix is not a version of this one.
TEST_P(MvccStoreTest, NewestVersionCountsTombstonesAndSkipsIntents) {
  auto newest = [&](std::string_view key) {
    absl::StatusOr<std::optional<Timestamp>> v = store_->NewestVersion(key);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : std::nullopt;
  };
  EXPECT_EQ(newest("k"), std::nullopt);
  ASSERT_TRUE(store_->Put("k", T(10), "v10").ok());
  ASSERT_TRUE(store_->Put("k", T(30), "v30").ok());
  ASSERT_TRUE(store_->Put("k2", T(50), "other").ok());
  EXPECT_EQ(newest("k"), T(30));
  ASSERT_TRUE(store_->Delete("k", T(40)).ok());
  EXPECT_EQ(newest("k"), T(40));
  {
    std::unique_ptr<MvccBatch> b = store_->NewBatch();
    ASSERT_TRUE(b->Prepare("k", "txn-1", T(45), std::string("prepared")).ok());
    ASSERT_TRUE(b->Commit().ok());
  }
  EXPECT_EQ(newest("k"), T(40));
  EXPECT_EQ(newest("k2"), T(50));
  EXPECT_EQ(newest("j"), std::nullopt);
}

// One batch writing keys in order over a span where some keys already have versions, an
// intent or nothing: MvccBatch::Load skips seeks while its reader already rests past the
// key, and must still find every existing version and intent (the stats and the
// write-too-old and intent checks depend on it).
TEST_P(MvccStoreTest, BatchInKeyOrderSeesEveryExistingVersionAndIntent) {
  ASSERT_TRUE(store_->Put("b", T(10), "old-b").ok());
  ASSERT_TRUE(store_->Put("d", T(10), "old-d").ok());
  ASSERT_TRUE(store_->Delete("d", T(11)).ok());
  {
    auto b = store_->NewBatch();
    ASSERT_TRUE(b->Prepare("f", "t1", T(12), "intent").ok());
    ASSERT_TRUE(b->Commit().ok());
  }
  ASSERT_TRUE(store_->Put("h", T(30), "new-h").ok());
  auto b = store_->NewBatch();
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    ASSERT_TRUE(b->Put(k, T(20), std::string("v-") + k).ok()) << k;
  }
  EXPECT_EQ(b->Put("f", T(20), "over-an-intent").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(b->Put("h", T(20), "too-old").ok());  // h has a newer version
  ASSERT_TRUE(b->Put("i", T(20), "v-i").ok());
  ASSERT_TRUE(b->Commit().ok());
  for (const char* k : {"a", "b", "c", "d", "e", "i"}) {
    EXPECT_EQ(Read(k, T(25)), std::string("v-") + k);
  }
  EXPECT_EQ(Read("b", T(15)), "old-b");
  EXPECT_EQ(Read("h", T(40)), "new-h");
  ExpectStatsConsistent();
}

TEST_P(MvccStoreTest, KeysWithZeroAndFfBytesStayDistinct) {
  std::vector<std::string> keys = {"",  std::string("\x00", 1),  std::string("a\x00", 2),
                                   "a", std::string("a\xff", 2), std::string("\xff", 1)};
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(store_->Put(keys[i], T(1), "v" + std::to_string(i)).ok());
  }
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(Read(keys[i], T(1)), "v" + std::to_string(i));
  auto scan = store_->Scan(ScanRequest{.start = "", .end = "", .timestamp = T(1)});
  ASSERT_TRUE(scan.ok());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(scan->rows.size(), sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(scan->rows[i].key, sorted[i]);
}

TEST_P(MvccStoreTest, WriteTooOldIsRejectedAndChangesNothing) {
  ASSERT_TRUE(store_->Put("k", T(10), "a").ok());
  absl::Status s = store_->Put("k", T(10), "b");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("write too old"), std::string::npos) << s;
  EXPECT_EQ(store_->Put("k", T(9), "b").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Delete("k", T(5)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Read("k", T(100)), "a");
  ExpectStatsConsistent();
}

TEST_P(MvccStoreTest, PreparedWriteBlocksReadersAtOrAboveItsTimestamp) {
  ASSERT_TRUE(store_->Put("k", T(10), "old").ok());
  {
    auto b = store_->NewBatch();
    ASSERT_TRUE(b->Prepare("k", "txn-1", T(50), "new").ok());
    ASSERT_TRUE(b->Commit().ok());
  }
  EXPECT_EQ(Read("k", T(49)), "old");
  EXPECT_EQ(Read("k", T(50)), "<blocked by txn-1>");
  EXPECT_EQ(Read("k", T(99)), "<blocked by txn-1>");
  auto blocked = store_->Get("k", T(60));
  ASSERT_TRUE(blocked.ok() && blocked->blocked_by.has_value());
  EXPECT_EQ(blocked->blocked_by->timestamp, T(50));
  EXPECT_EQ(blocked->blocked_by->key, "k");
  auto intent = store_->GetIntent("k");
  ASSERT_TRUE(intent.ok() && intent->has_value());
  EXPECT_EQ((*intent)->txn_id, "txn-1");
  EXPECT_EQ((*intent)->value, "new");
  ExpectStatsConsistent();

  // Other writers are refused while the key is prepared.
  EXPECT_EQ(store_->Put("k", T(70), "x").code(), absl::StatusCode::kFailedPrecondition);
  {
    auto b = store_->NewBatch();
    absl::Status s = b->Prepare("k", "txn-2", T(70), "x");
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(s.message().find("txn-1"), std::string::npos);
    EXPECT_EQ(b->ResolveCommit("k", "txn-2", T(70)).code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(b->ResolveCommit("k", "txn-1", T(40)).code(), absl::StatusCode::kInvalidArgument);
    // The rejected operations staged nothing.
    EXPECT_TRUE(b->empty());
    ASSERT_TRUE(b->ResolveCommit("k", "txn-1", T(55)).ok());
    ASSERT_TRUE(b->Commit().ok());
  }
  EXPECT_EQ(Read("k", T(54)), "old");
  EXPECT_EQ(Read("k", T(55)), "new");
  auto gone = store_->GetIntent("k");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  ExpectStatsConsistent();
}

TEST_P(MvccStoreTest, ResolveAbortRemovesPreparedWrite) {
  ASSERT_TRUE(store_->Put("k", T(10), "old").ok());
  auto b = store_->NewBatch();
  ASSERT_TRUE(b->Prepare("k", "t1", T(20), std::nullopt).ok());  // a prepared delete
  ASSERT_TRUE(b->Prepare("k", "t1", T(21), "replaced").ok());    // same txn may re-prepare
  ASSERT_TRUE(b->Commit().ok());
  EXPECT_EQ(Read("k", T(30)), "<blocked by t1>");
  ExpectStatsConsistent();
  EXPECT_EQ(b->ResolveAbort("k", "t2").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(b->ResolveAbort("k", "t1").ok());
  ASSERT_TRUE(b->Commit().ok());
  EXPECT_EQ(Read("k", T(30)), "old");
  ExpectStatsConsistent();
}

TEST_P(MvccStoreTest, PreparedDeleteCommitsAsTombstone) {
  ASSERT_TRUE(store_->Put("k", T(10), "old").ok());
  auto b = store_->NewBatch();
  ASSERT_TRUE(b->Prepare("k", "t1", T(20), std::nullopt).ok());
  ASSERT_TRUE(b->ResolveCommit("k", "t1", T(25)).ok());  // same batch sees its own prepare
  ASSERT_TRUE(b->Commit().ok());
  EXPECT_EQ(Read("k", T(24)), "old");
  EXPECT_EQ(Read("k", T(25)), "<none>");
  ExpectStatsConsistent();
}

TEST_P(MvccStoreTest, BatchIsAtomicAndInvisibleUntilCommit) {
  {
    auto b = store_->NewBatch();
    ASSERT_TRUE(b->Put("a", T(1), "1").ok());
    ASSERT_TRUE(b->Put("b", T(1), "2").ok());
    b->raw()->Put("zz-applied-index", "7");
    EXPECT_EQ(Read("a", T(5)), "<none>");
    // Dropped without Commit: nothing happens.
  }
  EXPECT_EQ(Read("a", T(5)), "<none>");
  auto raw = engine_->Get("zz-applied-index");
  ASSERT_TRUE(raw.ok());
  EXPECT_FALSE(raw->has_value());
  auto b = store_->NewBatch();
  ASSERT_TRUE(b->Put("a", T(1), "1").ok());
  ASSERT_TRUE(b->Put("a", T(2), "1b").ok());
  EXPECT_EQ(b->Put("a", T(2), "dup").code(), absl::StatusCode::kFailedPrecondition);
  b->raw()->Put("zz-applied-index", "7");
  ASSERT_TRUE(b->Commit(WriteOptions{.sync = true}).ok());
  EXPECT_EQ(Read("a", T(1)), "1");
  EXPECT_EQ(Read("a", T(2)), "1b");
  raw = engine_->Get("zz-applied-index");
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_EQ(**raw, "7");
  ExpectStatsConsistent();
}

// A forward scan walks each key's versions with Next and crosses long runs of versions with
// a seek: keys with many versions above and below the read timestamp, an intent above it,
// tombstones, read at timestamps among them, forward and in reverse.
TEST_P(MvccStoreTest, ScansCrossKeysWithManyVersions) {
  ASSERT_TRUE(store_->Put("a", T(1), "a1").ok());
  for (int v = 1; v <= 20; ++v) {
    ASSERT_TRUE(store_->Put("b", T(v), absl::StrCat("b", v)).ok());
  }
  ASSERT_TRUE(store_->Delete("b", T(21)).ok());
  for (int v = 1; v <= 12; ++v) {
    ASSERT_TRUE(store_->Put("c", T(10 + v), absl::StrCat("c", 10 + v)).ok());
  }
  {
    std::unique_ptr<MvccBatch> batch = store_->NewBatch();
    ASSERT_TRUE(batch->Prepare("c", "tx", T(50), std::string("intent")).ok());
    ASSERT_TRUE(batch->Commit().ok());
  }
  ASSERT_TRUE(store_->Put("d", T(2), "d2").ok());
  auto rows = [&](Timestamp ts, bool reverse) {
    absl::StatusOr<ScanResult> r =
        store_->Scan(ScanRequest{.start = "a", .end = "z", .timestamp = ts, .reverse = reverse});
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const MvccRow& row : r->rows) out.push_back(absl::StrCat(row.key, "=", row.value));
    if (reverse) std::reverse(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  for (bool reverse : {false, true}) {
    EXPECT_EQ(rows(T(1), reverse), (V{"a=a1", "b=b1"})) << reverse;
    EXPECT_EQ(rows(T(5), reverse), (V{"a=a1", "b=b5", "d=d2"})) << reverse;
    EXPECT_EQ(rows(T(11), reverse), (V{"a=a1", "b=b11", "c=c11", "d=d2"})) << reverse;
    EXPECT_EQ(rows(T(16), reverse), (V{"a=a1", "b=b16", "c=c16", "d=d2"})) << reverse;
    EXPECT_EQ(rows(T(30), reverse), (V{"a=a1", "c=c22", "d=d2"})) << reverse;
  }
}

TEST_P(MvccStoreTest, ScanStopsAtBlockingIntentWithResumeKey) {
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(store_->Put(k, T(1), k).ok());
  auto b = store_->NewBatch();
  ASSERT_TRUE(b->Prepare("c", "tx", T(5), "C").ok());
  ASSERT_TRUE(b->Commit().ok());
  auto fwd = store_->Scan(ScanRequest{.start = "a", .end = "z", .timestamp = T(10)});
  ASSERT_TRUE(fwd.ok());
  ASSERT_EQ(fwd->rows.size(), 2u);
  ASSERT_TRUE(fwd->blocked_by.has_value());
  EXPECT_EQ(fwd->blocked_by->key, "c");
  EXPECT_EQ(fwd->blocked_by->txn_id, "tx");
  EXPECT_EQ(fwd->resume_key, "c");
  auto rev =
      store_->Scan(ScanRequest{.start = "a", .end = "z", .timestamp = T(10), .reverse = true});
  ASSERT_TRUE(rev.ok());
  ASSERT_EQ(rev->rows.size(), 1u);
  EXPECT_EQ(rev->rows[0].key, "d");
  ASSERT_TRUE(rev->blocked_by.has_value());
  // Below the prepare timestamp nothing blocks.
  auto below = store_->Scan(ScanRequest{.start = "a", .end = "z", .timestamp = T(4)});
  ASSERT_TRUE(below.ok());
  EXPECT_EQ(below->rows.size(), 4u);
  EXPECT_FALSE(below->blocked_by.has_value());
  EXPECT_FALSE(below->resume_key.has_value());
}

TEST_P(MvccStoreTest, BadScanRequestsAreRejected) {
  EXPECT_EQ(store_->Scan(ScanRequest{.start = "b", .end = "a", .timestamp = T(1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->Scan(ScanRequest{.start = "a", .timestamp = T(1), .max_rows = -1}).status().code(),
      absl::StatusCode::kInvalidArgument);
  auto b = store_->NewBatch();
  EXPECT_EQ(b->Prepare("k", "", T(1), "v").code(), absl::StatusCode::kInvalidArgument);
}

// Model: key -> list of (ts, value or tombstone).
using Model = std::map<std::string, std::map<Timestamp, std::optional<std::string>>>;

std::optional<std::string> ModelRead(const Model& m, const std::string& key, Timestamp ts) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  auto v = it->second.upper_bound(ts);
  if (v == it->second.begin()) return std::nullopt;
  return std::prev(v)->second;
}

// Runs one logical scan to completion through resume keys, with the given limits.
std::vector<MvccRow> ScanAllPages(MvccStore* store, std::string start, std::string end,
                                  Timestamp ts, bool reverse, int64_t max_rows, int64_t max_bytes) {
  std::vector<MvccRow> rows;
  for (int pages = 0; pages < 10000; ++pages) {
    auto r = store->Scan(ScanRequest{.start = start,
                                     .end = end,
                                     .timestamp = ts,
                                     .max_rows = max_rows,
                                     .max_bytes = max_bytes,
                                     .reverse = reverse});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return rows;
    EXPECT_FALSE(r->blocked_by.has_value());
    if (max_rows > 0) {
      EXPECT_LE(static_cast<int64_t>(r->rows.size()), max_rows);
    }
    rows.insert(rows.end(), r->rows.begin(), r->rows.end());
    if (!r->resume_key.has_value()) return rows;
    EXPECT_FALSE(r->rows.empty()) << "a limited page must make progress";
    if (reverse) {
      end = *r->resume_key;
    } else {
      start = *r->resume_key;
    }
  }
  ADD_FAILURE() << "scan did not finish";
  return rows;
}

TEST_P(MvccStoreTest, RandomHistoryMatchesModelForGetsAndPagedScans) {
  std::mt19937_64 rng(99);
  Model model;
  int64_t clock = 1;
  auto key_of = [](int i) { return "key/" + std::to_string(i); };
  for (int step = 0; step < 1500; ++step) {
    std::string k = key_of(rng() % 60);
    Timestamp ts = T(clock += 1 + rng() % 3, rng() % 2);
    if (rng() % 5 == 0) {
      ASSERT_TRUE(store_->Delete(k, ts).ok());
      model[k][ts] = std::nullopt;
    } else {
      std::string v(rng() % 20, 'a' + rng() % 26);
      ASSERT_TRUE(store_->Put(k, ts, v).ok());
      model[k][ts] = v;
    }
  }
  ExpectStatsConsistent();
  for (int q = 0; q < 200; ++q) {
    Timestamp ts = T(rng() % (clock + 5), rng() % 2);
    for (int i = 0; i < 60; i += 7) {
      auto expect = ModelRead(model, key_of(i), ts);
      EXPECT_EQ(Read(key_of(i), ts), expect.has_value() ? *expect : "<none>");
    }
    std::string start = key_of(rng() % 60), end = rng() % 4 == 0 ? "" : key_of(rng() % 60);
    if (!end.empty() && end < start) std::swap(start, end);
    std::vector<MvccRow> expected;
    for (const auto& [k, versions] : model) {
      if (k < start || (!end.empty() && k >= end)) continue;
      auto v = ModelRead(model, k, ts);
      if (v.has_value()) expected.push_back(MvccRow{k, *v, Timestamp()});
    }
    bool reverse = rng() % 2;
    if (reverse) std::reverse(expected.begin(), expected.end());
    auto got = ScanAllPages(store_.get(), start, end, ts, reverse, rng() % 4 ? rng() % 7 : 0,
                            rng() % 3 ? 0 : 1 + rng() % 40);
    ASSERT_EQ(got.size(), expected.size()) << "scan " << start << ".." << end;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].key, expected[i].key);
      EXPECT_EQ(got[i].value, expected[i].value);
      EXPECT_LE(got[i].timestamp, ts);
    }
  }
}

TEST_P(MvccStoreTest, GarbageCollectionKeepsReadsAtOrAboveHorizon) {
  std::mt19937_64 rng(7);
  Model model;
  int64_t clock = 1;
  for (int step = 0; step < 800; ++step) {
    std::string k = "k" + std::to_string(rng() % 40);
    Timestamp ts = T(clock += 1 + rng() % 3);
    if (rng() % 4 == 0) {
      ASSERT_TRUE(store_->Delete(k, ts).ok());
      model[k][ts] = std::nullopt;
    } else {
      ASSERT_TRUE(store_->Put(k, ts, std::to_string(step)).ok());
      model[k][ts] = std::to_string(step);
    }
  }
  // An intent must survive GC untouched.
  {
    auto b = store_->NewBatch();
    ASSERT_TRUE(b->Prepare("k0", "live-txn", T(clock + 10), "p").ok());
    ASSERT_TRUE(b->Commit().ok());
  }
  const MvccStats before = store_->Stats();
  const Timestamp horizon = T(clock / 2);
  ASSERT_TRUE(store_->GarbageCollect(horizon).ok());
  EXPECT_EQ(store_->GcThreshold(), horizon);
  ExpectStatsConsistent();
  const MvccStats after = store_->Stats();
  EXPECT_LT(after.version_count, before.version_count);
  EXPECT_EQ(after.live_keys, before.live_keys);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
  EXPECT_EQ(after.intent_count, 1);

  for (int64_t w = horizon.wall_ns; w <= clock + 2; ++w) {
    for (int i = 0; i < 40; ++i) {
      std::string k = "k" + std::to_string(i);
      if (k == "k0" && w >= clock + 10) continue;
      auto expect = ModelRead(model, k, T(w));
      EXPECT_EQ(Read(k, T(w)), expect.has_value() ? *expect : "<none>") << k << "@" << w;
    }
  }
  // Reads below the horizon are errors, not silently wrong answers.
  auto below = store_->Get("k1", horizon.Prev());
  EXPECT_EQ(below.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Scan(ScanRequest{.timestamp = T(1)}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Every key keeps at most one version at or below the horizon, and never a tombstone.
  for (int i = 0; i < 40; ++i) {
    auto history = store_->History("k" + std::to_string(i));
    ASSERT_TRUE(history.ok());
    int at_or_below = 0;
    for (const auto& v : *history) {
      if (v.timestamp <= horizon) {
        ++at_or_below;
        EXPECT_TRUE(v.value.has_value());
      }
    }
    EXPECT_LE(at_or_below, 1);
  }
  // The threshold never moves back.
  ASSERT_TRUE(store_->GarbageCollect(T(1)).ok());
  EXPECT_EQ(store_->GcThreshold(), horizon);
}

TEST_P(MvccStoreTest, GcRemovesKeysWhoseNewestVersionIsAnOldTombstone) {
  ASSERT_TRUE(store_->Put("gone", T(1), "v").ok());
  ASSERT_TRUE(store_->Delete("gone", T(2)).ok());
  ASSERT_TRUE(store_->Put("kept", T(1), "v").ok());
  ASSERT_TRUE(store_->Delete("kept", T(2)).ok());
  ASSERT_TRUE(store_->Put("kept", T(9), "back").ok());
  ASSERT_TRUE(store_->GarbageCollect(T(5)).ok());
  auto gone = store_->History("gone");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
  auto kept = store_->History("kept");
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].value, "back");
  EXPECT_EQ(store_->Stats().key_count, 1);
  ExpectStatsConsistent();
}

TEST_P(MvccStoreTest, StatsStayExactUnderRandomTransactionalWrites) {
  std::mt19937_64 rng(2024);
  int64_t clock = 1;
  std::map<std::string, std::string> open_intents;  // key -> txn
  for (int step = 0; step < 1500; ++step) {
    std::string k = "s" + std::to_string(rng() % 30);
    auto b = store_->NewBatch();
    Timestamp ts = T(clock += 1 + rng() % 2);
    absl::Status s;
    switch (rng() % 5) {
      case 0:
        s = b->Put(k, ts, std::string(rng() % 10, 'x'));
        break;
      case 1:
        s = b->Delete(k, ts);
        break;
      case 2: {
        std::string txn = "t" + std::to_string(rng() % 3);
        s = b->Prepare(k, txn, ts,
                       rng() % 3 ? std::optional<std::string_view>("pv") : std::nullopt);
        if (s.ok()) open_intents[k] = txn;
        break;
      }
      case 3:
      case 4: {
        if (open_intents.empty()) break;
        auto it = open_intents.begin();
        std::advance(it, rng() % open_intents.size());
        s = rng() % 2 ? b->ResolveCommit(it->first, it->second, ts)
                      : b->ResolveAbort(it->first, it->second);
        ASSERT_TRUE(s.ok()) << s;
        open_intents.erase(it);
        break;
      }
    }
    // Conflicts are expected (writes to prepared keys); they must stage nothing.
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    }
    ASSERT_TRUE(b->Commit().ok());
    b.reset();  // release the writer role before GC takes it
    if (step % 300 == 299) {
      ExpectStatsConsistent();
      ASSERT_TRUE(store_->GarbageCollect(T(clock - 50)).ok());
      ExpectStatsConsistent();
    }
  }
  // Span stats add up to the whole.
  auto left = store_->ComputeStats("", "s2");
  auto right = store_->ComputeStats("s2", "");
  ASSERT_TRUE(left.ok() && right.ok());
  MvccStats sum = *left;
  sum += *right;
  EXPECT_EQ(sum, store_->Stats());
  EXPECT_GT(left->live_keys + left->intent_count, 0);
  EXPECT_GT(right->live_keys + right->intent_count, 0);
}

TEST_P(MvccStoreTest, CorruptDataIsReportedNotCrashedOn) {
  ASSERT_TRUE(store_->Put("a", T(1), "ok").ok());
  ASSERT_TRUE(engine_->Put(EncodeVersionKey("d", "b", T(1)), "?garbage").ok());
  ASSERT_TRUE(engine_->Put("d-not-an-mvcc-key", "x").ok());
  EXPECT_EQ(store_->Get("b", T(2)).status().code(), absl::StatusCode::kDataLoss);
  auto scan = store_->Scan(ScanRequest{.start = "", .end = "", .timestamp = T(2)});
  EXPECT_EQ(scan.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Read("a", T(2)), "ok");
}

INSTANTIATE_TEST_SUITE_P(Engines, MvccStoreTest,
                         ::testing::Values(EngineKind::kLevelDb, EngineKind::kMemory),
                         [](const auto& info) { return EngineKindName(info.param); });

TEST(MvccStorePersistenceTest, StatsAndGcThresholdSurviveReopen) {
  TempDir dir;
  MvccStats stats;
  {
    auto engine = OpenLevelDbEngine(dir.path());
    ASSERT_TRUE(engine.ok());
    auto store = MvccStore::Open(engine->get());
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE((*store)->Put("k" + std::to_string(i % 10), T(i + 1), "v").ok());
    }
    ASSERT_TRUE((*store)->GarbageCollect(T(20)).ok());
    stats = (*store)->Stats();
  }
  auto engine = OpenLevelDbEngine(dir.path());
  ASSERT_TRUE(engine.ok());
  auto store = MvccStore::Open(engine->get());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Stats(), stats);
  EXPECT_EQ((*store)->GcThreshold(), T(20));
  EXPECT_FALSE((*store)->Get("k1", T(19)).ok());
}

TEST(MvccStoreOpenTest, RejectsOverlappingPrefixes) {
  MemEngine engine;
  EXPECT_FALSE(MvccStore::Open(&engine, MvccOptions{.data_prefix = "d", .meta_prefix = "dm"}).ok());
  EXPECT_FALSE(MvccStore::Open(&engine, MvccOptions{.data_prefix = "", .meta_prefix = "m"}).ok());
}

}  // namespace
}  // namespace meridian::storage
