#include "workload/tpcc/consistency.h"

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "workload/tpcc/meta.h"
#include "workload/tpcc/sql_runner.h"

namespace meridian::workload::tpcc {
namespace {

using Outcome = ConditionResult::Outcome;

// One condition: the query returns the rows that break it. `per_warehouse` queries take
// the warehouse as $1 and run once per warehouse.
struct Condition {
  const char* clause;
  const char* title;
  bool expensive;
  bool per_warehouse;
  const char* sql;
};

constexpr Condition kConditions[] = {
    {"3.3.2.1", "W_YTD = sum(D_YTD)", false, false,
     "SELECT w_id, w_ytd, sum(d_ytd) AS sum_d_ytd FROM warehouse LEFT JOIN district ON "
     "d_w_id = w_id GROUP BY w_id HAVING w_ytd <> coalesce(sum(d_ytd), 0) ORDER BY w_id"},
    {"3.3.2.2", "D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)", false, false,
     "SELECT d_w_id, d_id, d_next_o_id, o.max_o_id, n.max_no_o_id FROM district "
     "LEFT JOIN (SELECT o_w_id, o_d_id, max(o_id) AS max_o_id FROM orders "
     "GROUP BY o_w_id, o_d_id) o ON o.o_w_id = d_w_id AND o.o_d_id = d_id "
     "LEFT JOIN (SELECT no_w_id, no_d_id, max(no_o_id) AS max_no_o_id FROM new_order "
     "GROUP BY no_w_id, no_d_id) n ON n.no_w_id = d_w_id AND n.no_d_id = d_id "
     "WHERE o.max_o_id IS NULL OR d_next_o_id - 1 <> o.max_o_id "
     "OR (n.max_no_o_id IS NOT NULL AND d_next_o_id - 1 <> n.max_no_o_id) "
     "ORDER BY d_w_id, d_id"},
    {"3.3.2.3", "max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW-ORDER", false, false,
     "SELECT no_w_id, no_d_id, max(no_o_id) - min(no_o_id) + 1 AS span, count(*) AS new_orders "
     "FROM new_order GROUP BY no_w_id, no_d_id "
     "HAVING max(no_o_id) - min(no_o_id) + 1 <> count(*) ORDER BY no_w_id, no_d_id"},
    {"3.3.2.4", "sum(O_OL_CNT) = rows in ORDER-LINE", false, false,
     "SELECT o.o_w_id, o.o_d_id, o.sum_ol_cnt, l.order_lines FROM "
     "(SELECT o_w_id, o_d_id, sum(o_ol_cnt) AS sum_ol_cnt FROM orders "
     "GROUP BY o_w_id, o_d_id) o LEFT JOIN (SELECT ol_w_id, ol_d_id, count(*) AS order_lines "
     "FROM order_line GROUP BY ol_w_id, ol_d_id) l "
     "ON l.ol_w_id = o.o_w_id AND l.ol_d_id = o.o_d_id "
     "WHERE o.sum_ol_cnt <> coalesce(l.order_lines, 0) ORDER BY o.o_w_id, o.o_d_id"},
    {"3.3.2.5", "O_CARRIER_ID is null iff the order is in NEW-ORDER", true, true,
     "SELECT o_w_id, o_d_id, o_id, o_carrier_id, n.no_o_id FROM orders "
     "LEFT JOIN (SELECT no_w_id, no_d_id, no_o_id FROM new_order WHERE no_w_id = $1) n "
     "ON n.no_w_id = o_w_id AND n.no_d_id = o_d_id AND n.no_o_id = o_id "
     "WHERE o_w_id = $1 AND (o_carrier_id IS NULL) <> (n.no_o_id IS NOT NULL) "
     "ORDER BY o_d_id, o_id"},
    {"3.3.2.6", "O_OL_CNT = rows in ORDER-LINE for the order", true, true,
     "SELECT o_w_id, o_d_id, o_id, o_ol_cnt, l.order_lines FROM orders "
     "LEFT JOIN (SELECT ol_w_id, ol_d_id, ol_o_id, count(*) AS order_lines FROM order_line "
     "WHERE ol_w_id = $1 GROUP BY ol_w_id, ol_d_id, ol_o_id) l "
     "ON l.ol_w_id = o_w_id AND l.ol_d_id = o_d_id AND l.ol_o_id = o_id "
     "WHERE o_w_id = $1 AND o_ol_cnt <> coalesce(l.order_lines, 0) ORDER BY o_d_id, o_id"},
    {"3.3.2.7", "OL_DELIVERY_D is null iff O_CARRIER_ID is null", true, true,
     "SELECT ol_w_id, ol_d_id, ol_o_id, ol_number, ol_delivery_d, o.o_carrier_id "
     "FROM order_line JOIN (SELECT o_w_id, o_d_id, o_id, o_carrier_id FROM orders "
     "WHERE o_w_id = $1) o ON o.o_w_id = ol_w_id AND o.o_d_id = ol_d_id AND o.o_id = ol_o_id "
     "WHERE ol_w_id = $1 AND (ol_delivery_d IS NULL) <> (o.o_carrier_id IS NULL) "
     "ORDER BY ol_d_id, ol_o_id, ol_number"},
    {"3.3.2.8", "W_YTD = sum(H_AMOUNT)", false, false,
     "SELECT w_id, w_ytd, sum(h_amount) AS sum_h_amount FROM warehouse LEFT JOIN history "
     "ON h_w_id = w_id GROUP BY w_id HAVING w_ytd <> coalesce(sum(h_amount), 0) ORDER BY w_id"},
    {"3.3.2.9", "D_YTD = sum(H_AMOUNT)", false, false,
     "SELECT d_w_id, d_id, d_ytd, sum(h_amount) AS sum_h_amount FROM district LEFT JOIN history "
     "ON h_w_id = d_w_id AND h_d_id = d_id GROUP BY d_w_id, d_id "
     "HAVING d_ytd <> coalesce(sum(h_amount), 0) ORDER BY d_w_id, d_id"},
    {"3.3.2.10", "C_BALANCE = sum(delivered OL_AMOUNT) - sum(H_AMOUNT)", true, true,
     "SELECT c_w_id, c_d_id, c_id, c_balance, coalesce(ol.delivered, 0) AS delivered, "
     "coalesce(h.paid, 0) AS paid FROM customer "
     "LEFT JOIN (SELECT o.o_w_id, o.o_d_id, o.o_c_id, sum(l.ol_amount) AS delivered "
     "FROM (SELECT o_w_id, o_d_id, o_id, o_c_id FROM orders WHERE o_w_id = $1) o "
     "JOIN (SELECT ol_w_id, ol_d_id, ol_o_id, ol_amount FROM order_line "
     "WHERE ol_w_id = $1 AND ol_delivery_d IS NOT NULL) l "
     "ON l.ol_w_id = o.o_w_id AND l.ol_d_id = o.o_d_id AND l.ol_o_id = o.o_id "
     "GROUP BY o.o_w_id, o.o_d_id, o.o_c_id) ol "
     "ON ol.o_w_id = c_w_id AND ol.o_d_id = c_d_id AND ol.o_c_id = c_id "
     "LEFT JOIN (SELECT h_c_w_id, h_c_d_id, h_c_id, sum(h_amount) AS paid FROM history "
     "WHERE h_c_w_id = $1 GROUP BY h_c_w_id, h_c_d_id, h_c_id) h "
     "ON h.h_c_w_id = c_w_id AND h.h_c_d_id = c_d_id AND h.h_c_id = c_id "
     "WHERE c_w_id = $1 AND c_balance <> coalesce(ol.delivered, 0) - coalesce(h.paid, 0) "
     "ORDER BY c_d_id, c_id"},
    {"3.3.2.11", "rows in ORDER - rows in NEW-ORDER = delivered at load", false, false,
     "SELECT o.o_w_id, o.o_d_id, o.orders, coalesce(n.new_orders, 0) AS new_orders FROM "
     "(SELECT o_w_id, o_d_id, count(*) AS orders FROM orders GROUP BY o_w_id, o_d_id) o "
     "LEFT JOIN (SELECT no_w_id, no_d_id, count(*) AS new_orders FROM new_order "
     "GROUP BY no_w_id, no_d_id) n ON n.no_w_id = o.o_w_id AND n.no_d_id = o.o_d_id "
     "WHERE o.orders - coalesce(n.new_orders, 0) <> $1 ORDER BY o.o_w_id, o.o_d_id"},
    {"3.3.2.12", "C_BALANCE + C_YTD_PAYMENT = sum(delivered OL_AMOUNT)", true, true,
     "SELECT c_w_id, c_d_id, c_id, c_balance, c_ytd_payment, coalesce(ol.delivered, 0) AS "
     "delivered FROM customer "
     "LEFT JOIN (SELECT o.o_w_id, o.o_d_id, o.o_c_id, sum(l.ol_amount) AS delivered "
     "FROM (SELECT o_w_id, o_d_id, o_id, o_c_id FROM orders WHERE o_w_id = $1) o "
     "JOIN (SELECT ol_w_id, ol_d_id, ol_o_id, ol_amount FROM order_line "
     "WHERE ol_w_id = $1 AND ol_delivery_d IS NOT NULL) l "
     "ON l.ol_w_id = o.o_w_id AND l.ol_d_id = o.o_d_id AND l.ol_o_id = o.o_id "
     "GROUP BY o.o_w_id, o.o_d_id, o.o_c_id) ol "
     "ON ol.o_w_id = c_w_id AND ol.o_d_id = c_d_id AND ol.o_c_id = c_id "
     "WHERE c_w_id = $1 AND c_balance + c_ytd_payment <> coalesce(ol.delivered, 0) "
     "ORDER BY c_d_id, c_id"},
};

std::string Cell(const std::optional<std::string>& v) { return v.value_or("NULL"); }

void PrintResult(const ConditionResult& r, int rows_shown, std::FILE* out) {
  const char* word = r.outcome == Outcome::kPass            ? "PASS"
                     : r.outcome == Outcome::kFail          ? "FAIL"
                     : r.outcome == Outcome::kNotApplicable ? "N/A"
                                                            : "SKIP";
  std::string line = absl::StrFormat("%-9s %-58s %s", r.clause, r.title, word);
  if (r.outcome == Outcome::kFail) {
    absl::StrAppend(&line, absl::StrFormat("  %d offending row%s", r.rows.size(),
                                           r.rows.size() == 1 ? "" : "s"));
  }
  if (!r.note.empty()) absl::StrAppend(&line, "  (", r.note, ")");
  if (r.outcome == Outcome::kPass || r.outcome == Outcome::kFail) {
    absl::StrAppend(&line, absl::StrFormat("  %.1fs", r.seconds));
  }
  std::fprintf(out, "%s\n", line.c_str());
  if (r.outcome != Outcome::kFail) return;
  // The offending rows, as a small aligned table.
  std::vector<size_t> width(r.columns.size());
  for (size_t j = 0; j < r.columns.size(); ++j) width[j] = r.columns[j].size();
  const size_t shown = std::min(r.rows.size(), static_cast<size_t>(rows_shown));
  for (size_t i = 0; i < shown; ++i) {
    for (size_t j = 0; j < r.columns.size() && j < r.rows[i].size(); ++j) {
      width[j] = std::max(width[j], Cell(r.rows[i][j]).size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string s = "            ";
    for (size_t j = 0; j < cells.size(); ++j) {
      absl::StrAppend(&s, absl::StrFormat("%-*s ", static_cast<int>(width[j]), cells[j]));
    }
    std::fprintf(out, "%s\n", std::string(absl::StripTrailingAsciiWhitespace(s)).c_str());
  };
  print_row(r.columns);
  for (size_t i = 0; i < shown; ++i) {
    std::vector<std::string> cells;
    for (const auto& v : r.rows[i]) cells.push_back(Cell(v));
    print_row(cells);
  }
  if (shown < r.rows.size()) {
    std::fprintf(out, "            ... and %zu more\n", r.rows.size() - shown);
  }
}

}  // namespace

absl::StatusOr<std::vector<ConditionResult>> RunChecks(const CheckOptions& options,
                                                       std::FILE* out) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqlRunner> db,
                   SqlRunner::Connect(options.url, SqlRunner::Protocol::kPrepared));
  ASSIGN_OR_RETURN(TpccMeta meta, TpccMeta::Read(*db));
  const Scale& scale = meta.scale;

  // One snapshot for every condition.
  std::string snapshot;
  if (db->meridian()) {
    ASSIGN_OR_RETURN(auto now, db->Run("SELECT now()"));
    if (now.rows.empty() || !now.rows[0][0].has_value()) {
      return absl::InternalError("SELECT now() returned nothing");
    }
    snapshot = absl::StrCat("AS OF SYSTEM TIME '", *now.rows[0][0], "'");
    RETURN_IF_ERROR(db->Simple(absl::StrCat("BEGIN ", snapshot)));
  } else {
    snapshot = "one REPEATABLE READ transaction";
    RETURN_IF_ERROR(db->Simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  }
  std::fprintf(out, "TPC-C check: %s, on %s, %s\n", scale.Describe().c_str(),
               db->meridian() ? "Meridian" : "PostgreSQL", snapshot.c_str());
  std::fflush(out);

  // Condition 11 holds only until the first Delivery: has an order that was new at load
  // time, or has been placed since, been delivered?
  ASSIGN_OR_RETURN(auto delivered, db->Run("SELECT count(*) FROM orders WHERE o_id >= $1 AND "
                                           "o_carrier_id IS NOT NULL",
                                           {absl::StrCat(scale.FirstNewOrder())}));
  const bool delivery_ran = !delivered.rows.empty() && delivered.rows[0][0].value_or("0") != "0";

  std::vector<ConditionResult> results;
  for (const Condition& c : kConditions) {
    ConditionResult r;
    r.clause = c.clause;
    r.title = c.title;
    const std::string clause = c.clause;
    if (c.expensive && !options.expensive) {
      r.outcome = Outcome::kSkipped;
      r.note = "costly: run with --expensive";
    } else if (clause == "3.3.2.11" && delivery_ran) {
      r.outcome = Outcome::kNotApplicable;
      r.note = "holds only until the first Delivery, and Deliveries have run";
    } else {
      const absl::Time start = absl::Now();
      std::vector<Params> runs;
      if (c.per_warehouse) {
        for (int w = 1; w <= scale.warehouses; ++w) runs.push_back({absl::StrCat(w)});
      } else if (clause == "3.3.2.11") {
        runs.push_back({absl::StrCat(scale.FirstNewOrder() - 1)});
      } else {
        runs.push_back({});
      }
      for (const Params& params : runs) {
        auto result = db->Run(c.sql, params);
        if (!result.ok()) {
          (void)db->Simple("ROLLBACK");
          return absl::Status(
              result.status().code(),
              absl::StrCat("condition ", c.clause, ": ", result.status().message(), " (SQLSTATE ",
                           GetSqlState(result.status()).value_or("none"), ")"));
        }
        if (r.columns.empty()) {
          for (const auto& col : result->columns) r.columns.push_back(col.name);
        }
        for (auto& row : result->rows) r.rows.push_back(std::move(row));
      }
      r.seconds = absl::ToDoubleSeconds(absl::Now() - start);
      r.outcome = r.rows.empty() ? Outcome::kPass : Outcome::kFail;
    }
    PrintResult(r, options.rows_shown, out);
    std::fflush(out);
    results.push_back(std::move(r));
  }
  RETURN_IF_ERROR(db->Simple("COMMIT"));
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& r : results) {
    passed += r.outcome == Outcome::kPass;
    failed += r.outcome == Outcome::kFail;
    skipped += r.outcome == Outcome::kSkipped || r.outcome == Outcome::kNotApplicable;
  }
  std::fprintf(out, "%d passed, %d failed, %d not checked\n", passed, failed, skipped);
  return results;
}

}  // namespace meridian::workload::tpcc
