#include "workload/tpcc/schema.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace meridian::workload::tpcc {
namespace {

struct TableDef {
  Table table;
  const char* name;
  int columns;
  const char* ddl;  // the column list and primary key
};

constexpr TableDef kTableDefs[kTables] = {
    {Table::kWarehouse, "warehouse", 9,
     "w_id INTEGER NOT NULL, w_name VARCHAR(10), w_street_1 VARCHAR(20), "
     "w_street_2 VARCHAR(20), w_city VARCHAR(20), w_state CHAR(2), w_zip CHAR(9), "
     "w_tax NUMERIC(4,4), w_ytd NUMERIC(12,2), PRIMARY KEY (w_id)"},
    {Table::kDistrict, "district", 11,
     "d_id INTEGER NOT NULL, d_w_id INTEGER NOT NULL, d_name VARCHAR(10), "
     "d_street_1 VARCHAR(20), d_street_2 VARCHAR(20), d_city VARCHAR(20), d_state CHAR(2), "
     "d_zip CHAR(9), d_tax NUMERIC(4,4), d_ytd NUMERIC(12,2), d_next_o_id INTEGER, "
     "PRIMARY KEY (d_w_id, d_id)"},
    {Table::kCustomer, "customer", 21,
     "c_id INTEGER NOT NULL, c_d_id INTEGER NOT NULL, c_w_id INTEGER NOT NULL, "
     "c_first VARCHAR(16), c_middle CHAR(2), c_last VARCHAR(16), c_street_1 VARCHAR(20), "
     "c_street_2 VARCHAR(20), c_city VARCHAR(20), c_state CHAR(2), c_zip CHAR(9), "
     "c_phone CHAR(16), c_since TIMESTAMP, c_credit CHAR(2), c_credit_lim NUMERIC(12,2), "
     "c_discount NUMERIC(4,4), c_balance NUMERIC(12,2), c_ytd_payment NUMERIC(12,2), "
     "c_payment_cnt INTEGER, c_delivery_cnt INTEGER, c_data VARCHAR(500), "
     "PRIMARY KEY (c_w_id, c_d_id, c_id)"},
    // The spec gives HISTORY no primary key (its rows need not be unique).
    {Table::kHistory, "history", 8,
     "h_c_id INTEGER, h_c_d_id INTEGER, h_c_w_id INTEGER, h_d_id INTEGER, h_w_id INTEGER, "
     "h_date TIMESTAMP, h_amount NUMERIC(6,2), h_data VARCHAR(24)"},
    {Table::kNewOrder, "new_order", 3,
     "no_o_id INTEGER NOT NULL, no_d_id INTEGER NOT NULL, no_w_id INTEGER NOT NULL, "
     "PRIMARY KEY (no_w_id, no_d_id, no_o_id)"},
    {Table::kOrders, "orders", 8,
     "o_id INTEGER NOT NULL, o_d_id INTEGER NOT NULL, o_w_id INTEGER NOT NULL, o_c_id INTEGER, "
     "o_entry_d TIMESTAMP, o_carrier_id INTEGER, o_ol_cnt INTEGER, o_all_local INTEGER, "
     "PRIMARY KEY (o_w_id, o_d_id, o_id)"},
    {Table::kOrderLine, "order_line", 10,
     "ol_o_id INTEGER NOT NULL, ol_d_id INTEGER NOT NULL, ol_w_id INTEGER NOT NULL, "
     "ol_number INTEGER NOT NULL, ol_i_id INTEGER, ol_supply_w_id INTEGER, "
     "ol_delivery_d TIMESTAMP, ol_quantity INTEGER, ol_amount NUMERIC(6,2), "
     "ol_dist_info CHAR(24), PRIMARY KEY (ol_w_id, ol_d_id, ol_o_id, ol_number)"},
    {Table::kItem, "item", 5,
     "i_id INTEGER NOT NULL, i_im_id INTEGER, i_name VARCHAR(24), i_price NUMERIC(5,2), "
     "i_data VARCHAR(50), PRIMARY KEY (i_id)"},
    {Table::kStock, "stock", 17,
     "s_i_id INTEGER NOT NULL, s_w_id INTEGER NOT NULL, s_quantity INTEGER, "
     "s_dist_01 CHAR(24), s_dist_02 CHAR(24), s_dist_03 CHAR(24), s_dist_04 CHAR(24), "
     "s_dist_05 CHAR(24), s_dist_06 CHAR(24), s_dist_07 CHAR(24), s_dist_08 CHAR(24), "
     "s_dist_09 CHAR(24), s_dist_10 CHAR(24), s_ytd INTEGER, s_order_cnt INTEGER, "
     "s_remote_cnt INTEGER, s_data VARCHAR(50), PRIMARY KEY (s_w_id, s_i_id)"},
};

const TableDef& Def(Table table) {
  const TableDef& def = kTableDefs[static_cast<int>(table)];
  CHECK(def.table == table);
  return def;
}

}  // namespace

const char* TableName(Table table) { return Def(table).name; }
int ColumnCount(Table table) { return Def(table).columns; }

std::vector<std::string> CreateStatements() {
  std::vector<std::string> out;
  for (Table t : kAllTables) {
    out.push_back(absl::StrCat("CREATE TABLE ", TableName(t), " (", Def(t).ddl, ")"));
  }
  out.push_back(absl::StrCat("CREATE TABLE ", kMetaTable,
                             " (key VARCHAR(32) NOT NULL PRIMARY KEY, value VARCHAR(64))"));
  // Payment and Order-Status find customers by last name, ordered by first name.
  out.push_back("CREATE INDEX customer_by_name ON customer (c_w_id, c_d_id, c_last, c_first)");
  // Order-Status finds a customer's most recent order.
  out.push_back("CREATE INDEX orders_by_customer ON orders (o_w_id, o_d_id, o_c_id, o_id)");
  return out;
}

std::vector<std::string> DropStatements() {
  std::vector<std::string> out;
  for (Table t : kAllTables) out.push_back(absl::StrCat("DROP TABLE IF EXISTS ", TableName(t)));
  out.push_back(absl::StrCat("DROP TABLE IF EXISTS ", kMetaTable));
  return out;
}

}  // namespace meridian::workload::tpcc
