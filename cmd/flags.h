// Minimal --name=value flag parsing shared by the meridian subcommands.
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
};

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
