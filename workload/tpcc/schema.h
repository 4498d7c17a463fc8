// The TPC-C schema (clause 1.3): the nine tables with the specification's columns, in its
// order, and primary keys, plus the two secondary indexes the transactions need (customers
// by last name for Payment and Order-Status, orders by customer for Order-Status), and the
// tool's own table tpcc_meta, which records how the database was loaded (its scale and
// the NURand load constants, which `run` needs for the C-delta rule and `check` for the
// scale). The ORDER table is named `orders` and NEW-ORDER and ORDER-LINE `new_order` and
// `order_line`, since ORDER is an SQL keyword and '-' not a name character.
//
// Types: identifiers and counts are INTEGER (the spec asks for room for the values, which
// INTEGER has), money and rates NUMERIC with the spec's precision, dates TIMESTAMP, texts
// VARCHAR(n) or CHAR(n) as the spec's "variable text" or "fixed text".
//
// Thread-safety: constants and pure functions.
#ifndef MERIDIAN_WORKLOAD_TPCC_SCHEMA_H_
#define MERIDIAN_WORKLOAD_TPCC_SCHEMA_H_

#include <array>
#include <string>
#include <vector>

namespace meridian::workload::tpcc {

enum class Table {
  kWarehouse = 0,
  kDistrict,
  kCustomer,
  kHistory,
  kNewOrder,
  kOrders,
  kOrderLine,
  kItem,
  kStock,
};
inline constexpr int kTables = 9;
inline constexpr std::array<Table, kTables> kAllTables = {
    Table::kItem,    Table::kWarehouse, Table::kDistrict, Table::kStock,    Table::kCustomer,
    Table::kHistory, Table::kOrders,    Table::kNewOrder, Table::kOrderLine};

// The table's SQL name ("order_line").
const char* TableName(Table table);
// Its number of columns (rows handed to the loader have exactly this many fields).
int ColumnCount(Table table);

// The tool's metadata table: key/value text pairs (see TpccMeta).
inline constexpr char kMetaTable[] = "tpcc_meta";

// CREATE TABLE and CREATE INDEX statements, tables first.
std::vector<std::string> CreateStatements();
// DROP TABLE IF EXISTS for every table, the metadata table included.
std::vector<std::string> DropStatements();

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_SCHEMA_H_
