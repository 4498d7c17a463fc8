#include "sql/pgwire/testing/fake_backend.h"

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "sql/pgwire/internal/message.h"

namespace meridian::sql::pgwire::testing {
namespace {

enum class Kind {
  kEmpty,
  kSelect1,
  kSelectAll,
  kSelectWhere,
  kEcho,
  kSeries,
  kInsertLiteral,
  kInsertParams,
  kCopyIn,
  kCopyOut,
  kDropNotice,
  kSet,
  kSleep,
  kBegin,
  kCommit,
  kRollback,
  kDiscardAll,
};

struct Plan {
  Kind kind = Kind::kEmpty;
  std::vector<ColumnInfo> columns;
  int param_count = 0;
  std::vector<std::string> literals;  // INSERT values, SET value
  int64_t count = 0;                  // generate_series bound
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

ColumnInfo Column(std::string name, TypeId type) {
  ColumnInfo c;
  c.name = std::move(name);
  c.type = SqlType::Of(type);
  return c;
}

// Highest $n in `sql`.
int CountParams(std::string_view sql) {
  int max = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$') continue;
    int n = 0;
    size_t j = i + 1;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) {
      n = n * 10 + (sql[j] - '0');
      ++j;
    }
    max = std::max(max, n);
  }
  return max;
}

// The quoted literals 'a', 'b' in `s`.
std::vector<std::string> Literals(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = s.find('\'', pos)) != std::string_view::npos) {
    const size_t end = s.find('\'', pos + 1);
    if (end == std::string_view::npos) break;
    out.emplace_back(s.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return out;
}

absl::Status SyntaxError() {
  return WithErrorPosition(
      SqlError(absl::StatusCode::kInvalidArgument, "42601", "syntax error at or near \"?\""), 1);
}

absl::StatusOr<Plan> Classify(std::string_view raw) {
  const std::string_view sql = Trim(raw);
  Plan plan;
  plan.param_count = CountParams(sql);
  if (sql.empty()) {
    plan.kind = Kind::kEmpty;
  } else if (sql == "SELECT 1") {
    plan.kind = Kind::kSelect1;
    plan.columns = {Column("?column?", TypeId::kInt4)};
  } else if (sql == "SELECT * FROM kv") {
    plan.kind = Kind::kSelectAll;
    plan.columns = {Column("k", TypeId::kText), Column("v", TypeId::kText)};
  } else if (sql == "SELECT v FROM kv WHERE k = $1") {
    plan.kind = Kind::kSelectWhere;
    plan.columns = {Column("v", TypeId::kText)};
  } else if (sql.starts_with("SELECT $")) {
    plan.kind = Kind::kEcho;  // columns are the parameter types, filled in by Prepare
  } else if (sql.starts_with("SELECT * FROM generate_series(1,") && sql.ends_with(")")) {
    plan.kind = Kind::kSeries;
    plan.columns = {Column("generate_series", TypeId::kInt8)};
    std::string_view n = sql.substr(32, sql.size() - 33);
    if (!absl::SimpleAtoi(ToAbsl(n), &plan.count)) return SyntaxError();
  } else if (sql.starts_with("INSERT INTO kv VALUES (")) {
    plan.literals = Literals(sql);
    if (plan.param_count == 2) {
      plan.kind = Kind::kInsertParams;
    } else if (plan.literals.size() == 2) {
      plan.kind = Kind::kInsertLiteral;
    } else {
      return SyntaxError();
    }
  } else if (sql == "COPY kv FROM STDIN") {
    plan.kind = Kind::kCopyIn;
  } else if (sql == "COPY kv TO STDOUT") {
    plan.kind = Kind::kCopyOut;
  } else if (sql == "DROP TABLE IF EXISTS nothing") {
    plan.kind = Kind::kDropNotice;
  } else if (sql.starts_with("SET application_name = ")) {
    plan.kind = Kind::kSet;
    plan.literals = Literals(sql);
    if (plan.literals.size() != 1) return SyntaxError();
  } else if (sql == "SELECT pg_sleep_forever()") {
    plan.kind = Kind::kSleep;
    plan.columns = {Column("pg_sleep_forever", TypeId::kText)};
  } else if (sql == "BEGIN") {
    plan.kind = Kind::kBegin;
  } else if (sql == "COMMIT") {
    plan.kind = Kind::kCommit;
  } else if (sql == "ROLLBACK") {
    plan.kind = Kind::kRollback;
  } else if (sql == "DISCARD ALL") {
    plan.kind = Kind::kDiscardAll;
  } else if (sql == "SELECT boom") {
    return WithErrorPosition(
        SqlError(absl::StatusCode::kInvalidArgument, "42703", "column \"boom\" does not exist"), 8);
  } else {
    return SyntaxError();
  }
  return plan;
}

class FakeStatement : public PreparedStatement {
 public:
  FakeStatement(Plan plan, std::vector<SqlType> param_types)
      : plan_(std::move(plan)), param_types_(std::move(param_types)) {
    if (plan_.kind == Kind::kEcho) {
      for (size_t i = 0; i < param_types_.size(); ++i) {
        ColumnInfo c;
        c.name = absl::StrCat("p", i + 1);
        c.type = param_types_[i];
        plan_.columns.push_back(c);
      }
    }
  }
  const std::vector<SqlType>& param_types() const override { return param_types_; }
  const std::vector<ColumnInfo>& columns() const override { return plan_.columns; }
  bool returns_rows() const override { return !plan_.columns.empty(); }
  const Plan& plan() const { return plan_; }

 private:
  Plan plan_;
  std::vector<SqlType> param_types_;
};

}  // namespace

class FakeSession : public SqlSession {
 public:
  FakeSession(FakeBackend* backend, std::string application_name)
      : backend_(backend), application_name_(std::move(application_name)) {}

  absl::Status ExecuteSimple(std::string_view sql, ResultSink* sink) override {
    size_t start = 0;
    while (start <= sql.size()) {
      size_t end = sql.find(';', start);
      if (end == std::string_view::npos) end = sql.size();
      const std::string_view one = Trim(sql.substr(start, end - start));
      start = end + 1;
      if (one.empty()) continue;
      absl::StatusOr<Plan> plan = Classify(one);
      absl::Status status = plan.status();
      if (status.ok()) {
        if (!plan->columns.empty()) sink->Columns(plan->columns);
        status = Run(*plan, {}, sink);
      }
      if (!status.ok()) {
        if (status_ == 'T') status_ = 'E';
        return status;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<PreparedStatement>> Prepare(
      std::string_view sql, absl::Span<const uint32_t> param_type_oids) override {
    ASSIGN_OR_RETURN(Plan plan, Classify(sql));
    std::vector<SqlType> types;
    for (int i = 0; i < plan.param_count; ++i) {
      const uint32_t oid = i < static_cast<int>(param_type_oids.size()) ? param_type_oids[i] : 0;
      std::optional<SqlType> type = SqlTypeFromPgOid(oid);
      if (!type.has_value() || type->id == TypeId::kUnknown) type = SqlType::Of(TypeId::kText);
      types.push_back(*type);
    }
    return std::make_unique<FakeStatement>(std::move(plan), std::move(types));
  }

  absl::Status Execute(PreparedStatement& statement, absl::Span<const Value> params,
                       ResultSink* sink) override {
    if (status_ == 'E') {
      return SqlError(absl::StatusCode::kFailedPrecondition, "25P02",
                      "current transaction is aborted, commands ignored until end of "
                      "transaction block");
    }
    const absl::Status status = Run(static_cast<FakeStatement&>(statement).plan(), params, sink);
    if (!status.ok() && status_ == 'T') status_ = 'E';
    return status;
  }

  absl::Status Sync() override { return absl::OkStatus(); }
  char TransactionStatus() const override { return status_; }
  void Cancel() override { cancel_requested_.store(true); }
  std::vector<std::pair<std::string, std::string>> ReportedParameters() const override {
    return {{"server_version", "15.0"},  {"server_encoding", "UTF8"},
            {"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"},
            {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"},
            {"TimeZone", "UTC"},         {"application_name", application_name_}};
  }

 private:
  absl::Status Run(const Plan& plan, absl::Span<const Value> params, ResultSink* sink) {
    switch (plan.kind) {
      case Kind::kEmpty:
        return absl::OkStatus();
      case Kind::kSelect1: {
        RETURN_IF_ERROR(sink->Row({Value::Int(1)}));
        sink->Complete("SELECT 1");
        return absl::OkStatus();
      }
      case Kind::kSelectAll: {
        const auto rows = backend_->Snapshot();
        for (const auto& [k, v] : rows) {
          RETURN_IF_ERROR(sink->Row({Value::String(k), Value::String(v)}));
        }
        sink->Complete(absl::StrCat("SELECT ", rows.size()));
        return absl::OkStatus();
      }
      case Kind::kSelectWhere: {
        const auto rows = backend_->Snapshot();
        int n = 0;
        if (!params.empty() && !params[0].is_null()) {
          auto it = rows.find(params[0].string_value());
          if (it != rows.end()) {
            RETURN_IF_ERROR(sink->Row({Value::String(it->second)}));
            ++n;
          }
        }
        sink->Complete(absl::StrCat("SELECT ", n));
        return absl::OkStatus();
      }
      case Kind::kEcho:
        RETURN_IF_ERROR(sink->Row(params));
        sink->Complete("SELECT 1");
        return absl::OkStatus();
      case Kind::kSeries:
        for (int64_t i = 1; i <= plan.count; ++i) RETURN_IF_ERROR(sink->Row({Value::Int(i)}));
        sink->Complete(absl::StrCat("SELECT ", plan.count));
        return absl::OkStatus();
      case Kind::kInsertLiteral:
        backend_->Put(plan.literals[0], plan.literals[1]);
        sink->Complete("INSERT 0 1");
        return absl::OkStatus();
      case Kind::kInsertParams:
        if (params.size() != 2 || params[0].is_null() || params[1].is_null()) {
          return SqlError(absl::StatusCode::kInvalidArgument, "23502", "null value");
        }
        backend_->Put(params[0].string_value(), params[1].string_value());
        sink->Complete("INSERT 0 1");
        return absl::OkStatus();
      case Kind::kCopyIn: {
        CopyFormat format;
        format.num_columns = 2;
        ASSIGN_OR_RETURN(std::string data, sink->CopyIn(format));
        int n = 0;
        size_t pos = 0;
        while (pos < data.size()) {
          size_t end = data.find('\n', pos);
          if (end == std::string::npos) end = data.size();
          const std::string line = data.substr(pos, end - pos);
          pos = end + 1;
          if (line.empty() || line == "\\.") continue;
          const size_t tab = line.find('\t');
          if (tab == std::string::npos) {
            return SqlError(absl::StatusCode::kInvalidArgument, "22P04",
                            "missing data for column \"v\"");
          }
          backend_->Put(line.substr(0, tab), line.substr(tab + 1));
          ++n;
        }
        sink->Complete(absl::StrCat("COPY ", n));
        return absl::OkStatus();
      }
      case Kind::kCopyOut: {
        CopyFormat format;
        format.num_columns = 2;
        RETURN_IF_ERROR(sink->CopyOutBegin(format));
        const auto rows = backend_->Snapshot();
        for (const auto& [k, v] : rows) RETURN_IF_ERROR(sink->CopyOutData(k + "\t" + v + "\n"));
        RETURN_IF_ERROR(sink->CopyOutEnd());
        sink->Complete(absl::StrCat("COPY ", rows.size()));
        return absl::OkStatus();
      }
      case Kind::kDropNotice:
        sink->Notice("table \"nothing\" does not exist, skipping");
        sink->Complete("DROP TABLE");
        return absl::OkStatus();
      case Kind::kSet:
        application_name_ = plan.literals[0];
        sink->Complete("SET");
        return absl::OkStatus();
      case Kind::kSleep: {
        cancel_requested_.store(false);
        {
          absl::MutexLock lock(&backend_->mu_);
          ++backend_->sleepers_;
        }
        const absl::Time give_up = absl::Now() + absl::Seconds(30);
        while (!cancel_requested_.load() && absl::Now() < give_up) {
          absl::SleepFor(absl::Milliseconds(5));
        }
        backend_->cancelled_.fetch_add(1);
        return SqlError(absl::StatusCode::kCancelled, "57014",
                        "canceling statement due to user request");
      }
      case Kind::kBegin:
        status_ = 'T';
        sink->Complete("BEGIN");
        return absl::OkStatus();
      case Kind::kCommit:
        sink->Complete(status_ == 'E' ? "ROLLBACK" : "COMMIT");
        status_ = 'I';
        return absl::OkStatus();
      case Kind::kRollback:
        status_ = 'I';
        sink->Complete("ROLLBACK");
        return absl::OkStatus();
      case Kind::kDiscardAll:
        sink->Complete("DISCARD ALL");
        return absl::OkStatus();
    }
    return absl::InternalError("unreachable");
  }

  FakeBackend* const backend_;
  std::string application_name_;
  char status_ = 'I';
  std::atomic<bool> cancel_requested_{false};
};

absl::StatusOr<std::unique_ptr<SqlSession>> FakeBackend::NewSession(
    const std::vector<std::pair<std::string, std::string>>& options) {
  std::string application_name;
  {
    absl::MutexLock lock(&mu_);
    last_options_ = options;
  }
  for (const auto& [k, v] : options) {
    if (k == "application_name") application_name = v;
    if (k == "database" && v == "nodb") {
      return SqlError(absl::StatusCode::kNotFound, "3D000", "database \"nodb\" does not exist");
    }
  }
  return std::make_unique<FakeSession>(this, application_name);
}

void FakeBackend::Put(const std::string& k, const std::string& v) {
  absl::MutexLock lock(&mu_);
  table_[k] = v;
}

std::map<std::string, std::string> FakeBackend::Snapshot() {
  absl::MutexLock lock(&mu_);
  return table_;
}

std::vector<std::pair<std::string, std::string>> FakeBackend::last_options() {
  absl::MutexLock lock(&mu_);
  return last_options_;
}

bool FakeBackend::WaitForSleeper(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(
                                  +[](int* n) { return *n > 0; }, &sleepers_),
                              timeout);
}

}  // namespace meridian::sql::pgwire::testing
