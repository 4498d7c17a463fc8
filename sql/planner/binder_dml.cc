// Binding INSERT (VALUES, a query, defaults, ON CONFLICT), UPDATE and DELETE.
#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "sql/planner/binder.h"
#include "sql/planner/internal/binder_internal.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {

absl::StatusOr<LogicalPtr> Binder::TableRowsPlan(const TableInfo& table, const Expr* where,
                                                 const std::string& alias, bool for_update,
                                                 std::unique_ptr<Scope>* scope_out) {
  LogicalPtr plan =
      MakeLogical(ScanOp{std::make_shared<const TableInfo>(table), nullptr, for_update},
                  TableColumns(table, alias.empty() ? table.name() : alias));
  auto scope = std::make_unique<Scope>();
  scope->columns = plan->columns;
  if (where != nullptr) {
    scope->no_aggregates = "WHERE";
    ASSIGN_OR_RETURN(BoundExprPtr w, BindExpr(*where, *scope));
    ASSIGN_OR_RETURN(w, ToBool(w, "WHERE"));
    std::vector<OutputColumn> columns = plan->columns;
    plan = MakeLogical(FilterOp{w}, std::move(columns), {plan});
  }
  scope->no_aggregates = "RETURNING";
  *scope_out = std::move(scope);
  return plan;
}

absl::StatusOr<std::vector<BoundExprPtr>> Binder::BindReturning(
    const std::vector<ast::SelectItem>& items, Scope& scope, std::vector<ColumnInfo>* columns) {
  std::vector<BoundExprPtr> out;
  for (const auto& item : items) {
    if (item.expr->kind == ExprKind::kStar) {
      for (size_t i = 0; i < scope.columns.size(); ++i) {
        const OutputColumn& c = scope.columns[i];
        if (c.hidden) continue;
        out.push_back(MakeColumn(static_cast<int>(i), c.type, c.name));
        columns->push_back(ColumnInfo{c.name, c.type, c.table_oid, c.attnum});
      }
      continue;
    }
    ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*item.expr, scope));
    if (b->type.id == TypeId::kUnknown) {
      ASSIGN_OR_RETURN(b, Coerce(b, SqlType::Of(TypeId::kText)));
    }
    out.push_back(b);
    columns->push_back(
        ColumnInfo{item.alias.empty() ? DefaultColumnName(*item.expr) : item.alias, b->type});
  }
  return out;
}

absl::StatusOr<BoundStatement> Binder::FinishDml(LogicalPtr node, DmlTarget& target,
                                                 const std::vector<ast::SelectItem>& returning,
                                                 Scope& scope, StatementVerb verb) {
  BoundStatement out;
  ASSIGN_OR_RETURN(target.returning, BindReturning(returning, scope, &out.columns));
  out.plan = std::move(node);
  out.verb = verb;
  FinishParams(&out);
  return out;
}

absl::StatusOr<TablePtr> Binder::DmlTable(const std::vector<std::string>& name) {
  TablePtr table;
  if (name.size() == 1 || name[name.size() - 2] == "public") {
    ASSIGN_OR_RETURN(table, catalog_.table(name.back()));
  }
  if (table == nullptr) {
    return Error("42P01", absl::StrCat("relation \"", QualifiedName(name), "\" does not exist"));
  }
  return table;
}

absl::StatusOr<BoundStatement> Binder::BindInsert(const ast::InsertStmt& ins) {
  ASSIGN_OR_RETURN(TablePtr table, DmlTable(ins.table));
  const std::string tname = ins.alias.empty() ? table->name() : ins.alias;
  // Target columns.
  std::vector<int> targets;
  if (ins.columns.empty()) {
    for (int i = 0; i < table->num_columns(); ++i) {
      if (!table->column(i).hidden()) targets.push_back(i);
    }
  } else {
    std::set<int> seen;
    for (const auto& name : ins.columns) {
      int i = table->ColumnIndex(name);
      if (i < 0 || table->column(i).hidden()) {
        return Error("42703", absl::StrCat("column \"", name, "\" of relation \"", table->name(),
                                           "\" does not exist"));
      }
      if (!seen.insert(i).second) {
        return Error("42701", absl::StrCat("column \"", name, "\" specified more than once"));
      }
      targets.push_back(i);
    }
  }
  // Defaults, once.
  std::vector<BoundExprPtr> defaults(table->num_columns());
  for (int i = 0; i < table->num_columns(); ++i) {
    const auto& c = table->column(i);
    if (c.hidden()) {
      auto f = MakeNode(BoundExpr::Kind::kFunction, SqlType::Of(TypeId::kInt8));
      f->name = "unique_rowid";
      f->fn = LookupFunction("unique_rowid");
      defaults[i] = f;
    } else {
      ASSIGN_OR_RETURN(defaults[i], BindDefault(c.default_expr(), table->column_type(i)));
    }
  }
  ValuesOp values;
  LogicalPtr source;
  Scope empty;
  empty.no_aggregates = "VALUES";
  auto full_row =
      [&](std::vector<BoundExprPtr> provided) -> absl::StatusOr<std::vector<BoundExprPtr>> {
    std::vector<BoundExprPtr> row = defaults;
    for (size_t k = 0; k < targets.size(); ++k) {
      if (provided[k] == nullptr) continue;
      int i = targets[k];
      ASSIGN_OR_RETURN(
          row[i], CoerceForAssignment(provided[k], table->column_type(i), table->column(i).name()));
    }
    return row;
  };
  if (ins.source == nullptr) {
    ASSIGN_OR_RETURN(auto row, full_row(std::vector<BoundExprPtr>(targets.size())));
    values.rows.push_back(std::move(row));
    source = MakeLogical(std::move(values), TableColumns(*table, tname));
  } else if (!ins.source->values.empty() && ins.source->order_by.empty() && !ins.source->limit) {
    for (const auto& vrow : ins.source->values) {
      if (vrow.size() > targets.size()) {
        return Error("42601", "INSERT has more expressions than target columns");
      }
      if (vrow.size() < targets.size() && !ins.columns.empty()) {
        return Error("42601", "INSERT has more target columns than expressions");
      }
      // Without a column list, missing trailing values take their defaults.
      std::vector<BoundExprPtr> provided;
      for (const auto& v : vrow) {
        if (!v) {
          provided.push_back(nullptr);
          continue;
        }
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*v, empty));
        provided.push_back(b);
      }
      provided.resize(targets.size());
      ASSIGN_OR_RETURN(auto row, full_row(std::move(provided)));
      values.rows.push_back(std::move(row));
    }
    source = MakeLogical(std::move(values), TableColumns(*table, tname));
  } else {
    std::vector<std::string> names;
    ASSIGN_OR_RETURN(LogicalPtr q, BindQuery(*ins.source, &names));
    if (q->columns.size() > targets.size()) {
      return Error("42601", "INSERT has more expressions than target columns");
    }
    if (q->columns.size() < targets.size() && !ins.columns.empty()) {
      return Error("42601", "INSERT has more target columns than expressions");
    }
    targets.resize(q->columns.size());
    std::vector<BoundExprPtr> provided;
    for (size_t k = 0; k < q->columns.size(); ++k) {
      provided.push_back(MakeColumn(static_cast<int>(k), q->columns[k].type));
    }
    ASSIGN_OR_RETURN(auto row, full_row(std::move(provided)));
    source = MakeLogical(ProjectOp{std::move(row)}, TableColumns(*table, tname), {q});
  }

  LogicalPtr node = MakeLogical(InsertOp{{table}}, TableColumns(*table, tname), {source});
  InsertOp& insert = node->As<InsertOp>();
  if (ins.on_conflict.has_value()) {
    const ast::OnConflict& oc = *ins.on_conflict;
    for (const auto& name : oc.columns) {
      int i = table->ColumnIndex(name);
      if (i < 0) return Error("42703", absl::StrCat("column \"", name, "\" does not exist"));
      insert.conflict_columns.push_back(i);
    }
    if (!oc.columns.empty()) {
      // The target must match the primary key or a unique index exactly.
      auto matches = [&](const std::vector<int>& cols) {
        return std::set<int>(cols.begin(), cols.end()) ==
               std::set<int>(insert.conflict_columns.begin(), insert.conflict_columns.end());
      };
      bool found = matches(table->pk_columns());
      for (const auto& idx : table->desc().indexes()) {
        if (idx.unique() && matches(table->IndexColumns(idx))) found = true;
      }
      if (!found) {
        return Error(
            "42P10",
            "there is no unique or exclusion constraint matching the ON CONFLICT specification");
      }
    }
    if (oc.do_nothing) {
      insert.on_conflict = OnConflict::kDoNothing;
    } else {
      if (oc.columns.empty()) {
        return Error("42601",
                     "ON CONFLICT DO UPDATE requires inference specification or constraint name");
      }
      insert.on_conflict = OnConflict::kDoUpdate;
      Scope scope;
      scope.columns = TableColumns(*table, tname);
      auto excluded = TableColumns(*table, "excluded");
      scope.columns.insert(scope.columns.end(), excluded.begin(), excluded.end());
      scope.no_aggregates = "ON CONFLICT";
      std::vector<BoundExprPtr> row;
      for (int i = 0; i < table->num_columns(); ++i)
        row.push_back(MakeColumn(i, table->column_type(i)));
      for (const auto& a : oc.set) {
        int i = table->ColumnIndex(a.column);
        if (i < 0) {
          return Error("42703",
                       absl::StrCat("column \"", a.column, "\" of relation \"", table->name(),
                                    "\" does not exist"),
                       a.location);
        }
        BoundExprPtr v = defaults[i];
        if (a.value) {
          ASSIGN_OR_RETURN(v, BindExpr(*a.value, scope));
        }
        ASSIGN_OR_RETURN(row[i], CoerceForAssignment(v, table->column_type(i), a.column));
      }
      insert.conflict_set = std::move(row);
      if (oc.where) {
        ASSIGN_OR_RETURN(BoundExprPtr w, BindExpr(*oc.where, scope));
        ASSIGN_OR_RETURN(insert.conflict_where, ToBool(w, "WHERE"));
      }
    }
  }
  Scope ret;
  ret.columns = TableColumns(*table, tname);
  ret.no_aggregates = "RETURNING";
  return FinishDml(node, insert, ins.returning, ret, StatementVerb::kInsert);
}

absl::StatusOr<BoundStatement> Binder::BindUpdate(const ast::UpdateStmt& upd) {
  ASSIGN_OR_RETURN(TablePtr table, DmlTable(upd.table));
  std::unique_ptr<Scope> scope;
  ASSIGN_OR_RETURN(LogicalPtr rows,
                   TableRowsPlan(*table, upd.where.get(), upd.alias, true, &scope));
  ProjectOp proj;
  std::vector<BoundExprPtr> news;
  for (int i = 0; i < table->num_columns(); ++i) {
    proj.exprs.push_back(MakeColumn(i, table->column_type(i)));
    news.push_back(MakeColumn(i, table->column_type(i)));
  }
  std::set<int> assigned;
  scope->no_aggregates = "UPDATE";
  for (const auto& a : upd.set) {
    int i = table->ColumnIndex(a.column);
    if (i < 0 || table->column(i).hidden()) {
      return Error("42703",
                   absl::StrCat("column \"", a.column, "\" of relation \"", table->name(),
                                "\" does not exist"),
                   a.location);
    }
    if (!assigned.insert(i).second) {
      return Error("42601", absl::StrCat("multiple assignments to same column \"", a.column, "\""),
                   a.location);
    }
    BoundExprPtr v;
    if (a.value) {
      ASSIGN_OR_RETURN(v, BindExpr(*a.value, *scope));
    } else {
      ASSIGN_OR_RETURN(v, BindDefault(table->column(i).default_expr(), table->column_type(i)));
    }
    ASSIGN_OR_RETURN(news[i], CoerceForAssignment(v, table->column_type(i), a.column));
  }
  for (auto& n : news) proj.exprs.push_back(n);
  std::vector<OutputColumn> new_cols = TableColumns(*table, table->name());
  std::vector<OutputColumn> old_and_new = new_cols;
  old_and_new.insert(old_and_new.end(), new_cols.begin(), new_cols.end());
  LogicalPtr changes = MakeLogical(std::move(proj), std::move(old_and_new), {rows});
  LogicalPtr node = MakeLogical(UpdateOp{{table}}, std::move(new_cols), {changes});
  return FinishDml(node, node->As<UpdateOp>(), upd.returning, *scope, StatementVerb::kUpdate);
}

absl::StatusOr<BoundStatement> Binder::BindDelete(const ast::DeleteStmt& del) {
  ASSIGN_OR_RETURN(TablePtr table, DmlTable(del.table));
  std::unique_ptr<Scope> scope;
  ASSIGN_OR_RETURN(LogicalPtr rows,
                   TableRowsPlan(*table, del.where.get(), del.alias, true, &scope));
  LogicalPtr node = MakeLogical(DeleteOp{{table}}, rows->columns, {rows});
  return FinishDml(node, node->As<DeleteOp>(), del.returning, *scope, StatementVerb::kDelete);
}

}  // namespace meridian::sql
