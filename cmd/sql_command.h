// `meridian sql`: the psql-like shell, connected through libpq to a node's PostgreSQL port
// (or to any PostgreSQL server); takes psql's connection arguments (see kSqlUsage).
#ifndef MERIDIAN_CMD_SQL_COMMAND_H_
#define MERIDIAN_CMD_SQL_COMMAND_H_

namespace meridian::cmd {

int SqlCommand(int argc, char** argv);

}  // namespace meridian::cmd

#endif  // MERIDIAN_CMD_SQL_COMMAND_H_
