#include "sql/pgwire/internal/message.h"

#include <gtest/gtest.h>

namespace meridian::sql::pgwire {
namespace {

TEST(PgwireMessageWriterTest, FramesWithLengthCountingItself) {
  MessageWriter w;
  w.Begin('Q');
  w.CString("SELECT 1");
  w.End();
  w.Empty('1');
  w.Begin('X');
  w.Int16(-2);
  w.Int32(0x01020304);
  w.End();
  EXPECT_EQ(w.data(), std::string("Q\0\0\0\x0dSELECT 1\0"
                                  "1\0\0\0\x04"
                                  "X\0\0\0\x0a\xff\xfe\x01\x02\x03\x04",
                                  14 + 5 + 11));
}

TEST(PgwireMessageWriterTest, CStringCutsAtEmbeddedNul) {
  MessageWriter w;
  w.CString(std::string_view("ab\0cd", 5));
  EXPECT_EQ(w.data(), std::string("ab\0", 3));
}

TEST(PgwireMessageReaderTest, ReadsFieldsAndStopsAtTheEnd) {
  const std::string body(
      "\x00\x02"
      "abc\0"
      "\xff\xff\xff\xfe"
      "z",
      11);
  MessageReader r(body);
  EXPECT_EQ(r.Int16(), 2);
  EXPECT_EQ(r.CString(), "abc");
  EXPECT_EQ(r.Int32(), -2);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.Byte(), 'z');
  EXPECT_TRUE(r.AtEnd());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.Int32(), 0);  // past the end
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.CString(), "");  // sticky
}

TEST(PgwireMessageReaderTest, UnterminatedStringAndOversizedBytes) {
  MessageReader r("abc");
  EXPECT_EQ(r.CString(), "");
  EXPECT_FALSE(r.ok());
  MessageReader r2("abc");
  EXPECT_EQ(r2.Bytes(4), "");
  EXPECT_FALSE(r2.ok());
  MessageReader r3("abc");
  EXPECT_EQ(r3.Bytes(static_cast<size_t>(-1)), "");
  EXPECT_FALSE(r3.ok());
}

}  // namespace
}  // namespace meridian::sql::pgwire
