#include "storage/paxos/paxos_log.h"

#include "gtest/gtest.h"
#include "storage/engine/mem_engine.h"

namespace meridian::storage::paxos {
namespace {

proto::Entry E(uint64_t slot, const std::string& cmd) {
  proto::Entry e;
  e.set_slot(slot);
  e.set_command(cmd);
  return e;
}

std::vector<uint64_t> StoredSlots(MemEngine* engine) {
  PaxosLog log(engine, 9);
  auto st = log.Load();
  EXPECT_TRUE(st.ok());
  std::vector<uint64_t> slots;
  for (const auto& e : st->entries) slots.push_back(e.slot());
  return slots;
}

// A replica that stored slot 5 before slots 3 and 4 (they were lost and retransmitted) must
// persist 3 and 4 after a restart too: its ACCEPTED replies promise they are durable.
TEST(PaxosLogTest, EntriesBelowTheLowestStoredSlotArePersistedAfterRestart) {
  MemEngine engine;
  {
    PaxosLog log(&engine, 9);
    ASSERT_TRUE(log.Load().ok());
    Ready rd;
    rd.entries = {E(5, "c")};
    WriteBatch b;
    log.Stage(rd, &b);
    ASSERT_TRUE(engine.Write(b, WriteOptions{.sync = true}).ok());
  }
  PaxosLog restarted(&engine, 9);
  ASSERT_TRUE(restarted.Load().ok());
  Ready rd;
  rd.entries = {E(3, "a"), E(4, "b")};
  WriteBatch b;
  restarted.Stage(rd, &b);
  ASSERT_TRUE(engine.Write(b, WriteOptions{.sync = true}).ok());
  EXPECT_EQ(StoredSlots(&engine), (std::vector<uint64_t>{3, 4, 5}));
}

TEST(PaxosLogTest, CompactionDeletesOnlyStoredEntriesAndLaterWritesOfOldSlotsAreDropped) {
  MemEngine engine;
  PaxosLog log(&engine, 9);
  ASSERT_TRUE(log.Load().ok());
  Ready rd;
  rd.entries = {E(1, "a"), E(2, "b"), E(3, "c")};
  WriteBatch b;
  log.Stage(rd, &b);
  ASSERT_TRUE(engine.Write(b, {}).ok());
  Ready compact;
  compact.compact_to = 10'000'000;  // a snapshot far ahead: must not stage 10^7 deletes
  compact.entries = {E(10'000'001, "z")};
  WriteBatch c;
  log.Stage(compact, &c);
  EXPECT_LE(c.count(), 4u);
  ASSERT_TRUE(engine.Write(c, {}).ok());
  EXPECT_EQ(StoredSlots(&engine), (std::vector<uint64_t>{10'000'001}));
  Ready stale;
  stale.entries = {E(7, "old")};
  WriteBatch d;
  log.Stage(stale, &d);
  EXPECT_TRUE(d.empty());
}

}  // namespace
}  // namespace meridian::storage::paxos
