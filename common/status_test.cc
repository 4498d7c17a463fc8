#include "common/status.h"

#include <string>

#include "common/logging.h"
#include "gtest/gtest.h"

namespace meridian {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(h, Half(h));
  return h;
}

absl::Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(StatusTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(3).status().message(), "odd");
}

TEST(StatusTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StatusTest, SqlStatePayloadRoundTrips) {
  absl::Status s = WithSqlState(absl::AbortedError("restart"), "40001");
  ASSERT_TRUE(GetSqlState(s).has_value());
  EXPECT_EQ(*GetSqlState(s), "40001");
  EXPECT_FALSE(GetSqlState(absl::AbortedError("x")).has_value());
  EXPECT_FALSE(GetSqlState(WithSqlState(absl::OkStatus(), "40001")).has_value());
}

TEST(LoggingDeathTest, CheckFailureAborts) {
  EXPECT_DEATH({ CHECK(1 + 1 == 3) << "arithmetic"; }, "CHECK failed: 1 \\+ 1 == 3 arithmetic");
}

}  // namespace
}  // namespace meridian
