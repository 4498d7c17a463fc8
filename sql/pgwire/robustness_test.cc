// Hostile and broken clients: every one is answered or dropped without harming the server,
// and a well-behaved client still works afterwards.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>
#include <vector>

#include "sql/pgwire/server.h"
#include "sql/pgwire/testing/fake_backend.h"
#include "sql/pgwire/testing/test_client.h"

namespace meridian::sql {
namespace {

using pgwire::Message;
using pgwire::testing::Body;
using pgwire::testing::ErrorFields;
using pgwire::testing::FakeBackend;
using pgwire::testing::TestClient;
using pgwire::testing::Types;

class PgwireRobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(PgServerOptions()); }

  void Start(PgServerOptions options) {
    server_.reset();
    auto server = PgServer::Start(std::move(options), &backend_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

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

  // Reads the FATAL the server sends before closing and returns its SQLSTATE.
  std::string FatalCode(TestClient* client) {
    absl::StatusOr<Message> m = client->Read();
    if (!m.ok()) return "no message: " + m.status().ToString();
    if (m->type != 'E') return std::string("unexpected type ") + m->type;
    auto fields = ErrorFields(*m);
    if (fields['S'] != "FATAL") return "severity " + fields['S'];
    if (!client->WaitClosed()) return "not closed";
    return fields['C'];
  }

  FakeBackend backend_;
  std::unique_ptr<PgServer> server_;
};

TEST_F(PgwireRobustnessTest, LengthBelowFour) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.SendRaw(std::string("Q") + Body().Int32(3).data()));
  EXPECT_EQ(FatalCode(&client), "08P01");
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, NegativeLength) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.SendRaw(std::string("P") + Body().Int32(-5).data()));
  EXPECT_EQ(FatalCode(&client), "08P01");
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, HugeLengthIsRefusedBeforeAllocation) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.SendRaw(std::string("Q") + Body().Int32(0x7fffffff).data() + "SELECT"));
  EXPECT_EQ(FatalCode(&client), "54000");
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, MessageJustAboveConfiguredLimit) {
  PgServerOptions options;
  options.max_message_bytes = 1024;
  Start(options);
  TestClient ok_client;
  Login(&ok_client);
  ASSERT_OK_AND_ASSIGN(auto result,
                       ok_client.Query("SELECT 1" + std::string(1000, ' ')));  // within the limit
  EXPECT_EQ(Types(result), "TDCZ");
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('Q', Body().Str("SELECT 1" + std::string(1100, ' '))));
  EXPECT_EQ(FatalCode(&client), "54000");
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, TruncatedMessageThenDisconnect) {
  {
    TestClient client;
    Login(&client);
    // Announces 100 bytes, sends 10, hangs up.
    ASSERT_OK(client.SendRaw(std::string("Q") + Body().Int32(104).data() + "SELECT 1; "));
  }
  {
    TestClient client;
    Login(&client);
    ASSERT_OK(client.SendRaw("Q\0\0"));  // half a header
  }
  {
    TestClient client;
    ASSERT_OK(client.Connect(server_->port()));
    ASSERT_OK(client.SendRaw(Body().Int32(40).Int32(196608).data()));  // half a startup packet
  }
  ExpectHealthy();
  for (int i = 0; i < 200 && server_->connection_count() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(server_->connection_count(), 0);
}

TEST_F(PgwireRobustnessTest, MalformedBodies) {
  struct Case {
    char type;
    std::string body;
  };
  const std::vector<Case> cases = {
      {'Q', "SELECT 1"},                                               // no terminator
      {'Q', std::string("SELECT 1\0extra", 14)},                       // trailing bytes
      {'P', Body().Str("").Str("SELECT 1").Int16(5).Int32(0).data()},  // 5 oids, 1 sent
      {'P', Body().Str("").Str("SELECT 1").Int16(-1).data()},          // negative count
      {'B', Body().Str("").Str("").Int16(0).Int16(1).Int32(1000).Raw("x").data()},  // short
      {'B', Body().Str("").Str("").Int16(0).Int16(1).Int32(-7).Int16(0).data()},
      {'B', Body().Str("").data()},
      {'D', Body().Int8('S').data()},
      {'E', Body().Str("").Int16(0).data()},
      {'C', ""},
      {'S', "x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(1, c.type) + " " + std::to_string(c.body.size()));
    TestClient client;
    Login(&client);
    ASSERT_OK(client.Send(c.type, c.body));
    if (c.type != 'S') ASSERT_OK(client.Send('S', ""));
    EXPECT_EQ(FatalCode(&client), "08P01");
  }
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, UnknownMessageType) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('z', "whatever"));
  EXPECT_EQ(FatalCode(&client), "08P01");
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, UnexpectedMessageDuringCopyIn) {
  TestClient client;
  Login(&client);
  ASSERT_OK(client.Send('Q', Body().Str("COPY kv FROM STDIN")));
  ASSERT_OK_AND_ASSIGN(Message m, client.Read());
  ASSERT_EQ(m.type, 'G');
  ASSERT_OK(client.Send('Q', Body().Str("SELECT 1")));
  EXPECT_EQ(FatalCode(&client), "08P01");
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, GarbageStartupPackets) {
  const std::vector<std::string> garbage = {
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",                        // length 0x47455420
      Body().Int32(4).data(),                                     // too short
      Body().Int32(2000000).Int32(196608).data(),                 // too long
      Body().Int32(12).Int32(196608).Raw("user").data(),          // no terminator
      Body().Int32(16).Int32(80877102).Int32(1).Int32(2).data(),  // cancel, too long
      std::string(64, '\xff'),
  };
  for (const std::string& bytes : garbage) {
    TestClient client;
    ASSERT_OK(client.Connect(server_->port()));
    ASSERT_OK(client.SendRaw(bytes));
    EXPECT_TRUE(client.WaitClosed());
  }
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, StartupTimeoutDropsSilentClient) {
  PgServerOptions options;
  options.startup_timeout = absl::Milliseconds(300);
  Start(options);
  TestClient silent;
  ASSERT_OK(silent.Connect(server_->port()));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(silent.WaitClosed(5000));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, IdleTimeoutDisconnects) {
  PgServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  Start(options);
  TestClient client;
  Login(&client);
  EXPECT_EQ(FatalCode(&client), "57P05");
}

TEST_F(PgwireRobustnessTest, MaxConnectionsTurnsAwayExtraClients) {
  PgServerOptions options;
  options.max_connections = 2;
  Start(options);
  TestClient a, b;
  Login(&a);
  Login(&b);
  TestClient c;
  ASSERT_OK(c.Connect(server_->port()));
  ASSERT_OK(c.SendStartup({{"user", "u"}}));
  EXPECT_EQ(FatalCode(&c), "53300");
  // A cancel request still gets through on a full server.
  ASSERT_OK(b.Send('Q', Body().Str("SELECT pg_sleep_forever()")));
  ASSERT_TRUE(backend_.WaitForSleeper(absl::Seconds(5)));
  TestClient canceller;
  ASSERT_OK(canceller.Connect(server_->port()));
  ASSERT_OK(canceller.SendStartupPacket(80877102,
                                        Body().Int32(b.process_id()).Int32(b.secret_key()).data()));
  ASSERT_OK_AND_ASSIGN(auto result, b.ReadUntilReady());
  EXPECT_EQ(ErrorFields(result[1])['C'], "57014");
  // Once a slot frees up, a new client gets in.
  a.Close();
  for (int i = 0; i < 200 && server_->connection_count() > 1; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, ManyConcurrentConnections) {
  constexpr int kClients = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([this, i, &ok] {
      TestClient client;
      if (!client.Connect(server_->port()).ok()) return;
      if (!client.Login().ok()) return;
      const std::string key = "key" + std::to_string(i);
      auto insert = client.Query("INSERT INTO kv VALUES ('" + key + "', 'v')");
      if (!insert.ok() || Types(*insert) != "CZ") return;
      for (int q = 0; q < 5; ++q) {
        auto r = client.Query("SELECT 1");
        if (!r.ok() || Types(*r) != "TDCZ") return;
      }
      ok.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_EQ(backend_.Snapshot().size(), static_cast<size_t>(kClients));
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, ClientDisconnectingWhileRowsStream) {
  {
    TestClient client;
    Login(&client);
    ASSERT_OK(client.Send('Q', Body().Str("SELECT * FROM generate_series(1,200000)")));
    // Gone without reading the rows.
  }
  ExpectHealthy();
}

TEST_F(PgwireRobustnessTest, RandomBytesAfterLogin) {
  uint32_t seed = 12345;
  for (int round = 0; round < 30; ++round) {
    TestClient client;
    Login(&client);
    std::string bytes;
    for (int i = 0; i < 64; ++i) {
      seed = seed * 1103515245 + 12345;
      bytes.push_back(static_cast<char>(seed >> 16));
    }
    ASSERT_OK(client.SendRaw(bytes));
    client.Close();
  }
  ExpectHealthy();
}

}  // namespace
}  // namespace meridian::sql
