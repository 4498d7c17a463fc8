// Schema changes. Each runs inside the statement's transaction: the new descriptor and any
// rewritten rows commit together, so a schema change is atomic and invisible until commit.
//
// Table ids are never reused. TRUNCATE and ALTER TABLE ... ADD PRIMARY KEY give the table a
// new id (a fresh, empty key space); the rows under the old id are left unreachable. (No
// background process reclaims them yet; see docs/architecture.md.)
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/execution/expr_eval.h"
#include "sql/session/internal/session_impl.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

absl::Status Error(std::string_view sqlstate, std::string_view message) {
  return SqlError(absl::StatusCode::kInvalidArgument, sqlstate, message);
}

std::string TableName(const std::vector<std::string>& name) { return name.back(); }

absl::Status CheckSchema(const std::vector<std::string>& name) {
  if (name.size() > 1 && name[name.size() - 2] != "public") {
    return Error("3F000", absl::StrCat("schema \"", name[name.size() - 2], "\" does not exist"));
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::ColumnDescriptor> MakeColumn(const ast::ColumnDef& def, uint32_t id) {
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

std::string IndexName(const std::string& table, const std::vector<std::string>& cols,
                      const char* suffix) {
  return absl::StrCat(table, "_", absl::StrJoin(cols, "_"), "_", suffix);
}

absl::StatusOr<proto::IndexDescriptor> MakeIndex(const proto::TableDescriptor& desc,
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

std::vector<ast::IndexColumn> Columns(const std::vector<std::string>& names) {
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

// Calls `fn` for every row of `table`, in key order, in batches.
absl::Status ForEachRow(txn::Txn& txn, const TableInfo& table,
                        const std::function<absl::Status(std::vector<Value>)>& fn) {
  std::string start = table.IndexPrefix(kPrimaryIndexId);
  const std::string end = storage::PrefixEnd(start);
  constexpr int64_t kChunk = 1024;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<txn::Row> rows, txn.Scan(start, end, kChunk));
    for (const auto& r : rows) {
      ASSIGN_OR_RETURN(std::vector<Value> row, table.DecodeRow(r.key, r.value));
      RETURN_IF_ERROR(fn(std::move(row)));
    }
    if (static_cast<int64_t>(rows.size()) < kChunk) return absl::OkStatus();
    start = rows.back().key + std::string(1, '\0');
  }
}

// Writes the entries of `index` for every row (CREATE INDEX, ADD UNIQUE), checking
// uniqueness.
// The index id is new, so its key space is empty: duplicates can only come from the rows
// being backfilled, and are found in memory.
absl::Status Backfill(txn::Txn& txn, const TableInfo& table, const proto::IndexDescriptor& index) {
  std::set<std::string> seen;
  return ForEachRow(txn, table, [&](std::vector<Value> row) -> absl::Status {
    auto [key, value] = table.IndexEntry(index, row);
    if (table.UniqueForm(index, row)) {
      if (!seen.insert(key).second) {
        return SqlError(absl::StatusCode::kAlreadyExists, "23505",
                        absl::StrCat("could not create unique index \"", index.name(),
                                     "\": key is duplicated"));
      }
    }
    return txn.Put(key, value);
  });
}

}  // namespace

absl::Status SessionImpl::ExecuteDdl(const ast::Statement& stmt, ResultSink* sink) {
  ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(false, nullptr));
  if (txn->mode() != txn::TxnMode::kReadWrite) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "25006",
                    "cannot change the schema in a read-only transaction");
  }
  auto notice = [&](const std::string& m) {
    if (sink) sink->Notice(m);
  };
  auto complete = [&](const char* tag) {
    if (sink) sink->Complete(tag);
    return absl::OkStatus();
  };

  if (const auto* s = std::get_if<ast::CreateTableStmt>(&stmt)) {
    RETURN_IF_ERROR(CheckSchema(s->name));
    const std::string name = TableName(s->name);
    ASSIGN_OR_RETURN(TablePtr existing, Catalog::GetTable(*txn, name));
    if (existing != nullptr) {
      if (s->if_not_exists) {
        notice(absl::StrCat("relation \"", name, "\" already exists, skipping"));
        return complete("CREATE TABLE");
      }
      return Error("42P07", absl::StrCat("relation \"", name, "\" already exists"));
    }
    proto::TableDescriptor desc;
    desc.set_name(name);
    uint32_t next_col = 1;
    std::vector<std::string> pk;
    std::vector<std::vector<std::string>> uniques;
    std::set<std::string> names;
    for (const auto& def : s->columns) {
      if (!names.insert(def.name).second) {
        return Error("42701", absl::StrCat("column \"", def.name, "\" specified more than once"));
      }
      ASSIGN_OR_RETURN(proto::ColumnDescriptor c, MakeColumn(def, next_col++));
      *desc.add_columns() = c;
      if (def.primary_key) {
        if (!pk.empty())
          return Error("42P16", absl::StrCat("multiple primary keys for table \"", name,
                                             "\" are not allowed"));
        pk = {def.name};
      }
      if (def.unique) uniques.push_back({def.name});
    }
    for (const auto& c : s->constraints) {
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
      ASSIGN_OR_RETURN(*desc.mutable_primary(), MakeIndex(desc, absl::StrCat(name, "_pkey"),
                                                          Columns(pk), true, kPrimaryIndexId));
      for (uint32_t id : desc.primary().column_ids()) {
        for (auto& c : *desc.mutable_columns()) {
          if (c.id() == id) c.set_nullable(false);
        }
      }
    }
    uint32_t next_index = 2;
    for (const auto& u : uniques) {
      std::string iname = IndexName(name, u, "key");
      if (NameTaken(desc, iname)) continue;
      ASSIGN_OR_RETURN(proto::IndexDescriptor index,
                       MakeIndex(desc, iname, Columns(u), true, next_index++));
      index.set_constraint(true);
      *desc.add_indexes() = index;
    }
    desc.set_next_column_id(next_col);
    desc.set_next_index_id(next_index);
    ASSIGN_OR_RETURN(uint64_t id, Catalog::AllocateTableId(*txn));
    desc.set_id(id);
    desc.set_version(1);
    RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
    return complete("CREATE TABLE");
  }

  if (const auto* s = std::get_if<ast::DropTableStmt>(&stmt)) {
    for (const auto& n : s->names) {
      RETURN_IF_ERROR(CheckSchema(n));
      ASSIGN_OR_RETURN(TablePtr t, Catalog::GetTable(*txn, TableName(n)));
      if (t == nullptr) {
        if (s->if_exists) {
          notice(absl::StrCat("table \"", TableName(n), "\" does not exist, skipping"));
          continue;
        }
        return Error("42P01", absl::StrCat("table \"", TableName(n), "\" does not exist"));
      }
      RETURN_IF_ERROR(Catalog::DeleteTable(*txn, t->name()));
    }
    return complete("DROP TABLE");
  }

  if (const auto* s = std::get_if<ast::TruncateStmt>(&stmt)) {
    for (const auto& n : s->names) {
      RETURN_IF_ERROR(CheckSchema(n));
      ASSIGN_OR_RETURN(TablePtr t, Catalog::GetTable(*txn, TableName(n)));
      if (t == nullptr)
        return Error("42P01", absl::StrCat("relation \"", TableName(n), "\" does not exist"));
      proto::TableDescriptor desc = t->desc();
      ASSIGN_OR_RETURN(uint64_t id, Catalog::AllocateTableId(*txn));
      desc.set_id(id);
      desc.set_version(desc.version() + 1);
      RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
    }
    return complete("TRUNCATE TABLE");
  }

  if (const auto* s = std::get_if<ast::AlterTableStmt>(&stmt)) {
    RETURN_IF_ERROR(CheckSchema(s->name));
    ASSIGN_OR_RETURN(TablePtr t, Catalog::GetTable(*txn, TableName(s->name)));
    if (t == nullptr)
      return Error("42P01", absl::StrCat("relation \"", TableName(s->name), "\" does not exist"));
    for (const auto& action : s->actions) {
      proto::TableDescriptor desc = t->desc();
      desc.set_version(desc.version() + 1);
      if (action.kind == ast::AlterTableStmt::Action::Kind::kAddColumn) {
        const ast::ColumnDef& def = action.column;
        if (t->ColumnIndex(def.name) >= 0) {
          if (action.if_not_exists) {
            notice(absl::StrCat("column \"", def.name, "\" of relation \"", t->name(),
                                "\" already exists, skipping"));
            continue;
          }
          return Error("42701", absl::StrCat("column \"", def.name, "\" of relation \"", t->name(),
                                             "\" already exists"));
        }
        if (def.primary_key)
          return Error("0A000", "ADD COLUMN ... PRIMARY KEY is not supported; use ADD PRIMARY KEY");
        ASSIGN_OR_RETURN(proto::ColumnDescriptor c, MakeColumn(def, desc.next_column_id()));
        desc.set_next_column_id(desc.next_column_id() + 1);
        *desc.add_columns() = c;
        auto next = std::make_shared<const TableInfo>(desc);
        // Existing rows get the default (or NULL, which NOT NULL refuses).
        ASSIGN_OR_RETURN(BoundExprPtr def_expr,
                         BindDefault(c.default_expr(), FromProtoType(c.type())));
        ExecContext ctx = NewContext(txn, {});
        bool constant_null = def_expr->kind == BoundExpr::Kind::kConst && def_expr->value.is_null();
        RETURN_IF_ERROR(ForEachRow(*txn, *t, [&](std::vector<Value> row) -> absl::Status {
          ASSIGN_OR_RETURN(Value v, Eval(*def_expr, {}, ctx));
          if (v.is_null() && !c.nullable()) {
            return SqlError(absl::StatusCode::kInvalidArgument, "23502",
                            absl::StrCat("column \"", c.name(), "\" of relation \"", t->name(),
                                         "\" contains null values"));
          }
          if (constant_null) return absl::OkStatus();
          row.push_back(v);
          return txn->Put(next->PrimaryKey(row), next->RowValue(row));
        }));
        RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
        t = next;
        continue;
      }
      const ast::TableConstraint& c = action.constraint;
      if (c.kind == ast::TableConstraint::Kind::kUnique) {
        std::string iname = c.name.empty() ? IndexName(t->name(), c.columns, "key") : c.name;
        if (NameTaken(desc, iname))
          return Error("42P07", absl::StrCat("relation \"", iname, "\" already exists"));
        ASSIGN_OR_RETURN(proto::IndexDescriptor index,
                         MakeIndex(desc, iname, Columns(c.columns), true, desc.next_index_id()));
        index.set_constraint(true);
        desc.set_next_index_id(desc.next_index_id() + 1);
        *desc.add_indexes() = index;
        RETURN_IF_ERROR(Backfill(*txn, *t, index));
        RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
        t = std::make_shared<const TableInfo>(desc);
        continue;
      }
      // ADD PRIMARY KEY: only for a table keyed by its hidden row id. The rows move to a new
      // key space ordered by the new key, and the row id disappears.
      const proto::ColumnDescriptor* key_col = nullptr;
      if (t->pk_columns().size() == 1) key_col = &t->column(t->pk_columns()[0]);
      if (key_col == nullptr || !key_col->hidden()) {
        return Error("42P16", absl::StrCat("multiple primary keys for table \"", t->name(),
                                           "\" are not allowed"));
      }
      const uint32_t rowid = key_col->id();
      proto::TableDescriptor next_desc = desc;
      next_desc.clear_columns();
      int rowid_pos = -1;
      for (int i = 0; i < desc.columns_size(); ++i) {
        if (desc.columns(i).id() == rowid) {
          rowid_pos = i;
          continue;
        }
        *next_desc.add_columns() = desc.columns(i);
      }
      std::string pname = c.name.empty() ? absl::StrCat(t->name(), "_pkey") : c.name;
      ASSIGN_OR_RETURN(*next_desc.mutable_primary(),
                       MakeIndex(next_desc, pname, Columns(c.columns), true, kPrimaryIndexId));
      for (uint32_t id : next_desc.primary().column_ids()) {
        for (auto& col : *next_desc.mutable_columns()) {
          if (col.id() == id) col.set_nullable(false);
        }
      }
      ASSIGN_OR_RETURN(uint64_t id, Catalog::AllocateTableId(*txn));
      next_desc.set_id(id);
      auto next = std::make_shared<const TableInfo>(next_desc);
      std::set<std::string> moved;
      RETURN_IF_ERROR(ForEachRow(*txn, *t, [&](std::vector<Value> row) -> absl::Status {
        row.erase(row.begin() + rowid_pos);
        for (int k : next->pk_columns()) {
          if (row[k].is_null()) {
            return SqlError(absl::StatusCode::kInvalidArgument, "23502",
                            absl::StrCat("column \"", next->column(k).name(), "\" of relation \"",
                                         t->name(), "\" contains null values"));
          }
        }
        // The new table id's key space is empty: only the rows moved here can collide.
        std::string key = next->PrimaryKey(row);
        if (!moved.insert(key).second) {
          return SqlError(
              absl::StatusCode::kAlreadyExists, "23505",
              absl::StrCat("could not create unique index \"", pname, "\": key is duplicated"));
        }
        RETURN_IF_ERROR(txn->Put(key, next->RowValue(row)));
        for (const auto& index : next_desc.indexes()) {
          auto [k, v] = next->IndexEntry(index, row);
          RETURN_IF_ERROR(txn->Put(k, v));
        }
        return absl::OkStatus();
      }));
      RETURN_IF_ERROR(Catalog::PutTable(*txn, next_desc));
      t = next;
    }
    return complete("ALTER TABLE");
  }

  if (const auto* s = std::get_if<ast::CreateIndexStmt>(&stmt)) {
    RETURN_IF_ERROR(CheckSchema(s->table));
    ASSIGN_OR_RETURN(TablePtr t, Catalog::GetTable(*txn, TableName(s->table)));
    if (t == nullptr)
      return Error("42P01", absl::StrCat("relation \"", TableName(s->table), "\" does not exist"));
    std::vector<std::string> names;
    for (const auto& c : s->columns) names.push_back(c.name);
    std::string iname = s->name.empty() ? IndexName(t->name(), names, "idx") : s->name;
    // Index names are unique across tables, as in PostgreSQL.
    ASSIGN_OR_RETURN(auto tables, Catalog::ListTables(*txn));
    for (const auto& other : tables) {
      if (NameTaken(other->desc(), iname) || other->name() == iname) {
        if (s->if_not_exists) {
          notice(absl::StrCat("relation \"", iname, "\" already exists, skipping"));
          return complete("CREATE INDEX");
        }
        return Error("42P07", absl::StrCat("relation \"", iname, "\" already exists"));
      }
    }
    proto::TableDescriptor desc = t->desc();
    ASSIGN_OR_RETURN(proto::IndexDescriptor index,
                     MakeIndex(desc, iname, s->columns, s->unique, desc.next_index_id()));
    desc.set_next_index_id(desc.next_index_id() + 1);
    desc.set_version(desc.version() + 1);
    *desc.add_indexes() = index;
    RETURN_IF_ERROR(Backfill(*txn, *t, index));
    RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
    return complete("CREATE INDEX");
  }

  if (const auto* s = std::get_if<ast::DropIndexStmt>(&stmt)) {
    ASSIGN_OR_RETURN(auto tables, Catalog::ListTables(*txn));
    for (const auto& n : s->names) {
      const std::string& iname = n.back();
      bool found = false;
      for (const auto& t : tables) {
        if (t->desc().primary().name() == iname) {
          return Error("2BP01",
                       absl::StrCat("cannot drop index ", iname,
                                    " because it is the primary key of table ", t->name()));
        }
        proto::TableDescriptor desc = t->desc();
        auto* indexes = desc.mutable_indexes();
        for (int i = 0; i < indexes->size(); ++i) {
          if (indexes->Get(i).name() != iname) continue;
          indexes->DeleteSubrange(i, 1);
          desc.set_version(desc.version() + 1);
          RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
          found = true;
          break;
        }
        if (found) break;
      }
      if (!found) {
        if (s->if_exists) {
          notice(absl::StrCat("index \"", iname, "\" does not exist, skipping"));
          continue;
        }
        return Error("42704", absl::StrCat("index \"", iname, "\" does not exist"));
      }
    }
    return complete("DROP INDEX");
  }
  return Error("0A000", "unsupported schema change");
}

}  // namespace meridian::sql
