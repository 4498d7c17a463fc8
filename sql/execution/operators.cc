// The relational operators other than scans and DML.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/execution/operator.h"
#include "sql/expr/expr_eval.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

// Rows as hash keys: NULLs equal each other (GROUP BY, DISTINCT, UNION semantics).
struct RowHash {
  size_t operator()(const Row& r) const {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (const Value& v : r) h = (h ^ HashValue(v)) * 0x100000001B3ull;
    return static_cast<size_t>(h);
  }
};
struct RowEq {
  bool operator()(const Row& a, const Row& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].is_null() != b[i].is_null()) return false;
      if (!a[i].is_null() && CompareValues(a[i], b[i]) != 0) return false;
    }
    return true;
  }
};
using RowSet = std::unordered_set<Row, RowHash, RowEq>;

class ValuesOperator : public Operator {
 public:
  using Operator::Operator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    const ValuesOp& op = plan_.As<ValuesOp>();
    while (next_ < op.rows.size() && batch->size() < kBatchSize) {
      Row row;
      for (const auto& e : op.rows[next_]) {
        ASSIGN_OR_RETURN(Value v, Eval(*e, {}, ctx_));
        row.push_back(std::move(v));
      }
      batch->push_back(std::move(row));
      ++next_;
    }
    return !batch->empty();
  }

 private:
  size_t next_ = 0;
};

// generate_series(start, stop [, step]) over integers; no rows if an argument is NULL.
class SeriesOperator : public Operator {
 public:
  using Operator::Operator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    if (!started_) {
      started_ = true;
      std::vector<Value> args;
      for (const auto& e : plan_.As<SeriesOp>().args) {
        ASSIGN_OR_RETURN(Value v, Eval(*e, {}, ctx_));
        if (v.is_null()) return false;
        args.push_back(std::move(v));
      }
      next_ = args[0].int_value();
      stop_ = args[1].int_value();
      step_ = args.size() > 2 ? args[2].int_value() : 1;
      if (step_ == 0) {
        return SqlError(absl::StatusCode::kInvalidArgument, "22023", "step size cannot equal zero");
      }
      done_ = step_ > 0 ? next_ > stop_ : next_ < stop_;
    }
    while (!done_ && batch->size() < kBatchSize) {
      batch->push_back(Row{Value::Int(next_)});
      // Stop before stepping past the end (wide arithmetic: no int64 overflow).
      __int128 after = static_cast<__int128>(next_) + step_;
      if (step_ > 0 ? after > stop_ : after < stop_) {
        done_ = true;
      } else {
        next_ = static_cast<int64_t>(after);
      }
    }
    if (!batch->empty()) RETURN_IF_ERROR(ctx_.CheckCancelled());
    return !batch->empty();
  }

 private:
  bool started_ = false;
  bool done_ = false;
  int64_t next_ = 0, stop_ = 0, step_ = 1;
};

class FilterOperator : public UnaryOperator {
 public:
  using UnaryOperator::UnaryOperator;

 private:
  const BoundExprPtr& predicate_ = plan_.As<FilterOp>().predicate;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    std::vector<Row> in;
    while (batch->empty()) {
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
      if (!more) return false;
      for (Row& r : in) {
        ASSIGN_OR_RETURN(bool keep, EvalPredicate(*predicate_, r, ctx_));
        if (keep) batch->push_back(std::move(r));
      }
    }
    return true;
  }
};

class ProjectOperator : public UnaryOperator {
 public:
  using UnaryOperator::UnaryOperator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    std::vector<Row> in;
    ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
    if (!more) return false;
    batch->reserve(in.size());
    const std::vector<BoundExprPtr>& exprs = plan_.As<ProjectOp>().exprs;
    for (const Row& r : in) {
      Row out;
      out.reserve(exprs.size());
      for (const auto& e : exprs) {
        ASSIGN_OR_RETURN(Value v, Eval(*e, r, ctx_));
        out.push_back(std::move(v));
      }
      batch->push_back(std::move(out));
    }
    return true;
  }
};

// Nested-loop and hash joins: the right side is materialized (and hashed on its keys).
class JoinOperator : public Operator {
 public:
  JoinOperator(const PhysicalNode& plan, ExecContext& ctx, std::unique_ptr<Operator> left,
               std::unique_ptr<Operator> right)
      : Operator(plan, ctx) {
    children_.push_back(std::move(left));
    children_.push_back(std::move(right));
    if (const auto* hash = std::get_if<HashJoinOp>(&plan.op)) {
      type_ = hash->type;
      condition_ = hash->condition.get();
      left_keys_ = &hash->left_keys;
      right_keys_ = &hash->right_keys;
    } else {
      const auto& loop = plan.As<NestedLoopJoinOp>();
      type_ = loop.type;
      condition_ = loop.condition.get();
    }
  }

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    if (!built_) {
      built_ = true;
      RETURN_IF_ERROR(Drain(*children_[1], &right_, &memory_));
      right_width_ = plan_.children[1]->columns.size();
      if (right_keys_ != nullptr) {
        for (size_t i = 0; i < right_.size(); ++i) {
          ASSIGN_OR_RETURN(auto key, Keys(*right_keys_, right_[i]));
          if (key.has_value()) {
            RETURN_IF_ERROR(memory_.AddRow(*key));
            table_.emplace(std::move(*key), i);
          }
        }
      }
    }
    std::vector<Row> in;
    while (batch->empty()) {
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
      if (!more) return false;
      for (const Row& l : in) {
        bool matched = false;
        auto consider = [&](const Row& r) -> absl::Status {
          Row joined = l;
          joined.insert(joined.end(), r.begin(), r.end());
          if (condition_ != nullptr) {
            ASSIGN_OR_RETURN(bool keep, EvalPredicate(*condition_, joined, ctx_));
            if (!keep) return absl::OkStatus();
          }
          matched = true;
          batch->push_back(std::move(joined));
          return absl::OkStatus();
        };
        if (left_keys_ != nullptr) {
          ASSIGN_OR_RETURN(auto key, Keys(*left_keys_, l));
          if (key.has_value()) {
            auto [lo, hi] = table_.equal_range(*key);
            for (auto it = lo; it != hi; ++it) RETURN_IF_ERROR(consider(right_[it->second]));
          }
        } else {
          for (const Row& r : right_) RETURN_IF_ERROR(consider(r));
        }
        if (!matched && type_ == JoinType::kLeft) {
          Row joined = l;
          joined.resize(l.size() + right_width_);
          batch->push_back(std::move(joined));
        }
      }
    }
    return true;
  }

 private:
  // The key values, or nullopt if any is NULL (NULL never joins).
  absl::StatusOr<std::optional<Row>> Keys(const std::vector<BoundExprPtr>& exprs, const Row& row) {
    Row key;
    for (const auto& e : exprs) {
      ASSIGN_OR_RETURN(Value v, Eval(*e, row, ctx_));
      if (v.is_null()) return std::optional<Row>();
      key.push_back(std::move(v));
    }
    return std::optional<Row>(std::move(key));
  }

  JoinType type_ = JoinType::kInner;
  const BoundExpr* condition_ = nullptr;
  const std::vector<BoundExprPtr>* left_keys_ = nullptr;   // hash join only
  const std::vector<BoundExprPtr>* right_keys_ = nullptr;  // hash join only
  bool built_ = false;
  std::vector<Row> right_;
  size_t right_width_ = 0;
  std::unordered_multimap<Row, size_t, RowHash, RowEq> table_;
};

// Index nested-loop join: for each left row, look up matching rows of the right table
// through an index whose leading columns are the join keys.
class IndexJoinOperator : public UnaryOperator {
 public:
  using UnaryOperator::UnaryOperator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    const IndexLookupJoinOp& op = plan_.As<IndexLookupJoinOp>();
    const TableInfo& table = *op.table;
    const uint32_t index_id = op.index_id;
    std::vector<int> cols;
    if (index_id == kPrimaryIndexId) {
      cols = table.pk_columns();
    } else {
      for (const auto& i : table.desc().indexes()) {
        if (i.id() == index_id) cols = table.IndexColumns(i);
      }
    }
    std::vector<Row> in;
    while (batch->empty()) {
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
      if (!more) return false;
      // Each left row's lookup key; nullopt where it is NULL or cannot equal any value.
      std::vector<std::optional<std::vector<Value>>> prefixes;
      for (const Row& l : in) {
        std::vector<Value> prefix;
        bool null_key = false;
        for (size_t k = 0; k < op.left_keys.size(); ++k) {
          ASSIGN_OR_RETURN(Value v, Eval(*op.left_keys[k], l, ctx_));
          if (v.is_null()) {
            null_key = true;
            break;
          }
          auto cast = CastValue(v, op.left_keys[k]->type, table.column_type(cols[k]));
          if (!cast.ok()) {
            null_key = true;  // cannot equal any value of the column
            break;
          }
          prefix.push_back(*cast);
        }
        prefixes.push_back(null_key ? std::nullopt : std::optional(std::move(prefix)));
      }
      // Whole primary keys: at most one row each, all of the batch read in one request per
      // range. Otherwise each left row scans its prefix.
      const bool by_key =
          index_id == kPrimaryIndexId && op.left_keys.size() == table.pk_columns().size();
      std::vector<std::optional<Row>> by_key_rows;
      if (by_key) {
        TableReader reader(table, ctx_, op.for_update);
        RETURN_IF_ERROR(reader.ReadRowsByKey(prefixes, op.filter.get(), &by_key_rows));
      }
      for (size_t i = 0; i < in.size(); ++i) {
        const Row& l = in[i];
        std::vector<Row> matches;
        if (by_key) {
          if (by_key_rows[i].has_value()) matches.push_back(std::move(*by_key_rows[i]));
        } else if (prefixes[i].has_value()) {
          TableReader reader(table, ctx_, op.for_update);
          RETURN_IF_ERROR(reader.ReadPrefix(index_id, *prefixes[i], op.filter.get(), 0, &matches));
        }
        bool matched = false;
        for (Row& r : matches) {
          Row joined = l;
          joined.insert(joined.end(), r.begin(), r.end());
          if (op.condition) {
            ASSIGN_OR_RETURN(bool keep, EvalPredicate(*op.condition, joined, ctx_));
            if (!keep) continue;
          }
          matched = true;
          batch->push_back(std::move(joined));
        }
        if (!matched && op.type == JoinType::kLeft) {
          Row joined = l;
          joined.resize(l.size() + static_cast<size_t>(table.num_columns()));
          batch->push_back(std::move(joined));
        }
      }
    }
    return true;
  }
};

struct AggState {
  int64_t count = 0;
  Value acc;  // sum / min / max / bool
  SqlType acc_type;
  std::string text;              // string_agg
  std::unique_ptr<RowSet> seen;  // DISTINCT
};

class AggregateOperator : public BufferedOperator {
 public:
  using BufferedOperator::BufferedOperator;

 protected:
  absl::Status Fill(std::vector<Row>* out) override { return Consume(out); }

 private:
  absl::Status Accumulate(const AggregateCall& call, AggState& s, const Row& row) {
    if (call.func == AggFunc::kCountStar) {
      ++s.count;
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(Value v, Eval(*call.arg, row, ctx_));
    if (v.is_null()) return absl::OkStatus();
    if (call.distinct) {
      if (!s.seen) s.seen = std::make_unique<RowSet>();
      Row seen{v};
      if (s.seen->contains(seen)) return absl::OkStatus();
      RETURN_IF_ERROR(memory_.AddRow(seen));
      s.seen->insert(std::move(seen));
    }
    ++s.count;
    switch (call.func) {
      case AggFunc::kCountStar:
      case AggFunc::kCount:
        return absl::OkStatus();
      case AggFunc::kStringAgg: {
        // Each value after the first is preceded by its own row's delimiter (NULL: none).
        if (s.count > 1 && call.delimiter) {
          ASSIGN_OR_RETURN(Value d, Eval(*call.delimiter, row, ctx_));
          if (!d.is_null()) {
            RETURN_IF_ERROR(memory_.Grow(static_cast<int64_t>(d.string_value().size())));
            s.text += d.string_value();
          }
        }
        RETURN_IF_ERROR(memory_.Grow(static_cast<int64_t>(v.string_value().size())));
        s.text += v.string_value();
        return absl::OkStatus();
      }
      case AggFunc::kSum:
      case AggFunc::kAvg: {
        if (s.acc.is_null()) {
          // Accumulate in the result type (sum(int4) is int8, avg is numeric or float).
          const bool is_float =
              call.arg->type.id == TypeId::kFloat4 || call.arg->type.id == TypeId::kFloat8;
          s.acc_type = call.func == AggFunc::kSum ? call.type
                       : is_float                 ? SqlType::Of(TypeId::kFloat8)
                                                  : SqlType::Numeric();
          ASSIGN_OR_RETURN(s.acc, CastValue(v, call.arg->type, s.acc_type));
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(s.acc, Arith(ArithOp::kAdd, s.acc, s.acc_type, v, call.arg->type));
        return absl::OkStatus();
      }
      case AggFunc::kAnyValue:
        // The column is functionally dependent on the group's key: every row agrees.
        if (s.acc.is_null()) s.acc = v;
        return absl::OkStatus();
      case AggFunc::kMin:
      case AggFunc::kMax:
        if (s.acc.is_null()) {
          s.acc = v;
        } else {
          const int c = CompareValues(v, s.acc);
          if (call.func == AggFunc::kMin ? c < 0 : c > 0) s.acc = v;
        }
        return absl::OkStatus();
      case AggFunc::kBoolAnd:
        s.acc = Value::Bool((s.acc.is_null() || s.acc.bool_value()) && v.bool_value());
        return absl::OkStatus();
      case AggFunc::kBoolOr:
        s.acc = Value::Bool((!s.acc.is_null() && s.acc.bool_value()) || v.bool_value());
        return absl::OkStatus();
    }
    return absl::InternalError("unknown aggregate");
  }

  absl::StatusOr<Value> Finish(const AggregateCall& call, const AggState& s) {
    switch (call.func) {
      case AggFunc::kCount:
      case AggFunc::kCountStar:
        return Value::Int(s.count);
      case AggFunc::kStringAgg:
        return s.count == 0 ? Value::Null() : Value::String(s.text);
      default:
        break;
    }
    if (s.count == 0 || s.acc.is_null()) return Value::Null();
    if (call.func == AggFunc::kAvg) {
      ASSIGN_OR_RETURN(Value n,
                       CastValue(Value::Int(s.count), SqlType::Of(TypeId::kInt8), s.acc_type));
      return Arith(ArithOp::kDiv, s.acc, s.acc_type, n, s.acc_type);
    }
    if (call.func == AggFunc::kSum) return CastValue(s.acc, s.acc_type, call.type);
    return s.acc;
  }

  absl::Status Consume(std::vector<Row>* results) {
    struct Group {
      Row key;
      std::vector<AggState> states;
    };
    const AggregateOp& op = plan_.As<AggregateOp>();
    std::unordered_map<Row, size_t, RowHash, RowEq> index;
    std::vector<Group> groups;
    std::vector<Row> in;
    while (true) {
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
      if (!more) break;
      RETURN_IF_ERROR(ctx_.CheckCancelled());
      for (const Row& r : in) {
        Row key;
        for (const auto& g : op.group_by) {
          ASSIGN_OR_RETURN(Value v, Eval(*g, r, ctx_));
          key.push_back(std::move(v));
        }
        auto [it, inserted] = index.emplace(key, groups.size());
        if (inserted) {
          // The key is held twice (index and group), with a state per aggregate.
          RETURN_IF_ERROR(memory_.Grow(
              2 * RowBytes(key) + static_cast<int64_t>(op.aggregates.size() * sizeof(AggState))));
          groups.push_back(Group{std::move(key), std::vector<AggState>(op.aggregates.size())});
        }
        Group& g = groups[it->second];
        for (size_t a = 0; a < op.aggregates.size(); ++a) {
          RETURN_IF_ERROR(Accumulate(op.aggregates[a], g.states[a], r));
        }
      }
    }
    if (groups.empty() && op.group_by.empty()) {
      groups.push_back(Group{{}, std::vector<AggState>(op.aggregates.size())});
    }
    for (Group& g : groups) {
      Row out = std::move(g.key);
      for (size_t a = 0; a < op.aggregates.size(); ++a) {
        ASSIGN_OR_RETURN(Value v, Finish(op.aggregates[a], g.states[a]));
        out.push_back(std::move(v));
      }
      results->push_back(std::move(out));
    }
    return absl::OkStatus();
  }
};

class SortOperator : public BufferedOperator {
 public:
  using BufferedOperator::BufferedOperator;

 protected:
  absl::Status Fill(std::vector<Row>* out) override {
    std::vector<Row> rows;
    RETURN_IF_ERROR(Drain(*children_[0], &rows, &memory_));
    const std::vector<SortKey>& keys = plan_.As<SortOp>().keys;
    std::vector<std::pair<Row, size_t>> keyed;
    keyed.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      Row key;
      for (const auto& k : keys) {
        ASSIGN_OR_RETURN(Value v, Eval(*k.expr, rows[i], ctx_));
        key.push_back(std::move(v));
      }
      RETURN_IF_ERROR(memory_.AddRow(key));
      keyed.emplace_back(std::move(key), i);
    }
    std::stable_sort(keyed.begin(), keyed.end(), [&keys](const auto& a, const auto& b) {
      for (size_t k = 0; k < keys.size(); ++k) {
        const Value& x = a.first[k];
        const Value& y = b.first[k];
        if (x.is_null() || y.is_null()) {
          if (x.is_null() == y.is_null()) continue;
          return x.is_null() == keys[k].nulls_first;
        }
        int c = CompareValues(x, y);
        if (c != 0) return keys[k].descending ? c > 0 : c < 0;
      }
      return false;
    });
    for (auto& [key, i] : keyed) out->push_back(std::move(rows[i]));
    return absl::OkStatus();
  }
};

class LimitOperator : public UnaryOperator {
 public:
  using UnaryOperator::UnaryOperator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    if (!init_) {
      init_ = true;
      const LimitOp& op = plan_.As<LimitOp>();
      if (op.limit) {
        ASSIGN_OR_RETURN(Value v, Eval(*op.limit, {}, ctx_));
        if (!v.is_null()) limit_ = v.int_value();
        if (limit_ < 0) {
          return SqlError(absl::StatusCode::kInvalidArgument, "2201W",
                          "LIMIT must not be negative");
        }
      }
      if (op.offset) {
        ASSIGN_OR_RETURN(Value v, Eval(*op.offset, {}, ctx_));
        if (!v.is_null()) skip_ = v.int_value();
        if (skip_ < 0) {
          return SqlError(absl::StatusCode::kInvalidArgument, "2201X",
                          "OFFSET must not be negative");
        }
      }
    }
    std::vector<Row> in;
    while (batch->empty()) {
      if (limit_ >= 0 && emitted_ >= limit_) return false;
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
      if (!more) return false;
      for (Row& r : in) {
        if (skip_ > 0) {
          --skip_;
          continue;
        }
        if (limit_ >= 0 && emitted_ >= limit_) break;
        ++emitted_;
        batch->push_back(std::move(r));
      }
    }
    return true;
  }

 private:
  bool init_ = false;
  int64_t limit_ = -1, skip_ = 0, emitted_ = 0;
};

// An operator over a list of inputs.
class NaryOperator : public Operator {
 public:
  NaryOperator(const PhysicalNode& plan, ExecContext& ctx,
               std::vector<std::unique_ptr<Operator>> children)
      : Operator(plan, ctx) {
    children_ = std::move(children);
  }
};

// DISTINCT (one input) and UNION [ALL] (inputs one after another).
class DistinctOperator : public NaryOperator {
 public:
  using NaryOperator::NaryOperator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    const bool dedupe = plan_.Is<DistinctOp>() || !plan_.As<SetOp>().all;
    std::vector<Row> in;
    while (batch->empty()) {
      if (child_ >= children_.size()) return false;
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[child_]->Next(&in));
      if (!more) {
        ++child_;
        continue;
      }
      for (Row& r : in) {
        if (r.size() > plan_.columns.size()) r.resize(plan_.columns.size());
        if (dedupe) {
          if (seen_.contains(r)) continue;
          RETURN_IF_ERROR(memory_.AddRow(r));
          seen_.insert(r);
        }
        batch->push_back(std::move(r));
      }
    }
    return true;
  }

 private:
  size_t child_ = 0;
  RowSet seen_;
};

// INTERSECT [ALL] and EXCEPT [ALL]: counts the right side's rows, then passes left rows
// through against those counts (ALL: as many times as the counts allow; otherwise once).
class SetOpOperator : public NaryOperator {
 public:
  using NaryOperator::NaryOperator;

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    const size_t width = plan_.columns.size();
    if (!counted_) {
      counted_ = true;
      std::vector<Row> in;
      while (true) {
        in.clear();
        ASSIGN_OR_RETURN(bool more, children_[1]->Next(&in));
        if (!more) break;
        for (Row& r : in) {
          if (r.size() > width) r.resize(width);
          auto [it, added] = right_.try_emplace(std::move(r), 0);
          if (added) RETURN_IF_ERROR(memory_.AddRow(it->first));
          ++it->second;
        }
      }
    }
    const SetOp& op = plan_.As<SetOp>();
    const bool intersect = op.kind == SetOpKind::kIntersect;
    std::vector<Row> in;
    while (batch->empty()) {
      in.clear();
      ASSIGN_OR_RETURN(bool more, children_[0]->Next(&in));
      if (!more) return false;
      for (Row& r : in) {
        if (r.size() > width) r.resize(width);
        auto it = right_.find(r);
        bool in_right = it != right_.end() && it->second > 0;
        bool keep = intersect == in_right;
        if (op.all) {
          if (in_right) --it->second;
        } else if (keep && emitted_.contains(r)) {
          keep = false;
        } else if (keep) {
          RETURN_IF_ERROR(memory_.AddRow(r));
          emitted_.insert(r);
        }
        if (keep) batch->push_back(std::move(r));
      }
    }
    return true;
  }

 private:
  bool counted_ = false;
  std::unordered_map<Row, int64_t, RowHash, RowEq> right_;
  RowSet emitted_;
};

}  // namespace

absl::StatusOr<bool> Operator::Next(std::vector<Row>* batch) {
  batch->clear();
  absl::Time start = absl::Now();
  auto more = NextImpl(batch);
  time_ += absl::Now() - start;
  if (more.ok() && *more) rows_ += static_cast<int64_t>(batch->size());
  return more;
}

absl::StatusOr<bool> BufferedOperator::NextImpl(std::vector<Row>* batch) {
  if (!filled_) {
    filled_ = true;
    RETURN_IF_ERROR(Fill(&rows_));
  }
  while (next_ < rows_.size() && batch->size() < kBatchSize) {
    batch->push_back(std::move(rows_[next_++]));
  }
  return !batch->empty();
}

absl::Status Drain(Operator& op, std::vector<Row>* out, MemoryAccount* account) {
  std::vector<Row> batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, op.Next(&batch));
    if (!more) return absl::OkStatus();
    for (Row& r : batch) {
      if (account != nullptr) RETURN_IF_ERROR(account->AddRow(r));
      out->push_back(std::move(r));
    }
  }
}

absl::StatusOr<std::unique_ptr<Operator>> BuildOperator(const PhysicalNode& plan,
                                                        ExecContext& ctx) {
  using K = PhysicalNode::Kind;
  std::vector<std::unique_ptr<Operator>> kids;
  for (const auto& child : plan.children) {
    ASSIGN_OR_RETURN(auto op, BuildOperator(*child, ctx));
    kids.push_back(std::move(op));
  }
  switch (plan.kind()) {
    case K::kTableScan:
      return NewScanOperator(plan, ctx);
    case K::kValues:
      return std::unique_ptr<Operator>(new ValuesOperator(plan, ctx));
    case K::kSeries:
      return std::unique_ptr<Operator>(new SeriesOperator(plan, ctx));
    case K::kFilter:
      return std::unique_ptr<Operator>(new FilterOperator(plan, ctx, std::move(kids[0])));
    case K::kProject:
      return std::unique_ptr<Operator>(new ProjectOperator(plan, ctx, std::move(kids[0])));
    case K::kNestedLoopJoin:
    case K::kHashJoin:
      return std::unique_ptr<Operator>(
          new JoinOperator(plan, ctx, std::move(kids[0]), std::move(kids[1])));
    case K::kIndexLookupJoin:
      return NewIndexJoinOperator(plan, ctx, std::move(kids[0]));
    case K::kAggregate:
      return std::unique_ptr<Operator>(new AggregateOperator(plan, ctx, std::move(kids[0])));
    case K::kSort:
      return std::unique_ptr<Operator>(new SortOperator(plan, ctx, std::move(kids[0])));
    case K::kLimit:
      return std::unique_ptr<Operator>(new LimitOperator(plan, ctx, std::move(kids[0])));
    case K::kSetOp:
      if (plan.As<SetOp>().kind != SetOpKind::kUnion) {
        return std::unique_ptr<Operator>(new SetOpOperator(plan, ctx, std::move(kids)));
      }
      return std::unique_ptr<Operator>(new DistinctOperator(plan, ctx, std::move(kids)));
    case K::kDistinct:
      return std::unique_ptr<Operator>(new DistinctOperator(plan, ctx, std::move(kids)));
    case K::kInsert:
    case K::kUpdate:
    case K::kDelete:
      return NewDmlOperator(plan, ctx, std::move(kids[0]));
  }
  return absl::InternalError("unknown plan node");
}

std::unique_ptr<Operator> NewIndexJoinOperator(const PhysicalNode& plan, ExecContext& ctx,
                                               std::unique_ptr<Operator> left) {
  return std::make_unique<IndexJoinOperator>(plan, ctx, std::move(left));
}

}  // namespace meridian::sql
