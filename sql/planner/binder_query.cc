// Binding queries: FROM items, SELECT (WHERE, GROUP BY, HAVING, the select list, ORDER BY,
// LIMIT), common table expressions and set operations.
#include <algorithm>
#include <set>
#include <utility>

#include "absl/cleanup/cleanup.h"
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

namespace {

void MarkForUpdate(LogicalNode* n) {
  if (n->Is<ScanOp>()) n->As<ScanOp>().for_update = true;
  for (auto& c : n->children) MarkForUpdate(c.get());
}

// `plan` under `op`, with the same columns.
LogicalPtr Above(LogicalNode::Op op, LogicalPtr plan) {
  std::vector<OutputColumn> columns = plan->columns;
  return MakeLogical(std::move(op), std::move(columns), {std::move(plan)});
}

// Where column i of a FROM clause's plan comes from: a base table's scan and the column's
// position in that table, or no scan (a derived table, VALUES, a function).
struct ColumnSource {
  const LogicalNode* scan = nullptr;
  int column = -1;
};

std::vector<ColumnSource> ColumnSources(const LogicalNode& n) {
  if (n.Is<ScanOp>()) {
    std::vector<ColumnSource> out;
    for (int i = 0; i < static_cast<int>(n.columns.size()); ++i) out.push_back({&n, i});
    return out;
  }
  if (n.Is<FilterOp>()) return ColumnSources(*n.children[0]);
  if (n.Is<JoinOp>()) {
    std::vector<ColumnSource> out = ColumnSources(*n.children[0]);
    std::vector<ColumnSource> right = ColumnSources(*n.children[1]);
    out.insert(out.end(), right.begin(), right.end());
    return out;
  }
  // A RIGHT JOIN is a LEFT JOIN with the sides swapped under a projection that restores
  // the column order. (A derived table's projection sits over its query, never a join, and
  // PostgreSQL sees no primary key through a derived table either.)
  if (n.Is<ProjectOp>() && n.children[0]->Is<JoinOp>()) {
    std::vector<ColumnSource> in = ColumnSources(*n.children[0]);
    std::vector<ColumnSource> out;
    for (const BoundExprPtr& e : n.As<ProjectOp>().exprs) {
      out.push_back(e->kind == BoundExpr::Kind::kColumn ? in[static_cast<size_t>(e->index)]
                                                        : ColumnSource{});
    }
    return out;
  }
  return std::vector<ColumnSource>(n.columns.size());
}

// The columns of `from` (the FROM clause's plan, WHERE applied) that are functionally
// dependent on the group keys: every column of a base table whose whole primary key is
// grouped, each key column by a plain reference (PostgreSQL's rule). A table keyed by the
// hidden row id has no primary key to group by.
std::vector<bool> DependentColumns(const LogicalNode& from,
                                   const std::vector<std::string>& group_keys) {
  const std::vector<ColumnSource> sources = ColumnSources(from);
  std::vector<bool> dependent(sources.size(), false);
  auto grouped = [&](size_t i) {
    const std::string text =
        MakeColumn(static_cast<int>(i), from.columns[i].type, from.columns[i].name)->ToString();
    return std::find(group_keys.begin(), group_keys.end(), text) != group_keys.end();
  };
  std::set<const LogicalNode*> scans;
  for (const ColumnSource& s : sources) {
    if (s.scan != nullptr) scans.insert(s.scan);
  }
  for (const LogicalNode* scan : scans) {
    const TableInfo& table = *scan->As<ScanOp>().table;
    bool all_grouped = !table.pk_columns().empty();
    for (int pk : table.pk_columns()) {
      if (table.column(pk).hidden()) all_grouped = false;
      bool found = false;
      for (size_t i = 0; i < sources.size() && !found; ++i) {
        found = sources[i].scan == scan && sources[i].column == pk && grouped(i);
      }
      all_grouped &= found;
    }
    if (!all_grouped) continue;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].scan == scan) dependent[i] = true;
    }
  }
  return dependent;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// FROM

absl::StatusOr<LogicalPtr> Binder::AliasQuery(LogicalPtr plan, const std::string& alias,
                                              const std::vector<std::string>& columns,
                                              int location) {
  if (columns.size() > plan->columns.size()) {
    return Error("42P10",
                 absl::StrCat("table \"", alias, "\" has ", plan->columns.size(),
                              " columns available but ", columns.size(), " columns specified"),
                 location);
  }
  // Wrap so the alias applies without touching the query's own columns.
  ProjectOp proj;
  std::vector<OutputColumn> out;
  for (size_t i = 0; i < plan->columns.size(); ++i) {
    proj.exprs.push_back(MakeColumn(static_cast<int>(i), plan->columns[i].type));
    OutputColumn c = plan->columns[i];
    c.table = alias;
    if (i < columns.size()) c.name = columns[i];
    out.push_back(c);
  }
  return MakeLogical(std::move(proj), std::move(out), {std::move(plan)});
}

absl::StatusOr<LogicalPtr> Binder::BindTableName(const std::vector<std::string>& name,
                                                 const std::string& alias, int location) {
  if (name.size() == 1) {
    for (size_t i = ctes_.size(); i-- > 0;) {
      const ast::CommonTableExpr& cte = *ctes_[i];
      if (cte.name != name[0]) continue;
      // Bound where it is used, seeing only the CTEs defined before it (so never itself).
      std::vector<const ast::CommonTableExpr*> saved = ctes_;
      ctes_.resize(i);
      std::vector<std::string> names;
      auto plan = BindQuery(*cte.query, &names);
      ctes_ = std::move(saved);
      if (!plan.ok()) return plan.status();
      return AliasQuery(*plan, alias.empty() ? cte.name : alias, cte.columns, location);
    }
  }
  std::string schema = name.size() >= 2 ? name[name.size() - 2] : "";
  const std::string& table_name = name.back();
  LogicalPtr plan;
  if (schema.empty() || schema == "public") {
    ASSIGN_OR_RETURN(TablePtr table, catalog_.table(table_name));
    if (table != nullptr) {
      return MakeLogical(ScanOp{table}, TableColumns(*table, alias.empty() ? table_name : alias));
    }
  }
  if (catalog_.system_view && schema != "public") {
    ASSIGN_OR_RETURN(plan,
                     catalog_.system_view(schema.empty() ? "pg_catalog" : schema, table_name));
    if (plan != nullptr) {
      for (auto& c : plan->columns) c.table = alias.empty() ? table_name : alias;
      return plan;
    }
  }
  return Error("42P01", absl::StrCat("relation \"", QualifiedName(name), "\" does not exist"),
               location);
}

// Functions in FROM: only generate_series over integers (psql's \d uses it). Another known
// function, or generate_series over other types, is refused with 0A000.
absl::StatusOr<LogicalPtr> Binder::BindTableFunction(const ast::TableRef& ref) {
  if (!ref.function || ref.function->kind != ExprKind::kFunction) {
    return Error("0A000", "this kind of FROM item is not supported", ref.location);
  }
  const ast::Expr& f = *ref.function;
  const std::string name = absl::AsciiStrToLower(f.names.back());
  const int location = f.location >= 0 ? f.location : ref.location;
  const bool builtin_schema =
      f.names.size() == 1 || f.names[0] == "pg_catalog" || f.names[0] == "public";
  if (!builtin_schema || (name != "generate_series" && LookupFunction(name) == nullptr &&
                          !AggFuncFromName(name).has_value())) {
    return Error("42883", absl::StrCat("function ", absl::StrJoin(f.names, "."), " does not exist"),
                 location);
  }
  if (name != "generate_series") {
    return Error("0A000", absl::StrCat("function ", name, " in FROM is not supported"), location);
  }
  if (f.args.size() < 2 || f.args.size() > 3 || f.star || f.distinct) {
    return Error(
        "42883",
        absl::StrCat("function generate_series does not accept ", f.args.size(), " arguments"),
        location);
  }
  // The arguments see no FROM item of this query, only enclosing queries' rows.
  Scope none;
  none.no_aggregates = "functions in FROM";
  std::vector<BoundExprPtr> args;
  SqlType type = SqlType::Of(TypeId::kInt4);
  for (const auto& a : f.args) {
    ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*a, none));
    if (b->type.id != TypeId::kUnknown && !b->type.is_integer()) {
      return Error(
          "0A000",
          absl::StrCat("generate_series is supported over integers only, not ", b->type.ToString()),
          a->location >= 0 ? a->location : location);
    }
    if (b->type.id == TypeId::kInt8 || b->type.id == TypeId::kOid) {
      type = SqlType::Of(TypeId::kInt8);
    }
    args.push_back(b);
  }
  for (auto& b : args) {
    ASSIGN_OR_RETURN(b, Coerce(b, type));
  }
  const std::string table = ref.alias.empty() ? name : ref.alias;
  const std::string column = !ref.column_aliases.empty() ? ref.column_aliases[0] : table;
  return MakeLogical(SeriesOp{std::move(args)}, {OutputColumn{table, column, type}});
}

absl::StatusOr<LogicalPtr> Binder::BindFrom(const ast::TableRef& ref) {
  switch (ref.kind) {
    case ast::TableRef::Kind::kTable:
      return BindTableName(ref.name, ref.alias, ref.location);
    case ast::TableRef::Kind::kSubquery: {
      std::vector<std::string> names;
      ASSIGN_OR_RETURN(LogicalPtr plan, BindQuery(*ref.subquery, &names));
      return AliasQuery(plan, ref.alias, ref.column_aliases, ref.location);
    }
    case ast::TableRef::Kind::kFunction:
      return BindTableFunction(ref);
    case ast::TableRef::Kind::kJoin: {
      if (ref.join_type == ast::JoinType::kFull) {
        return Error("0A000", "FULL JOIN is not supported", ref.location);
      }
      bool right = ref.join_type == ast::JoinType::kRight;
      ASSIGN_OR_RETURN(LogicalPtr l, BindFrom(right ? *ref.right : *ref.left));
      ASSIGN_OR_RETURN(LogicalPtr r, BindFrom(right ? *ref.left : *ref.right));
      JoinOp op;
      op.type =
          (ref.join_type == ast::JoinType::kLeft || right) ? JoinType::kLeft : JoinType::kInner;
      std::vector<OutputColumn> columns = l->columns;
      columns.insert(columns.end(), r->columns.begin(), r->columns.end());
      Scope scope;
      scope.columns = columns;
      scope.no_aggregates = "JOIN conditions";
      if (ref.on) {
        ASSIGN_OR_RETURN(BoundExprPtr cond, BindExpr(*ref.on, scope));
        ASSIGN_OR_RETURN(op.condition, ToBool(cond, "JOIN/ON"));
      } else if (!ref.using_.empty()) {
        Scope ls, rs;
        ls.columns = l->columns;
        rs.columns = r->columns;
        std::vector<BoundExprPtr> conds;
        for (const std::string& col : ref.using_) {
          ASSIGN_OR_RETURN(int li, ls.Resolve({col}, ref.location));
          ASSIGN_OR_RETURN(int ri, rs.Resolve({col}, ref.location));
          auto c = MakeNode(
              BoundExpr::Kind::kCompare, SqlType::Of(TypeId::kBool),
              {MakeColumn(li, l->columns[li].type, col),
               MakeColumn(static_cast<int>(l->columns.size()) + ri, r->columns[ri].type, col)});
          conds.push_back(c);
        }
        op.condition = conds.size() == 1
                           ? conds[0]
                           : MakeNode(BoundExpr::Kind::kAnd, SqlType::Of(TypeId::kBool), conds);
      }
      LogicalPtr join = MakeLogical(std::move(op), std::move(columns), {l, r});
      if (!right) return join;
      // RIGHT JOIN ran as a LEFT JOIN with the sides swapped: restore the column order.
      ProjectOp proj;
      std::vector<OutputColumn> out;
      int nl = static_cast<int>(l->columns.size());
      for (size_t i = 0; i < r->columns.size(); ++i) {
        proj.exprs.push_back(MakeColumn(nl + static_cast<int>(i), r->columns[i].type));
        out.push_back(r->columns[i]);
      }
      for (int i = 0; i < nl; ++i) {
        proj.exprs.push_back(MakeColumn(i, l->columns[i].type));
        out.push_back(l->columns[i]);
      }
      return MakeLogical(std::move(proj), std::move(out), {std::move(join)});
    }
  }
  return Error("XX000", "unknown table reference");
}

// ---------------------------------------------------------------------------------------
// SELECT

absl::StatusOr<LogicalPtr> Binder::BindQuery(const ast::SelectStmt& s,
                                             std::vector<std::string>* names, bool operand) {
  if (s.with_recursive) return Error("0A000", "WITH RECURSIVE is not supported", s.location);
  const size_t ctes_before = ctes_.size();
  for (size_t i = 0; i < s.with.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (s.with[j].name == s.with[i].name) {
        return Error(
            "42712",
            absl::StrCat("WITH query name \"", s.with[i].name, "\" specified more than once"),
            s.with[i].location);
      }
    }
    ctes_.push_back(&s.with[i]);
  }
  absl::Cleanup pop_ctes = [this, ctes_before] { ctes_.resize(ctes_before); };
  LogicalPtr plan;
  std::vector<BoundExprPtr> out_exprs;
  std::vector<std::string> out_names;
  Scope empty;

  if (!s.values.empty()) {
    ValuesOp values;
    std::vector<OutputColumn> columns;
    size_t width = s.values[0].size();
    std::vector<SqlType> types(width, SqlType::Of(TypeId::kUnknown));
    for (const auto& row : s.values) {
      if (row.size() != width)
        return Error("42601", "VALUES lists must all be the same length", s.location);
      std::vector<BoundExprPtr> bound;
      for (size_t i = 0; i < width; ++i) {
        if (!row[i]) return Error("42601", "DEFAULT is not allowed in this context", s.location);
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*row[i], empty));
        auto t = CommonType(types[i], b->type);
        if (!t.ok()) {
          return Error("42804",
                       absl::StrCat("VALUES types ", types[i].ToString(), " and ",
                                    b->type.ToString(), " cannot be matched"),
                       row[i]->location);
        }
        types[i] = *t;
        bound.push_back(b);
      }
      values.rows.push_back(std::move(bound));
    }
    for (size_t i = 0; i < width; ++i) {
      if (types[i].id == TypeId::kUnknown) types[i] = SqlType::Of(TypeId::kText);
      for (auto& row : values.rows) {
        ASSIGN_OR_RETURN(row[i], Coerce(row[i], types[i]));
      }
      columns.push_back(OutputColumn{"", absl::StrCat("column", i + 1), types[i]});
    }
    plan = MakeLogical(std::move(values), std::move(columns));
  } else {
    // FROM
    if (s.from.empty()) {
      plan = MakeLogical(ValuesOp{{{}}}, {});
    }
    for (const auto& ref : s.from) {
      ASSIGN_OR_RETURN(LogicalPtr next, BindFrom(*ref));
      if (plan == nullptr) {
        plan = next;
        continue;
      }
      std::vector<OutputColumn> columns = plan->columns;
      columns.insert(columns.end(), next->columns.begin(), next->columns.end());
      plan = MakeLogical(JoinOp{}, std::move(columns), {plan, next});
    }
    Scope from_scope;
    from_scope.columns = plan->columns;
    // WHERE
    if (s.where) {
      from_scope.no_aggregates = "WHERE";
      ASSIGN_OR_RETURN(BoundExprPtr w, BindExpr(*s.where, from_scope));
      ASSIGN_OR_RETURN(w, ToBool(w, "WHERE"));
      plan = Above(FilterOp{w}, plan);
    }
    // GROUP BY / aggregates
    bool aggregating = !s.group_by.empty() || ContainsAggregate(s.having.get());
    for (const auto& item : s.items) aggregating |= ContainsAggregate(item.expr.get());
    for (const auto& o : s.order_by) aggregating |= ContainsAggregate(o.expr.get());
    Scope post;
    Scope* item_scope = &from_scope;
    LogicalPtr agg;
    if (aggregating) {
      agg = MakeLogical(AggregateOp{}, {}, {plan});
      AggregateOp& agg_op = agg->As<AggregateOp>();
      from_scope.no_aggregates = "GROUP BY";
      for (const auto& g : s.group_by) {
        const Expr* ge = g.get();
        if (ge->kind == ExprKind::kLiteral && ge->literal_kind == ast::LiteralKind::kInteger) {
          int64_t ord = 0;
          (void)absl::SimpleAtoi(ge->text, &ord);
          if (ord < 1 || ord > static_cast<int64_t>(s.items.size()) ||
              s.items[ord - 1].expr->kind == ExprKind::kStar) {
            return Error("42P10", absl::StrCat("GROUP BY position ", ord, " is not in select list"),
                         ge->location);
          }
          ge = s.items[ord - 1].expr.get();
        } else if (ge->kind == ExprKind::kColumnRef && ge->names.size() == 1 &&
                   !from_scope.Resolve(ge->names, -1).ok()) {
          for (const auto& item : s.items) {
            if (item.alias == ge->names[0]) ge = item.expr.get();
          }
        }
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*ge, from_scope));
        post.group_keys.push_back(b->ToString());
        agg_op.group_by.push_back(b);
        agg->columns.push_back(OutputColumn{"", DefaultColumnName(*ge), b->type});
      }
      post.dependent = DependentColumns(*agg->children[0], post.group_keys);
      post.pre = &from_scope;
      post.agg = agg.get();
      post.no_aggregates = "";
      item_scope = &post;
      plan = agg;
    }
    // Select list (aggregates discovered here extend agg->columns).
    for (const auto& item : s.items) {
      if (item.expr->kind == ExprKind::kStar) {
        if (aggregating)
          return Error("42803", "SELECT * is not allowed with GROUP BY", item.expr->location);
        const std::string qual = item.expr->names.empty() ? "" : item.expr->names.back();
        bool any = false;
        for (size_t i = 0; i < from_scope.columns.size(); ++i) {
          const OutputColumn& c = from_scope.columns[i];
          if (c.hidden || (!qual.empty() && c.table != qual)) continue;
          any = true;
          out_exprs.push_back(MakeColumn(static_cast<int>(i), c.type, c.name));
          out_names.push_back(c.name);
        }
        if (!any && !qual.empty()) {
          return Error("42P01", absl::StrCat("missing FROM-clause entry for table \"", qual, "\""),
                       item.expr->location);
        }
        if (!any && s.from.empty())
          return Error("42601", "SELECT * with no tables specified is not valid",
                       item.expr->location);
        continue;
      }
      ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*item.expr, *item_scope));
      out_exprs.push_back(b);
      out_names.push_back(item.alias.empty() ? DefaultColumnName(*item.expr) : item.alias);
    }
    // HAVING
    if (s.having) {
      if (!aggregating)
        return Error("42803", "HAVING requires GROUP BY or an aggregate", s.having->location);
      ASSIGN_OR_RETURN(BoundExprPtr h, BindExpr(*s.having, post));
      ASSIGN_OR_RETURN(h, ToBool(h, "HAVING"));
      // The filter sits above the aggregate; it is inserted after ORDER BY binding, which
      // may still add aggregate calls.
      plan = MakeLogical(FilterOp{h}, {});  // input attached below
    }
    // ORDER BY expressions that are not output columns become hidden extra outputs.
    std::vector<SortKey> keys;
    size_t visible = out_exprs.size();
    // With a set operation, ORDER BY applies to the whole chain's output (below).
    static const std::vector<ast::OrderItem> kNoOrder;
    for (const auto& o : s.set_op.empty() ? s.order_by : kNoOrder) {
      SortKey key;
      key.descending = o.descending;
      key.nulls_first = o.nulls_first.value_or(o.descending);
      const Expr& oe = *o.expr;
      int out_index = -1;
      if (oe.kind == ExprKind::kLiteral && oe.literal_kind == ast::LiteralKind::kInteger) {
        int64_t ord = 0;
        (void)absl::SimpleAtoi(oe.text, &ord);
        if (ord < 1 || ord > static_cast<int64_t>(visible)) {
          return Error("42P10", absl::StrCat("ORDER BY position ", ord, " is not in select list"),
                       oe.location);
        }
        out_index = static_cast<int>(ord - 1);
      } else if (oe.kind == ExprKind::kColumnRef && oe.names.size() == 1) {
        for (size_t i = 0; i < visible; ++i) {
          if (out_names[i] == oe.names[0]) {
            if (out_index >= 0 && out_exprs[out_index]->ToString() != out_exprs[i]->ToString()) {
              return Error("42702", absl::StrCat("ORDER BY \"", oe.names[0], "\" is ambiguous"),
                           oe.location);
            }
            out_index = static_cast<int>(i);
          }
        }
      }
      if (out_index < 0) {
        ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(oe, *item_scope));
        std::string text = b->ToString();
        for (size_t i = 0; i < out_exprs.size(); ++i) {
          if (out_exprs[i]->ToString() == text) out_index = static_cast<int>(i);
        }
        if (out_index < 0) {
          if (s.distinct) {
            return Error("42P10",
                         "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                         oe.location);
          }
          out_exprs.push_back(b);
          out_names.push_back("?order?");
          out_index = static_cast<int>(out_exprs.size() - 1);
        }
      }
      key.expr = MakeColumn(out_index, out_exprs[out_index]->type);
      keys.push_back(key);
    }
    if (s.having) {
      plan->children = {agg};
      plan->columns = agg->columns;
    }
    // Project
    ProjectOp proj;
    std::vector<OutputColumn> proj_columns;
    for (size_t i = 0; i < out_exprs.size(); ++i) {
      auto& e = out_exprs[i];
      if (e->type.id == TypeId::kUnknown) {
        ASSIGN_OR_RETURN(e, Coerce(e, SqlType::Of(TypeId::kText)));
      }
      OutputColumn c{"", out_names[i], e->type, i >= visible};
      if (e->kind == BoundExpr::Kind::kColumn && !aggregating) {
        const OutputColumn& src = item_scope->columns[e->index];
        c.table_oid = src.table_oid;
        c.attnum = src.attnum;
      }
      proj.exprs.push_back(e);
      proj_columns.push_back(c);
    }
    plan = MakeLogical(std::move(proj), std::move(proj_columns), {plan});
    if (s.distinct) plan = Above(DistinctOp{}, plan);
    if (!keys.empty()) {
      plan = Above(SortOp{std::move(keys)}, plan);
      keys.clear();
    }
    if (s.for_update || s.for_share) {
      MarkForUpdate(plan.get());
      for_update_ = true;
    }
    out_names.resize(visible);
  }

  // UNION, INTERSECT and EXCEPT: A op1 B op2 C is (A op1 B) op2 C (see ast.h).
  if (!operand && !s.set_op.empty()) {
    if (s.for_update || s.for_share) {
      return Error("0A000", "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT", s.location);
    }
    for (const ast::SelectStmt* cur = &s; !cur->set_op.empty(); cur = cur->set_rhs.get()) {
      const bool all = absl::EndsWith(cur->set_op, " ALL");
      const std::string op = all ? cur->set_op.substr(0, cur->set_op.size() - 4) : cur->set_op;
      const SetOpKind kind = op == "INTERSECT" ? SetOpKind::kIntersect
                             : op == "EXCEPT"  ? SetOpKind::kExcept
                                               : SetOpKind::kUnion;
      std::vector<std::string> rnames;
      ASSIGN_OR_RETURN(LogicalPtr rhs, BindQuery(*cur->set_rhs, &rnames, /*operand=*/true));
      size_t width = 0;
      for (const auto& c : plan->columns) width += c.hidden ? 0 : 1;
      if (rhs->columns.size() != width) {
        return Error("42601",
                     absl::StrCat("each ", op, " query must have the same number of columns"),
                     cur->location);
      }
      std::vector<OutputColumn> columns;
      for (size_t i = 0; i < width; ++i) {
        auto t = CommonType(plan->columns[i].type, rhs->columns[i].type);
        if (!t.ok()) {
          return Error("42804",
                       absl::StrCat(op, " types ", plan->columns[i].type.ToString(), " and ",
                                    rhs->columns[i].type.ToString(), " cannot be matched"),
                       cur->location);
        }
        OutputColumn c = plan->columns[i];
        c.type = *t;
        columns.push_back(c);
      }
      plan = MakeLogical(SetOp{kind, all}, std::move(columns), {plan, rhs});
    }
  }

  if (!operand && (!s.values.empty() || !s.set_op.empty()) && !s.order_by.empty()) {
    std::vector<SortKey> keys;
    Scope vs;
    vs.columns = plan->columns;
    for (const auto& o : s.order_by) {
      SortKey key;
      key.descending = o.descending;
      key.nulls_first = o.nulls_first.value_or(o.descending);
      const Expr& oe = *o.expr;
      if (oe.kind == ExprKind::kLiteral && oe.literal_kind == ast::LiteralKind::kInteger) {
        int64_t ord = 0;
        (void)absl::SimpleAtoi(oe.text, &ord);
        if (ord < 1 || ord > static_cast<int64_t>(plan->columns.size())) {
          return Error("42P10", absl::StrCat("ORDER BY position ", ord, " is not in select list"),
                       oe.location);
        }
        key.expr = MakeColumn(static_cast<int>(ord - 1), plan->columns[ord - 1].type);
      } else {
        ASSIGN_OR_RETURN(key.expr, BindExpr(oe, vs));
      }
      keys.push_back(key);
    }
    plan = Above(SortOp{std::move(keys)}, plan);
  }

  if (!operand && (s.limit || s.offset)) {
    LimitOp lim;
    Scope none;
    none.no_aggregates = "LIMIT";
    if (s.limit) {
      ASSIGN_OR_RETURN(BoundExprPtr l, BindExpr(*s.limit, none));
      ASSIGN_OR_RETURN(lim.limit, Coerce(l, SqlType::Of(TypeId::kInt8)));
    }
    if (s.offset) {
      ASSIGN_OR_RETURN(BoundExprPtr o, BindExpr(*s.offset, none));
      ASSIGN_OR_RETURN(lim.offset, Coerce(o, SqlType::Of(TypeId::kInt8)));
    }
    plan = Above(std::move(lim), plan);
  }

  // Drop hidden ORDER BY outputs.
  bool has_hidden = false;
  for (const auto& c : plan->columns) has_hidden |= c.hidden && !plan->Is<ScanOp>();
  if (has_hidden) {
    ProjectOp proj;
    std::vector<OutputColumn> columns;
    for (size_t i = 0; i < plan->columns.size(); ++i) {
      if (plan->columns[i].hidden) continue;
      proj.exprs.push_back(MakeColumn(static_cast<int>(i), plan->columns[i].type));
      columns.push_back(plan->columns[i]);
    }
    plan = MakeLogical(std::move(proj), std::move(columns), {plan});
  }
  if (names != nullptr) {
    names->clear();
    for (const auto& c : plan->columns) names->push_back(c.name);
  }
  return plan;
}

absl::StatusOr<BoundStatement> Binder::BindSelect(const ast::SelectStmt& select) {
  BoundStatement out;
  std::vector<std::string> names;
  ASSIGN_OR_RETURN(out.plan, BindQuery(select, &names));
  for (const auto& c : out.plan->columns) {
    out.columns.push_back(ColumnInfo{c.name, c.type, c.table_oid, c.attnum});
  }
  out.verb = StatementVerb::kSelect;
  out.for_update = for_update_;
  FinishParams(&out);
  return out;
}

}  // namespace meridian::sql
