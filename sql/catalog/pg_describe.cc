#include "sql/catalog/pg_describe.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meridian::sql {
namespace {

// PostgreSQL 15's keywords that quote_ident quotes (all but the unreserved ones), each
// between spaces.
constexpr std::string_view kQuotedKeywords =
    " all analyse analyze and any array as asc asymmetric authorization between bigint binary"
    " bit boolean both case cast char character check coalesce collate collation column"
    " concurrently constraint create cross current_catalog current_date current_role"
    " current_schema current_time current_timestamp current_user dec decimal default"
    " deferrable desc distinct do else end except exists extract false fetch float for foreign"
    " freeze from full grant greatest group grouping having ilike in initially inner inout int"
    " integer intersect interval into is isnull join lateral leading least left like limit"
    " localtime localtimestamp national natural nchar none normalize not notnull null nullif"
    " numeric offset on only or order out outer overlaps overlay placing position precision"
    " primary real references returning right row select session_user setof similar smallint"
    " some substring symmetric table tablesample then time timestamp to trailing treat trim"
    " true union unique user using values varchar variadic verbose when where window with"
    " ";

bool IsQuotedKeyword(std::string_view name) {
  return kQuotedKeywords.find(absl::StrCat(" ", std::string(name), " ")) != std::string_view::npos;
}

}  // namespace

int64_t TableOid(const TableInfo& table) { return static_cast<int64_t>(table.id()); }

int64_t IndexOid(const TableInfo& table, const proto::IndexDescriptor& index) {
  return static_cast<int64_t>(table.id() * 1000 + index.id());
}

bool IsConstraintIndex(const TableInfo& table, const proto::IndexDescriptor& index) {
  return index.id() == kPrimaryIndexId ? HasDeclaredPrimaryKey(table) : index.constraint();
}

int64_t ConstraintOid(const TableInfo& table, const proto::IndexDescriptor& index) {
  return static_cast<int64_t>(table.id() * 1000 + 250 + index.id());
}

int64_t DefaultOid(const TableInfo& table, int column) {
  return static_cast<int64_t>(table.id() * 1000 + 500) + column;
}

bool HasDeclaredPrimaryKey(const TableInfo& table) {
  const auto& pk = table.pk_columns();
  return !(pk.size() == 1 && table.column(pk[0]).hidden());
}

std::vector<const proto::IndexDescriptor*> VisibleIndexes(const TableInfo& table) {
  std::vector<const proto::IndexDescriptor*> out;
  if (HasDeclaredPrimaryKey(table)) out.push_back(&table.desc().primary());
  for (const auto& index : table.desc().indexes()) out.push_back(&index);
  return out;
}

std::string QuoteIdent(std::string_view name) {
  bool bare = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    bare &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  }
  if (bare && !IsQuotedKeyword(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string IndexDefinition(const TableInfo& table, const proto::IndexDescriptor& index, int column,
                            bool pretty) {
  if (column > 0) {
    if (column > index.column_ids_size()) return "";
    int c = table.ColumnIndexById(index.column_ids(column - 1));
    return c < 0 ? "" : QuoteIdent(table.column(c).name());
  }
  std::vector<std::string> cols;
  for (int i = 0; i < index.column_ids_size(); ++i) {
    int c = table.ColumnIndexById(index.column_ids(i));
    bool desc = i < index.descending_size() && index.descending(i);
    cols.push_back(
        absl::StrCat(c < 0 ? "?" : QuoteIdent(table.column(c).name()), desc ? " DESC" : ""));
  }
  bool unique = index.unique() || index.id() == kPrimaryIndexId;
  return absl::StrCat("CREATE ", unique ? "UNIQUE " : "", "INDEX ", QuoteIdent(index.name()),
                      " ON ", pretty ? "" : "public.", QuoteIdent(table.name()), " USING btree (",
                      absl::StrJoin(cols, ", "), ")");
}

std::string ConstraintDefinition(const TableInfo& table, const proto::IndexDescriptor& index) {
  std::vector<std::string> cols;
  for (uint32_t id : index.column_ids()) {
    int c = table.ColumnIndexById(id);
    cols.push_back(c < 0 ? "?" : QuoteIdent(table.column(c).name()));
  }
  return absl::StrCat(index.id() == kPrimaryIndexId ? "PRIMARY KEY (" : "UNIQUE (",
                      absl::StrJoin(cols, ", "), ")");
}

const TableInfo* FindTableByOid(const std::vector<TablePtr>& tables, int64_t oid) {
  for (const auto& t : tables) {
    if (TableOid(*t) == oid) return t.get();
  }
  return nullptr;
}

std::optional<IndexRef> FindIndexByOid(const std::vector<TablePtr>& tables, int64_t oid) {
  for (const auto& t : tables) {
    for (const proto::IndexDescriptor* index : VisibleIndexes(*t)) {
      if (IndexOid(*t, *index) == oid) return IndexRef{t.get(), index};
    }
  }
  return std::nullopt;
}

std::optional<int64_t> RelationOidByName(const std::vector<TablePtr>& tables,
                                         std::string_view name) {
  for (const auto& t : tables) {
    if (t->name() == name) return TableOid(*t);
  }
  for (const auto& t : tables) {
    for (const proto::IndexDescriptor* index : VisibleIndexes(*t)) {
      if (index->name() == name) return IndexOid(*t, *index);
    }
  }
  return std::nullopt;
}

std::optional<IndexRef> FindConstraintByOid(const std::vector<TablePtr>& tables, int64_t oid) {
  for (const auto& t : tables) {
    for (const proto::IndexDescriptor* index : VisibleIndexes(*t)) {
      if (IsConstraintIndex(*t, *index) && ConstraintOid(*t, *index) == oid) {
        return IndexRef{t.get(), index};
      }
    }
  }
  return std::nullopt;
}

}  // namespace meridian::sql
