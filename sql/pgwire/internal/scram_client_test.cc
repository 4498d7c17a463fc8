#include "sql/pgwire/internal/scram_client.h"

#include <gtest/gtest.h>

#include <string>

#include "common/status.h"
#include "sql/pgwire/internal/scram.h"
#include "sql/pgwire/internal/scram_server.h"

namespace meridian::sql::pgwire {
namespace {

// The SCRAM-SHA-256 exchange from RFC 7677 section 3 (user "user", password "pencil").
constexpr char kClientNonce[] = "rOprNGfwEbeRWgbNEkqO";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kClientFinal[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr char kServerFinal[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

TEST(PgwireScramClientTest, Rfc7677Example) {
  ScramClientExchange scram("user", "pencil", kClientNonce);
  EXPECT_EQ(scram.ClientFirstMessage(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  absl::StatusOr<std::string> final_message = scram.HandleServerFirst(kServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(*final_message, kClientFinal);
  EXPECT_TRUE(scram.VerifyServerFinal(kServerFinal).ok());
}

TEST(PgwireScramClientTest, WrongServerSignatureIsRejected) {
  ScramClientExchange scram("user", "pencil", kClientNonce);
  ASSERT_TRUE(scram.HandleServerFirst(kServerFirst).ok());
  absl::Status wrong = scram.VerifyServerFinal("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(GetSqlState(wrong), "28000");
  EXPECT_EQ(scram.VerifyServerFinal("e=invalid-proof").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(GetSqlState(scram.VerifyServerFinal("x=1")), "08P01");
}

TEST(PgwireScramClientTest, WrongPasswordGivesAnotherProof) {
  ScramClientExchange scram("user", "pencil2", kClientNonce);
  absl::StatusOr<std::string> final_message = scram.HandleServerFirst(kServerFirst);
  ASSERT_TRUE(final_message.ok());
  EXPECT_NE(*final_message, kClientFinal);
  EXPECT_FALSE(scram.VerifyServerFinal(kServerFinal).ok());
}

TEST(PgwireScramClientTest, MalformedServerFirstIsRejected) {
  ScramClientExchange scram("", "pw", "abc");
  for (const char* server_first : {
           "r=xyz123,s=QUJD,i=4096",  // nonce that does not extend ours
           "r=abc,s=QUJD,i=4096",     // nonce with nothing added
           "r=abcdef,i=4096",         // no salt
           "r=abcdef,s=!!!,i=4096",   // salt not base64
           "r=abcdef,s=QUJD",         // no iteration count
           "r=abcdef,s=QUJD,i=0",     // absurd iteration counts
           "r=abcdef,s=QUJD,i=2000000000",
           "r=abcdef,s=QUJD,i=many",
           "garbage",
       }) {
    absl::StatusOr<std::string> r = scram.HandleServerFirst(server_first);
    ASSERT_FALSE(r.ok()) << server_first;
    EXPECT_EQ(GetSqlState(r.status()), "08P01") << server_first;
  }
  // Server-final before server-first.
  EXPECT_FALSE(scram.VerifyServerFinal(kServerFinal).ok());
}

// Both halves of the one module agree, and only on the right password.
TEST(PgwireScramClientTest, TalksToTheServerHalf) {
  const ScramSecret secret = ScramSecret::Derive("s3cret", "0123456789abcdef", 64);
  for (const char* password : {"s3cret", "wrong"}) {
    ScramServerExchange server(secret, "SERVERNONCE");
    ScramClientExchange client("", password, "clientnonce");
    auto server_first = server.HandleClientFirst(client.ClientFirstMessage());
    ASSERT_TRUE(server_first.ok()) << server_first.status();
    auto client_final = client.HandleServerFirst(*server_first);
    ASSERT_TRUE(client_final.ok()) << client_final.status();
    auto server_final = server.HandleClientFinal(*client_final);
    if (std::string(password) == "s3cret") {
      ASSERT_TRUE(server_final.ok()) << server_final.status();
      EXPECT_TRUE(client.VerifyServerFinal(*server_final).ok());
    } else {
      ASSERT_FALSE(server_final.ok());
      EXPECT_EQ(GetSqlState(server_final.status()), "28P01");
    }
  }
}

TEST(PgwireScramClientTest, NoncesAreRandom) {
  absl::StatusOr<std::string> a = ScramClientExchange::MakeNonce();
  absl::StatusOr<std::string> b = ScramClientExchange::MakeNonce();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 24u);  // 18 bytes in base64
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(IsValidScramNonce(*a));
}

}  // namespace
}  // namespace meridian::sql::pgwire
