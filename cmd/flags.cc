#include "cmd/flags.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meridian::cmd {
namespace {

constexpr size_t kHelpColumn = 30;

// "  --name=PLACEHOLDER" padded to the help column (or on a line of its own when longer),
// then the help text, continued lines indented to the column.
void AppendFlag(std::string* out, const FlagSpec& f) {
  std::string left = absl::StrCat("  --", f.name);
  if (!f.placeholder.empty()) absl::StrAppend(&left, "=", f.placeholder);
  if (left.size() + 2 > kHelpColumn) {
    absl::StrAppend(out, left, "\n", std::string(kHelpColumn, ' '));
  } else {
    absl::StrAppend(out, left, std::string(kHelpColumn - left.size(), ' '));
  }
  bool first = true;
  for (absl::string_view line : absl::StrSplit(f.help, '\n')) {
    if (!first) absl::StrAppend(out, std::string(kHelpColumn, ' '));
    absl::StrAppend(out, line, "\n");
    first = false;
  }
}

}  // namespace

std::string CommandSpec::Help() const {
  std::string out = absl::StrCat("usage: ", usage, "\n");
  if (!description.empty()) absl::StrAppend(&out, "\n", description);
  absl::StrAppend(&out, "\nflags:\n");
  for (const FlagSpec& f : flags) AppendFlag(&out, f);
  AppendFlag(&out, FlagSpec{"help", "", "print this help and exit"});
  return out;
}

std::string CommandSpec::SeeHelp() const {
  std::vector<absl::string_view> words = absl::StrSplit(usage, ' ');
  std::string command = words.size() >= 2 ? absl::StrCat(words[0], " ", words[1]) : usage;
  return absl::StrCat("see `", command, " --help`");
}

namespace {

// Whether a known flag takes a value, and what to call the value in messages.
enum class ValueRule { kNone, kRequired, kEither };
struct FlagRule {
  ValueRule value;
  std::string placeholder;
};

// argv into flags and positional arguments; `rule` says how each flag name may be given
// (nullopt: an unknown flag).
template <typename RuleFn>
absl::StatusOr<ParsedArgs> ParseFlags(int argc, char** argv, RuleFn rule) {
  ParsedArgs out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (!a.starts_with("--")) {
      out.positional.push_back(a);
      continue;
    }
    size_t eq = a.find('=');
    std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::optional<FlagRule> r = rule(name);
    if (!r.has_value()) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (r->value == ValueRule::kNone && eq != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
    }
    if (r->value == ValueRule::kRequired && eq == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs a value: --", name, "=", r->placeholder));
    }
    out.flags[name] = eq == std::string::npos ? "true" : a.substr(eq + 1);
  }
  return out;
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseCommandArgs(int argc, char** argv, const CommandSpec& spec) {
  for (int i = 0; i < argc; ++i) {
    if (std::string(argv[i]) == "--help") {
      ParsedArgs out;
      out.help = true;
      return out;
    }
  }
  return ParseFlags(argc, argv, [&](const std::string& name) -> std::optional<FlagRule> {
    auto f = std::find_if(spec.flags.begin(), spec.flags.end(),
                          [&](const FlagSpec& s) { return s.name == name; });
    if (f == spec.flags.end()) return std::nullopt;
    return FlagRule{f->placeholder.empty() ? ValueRule::kNone : ValueRule::kRequired,
                    f->placeholder};
  });
}

absl::StatusOr<ParsedArgs> ParseArgs(int argc, char** argv, const std::vector<std::string>& known) {
  return ParseFlags(argc, argv, [&](const std::string& name) -> std::optional<FlagRule> {
    if (std::find(known.begin(), known.end(), name) == known.end()) return std::nullopt;
    return FlagRule{ValueRule::kEither, "VALUE"};
  });
}

ParsedArgs ParseArgsOrExit(int argc, char** argv, const std::vector<std::string>& known) {
  absl::StatusOr<ParsedArgs> args = ParseArgs(argc, argv, known);
  if (!args.ok()) {
    std::fprintf(stderr, "%s\n", std::string(args.status().message()).c_str());
    std::exit(2);
  }
  return *std::move(args);
}

int64_t IntFlagOrExit(const ParsedArgs& args, const std::string& name, int64_t fallback) {
  absl::StatusOr<int64_t> v = IntFlag(args, name, fallback);
  if (!v.ok()) {
    std::fprintf(stderr, "%s\n", std::string(v.status().message()).c_str());
    std::exit(2);
  }
  return *v;
}

absl::StatusOr<int64_t> IntFlag(const ParsedArgs& args, const std::string& name, int64_t fallback) {
  auto it = args.flags.find(name);
  if (it == args.flags.end()) return fallback;
  int64_t v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " needs an integer, got '", it->second, "'"));
  }
  return v;
}

absl::StatusOr<std::map<uint64_t, std::string>> ParsePeers(const std::string& spec) {
  std::map<uint64_t, std::string> peers;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    uint64_t id = 0;
    if (kv.size() != 2 || !absl::SimpleAtoi(kv[0], &id) || id == 0 || kv[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad peer '", std::string(part), "': want ID=HOST:PORT with ID >= 1"));
    }
    if (!peers.emplace(id, kv[1]).second) {
      return absl::InvalidArgumentError(absl::StrCat("node ", id, " is listed twice"));
    }
  }
  if (peers.empty()) return absl::InvalidArgumentError("--peers is empty");
  return peers;
}

}  // namespace meridian::cmd
