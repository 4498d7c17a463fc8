// `meridian start` (run a node) and `meridian kv` (talk to a cluster's ranges).
#ifndef MERIDIAN_CMD_NODE_COMMANDS_H_
#define MERIDIAN_CMD_NODE_COMMANDS_H_

namespace meridian::cmd {

// argv excludes the program name and the subcommand. Returns the process exit code.
int StartCommand(int argc, char** argv);
int KvCommand(int argc, char** argv);

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_NODE_COMMANDS_H_
