#include "sql/shell/describe.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/identifier.h"
#include "common/status.h"

namespace meridian::sql::shell {
namespace {

constexpr char kNotSystemSchema[] =
    "table_schema <> 'pg_catalog' AND table_schema <> 'information_schema'";

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string CellOrEmpty(const std::vector<std::optional<std::string>>& row, size_t i) {
  return i < row.size() && row[i].has_value() ? *row[i] : std::string();
}

// Runs a catalog query that must return exactly one result with rows.
absl::StatusOr<PgResult> RunCatalogQuery(PgConnection& conn, const std::string& sql,
                                         size_t min_columns) {
  ASSIGN_OR_RETURN(std::vector<PgResult> results, conn.Query(sql));
  if (results.size() != 1 || !results[0].has_rows || results[0].columns.size() < min_columns) {
    return SqlError(absl::StatusCode::kInternal, "XX000",
                    absl::StrCat("unexpected result shape for catalog query: ", sql));
  }
  return std::move(results[0]);
}

std::string TypeLabel(std::string_view table_type) {
  if (table_type == "BASE TABLE") return "table";
  if (table_type == "VIEW") return "view";
  if (table_type == "LOCAL TEMPORARY") return "table";
  std::string out(table_type);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

PgColumn TextColumn(std::string name) {
  PgColumn column;
  column.name = std::move(name);
  column.type_oid = kTextOid;
  return column;
}

}  // namespace

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string ListRelationsQuery(bool tables_only, std::string_view name) {
  std::string sql = absl::StrCat(
      "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE ",
      kNotSystemSchema);
  if (tables_only) sql += " AND table_type = 'BASE TABLE'";
  if (!name.empty()) absl::StrAppend(&sql, " AND table_name = ", QuoteLiteral(name));
  sql += " ORDER BY table_schema, table_name";
  return sql;
}

std::string FindRelationQuery(std::string_view schema, std::string_view name) {
  std::string sql = absl::StrCat(
      "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE "
      "table_name = ",
      QuoteLiteral(name));
  if (!schema.empty()) absl::StrAppend(&sql, " AND table_schema = ", QuoteLiteral(schema));
  sql += " ORDER BY table_schema";
  return sql;
}

std::string ColumnsQuery(std::string_view schema, std::string_view name) {
  return absl::StrCat(
      "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default "
      "FROM information_schema.columns WHERE table_schema = ",
      QuoteLiteral(schema), " AND table_name = ", QuoteLiteral(name), " ORDER BY ordinal_position");
}

std::string IndexesQuery(std::string_view schema, std::string_view name) {
  return absl::StrCat("SELECT indexname, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = ",
                      QuoteLiteral(schema), " AND tablename = ", QuoteLiteral(name),
                      " ORDER BY indexname");
}

std::string ShortIndexDefinition(std::string_view indexdef) {
  const size_t using_pos = indexdef.find(" USING ");
  if (using_pos == std::string_view::npos) return std::string(indexdef);
  std::string out;
  if (indexdef.substr(0, 14) == "CREATE UNIQUE ") out = "UNIQUE, ";
  out += indexdef.substr(using_pos + 7);
  return out;
}

absl::StatusOr<std::string> ListRelations(PgConnection& conn, bool tables_only,
                                          std::string_view typed_name,
                                          const FormatOptions& format) {
  std::string schema;
  std::string name;
  if (!typed_name.empty()) ParseRelationName(typed_name, &schema, &name);
  ASSIGN_OR_RETURN(PgResult found, RunCatalogQuery(conn, ListRelationsQuery(tables_only, name), 3));
  PgResult table;
  table.has_rows = true;
  table.columns = {TextColumn("Schema"), TextColumn("Name"), TextColumn("Type")};
  for (const auto& row : found.rows) {
    if (!schema.empty() && CellOrEmpty(row, 0) != schema) continue;
    table.rows.push_back(
        {CellOrEmpty(row, 0), CellOrEmpty(row, 1), TypeLabel(CellOrEmpty(row, 2))});
  }
  if (table.rows.empty()) {
    if (typed_name.empty()) return std::string("Did not find any relations.\n");
    return absl::StrCat("Did not find any relation named \"", AbslView(typed_name), "\".\n");
  }
  FormatOptions options = format;
  options.title = "List of relations";
  return FormatResult(table, options);
}

absl::StatusOr<std::string> DescribeRelation(PgConnection& conn, std::string_view typed_name,
                                             const FormatOptions& format) {
  std::string schema;
  std::string name;
  ParseRelationName(typed_name, &schema, &name);
  ASSIGN_OR_RETURN(PgResult found, RunCatalogQuery(conn, FindRelationQuery(schema, name), 3));
  if (found.rows.empty()) {
    return SqlError(
        absl::StatusCode::kNotFound, "42P01",
        absl::StrCat("Did not find any relation named \"", AbslView(typed_name), "\"."));
  }
  size_t pick = 0;
  for (size_t i = 0; i < found.rows.size(); ++i) {
    if (CellOrEmpty(found.rows[i], 0) == "public") pick = i;
  }
  schema = CellOrEmpty(found.rows[pick], 0);
  name = CellOrEmpty(found.rows[pick], 1);
  const std::string kind = TypeLabel(CellOrEmpty(found.rows[pick], 2));

  ASSIGN_OR_RETURN(PgResult columns, RunCatalogQuery(conn, ColumnsQuery(schema, name), 5));
  PgResult table;
  table.has_rows = true;
  table.columns = {TextColumn("Column"), TextColumn("Type"), TextColumn("Nullable"),
                   TextColumn("Default")};
  for (const auto& row : columns.rows) {
    std::string type = CellOrEmpty(row, 1);
    const std::string max_length = CellOrEmpty(row, 2);
    if (!max_length.empty()) absl::StrAppend(&type, "(", max_length, ")");
    table.rows.push_back({CellOrEmpty(row, 0), type,
                          std::string(CellOrEmpty(row, 3) == "NO" ? "not null" : ""),
                          CellOrEmpty(row, 4)});
  }
  FormatOptions options = format;
  options.footer = false;
  options.title = absl::StrCat(kind == "view" ? "View" : "Table", " \"", schema, ".", name, "\"");
  std::string out = FormatResult(table, options);

  if (kind != "view") {
    ASSIGN_OR_RETURN(PgResult indexes, RunCatalogQuery(conn, IndexesQuery(schema, name), 2));
    if (!indexes.rows.empty()) {
      // The formatter ends with a blank line; the index list goes before it, as in psql.
      if (out.size() >= 2 && out.compare(out.size() - 2, 2, "\n\n") == 0) out.pop_back();
      out += "Indexes:\n";
      for (const auto& row : indexes.rows) {
        absl::StrAppend(&out, "    \"", CellOrEmpty(row, 0), "\" ",
                        ShortIndexDefinition(CellOrEmpty(row, 1)), "\n");
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace meridian::sql::shell
