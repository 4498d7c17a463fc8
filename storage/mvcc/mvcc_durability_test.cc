// Durability under SIGKILL: a real child process commits synced MVCC batches and reports each
// one; the test kills it at a random moment, reopens the store, and checks that every
// acknowledged batch is there in full and that no batch is visible in part.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/engine/test_util.h"
#include "storage/mvcc/mvcc_store.h"

namespace meridian::storage {
namespace {

constexpr int kKeysPerBatch = 10;

struct Child {
  pid_t pid;
  FILE* out;
};

Child StartWriter(const std::string& dir) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(MVCC_CRASH_WRITER_PATH, MVCC_CRASH_WRITER_PATH, dir.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, fdopen(fds[0], "r")};
}

TEST(MvccDurabilityTest, AcknowledgedBatchesSurviveSigkillAndNoneIsHalfVisible) {
  TempDir dir;
  const std::string db = dir.path() + "/db";
  std::mt19937_64 rng(20261123);
  int64_t max_acked = 0;
  int rounds_with_progress = 0;
  for (int round = 0; round < 12; ++round) {
    Child child = StartWriter(db);
    ASSERT_NE(child.out, nullptr);
    // Read acknowledgements on a thread; kill the child a random delay after its first one
    // (counted from then, not from the start: a ThreadSanitizer build or a loaded machine
    // can take longer to start the writer than the longest delay).
    std::atomic<int64_t> acked{0};
    std::atomic<bool> reader_done{false};
    std::thread reader([&] {
      char line[64];
      while (std::fgets(line, sizeof(line), child.out) != nullptr) acked = std::atoll(line);
      reader_done = true;
    });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (acked == 0 && !reader_done && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 150));
    ASSERT_EQ(kill(child.pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited on its own: status " << status;
    reader.join();
    std::fclose(child.out);
    if (acked > max_acked) ++rounds_with_progress;
    max_acked = std::max<int64_t>(max_acked, acked);

    auto engine = OpenLevelDbEngine(db);
    ASSERT_TRUE(engine.ok()) << engine.status();
    auto store = MvccStore::Open(engine->get());
    ASSERT_TRUE(store.ok()) << store.status();
    auto last = (*store)->Get("last", Timestamp::Max());
    ASSERT_TRUE(last.ok());
    int64_t stored_last = last->row.has_value() ? std::stoll(last->row->value) : 0;
    EXPECT_GE(stored_last, max_acked) << "an acknowledged batch was lost in round " << round;
    // Every batch up to the stored last one is complete; the next one is entirely absent.
    for (int64_t n = 1; n <= stored_last + 1; ++n) {
      int present = 0;
      for (int j = 0; j < kKeysPerBatch; ++j) {
        auto r = (*store)->Get(std::to_string(n) + "/" + std::to_string(j), Timestamp::Max());
        ASSERT_TRUE(r.ok());
        present += r->row.has_value() ? 1 : 0;
      }
      if (n <= stored_last) {
        ASSERT_EQ(present, kKeysPerBatch) << "batch " << n << " is incomplete";
      } else {
        ASSERT_EQ(present, 0) << "batch " << n << " is half visible";
      }
    }
    // The maintained stats were written in the same atomic batches.
    auto computed = (*store)->ComputeStats("", "");
    ASSERT_TRUE(computed.ok());
    EXPECT_EQ((*store)->Stats(), *computed);
    EXPECT_EQ((*store)->Stats().live_keys, stored_last * kKeysPerBatch + (stored_last > 0));
  }
  EXPECT_GT(max_acked, 0) << "the writer never acknowledged anything";
  EXPECT_GE(rounds_with_progress, 6);
}

}  // namespace
}  // namespace meridian::storage
