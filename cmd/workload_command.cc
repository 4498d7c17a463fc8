#include "cmd/workload_command.h"

#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cmd/flags.h"
#include "workload/tpcc/consistency.h"
#include "workload/tpcc/driver.h"
#include "workload/tpcc/init.h"

namespace meridian::cmd {
namespace {

using workload::tpcc::Scale;

constexpr char kDefaultUrl[] = "postgresql://root@127.0.0.1:26257/meridian?sslmode=disable";

constexpr char kWorkloadUsage[] = R"(usage: meridian workload tpcc init|run|check [flags] [URL...]

TPC-C (Standard Specification Rev 5.11) against any PostgreSQL-protocol database:
  init    create the schema and load the initial population (clauses 1, 4.3)
  run     drive the five transactions from terminals (clauses 2, 5) and report tpmC
  check   verify the consistency conditions (clause 3.3.2)

`meridian workload tpcc COMMAND --help` lists a command's flags.
)";

const FlagSpec kDbFlag{"db", "URL",
                       "a connection URI or conninfo string (repeatable; URLs may also be\n"
                       "given as arguments); default " +
                           std::string(kDefaultUrl)};
const FlagSpec kReservedPartitions{"partitions", "N",
                                   "reserved for multi-region placement (not implemented)"};
const FlagSpec kReservedRegions{"regions", "LIST",
                                "reserved for multi-region placement (not implemented)"};

const CommandSpec& InitSpec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian workload tpcc init [flags] [URL...]",
      .description =
          "Creates the nine TPC-C tables with the specification's columns and primary keys,\n"
          "plus the secondary indexes the transactions need (customers by last name, orders\n"
          "by customer), and loads the initial population of clause 4.3.3.1 in parallel,\n"
          "with COPY, in transactions of at most --batch rows. Progress per table is shown\n"
          "in place on a terminal and as plain lines otherwise. The scale and the NURand\n"
          "load constants are recorded in the table tpcc_meta for `run` and `check`.\n"
          "--items, --customers and --orders scale the population DOWN for tests: such a\n"
          "database is not spec-sized, and every report says so.\n",
      .flags =
          {
              {"warehouses", "N", "warehouses to load (default 1)"},
              kDbFlag,
              {"drop", "", "drop the TPC-C tables first if they exist"},
              {"workers", "N", "loading connections in parallel (default 4)"},
              {"batch", "N", "rows per COPY transaction (default 1000)"},
              {"seed", "N", "seed of the population (default: random, printed)"},
              {"items", "N", "NOT spec-sized: items (spec: 100000)"},
              {"customers", "N", "NOT spec-sized: customers per district (spec: 3000)"},
              {"orders", "N",
               "NOT spec-sized: orders per district (spec: 3000; at most\n"
               "--customers)"},
              kReservedPartitions,
              kReservedRegions,
          },
  };
  return *spec;
}

const CommandSpec& CheckSpec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian workload tpcc check [flags] [URL]",
      .description =
          "Verifies the consistency conditions of clause 3.3.2 (3.3.2.1 to 3.3.2.12) at one\n"
          "consistent snapshot (Meridian: AS OF SYSTEM TIME the moment the check starts;\n"
          "PostgreSQL: one REPEATABLE READ transaction) and prints PASS or FAIL for each,\n"
          "with the offending rows of a failure. The conditions over every order, order line\n"
          "or customer (5, 6, 7, 10, 12) are costly and run with --expensive. Condition 11\n"
          "holds only until the first Delivery. Exit status 1 if any condition fails.\n",
      .flags =
          {
              kDbFlag,
              {"expensive", "", "also check the costly conditions 5, 6, 7, 10 and 12"},
              {"rows", "N", "offending rows printed per failed condition (default 10)"},
          },
  };
  return *spec;
}

const CommandSpec& RunSpec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian workload tpcc run [flags] [URL...]",
      .description =
          "Runs the five TPC-C transactions (clause 2) from 10 terminals per warehouse, each\n"
          "dealing its transactions from the deck of clause 5.2.4.2 and waiting the keying and\n"
          "think times of clause 5.2.5 (scaled by --wait; --wait=0 runs flat out). Each\n"
          "transaction is one SQL transaction, at the same isolation level on every system\n"
          "(--isolation); 40001 and 40P01 are retried and counted,\n"
          "any other error is reported with its SQLSTATE. Prints a line per second per\n"
          "transaction type (rows marked * are in the ramp), then the summary: tpmC, the\n"
          "efficiency against 12.86 tpmC per warehouse, p50/p90/p95/p99/max per type, and\n"
          "the checks of the mix (5.2.3), the response-time limits (5.2.5.3) and the input\n"
          "rates (5.5.1.5). With several URLs the connections are spread over them.\n"
          "Exit status 0 when the run completed (the checks are reported, not enforced),\n"
          "1 when it could not run.\n",
      .flags =
          {
              kDbFlag,
              {"warehouses", "N", "warehouses to drive (default: all loaded)"},
              {"duration", "DURATION", "measurement window, e.g. 30s, 5m (default 1m)"},
              {"ramp", "DURATION", "warm-up before the window, not measured (default 0s)"},
              {"wait", "FACTOR",
               "keying and think times: 1 = the spec's (default), 0 = none,\n"
               "a fraction scales them"},
              {"workers", "N",
               "threads running transactions (default: one per terminal; with\n"
               "--wait=0, more workers than 10 per warehouse get more terminals)"},
              {"conns", "N", "connections (default: one per worker)"},
              {"simple", "", "the simple query protocol instead of prepared statements"},
              {"seed", "N", "seed of the terminals' inputs (default: random, printed)"},
              {"max-retries", "N", "retries of a 40001/40P01 per transaction (default 100)"},
              {"isolation", "LEVEL",
               "the read-write transactions' isolation: repeatable-read (default;\n"
               "snapshot isolation, under which TPC-C is serializable) or serializable"},
              {"json", "",
               "print the summary as JSON on stdout (the per-second lines go\n"
               "to stderr)"},
              kReservedPartitions,
              kReservedRegions,
          },
  };
  return *spec;
}

// The --db values (repeatable, so taken from argv directly) and the positional URLs;
// the default URL when there are none.
std::vector<std::string> Urls(int argc, char** argv, const ParsedArgs& args) {
  std::vector<std::string> urls;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--db=", 0) == 0) urls.push_back(a.substr(5));
  }
  for (const std::string& p : args.positional) urls.push_back(p);
  if (urls.empty()) urls.push_back(kDefaultUrl);
  return urls;
}

int Usage(const CommandSpec& spec, const std::string& command, const std::string& message) {
  std::fprintf(stderr, "meridian workload tpcc %s: %s (%s)\n", command.c_str(), message.c_str(),
               spec.SeeHelp().c_str());
  return 2;
}

// Parses argv against `spec`; prints help (returns 0) or a usage error (returns 2), or
// leaves `out` filled and returns -1.
int Parse(int argc, char** argv, const CommandSpec& spec, const std::string& command,
          ParsedArgs* out) {
  absl::StatusOr<ParsedArgs> args = ParseCommandArgs(argc, argv, spec);
  if (!args.ok()) return Usage(spec, command, std::string(args.status().message()));
  if (args->help) {
    std::fputs(spec.Help().c_str(), stdout);
    return 0;
  }
  for (const char* reserved : {"partitions", "regions"}) {
    if (args->flags.count(reserved)) {
      return Usage(spec, command,
                   absl::StrCat("--", reserved,
                                " is reserved for multi-region placement, which is not "
                                "implemented yet"));
    }
  }
  *out = *std::move(args);
  return -1;
}

// An integer flag in [lo, hi]; false (with a usage message printed) otherwise.
bool IntIn(const ParsedArgs& args, const std::string& name, int64_t fallback, int64_t lo,
           int64_t hi, int64_t* out, const CommandSpec& spec, const std::string& command) {
  absl::StatusOr<int64_t> v = IntFlag(args, name, fallback);
  if (!v.ok() || *v < lo || *v > hi) {
    Usage(spec, command, absl::StrCat("--", name, " needs an integer in ", lo, "..", hi));
    return false;
  }
  *out = *v;
  return true;
}

uint64_t RandomSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

int Init(int argc, char** argv) {
  const CommandSpec& spec = InitSpec();
  ParsedArgs args;
  if (int rc = Parse(argc, argv, spec, "init", &args); rc >= 0) return rc;
  workload::tpcc::InitOptions o;
  int64_t w, workers, batch, items, customers, orders;
  if (!IntIn(args, "warehouses", 1, 1, 100000, &w, spec, "init") ||
      !IntIn(args, "workers", 4, 1, 256, &workers, spec, "init") ||
      !IntIn(args, "batch", 1000, 1, 1000000, &batch, spec, "init") ||
      !IntIn(args, "items", Scale::kSpecItems, 1, Scale::kSpecItems, &items, spec, "init") ||
      !IntIn(args, "customers", Scale::kSpecCustomers, 1, Scale::kSpecCustomers, &customers, spec,
             "init") ||
      !IntIn(args, "orders", Scale::kSpecOrders, 1, Scale::kSpecOrders, &orders, spec, "init")) {
    return 2;
  }
  o.scale = Scale{.warehouses = static_cast<int>(w),
                  .items = static_cast<int>(items),
                  .customers = static_cast<int>(customers),
                  .orders = static_cast<int>(orders)};
  if (absl::Status s = o.scale.Validate(); !s.ok()) {
    return Usage(spec, "init", std::string(s.message()));
  }
  o.urls = Urls(argc, argv, args);
  o.drop = args.flags.count("drop") > 0;
  o.load.workers = static_cast<int>(workers);
  o.load.batch_rows = static_cast<int>(batch);
  o.load.seed = RandomSeed();
  if (auto it = args.flags.find("seed");
      it != args.flags.end() && !absl::SimpleAtoi(it->second, &o.load.seed)) {
    return Usage(spec, "init", "--seed needs a non-negative integer");
  }
  o.terminal = isatty(STDOUT_FILENO);
  absl::Status s = workload::tpcc::RunInit(o, stdout);
  if (!s.ok()) {
    std::fprintf(stderr, "meridian workload tpcc init: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

int Run(int argc, char** argv) {
  const CommandSpec& spec = RunSpec();
  ParsedArgs args;
  if (int rc = Parse(argc, argv, spec, "run", &args); rc >= 0) return rc;
  workload::tpcc::RunOptions o;
  int64_t w, workers, conns, retries;
  if (!IntIn(args, "warehouses", 0, 0, 100000, &w, spec, "run") ||
      !IntIn(args, "workers", 0, 0, 100000, &workers, spec, "run") ||
      !IntIn(args, "conns", 0, 0, 100000, &conns, spec, "run") ||
      !IntIn(args, "max-retries", 100, 0, 1000000, &retries, spec, "run")) {
    return 2;
  }
  o.warehouses = static_cast<int>(w);
  o.workers = static_cast<int>(workers);
  o.conns = static_cast<int>(conns);
  o.max_retries = static_cast<int>(retries);
  for (const auto& [name, target] :
       {std::pair<const char*, absl::Duration*>{"duration", &o.duration}, {"ramp", &o.ramp}}) {
    auto it = args.flags.find(name);
    if (it == args.flags.end()) continue;
    if (!absl::ParseDuration(it->second, target) || *target < absl::ZeroDuration()) {
      return Usage(
          spec, "run",
          absl::StrCat("--", name, " needs a duration such as 30s or 5m, got '", it->second, "'"));
    }
  }
  if (o.duration <= absl::ZeroDuration()) return Usage(spec, "run", "--duration must be positive");
  if (auto it = args.flags.find("wait"); it != args.flags.end()) {
    if (!absl::SimpleAtod(it->second, &o.wait) || !(o.wait >= 0) || o.wait > 100) {
      return Usage(spec, "run", "--wait needs a factor in 0..100 (1 = the spec's times)");
    }
  }
  o.seed = RandomSeed();
  if (auto it = args.flags.find("seed");
      it != args.flags.end() && !absl::SimpleAtoi(it->second, &o.seed)) {
    return Usage(spec, "run", "--seed needs a non-negative integer");
  }
  if (auto it = args.flags.find("isolation"); it != args.flags.end()) {
    if (it->second == "serializable") {
      o.isolation = "serializable";
    } else if (it->second != "repeatable-read") {
      return Usage(
          spec, "run",
          absl::StrCat("--isolation is repeatable-read or serializable, got '", it->second, "'"));
    }
  }
  o.urls = Urls(argc, argv, args);
  o.protocol = args.flags.count("simple") ? workload::tpcc::SqlRunner::Protocol::kSimple
                                          : workload::tpcc::SqlRunner::Protocol::kPrepared;
  const bool json = args.flags.count("json") > 0;
  auto summary = workload::tpcc::RunWorkload(o, json ? stderr : stdout);
  if (!summary.ok()) {
    std::fprintf(stderr, "meridian workload tpcc run: %s\n",
                 std::string(summary.status().message()).c_str());
    return 1;
  }
  std::fputs(json ? summary->Json().c_str() : summary->Text().c_str(), stdout);
  return 0;
}

int Check(int argc, char** argv) {
  const CommandSpec& spec = CheckSpec();
  ParsedArgs args;
  if (int rc = Parse(argc, argv, spec, "check", &args); rc >= 0) return rc;
  int64_t rows;
  if (!IntIn(args, "rows", 10, 0, 1000000, &rows, spec, "check")) return 2;
  workload::tpcc::CheckOptions o;
  o.url = Urls(argc, argv, args)[0];
  o.expensive = args.flags.count("expensive") > 0;
  o.rows_shown = static_cast<int>(rows);
  auto results = workload::tpcc::RunChecks(o, stdout);
  if (!results.ok()) {
    std::fprintf(stderr, "meridian workload tpcc check: %s\n",
                 std::string(results.status().message()).c_str());
    return 1;
  }
  for (const auto& r : *results) {
    if (r.outcome == workload::tpcc::ConditionResult::Outcome::kFail) return 1;
  }
  return 0;
}

}  // namespace

int WorkloadCommand(int argc, char** argv) {
  if (argc >= 1 && (std::string(argv[0]) == "--help" || std::string(argv[0]) == "-h")) {
    std::fputs(kWorkloadUsage, stdout);
    return 0;
  }
  if (argc < 1 || std::string(argv[0]) != "tpcc") {
    std::fprintf(stderr, "%s", kWorkloadUsage);
    return 2;
  }
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fputs(kWorkloadUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "init") return Init(argc - 2, argv + 2);
  if (command == "run") return Run(argc - 2, argv + 2);
  if (command == "check") return Check(argc - 2, argv + 2);
  std::fprintf(stderr, "meridian workload tpcc: unknown command '%s'\n\n%s", command.c_str(),
               kWorkloadUsage);
  return 2;
}

}  // namespace meridian::cmd
