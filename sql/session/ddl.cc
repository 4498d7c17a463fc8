// Schema changes. Each runs inside the statement's transaction: the new descriptor and any
// rewritten rows commit together, so a schema change is atomic and invisible until commit.
//
// Table ids are never reused. TRUNCATE and ALTER TABLE ... ADD PRIMARY KEY give the table a
// new id (a fresh, empty key space); the rows under the old id are left unreachable. (No
// background process reclaims them yet; see docs/architecture.md.)
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/expr/expr_eval.h"
#include "sql/planner/schema_binder.h"
#include "sql/session/internal/session_impl.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

absl::Status Error(std::string_view sqlstate, std::string_view message) {
  return SqlError(absl::StatusCode::kInvalidArgument, sqlstate, message);
}

std::string TableName(const std::vector<std::string>& name) { return name.back(); }

// CREATE TABLE ... WITH (...): PostgreSQL's table storage parameters are layout hints that
// cannot change results, so they are accepted (with a notice); a value fillfactor cannot
// take, or a parameter PostgreSQL does not know, is refused as PostgreSQL refuses it.
absl::Status CheckStorageParameter(const std::string& name, const std::string& value) {
  static const char* const kKnown[] = {"fillfactor",           "toast_tuple_target",
                                       "parallel_workers",     "autovacuum_enabled",
                                       "vacuum_index_cleanup", "vacuum_truncate",
                                       "user_catalog_table",   "log_autovacuum_min_duration"};
  std::string base = name;
  if (absl::StartsWith(base, "toast.")) base = base.substr(6);
  bool known = absl::StartsWith(base, "autovacuum_");
  for (const char* k : kKnown) known |= base == k;
  if (!known) return Error("22023", absl::StrCat("unrecognized parameter \"", name, "\""));
  if (name == "fillfactor") {
    int n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < 10 || n > 100) {
      return Error("22023", absl::StrCat("value ", value,
                                         " out of bounds for option \"fillfactor\" (10 to 100)"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSchema(const std::vector<std::string>& name) {
  if (name.size() > 1 && name[name.size() - 2] != "public") {
    return Error("3F000", absl::StrCat("schema \"", name[name.size() - 2], "\" does not exist"));
  }
  return absl::OkStatus();
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
  // No one else can reach the new index id before the commit: the bulk path applies.
  const std::string prefix = table.IndexPrefix(index.id());
  txn.AddPrivateSpan(prefix, storage::PrefixEnd(prefix));
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
  ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(false, nullptr, /*serializable=*/true));
  if (txn->mode() != txn::TxnMode::kReadWrite) {
    return SqlError(absl::StatusCode::kFailedPrecondition, "25006",
                    "cannot change the schema in a read-only transaction");
  }
  // From here on the transaction reads descriptors itself (it must see its own changes);
  // each table changed is read under an exclusive lock once the node's leases on it are
  // given up (SchemaTable).
  engine_->leases().NoteSchemaChange(*txn);
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
    ASSIGN_OR_RETURN(TablePtr existing, SchemaTable(*txn, name));
    if (existing != nullptr) {
      if (s->if_not_exists) {
        notice(absl::StrCat("relation \"", name, "\" already exists, skipping"));
        return complete("CREATE TABLE");
      }
      return Error("42P07", absl::StrCat("relation \"", name, "\" already exists"));
    }
    ASSIGN_OR_RETURN(proto::TableDescriptor desc, BindCreateTable(*s));
    for (const auto& [option, value] : s->options) {
      RETURN_IF_ERROR(CheckStorageParameter(option, value));
      notice(absl::StrCat("storage parameter \"", option,
                          "\" has no effect: Meridian lays out its data itself"));
    }
    if (s->unlogged) {
      notice("UNLOGGED has no effect: every Meridian table is replicated and logged");
    }
    ASSIGN_OR_RETURN(uint64_t id, Catalog::AllocateTableId(client(), *txn));
    desc.set_id(id);
    desc.set_version(1);
    RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
    return complete("CREATE TABLE");
  }

  if (const auto* s = std::get_if<ast::DropTableStmt>(&stmt)) {
    for (const auto& n : s->names) {
      RETURN_IF_ERROR(CheckSchema(n));
      ASSIGN_OR_RETURN(TablePtr t, SchemaTable(*txn, TableName(n)));
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
      ASSIGN_OR_RETURN(TablePtr t, SchemaTable(*txn, TableName(n)));
      if (t == nullptr)
        return Error("42P01", absl::StrCat("relation \"", TableName(n), "\" does not exist"));
      proto::TableDescriptor desc = t->desc();
      ASSIGN_OR_RETURN(uint64_t id, Catalog::AllocateTableId(client(), *txn));
      desc.set_id(id);
      desc.set_version(desc.version() + 1);
      RETURN_IF_ERROR(Catalog::PutTable(*txn, desc));
    }
    return complete("TRUNCATE TABLE");
  }

  if (const auto* s = std::get_if<ast::AlterTableStmt>(&stmt)) {
    RETURN_IF_ERROR(CheckSchema(s->name));
    ASSIGN_OR_RETURN(TablePtr t, SchemaTable(*txn, TableName(s->name)));
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
        ASSIGN_OR_RETURN(proto::ColumnDescriptor c, BindColumnDef(def, desc.next_column_id()));
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
        std::string iname = c.name.empty() ? DefaultIndexName(t->name(), c.columns, "key") : c.name;
        if (NameTaken(desc, iname))
          return Error("42P07", absl::StrCat("relation \"", iname, "\" already exists"));
        ASSIGN_OR_RETURN(
            proto::IndexDescriptor index,
            BindIndex(desc, iname, IndexColumns(c.columns), true, desc.next_index_id()));
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
                       BindIndex(next_desc, pname, IndexColumns(c.columns), true, kPrimaryIndexId));
      for (uint32_t id : next_desc.primary().column_ids()) {
        for (auto& col : *next_desc.mutable_columns()) {
          if (col.id() == id) col.set_nullable(false);
        }
      }
      ASSIGN_OR_RETURN(uint64_t id, Catalog::AllocateTableId(client(), *txn));
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
    ASSIGN_OR_RETURN(TablePtr t, SchemaTable(*txn, TableName(s->table)));
    if (t == nullptr)
      return Error("42P01", absl::StrCat("relation \"", TableName(s->table), "\" does not exist"));
    std::vector<std::string> names;
    for (const auto& c : s->columns) names.push_back(c.name);
    std::string iname = s->name.empty() ? DefaultIndexName(t->name(), names, "idx") : s->name;
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
                     BindIndex(desc, iname, s->columns, s->unique, desc.next_index_id()));
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
        if (t->FindIndex(iname) == nullptr) continue;
        // The table with the index, now under its exclusive lock.
        ASSIGN_OR_RETURN(TablePtr locked, SchemaTable(*txn, t->name()));
        if (locked == nullptr) continue;
        proto::TableDescriptor desc = locked->desc();
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
