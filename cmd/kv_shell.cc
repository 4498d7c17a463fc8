#include "cmd/kv_shell.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status.h"

namespace meridian::cmd {
namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out + "\"";
}

absl::Status Usage(std::string_view usage) {
  return absl::InvalidArgumentError(absl::StrCat("usage: ", std::string(usage)));
}

std::string FormatBlocked(const storage::BlockingIntent& b) {
  return absl::StrCat("blocked: key ", Quote(b.key), " has a prepared write of txn ",
                      Quote(b.txn_id), " at ", b.timestamp.ToString(),
                      "; resolve it with `commit` or `abort`");
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false, in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_quotes) {
      if (c == '\\' && i + 1 < line.size()) {
        cur.push_back(line[++i]);
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      in_quotes = in_word = true;
    } else if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur.push_back(c);
      in_word = true;
    }
  }
  if (in_quotes) return absl::InvalidArgumentError("unterminated quote");
  if (in_word) words.push_back(std::move(cur));
  return words;
}

absl::StatusOr<Timestamp> ParseTimestamp(std::string_view text) {
  std::string s(text);
  uint32_t logical = 0;
  if (size_t comma = s.find(','); comma != std::string::npos) {
    if (!absl::SimpleAtoi(s.substr(comma + 1), &logical)) {
      return absl::InvalidArgumentError(absl::StrCat("bad logical part in timestamp ", s));
    }
    s = s.substr(0, comma);
  }
  int64_t wall = 0;
  if (size_t dot = s.find('.'); dot != std::string::npos) {
    int64_t sec = 0;
    std::string frac = s.substr(dot + 1);
    if (!absl::SimpleAtoi(s.substr(0, dot), &sec) || frac.empty() || frac.size() > 9 ||
        frac.find_first_not_of("0123456789") != std::string::npos || sec < 0 ||
        sec > 9'000'000'000) {
      return absl::InvalidArgumentError(absl::StrCat("bad timestamp ", std::string(text)));
    }
    int64_t nanos = 0;
    for (char c : frac + std::string(9 - frac.size(), '0')) nanos = nanos * 10 + (c - '0');
    wall = sec * 1'000'000'000 + nanos;
  } else if (!absl::SimpleAtoi(s, &wall) || wall < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad timestamp ", std::string(text),
                     " (want SECONDS.NANOS[,LOGICAL] or integer nanoseconds)"));
  }
  return Timestamp{wall, logical};
}

KvShell::KvShell(storage::MvccStore* store, clock::Hlc* hlc, clock::TrueTime* true_time)
    : store_(store), hlc_(hlc), true_time_(true_time) {}

std::string KvShell::Help() {
  return R"(commands (KEY and VALUE may be "quoted"; TS is SECONDS.NANOS[,LOGICAL]):
  put KEY VALUE                      write a version at a fresh timestamp (commit-waits)
  del KEY                            write a deletion (tombstone)
  get KEY [AT TS]                    read the newest version at TS (default: now)
  scan START END [AT TS] [LIMIT N] [REVERSE]
                                     read [START, END); END "" or - means to the end
  history KEY                        every stored version of KEY, newest first
  prepare TXN KEY VALUE|-            a prepared write of transaction TXN ("-": a delete)
  commit TXN KEY                     resolve TXN's prepared write at a fresh timestamp
  abort TXN KEY                      discard TXN's prepared write
  gc TS                              garbage-collect versions invisible at or above TS
  stats [START END]                  MVCC statistics (maintained, or recounted for a span)
  now                                the TrueTime interval and the HLC
  help | quit)";
}

std::string ExecuteCommandLine(
    std::string_view line,
    const std::function<absl::StatusOr<std::string>(const std::vector<std::string>&)>& run) {
  absl::StatusOr<std::vector<std::string>> args = SplitCommandLine(line);
  if (!args.ok()) return absl::StrCat("ERROR: ", args.status().message());
  if (args->empty() || (*args)[0].starts_with("#")) return "";
  absl::StatusOr<std::string> out = run(*args);
  if (!out.ok()) {
    return absl::StrCat("ERROR: ", absl::StatusCodeToString(out.status().code()), ": ",
                        out.status().message());
  }
  return *out;
}

std::string KvShell::Execute(std::string_view line) {
  return ExecuteCommandLine(line,
                            [this](const std::vector<std::string>& args) { return Run(args); });
}

Timestamp KvShell::WriteTimestamp() {
  // Above every timestamp this node handed out and at least TrueTime's latest bound, so
  // the commit wait that follows makes the write's order agree with real time.
  int64_t latest = true_time_->Now().latest_ns;
  CHECK_OK(hlc_->Update(Timestamp{latest, 0}));
  return hlc_->Now();
}

std::string KvShell::CommitWaitNote(Timestamp ts) {
  auto start = std::chrono::steady_clock::now();
  true_time_->CommitWait(ts);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return absl::StrFormat("(commit wait %.2f ms)", ms);
}

absl::StatusOr<Timestamp> KvShell::ReadTimestamp(std::vector<std::string>* args) {
  for (size_t i = 0; i < args->size(); ++i) {
    if (absl::AsciiStrToLower((*args)[i]) == "at") {
      if (i + 1 >= args->size()) return absl::InvalidArgumentError("AT needs a timestamp");
      ASSIGN_OR_RETURN(Timestamp ts, ParseTimestamp((*args)[i + 1]));
      args->erase(args->begin() + i, args->begin() + i + 2);
      return ts;
    }
  }
  return hlc_->Now();
}

absl::StatusOr<std::string> KvShell::Run(const std::vector<std::string>& in) {
  std::vector<std::string> args = in;
  const std::string cmd = absl::AsciiStrToLower(args[0]);
  if (cmd == "help" || cmd == "\\?") return Help();
  if (cmd == "quit" || cmd == "exit" || cmd == "\\q") {
    done_ = true;
    return std::string();
  }
  if (cmd == "put") {
    if (args.size() != 3) return Usage("put KEY VALUE");
    Timestamp ts = WriteTimestamp();
    RETURN_IF_ERROR(store_->Put(args[1], ts, args[2], storage::WriteOptions{.sync = true}));
    return absl::StrCat("OK ", ts.ToString(), " ", CommitWaitNote(ts));
  }
  if (cmd == "del" || cmd == "delete") {
    if (args.size() != 2) return Usage("del KEY");
    Timestamp ts = WriteTimestamp();
    RETURN_IF_ERROR(store_->Delete(args[1], ts, storage::WriteOptions{.sync = true}));
    return absl::StrCat("OK ", ts.ToString(), " ", CommitWaitNote(ts));
  }
  if (cmd == "get") {
    ASSIGN_OR_RETURN(Timestamp ts, ReadTimestamp(&args));
    if (args.size() != 2) return Usage("get KEY [AT TS]");
    ASSIGN_OR_RETURN(storage::MvccGetResult r, store_->Get(args[1], ts));
    if (r.blocked_by.has_value()) return FormatBlocked(*r.blocked_by);
    if (!r.row.has_value()) return std::string("(not found)");
    return absl::StrCat(Quote(r.row->value), " @ ", r.row->timestamp.ToString());
  }
  if (cmd == "scan") {
    ASSIGN_OR_RETURN(Timestamp ts, ReadTimestamp(&args));
    storage::ScanRequest req;
    req.timestamp = ts;
    for (size_t i = 3; i < args.size(); ++i) {
      std::string word = absl::AsciiStrToLower(args[i]);
      if (word == "reverse") {
        req.reverse = true;
      } else if (word == "limit" && i + 1 < args.size() &&
                 absl::SimpleAtoi(args[i + 1], &req.max_rows) && req.max_rows > 0) {
        ++i;
      } else {
        return Usage("scan START END [AT TS] [LIMIT N] [REVERSE]");
      }
    }
    if (args.size() < 3) return Usage("scan START END [AT TS] [LIMIT N] [REVERSE]");
    req.start = args[1];
    req.end = args[2] == "-" ? "" : args[2];
    ASSIGN_OR_RETURN(storage::ScanResult r, store_->Scan(req));
    std::string out;
    for (const storage::MvccRow& row : r.rows) {
      absl::StrAppend(&out, Quote(row.key), " = ", Quote(row.value), " @ ",
                      row.timestamp.ToString(), "\n");
    }
    absl::StrAppend(&out, "(", r.rows.size(), r.rows.size() == 1 ? " row" : " rows", ")");
    if (r.blocked_by.has_value()) absl::StrAppend(&out, "\n", FormatBlocked(*r.blocked_by));
    if (r.resume_key.has_value()) absl::StrAppend(&out, "\nresume at ", Quote(*r.resume_key));
    return out;
  }
  if (cmd == "history") {
    if (args.size() != 2) return Usage("history KEY");
    std::string out;
    ASSIGN_OR_RETURN(std::optional<storage::PreparedWriteInfo> intent, store_->GetIntent(args[1]));
    if (intent.has_value()) {
      absl::StrAppend(&out, "prepared by ", Quote(intent->txn_id), " @ ",
                      intent->timestamp.ToString(), ": ",
                      intent->value.has_value() ? Quote(*intent->value) : "(delete)", "\n");
    }
    ASSIGN_OR_RETURN(std::vector<storage::MvccVersion> versions, store_->History(args[1]));
    for (const storage::MvccVersion& v : versions) {
      absl::StrAppend(&out, v.timestamp.ToString(), "  ",
                      v.value.has_value() ? Quote(*v.value) : "(tombstone)", "\n");
    }
    absl::StrAppend(&out, "(", versions.size(), " versions)");
    return out;
  }
  if (cmd == "prepare") {
    if (args.size() != 4) return Usage("prepare TXN KEY VALUE|-");
    Timestamp ts = WriteTimestamp();
    auto batch = store_->NewBatch();
    std::optional<std::string_view> value;
    if (args[3] != "-") value = args[3];
    RETURN_IF_ERROR(batch->Prepare(args[2], args[1], ts, value));
    RETURN_IF_ERROR(batch->Commit(storage::WriteOptions{.sync = true}));
    return absl::StrCat("PREPARED ", ts.ToString());
  }
  if (cmd == "commit" || cmd == "abort") {
    if (args.size() != 3) return Usage(absl::StrCat(cmd, " TXN KEY"));
    auto batch = store_->NewBatch();
    if (cmd == "abort") {
      RETURN_IF_ERROR(batch->ResolveAbort(args[2], args[1]));
      RETURN_IF_ERROR(batch->Commit(storage::WriteOptions{.sync = true}));
      return std::string("ABORTED");
    }
    Timestamp ts = WriteTimestamp();
    RETURN_IF_ERROR(batch->ResolveCommit(args[2], args[1], ts));
    RETURN_IF_ERROR(batch->Commit(storage::WriteOptions{.sync = true}));
    batch.reset();
    return absl::StrCat("COMMITTED ", ts.ToString(), " ", CommitWaitNote(ts));
  }
  if (cmd == "gc") {
    if (args.size() != 2) return Usage("gc TS");
    ASSIGN_OR_RETURN(Timestamp ts, ParseTimestamp(args[1]));
    storage::MvccStats before = store_->Stats();
    RETURN_IF_ERROR(store_->GarbageCollect(ts));
    return absl::StrCat("GC threshold ", store_->GcThreshold().ToString(), ", removed ",
                        before.version_count - store_->Stats().version_count, " versions");
  }
  if (cmd == "stats") {
    if (args.size() == 1) return store_->Stats().ToString();
    if (args.size() != 3) return Usage("stats [START END]");
    ASSIGN_OR_RETURN(storage::MvccStats s,
                     store_->ComputeStats(args[1], args[2] == "-" ? "" : args[2]));
    return s.ToString();
  }
  if (cmd == "now") {
    clock::TimeInterval tt = true_time_->Now();
    return absl::StrFormat("TrueTime [%s, %s] (+/- %.3f ms)  HLC %s",
                           Timestamp{tt.earliest_ns, 0}.ToString(),
                           Timestamp{tt.latest_ns, 0}.ToString(),
                           (tt.latest_ns - tt.earliest_ns) / 2e6, hlc_->Last().ToString());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command \"", args[0], "\"; type help for the list"));
}

}  // namespace meridian::cmd
