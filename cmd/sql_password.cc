#include "cmd/sql_password.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace meridian::cmd {
namespace {

constexpr size_t kMaxPasswordFileBytes = 4096;

}  // namespace

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the SQL password file ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the SQL password file ", path, " is not a regular file"));
  }
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the SQL password file %s is open to every user (mode %04o); restrict it with "
        "chmod o-rw %s",
        path, st.st_mode & 07777, path));
  }
  if (static_cast<size_t>(st.st_size) > kMaxPasswordFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the SQL password file ", path, " holds ", st.st_size,
        " bytes; it should hold one line with the password (at most ", kMaxPasswordFileBytes, ")"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the SQL password file ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string password = text.str();
  if (password.ends_with("\n")) password.pop_back();
  if (password.ends_with("\r")) password.pop_back();
  if (password.find('\n') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the SQL password file ", path, " holds several lines; it should hold only the password"));
  }
  if (password.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the SQL password file ", path,
                     " is empty; put the password in it, or drop --sql-password-file for trust "
                     "authentication"));
  }
  return password;
}

absl::StatusOr<std::string> ResolveSqlPassword(const SqlPasswordSources& sources) {
  if (sources.file.has_value() && sources.flag.has_value()) {
    return absl::InvalidArgumentError(
        "give the SQL password once: --sql-password-file or --sql-password, not both");
  }
  if (sources.file.has_value()) return ReadPasswordFile(*sources.file);
  if (sources.flag.has_value()) {
    if (sources.flag->empty()) {
      return absl::InvalidArgumentError(
          "--sql-password is empty; drop it for trust authentication");
    }
    return *sources.flag;
  }
  if (sources.env != nullptr) {
    if (*sources.env == '\0') {
      return absl::InvalidArgumentError(absl::StrCat(
          "$", kSqlPasswordEnv, " is set but empty; unset it for trust authentication"));
    }
    return std::string(sources.env);
  }
  return std::string();
}

}  // namespace meridian::cmd
