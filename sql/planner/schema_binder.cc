#include "sql/planner/schema_binder.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/parser/deparse.h"
#include "sql/planner/binder.h"

namespace meridian::sql {
namespace {

absl::Status Error(std::string_view sqlstate, std::string_view message) {
  return SqlError(absl::StatusCode::kInvalidArgument, sqlstate, message);
}

}  // namespace

absl::StatusOr<proto::ColumnDescriptor> BindColumnDef(const ast::ColumnDef& def, uint32_t id) {
  proto::ColumnDescriptor c;
  c.set_id(id);
  c.set_name(def.name);
  ASSIGN_OR_RETURN(SqlType type, ResolveTypeName(def.type));
  bool serial = def.type.name == "serial" || def.type.name == "bigserial";
  if (serial) type = SqlType::Of(TypeId::kInt8);
  *c.mutable_type() = ToProtoType(type);
  c.set_nullable(!def.not_null && !def.primary_key && !serial);
  if (serial) {
    c.set_default_expr("unique_rowid()");
  } else if (def.default_value) {
    bool ok = true;
    std::string text = Deparse(*def.default_value, &ok);
    if (!ok) {
      return Error("0A000", absl::StrCat("DEFAULT of column \"", def.name,
                                         "\": only constants and function calls are supported"));
    }
    // Check it binds with the column's type now rather than on first insert.
    RETURN_IF_ERROR(BindDefault(text, type).status());
    c.set_default_expr(text);
  }
  return c;
}

std::string DefaultIndexName(const std::string& table, const std::vector<std::string>& cols,
                             const char* suffix) {
  return absl::StrCat(table, "_", absl::StrJoin(cols, "_"), "_", suffix);
}

absl::StatusOr<proto::IndexDescriptor> BindIndex(const proto::TableDescriptor& desc,
                                                 const std::string& name,
                                                 const std::vector<ast::IndexColumn>& columns,
                                                 bool unique, uint32_t id) {
  proto::IndexDescriptor index;
  index.set_id(id);
  index.set_name(name);
  index.set_unique(unique);
  std::set<std::string> seen;
  for (const auto& col : columns) {
    int found = -1;
    for (int i = 0; i < desc.columns_size(); ++i) {
      if (desc.columns(i).name() == col.name && !desc.columns(i).hidden()) found = i;
    }
    if (found < 0) return Error("42703", absl::StrCat("column \"", col.name, "\" does not exist"));
    if (!seen.insert(col.name).second) {
      return Error("42701", absl::StrCat("column \"", col.name, "\" appears twice in index"));
    }
    index.add_column_ids(desc.columns(found).id());
    index.add_descending(col.descending);
  }
  return index;
}

std::vector<ast::IndexColumn> IndexColumns(const std::vector<std::string>& names) {
  std::vector<ast::IndexColumn> cols;
  for (const auto& n : names) cols.push_back(ast::IndexColumn{n, false});
  return cols;
}

bool NameTaken(const proto::TableDescriptor& desc, const std::string& name) {
  if (desc.primary().name() == name) return true;
  for (const auto& i : desc.indexes()) {
    if (i.name() == name) return true;
  }
  return false;
}

absl::StatusOr<proto::TableDescriptor> BindCreateTable(const ast::CreateTableStmt& s) {
  const std::string& name = s.name.back();
  proto::TableDescriptor desc;
  desc.set_name(name);
  uint32_t next_col = 1;
  std::vector<std::string> pk;
  std::vector<std::vector<std::string>> uniques;
  std::set<std::string> names;
  for (const auto& def : s.columns) {
    if (!names.insert(def.name).second) {
      return Error("42701", absl::StrCat("column \"", def.name, "\" specified more than once"));
    }
    ASSIGN_OR_RETURN(proto::ColumnDescriptor c, BindColumnDef(def, next_col++));
    *desc.add_columns() = c;
    if (def.primary_key) {
      if (!pk.empty())
        return Error("42P16", absl::StrCat("multiple primary keys for table \"", name,
                                           "\" are not allowed"));
      pk = {def.name};
    }
    if (def.unique) uniques.push_back({def.name});
  }
  for (const auto& c : s.constraints) {
    if (c.kind == ast::TableConstraint::Kind::kPrimaryKey) {
      if (!pk.empty())
        return Error("42P16", absl::StrCat("multiple primary keys for table \"", name,
                                           "\" are not allowed"));
      pk = c.columns;
    } else {
      uniques.push_back(c.columns);
    }
  }
  if (pk.empty()) {
    // No primary key: a hidden row id is the key.
    proto::ColumnDescriptor rowid;
    rowid.set_id(next_col++);
    rowid.set_name("rowid");
    *rowid.mutable_type() = ToProtoType(SqlType::Of(TypeId::kInt8));
    rowid.set_nullable(false);
    rowid.set_hidden(true);
    rowid.set_default_expr("unique_rowid()");
    *desc.add_columns() = rowid;
    desc.mutable_primary()->set_id(kPrimaryIndexId);
    desc.mutable_primary()->set_name(absl::StrCat(name, "_pkey"));
    desc.mutable_primary()->add_column_ids(rowid.id());
    desc.mutable_primary()->add_descending(false);
  } else {
    ASSIGN_OR_RETURN(*desc.mutable_primary(), BindIndex(desc, absl::StrCat(name, "_pkey"),
                                                        IndexColumns(pk), true, kPrimaryIndexId));
    for (uint32_t id : desc.primary().column_ids()) {
      for (auto& c : *desc.mutable_columns()) {
        if (c.id() == id) c.set_nullable(false);
      }
    }
  }
  uint32_t next_index = 2;
  for (const auto& u : uniques) {
    std::string iname = DefaultIndexName(name, u, "key");
    if (NameTaken(desc, iname)) continue;
    ASSIGN_OR_RETURN(proto::IndexDescriptor index,
                     BindIndex(desc, iname, IndexColumns(u), true, next_index++));
    index.set_constraint(true);
    *desc.add_indexes() = index;
  }
  desc.set_next_column_id(next_col);
  desc.set_next_index_id(next_index);
  return desc;
}

}  // namespace meridian::sql
