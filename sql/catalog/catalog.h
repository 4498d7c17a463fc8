// The SQL catalog: table descriptors stored in the key-value store itself and read through
// the statement's transaction, so a DDL statement becomes visible atomically with its
// transaction's commit, and a reader sees the schema of its own snapshot.
//
// Keys (all encoded with the tuple codec, storage/codec/key_codec.h):
//   (1, 1, name)                  -> proto::TableDescriptor    the namespace: one per table
//   (1, 2)                        -> next table id (decimal text)
//   (table_id, index_id, ...)     -> table data; table ids start at kFirstTableId
// Primary index (id 1) entries: (table_id, 1, pk columns...) -> EncodeRow(other columns).
// Secondary index entries:
//   non-unique, or unique with a NULL in the key: (table_id, index_id, cols..., pk...) -> ""
//   unique:                                        (table_id, index_id, cols...) -> pk tuple
// A read-write transaction reads a descriptor with a shared lock, so a concurrent DDL on
// the same table (an exclusive write of the descriptor) and DML on it serialize. SQL
// statements look tables up through descriptor leases (descriptor_leases.h) instead, and
// read here only when no lease can serve them.
//
// Thread-safety: stateless; the Txn passed in is used by one thread at a time.
#ifndef MERIDIAN_SQL_CATALOG_CATALOG_H_
#define MERIDIAN_SQL_CATALOG_CATALOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/sql.pb.h"
#include "sql/types/value.h"
#include "storage/codec/key_codec.h"
#include "txn/txn_client.h"

namespace meridian::sql {

inline constexpr uint64_t kSystemTableId = 1;
inline constexpr uint64_t kFirstTableId = 100;
inline constexpr uint32_t kPrimaryIndexId = 1;

// A table descriptor with lookup helpers. Immutable once built.
class TableInfo {
 public:
  explicit TableInfo(proto::TableDescriptor desc);

  const proto::TableDescriptor& desc() const { return desc_; }
  uint64_t id() const { return desc_.id(); }
  const std::string& name() const { return desc_.name(); }
  int num_columns() const { return desc_.columns_size(); }
  const proto::ColumnDescriptor& column(int i) const { return desc_.columns(i); }
  SqlType column_type(int i) const;
  // The position of the column named `name` (or with id `id`), -1 if none.
  int ColumnIndex(std::string_view name) const;
  int ColumnIndexById(uint32_t id) const;
  // Positions of the primary key columns, in key order.
  const std::vector<int>& pk_columns() const { return pk_columns_; }
  // Positions of the columns stored in the primary index's value (all but the key).
  const std::vector<int>& value_columns() const { return value_columns_; }
  // Positions of the columns of secondary index `i` (desc().indexes(i)).
  std::vector<int> IndexColumns(const proto::IndexDescriptor& index) const;
  // The index (primary or secondary) named `name`, or null.
  const proto::IndexDescriptor* FindIndex(std::string_view name) const;

  // Key of the row with these values (all columns, in table order).
  std::string PrimaryKey(const std::vector<Value>& row) const;
  std::string RowValue(const std::vector<Value>& row) const;
  // 23502 naming the first NOT NULL column that `row` (all columns) leaves NULL.
  absl::Status CheckNotNull(const std::vector<Value>& row) const;
  // The full row from a primary index entry.
  absl::StatusOr<std::vector<Value>> DecodeRow(std::string_view key, std::string_view value) const;
  // The entry of secondary index `index` for `row`: key and value.
  std::pair<std::string, std::string> IndexEntry(const proto::IndexDescriptor& index,
                                                 const std::vector<Value>& row) const;
  // The primary key stored in (or appended to) a secondary index entry.
  absl::StatusOr<std::string> PrimaryKeyFromIndexEntry(const proto::IndexDescriptor& index,
                                                       std::string_view key,
                                                       std::string_view value) const;
  // Whether the entry of a unique index for `row` is the unique form (no NULL in its columns).
  bool UniqueForm(const proto::IndexDescriptor& index, const std::vector<Value>& row) const;

  // Prefix of every key of index `index_id`, and its end (exclusive).
  std::string IndexPrefix(uint32_t index_id) const;

 private:
  proto::TableDescriptor desc_;
  std::vector<int> pk_columns_;
  std::vector<int> value_columns_;
  std::vector<uint32_t> value_ids_;
  std::vector<SqlType> value_types_;
};

using TablePtr = std::shared_ptr<const TableInfo>;

// Range split keys that put the catalog (and any key below the first table), tables
// 100..103, and tables from 104 on in separate ranges: a starting layout that spreads a
// small schema over three Paxos groups until placement splits ranges by load.
std::vector<std::string> SqlSplitKeys();

SqlType FromProtoType(const proto::SqlColumnType& t);
proto::SqlColumnType ToProtoType(const SqlType& t);
std::vector<storage::Direction> IndexDirections(const proto::IndexDescriptor& index);

class Catalog {
 public:
  // The table named `name`, or null if there is none. `for_update`: under an exclusive
  // lock (a schema change of the table).
  static absl::StatusOr<TablePtr> GetTable(txn::Txn& txn, std::string_view name,
                                           bool for_update = false);
  static absl::StatusOr<std::vector<TablePtr>> ListTables(txn::Txn& txn);
  // Writes (creates or replaces) the descriptor.
  static absl::Status PutTable(txn::Txn& txn, const proto::TableDescriptor& desc);
  static absl::Status DeleteTable(txn::Txn& txn, std::string_view name);
  // A new table id, never used before nor after, even if `txn` rolls back (it is taken in a
  // transaction of its own through `client`). Its key space becomes a private span of
  // `txn` (txn::Txn::AddPrivateSpan) until `txn` commits.
  static absl::StatusOr<uint64_t> AllocateTableId(txn::TxnClient& client, txn::Txn& txn);
  static std::string NamespaceKey(std::string_view name);
};

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_CATALOG_CATALOG_H_
