#include "sql/shell/describe.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/identifier.h"
#include "common/status.h"

namespace meridian::sql::shell {

using client::kTextOid;
using client::PgColumn;
using client::PgResult;
namespace {

constexpr char kNotSystemSchema[] =
    "table_schema <> 'pg_catalog' AND table_schema <> 'information_schema'";

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string CellOrEmpty(const std::vector<std::optional<std::string>>& row, size_t i) {
  return i < row.size() && row[i].has_value() ? *row[i] : std::string();
}

// Runs a catalog query that must return exactly one result with rows.
absl::StatusOr<PgResult> RunCatalogQuery(const CatalogQuery& query, const std::string& sql,
                                         size_t min_columns) {
  ASSIGN_OR_RETURN(std::vector<PgResult> results, query(sql));
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

std::string QuoteIdentifier(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string ColumnsQuery(std::string_view schema, std::string_view name) {
  return absl::StrCat(
      "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
      "numeric_scale, is_nullable, column_default FROM information_schema.columns WHERE "
      "table_schema = ",
      QuoteLiteral(schema), " AND table_name = ", QuoteLiteral(name), " ORDER BY ordinal_position");
}

std::string IndexesQuery(std::string_view schema, std::string_view name) {
  return absl::StrCat("SELECT indexname, indexdef FROM pg_catalog.pg_indexes WHERE schemaname = ",
                      QuoteLiteral(schema), " AND tablename = ", QuoteLiteral(name),
                      " ORDER BY indexname");
}

std::string ConstraintsQuery(std::string_view schema, std::string_view name) {
  return absl::StrCat(
      "SELECT conname, contype FROM pg_catalog.pg_constraint WHERE conrelid = ",
      QuoteLiteral(absl::StrCat(QuoteIdentifier(schema), ".", QuoteIdentifier(name))),
      "::regclass AND (contype = 'p' OR contype = 'u') ORDER BY conname");
}

std::string ColumnTypeLabel(std::string_view data_type, std::string_view character_maximum_length,
                            std::string_view numeric_precision, std::string_view numeric_scale) {
  std::string out(data_type);
  if (!character_maximum_length.empty()) {
    absl::StrAppend(&out, "(", AbslView(character_maximum_length), ")");
  } else if (data_type == "numeric" && !numeric_precision.empty()) {
    // information_schema gives the precision of integers too (in bits): only NUMERIC(p,s)
    // carries its own.
    absl::StrAppend(&out, "(", AbslView(numeric_precision), ",",
                    numeric_scale.empty() ? "0" : AbslView(numeric_scale), ")");
  }
  return out;
}

std::string IndexDescription(std::string_view indexdef, std::string_view constraint_type) {
  const size_t using_pos = indexdef.find(" USING ");
  if (using_pos == std::string_view::npos) return std::string(indexdef);
  std::string out;
  if (constraint_type == "p") {
    out = "PRIMARY KEY, ";
  } else if (constraint_type == "u") {
    out = "UNIQUE CONSTRAINT, ";
  } else if (indexdef.substr(0, 14) == "CREATE UNIQUE ") {
    out = "UNIQUE, ";
  }
  out += indexdef.substr(using_pos + 7);
  return out;
}

absl::StatusOr<std::string> ListRelations(const CatalogQuery& query, bool tables_only,
                                          std::string_view typed_name,
                                          const FormatOptions& format) {
  std::string schema;
  std::string name;
  if (!typed_name.empty()) ParseRelationName(typed_name, &schema, &name);
  ASSIGN_OR_RETURN(PgResult found,
                   RunCatalogQuery(query, ListRelationsQuery(tables_only, name), 3));
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

absl::StatusOr<std::string> DescribeRelation(const CatalogQuery& query, std::string_view typed_name,
                                             const FormatOptions& format) {
  std::string schema;
  std::string name;
  ParseRelationName(typed_name, &schema, &name);
  ASSIGN_OR_RETURN(PgResult found, RunCatalogQuery(query, FindRelationQuery(schema, name), 3));
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

  ASSIGN_OR_RETURN(PgResult columns, RunCatalogQuery(query, ColumnsQuery(schema, name), 7));
  PgResult table;
  table.has_rows = true;
  table.columns = {TextColumn("Column"), TextColumn("Type"), TextColumn("Collation"),
                   TextColumn("Nullable"), TextColumn("Default")};
  for (const auto& row : columns.rows) {
    table.rows.push_back({CellOrEmpty(row, 0),
                          ColumnTypeLabel(CellOrEmpty(row, 1), CellOrEmpty(row, 2),
                                          CellOrEmpty(row, 3), CellOrEmpty(row, 4)),
                          std::string(), std::string(CellOrEmpty(row, 5) == "NO" ? "not null" : ""),
                          CellOrEmpty(row, 6)});
  }
  FormatOptions options = format;
  options.footer = false;
  options.title = absl::StrCat(kind == "view" ? "View" : "Table", " \"", schema, ".", name, "\"");
  std::string out = FormatResult(table, options);

  if (kind != "view") {
    ASSIGN_OR_RETURN(PgResult indexes, RunCatalogQuery(query, IndexesQuery(schema, name), 2));
    if (!indexes.rows.empty()) {
      ASSIGN_OR_RETURN(PgResult constraints,
                       RunCatalogQuery(query, ConstraintsQuery(schema, name), 2));
      std::map<std::string, std::string> constraint_type;  // index name -> 'p' or 'u'
      for (const auto& row : constraints.rows) {
        constraint_type[CellOrEmpty(row, 0)] = CellOrEmpty(row, 1);
      }
      struct Line {
        bool primary;
        std::string text;
      };
      std::vector<Line> lines;
      for (const auto& row : indexes.rows) {
        const std::string index = CellOrEmpty(row, 0);
        const std::string type = constraint_type.count(index) ? constraint_type[index] : "";
        lines.push_back({type == "p", absl::StrCat("    \"", index, "\" ",
                                                   IndexDescription(CellOrEmpty(row, 1), type))});
      }
      // psql lists the primary key first, then the others by name (the query's order).
      std::stable_partition(lines.begin(), lines.end(), [](const Line& l) { return l.primary; });
      // The formatter ends with a blank line; the index list goes before it, as in psql.
      if (out.size() >= 2 && out.compare(out.size() - 2, 2, "\n\n") == 0) out.pop_back();
      out += "Indexes:\n";
      for (const Line& line : lines) absl::StrAppend(&out, line.text, "\n");
      out += "\n";
    }
  }
  return out;
}

}  // namespace meridian::sql::shell
