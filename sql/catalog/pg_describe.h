// How Meridian's table descriptors appear in PostgreSQL's catalog: the OIDs pg_catalog gives
// tables, indexes and constraints, and the definitions pg_get_indexdef and
// pg_get_constraintdef print for them. Shared by the pg_catalog views
// (sql/session/system_views.cc) and the catalog functions (sql/functions), so that an OID read
// from one resolves in the other.
//
// OIDs (stable for the life of an object; the descriptors hold no OIDs of their own):
//   table                              its table id (>= kFirstTableId)
//   index `i` of table `t`             t * 1000 + i         (the primary index is i = 1)
//   the constraint behind index `i`    t * 1000 + 250 + i   (primary key or UNIQUE)
//   the default of column `c`          t * 1000 + 500 + c   (pg_attrdef)
// Index ids grow with every CREATE INDEX of a table and are never reused, so a table that
// has had 250 or more indexes created on it gets OIDs that can collide with these ranges.
// A table declared without a primary key is keyed by a hidden row id: that index is an
// implementation detail and appears nowhere in pg_catalog (as in PostgreSQL, the table then
// has no primary key).
//
// Thread-safety: stateless functions.
#ifndef MERIDIAN_SQL_CATALOG_PG_DESCRIBE_H_
#define MERIDIAN_SQL_CATALOG_PG_DESCRIBE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/catalog/catalog.h"

namespace meridian::sql {

inline constexpr int64_t kPgCatalogNamespaceOid = 11;
inline constexpr int64_t kPublicNamespaceOid = 2200;
inline constexpr int64_t kInformationSchemaNamespaceOid = 13000;
inline constexpr int64_t kHeapAccessMethodOid = 2;
inline constexpr int64_t kBtreeAccessMethodOid = 403;

int64_t TableOid(const TableInfo& table);
int64_t IndexOid(const TableInfo& table, const proto::IndexDescriptor& index);
// The constraint an index backs: its declared primary key, or a UNIQUE constraint.
bool IsConstraintIndex(const TableInfo& table, const proto::IndexDescriptor& index);
int64_t ConstraintOid(const TableInfo& table, const proto::IndexDescriptor& index);
int64_t DefaultOid(const TableInfo& table, int column);

// Whether the table's primary key was declared (false: the hidden row id is the key).
bool HasDeclaredPrimaryKey(const TableInfo& table);

// The indexes pg_catalog shows for `table`: the declared primary key (if any) first, then
// the secondary indexes in creation order.
std::vector<const proto::IndexDescriptor*> VisibleIndexes(const TableInfo& table);

// An identifier as PostgreSQL's quote_ident prints it: bare if it is lower-case letters,
// digits and underscores (not starting with a digit) and not a reserved word, else quoted.
std::string QuoteIdent(std::string_view name);

// pg_get_indexdef: "CREATE UNIQUE INDEX acct_pkey ON public.acct USING btree (id)" for
// column 0 ("ON acct" when pretty: public is on the search path); for column n >= 1 the
// name of the index's n-th column ("" past the last).
std::string IndexDefinition(const TableInfo& table, const proto::IndexDescriptor& index,
                            int column = 0, bool pretty = false);
// pg_get_constraintdef of the constraint `index` backs: "PRIMARY KEY (id)", "UNIQUE (x)".
std::string ConstraintDefinition(const TableInfo& table, const proto::IndexDescriptor& index);

// Lookups by OID among `tables` (null / nullopt if no such object).
const TableInfo* FindTableByOid(const std::vector<TablePtr>& tables, int64_t oid);
struct IndexRef {
  const TableInfo* table = nullptr;
  const proto::IndexDescriptor* index = nullptr;
};
std::optional<IndexRef> FindIndexByOid(const std::vector<TablePtr>& tables, int64_t oid);
// The OID of the table or visible index named `name` (nullopt if none).
std::optional<int64_t> RelationOidByName(const std::vector<TablePtr>& tables,
                                         std::string_view name);
// The index behind the constraint with OID `oid`.
std::optional<IndexRef> FindConstraintByOid(const std::vector<TablePtr>& tables, int64_t oid);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_CATALOG_PG_DESCRIBE_H_
