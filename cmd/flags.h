// Minimal --name=value flag parsing shared by the meridian subcommands and the benchmarks.
// A subcommand describes its flags once (CommandSpec); the same description drives the
// parser and the text `meridian CMD --help` prints, so the two cannot drift apart.
//
// Thread-safety: plain values.
#ifndef MERIDIAN_CMD_FLAGS_H_
#define MERIDIAN_CMD_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace meridian::cmd {

struct ParsedArgs {
  std::map<std::string, std::string> flags;  // "--name=value" or "--name" (value "true")
  std::vector<std::string> positional;
  bool help = false;  // "--help" was given (ParseCommandArgs)
};

// One flag of a subcommand.
struct FlagSpec {
  std::string name;         // without the leading "--"
  std::string placeholder;  // the value's shape ("N", "HOST:PORT"); empty: a switch
  std::string help;         // what it does; "\n" starts a new line
};

// A subcommand's interface: how it is called, what it does, and its flags.
struct CommandSpec {
  std::string usage;        // "meridian start --node-id=N ... [flags]", without "usage: "
  std::string description;  // one or more paragraphs, ending in a newline
  std::vector<FlagSpec> flags;

  // What --help prints: the usage line, the description, and every flag (--help included)
  // with its help text.
  std::string Help() const;
  // A one-line pointer at Help(), for error messages: "see `meridian start --help`".
  std::string SeeHelp() const;
};

// Parses argv against `spec`. "--help" anywhere sets `help` and skips every other check.
// Otherwise a flag not in the spec, a switch given a value, or a valued flag without one is
// an error naming the flag.
absl::StatusOr<ParsedArgs> ParseCommandArgs(int argc, char** argv, const CommandSpec& spec);

// Parses argv; flags not in `known` are an error naming them.
absl::StatusOr<ParsedArgs> ParseArgs(int argc, char** argv, const std::vector<std::string>& known);

absl::StatusOr<int64_t> IntFlag(const ParsedArgs& args, const std::string& name, int64_t fallback);

// For tools (benchmarks): the same, but a bad flag prints the error and exits with status 2.
ParsedArgs ParseArgsOrExit(int argc, char** argv, const std::vector<std::string>& known);
int64_t IntFlagOrExit(const ParsedArgs& args, const std::string& name, int64_t fallback);

// "1=127.0.0.1:7001,2=127.0.0.1:7002" -> {1: ..., 2: ...}
absl::StatusOr<std::map<uint64_t, std::string>> ParsePeers(const std::string& spec);

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_FLAGS_H_
