#include "cmd/sql_password.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::cmd {
namespace {

using ::testing::HasSubstr;

class SqlPasswordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "meridian-pw-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string File(const std::string& name, const std::string& content, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string dir_;
};

TEST_F(SqlPasswordTest, AFileHoldsOneLineAndItsNewlineIsDropped) {
  EXPECT_EQ(*ReadPasswordFile(File("a", "s3cret\n", 0600)), "s3cret");
  EXPECT_EQ(*ReadPasswordFile(File("b", "s3cret", 0400)), "s3cret");
  EXPECT_EQ(*ReadPasswordFile(File("c", "s3cret\r\n", 0640)), "s3cret");
  EXPECT_EQ(*ReadPasswordFile(File("d", " spaces stay ", 0600)), " spaces stay ");
}

TEST_F(SqlPasswordTest, AFileOtherUsersCanReadOrWriteIsRefused) {
  for (mode_t mode : {0644, 0604, 0602, 0666}) {
    absl::StatusOr<std::string> pw = ReadPasswordFile(File("open", "s3cret\n", mode));
    EXPECT_EQ(pw.status().code(), absl::StatusCode::kInvalidArgument) << std::oct << mode;
    EXPECT_THAT(pw.status().message(), HasSubstr("open to every user")) << std::oct << mode;
    EXPECT_THAT(pw.status().message(), HasSubstr("chmod o-rw"));
  }
}

TEST_F(SqlPasswordTest, MissingEmptyMultiLineAndNonRegularFilesAreRefused) {
  EXPECT_THAT(ReadPasswordFile(dir_ + "/missing").status().message(), HasSubstr("No such file"));
  EXPECT_THAT(ReadPasswordFile(File("empty", "\n", 0600)).status().message(),
              HasSubstr("is empty"));
  EXPECT_THAT(ReadPasswordFile(File("two", "a\nb\n", 0600)).status().message(),
              HasSubstr("several lines"));
  std::filesystem::create_directory(dir_ + "/sub");
  chmod((dir_ + "/sub").c_str(), 0700);
  EXPECT_THAT(ReadPasswordFile(dir_ + "/sub").status().message(), HasSubstr("not a regular file"));
  EXPECT_THAT(ReadPasswordFile(File("big", std::string(5000, 'x'), 0600)).status().message(),
              HasSubstr("one line"));
}

TEST_F(SqlPasswordTest, PrecedenceFileOrFlagThenEnvironmentThenTrust) {
  const std::string file = File("pw", "from-file\n", 0600);
  EXPECT_EQ(*ResolveSqlPassword({.file = file, .env = "from-env"}), "from-file");
  EXPECT_EQ(*ResolveSqlPassword({.flag = "from-flag", .env = "from-env"}), "from-flag");
  EXPECT_EQ(*ResolveSqlPassword({.env = "from-env"}), "from-env");
  EXPECT_EQ(*ResolveSqlPassword({}), "");  // trust
}

TEST_F(SqlPasswordTest, AmbiguousOrEmptySourcesAreErrorsNotTrust) {
  const std::string file = File("pw", "from-file\n", 0600);
  EXPECT_THAT(ResolveSqlPassword({.flag = "x", .file = file}).status().message(),
              HasSubstr("not both"));
  EXPECT_EQ(ResolveSqlPassword({.flag = ""}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ResolveSqlPassword({.env = ""}).status().message(),
              HasSubstr("MERIDIAN_SQL_PASSWORD is set but empty"));
  // A bad file is an error even when the environment has a password.
  EXPECT_FALSE(ResolveSqlPassword({.file = dir_ + "/missing", .env = "from-env"}).ok());
}

}  // namespace
}  // namespace meridian::cmd
