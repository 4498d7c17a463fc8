// Transactions: the five TPC-C transactions as clause 2 specifies them (2.4.2 New-Order,
// 2.5.2 Payment, 2.6.2 Order-Status, 2.7.4 Delivery, 2.8.2 Stock-Level), each one SQL
// transaction on one connection, its statements written once with $n parameters.
//
// Isolation: Meridian runs every transaction serializable (its only level); read-only ones
// (Order-Status, Stock-Level) run as lock-free snapshots (BEGIN READ ONLY). On PostgreSQL
// every transaction runs at REPEATABLE READ, snapshot isolation: TPC-C executes
// serializably under snapshot isolation (Fekete et al., "Making Snapshot Isolation
// Serializable", TODS 2005, show its conflict graph has no dangerous structure), so that
// is the level its correctness needs, and PostgreSQL's SERIALIZABLE would only add
// predicate-lock overhead and false aborts. Concurrent updates of a row fail with 40001,
// which the driver retries.
//
// What each function does is what the clause lists, with these choices:
//   - New-Order reads all its items in one statement and locks and updates the stock rows
//     of each supply warehouse in one statement each (CASE over the item numbers); a
//     missing item (the 1% with an unused item number) rolls the whole transaction back
//     after the district, order and new-order rows were written, as the clause has it.
//   - Payment's BC-credit rule (C_DATA gets the payment prepended, cut at 500 characters)
//     is a CASE in the customer's UPDATE, so the customer takes one statement.
//   - Delivery delivers the ten districts of the warehouse in one transaction (clause 2.7.4
//     allows one per district or one for all); a district without new orders is skipped
//     and counted (clause 2.7.4.2).
// What only a terminal's screen would show (New-Order's total and brand/generic flags,
// the address fields) is read as the clause says but not computed further: no screen
// shows it.
// On an error the function returns it with the transaction still open; the caller rolls
// back (and retries 40001/40P01).
//
// Thread-safety: a Transactions object is used by one thread at a time.
#ifndef MERIDIAN_WORKLOAD_TPCC_TRANSACTIONS_H_
#define MERIDIAN_WORKLOAD_TPCC_TRANSACTIONS_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "workload/tpcc/inputs.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {

struct TxnResult {
  bool rolled_back = false;   // New-Order: the unused item was found, and it rolled back
  int skipped_districts = 0;  // Delivery: districts without a new order
  int64_t value = 0;          // Stock-Level: the low-stock count; New-Order: the order id
};

// "12.34" -> 1234, "-10.00" -> -1000, "5" -> 500. InvalidArgument if not a decimal.
absl::StatusOr<int64_t> ParseCents(std::string_view text);

class Transactions {
 public:
  // `isolation`: the read-write transactions' level ("repeatable read" or "serializable").
  Transactions(SqlRunner* db, std::string isolation) : db_(db), isolation_(std::move(isolation)) {}

  // `now` is the entry or delivery time, "YYYY-MM-DD HH:MM:SS.ffffff".
  absl::StatusOr<TxnResult> NewOrder(const NewOrderInput& in, const std::string& now);
  absl::StatusOr<TxnResult> Payment(const PaymentInput& in, const std::string& now);
  absl::StatusOr<TxnResult> OrderStatus(const OrderStatusInput& in);
  absl::StatusOr<TxnResult> Delivery(const DeliveryInput& in, const std::string& now);
  absl::StatusOr<TxnResult> StockLevel(const StockLevelInput& in);

 private:
  absl::Status Begin(bool read_only);
  // The customer at the middle of those named `last` in (w, d), ordered by first name
  // (clause 2.5.2.2: position ceil(n / 2)). NotFound when nobody has the name.
  absl::StatusOr<int> CustomerByName(int w, int d, const std::string& last);

  SqlRunner* db_;
  const std::string isolation_;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_TRANSACTIONS_H_
