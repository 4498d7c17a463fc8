#include "cmd/flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::cmd {
namespace {

using ::testing::HasSubstr;

const CommandSpec& Spec() {
  static const CommandSpec* spec = new CommandSpec{
      .usage = "meridian thing --name=X [flags] ARG",
      .description = "Does a thing.\n",
      .flags = {{"name", "X", "the name"},
                {"switch", "", "turns it on"},
                {"a-very-long-flag-name", "HOST:PORT,HOST:PORT", "line one\nline two"}},
  };
  return *spec;
}

absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseCommandArgs(static_cast<int>(argv.size()), argv.data(), Spec());
}

TEST(FlagsTest, ParsesValuesSwitchesAndPositionals) {
  absl::StatusOr<ParsedArgs> a = Parse({"--name=n1", "pos", "--switch"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->flags.at("name"), "n1");
  EXPECT_EQ(a->flags.at("switch"), "true");
  EXPECT_EQ(a->positional, std::vector<std::string>{"pos"});
  EXPECT_FALSE(a->help);
}

TEST(FlagsTest, HelpAnywhereWinsOverEveryOtherCheck) {
  absl::StatusOr<ParsedArgs> a = Parse({"--bogus", "--name", "--help"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->help);
}

TEST(FlagsTest, MistakesNameTheFlag) {
  EXPECT_EQ(Parse({"--bogus=1"}).status().message(), "unknown flag --bogus");
  EXPECT_EQ(Parse({"--switch=no"}).status().message(), "--switch takes no value");
  EXPECT_EQ(Parse({"--name"}).status().message(), "--name needs a value: --name=X");
  EXPECT_EQ(Spec().SeeHelp(), "see `meridian thing --help`");
}

TEST(FlagsTest, HelpListsEveryFlagWithItsHelpAligned) {
  const std::string help = Spec().Help();
  EXPECT_THAT(help, HasSubstr("usage: meridian thing --name=X [flags] ARG\n\nDoes a thing.\n"));
  EXPECT_THAT(help, HasSubstr("\n  --name=X                    the name\n"));
  EXPECT_THAT(help, HasSubstr("\n  --switch                    turns it on\n"));
  // Too long for the column: the help starts on the next line; continued lines align.
  EXPECT_THAT(help, HasSubstr("\n  --a-very-long-flag-name=HOST:PORT,HOST:PORT\n"
                              "                              line one\n"
                              "                              line two\n"));
  EXPECT_THAT(help, HasSubstr("\n  --help                      print this help and exit\n"));
}

}  // namespace
}  // namespace meridian::cmd
