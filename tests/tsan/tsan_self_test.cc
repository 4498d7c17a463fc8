// Shows that the TSan build (make test-tsan) sees absl::Mutex: each case runs in a child
// process of this binary, so its ThreadSanitizer report (or the lack of one) can be checked.
// Locked and awaited handoffs must pass clean, which needs absl_mutex_annotations.cc; an
// unsynchronized counter must be reported, which shows the child runs under TSan at all.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

extern char** environ;

namespace meridian {
namespace {

constexpr char kModeVariable[] = "MERIDIAN_TSAN_SELF_TEST_MODE";

// Shared by the child cases. Fields are deliberately not annotated: the "racy" case must
// be able to compile its unsynchronized access.
struct Shared {
  absl::Mutex mu;
  long counter = 0;
  std::string message;
  bool ready = false;
};

// Four threads increment a counter under the mutex; readers take it shared.
void RunLocked() {
  Shared s;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s] {
      for (int i = 0; i < 2000; ++i) {
        {
          absl::MutexLock lock(&s.mu);
          ++s.counter;
        }
        absl::ReaderMutexLock lock(&s.mu);
        if (s.counter < 0) std::abort();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (s.counter != 8000) std::abort();
}

// A producer hands a string to consumers that wait with Await, LockWhen and a timed
// Await; a CondVar handoff follows.
void RunAwaited() {
  Shared s;
  auto ready = [&s] { return s.ready; };
  std::thread await_consumer([&] {
    absl::MutexLock lock(&s.mu);
    s.mu.Await(absl::Condition(&ready));
    if (s.message != "hello") std::abort();
  });
  std::thread lock_when_consumer([&] {
    s.mu.LockWhen(absl::Condition(&ready));
    if (s.message != "hello") std::abort();
    s.mu.Unlock();
  });
  std::thread timed_consumer([&] {
    absl::MutexLock lock(&s.mu);
    while (!s.mu.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(1))) {
    }
    if (s.message != "hello") std::abort();
  });
  absl::SleepFor(absl::Milliseconds(20));
  {
    absl::MutexLock lock(&s.mu);
    s.message = "hello";
    s.ready = true;
  }
  await_consumer.join();
  lock_when_consumer.join();
  timed_consumer.join();

  absl::CondVar cv;
  bool done = false;
  std::thread waiter([&] {
    absl::MutexLock lock(&s.mu);
    while (!done) cv.Wait(&s.mu);
    if (s.message != "bye") std::abort();
  });
  {
    absl::MutexLock lock(&s.mu);
    s.message = "bye";
    done = true;
  }
  cv.Signal();
  waiter.join();
}

// Two threads increment a counter with no synchronization: a real race.
void RunRacy() {
  Shared s;
  std::thread a([&s] { ++s.counter; });
  std::thread b([&s] { ++s.counter; });
  a.join();
  b.join();
}

struct ChildResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs this binary again in `mode` (see main) in a child process with its own TSan options: reports
// on stderr, exit status 66 if there was one.
ChildResult RunChild(const std::string& mode) {
  const std::string out_path = ::testing::TempDir() + "tsan_self_test_" + mode + ".out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("TSAN_OPTIONS=", 0) == 0 || entry.rfind(kModeVariable, 0) == 0) continue;
    env_strings.push_back(entry);
  }
  env_strings.push_back("TSAN_OPTIONS=exitcode=66 log_path=stderr halt_on_error=0");
  env_strings.push_back(std::string(kModeVariable) + "=" + mode);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::string self = "/proc/self/exe";
  char* argv[] = {self.data(), nullptr};
  pid_t pid;
  ChildResult result;
  const int err = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    ADD_FAILURE() << "posix_spawn failed: " << err;
    return result;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(out_path);
  std::stringstream text;
  text << in.rdbuf();
  result.output = text.str();
  return result;
}

TEST(TsanSelfTest, MutexProtectedCounterIsClean) {
  ChildResult r = RunChild("locked");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("ThreadSanitizer"), std::string::npos) << r.output;
}

TEST(TsanSelfTest, AwaitAndCondVarHandoffsAreClean) {
  ChildResult r = RunChild("awaited");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("ThreadSanitizer"), std::string::npos) << r.output;
}

TEST(TsanSelfTest, UnsynchronizedCounterIsReported) {
  ChildResult r = RunChild("racy");
  EXPECT_EQ(r.exit_code, 66) << r.output;
  EXPECT_NE(r.output.find("WARNING: ThreadSanitizer: data race"), std::string::npos) << r.output;
}

// Runs the case a child process was started for. Returns false for an unknown mode.
bool RunChildMode(const std::string& mode) {
  if (mode == "locked") {
    RunLocked();
  } else if (mode == "awaited") {
    RunAwaited();
  } else if (mode == "racy") {
    RunRacy();
  } else {
    return false;
  }
  return true;
}

}  // namespace
}  // namespace meridian

// A child (MERIDIAN_TSAN_SELF_TEST_MODE set) runs its case and exits; TSan turns the exit
// status into 66 if it reported anything. Otherwise the tests run.
int main(int argc, char** argv) {
  if (const char* mode = std::getenv(meridian::kModeVariable)) {
    return meridian::RunChildMode(mode) ? 0 : 2;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
