#include "sql/shell/connect_params.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gtest/gtest.h"

namespace meridian::sql::shell {
namespace {

using Params = std::map<std::string, std::string>;

// The parameters as a map (ShellConnectParams never repeats a keyword).
Params Connect(const SqlShellOptions& options, std::map<std::string, std::string> env = {}) {
  auto lookup = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> params =
      ShellConnectParams(options, lookup);
  EXPECT_TRUE(params.ok()) << params.status();
  Params out;
  if (!params.ok()) return out;
  for (const auto& [keyword, value] : *params) {
    EXPECT_FALSE(value.empty()) << keyword;
    EXPECT_TRUE(out.emplace(keyword, value).second) << "repeated " << keyword;
  }
  return out;
}

// What `meridian sql` starts from: nothing given.
SqlShellOptions Bare() {
  SqlShellOptions options;
  options.host.clear();
  return options;
}

TEST(ConnectParamsTest, MeridianDefaultsWhenNothingIsGiven) {
  EXPECT_EQ(Connect(Bare()), (Params{{"host", "127.0.0.1"},
                                     {"port", "26257"},
                                     {"user", "root"},
                                     {"dbname", "meridian"},
                                     {"connect_timeout", "10"},
                                     {"client_encoding", "UTF8"},
                                     {"fallback_application_name", "meridian sql"}}));
}

TEST(ConnectParamsTest, FlagsWin) {
  SqlShellOptions options = Bare();
  options.host = "db.example";
  options.port = 5432;
  options.user = "alice";
  options.database = "shop";
  options.password = "pw";
  const Params p = Connect(options, {{"PGHOST", "other"}, {"PGPORT", "1"}, {"PGUSER", "bob"}});
  EXPECT_EQ(p.at("host"), "db.example");
  EXPECT_EQ(p.at("port"), "5432");
  EXPECT_EQ(p.at("user"), "alice");
  EXPECT_EQ(p.at("dbname"), "shop");
  EXPECT_EQ(p.at("password"), "pw");
}

TEST(ConnectParamsTest, EnvironmentBeatsMeridianDefaults) {
  // Left out, so that libpq reads PGHOST, PGPORT, PGUSER and PGDATABASE itself.
  const Params p = Connect(Bare(), {{"PGHOST", "h"},
                                    {"PGPORT", "5433"},
                                    {"PGUSER", "u"},
                                    {"PGDATABASE", "d"},
                                    {"PGCONNECT_TIMEOUT", "3"},
                                    {"PGCLIENTENCODING", "LATIN1"}});
  for (const char* keyword :
       {"host", "port", "user", "dbname", "connect_timeout", "client_encoding"}) {
    EXPECT_EQ(p.count(keyword), 0u) << keyword;
  }
  // An empty variable counts as unset, as in libpq.
  EXPECT_EQ(Connect(Bare(), {{"PGPORT", ""}}).at("port"), "26257");
  // PGHOSTADDR names the server as well as PGHOST does.
  EXPECT_EQ(Connect(Bare(), {{"PGHOSTADDR", "10.0.0.1"}}).count("host"), 0u);
}

TEST(ConnectParamsTest, UriSettingsWinOverFlags) {
  SqlShellOptions options = Bare();
  options.port = 1111;
  options.user = "flaguser";
  options.database = "postgres://alice:s3cret@db.example:5433/shop?sslmode=require";
  const Params p = Connect(options);
  EXPECT_EQ(p.at("host"), "db.example");
  EXPECT_EQ(p.at("port"), "5433");
  EXPECT_EQ(p.at("user"), "alice");
  EXPECT_EQ(p.at("password"), "s3cret");
  EXPECT_EQ(p.at("dbname"), "shop");
  EXPECT_EQ(p.at("sslmode"), "require");
}

TEST(ConnectParamsTest, PartialConninfoKeepsTheRest) {
  SqlShellOptions options = Bare();
  options.user = "alice";
  options.database = "host=10.1.2.3 port=26001";
  const Params p = Connect(options);
  EXPECT_EQ(p.at("host"), "10.1.2.3");
  EXPECT_EQ(p.at("port"), "26001");
  EXPECT_EQ(p.at("user"), "alice");       // the flag
  EXPECT_EQ(p.at("dbname"), "meridian");  // Meridian's default
  // A URI without a port: PGPORT, then the default.
  options.database = "postgresql://h/";
  EXPECT_EQ(Connect(options).at("port"), "26257");
  EXPECT_EQ(Connect(options, {{"PGPORT", "7"}}).count("port"), 0u);
}

TEST(ConnectParamsTest, ServiceDecidesWhereToConnect) {
  SqlShellOptions options = Bare();
  options.database = "service=prod";
  Params p = Connect(options);
  EXPECT_EQ(p.at("service"), "prod");
  for (const char* keyword : {"host", "port", "user", "dbname"}) {
    EXPECT_EQ(p.count(keyword), 0u) << keyword;
  }
  EXPECT_EQ(p.at("connect_timeout"), "10");
  p = Connect(Bare(), {{"PGSERVICE", "prod"}});
  EXPECT_EQ(p.count("host"), 0u);
  // Flags still name what they name.
  options.port = 6000;
  EXPECT_EQ(Connect(options).at("port"), "6000");
}

TEST(ConnectParamsTest, PlainDatabaseNameIsNotAConnectionString) {
  SqlShellOptions options = Bare();
  options.database = "my db";
  EXPECT_EQ(Connect(options).at("dbname"), "my db");
}

TEST(ConnectParamsTest, EmbeddersNameLoopbackExplicitly) {
  // `meridian demo` sets port, user and database and keeps the default host: PGHOST must
  // not send its shell elsewhere.
  SqlShellOptions options;
  options.port = 30000;
  EXPECT_EQ(Connect(options, {{"PGHOST", "elsewhere"}}).at("host"), "127.0.0.1");
}

TEST(ConnectParamsTest, BadConnectionStringIsAnError) {
  SqlShellOptions options = Bare();
  options.database = "host=h port";
  auto params = ShellConnectParams(options, [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(params.ok());
  EXPECT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetSqlState(params.status()), "08001");
  options.database = "postgres://h/db?nosuchoption=1";
  EXPECT_FALSE(ShellConnectParams(options, [](const std::string&) { return std::nullopt; }).ok());
}

TEST(ConnectParamsTest, PromptUser) {
  EXPECT_EQ(PromptUser({{"host", "h"}, {"user", "alice"}},
                       [](const std::string&) { return std::nullopt; }),
            "alice");
  EXPECT_EQ(PromptUser({{"host", "h"}},
                       [](const std::string& name) -> std::optional<std::string> {
                         if (name == "PGUSER") return "bob";
                         return std::nullopt;
                       }),
            "bob");
  EXPECT_EQ(PromptUser({}, [](const std::string&) { return std::nullopt; }), "");
}

}  // namespace
}  // namespace meridian::sql::shell
