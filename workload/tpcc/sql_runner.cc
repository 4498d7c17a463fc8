#include "workload/tpcc/sql_runner.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace meridian::workload::tpcc {

using sql::client::PgConnection;
using sql::client::PgResult;

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ConnectParams(
    const std::string& url) {
  ASSIGN_OR_RETURN(auto settings, sql::client::ParseConninfo(url));
  std::vector<std::pair<std::string, std::string>> params(settings.begin(), settings.end());
  if (!settings.count("application_name")) {
    params.emplace_back("application_name", "meridian workload tpcc");
  }
  if (!settings.count("connect_timeout")) params.emplace_back("connect_timeout", "10");
  return params;
}

absl::StatusOr<std::string> InlineParams(std::string_view sql, const Params& params) {
  std::string out;
  out.reserve(sql.size() + 16 * params.size());
  char quote = 0;  // inside '...' or "..."
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote reopens on the next character
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '$' || i + 1 >= sql.size() || !absl::ascii_isdigit(sql[i + 1])) {
      out += c;
      continue;
    }
    size_t j = i + 1;
    size_t n = 0;
    while (j < sql.size() && absl::ascii_isdigit(sql[j])) n = n * 10 + (sql[j++] - '0');
    if (n == 0 || n > params.size()) {
      return absl::InvalidArgumentError(absl::StrCat("no parameter for $", n));
    }
    const auto& p = params[n - 1];
    if (!p.has_value()) {
      out += "NULL";
    } else {
      out += '\'';
      for (char ch : *p) {
        if (ch == '\'') out += '\'';
        out += ch;
      }
      out += '\'';
    }
    i = j - 1;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<SqlRunner>> SqlRunner::Connect(const std::string& url,
                                                              Protocol protocol) {
  sql::client::PgConnectOptions options;
  ASSIGN_OR_RETURN(options.params, ConnectParams(url));
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Connect(options));
  conn->SetNoticeHandler([](const sql::client::PgNotice&) {});  // DROP ... IF EXISTS notices
  ASSIGN_OR_RETURN(std::vector<PgResult> version, conn->Query("SELECT version()"));
  const bool meridian = !version.empty() && !version[0].rows.empty() &&
                        version[0].rows[0][0].has_value() &&
                        absl::StrContains(*version[0].rows[0][0], "Meridian");
  return std::unique_ptr<SqlRunner>(new SqlRunner(std::move(conn), protocol, meridian));
}

absl::StatusOr<PgResult> SqlRunner::Run(std::string_view sql, const Params& params) {
  ++statements_;
  if (protocol_ == Protocol::kSimple) {
    ASSIGN_OR_RETURN(std::string text, InlineParams(sql, params));
    ASSIGN_OR_RETURN(std::vector<PgResult> results, conn_->Query(text));
    if (results.empty()) return PgResult();
    return std::move(results.back());
  }
  const std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    const std::string name = absl::StrCat("tpcc_", prepared_.size() + 1);
    RETURN_IF_ERROR(conn_->Prepare(name, sql));
    it = prepared_.emplace(key, name).first;
  }
  return conn_->ExecutePrepared(it->second, params);
}

absl::Status SqlRunner::Simple(std::string_view sql) {
  ++statements_;
  return conn_->Query(sql).status();
}

absl::StatusOr<PgResult> SqlRunner::CopyIn(std::string_view sql, std::string_view data) {
  ++statements_;
  return conn_->CopyIn(sql, data);
}

}  // namespace meridian::workload::tpcc
