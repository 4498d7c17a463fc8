// Mutation test of the replica driver. This source is built into one binary per mutant,
// each linked with a deliberately broken build of storage/range/replica_driver.cc (see
// MERIDIAN_REPLICA_DRIVER_MUTANT there and CMakeLists.txt here) instead of the real one.
// It passes only if a simulator catches the bug within a few seeds: if the simulators
// stopped running the production driver, or their checkers weakened, it would fail.
//
// Each seed runs in a child process: a mutant may trip a CHECK in production code (an
// invariant the simulated run broke), which counts as caught as much as a violation does.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "gtest/gtest.h"
#include "tests/sim/paxos_cluster.h"
#include "tests/sim/txn_cluster.h"

#ifndef MERIDIAN_DRIVER_MUTANT_NAME
#error "build with -DMERIDIAN_DRIVER_MUTANT_NAME=<mutant>"
#endif

namespace meridian::sim {
namespace {

// How one seed ended.
struct Outcome {
  bool caught = false;
  std::string how;
};

// Runs `run` (which returns the run's violations) in a child process.
Outcome RunInChild(const std::function<std::vector<std::string>()>& run) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    std::vector<std::string> violations = run();
    std::string first = violations.empty() ? "" : violations.front();
    for (size_t done = 0; done < first.size();) {
      ssize_t n = write(fds[1], first.data() + done, first.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(violations.empty() ? 0 : 1);
  }
  close(fds[1]);
  std::string message;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) message.append(buf, n);
  close(fds[0]);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFEXITED(status)) return {true, absl::StrCat("violation: ", message)};
  return {true, absl::StrCat("the run died (signal ", WTERMSIG(status),
                             "): a CHECK in the code it ran failed")};
}

std::vector<std::string> PaxosSeed(uint64_t seed) {
  PaxosSimOptions o;
  o.seed = seed;
  o.chaos_ns = 5'000'000'000;  // as in make test's seeds
  return RunPaxosSimulation(o).violations;
}

std::vector<std::string> TxnSeed(uint64_t seed) {
  SetMinLogLevel(LogLevel::kWarning);
  TxnSimOptions o;
  o.seed = seed;
  o.chaos_ns = 6'000'000'000;  // as in make test's seeds
  return RunTxnSimulation(o).violations;
}

// Seeds 1..max_seeds of `sim` until one catches the mutant.
void ExpectCaught(const char* sim, uint64_t max_seeds,
                  const std::function<std::vector<std::string>(uint64_t)>& run_seed) {
  for (uint64_t seed = 1; seed <= max_seeds; ++seed) {
    Outcome o = RunInChild([&] { return run_seed(seed); });
    if (o.caught) {
      std::printf("mutant %s caught by the %s simulator at seed %llu: %s\n",
                  MERIDIAN_DRIVER_MUTANT_NAME, sim, static_cast<unsigned long long>(seed),
                  o.how.c_str());
      return;
    }
  }
  ADD_FAILURE() << "the " << sim << " simulator did not catch the driver mutant "
                << MERIDIAN_DRIVER_MUTANT_NAME << " in " << max_seeds << " seeds";
}

TEST(DriverMutant, CaughtBySimulator) {
  const std::string mutant = MERIDIAN_DRIVER_MUTANT_NAME;
  if (mutant == "no_fsync" || mutant == "drop_snapshot_requests") {
    ExpectCaught("Paxos", 50, PaxosSeed);
  } else if (mutant == "last_batch_only" || mutant == "sync_last_ready_only") {
    // Group commit: only the transaction simulator runs several groups per node.
    ExpectCaught("transaction", 50, TxnSeed);
  } else {
    FAIL() << "no expectation for mutant " << mutant;
  }
}

}  // namespace
}  // namespace meridian::sim
