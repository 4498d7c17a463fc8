// INSERT, UPDATE and DELETE: row and index maintenance with constraint checks.
//
// Every write goes through the statement's read-write transaction. Uniqueness (primary key
// and UNIQUE indexes) is checked by reading the key with an exclusive lock before writing
// it, so two transactions inserting the same key serialize: the later one either waits and
// then sees the row (23505), or is wounded and restarts (40001). An autocommit INSERT or
// COPY leaves the primary key's check to its commit, which locks the key anyway
// (InsertAlone, txn::Txn::RequireAbsent). A transaction may see the row only because it
// was wounded (an older one took the locks it had read under, e.g. a counter both read, and
// wrote the key it would write): before reporting 23505 it asks its ranges whether it is
// still alive, and reports the 40001 if not.
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/execution/operator.h"
#include "sql/expr/expr_eval.h"
#include "sql/expr/range_filter.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

absl::Status UniqueViolation(const std::string& constraint) {
  return SqlError(
      absl::StatusCode::kAlreadyExists, "23505",
      absl::StrCat("duplicate key value violates unique constraint \"", constraint, "\""));
}

std::string PrimaryName(const TableInfo& t) {
  return t.desc().primary().name().empty() ? absl::StrCat(t.name(), "_pkey")
                                           : t.desc().primary().name();
}

class DmlOperator : public BufferedOperator {
 public:
  DmlOperator(const PhysicalNode& plan, ExecContext& ctx, std::unique_ptr<Operator> child)
      : BufferedOperator(plan, ctx, std::move(child)),
        target_(Target(plan)),
        insert_(std::get_if<InsertOp>(&plan.op)),
        table_(*target_.table) {}

 protected:
  absl::Status Fill(std::vector<Row>* returned) override {
    returned_ = returned;
    if (ctx_.txn->mode() != txn::TxnMode::kReadWrite) {
      return SqlError(absl::StatusCode::kFailedPrecondition, "25006",
                      absl::StrCat("cannot execute ",
                                   plan_.Is<InsertOp>()   ? "INSERT"
                                   : plan_.Is<UpdateOp>() ? "UPDATE"
                                                          : "DELETE",
                                   " in a read-only transaction"));
    }
    if (plan_.kind() == PhysicalNode::Kind::kUpdate && ctx_.commit_alone) {
      ASSIGN_OR_RETURN(bool done, UpdateAtRange());
      if (done) return absl::OkStatus();
    }
    // Read every input row before writing (a write must not feed the scan it came from).
    std::vector<Row> input;
    RETURN_IF_ERROR(Drain(*children_[0], &input, &memory_));
    if (plan_.kind() == PhysicalNode::Kind::kInsert && ctx_.commit_alone) {
      ASSIGN_OR_RETURN(bool done, InsertAlone(input));
      if (done) return absl::OkStatus();
    }
    if (plan_.kind() == PhysicalNode::Kind::kInsert && input.size() > 1) {
      RETURN_IF_ERROR(PrefetchConflictKeys(input));
    }
    const size_t width = static_cast<size_t>(table_.num_columns());
    for (Row& r : input) {
      RETURN_IF_ERROR(ctx_.CheckCancelled());
      switch (plan_.kind()) {
        case PhysicalNode::Kind::kInsert:
          RETURN_IF_ERROR(Insert(std::move(r)));
          break;
        case PhysicalNode::Kind::kUpdate: {
          Row old_row(r.begin(), r.begin() + width);
          Row new_row(r.begin() + width, r.end());
          RETURN_IF_ERROR(Update(old_row, std::move(new_row)));
          break;
        }
        default:
          RETURN_IF_ERROR(Delete(r));
          break;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckNotNull(const Row& row) { return table_.CheckNotNull(row); }

  absl::Status Return(const Row& row) {
    ++ctx_.rows_affected;
    if (target_.returning.empty()) return absl::OkStatus();
    Row out;
    for (const auto& e : target_.returning) {
      ASSIGN_OR_RETURN(Value v, Eval(*e, row, ctx_));
      out.push_back(std::move(v));
    }
    returned_->push_back(std::move(out));
    return absl::OkStatus();
  }

  // A multi-row INSERT reads (and locks exclusively) every key it must check in one request
  // per range, before it writes any row, instead of one round trip per key.
  absl::Status PrefetchConflictKeys(const std::vector<Row>& rows) {
    std::vector<std::string> keys;
    for (const Row& row : rows) {
      if (row.size() != static_cast<size_t>(table_.num_columns())) return absl::OkStatus();
      bool null_key = false;
      for (int k : table_.pk_columns()) null_key |= row[k].is_null();
      if (null_key) continue;  // refused by the NOT NULL check
      if (!hidden_key_) keys.push_back(table_.PrimaryKey(row));
      for (const auto& index : table_.desc().indexes()) {
        if (table_.UniqueForm(index, row)) keys.push_back(table_.IndexEntry(index, row).first);
      }
    }
    if (keys.size() < 2) return absl::OkStatus();
    for (const std::string& k : keys) ctx_.Touch(k);
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                     ctx_.txn->GetMany(keys, /*for_update=*/true));
    for (size_t i = 0; i < keys.size(); ++i) prefetched_.emplace(keys[i], std::move(values[i]));
    return absl::OkStatus();
  }

  // `key` read with an exclusive lock: from the prefetch, unless this statement has written
  // it since (then the transaction's buffer answers).
  absl::StatusOr<std::optional<std::string>> LockedGet(const std::string& key) {
    if (auto it = prefetched_.find(key); it != prefetched_.end()) return it->second;
    return ctx_.txn->Get(key, /*for_update=*/true);
  }
  absl::Status Put(const std::string& key, const std::string& value) {
    prefetched_.erase(key);
    return ctx_.txn->Put(key, value);
  }
  absl::Status Del(const std::string& key) {
    prefetched_.erase(key);
    return ctx_.txn->Delete(key);
  }

  // The existing row whose key conflicts with `row`, and the constraint's name.
  struct Conflict {
    Row existing;
    std::string constraint;
    std::vector<int> columns;
  };
  absl::StatusOr<std::optional<Conflict>> FindConflict(const Row& row) {
    // A table keyed by its hidden row id cannot conflict on the key: row ids are generated
    // unique (ExecContext::UniqueRowId), so the read (a round trip) is skipped.
    if (!hidden_key_) {
      std::string pk = table_.PrimaryKey(row);
      ctx_.Touch(pk);
      ASSIGN_OR_RETURN(std::optional<std::string> existing, LockedGet(pk));
      if (existing.has_value()) {
        ASSIGN_OR_RETURN(Row old, table_.DecodeRow(pk, *existing));
        return Conflict{std::move(old), PrimaryName(table_), table_.pk_columns()};
      }
    }
    for (const auto& index : table_.desc().indexes()) {
      if (!table_.UniqueForm(index, row)) continue;
      auto [key, value] = table_.IndexEntry(index, row);
      ctx_.Touch(key);
      ASSIGN_OR_RETURN(std::optional<std::string> hit, LockedGet(key));
      if (!hit.has_value()) continue;
      ASSIGN_OR_RETURN(std::string other_pk, table_.PrimaryKeyFromIndexEntry(index, key, *hit));
      ASSIGN_OR_RETURN(std::optional<std::string> other, LockedGet(other_pk));
      if (!other.has_value()) return absl::DataLossError("unique index entry without its row");
      ASSIGN_OR_RETURN(Row old, table_.DecodeRow(other_pk, *other));
      return Conflict{std::move(old), index.name(), table_.IndexColumns(index)};
    }
    return std::optional<Conflict>();
  }

  // 23505, unless the transaction was wounded (then the 40001 that explains what it saw).
  absl::Status Violation(const std::string& constraint) {
    RETURN_IF_ERROR(ctx_.txn->CheckAlive());
    return UniqueViolation(constraint);
  }

  absl::Status WriteRow(const Row& row) {
    RETURN_IF_ERROR(Put(table_.PrimaryKey(row), table_.RowValue(row)));
    for (const auto& index : table_.desc().indexes()) {
      auto [key, value] = table_.IndexEntry(index, row);
      RETURN_IF_ERROR(Put(key, value));
    }
    return absl::OkStatus();
  }

  absl::Status Insert(Row row) {
    RETURN_IF_ERROR(CheckNotNull(row));
    ASSIGN_OR_RETURN(std::optional<Conflict> conflict, FindConflict(row));
    if (conflict.has_value()) {
      const InsertOp& op = *insert_;
      bool targeted = op.conflict_columns.empty() ||
                      std::is_permutation(op.conflict_columns.begin(), op.conflict_columns.end(),
                                          conflict->columns.begin(), conflict->columns.end());
      if (op.on_conflict == OnConflict::kError || !targeted) {
        return Violation(conflict->constraint);
      }
      if (op.on_conflict == OnConflict::kDoNothing) return absl::OkStatus();
      // DO UPDATE: the new row from (existing, excluded).
      Row input = conflict->existing;
      input.insert(input.end(), row.begin(), row.end());
      if (op.conflict_where) {
        ASSIGN_OR_RETURN(bool go, EvalPredicate(*op.conflict_where, input, ctx_));
        if (!go) return absl::OkStatus();
      }
      Row updated;
      for (const auto& e : op.conflict_set) {
        ASSIGN_OR_RETURN(Value v, Eval(*e, input, ctx_));
        updated.push_back(std::move(v));
      }
      return Update(conflict->existing, std::move(updated));
    }
    RETURN_IF_ERROR(WriteRow(row));
    return Return(row);
  }

  absl::Status Update(const Row& old_row, Row new_row) {
    RETURN_IF_ERROR(CheckNotNull(new_row));
    std::string old_pk = table_.PrimaryKey(old_row);
    std::string new_pk = table_.PrimaryKey(new_row);
    if (old_pk != new_pk) {
      ctx_.Touch(new_pk);
      ASSIGN_OR_RETURN(std::optional<std::string> taken, LockedGet(new_pk));
      if (taken.has_value()) return Violation(PrimaryName(table_));
      RETURN_IF_ERROR(Del(old_pk));
    }
    RETURN_IF_ERROR(Put(new_pk, table_.RowValue(new_row)));
    for (const auto& index : table_.desc().indexes()) {
      auto [old_key, old_value] = table_.IndexEntry(index, old_row);
      auto [new_key, new_value] = table_.IndexEntry(index, new_row);
      if (old_key == new_key && old_value == new_value) continue;
      if (old_key != new_key) {
        RETURN_IF_ERROR(Del(old_key));
        if (table_.UniqueForm(index, new_row)) {
          ctx_.Touch(new_key);
          ASSIGN_OR_RETURN(std::optional<std::string> taken, LockedGet(new_key));
          if (taken.has_value()) return Violation(index.name());
        }
      }
      RETURN_IF_ERROR(Put(new_key, new_value));
    }
    return Return(new_row);
  }

  // An autocommit UPDATE of one row by its whole primary key, whose new values and WHERE a
  // range can compute (CanRunAtRange) and which changes no key and no indexed column (so no
  // index entry changes: an entry is made of its index's columns and the key): the row's range
  // reads, updates and commits it in one request and one Paxos round (txn::Txn::CommitUpdate)
  // instead of a locking read and then a commit. False: not that shape (or the range does not
  // evaluate updates); the statement runs as usual.
  absl::StatusOr<bool> UpdateAtRange() {
    if (hidden_key_ || plan_.children.size() != 1) return false;
    const PhysicalNode& project = *plan_.children[0];
    const auto* proj = std::get_if<ProjectOp>(&project.op);
    if (proj == nullptr || project.children.size() != 1) return false;
    const auto* scan = std::get_if<TableScanOp>(&project.children[0]->op);
    const size_t width = static_cast<size_t>(table_.num_columns());
    if (scan == nullptr || scan->table->id() != table_.id() || proj->exprs.size() != 2 * width) {
      return false;
    }
    std::vector<BoundExprPtr> columns(proj->exprs.begin() + static_cast<std::ptrdiff_t>(width),
                                      proj->exprs.end());
    for (const BoundExprPtr& e : columns) {
      if (e == nullptr || !CanRunAtRange(*e)) return false;
    }
    auto unchanged = [&](int c) {
      const BoundExpr& e = *columns[static_cast<size_t>(c)];
      return e.kind == BoundExpr::Kind::kColumn && e.index == c;
    };
    for (int k : table_.pk_columns()) {
      if (!unchanged(k)) return false;
    }
    for (const auto& index : table_.desc().indexes()) {
      for (int c : table_.IndexColumns(index)) {
        if (!unchanged(c)) return false;
      }
    }
    if (scan->filter != nullptr && !CanRunAtRange(*scan->filter)) return false;
    ASSIGN_OR_RETURN(std::optional<std::string> key, PointScanKey(*scan, ctx_));
    if (!key.has_value()) return false;
    absl::StatusOr<std::string> update = EncodeRowUpdate(table_, columns, scan->filter, ctx_);
    if (!update.ok()) return false;  // e.g. a constant that fails: the usual path reports it
    RETURN_IF_ERROR(ctx_.commit_alone(*ctx_.txn));
    ctx_.Touch(*key);
    ++ctx_.kv_reads;
    absl::StatusOr<txn::Txn::UpdateResult> r = ctx_.txn->CommitUpdate(*key, *std::move(update));
    if (!r.ok() && r.status().code() == absl::StatusCode::kFailedPrecondition &&
        !GetSqlState(r.status()).has_value()) {
      return false;  // not evaluated at the range: nothing happened
    }
    RETURN_IF_ERROR(r.status());
    if (!r->value.has_value()) return true;  // no row, or its WHERE is not true
    ++ctx_.rows_read;
    ASSIGN_OR_RETURN(Row row, table_.DecodeRow(*key, *r->value));
    RETURN_IF_ERROR(Return(row));
    return true;
  }

  // An autocommit INSERT (or COPY) into a table whose only unique constraint is its primary
  // key: no locking read of the keys first. The commit, which locks each key to write it,
  // checks there that it is free (Txn::RequireAbsent) and fails with this 23505 if not; the
  // statement commits right after, so the error is still the statement's. One round trip
  // instead of two, and each key locked once instead of twice. A key this transaction has
  // already written is checked here: written, it is this statement's duplicate; deleted, the
  // row goes the usual way (the committed row it deleted must not fail the check).
  absl::StatusOr<bool> InsertAlone(std::vector<Row>& input) {
    if (hidden_key_ || insert_ == nullptr || insert_->on_conflict != OnConflict::kError) {
      return false;
    }
    for (const auto& index : table_.desc().indexes()) {
      if (index.unique()) return false;
    }
    for (const Row& row : input) {
      if (row.size() != static_cast<size_t>(table_.num_columns())) return false;
    }
    const std::string error(UniqueViolation(PrimaryName(table_)).message());
    const txn::Txn::Writes& buffered = ctx_.txn->buffered_writes();
    for (Row& row : input) {
      RETURN_IF_ERROR(ctx_.CheckCancelled());
      RETURN_IF_ERROR(CheckNotNull(row));
      std::string pk = table_.PrimaryKey(row);
      if (auto it = buffered.find(pk); it != buffered.end()) {
        if (it->second.has_value()) return Violation(PrimaryName(table_));
        RETURN_IF_ERROR(Insert(std::move(row)));
        continue;
      }
      ctx_.Touch(pk);
      RETURN_IF_ERROR(WriteRow(row));
      ctx_.txn->RequireAbsent(std::move(pk), error);
      RETURN_IF_ERROR(Return(row));
    }
    return true;
  }

  absl::Status Delete(const Row& row) {
    RETURN_IF_ERROR(Del(table_.PrimaryKey(row)));
    for (const auto& index : table_.desc().indexes()) {
      RETURN_IF_ERROR(Del(table_.IndexEntry(index, row).first));
    }
    return Return(row);
  }

  static const DmlTarget& Target(const PhysicalNode& plan) {
    if (const auto* op = std::get_if<InsertOp>(&plan.op)) return *op;
    if (const auto* op = std::get_if<UpdateOp>(&plan.op)) return *op;
    return plan.As<DeleteOp>();
  }

  const DmlTarget& target_;
  const InsertOp* insert_;  // null unless INSERT
  const TableInfo& table_;
  const bool hidden_key_ =
      table_.pk_columns().size() == 1 && table_.column(table_.pk_columns()[0]).hidden();
  std::vector<Row>* returned_ = nullptr;  // RETURNING rows (Fill's output)
  // Keys a multi-row INSERT read ahead (locked exclusively), until this statement writes them.
  std::map<std::string, std::optional<std::string>> prefetched_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Operator>> NewDmlOperator(const PhysicalNode& plan, ExecContext& ctx,
                                                         std::unique_ptr<Operator> child) {
  return std::unique_ptr<Operator>(new DmlOperator(plan, ctx, std::move(child)));
}

}  // namespace meridian::sql
