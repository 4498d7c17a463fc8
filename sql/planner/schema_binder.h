// Binding schema statements: the table descriptor a CREATE TABLE describes, the column an
// ADD COLUMN adds, the index a CREATE INDEX or a UNIQUE / PRIMARY KEY constraint creates.
// Pure: nothing here reads or writes the catalog. The session (sql/session/ddl.cc) checks
// names against the catalog, allocates ids and stores the result in the statement's
// transaction.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_PLANNER_SCHEMA_BINDER_H_
#define MERIDIAN_SQL_PLANNER_SCHEMA_BINDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/sql.pb.h"
#include "sql/parser/ast.h"

namespace meridian::sql {

// The descriptor of `s`'s table: columns (ids from 1), the primary key (a hidden row id
// when none is declared), and an index per UNIQUE constraint. Id and version are left for
// the caller. Errors: 42701 duplicate column, 42P16 two primary keys, 42704 unknown type,
// 0A000 unsupported DEFAULT.
absl::StatusOr<proto::TableDescriptor> BindCreateTable(const ast::CreateTableStmt& s);
// One column, with id `id`.
absl::StatusOr<proto::ColumnDescriptor> BindColumnDef(const ast::ColumnDef& def, uint32_t id);
// An index of `desc` over `columns` (42703 unknown column, 42701 a column twice).
absl::StatusOr<proto::IndexDescriptor> BindIndex(const proto::TableDescriptor& desc,
                                                 const std::string& name,
                                                 const std::vector<ast::IndexColumn>& columns,
                                                 bool unique, uint32_t id);
// PostgreSQL's name for an unnamed index: table_col1_col2_suffix.
std::string DefaultIndexName(const std::string& table, const std::vector<std::string>& cols,
                             const char* suffix);
// Ascending index columns of these names.
std::vector<ast::IndexColumn> IndexColumns(const std::vector<std::string>& names);
// Whether an index of `desc` (the primary key included) has this name.
bool NameTaken(const proto::TableDescriptor& desc, const std::string& name);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PLANNER_SCHEMA_BINDER_H_
