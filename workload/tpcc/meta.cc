#include "workload/tpcc/meta.h"

#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "workload/tpcc/schema.h"

namespace meridian::workload::tpcc {

absl::Status TpccMeta::Write(SqlRunner& db) const {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"warehouses", absl::StrCat(scale.warehouses)},
      {"items", absl::StrCat(scale.items)},
      {"customers_per_district", absl::StrCat(scale.customers)},
      {"orders_per_district", absl::StrCat(scale.orders)},
      {"c_last_load", absl::StrCat(load.c_last)},
      {"c_id_load", absl::StrCat(load.c_id)},
      {"ol_i_id_load", absl::StrCat(load.ol_i_id)},
      {"seed", absl::StrCat(seed)},
      {"loaded_at", loaded_at},
  };
  std::string sql = absl::StrCat("INSERT INTO ", kMetaTable, " (key, value) VALUES ");
  Params params;
  for (size_t i = 0; i < rows.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ", ", "($", 2 * i + 1, ", $", 2 * i + 2, ")");
    params.push_back(rows[i].first);
    params.push_back(rows[i].second);
  }
  return db.Run(sql, params).status();
}

absl::StatusOr<TpccMeta> TpccMeta::Read(SqlRunner& db) {
  auto result = db.Run(absl::StrCat("SELECT key, value FROM ", kMetaTable));
  if (!result.ok()) {
    if (GetSqlState(result.status()) == "42P01") {
      return absl::FailedPreconditionError(
          "no TPC-C database here (no tpcc_meta table): load one with `meridian workload "
          "tpcc init`");
    }
    return result.status();
  }
  std::map<std::string, std::string> kv;
  for (const auto& row : result->rows) {
    if (row.size() == 2 && row[0].has_value() && row[1].has_value()) kv[*row[0]] = *row[1];
  }
  TpccMeta meta;
  auto int_of = [&](const char* key, auto* out) -> absl::Status {
    auto it = kv.find(key);
    if (it == kv.end() || !absl::SimpleAtoi(it->second, out)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tpcc_meta has no valid '", key,
          "': the load did not complete; reload with `meridian workload tpcc init --drop`"));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(int_of("warehouses", &meta.scale.warehouses));
  RETURN_IF_ERROR(int_of("items", &meta.scale.items));
  RETURN_IF_ERROR(int_of("customers_per_district", &meta.scale.customers));
  RETURN_IF_ERROR(int_of("orders_per_district", &meta.scale.orders));
  RETURN_IF_ERROR(int_of("c_last_load", &meta.load.c_last));
  RETURN_IF_ERROR(int_of("c_id_load", &meta.load.c_id));
  RETURN_IF_ERROR(int_of("ol_i_id_load", &meta.load.ol_i_id));
  RETURN_IF_ERROR(int_of("seed", &meta.seed));
  meta.loaded_at = kv["loaded_at"];
  if (!meta.scale.Validate().ok() || !meta.load.InRange()) {
    return absl::FailedPreconditionError("tpcc_meta holds values out of range");
  }
  return meta;
}

}  // namespace meridian::workload::tpcc
