// `meridian workload tpcc init | run | check`: the TPC-C tool (workload/tpcc), a
// PostgreSQL-protocol client that runs unchanged against Meridian and PostgreSQL. This file
// only turns flags into the options of workload/tpcc and its errors into exit statuses:
// 0 success, 1 a failure (a failed check, a run that could not proceed), 2 bad arguments.
#ifndef MERIDIAN_CMD_WORKLOAD_COMMAND_H_
#define MERIDIAN_CMD_WORKLOAD_COMMAND_H_

namespace meridian::cmd {

int WorkloadCommand(int argc, char** argv);

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_WORKLOAD_COMMAND_H_
