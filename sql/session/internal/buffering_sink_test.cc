#include "sql/session/internal/buffering_sink.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace meridian::sql {
namespace {

// Records every call, in order, as one line each.
class Recorder : public ResultSink {
 public:
  std::vector<std::string> calls;
  void Columns(const std::vector<ColumnInfo>& c) override {
    calls.push_back(absl::StrCat("columns ", c.size()));
  }
  absl::Status Row(absl::Span<const Value> row) override {
    calls.push_back(absl::StrCat("row ", row[0].string_value()));
    return absl::OkStatus();
  }
  void Complete(std::string_view tag) override {
    calls.push_back(absl::StrCat("complete ", std::string(tag)));
  }
  absl::StatusOr<std::string> CopyIn(const CopyFormat&) override {
    calls.push_back("copy in");
    return std::string("a\tb\n");
  }
  absl::Status CopyOutBegin(const CopyFormat&) override {
    calls.push_back("copy out begin");
    return absl::OkStatus();
  }
  absl::Status CopyOutData(std::string_view d) override {
    calls.push_back(absl::StrCat("copy out ", d.size()));
    return absl::OkStatus();
  }
  absl::Status CopyOutEnd() override {
    calls.push_back("copy out end");
    return absl::OkStatus();
  }
  void Notice(std::string_view m) override {
    calls.push_back(absl::StrCat("notice ", std::string(m)));
  }
};

std::vector<Value> TextRow(const std::string& s) { return {Value::String(s)}; }

TEST(BufferingSinkTest, UnderTheCapNothingReachesTheClientUntilReplay) {
  Recorder client;
  BufferingSink b(&client, 16 * 1024);
  b.Notice("hello");
  b.Columns({ColumnInfo{"a", SqlType::Of(TypeId::kText)}});
  ASSERT_TRUE(b.Row(TextRow("x")).ok());
  ASSERT_TRUE(b.Row(TextRow("y")).ok());
  b.Complete("SELECT 2");
  EXPECT_TRUE(client.calls.empty());
  EXPECT_FALSE(b.streaming());
  // A failed attempt is forgotten: the client never sees it.
  b.Reset();
  b.Columns({ColumnInfo{"a", SqlType::Of(TypeId::kText)}});
  ASSERT_TRUE(b.Row(TextRow("z")).ok());
  b.Complete("SELECT 1");
  ASSERT_TRUE(b.Replay().ok());
  EXPECT_EQ(client.calls, (std::vector<std::string>{"columns 1", "row z", "complete SELECT 1"}));
}

TEST(BufferingSinkTest, PastTheCapOutputStreamsInOrder) {
  Recorder client;
  BufferingSink b(&client, 1024);
  b.Notice("first");
  b.Columns({ColumnInfo{"a", SqlType::Of(TypeId::kText)}});
  ASSERT_TRUE(b.Row(TextRow("small")).ok());
  EXPECT_FALSE(b.streaming());
  ASSERT_TRUE(b.Row(TextRow(std::string(1100, 'q'))).ok());  // passes 1 KiB
  EXPECT_TRUE(b.streaming());
  // Everything so far reached the client, in order, before the statement ended.
  ASSERT_EQ(client.calls.size(), 4u);
  EXPECT_EQ(client.calls[0], "notice first");
  EXPECT_EQ(client.calls[1], "columns 1");
  EXPECT_EQ(client.calls[2], "row small");
  // From now on each call goes straight through.
  ASSERT_TRUE(b.Row(TextRow("after")).ok());
  EXPECT_EQ(client.calls.size(), 5u);
  EXPECT_EQ(client.calls[4], "row after");
  b.Notice("late");
  b.Complete("SELECT 3");
  EXPECT_EQ(client.calls.size(), 7u);
  ASSERT_TRUE(b.Replay().ok());  // nothing left to send
  EXPECT_EQ(client.calls.size(), 7u);
  EXPECT_EQ(client.calls[5], "notice late");
  EXPECT_EQ(client.calls[6], "complete SELECT 3");
}

TEST(BufferingSinkTest, CopyOutPastTheCapStreamsAndCopyInIsKeptForRetries) {
  Recorder client;
  BufferingSink b(&client, 100);
  EXPECT_EQ(*b.CopyIn(CopyFormat{}), "a\tb\n");
  EXPECT_EQ(*b.CopyIn(CopyFormat{}), "a\tb\n");  // a retry reads the same data
  ASSERT_TRUE(b.CopyOutBegin(CopyFormat{}).ok());
  ASSERT_TRUE(b.CopyOutData(std::string(60, 'x')).ok());
  EXPECT_FALSE(b.streaming());
  ASSERT_TRUE(b.CopyOutData(std::string(60, 'x')).ok());
  EXPECT_TRUE(b.streaming());
  ASSERT_TRUE(b.CopyOutEnd().ok());
  b.Complete("COPY 2");
  EXPECT_EQ(client.calls,
            (std::vector<std::string>{"copy in", "copy out begin", "copy out 60", "copy out 60",
                                      "copy out end", "complete COPY 2"}));
}

}  // namespace
}  // namespace meridian::sql
