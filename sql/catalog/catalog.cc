#include "sql/catalog/catalog.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/types/row_codec.h"

namespace meridian::sql {
namespace {

using storage::KeyValue;

std::string IndexKeyPrefix(uint64_t table, uint32_t index) {
  return storage::EncodeTuple({KeyValue::Uint64(table), KeyValue::Uint64(index)});
}

void AppendColumns(const TableInfo& t, const std::vector<int>& cols,
                   const std::vector<storage::Direction>& dirs, const std::vector<Value>& row,
                   std::string* out) {
  for (size_t i = 0; i < cols.size(); ++i) {
    storage::EncodeKeyValue(ToKeyValue(row[cols[i]], t.column_type(cols[i])),
                            i < dirs.size() ? dirs[i] : storage::Direction::kAscending, out);
  }
}

}  // namespace

std::vector<std::string> SqlSplitKeys() {
  return {storage::EncodeTuple({KeyValue::Uint64(kFirstTableId)}),
          storage::EncodeTuple({KeyValue::Uint64(kFirstTableId + 4)})};
}

SqlType FromProtoType(const proto::SqlColumnType& t) {
  return SqlType{static_cast<TypeId>(t.id()), t.precision(), t.scale()};
}

proto::SqlColumnType ToProtoType(const SqlType& t) {
  proto::SqlColumnType p;
  p.set_id(static_cast<uint32_t>(t.id));
  p.set_precision(t.precision);
  p.set_scale(t.scale);
  return p;
}

std::vector<storage::Direction> IndexDirections(const proto::IndexDescriptor& index) {
  std::vector<storage::Direction> dirs;
  for (int i = 0; i < index.column_ids_size(); ++i) {
    dirs.push_back(i < index.descending_size() && index.descending(i)
                       ? storage::Direction::kDescending
                       : storage::Direction::kAscending);
  }
  return dirs;
}

TableInfo::TableInfo(proto::TableDescriptor desc) : desc_(std::move(desc)) {
  for (uint32_t id : desc_.primary().column_ids()) pk_columns_.push_back(ColumnIndexById(id));
  for (int i = 0; i < desc_.columns_size(); ++i) {
    bool in_key = false;
    for (int k : pk_columns_) in_key |= (k == i);
    if (in_key) continue;
    value_columns_.push_back(i);
    value_ids_.push_back(desc_.columns(i).id());
    value_types_.push_back(column_type(i));
  }
}

SqlType TableInfo::column_type(int i) const { return FromProtoType(desc_.columns(i).type()); }

int TableInfo::ColumnIndex(std::string_view name) const {
  for (int i = 0; i < desc_.columns_size(); ++i) {
    if (desc_.columns(i).name() == name) return i;
  }
  return -1;
}

int TableInfo::ColumnIndexById(uint32_t id) const {
  for (int i = 0; i < desc_.columns_size(); ++i) {
    if (desc_.columns(i).id() == id) return i;
  }
  return -1;
}

std::vector<int> TableInfo::IndexColumns(const proto::IndexDescriptor& index) const {
  std::vector<int> cols;
  for (uint32_t id : index.column_ids()) cols.push_back(ColumnIndexById(id));
  return cols;
}

const proto::IndexDescriptor* TableInfo::FindIndex(std::string_view name) const {
  if (desc_.primary().name() == name) return &desc_.primary();
  for (const auto& index : desc_.indexes()) {
    if (index.name() == name) return &index;
  }
  return nullptr;
}

std::string TableInfo::IndexPrefix(uint32_t index_id) const {
  return IndexKeyPrefix(desc_.id(), index_id);
}

std::string TableInfo::PrimaryKey(const std::vector<Value>& row) const {
  std::string key = IndexPrefix(kPrimaryIndexId);
  AppendColumns(*this, pk_columns_, IndexDirections(desc_.primary()), row, &key);
  return key;
}

absl::Status TableInfo::CheckNotNull(const std::vector<Value>& row) const {
  for (int i = 0; i < num_columns(); ++i) {
    if (row[static_cast<size_t>(i)].is_null() && !column(i).nullable()) {
      return SqlError(absl::StatusCode::kInvalidArgument, "23502",
                      absl::StrCat("null value in column \"", column(i).name(), "\" of relation \"",
                                   name(), "\" violates not-null constraint"));
    }
  }
  return absl::OkStatus();
}

std::string TableInfo::RowValue(const std::vector<Value>& row) const {
  std::vector<Value> values;
  values.reserve(value_columns_.size());
  for (int c : value_columns_) values.push_back(row[c]);
  return EncodeRow(value_ids_, values);
}

absl::StatusOr<std::vector<Value>> TableInfo::DecodeRow(std::string_view key,
                                                        std::string_view value) const {
  std::vector<Value> row(desc_.columns_size());
  std::string_view rest = key;
  // Skip the (table, index) prefix.
  for (int i = 0; i < 2; ++i) {
    ASSIGN_OR_RETURN(KeyValue ignored,
                     storage::DecodeKeyValue(&rest, storage::Direction::kAscending));
    (void)ignored;
  }
  std::vector<storage::Direction> dirs = IndexDirections(desc_.primary());
  for (size_t i = 0; i < pk_columns_.size(); ++i) {
    ASSIGN_OR_RETURN(KeyValue k, storage::DecodeKeyValue(&rest, dirs[i]));
    ASSIGN_OR_RETURN(row[pk_columns_[i]], FromKeyValue(k, column_type(pk_columns_[i])));
  }
  std::vector<Value> values;
  RETURN_IF_ERROR(sql::DecodeRow(value, value_ids_, value_types_, &values));
  for (size_t i = 0; i < value_columns_.size(); ++i) row[value_columns_[i]] = std::move(values[i]);
  return row;
}

bool TableInfo::UniqueForm(const proto::IndexDescriptor& index,
                           const std::vector<Value>& row) const {
  if (!index.unique()) return false;
  for (int c : IndexColumns(index)) {
    if (row[c].is_null()) return false;
  }
  return true;
}

std::pair<std::string, std::string> TableInfo::IndexEntry(const proto::IndexDescriptor& index,
                                                          const std::vector<Value>& row) const {
  std::string key = IndexPrefix(index.id());
  AppendColumns(*this, IndexColumns(index), IndexDirections(index), row, &key);
  std::string pk;
  AppendColumns(*this, pk_columns_, IndexDirections(desc_.primary()), row, &pk);
  if (UniqueForm(index, row)) return {std::move(key), std::move(pk)};
  key += pk;
  return {std::move(key), ""};
}

absl::StatusOr<std::string> TableInfo::PrimaryKeyFromIndexEntry(const proto::IndexDescriptor& index,
                                                                std::string_view key,
                                                                std::string_view value) const {
  std::string_view rest = key;
  for (int i = 0; i < 2; ++i) {
    ASSIGN_OR_RETURN(KeyValue ignored,
                     storage::DecodeKeyValue(&rest, storage::Direction::kAscending));
    (void)ignored;
  }
  std::vector<storage::Direction> dirs = IndexDirections(index);
  for (size_t i = 0; i < dirs.size(); ++i) {
    ASSIGN_OR_RETURN(KeyValue ignored, storage::DecodeKeyValue(&rest, dirs[i]));
    (void)ignored;
  }
  std::string pk = IndexPrefix(kPrimaryIndexId);
  if (!value.empty()) {
    pk.append(value);
  } else {
    pk.append(rest);
  }
  return pk;
}

std::string Catalog::NamespaceKey(std::string_view name) {
  return storage::EncodeTuple(
      {KeyValue::Uint64(kSystemTableId), KeyValue::Uint64(1), KeyValue::String(std::string(name))});
}

absl::StatusOr<TablePtr> Catalog::GetTable(txn::Txn& txn, std::string_view name, bool for_update) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(NamespaceKey(name), for_update));
  if (!raw.has_value()) return TablePtr();
  proto::TableDescriptor desc;
  if (!desc.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat("corrupt descriptor of table ", std::string(name)));
  }
  return std::make_shared<const TableInfo>(std::move(desc));
}

absl::StatusOr<std::vector<TablePtr>> Catalog::ListTables(txn::Txn& txn) {
  std::string prefix = IndexKeyPrefix(kSystemTableId, 1);
  ASSIGN_OR_RETURN(std::vector<txn::Row> rows, txn.Scan(prefix, storage::PrefixEnd(prefix)));
  std::vector<TablePtr> tables;
  for (const txn::Row& r : rows) {
    proto::TableDescriptor desc;
    if (!desc.ParseFromString(r.value)) return absl::DataLossError("corrupt table descriptor");
    tables.push_back(std::make_shared<const TableInfo>(std::move(desc)));
  }
  return tables;
}

absl::Status Catalog::PutTable(txn::Txn& txn, const proto::TableDescriptor& desc) {
  return txn.Put(NamespaceKey(desc.name()), desc.SerializeAsString());
}

absl::Status Catalog::DeleteTable(txn::Txn& txn, std::string_view name) {
  return txn.Delete(NamespaceKey(name));
}

absl::StatusOr<uint64_t> Catalog::AllocateTableId(txn::TxnClient& client, txn::Txn& txn) {
  // The counter moves in a transaction of its own, committed at once (as a PostgreSQL
  // sequence's nextval is not rolled back): an id is used up even if `txn` rolls back, so
  // no later table gets a key space that an aborted transaction already wrote into.
  const std::string key =
      storage::EncodeTuple({KeyValue::Uint64(kSystemTableId), KeyValue::Uint64(2)});
  uint64_t id = 0;
  RETURN_IF_ERROR(client
                      .Run([&](txn::Txn& t) -> absl::Status {
                        ASSIGN_OR_RETURN(std::optional<std::string> raw,
                                         t.Get(key, /*for_update=*/true));
                        id = kFirstTableId;
                        if (raw.has_value() && !absl::SimpleAtoi(*raw, &id)) {
                          return absl::DataLossError("corrupt table id counter");
                        }
                        return t.Put(key, std::to_string(id + 1));
                      })
                      .status());
  // Only `txn`'s uncommitted writes name the new id, so its key space is private until the
  // commit: bulk writes there go out early, in batches (the bulk path).
  std::string prefix = storage::EncodeTuple({KeyValue::Uint64(id)});
  std::string end = storage::PrefixEnd(prefix);
  txn.AddPrivateSpan(std::move(prefix), std::move(end));
  return id;
}

}  // namespace meridian::sql
