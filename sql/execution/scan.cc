// Table scans: full scans of the primary index, point lookups, and range scans of the
// primary or a secondary index, in batches.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/execution/operator.h"
#include "sql/expr/expr_eval.h"
#include "sql/expr/range_filter.h"
#include "sql/types/row_codec.h"
#include "sql/types/value_ops.h"

namespace meridian::sql {
namespace {

const proto::IndexDescriptor* IndexById(const TableInfo& t, uint32_t id) {
  if (id == kPrimaryIndexId) return &t.desc().primary();
  for (const auto& i : t.desc().indexes()) {
    if (i.id() == id) return &i;
  }
  return nullptr;
}

// A key span [start, end) or a single key (point).
struct Span {
  std::string start, end;
  bool point = false;
};

// Converts a bound value to the column's type for key encoding. nullopt: no row can match
// (NULL, or a value outside the column type's range).
absl::StatusOr<std::optional<Value>> KeyValueFor(const Value& v, const SqlType& from,
                                                 const SqlType& col) {
  if (v.is_null()) return std::optional<Value>();
  auto cast = CastValue(v, from.id == TypeId::kUnknown ? SqlType::Of(TypeId::kText) : from, col);
  if (!cast.ok()) {
    if (GetSqlState(cast.status()) == "22003") return std::optional<Value>();
    return cast.status();
  }
  return std::optional<Value>(*cast);
}

// Reads the rows in `spans` of index `index` into `out`: primary index entries are rows;
// secondary entries lead to their rows by primary key.
class SpanReader {
 public:
  SpanReader(const TableInfo& table, const proto::IndexDescriptor& index, ExecContext& ctx,
             bool for_update)
      : table_(table), index_(index), ctx_(ctx), for_update_(for_update) {}

  // Rows of the primary index are filtered at the ranges by this (EncodeRangeFilter).
  void SetRangeFilter(std::string filter) { filter_ = std::move(filter); }

  void SetSpans(std::vector<Span> spans) {
    spans_ = std::move(spans);
    next_span_ = 0;
    resume_.reset();
  }

  // Appends up to `max` rows (before filtering) to `out`; returns false when done.
  absl::StatusOr<bool> Read(size_t max, std::vector<Row>* out) {
    while (next_span_ < spans_.size()) {
      RETURN_IF_ERROR(ctx_.CheckCancelled());
      const Span& span = spans_[next_span_];
      if (span.point) {
        // A run of point lookups (an IN list): one request per range, not one per key.
        std::vector<std::string> keys;
        while (next_span_ < spans_.size() && spans_[next_span_].point && keys.size() < max) {
          keys.push_back(spans_[next_span_++].start);
          ctx_.Touch(keys.back());
          ++ctx_.kv_reads;
        }
        ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                         ctx_.txn->GetMany(keys, for_update_));
        const size_t before = out->size();
        std::vector<std::pair<std::string_view, std::string_view>> found;
        for (size_t i = 0; i < keys.size(); ++i) {
          if (!values[i].has_value()) continue;
          ++ctx_.rows_read;
          found.emplace_back(keys[i], *values[i]);
        }
        RETURN_IF_ERROR(EmitAll(found, out));
        if (out->size() > before) return true;
        continue;
      }
      std::string start = resume_.has_value() ? *resume_ : span.start;
      ctx_.Touch(start, span.end);
      ++ctx_.kv_reads;
      ASSIGN_OR_RETURN(std::vector<txn::Row> rows,
                       ctx_.txn->Scan(start, span.end, static_cast<int64_t>(max), filter_));
      ctx_.rows_read += static_cast<int64_t>(rows.size());
      if (for_update_ && ctx_.txn->snapshot() && index_.id() == kPrimaryIndexId && !rows.empty()) {
        // A snapshot transaction scans without locks; FOR UPDATE (and UPDATE, DELETE) lock
        // the rows found, as PostgreSQL does, and a row written since the snapshot is a
        // conflict (40001). (A secondary index leads to its rows by GetMany, which locks.)
        std::vector<std::string> keys;
        keys.reserve(rows.size());
        for (const auto& r : rows) keys.push_back(r.key);
        RETURN_IF_ERROR(ctx_.txn->GetMany(keys, /*for_update=*/true).status());
      }
      if (rows.size() < max) {
        ++next_span_;
        resume_.reset();
      } else {
        resume_ = rows.back().key + std::string(1, '\0');
      }
      std::vector<std::pair<std::string_view, std::string_view>> entries;
      entries.reserve(rows.size());
      for (const auto& r : rows) entries.emplace_back(r.key, r.value);
      RETURN_IF_ERROR(EmitAll(entries, out));
      if (!rows.empty()) return true;
    }
    return false;
  }

 private:
  // Appends the rows behind index entries: a primary index entry is a row; secondary
  // entries lead to their rows, read together (one request per range).
  absl::Status EmitAll(const std::vector<std::pair<std::string_view, std::string_view>>& entries,
                       std::vector<Row>* out) {
    if (index_.id() == kPrimaryIndexId) {
      for (const auto& [key, value] : entries) {
        ASSIGN_OR_RETURN(Row row, table_.DecodeRow(key, value));
        out->push_back(std::move(row));
      }
      return absl::OkStatus();
    }
    std::vector<std::string> pks;
    pks.reserve(entries.size());
    for (const auto& [key, value] : entries) {
      ASSIGN_OR_RETURN(std::string pk, table_.PrimaryKeyFromIndexEntry(index_, key, value));
      ctx_.Touch(pk);
      ++ctx_.kv_reads;
      pks.push_back(std::move(pk));
    }
    if (pks.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                     ctx_.txn->GetMany(pks, for_update_));
    for (size_t i = 0; i < pks.size(); ++i) {
      ++ctx_.rows_read;
      if (!values[i].has_value()) {
        return absl::DataLossError(absl::StrCat("index ", index_.name(), " of table ",
                                                table_.name(), " points at a missing row"));
      }
      ASSIGN_OR_RETURN(Row row, table_.DecodeRow(pks[i], *values[i]));
      out->push_back(std::move(row));
    }
    return absl::OkStatus();
  }

  const TableInfo& table_;
  const proto::IndexDescriptor& index_;
  ExecContext& ctx_;
  bool for_update_;
  std::string filter_;
  std::vector<Span> spans_;
  size_t next_span_ = 0;
  std::optional<std::string> resume_;
};

// The spans an index constraint selects. Rows outside the constraint may be included (the
// scan's residual filter re-checks every row); rows inside are never left out.
absl::StatusOr<std::vector<Span>> ConstraintSpans(const TableInfo& t,
                                                  const proto::IndexDescriptor& index,
                                                  const IndexConstraint& c, ExecContext& ctx) {
  std::vector<int> cols = t.IndexColumns(index);
  std::vector<storage::Direction> dirs = IndexDirections(index);
  std::string prefix = t.IndexPrefix(index.id());
  // One prefix per IN value (or just the index's), extended column by column.
  std::vector<std::string> prefixes = {prefix};
  const size_t fixed = c.fixed();
  size_t next_eq = 0;
  for (size_t col = 0; col < fixed; ++col) {
    const SqlType ct = t.column_type(cols[col]);
    if (!c.in_values.empty() && col == c.in_position) {
      std::vector<std::string> extended;
      for (const auto& e : c.in_values) {
        ASSIGN_OR_RETURN(Value v, Eval(*e, {}, ctx));
        ASSIGN_OR_RETURN(auto kv, KeyValueFor(v, e->type, ct));
        if (!kv.has_value()) continue;
        for (const auto& p : prefixes) {
          std::string q = p;
          storage::EncodeKeyValue(ToKeyValue(*kv, ct), dirs[col], &q);
          extended.push_back(std::move(q));
        }
      }
      prefixes = std::move(extended);
      continue;
    }
    const BoundExprPtr& e = c.eq[next_eq++];
    ASSIGN_OR_RETURN(Value v, Eval(*e, {}, ctx));
    ASSIGN_OR_RETURN(auto kv, KeyValueFor(v, e->type, ct));
    if (!kv.has_value()) return std::vector<Span>();
    for (auto& p : prefixes) storage::EncodeKeyValue(ToKeyValue(*kv, ct), dirs[col], &p);
  }
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  std::vector<Span> spans;
  bool unique_point =
      fixed == cols.size() && !c.lower && !c.upper && (index.id() == kPrimaryIndexId);
  for (const auto& p : prefixes) {
    if (unique_point) {
      spans.push_back(Span{p, "", true});
      continue;
    }
    Span s{p, storage::PrefixEnd(p)};
    if ((c.lower || c.upper) && fixed < cols.size()) {
      const SqlType ct = t.column_type(cols[fixed]);
      bool desc = dirs[fixed] == storage::Direction::kDescending;
      auto bound = [&](const BoundExprPtr& e, bool inclusive, bool is_lower,
                       bool* empty) -> absl::Status {
        ASSIGN_OR_RETURN(Value v, Eval(*e, {}, ctx));
        ASSIGN_OR_RETURN(auto kv, KeyValueFor(v, e->type, ct));
        if (!kv.has_value()) {
          *empty = v.is_null();  // out-of-range values leave the span open on that side
          return absl::OkStatus();
        }
        std::string k = p;
        storage::EncodeKeyValue(ToKeyValue(*kv, ct), dirs[fixed], &k);
        // In key order, an ascending lower bound (or a descending upper bound) is a start.
        bool is_start = is_lower != desc;
        if (is_start) {
          std::string start = inclusive ? k : storage::PrefixEnd(k);
          if (start > s.start) s.start = start;
        } else {
          std::string end = inclusive ? storage::PrefixEnd(k) : k;
          if (end < s.end) s.end = end;
        }
        return absl::OkStatus();
      };
      bool empty = false;
      if (c.lower) RETURN_IF_ERROR(bound(c.lower, c.lower_inclusive, true, &empty));
      if (c.upper) RETURN_IF_ERROR(bound(c.upper, c.upper_inclusive, false, &empty));
      if (empty || s.start >= s.end) continue;
    }
    spans.push_back(std::move(s));
  }
  return spans;
}

class ScanOperator : public Operator {
 public:
  ScanOperator(const PhysicalNode& plan, ExecContext& ctx)
      : Operator(plan, ctx),
        op_(plan.As<TableScanOp>()),
        index_(IndexById(*op_.table, op_.index_id())),
        reader_(*op_.table, *index_, ctx, op_.for_update) {}

 protected:
  absl::StatusOr<bool> NextImpl(std::vector<Row>* batch) override {
    if (!started_) {
      started_ = true;
      if (op_.range_filter) {
        // Sent unfiltered if it cannot be encoded now (the filter below decides anyway).
        auto f = EncodeRangeFilter(*op_.table, *op_.range_filter, ctx_);
        if (f.ok()) reader_.SetRangeFilter(std::move(*f));
      }
      if (op_.constraint.has_value()) {
        ASSIGN_OR_RETURN(std::vector<Span> spans,
                         ConstraintSpans(*op_.table, *index_, *op_.constraint, ctx_));
        reader_.SetSpans(std::move(spans));
      } else {
        std::string prefix = op_.table->IndexPrefix(kPrimaryIndexId);
        reader_.SetSpans({Span{prefix, storage::PrefixEnd(prefix)}});
      }
    }
    while (batch->empty()) {
      if (op_.limit.has_value() && produced_ >= *op_.limit) return false;
      std::vector<Row> raw;
      size_t want = kBatchSize;
      if (op_.limit.has_value() && !op_.filter) {
        want = std::min<size_t>(want, static_cast<size_t>(*op_.limit - produced_));
        want = std::max<size_t>(want, 1);
      }
      ASSIGN_OR_RETURN(bool more, reader_.Read(want, &raw));
      for (Row& r : raw) {
        if (op_.filter) {
          ASSIGN_OR_RETURN(bool keep, EvalPredicate(*op_.filter, r, ctx_));
          if (!keep) continue;
        }
        if (op_.limit.has_value() && produced_ >= *op_.limit) break;
        ++produced_;
        batch->push_back(std::move(r));
      }
      if (!more) return !batch->empty();
    }
    return true;
  }

 private:
  const TableScanOp& op_;
  const proto::IndexDescriptor* index_;
  SpanReader reader_;
  bool started_ = false;
  int64_t produced_ = 0;
};

}  // namespace

absl::StatusOr<std::optional<std::string>> PointScanKey(const TableScanOp& op, ExecContext& ctx) {
  if (!op.constraint.has_value() || op.index_id() != kPrimaryIndexId || op.limit.has_value()) {
    return std::nullopt;
  }
  const IndexConstraint& c = *op.constraint;
  const proto::IndexDescriptor& primary = *IndexById(*op.table, kPrimaryIndexId);
  if (!c.in_values.empty() || c.lower || c.upper ||
      c.eq.size() != op.table->IndexColumns(primary).size()) {
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(std::vector<Span> spans, ConstraintSpans(*op.table, primary, c, ctx));
  if (spans.size() != 1 || !spans[0].point) return std::nullopt;
  return spans[0].start;
}

std::unique_ptr<Operator> NewScanOperator(const PhysicalNode& plan, ExecContext& ctx) {
  return std::make_unique<ScanOperator>(plan, ctx);
}

absl::Status TableReader::ReadRowsByKey(const std::vector<std::optional<std::vector<Value>>>& keys,
                                        const BoundExpr* filter,
                                        std::vector<std::optional<Row>>* out) {
  out->assign(keys.size(), std::nullopt);
  const std::vector<int>& cols = table_.pk_columns();
  const std::vector<storage::Direction> dirs = IndexDirections(table_.desc().primary());
  std::vector<std::string> encoded;
  std::vector<size_t> positions;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].has_value()) continue;
    std::string key = table_.IndexPrefix(kPrimaryIndexId);
    bool null_key = false;
    for (size_t c = 0; c < cols.size(); ++c) {
      const Value& v = (*keys[i])[c];
      if (v.is_null()) null_key = true;
      if (null_key) break;
      storage::EncodeKeyValue(ToKeyValue(v, table_.column_type(cols[c])), dirs[c], &key);
    }
    if (null_key) continue;
    ctx_.Touch(key);
    ++ctx_.kv_reads;
    encoded.push_back(std::move(key));
    positions.push_back(i);
  }
  if (encoded.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                   ctx_.txn->GetMany(encoded, for_update_));
  for (size_t j = 0; j < encoded.size(); ++j) {
    if (!values[j].has_value()) continue;
    ++ctx_.rows_read;
    ASSIGN_OR_RETURN(Row row, table_.DecodeRow(encoded[j], *values[j]));
    if (filter != nullptr) {
      ASSIGN_OR_RETURN(bool keep, EvalPredicate(*filter, row, ctx_));
      if (!keep) continue;
    }
    (*out)[positions[j]] = std::move(row);
  }
  return absl::OkStatus();
}

absl::Status TableReader::ReadPrefix(uint32_t index_id, const std::vector<Value>& prefix_values,
                                     const BoundExpr* filter, int64_t limit,
                                     std::vector<Row>* out) {
  const proto::IndexDescriptor* index = IndexById(table_, index_id);
  std::vector<int> cols = table_.IndexColumns(*index);
  std::vector<storage::Direction> dirs = IndexDirections(*index);
  std::string prefix = table_.IndexPrefix(index_id);
  for (size_t i = 0; i < prefix_values.size(); ++i) {
    if (prefix_values[i].is_null()) return absl::OkStatus();
    storage::EncodeKeyValue(ToKeyValue(prefix_values[i], table_.column_type(cols[i])), dirs[i],
                            &prefix);
  }
  bool point = index_id == kPrimaryIndexId && prefix_values.size() == cols.size();
  SpanReader reader(table_, *index, ctx_, for_update_);
  reader.SetSpans({Span{prefix, point ? "" : storage::PrefixEnd(prefix), point}});
  int64_t n = 0;
  while (true) {
    std::vector<Row> raw;
    ASSIGN_OR_RETURN(bool more, reader.Read(kBatchSize, &raw));
    for (Row& r : raw) {
      if (filter != nullptr) {
        ASSIGN_OR_RETURN(bool keep, EvalPredicate(*filter, r, ctx_));
        if (!keep) continue;
      }
      out->push_back(std::move(r));
      if (limit > 0 && ++n >= limit) return absl::OkStatus();
    }
    if (!more) return absl::OkStatus();
  }
}

}  // namespace meridian::sql
