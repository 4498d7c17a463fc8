#include "sql/shell/connect_params.h"

#include <map>
#include <string>

#include "common/status.h"
#include "sql/client/pg_connection.h"

namespace meridian::sql::shell {

using client::IsConnectionString;
using client::ParseConninfo;
namespace {

bool IsSet(const EnvLookup& env, const std::string& name) {
  const std::optional<std::string> value = env(name);
  return value.has_value() && !value->empty();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ShellConnectParams(
    const SqlShellOptions& options, const EnvLookup& env) {
  std::map<std::string, std::string> given;
  auto flag = [&](const std::string& keyword, const std::string& value) {
    if (!value.empty()) given[keyword] = value;
  };
  flag("host", options.host);
  if (options.port > 0) flag("port", std::to_string(options.port));
  flag("user", options.user);
  flag("password", options.password);
  if (IsConnectionString(options.database)) {
    ASSIGN_OR_RETURN(auto settings, ParseConninfo(options.database));
    for (auto& [keyword, value] : settings) given[keyword] = std::move(value);
  } else {
    flag("dbname", options.database);
  }

  struct Fallback {
    const char* keyword;
    std::vector<std::string> also_given_by;  // sibling keywords and environment variables
    std::string value;
    bool where_to_connect;  // a named service decides it instead
  };
  const std::vector<Fallback> fallbacks = {
      {"host", {"hostaddr", "PGHOST", "PGHOSTADDR"}, options.default_host, true},
      {"port",
       {"PGPORT"},
       options.default_port > 0 ? std::to_string(options.default_port) : "",
       true},
      {"user", {"PGUSER"}, options.default_user, true},
      {"dbname", {"PGDATABASE"}, options.default_database, true},
      {"connect_timeout",
       {"PGCONNECT_TIMEOUT"},
       options.connect_timeout_seconds > 0 ? std::to_string(options.connect_timeout_seconds) : "",
       false},
      // The formatter measures UTF-8; PGCLIENTENCODING still wins.
      {"client_encoding", {"PGCLIENTENCODING"}, "UTF8", false},
  };
  const bool service = given.count("service") > 0 || IsSet(env, "PGSERVICE");
  for (const Fallback& f : fallbacks) {
    if (f.value.empty() || given.count(f.keyword) > 0) continue;
    if (f.where_to_connect && service) continue;
    bool elsewhere = false;
    for (const std::string& other : f.also_given_by) {
      elsewhere = elsewhere || given.count(other) > 0 || IsSet(env, other);
    }
    if (!elsewhere) given[f.keyword] = f.value;
  }
  // Shown in pg_stat_activity; PGAPPNAME or application_name= win over a fallback.
  given["fallback_application_name"] = "meridian sql";

  std::vector<std::pair<std::string, std::string>> params;
  for (auto& [keyword, value] : given) {
    if (!value.empty()) params.emplace_back(keyword, std::move(value));
  }
  return params;
}

std::string PromptUser(const std::vector<std::pair<std::string, std::string>>& params,
                       const EnvLookup& env) {
  for (const auto& [keyword, value] : params) {
    if (keyword == "user") return value;
  }
  return env("PGUSER").value_or("");
}

}  // namespace meridian::sql::shell
