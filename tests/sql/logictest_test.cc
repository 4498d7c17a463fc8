// Runs every sql/testdata/*.slt file twice: in-process against a Session, and over the
// PostgreSQL wire protocol through libpq, each against a fresh cluster.
#include "sql/logictest/logictest.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "server/testing/sql_cluster.h"
#include "sql/client/pg_connection.h"
#include "sql/types/pg_format.h"

namespace meridian::sql {
namespace {

using ::meridian::server::testing::SqlCluster;

class CaptureSink : public ResultSink {
 public:
  TextResult result;
  std::vector<SqlType> types;
  void Columns(const std::vector<ColumnInfo>& columns) override {
    result = TextResult();
    result.columns = static_cast<int>(columns.size());
    types.clear();
    for (const auto& c : columns) types.push_back(c.type);
  }
  absl::Status Row(absl::Span<const Value> row) override {
    std::vector<std::optional<std::string>> out;
    for (size_t i = 0; i < row.size(); ++i) {
      if (row[i].is_null()) {
        out.push_back(std::nullopt);
      } else {
        out.push_back(FormatText(row[i], types[i]));
      }
    }
    result.rows.push_back(std::move(out));
    return absl::OkStatus();
  }
  void Complete(std::string_view tag) override { result.tag = std::string(tag); }
  absl::StatusOr<std::string> CopyIn(const CopyFormat&) override {
    return SqlError(absl::StatusCode::kInvalidArgument, "0A000", "no COPY data in logic tests");
  }
  absl::Status CopyOutBegin(const CopyFormat&) override { return absl::OkStatus(); }
  absl::Status CopyOutData(std::string_view) override { return absl::OkStatus(); }
  absl::Status CopyOutEnd() override { return absl::OkStatus(); }
  void Notice(std::string_view) override {}
};

class InProcessExecutor : public TextExecutor {
 public:
  explicit InProcessExecutor(std::unique_ptr<SqlSession> s) : session_(std::move(s)) {}
  absl::StatusOr<TextResult> Run(const std::string& sql) override {
    CaptureSink sink;
    RETURN_IF_ERROR(session_->ExecuteSimple(sql, &sink));
    return sink.result;
  }

 private:
  std::unique_ptr<SqlSession> session_;
};

class WireExecutor : public TextExecutor {
 public:
  explicit WireExecutor(std::unique_ptr<client::PgConnection> c) : conn_(std::move(c)) {}
  absl::StatusOr<TextResult> Run(const std::string& sql) override {
    ASSIGN_OR_RETURN(std::vector<client::PgResult> results, conn_->Query(sql));
    TextResult out;
    if (results.empty()) return out;
    const client::PgResult& last = results.back();
    out.columns = static_cast<int>(last.columns.size());
    out.rows = last.rows;
    out.tag = last.command_tag;
    return out;
  }

 private:
  std::unique_ptr<client::PgConnection> conn_;
};

std::string TestDataDir() { return MERIDIAN_SQL_TESTDATA; }

std::vector<std::string> Files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(TestDataDir())) {
    if (e.path().extension() == ".slt") files.push_back(e.path().stem().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class LogicTest : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(LogicTest, File) {
  const auto& [name, wire] = GetParam();
  std::ifstream in(absl::StrCat(TestDataDir(), "/", name, ".slt"));
  std::stringstream text;
  text << in.rdbuf();
  auto cluster = SqlCluster::Start({.nodes = 1, .pgwire = wire});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  std::unique_ptr<TextExecutor> executor;
  if (wire) {
    client::PgConnectOptions o;
    o.params = {{"host", "127.0.0.1"},
                {"port", std::to_string((*cluster)->pg_port())},
                {"user", "root"},
                {"dbname", "test"},
                {"connect_timeout", "10"},
                // Hermetic: a PGSSLMODE=require or PGSERVICE in the caller's environment
                // must not change how the test connects (the server has no TLS).
                {"sslmode", "disable"},
                {"gssencmode", "disable"}};
    auto conn = client::PgConnection::Connect(o);
    ASSERT_TRUE(conn.ok()) << conn.status();
    executor = std::make_unique<WireExecutor>(std::move(*conn));
  } else {
    auto session = (*cluster)->engine().NewSession({{"user", "root"}, {"database", "test"}});
    ASSERT_TRUE(session.ok()) << session.status();
    executor = std::make_unique<InProcessExecutor>(std::move(*session));
  }
  // MERIDIAN_REWRITE: regenerate the file from the in-process run (see logictest.h).
  const bool rewrite = std::getenv("MERIDIAN_REWRITE") != nullptr && !wire;
  std::string rewritten;
  for (const auto& f :
       RunLogicTest(name + ".slt", text.str(), *executor, rewrite ? &rewritten : nullptr)) {
    if (!rewrite) ADD_FAILURE() << f.message;
  }
  if (rewrite) {
    std::ofstream(absl::StrCat(TestDataDir(), "/", name, ".slt")) << rewritten;
  }
}

INSTANTIATE_TEST_SUITE_P(Sql, LogicTest,
                         ::testing::Combine(::testing::ValuesIn(Files()), ::testing::Bool()),
                         [](const auto& info) {
                           return absl::StrCat(std::get<0>(info.param),
                                               std::get<1>(info.param) ? "_wire" : "_inprocess");
                         });

}  // namespace
}  // namespace meridian::sql
