// The one `meridian` binary. Subcommands:
//   meridian demo [...]   a local replicated cluster with a shell (or --local: one store)
//   meridian help [COMMAND]
//   meridian start ...   run a node;  meridian kv ...   talk to a cluster
//   meridian sql ...     the SQL shell against a node's PostgreSQL port
//   meridian workload tpcc init|run|check   TPC-C against any PostgreSQL-protocol database
// Every subcommand answers --help with its usage and flags on stdout (exit status 0); a
// mistake in the arguments is reported on stderr with exit status 2.
#include <editline/readline.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "cmd/cluster_demo.h"
#include "cmd/flags.h"
#include "cmd/kv_shell.h"
#include "cmd/node_commands.h"
#include "cmd/sql_command.h"
#include "cmd/workload_command.h"
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
  start   run one node of a replicated cluster, optionally serving SQL
  sql     the SQL shell, connected to a node's PostgreSQL port
  kv      read and write a cluster's ranges, inspect status, inject faults
  workload tpcc init|run|check
          TPC-C: load, drive and verify (against Meridian or PostgreSQL)
  help    this text; `meridian help COMMAND` is `meridian COMMAND --help`

`meridian COMMAND --help` describes a command and lists its flags.
)";

const CommandSpec& DemoSpec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian demo [flags]",
      .description =
          "The embedded default: a local replicated cluster (real nodes in this process, each\n"
          "with its own port and data directory) in simulated regions with WAN delays between\n"
          "them, and the SQL shell attached. PostgreSQL clients can connect too; the banner\n"
          "says where. Statements are read from stdin when it is not a terminal (scripts).\n",
      .flags =
          {
              {"data-dir", "DIR",
               "where the nodes keep their data (default: $TMPDIR/meridian-demo)"},
              {"nodes", "N", "cluster size, 1..9 (default 3)"},
              {"no-wan", "", "no simulated inter-region delays"},
              {"sql-port", "P", "the PostgreSQL port on 127.0.0.1 (default: any free port)"},
              {"epsilon-ms", "MS", "TrueTime uncertainty bound, 0..1000 (default 2)"},
              {"kv", "", "the key-value shell instead (ranges, leaseholders, faults)"},
              {"local", "", "a key-value shell over one local MVCC store (no replication)"},
          },
  };
  return *spec;
}

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
  const CommandSpec& spec = DemoSpec();
  auto fail = [&spec](const std::string& message) {
    std::fprintf(stderr, "meridian demo: %s (%s)\n", message.c_str(), spec.SeeHelp().c_str());
    return 2;
  };
  absl::StatusOr<ParsedArgs> args = ParseCommandArgs(argc, argv, spec);
  if (!args.ok()) return fail(std::string(args.status().message()));
  if (args->help) {
    std::fputs(spec.Help().c_str(), stdout);
    return 0;
  }
  if (!args->positional.empty()) {
    return fail(absl::StrCat("unexpected argument '", args->positional[0], "'"));
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string data_dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/meridian-demo";
  if (auto it = args->flags.find("data-dir"); it != args->flags.end()) data_dir = it->second;
  double epsilon_ms = 2;
  if (auto it = args->flags.find("epsilon-ms");
      it != args->flags.end() &&
      (!absl::SimpleAtod(it->second, &epsilon_ms) || epsilon_ms < 0 || epsilon_ms > 1000)) {
    return fail("--epsilon-ms needs a number of milliseconds in 0..1000");
  }
  absl::StatusOr<int64_t> nodes = IntFlag(*args, "nodes", 3);
  if (!nodes.ok() || *nodes < 1 || *nodes > 9) return fail("--nodes needs a cluster size in 1..9");
  absl::StatusOr<int64_t> sql_port = IntFlag(*args, "sql-port", 0);
  if (!sql_port.ok() || *sql_port < 0 || *sql_port > 65535) {
    return fail("--sql-port needs a port number in 0..65535");
  }
  const bool local = args->flags.count("local") > 0;
  const bool wan = args->flags.count("no-wan") == 0;
  const bool kv = args->flags.count("kv") > 0;
  if (local) return LocalDemo(data_dir, epsilon_ms);
  std::fprintf(stderr, "starting %lld nodes...\n", static_cast<long long>(*nodes));
  auto demo = ClusterDemo::Start(
      ClusterDemoOptions{.data_dir = data_dir + "/cluster",
                         .nodes = static_cast<int>(*nodes),
                         .wan = wan,
                         .epsilon_us = static_cast<int64_t>(epsilon_ms * 1000),
                         // The key-value shell's commands (stop leader,
                         // stale follower) act on range 1: two ranges
                         // split at "m" keep its keys there and in range 2.
                         .splits = kv ? std::vector<std::string>{"m"} : std::vector<std::string>{},
                         .sql_port = static_cast<int>(*sql_port)});
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
  if (argc < 2) {
    std::fputs(meridian::cmd::kUsage, stderr);
    return 2;
  }
  std::string command = argv[1];
  char help_flag[] = "--help";
  char* help_argv[] = {help_flag, nullptr};
  if (command == "help" || command == "--help" || command == "-h") {
    if (argc == 2) {
      std::fputs(meridian::cmd::kUsage, stdout);
      return 0;
    }
    // `meridian help COMMAND`: that command's --help.
    command = argv[2];
    argc = 1;
    argv = help_argv;
  } else {
    argc -= 2;
    argv += 2;
  }
  if (command == "demo") return meridian::cmd::Demo(argc, argv);
  if (command == "start") return meridian::cmd::StartCommand(argc, argv);
  if (command == "kv") return meridian::cmd::KvCommand(argc, argv);
  if (command == "sql") return meridian::cmd::SqlCommand(argc, argv);
  if (command == "workload") return meridian::cmd::WorkloadCommand(argc, argv);
  std::fprintf(stderr, "meridian: unknown command '%s'\n\n%s", command.c_str(),
               meridian::cmd::kUsage);
  return 2;
}
