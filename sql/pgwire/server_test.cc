// Message flows of PgServer against the fake backend, over raw sockets.
#include "sql/pgwire/server.h"

#include <gtest/gtest.h>

#include <thread>

#include "sql/pgwire/internal/message.h"
#include "sql/pgwire/testing/fake_backend.h"
#include "sql/pgwire/testing/test_client.h"

namespace meridian::sql {
namespace {

using pgwire::LoadInt32;
using pgwire::Message;
using pgwire::testing::Body;
using pgwire::testing::CString;
using pgwire::testing::DataRowValues;
using pgwire::testing::ErrorFields;
using pgwire::testing::FakeBackend;
using pgwire::testing::RowDescriptionNames;
using pgwire::testing::TestClient;
using pgwire::testing::Types;

constexpr int32_t kInt4Oid = 23;
constexpr int32_t kTextOid = 25;

std::string BigEndian32(int32_t v) { return Body().Int32(v).data(); }

class PgwireServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(PgServerOptions()); }

  void Start(PgServerOptions options) {
    server_.reset();
    auto server = PgServer::Start(std::move(options), &backend_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // A fresh client can still log in and query.
  void ExpectHealthy() {
    TestClient client;
    ASSERT_OK(client.Connect(server_->port()));
    ASSERT_OK_AND_ASSIGN(auto login, client.Login());
    ASSERT_OK_AND_ASSIGN(auto result, client.Query("SELECT 1"));
    EXPECT_EQ(Types(result), "TDCZ");
  }

  void Login(TestClient* client) {
    ASSERT_OK(client->Connect(server_->port()));
    ASSERT_OK_AND_ASSIGN(auto login, client->Login());
    ASSERT_EQ(login.back().type, 'Z');
  }

  FakeBackend backend_;  // outlives the server
  std::unique_ptr<PgServer> server_;
};

TEST_F(PgwireServerTest, StartupReportsParametersKeyAndReady) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK_AND_ASSIGN(auto login, client.Login({{"application_name", "myapp"}}));
  ASSERT_GE(login.size(), 3u);
  EXPECT_EQ(login[0].type, 'R');
  EXPECT_EQ(LoadInt32(login[0].body.data()), 0);  // AuthenticationOk
  std::map<std::string, std::string> params;
  for (const Message& m : login) {
    if (m.type != 'S') continue;
    pgwire::MessageReader r(m.body);
    std::string name(r.CString());
    params[name] = std::string(r.CString());
  }
  EXPECT_EQ(params["server_version"], "15.0");
  EXPECT_EQ(params["application_name"], "myapp");
  EXPECT_NE(client.process_id(), 0);
  EXPECT_EQ(login.back().type, 'Z');
  EXPECT_EQ(login.back().body, "I");
  // The backend got the startup options.
  bool saw_database = false;
  for (const auto& [k, v] : backend_.last_options()) saw_database |= (k == "database" && v == "d");
  EXPECT_TRUE(saw_database);
}

TEST_F(PgwireServerTest, SimpleQueryReturnsRows) {
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("SELECT 1"));
  ASSERT_EQ(Types(result), "TDCZ");
  EXPECT_EQ(RowDescriptionNames(result[0]), std::vector<std::string>{"?column?"});
  // RowDescription: name, table oid, attnum, type oid, typlen, typmod, format.
  pgwire::MessageReader r(result[0].body);
  r.Int16();
  r.CString();
  r.Int32();
  r.Int16();
  EXPECT_EQ(r.Int32(), kInt4Oid);
  EXPECT_EQ(r.Int16(), 4);
  EXPECT_EQ(r.Int32(), -1);
  EXPECT_EQ(r.Int16(), 0);
  EXPECT_EQ(DataRowValues(result[1]), (std::vector<std::optional<std::string>>{"1"}));
  EXPECT_EQ(CString(result[2]), "SELECT 1");
  EXPECT_EQ(result[3].body, "I");
}

TEST_F(PgwireServerTest, SimpleQueryRunsEveryStatement) {
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("INSERT INTO kv VALUES ('a', 'x'); "
                                                 "INSERT INTO kv VALUES ('b', 'y'); "
                                                 "SELECT * FROM kv"));
  ASSERT_EQ(Types(result), "CCTDDCZ");
  EXPECT_EQ(CString(result[0]), "INSERT 0 1");
  EXPECT_EQ(DataRowValues(result[3]), (std::vector<std::optional<std::string>>{"a", "x"}));
  EXPECT_EQ(DataRowValues(result[4]), (std::vector<std::optional<std::string>>{"b", "y"}));
  EXPECT_EQ(CString(result[5]), "SELECT 2");
}

TEST_F(PgwireServerTest, EmptyQueryGetsEmptyQueryResponse) {
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query(""));
  EXPECT_EQ(Types(result), "IZ");
  ASSERT_OK_AND_ASSIGN(result, client.Query(" ; "));
  EXPECT_EQ(Types(result), "IZ");
}

TEST_F(PgwireServerTest, SimpleQueryErrorHasSqlStateAndPosition) {
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("SELECT boom"));
  ASSERT_EQ(Types(result), "EZ");
  auto fields = ErrorFields(result[0]);
  EXPECT_EQ(fields['S'], "ERROR");
  EXPECT_EQ(fields['V'], "ERROR");
  EXPECT_EQ(fields['C'], "42703");
  EXPECT_EQ(fields['M'], "column \"boom\" does not exist");
  EXPECT_EQ(fields['P'], "8");
  // The connection goes on.
  ASSERT_OK_AND_ASSIGN(result, client.Query("SELECT 1"));
  EXPECT_EQ(Types(result), "TDCZ");
}

TEST_F(PgwireServerTest, ReadyForQueryCarriesTransactionStatus) {
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("BEGIN"));
  EXPECT_EQ(result.back().body, "T");
  ASSERT_OK_AND_ASSIGN(result, client.Query("nonsense"));
  EXPECT_EQ(ErrorFields(result[0])['C'], "42601");
  EXPECT_EQ(result.back().body, "E");
  ASSERT_OK_AND_ASSIGN(result, client.Query("ROLLBACK"));
  EXPECT_EQ(result.back().body, "I");
}

TEST_F(PgwireServerTest, NoticeAndParameterStatusChange) {
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("DROP TABLE IF EXISTS nothing"));
  ASSERT_EQ(Types(result), "NCZ");
  EXPECT_EQ(ErrorFields(result[0])['S'], "NOTICE");
  EXPECT_EQ(ErrorFields(result[0])['C'], "00000");
  EXPECT_EQ(ErrorFields(result[0])['M'], "table \"nothing\" does not exist, skipping");
  ASSERT_OK_AND_ASSIGN(result, client.Query("SET application_name = 'psql2'"));
  ASSERT_EQ(Types(result), "CSZ");
  pgwire::MessageReader r(result[1].body);
  EXPECT_EQ(r.CString(), "application_name");
  EXPECT_EQ(r.CString(), "psql2");
}

// Parse/Bind/Describe/Execute/Sync with the unnamed statement and portal.
TEST_F(PgwireServerTest, ExtendedUnnamed) {
  backend_.Put("k1", "v1");
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("").Str("SELECT v FROM kv WHERE k = $1").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("").Str("").Int16(0).Int16(1).Int32(2).Raw("k1").Int16(0)));
  ASSERT_OK(client.Send('D', Body().Int8('P').Str("")));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "12TDCZ");
  EXPECT_EQ(RowDescriptionNames(result[2]), std::vector<std::string>{"v"});
  EXPECT_EQ(DataRowValues(result[3]), (std::vector<std::optional<std::string>>{"v1"}));
  EXPECT_EQ(CString(result[4]), "SELECT 1");
}

TEST_F(PgwireServerTest, ExtendedNamedStatementAndPortals) {
  backend_.Put("a", "1");
  backend_.Put("b", "2");
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send(
      'P', Body().Str("s1").Str("SELECT v FROM kv WHERE k = $1").Int16(1).Int32(kTextOid)));
  ASSERT_OK(client.Send('D', Body().Int8('S').Str("s1")));
  ASSERT_OK(
      client.Send('B', Body().Str("pa").Str("s1").Int16(0).Int16(1).Int32(1).Raw("a").Int16(0)));
  ASSERT_OK(
      client.Send('B', Body().Str("pb").Str("s1").Int16(0).Int16(1).Int32(1).Raw("b").Int16(0)));
  ASSERT_OK(client.Send('E', Body().Str("pb").Int32(0)));
  ASSERT_OK(client.Send('E', Body().Str("pa").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "1tT22DCDCZ");
  // ParameterDescription: one parameter of type text.
  EXPECT_EQ(result[1].body, Body().Int16(1).Int32(kTextOid).data());
  EXPECT_EQ(DataRowValues(result[5]), (std::vector<std::optional<std::string>>{"2"}));
  EXPECT_EQ(DataRowValues(result[7]), (std::vector<std::optional<std::string>>{"1"}));

  // A second Parse of the same name fails; the statement survives Sync and can be closed.
  ASSERT_OK(client.Send('P', Body().Str("s1").Str("SELECT 1").Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "42P05");

  ASSERT_OK(client.Send('C', Body().Int8('S').Str("s1")));
  ASSERT_OK(
      client.Send('B', Body().Str("").Str("s1").Int16(0).Int16(1).Int32(1).Raw("a").Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "3EZ");
  EXPECT_EQ(ErrorFields(result[1])['C'], "26000");
}

// DISCARD ALL (sent by connection poolers between clients) forgets prepared statements.
TEST_F(PgwireServerTest, DiscardAllForgetsPreparedStatements) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("s1").Str("SELECT 1").Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "1Z");
  ASSERT_OK_AND_ASSIGN(result, client.Query("DISCARD ALL"));
  ASSERT_EQ(Types(result), "CZ");
  EXPECT_EQ(CString(result[0]), "DISCARD ALL");
  ASSERT_OK(client.Send('B', Body().Str("").Str("s1").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "26000");
  // The name is free again.
  ASSERT_OK(client.Send('P', Body().Str("s1").Str("SELECT 1").Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  EXPECT_EQ(Types(result), "1Z");
}

TEST_F(PgwireServerTest, DescribeStatementWithoutRowsSendsNoData) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("ins").Str("INSERT INTO kv VALUES ($1, $2)").Int16(0)));
  ASSERT_OK(client.Send('D', Body().Int8('S').Str("ins")));
  ASSERT_OK(client.Send(
      'B',
      Body().Str("").Str("ins").Int16(0).Int16(2).Int32(1).Raw("x").Int32(1).Raw("y").Int16(0)));
  ASSERT_OK(client.Send('D', Body().Int8('P').Str("")));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "1tn2nCZ");
  EXPECT_EQ(result[1].body, Body().Int16(2).Int32(kTextOid).Int32(kTextOid).data());
  EXPECT_EQ(CString(result[5]), "INSERT 0 1");
  EXPECT_EQ(backend_.Snapshot().at("x"), "y");
}

TEST_F(PgwireServerTest, ExecuteWithMaxRowsSuspendsPortal) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("").Str("SELECT * FROM generate_series(1,5)").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("cur").Str("").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('E', Body().Str("cur").Int32(2)));
  ASSERT_OK(client.Send('H', Body()));
  std::vector<Message> got;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(Message m, client.Read());
    got.push_back(std::move(m));
  }
  ASSERT_EQ(Types(got), "12DDs");
  EXPECT_EQ(DataRowValues(got[2]), (std::vector<std::optional<std::string>>{"1"}));
  ASSERT_OK(client.Send('E', Body().Str("cur").Int32(2)));
  ASSERT_OK(client.Send('E', Body().Str("cur").Int32(2)));
  ASSERT_OK(client.Send('E', Body().Str("cur").Int32(2)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "DDsDCCZ");
  EXPECT_EQ(DataRowValues(result[0]), (std::vector<std::optional<std::string>>{"3"}));
  EXPECT_EQ(DataRowValues(result[3]), (std::vector<std::optional<std::string>>{"5"}));
  EXPECT_EQ(CString(result[4]), "SELECT 5");
  EXPECT_EQ(CString(result[5]), "SELECT 0");  // the portal was already at its end
  // The portal is gone after the transaction ended at Sync.
  ASSERT_OK(client.Send('E', Body().Str("cur").Int32(2)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "34000");
}

TEST_F(PgwireServerTest, BinaryParametersAndResults) {
  TestClient client;
  Login(&client);
  // $1 int4 sent in binary, $2 text sent as text, $3 NULL; results: int4 binary, text as text.
  ASSERT_OK(client.Send('P', Body()
                                 .Str("")
                                 .Str("SELECT $1, $2, $3")
                                 .Int16(3)
                                 .Int32(kInt4Oid)
                                 .Int32(kTextOid)
                                 .Int32(kTextOid)));
  ASSERT_OK(client.Send('B', Body()
                                 .Str("")
                                 .Str("")
                                 .Int16(3)
                                 .Int16(1)
                                 .Int16(0)
                                 .Int16(0)
                                 .Int16(3)
                                 .Int32(4)
                                 .Raw(BigEndian32(-123456))
                                 .Int32(5)
                                 .Raw("hello")
                                 .Int32(-1)
                                 .Int16(3)
                                 .Int16(1)
                                 .Int16(0)
                                 .Int16(0)));
  ASSERT_OK(client.Send('D', Body().Int8('P').Str("")));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "12TDCZ");
  // The portal's RowDescription carries the result formats.
  pgwire::MessageReader r(result[2].body);
  ASSERT_EQ(r.Int16(), 3);
  r.CString();
  r.Bytes(16);
  EXPECT_EQ(r.Int16(), 1);
  r.CString();
  r.Bytes(16);
  EXPECT_EQ(r.Int16(), 0);
  auto values = DataRowValues(result[3]);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], BigEndian32(-123456));
  EXPECT_EQ(values[1], "hello");
  EXPECT_EQ(values[2], std::nullopt);

  // A malformed binary int4 (3 bytes) is an error, reported before Sync.
  ASSERT_OK(client.Send('B', Body()
                                 .Str("")
                                 .Str("")
                                 .Int16(1)
                                 .Int16(1)
                                 .Int16(3)
                                 .Int32(3)
                                 .Raw("abc")
                                 .Int32(1)
                                 .Raw("x")
                                 .Int32(-1)
                                 .Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "22P03");
}

TEST_F(PgwireServerTest, BindChecksCountsAndFormats) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("s").Str("SELECT v FROM kv WHERE k = $1").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("").Str("s").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "1EZ");
  EXPECT_EQ(ErrorFields(result[1])['C'], "08P01");
  EXPECT_NE(ErrorFields(result[1])['M'].find("supplies 0 parameters"), std::string::npos);

  ASSERT_OK(client.Send(
      'B', Body().Str("").Str("s").Int16(1).Int16(7).Int16(1).Int32(1).Raw("a").Int16(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "22023");
}

TEST_F(PgwireServerTest, ErrorDiscardsMessagesUntilSync) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("").Str("nonsense").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("").Str("").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  ASSERT_OK(client.Send('P', Body().Str("").Str("SELECT 1").Int16(0)));
  ASSERT_OK(client.Send('Q', Body().Str("SELECT 1")));  // also discarded
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "42601");
  // After Sync everything works again.
  ASSERT_OK(client.Send('P', Body().Str("").Str("SELECT 1").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("").Str("").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(result, client.ReadUntilReady());
  EXPECT_EQ(Types(result), "12DCZ");
}

TEST_F(PgwireServerTest, CloseAndFlush) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("s").Str("SELECT 1").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("p").Str("s").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('C', Body().Int8('P').Str("p")));
  ASSERT_OK(client.Send('C', Body().Int8('P').Str("never-existed")));
  ASSERT_OK(client.Send('H', Body()));
  std::vector<Message> got;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(Message m, client.Read());
    got.push_back(std::move(m));
  }
  EXPECT_EQ(Types(got), "1233");
  ASSERT_OK(client.Send('E', Body().Str("p").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "34000");
}

TEST_F(PgwireServerTest, EmptyStatementInExtendedProtocol) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("").Str("").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("").Str("").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('D', Body().Int8('P').Str("")));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  EXPECT_EQ(Types(result), "12nIZ");
}

TEST_F(PgwireServerTest, CopyIn) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('Q', Body().Str("COPY kv FROM STDIN")));
  ASSERT_OK_AND_ASSIGN(Message response, client.Read());
  ASSERT_EQ(response.type, 'G');
  EXPECT_EQ(response.body, Body().Int8(0).Int16(2).Int16(0).Int16(0).data());
  ASSERT_OK(client.Send('d', "a\t1\nb\t"));
  ASSERT_OK(client.Send('d', "2\n"));
  ASSERT_OK(client.Send('c', ""));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "CZ");
  EXPECT_EQ(CString(result[0]), "COPY 2");
  EXPECT_EQ(backend_.Snapshot(), (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
}

TEST_F(PgwireServerTest, CopyFailReportsError) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('Q', Body().Str("COPY kv FROM STDIN")));
  ASSERT_OK_AND_ASSIGN(Message response, client.Read());
  ASSERT_EQ(response.type, 'G');
  ASSERT_OK(client.Send('d', "a\t1\n"));
  ASSERT_OK(client.Send('f', Body().Str("user gave up")));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "57014");
  EXPECT_EQ(ErrorFields(result[0])['M'], "COPY from stdin failed: user gave up");
  EXPECT_TRUE(backend_.Snapshot().empty());
}

TEST_F(PgwireServerTest, CopyInAboveLimitFailsAndStrayCopyDataIsDropped) {
  PgServerOptions options;
  options.max_copy_bytes = 10;
  Start(options);
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('Q', Body().Str("COPY kv FROM STDIN")));
  ASSERT_OK_AND_ASSIGN(Message response, client.Read());
  ASSERT_EQ(response.type, 'G');
  ASSERT_OK(client.Send('d', "a\t1\n"));
  ASSERT_OK(client.Send('d', "bbbbbbbb\t2\n"));
  ASSERT_OK(client.Send('d', "c\t3\n"));  // after the error: dropped
  ASSERT_OK(client.Send('c', ""));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "54000");
  ASSERT_OK_AND_ASSIGN(result, client.Query("SELECT 1"));
  EXPECT_EQ(Types(result), "TDCZ");
}

TEST_F(PgwireServerTest, CopyOut) {
  backend_.Put("a", "1");
  backend_.Put("b", "2");
  TestClient client;
  Login(&client);
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("COPY kv TO STDOUT"));
  ASSERT_EQ(Types(result), "HddcCZ");
  EXPECT_EQ(result[0].body, Body().Int8(0).Int16(2).Int16(0).Int16(0).data());
  EXPECT_EQ(result[1].body, "a\t1\n");
  EXPECT_EQ(result[2].body, "b\t2\n");
  EXPECT_EQ(CString(result[4]), "COPY 2");
}

TEST_F(PgwireServerTest, CopyInThroughExtendedProtocol) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('P', Body().Str("").Str("COPY kv FROM STDIN").Int16(0)));
  ASSERT_OK(client.Send('B', Body().Str("").Str("").Int16(0).Int16(0).Int16(0)));
  ASSERT_OK(client.Send('E', Body().Str("").Int32(0)));
  std::vector<Message> got;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Message m, client.Read());
    got.push_back(std::move(m));
  }
  ASSERT_EQ(Types(got), "12G");
  ASSERT_OK(client.Send('d', "z\t26\n"));
  ASSERT_OK(client.Send('c', ""));
  ASSERT_OK(client.Send('S', Body()));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "CZ");
  EXPECT_EQ(CString(result[0]), "COPY 1");
  EXPECT_EQ(backend_.Snapshot().at("z"), "26");
}

TEST_F(PgwireServerTest, CancelRequestInterruptsRunningStatement) {
  TestClient victim;
  Login(&victim);
  ASSERT_OK(victim.Send('Q', Body().Str("SELECT pg_sleep_forever()")));
  ASSERT_TRUE(backend_.WaitForSleeper(absl::Seconds(5)));

  // A wrong key does nothing.
  TestClient wrong;
  ASSERT_OK(wrong.Connect(server_->port()));
  ASSERT_OK(wrong.SendStartupPacket(
      80877102, Body().Int32(victim.process_id()).Int32(victim.secret_key() ^ 1).data()));
  EXPECT_TRUE(wrong.WaitClosed());
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(backend_.cancelled(), 0);

  TestClient canceller;
  ASSERT_OK(canceller.Connect(server_->port()));
  ASSERT_OK(canceller.SendStartupPacket(
      80877102, Body().Int32(victim.process_id()).Int32(victim.secret_key()).data()));
  EXPECT_TRUE(canceller.WaitClosed());
  ASSERT_OK_AND_ASSIGN(auto result, victim.ReadUntilReady());
  ASSERT_EQ(Types(result), "TEZ");
  EXPECT_EQ(ErrorFields(result[1])['C'], "57014");
  EXPECT_EQ(backend_.cancelled(), 1);
  ASSERT_OK_AND_ASSIGN(result, victim.Query("SELECT 1"));
  EXPECT_EQ(Types(result), "TDCZ");
}

TEST_F(PgwireServerTest, TerminateClosesConnection) {
  TestClient client;
  Login(&client);
  EXPECT_EQ(server_->connection_count(), 1);
  ASSERT_OK(client.Send('X', Body()));
  EXPECT_TRUE(client.WaitClosed());
  for (int i = 0; i < 100 && server_->connection_count() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(server_->connection_count(), 0);
}

TEST_F(PgwireServerTest, SslAndGssRequestsAreDeclined) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK(client.SendStartupPacket(80877104, ""));  // GSSENCRequest
  ASSERT_OK_AND_ASSIGN(char answer, client.ReadByte());
  EXPECT_EQ(answer, 'N');
  ASSERT_OK(client.SendStartupPacket(80877103, ""));  // SSLRequest
  ASSERT_OK_AND_ASSIGN(answer, client.ReadByte());
  EXPECT_EQ(answer, 'N');
  ASSERT_OK_AND_ASSIGN(auto login, client.Login());
  EXPECT_EQ(login.back().type, 'Z');
  ASSERT_OK_AND_ASSIGN(auto result, client.Query("SELECT 1"));
  EXPECT_EQ(Types(result), "TDCZ");
}

TEST_F(PgwireServerTest, UnsupportedProtocolVersionIsRejected) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK(client.SendStartupPacket(0x00020000, Body().Str("user").Str("u").Int8(0).data()));
  ASSERT_OK_AND_ASSIGN(Message m, client.Read());
  ASSERT_EQ(m.type, 'E');
  EXPECT_EQ(ErrorFields(m)['S'], "FATAL");
  EXPECT_EQ(ErrorFields(m)['C'], "0A000");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(PgwireServerTest, NewerMinorVersionIsNegotiatedDown) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK(client.SendStartupPacket(
      0x00030002, Body().Str("user").Str("u").Str("_pq_.compression").Str("on").Int8(0).data()));
  ASSERT_OK_AND_ASSIGN(auto login, client.ReadUntilReady());
  ASSERT_EQ(login[0].type, 'v');
  EXPECT_EQ(login[0].body, Body().Int32(0).Int32(1).Str("_pq_.compression").data());
  EXPECT_EQ(login.back().type, 'Z');
}

TEST_F(PgwireServerTest, MissingUserAndBackendRefusal) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK(client.SendStartup({{"database", "d"}}));
  ASSERT_OK_AND_ASSIGN(Message m, client.Read());
  EXPECT_EQ(ErrorFields(m)['C'], "28000");
  EXPECT_TRUE(client.WaitClosed());

  TestClient nodb;
  ASSERT_OK(nodb.Connect(server_->port()));
  ASSERT_OK(nodb.SendStartup({{"user", "u"}, {"database", "nodb"}}));
  ASSERT_OK_AND_ASSIGN(m, nodb.Read());
  ASSERT_EQ(m.type, 'R');  // authenticated, then the backend refused the session
  ASSERT_OK_AND_ASSIGN(m, nodb.Read());
  EXPECT_EQ(ErrorFields(m)['S'], "FATAL");
  EXPECT_EQ(ErrorFields(m)['C'], "3D000");
  EXPECT_TRUE(nodb.WaitClosed());
}

TEST_F(PgwireServerTest, FunctionCallIsNotSupported) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('F', Body().Int32(1234).Int16(0).Int16(0).Int16(0)));
  ASSERT_OK_AND_ASSIGN(auto result, client.ReadUntilReady());
  ASSERT_EQ(Types(result), "EZ");
  EXPECT_EQ(ErrorFields(result[0])['C'], "0A000");
}

class PgwireServerScramTest : public PgwireServerTest {
 protected:
  void SetUp() override {
    PgServerOptions options;
    options.password = "s3cret";
    Start(options);
  }
};

TEST_F(PgwireServerScramTest, CorrectPasswordLogsIn) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK_AND_ASSIGN(auto result, client.LoginScram("s3cret"));
  ASSERT_GE(result.size(), 2u);
  EXPECT_EQ(result[0].type, 'R');
  EXPECT_EQ(LoadInt32(result[0].body.data()), 0);
  EXPECT_EQ(result.back().type, 'Z');
  ASSERT_OK_AND_ASSIGN(result, client.Query("SELECT 1"));
  EXPECT_EQ(Types(result), "TDCZ");
}

TEST_F(PgwireServerScramTest, WrongPasswordIsRefused) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK_AND_ASSIGN(auto result, client.LoginScram("wrong"));
  ASSERT_EQ(Types(result), "E");
  auto fields = ErrorFields(result[0]);
  EXPECT_EQ(fields['S'], "FATAL");
  EXPECT_EQ(fields['C'], "28P01");
  EXPECT_EQ(fields['M'], "password authentication failed for user \"u\"");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(PgwireServerScramTest, TamperedNonceIsAProtocolViolation) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK(client.SendStartup({{"user", "u"}}));
  ASSERT_OK_AND_ASSIGN(Message m, client.Read());
  ASSERT_EQ(m.type, 'R');
  const std::string first = "n,,n=,r=abc";
  ASSERT_OK(client.Send('p', Body().Str("SCRAM-SHA-256").Int32(first.size()).Raw(first)));
  ASSERT_OK_AND_ASSIGN(m, client.Read());
  ASSERT_EQ(m.type, 'R');
  ASSERT_OK(client.Send('p', Body().Raw("c=biws,r=abcdef,p=AAAA")));
  ASSERT_OK_AND_ASSIGN(m, client.Read());
  ASSERT_EQ(m.type, 'E');
  EXPECT_EQ(ErrorFields(m)['C'], "08P01");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(PgwireServerScramTest, ClientThatSkipsAuthenticationIsRefused) {
  TestClient client;
  ASSERT_OK(client.Connect(server_->port()));
  ASSERT_OK(client.SendStartup({{"user", "u"}}));
  ASSERT_OK_AND_ASSIGN(Message m, client.Read());
  ASSERT_EQ(m.type, 'R');
  ASSERT_OK(client.Send('Q', Body().Str("SELECT 1")));
  ASSERT_OK_AND_ASSIGN(m, client.Read());
  ASSERT_EQ(m.type, 'E');
  EXPECT_EQ(ErrorFields(m)['C'], "08P01");
  EXPECT_TRUE(client.WaitClosed());
}

TEST_F(PgwireServerTest, ShutdownClosesOpenConnections) {
  TestClient a, b;
  Login(&a);
  Login(&b);
  ASSERT_OK(b.Send('Q', Body().Str("SELECT pg_sleep_forever()")));
  ASSERT_TRUE(backend_.WaitForSleeper(absl::Seconds(5)));
  const absl::Time start = absl::Now();
  server_->Shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(a.WaitClosed());
  EXPECT_TRUE(b.WaitClosed());
  EXPECT_EQ(server_->connection_count(), 0);
  server_->Shutdown();  // idempotent
}

}  // namespace
}  // namespace meridian::sql
