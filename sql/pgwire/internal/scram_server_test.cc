#include "sql/pgwire/internal/scram_server.h"

#include <gtest/gtest.h>

#include <string>

#include "common/status.h"
#include "sql/pgwire/internal/scram.h"

namespace meridian::sql::pgwire {
namespace {

// The SCRAM-SHA-256 example exchange of RFC 7677 section 3.
TEST(PgwireScramServerTest, Rfc7677Example) {
  const std::string salt = *Base64Decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  const ScramSecret secret = ScramSecret::Derive("pencil", salt, 4096);
  ScramServerExchange exchange(secret, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  auto server_first = exchange.HandleClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_TRUE(server_first.ok()) << server_first.status();
  EXPECT_EQ(*server_first,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
            "i=4096");
  auto server_final = exchange.HandleClientFinal(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(server_final.ok()) << server_final.status();
  EXPECT_EQ(*server_final, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

TEST(PgwireScramServerTest, WrongProofIsRefused) {
  const ScramSecret secret = ScramSecret::Derive("pencil", "saltsaltsalt", 4096);
  ScramServerExchange exchange(secret, "SERVER");
  ASSERT_TRUE(exchange.HandleClientFirst("n,,n=,r=abc").ok());
  auto final_message = exchange.HandleClientFinal(
      "c=biws,r=abcSERVER,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_FALSE(final_message.ok());
  EXPECT_EQ(GetSqlState(final_message.status()), "28P01");
}

TEST(PgwireScramServerTest, MalformedMessages) {
  const ScramSecret secret = ScramSecret::Derive("pencil", "salt", 4096);
  for (const char* first : {"", "n", "x,,n=,r=a", "n,,", "n,,r=a", "n,,n=,r=", "n,,n=,r=a,b"}) {
    ScramServerExchange exchange(secret, "S");
    auto r = exchange.HandleClientFirst(first);
    ASSERT_FALSE(r.ok()) << first;
    EXPECT_EQ(GetSqlState(r.status()), "08P01") << first;
  }
  {
    ScramServerExchange exchange(secret, "S");
    auto r = exchange.HandleClientFirst("p=tls-server-end-point,,n=,r=a");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(GetSqlState(r.status()), "28000");
  }
  for (const char* final_message :
       {"", "c=biws,r=aS", "c=biws,r=aS,p=", "c=eSws,r=aS,p=AAAA", "c=biws,r=zz,p=AAAA",
        "r=aS,c=biws,p=AAAA", "c=biws,r=aS,p=!!!!"}) {
    ScramServerExchange exchange(secret, "S");
    ASSERT_TRUE(exchange.HandleClientFirst("n,,n=,r=a").ok());
    auto r = exchange.HandleClientFinal(final_message);
    ASSERT_FALSE(r.ok()) << final_message;
    EXPECT_EQ(GetSqlState(r.status()), "08P01") << final_message;
  }
  // The final message before the first one.
  ScramServerExchange exchange(secret, "S");
  EXPECT_FALSE(exchange.HandleClientFinal("c=biws,r=aS,p=AAAA").ok());
}

TEST(PgwireScramServerTest, ClientSupportingChannelBindingIsAccepted) {
  // "y,,": the client could bind but thinks the server cannot; c= is base64("y,,").
  const ScramSecret secret = ScramSecret::Derive("pw", "salt", 16);
  ScramServerExchange exchange(secret, "S");
  ASSERT_TRUE(exchange.HandleClientFirst("y,,n=,r=a").ok());
  auto r = exchange.HandleClientFinal("c=biws,r=aS,p=AAAA");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "08P01");  // c= must match the header it sent
}

}  // namespace
}  // namespace meridian::sql::pgwire
