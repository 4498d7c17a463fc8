// The one `meridian` binary. Subcommands:
//   meridian demo [...]   a local replicated cluster with a shell (or --local: one store)
//   meridian help
//   meridian start ...   run a node;  meridian kv ...   talk to a cluster
//   meridian sql ...     the SQL shell against a node's PostgreSQL port
// (workload arrives with the layer that implements it).
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "cmd/cluster_demo.h"
#include "cmd/kv_shell.h"
#include "cmd/node_commands.h"
#include "cmd/sql_command.h"
#include "common/clock/hlc.h"
#include "common/clock/physical_clock.h"
#include "common/clock/true_time.h"
#include "common/logging.h"
#include "sql/shell/sql_shell.h"
#include "storage/engine/leveldb_engine.h"
#include "storage/mvcc/mvcc_store.h"

namespace meridian::cmd {
namespace {

constexpr char kUsage[] = R"(usage: meridian <command> [flags]

commands:
  demo    the embedded default: a local replicated cluster in simulated regions with the SQL
          shell attached (PostgreSQL clients can connect too; the banner says where)
            --data-dir=DIR     where the nodes keep their data (default: $TMPDIR/meridian-demo)
            --nodes=N          cluster size (default 3)
            --no-wan           no simulated inter-region delays
            --sql-port=P       the PostgreSQL port (default: any free port)
            --kv               the key-value shell instead (ranges, leaseholders, faults)
            --local            a key-value shell over one local MVCC store (no replication)
          statements are read from stdin when it is not a terminal (for scripts)
  start   run one node of a replicated cluster (see meridian start --help)
  sql     the SQL shell, connected to a node's PostgreSQL port (see meridian sql --help)
  kv      read and write a cluster's ranges, inspect status, inject faults
  help    this text
)";

// Runs a shell: line editing and history on a terminal, plain lines from a pipe. Returns the
// exit code: non-zero if a scripted command failed.
template <typename Shell>
int RunShell(Shell* shell, const std::string& history_file, const std::string& banner) {
  const bool interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  if (interactive) {
    std::printf("%s\n", banner.c_str());
    using_history();
    read_history(history_file.c_str());
    while (!shell->done()) {
      char* raw = readline("meridian> ");
      if (raw == nullptr) break;
      std::string line(raw);
      std::free(raw);
      if (!line.empty()) {
        add_history(line.c_str());
        write_history(history_file.c_str());
      }
      std::string out = shell->Execute(line);
      if (!out.empty()) std::printf("%s\n", out.c_str());
    }
    return 0;
  }
  std::string line;
  int errors = 0;
  while (!shell->done() && std::getline(std::cin, line)) {
    std::string out = shell->Execute(line);
    if (out.starts_with("ERROR")) ++errors;
    if (!out.empty()) std::printf("%s\n", out.c_str());
    std::fflush(stdout);
  }
  return errors == 0 ? 0 : 1;
}

int LocalDemo(const std::string& data_dir, double epsilon_ms) {
  auto engine = storage::OpenLevelDbEngine(data_dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "meridian demo: cannot open %s: %s\n", data_dir.c_str(),
                 engine.status().ToString().c_str());
    return 1;
  }
  auto store = storage::MvccStore::Open(engine->get());
  if (!store.ok()) {
    std::fprintf(stderr, "meridian demo: %s\n", store.status().ToString().c_str());
    return 1;
  }
  // The system clock is disciplined by the host's NTP; epsilon must cover its error.
  clock::TrueTime true_time(
      clock::SystemClock::Default(),
      clock::TrueTimeOptions{.epsilon_ns = static_cast<int64_t>(epsilon_ms * 1e6),
                             .max_drift_ppm = 0});
  clock::Hlc hlc(clock::SystemClock::Default());
  KvShell shell(store->get(), &hlc, &true_time);
  std::string banner = absl::StrFormat(
      "Meridian local demo: a durable MVCC store at %s\n"
      "Writes are stamped by the HLC and commit-wait out TrueTime's uncertainty (%.1f ms).\n"
      "Type help for commands, quit to leave.",
      data_dir, epsilon_ms);
  return RunShell(&shell, data_dir + "/.shell_history", banner);
}

int Demo(int argc, char** argv) {
  const char* tmp = std::getenv("TMPDIR");
  std::string data_dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/meridian-demo";
  double epsilon_ms = 2;
  int64_t nodes = 3;
  int64_t sql_port = 0;
  bool local = false, wan = true, kv = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.starts_with("--data-dir=")) {
      data_dir = arg.substr(11);
    } else if (arg.starts_with("--epsilon-ms=") && absl::SimpleAtod(arg.substr(13), &epsilon_ms) &&
               epsilon_ms >= 0 && epsilon_ms <= 1000) {
    } else if (arg.starts_with("--nodes=") && absl::SimpleAtoi(arg.substr(8), &nodes)) {
    } else if (arg.starts_with("--sql-port=") && absl::SimpleAtoi(arg.substr(11), &sql_port) &&
               sql_port >= 0 && sql_port < 65536) {
    } else if (arg == "--kv") {
      kv = true;
    } else if (arg == "--local") {
      local = true;
    } else if (arg == "--no-wan") {
      wan = false;
    } else {
      std::fprintf(stderr, "meridian demo: bad flag %s\n\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (local) return LocalDemo(data_dir, epsilon_ms);
  std::fprintf(stderr, "starting %lld nodes...\n", static_cast<long long>(nodes));
  auto demo = ClusterDemo::Start(
      ClusterDemoOptions{.data_dir = data_dir + "/cluster",
                         .nodes = static_cast<int>(nodes),
                         .wan = wan,
                         .epsilon_us = static_cast<int64_t>(epsilon_ms * 1000),
                         // The key-value shell's commands (stop leader,
                         // stale follower) act on range 1: two ranges
                         // split at "m" keep its keys there and in range 2.
                         .splits = kv ? std::vector<std::string>{"m"} : std::vector<std::string>{},
                         .sql_port = static_cast<int>(sql_port)});
  if (!demo.ok()) {
    std::fprintf(stderr, "meridian demo: %s\n", demo.status().ToString().c_str());
    return 1;
  }
  if (kv) return RunShell(demo->get(), data_dir + "/.shell_history", (*demo)->Banner());
  std::fprintf(stderr, "%s\n", (*demo)->Banner(/*sql=*/true).c_str());
  sql::shell::SqlShellOptions o;
  o.port = (*demo)->sql_port();
  o.user = "root";
  o.database = "meridian";
  return sql::shell::RunSqlShell(o);
}

}  // namespace
}  // namespace meridian::cmd

int main(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles, which costs a
  // graph lookup per lock. Tests keep the check; the server binary turns it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help") {
    std::fputs(meridian::cmd::kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  if (command == "demo") return meridian::cmd::Demo(argc - 2, argv + 2);
  if (command == "start") return meridian::cmd::StartCommand(argc - 2, argv + 2);
  if (command == "kv") return meridian::cmd::KvCommand(argc - 2, argv + 2);
  if (command == "sql") return meridian::cmd::SqlCommand(argc - 2, argv + 2);
  std::fprintf(stderr, "meridian: unknown command '%s'\n\n%s", command.c_str(),
               meridian::cmd::kUsage);
  return 2;
}
