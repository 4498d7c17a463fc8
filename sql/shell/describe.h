// The shell's catalog meta-commands (\dt, \d, \d NAME), answered with plain queries on
// information_schema and pg_catalog.pg_indexes. Each query reads one table with a WHERE and
// an ORDER BY (no joins, casts, regular expressions or functions), so that a young SQL
// dialect can answer them. These are the exact queries (S, T are quoted literals):
//
//   \dt   SELECT table_schema, table_name, table_type FROM information_schema.tables
//         WHERE table_schema <> 'pg_catalog' AND table_schema <> 'information_schema'
//         AND table_type = 'BASE TABLE' ORDER BY table_schema, table_name
//   \d    the same without "AND table_type = 'BASE TABLE'"
//   \dt T and \d T (list) add "AND table_name = 'T'"
//
//   \d T  1. SELECT table_schema, table_name, table_type FROM information_schema.tables
//            WHERE table_name = 'T' ORDER BY table_schema
//            (with "AND table_schema = 'S'" for \d S.T; the schema "public" wins, else the
//            first row)
//         2. SELECT column_name, data_type, character_maximum_length, is_nullable,
//            column_default FROM information_schema.columns
//            WHERE table_schema = 'S' AND table_name = 'T' ORDER BY ordinal_position
//         3. SELECT indexname, indexdef FROM pg_catalog.pg_indexes
//            WHERE schemaname = 'S' AND tablename = 'T' ORDER BY indexname
//
// table_type is 'BASE TABLE' or 'VIEW'; is_nullable 'YES' or 'NO'; indexdef is
// "CREATE [UNIQUE] INDEX name ON S.T USING method (columns)".
//
// Thread-safety: stateless functions; the connection is used by the calling thread.
#ifndef MERIDIAN_SQL_SHELL_DESCRIBE_H_
#define MERIDIAN_SQL_SHELL_DESCRIBE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/shell/pg_connection.h"
#include "sql/shell/result_format.h"

namespace meridian::sql::shell {

// 'text' with quotes doubled.
std::string QuoteLiteral(std::string_view text);

// The query \dt (tables_only) or \d runs; `name` (may be empty) restricts it to one name.
std::string ListRelationsQuery(bool tables_only, std::string_view name);
std::string FindRelationQuery(std::string_view schema, std::string_view name);
std::string ColumnsQuery(std::string_view schema, std::string_view name);
std::string IndexesQuery(std::string_view schema, std::string_view name);

// "btree (id)" from "CREATE INDEX t_id ON public.t USING btree (id)", with "UNIQUE, " in front
// for unique indexes; the whole definition when it has no USING.
std::string ShortIndexDefinition(std::string_view indexdef);

// Runs \dt / \d [NAME] (list form) and returns the text to print. An empty list prints
// "Did not find any relations." (as psql) and is not an error.
absl::StatusOr<std::string> ListRelations(PgConnection& conn, bool tables_only,
                                          std::string_view typed_name, const FormatOptions& format);

// Runs \d NAME. NotFound (SQLSTATE 42P01) when there is no such relation.
absl::StatusOr<std::string> DescribeRelation(PgConnection& conn, std::string_view typed_name,
                                             const FormatOptions& format);

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_DESCRIBE_H_
