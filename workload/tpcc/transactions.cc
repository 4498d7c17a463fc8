#include "workload/tpcc/transactions.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "workload/tpcc/population.h"
#include "workload/tpcc/random.h"

namespace meridian::workload::tpcc {
namespace {

using sql::client::PgResult;

std::string Str(int64_t v) { return absl::StrCat(v); }

// "$first, $first+1, ..., $(first+n-1)".
std::string Placeholders(int first, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) absl::StrAppend(&s, i == 0 ? "" : ", ", "$", first + i);
  return s;
}

absl::Status Corrupt(const std::string& what) {
  return absl::DataLossError(absl::StrCat("the database breaks TPC-C's invariants: ", what));
}

const std::string& Text(const PgResult& r, size_t row, size_t col) {
  static const std::string kEmpty;
  const auto& v = r.rows[row][col];
  return v.has_value() ? *v : kEmpty;
}

absl::StatusOr<int64_t> Int(const PgResult& r, size_t row, size_t col) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Text(r, row, col), &v)) {
    return absl::InternalError(absl::StrCat("expected an integer, got '", Text(r, row, col), "'"));
  }
  return v;
}

}  // namespace

absl::StatusOr<int64_t> ParseCents(std::string_view view) {
  const std::string text(view);
  auto bad = [&text] {
    return absl::InvalidArgumentError(absl::StrCat("not a decimal: '", text, "'"));
  };
  std::string t = text;
  bool negative = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    negative = t[0] == '-';
    t.erase(0, 1);
  }
  const size_t dot = t.find('.');
  const std::string whole = t.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : t.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad();
  for (char c : whole + frac) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return bad();
  }
  int64_t w = 0;
  if (!whole.empty() && !absl::SimpleAtoi(whole, &w)) return bad();
  int64_t cents = w * 100;
  if (frac.size() >= 1) cents += (frac[0] - '0') * 10;
  if (frac.size() >= 2) cents += frac[1] - '0';
  for (size_t i = 2; i < frac.size(); ++i) {
    if (frac[i] != '0') {
      return absl::InvalidArgumentError(absl::StrCat("more than two decimals: '", text, "'"));
    }
  }
  return negative ? -cents : cents;
}

absl::Status Transactions::Begin(bool read_only) {
  // The same statement on every system. A read-only transaction is one snapshot on
  // Meridian at any level.
  return db_->Simple(
      absl::StrCat("BEGIN ISOLATION LEVEL ", isolation_, read_only ? " READ ONLY" : ""));
}

absl::StatusOr<int> Transactions::CustomerByName(int w, int d, const std::string& last) {
  ASSIGN_OR_RETURN(PgResult r, db_->Run("SELECT c_id FROM customer WHERE c_w_id = $1 AND "
                                        "c_d_id = $2 AND c_last = $3 ORDER BY c_first",
                                        {Str(w), Str(d), last}));
  if (r.rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no customer named ", last, " in district ", d, " of warehouse ", w));
  }
  ASSIGN_OR_RETURN(int64_t id, Int(r, (r.rows.size() + 1) / 2 - 1, 0));
  return static_cast<int>(id);
}

// ---------------------------------------------------------------------------------------
// New-Order (clause 2.4.2)

absl::StatusOr<TxnResult> Transactions::NewOrder(const NewOrderInput& in, const std::string& now) {
  RETURN_IF_ERROR(Begin(false));
  const std::string w = Str(in.w), d = Str(in.d), c = Str(in.c);
  ASSIGN_OR_RETURN(PgResult wh, db_->Run("SELECT w_tax FROM warehouse WHERE w_id = $1", {w}));
  if (wh.rows.empty()) return Corrupt(absl::StrCat("no warehouse ", in.w));
  ASSIGN_OR_RETURN(PgResult dist,
                   db_->Run("UPDATE district SET d_next_o_id = d_next_o_id + 1 WHERE d_w_id = $1 "
                            "AND d_id = $2 RETURNING d_tax, d_next_o_id",
                            {w, d}));
  if (dist.rows.empty()) return Corrupt(absl::StrCat("no district ", in.d));
  ASSIGN_OR_RETURN(int64_t next_o_id, Int(dist, 0, 1));
  const int64_t o_id = next_o_id - 1;
  ASSIGN_OR_RETURN(PgResult cust,
                   db_->Run("SELECT c_discount, c_last, c_credit FROM customer WHERE c_w_id = $1 "
                            "AND c_d_id = $2 AND c_id = $3",
                            {w, d, c}));
  if (cust.rows.empty()) return Corrupt(absl::StrCat("no customer ", in.c));
  const int ol_cnt = static_cast<int>(in.lines.size());
  RETURN_IF_ERROR(db_->Run("INSERT INTO orders (o_id, o_d_id, o_w_id, o_c_id, o_entry_d, "
                           "o_carrier_id, o_ol_cnt, o_all_local) VALUES ($1, $2, $3, $4, $5, "
                           "NULL, $6, $7)",
                           {Str(o_id), d, w, c, now, Str(ol_cnt), in.all_local ? "1" : "0"})
                      .status());
  RETURN_IF_ERROR(db_->Run("INSERT INTO new_order (no_o_id, no_d_id, no_w_id) VALUES ($1, $2, $3)",
                           {Str(o_id), d, w})
                      .status());

  // The items, all in one statement. An unused item number rolls the transaction back.
  std::set<int> item_ids;
  for (const auto& line : in.lines) item_ids.insert(line.i_id);
  Params item_params;
  for (int id : item_ids) item_params.push_back(Str(id));
  ASSIGN_OR_RETURN(PgResult items,
                   db_->Run(absl::StrCat("SELECT i_id, i_price, i_name, i_data FROM item WHERE "
                                         "i_id IN (",
                                         Placeholders(1, static_cast<int>(item_ids.size())), ")"),
                            item_params));
  struct Item {
    int64_t price_cents;
    std::string data;
  };
  std::map<int, Item> item;
  for (size_t i = 0; i < items.rows.size(); ++i) {
    ASSIGN_OR_RETURN(int64_t id, Int(items, i, 0));
    ASSIGN_OR_RETURN(int64_t price, ParseCents(Text(items, i, 1)));
    item[static_cast<int>(id)] = Item{price, Text(items, i, 3)};
  }
  if (item.size() != item_ids.size()) {
    // "Item number is not valid": the whole transaction rolls back (clause 2.4.2.3).
    RETURN_IF_ERROR(db_->Simple("ROLLBACK"));
    return TxnResult{.rolled_back = true, .value = o_id};
  }

  // The stock of each supply warehouse: locked and read in one statement, updated in one.
  std::map<int, std::vector<int>> by_supplier;  // supply warehouse -> line indexes
  for (int i = 0; i < ol_cnt; ++i)
    by_supplier[in.lines[static_cast<size_t>(i)].supply_w].push_back(i);
  const std::string dist_column = absl::StrFormat("s_dist_%02d", in.d);
  std::vector<std::string> dist_info(static_cast<size_t>(ol_cnt));
  std::vector<int64_t> amount(static_cast<size_t>(ol_cnt));
  for (const auto& [sw, lines] : by_supplier) {
    std::set<int> ids;
    for (int i : lines) ids.insert(in.lines[static_cast<size_t>(i)].i_id);
    Params p{Str(sw)};
    for (int id : ids) p.push_back(Str(id));
    ASSIGN_OR_RETURN(
        PgResult stock,
        db_->Run(absl::StrCat("SELECT s_i_id, s_quantity, s_ytd, s_order_cnt, s_remote_cnt, "
                              "s_data, ",
                              dist_column, " FROM stock WHERE s_w_id = $1 AND s_i_id IN (",
                              Placeholders(2, static_cast<int>(ids.size())), ") FOR UPDATE"),
                 p));
    struct Stock {
      int64_t quantity, ytd, order_cnt, remote_cnt;
      std::string data, dist;
    };
    std::map<int, Stock> s;
    for (size_t i = 0; i < stock.rows.size(); ++i) {
      Stock st;
      ASSIGN_OR_RETURN(int64_t id, Int(stock, i, 0));
      ASSIGN_OR_RETURN(st.quantity, Int(stock, i, 1));
      ASSIGN_OR_RETURN(st.ytd, Int(stock, i, 2));
      ASSIGN_OR_RETURN(st.order_cnt, Int(stock, i, 3));
      ASSIGN_OR_RETURN(st.remote_cnt, Int(stock, i, 4));
      st.data = Text(stock, i, 5);
      st.dist = Text(stock, i, 6);
      s[static_cast<int>(id)] = std::move(st);
    }
    if (s.size() != ids.size()) {
      return Corrupt(absl::StrCat("items without stock in warehouse ", sw));
    }
    // The lines in order: an item ordered twice is decremented twice (clause 2.4.2.2).
    for (int i : lines) {
      const auto& line = in.lines[static_cast<size_t>(i)];
      Stock& st = s[line.i_id];
      st.quantity = st.quantity - line.quantity >= 10 ? st.quantity - line.quantity
                                                      : st.quantity - line.quantity + 91;
      st.ytd += line.quantity;
      st.order_cnt += 1;
      st.remote_cnt += sw != in.w ? 1 : 0;
      dist_info[static_cast<size_t>(i)] = st.dist;
      amount[static_cast<size_t>(i)] = line.quantity * item[line.i_id].price_cents;
    }
    std::string q = "CASE s_i_id", ytd = q, oc = q, rc = q;
    Params up{Str(sw)};
    int n = 2;
    for (const auto& [id, st] : s) {
      absl::StrAppend(&q, " WHEN $", n, " THEN $", n + 1, "::INTEGER");
      absl::StrAppend(&ytd, " WHEN $", n, " THEN $", n + 2, "::INTEGER");
      absl::StrAppend(&oc, " WHEN $", n, " THEN $", n + 3, "::INTEGER");
      absl::StrAppend(&rc, " WHEN $", n, " THEN $", n + 4, "::INTEGER");
      up.insert(up.end(),
                {Str(id), Str(st.quantity), Str(st.ytd), Str(st.order_cnt), Str(st.remote_cnt)});
      n += 5;
    }
    std::string in_list;
    for (int k = 2; k < n; k += 5) absl::StrAppend(&in_list, k == 2 ? "" : ", ", "$", k);
    RETURN_IF_ERROR(
        db_->Run(absl::StrCat("UPDATE stock SET s_quantity = ", q, " END, s_ytd = ", ytd,
                              " END, s_order_cnt = ", oc, " END, s_remote_cnt = ", rc,
                              " END WHERE s_w_id = $1 AND s_i_id IN (", in_list, ")"),
                 up)
            .status());
  }

  // The order lines, in one statement.
  std::string values;
  Params lp;
  for (int i = 0; i < ol_cnt; ++i) {
    const auto& line = in.lines[static_cast<size_t>(i)];
    const int b = i * 9 + 1;
    absl::StrAppend(&values, i == 0 ? "" : ", ", "($", b, ", $", b + 1, ", $", b + 2, ", $", b + 3,
                    ", $", b + 4, ", $", b + 5, ", NULL, $", b + 6, ", $", b + 7, ", $", b + 8,
                    ")");
    lp.insert(lp.end(),
              {Str(o_id), d, w, Str(i + 1), Str(line.i_id), Str(line.supply_w), Str(line.quantity),
               FormatCents(amount[static_cast<size_t>(i)]), dist_info[static_cast<size_t>(i)]});
  }
  RETURN_IF_ERROR(db_->Run(absl::StrCat("INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, "
                                        "ol_number, ol_i_id, ol_supply_w_id, ol_delivery_d, "
                                        "ol_quantity, ol_amount, ol_dist_info) VALUES ",
                                        values),
                           lp)
                      .status());
  RETURN_IF_ERROR(db_->Simple("COMMIT"));
  return TxnResult{.value = o_id};
}

// ---------------------------------------------------------------------------------------
// Payment (clause 2.5.2)

absl::StatusOr<TxnResult> Transactions::Payment(const PaymentInput& in, const std::string& now) {
  RETURN_IF_ERROR(Begin(false));
  const std::string amount = FormatCents(in.amount_cents);
  ASSIGN_OR_RETURN(PgResult wh,
                   db_->Run("UPDATE warehouse SET w_ytd = w_ytd + $1 WHERE w_id = $2 RETURNING "
                            "w_name, w_street_1, w_street_2, w_city, w_state, w_zip",
                            {amount, Str(in.w)}));
  if (wh.rows.empty()) return Corrupt(absl::StrCat("no warehouse ", in.w));
  ASSIGN_OR_RETURN(PgResult dist,
                   db_->Run("UPDATE district SET d_ytd = d_ytd + $1 WHERE d_w_id = $2 AND "
                            "d_id = $3 RETURNING d_name, d_street_1, d_street_2, d_city, "
                            "d_state, d_zip",
                            {amount, Str(in.w), Str(in.d)}));
  if (dist.rows.empty()) return Corrupt(absl::StrCat("no district ", in.d));
  int c_id = 0;
  if (in.c_id.has_value()) {
    c_id = *in.c_id;
  } else {
    ASSIGN_OR_RETURN(c_id, CustomerByName(in.c_w, in.c_d, in.c_last));
  }
  // A customer with bad credit gets the payment's details prepended to C_DATA, cut at 500
  // characters.
  const std::string data =
      absl::StrFormat("%d %d %d %d %d %s | ", c_id, in.c_d, in.c_w, in.d, in.w, amount);
  ASSIGN_OR_RETURN(
      PgResult cust,
      db_->Run("UPDATE customer SET c_balance = c_balance - $1, c_ytd_payment = c_ytd_payment "
               "+ $1, c_payment_cnt = c_payment_cnt + 1, c_data = CASE WHEN c_credit = 'BC' "
               "THEN substr($2 || c_data, 1, 500) ELSE c_data END WHERE c_w_id = $3 AND "
               "c_d_id = $4 AND c_id = $5 RETURNING c_first, c_middle, c_last, c_street_1, "
               "c_street_2, c_city, c_state, c_zip, c_phone, c_since, c_credit, c_credit_lim, "
               "c_discount, c_balance",
               {amount, data, Str(in.c_w), Str(in.c_d), Str(c_id)}));
  if (cust.rows.empty()) return Corrupt(absl::StrCat("no customer ", c_id));
  // H_DATA: W_NAME and D_NAME separated by four spaces.
  const std::string h_data = absl::StrCat(Text(wh, 0, 0), "    ", Text(dist, 0, 0));
  RETURN_IF_ERROR(
      db_->Run("INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, h_d_id, h_w_id, "
               "h_date, h_amount, h_data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               {Str(c_id), Str(in.c_d), Str(in.c_w), Str(in.d), Str(in.w), now, amount, h_data})
          .status());
  RETURN_IF_ERROR(db_->Simple("COMMIT"));
  return TxnResult{};
}

// ---------------------------------------------------------------------------------------
// Order-Status (clause 2.6.2)

absl::StatusOr<TxnResult> Transactions::OrderStatus(const OrderStatusInput& in) {
  RETURN_IF_ERROR(Begin(true));
  const std::string w = Str(in.w), d = Str(in.d);
  int c_id = 0;
  if (in.c_id.has_value()) {
    c_id = *in.c_id;
    ASSIGN_OR_RETURN(PgResult cust,
                     db_->Run("SELECT c_balance, c_first, c_middle, c_last FROM customer WHERE "
                              "c_w_id = $1 AND c_d_id = $2 AND c_id = $3",
                              {w, d, Str(c_id)}));
    if (cust.rows.empty()) return Corrupt(absl::StrCat("no customer ", c_id));
  } else {
    ASSIGN_OR_RETURN(PgResult cust,
                     db_->Run("SELECT c_id, c_balance, c_first, c_middle, c_last FROM customer "
                              "WHERE c_w_id = $1 AND c_d_id = $2 AND c_last = $3 "
                              "ORDER BY c_first",
                              {w, d, in.c_last}));
    if (cust.rows.empty()) {
      return absl::NotFoundError(absl::StrCat("no customer named ", in.c_last));
    }
    ASSIGN_OR_RETURN(int64_t id, Int(cust, (cust.rows.size() + 1) / 2 - 1, 0));
    c_id = static_cast<int>(id);
  }
  ASSIGN_OR_RETURN(PgResult order,
                   db_->Run("SELECT o_id, o_entry_d, o_carrier_id FROM orders WHERE o_w_id = $1 "
                            "AND o_d_id = $2 AND o_c_id = $3 ORDER BY o_id DESC LIMIT 1",
                            {w, d, Str(c_id)}));
  if (!order.rows.empty()) {
    RETURN_IF_ERROR(db_->Run("SELECT ol_i_id, ol_supply_w_id, ol_quantity, ol_amount, "
                             "ol_delivery_d FROM order_line WHERE ol_w_id = $1 AND ol_d_id = $2 "
                             "AND ol_o_id = $3",
                             {w, d, Text(order, 0, 0)})
                        .status());
  }
  RETURN_IF_ERROR(db_->Simple("COMMIT"));
  return TxnResult{};
}

// ---------------------------------------------------------------------------------------
// Delivery (clause 2.7.4)

absl::StatusOr<TxnResult> Transactions::Delivery(const DeliveryInput& in, const std::string& now) {
  RETURN_IF_ERROR(Begin(false));
  const std::string w = Str(in.w);
  TxnResult result;
  for (int d = 1; d <= Scale::kDistrictsPerWarehouse; ++d) {
    const std::string ds = Str(d);
    ASSIGN_OR_RETURN(PgResult no,
                     db_->Run("SELECT no_o_id FROM new_order WHERE no_w_id = $1 AND no_d_id = $2 "
                              "ORDER BY no_o_id LIMIT 1 FOR UPDATE",
                              {w, ds}));
    if (no.rows.empty()) {
      ++result.skipped_districts;
      continue;
    }
    const std::string o_id = Text(no, 0, 0);
    RETURN_IF_ERROR(db_->Run("DELETE FROM new_order WHERE no_w_id = $1 AND no_d_id = $2 AND "
                             "no_o_id = $3",
                             {w, ds, o_id})
                        .status());
    ASSIGN_OR_RETURN(PgResult order,
                     db_->Run("UPDATE orders SET o_carrier_id = $1 WHERE o_w_id = $2 AND "
                              "o_d_id = $3 AND o_id = $4 RETURNING o_c_id",
                              {Str(in.carrier), w, ds, o_id}));
    if (order.rows.empty()) return Corrupt(absl::StrCat("new order ", o_id, " has no order"));
    ASSIGN_OR_RETURN(PgResult lines,
                     db_->Run("UPDATE order_line SET ol_delivery_d = $1 WHERE ol_w_id = $2 AND "
                              "ol_d_id = $3 AND ol_o_id = $4 RETURNING ol_amount",
                              {now, w, ds, o_id}));
    int64_t total = 0;
    for (size_t i = 0; i < lines.rows.size(); ++i) {
      ASSIGN_OR_RETURN(int64_t cents, ParseCents(Text(lines, i, 0)));
      total += cents;
    }
    RETURN_IF_ERROR(db_->Run("UPDATE customer SET c_balance = c_balance + $1, c_delivery_cnt = "
                             "c_delivery_cnt + 1 WHERE c_w_id = $2 AND c_d_id = $3 AND "
                             "c_id = $4",
                             {FormatCents(total), w, ds, Text(order, 0, 0)})
                        .status());
  }
  RETURN_IF_ERROR(db_->Simple("COMMIT"));
  return result;
}

// ---------------------------------------------------------------------------------------
// Stock-Level (clause 2.8.2)

absl::StatusOr<TxnResult> Transactions::StockLevel(const StockLevelInput& in) {
  RETURN_IF_ERROR(Begin(true));
  const std::string w = Str(in.w), d = Str(in.d);
  ASSIGN_OR_RETURN(PgResult dist, db_->Run("SELECT d_next_o_id FROM district WHERE d_w_id = $1 "
                                           "AND d_id = $2",
                                           {w, d}));
  if (dist.rows.empty()) return Corrupt(absl::StrCat("no district ", in.d));
  ASSIGN_OR_RETURN(int64_t next, Int(dist, 0, 0));
  // The distinct items of the district's last 20 orders whose stock is below the threshold.
  ASSIGN_OR_RETURN(PgResult low,
                   db_->Run("SELECT count(DISTINCT s_i_id) FROM order_line JOIN stock ON "
                            "s_w_id = ol_w_id AND s_i_id = ol_i_id WHERE ol_w_id = $1 AND "
                            "ol_d_id = $2 AND ol_o_id < $3 AND ol_o_id >= $4 AND "
                            "s_quantity < $5",
                            {w, d, Str(next), Str(next - 20), Str(in.threshold)}));
  RETURN_IF_ERROR(db_->Simple("COMMIT"));
  TxnResult result;
  if (!low.rows.empty()) {
    ASSIGN_OR_RETURN(result.value, Int(low, 0, 0));
  }
  return result;
}

}  // namespace meridian::workload::tpcc
