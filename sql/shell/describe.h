// The shell's catalog meta-commands (\dt, \d, \d NAME), answered with plain queries on
// information_schema and pg_catalog that Meridian and PostgreSQL answer alike, and printed
// as psql 15 prints them. The queries (S, T are quoted literals):
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
//         2. SELECT column_name, data_type, character_maximum_length, numeric_precision,
//            numeric_scale, is_nullable, column_default FROM information_schema.columns
//            WHERE table_schema = 'S' AND table_name = 'T' ORDER BY ordinal_position
//         3. SELECT indexname, indexdef FROM pg_catalog.pg_indexes
//            WHERE schemaname = 'S' AND tablename = 'T' ORDER BY indexname
//         4. (when there are indexes) SELECT conname, contype FROM pg_catalog.pg_constraint
//            WHERE conrelid = '"S"."T"'::regclass AND (contype = 'p' OR contype = 'u')
//            ORDER BY conname
//
// The Collation column psql shows is always empty here: Meridian has one collation, so no
// column differs from its type's (against a PostgreSQL column with its own COLLATE, psql
// would name it and the shell would not).
//
// Thread-safety: stateless functions; the query function is called on the calling thread.
#ifndef MERIDIAN_SQL_SHELL_DESCRIBE_H_
#define MERIDIAN_SQL_SHELL_DESCRIBE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/client/pg_result.h"
#include "sql/shell/result_format.h"

namespace meridian::sql::shell {

// Runs one query and returns its results (PgConnection::Query in the shell).
using CatalogQuery =
    std::function<absl::StatusOr<std::vector<client::PgResult>>(const std::string& sql)>;

// 'text' with quotes doubled.
std::string QuoteLiteral(std::string_view text);
// "text" with double quotes doubled.
std::string QuoteIdentifier(std::string_view text);

// The query \dt (tables_only) or \d runs; `name` (may be empty) restricts it to one name.
std::string ListRelationsQuery(bool tables_only, std::string_view name);
std::string FindRelationQuery(std::string_view schema, std::string_view name);
std::string ColumnsQuery(std::string_view schema, std::string_view name);
std::string IndexesQuery(std::string_view schema, std::string_view name);
std::string ConstraintsQuery(std::string_view schema, std::string_view name);

// A column's type as psql prints it (format_type), from information_schema.columns:
// "character varying(20)", "numeric(12,2)", "integer". Empty strings are NULLs.
std::string ColumnTypeLabel(std::string_view data_type, std::string_view character_maximum_length,
                            std::string_view numeric_precision, std::string_view numeric_scale);

// What \d prints after an index's name: "PRIMARY KEY, btree (id)" for a primary key ('p'),
// "UNIQUE CONSTRAINT, btree (a)" for a UNIQUE constraint ('u'), "UNIQUE, btree (a)" for
// another unique index, "btree (a)" otherwise: everything after USING in `indexdef`, or the
// whole definition when it has no USING. `constraint_type` is pg_constraint.contype, or
// empty for an index no constraint made.
std::string IndexDescription(std::string_view indexdef, std::string_view constraint_type);

// Runs \dt / \d [NAME] (list form) and returns the text to print. An empty list prints
// "Did not find any relations." (as psql) and is not an error.
absl::StatusOr<std::string> ListRelations(const CatalogQuery& query, bool tables_only,
                                          std::string_view typed_name, const FormatOptions& format);

// Runs \d NAME. NotFound (SQLSTATE 42P01) when there is no such relation.
absl::StatusOr<std::string> DescribeRelation(const CatalogQuery& query, std::string_view typed_name,
                                             const FormatOptions& format);

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_DESCRIBE_H_
