#include "sql/shell/scram.h"

#include <string>

#include "gtest/gtest.h"

namespace meridian::sql::shell {
namespace {

// The SCRAM-SHA-256 exchange from RFC 7677 section 3 (user "user", password "pencil").
constexpr char kClientNonce[] = "rOprNGfwEbeRWgbNEkqO";
constexpr char kServerFirst[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr char kClientFinal[] =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr char kServerFinal[] = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

TEST(ScramTest, Rfc7677Vector) {
  ScramSha256Client scram("user", "pencil", kClientNonce);
  EXPECT_EQ(scram.ClientFirstMessage(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  absl::StatusOr<std::string> final_message = scram.HandleServerFirst(kServerFirst);
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(*final_message, kClientFinal);
  EXPECT_TRUE(scram.VerifyServerFinal(kServerFinal).ok());
}

TEST(ScramTest, WrongServerSignatureIsRejected) {
  ScramSha256Client scram("user", "pencil", kClientNonce);
  ASSERT_TRUE(scram.HandleServerFirst(kServerFirst).ok());
  EXPECT_EQ(scram.VerifyServerFinal("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(scram.VerifyServerFinal("e=invalid-proof").code(), absl::StatusCode::kUnauthenticated);
}

TEST(ScramTest, WrongPasswordGivesDifferentProof) {
  ScramSha256Client scram("user", "pencil2", kClientNonce);
  absl::StatusOr<std::string> final_message = scram.HandleServerFirst(kServerFirst);
  ASSERT_TRUE(final_message.ok());
  EXPECT_NE(*final_message, kClientFinal);
  EXPECT_FALSE(scram.VerifyServerFinal(kServerFinal).ok());
}

TEST(ScramTest, MalformedServerFirstIsRejected) {
  ScramSha256Client scram("", "pw", "abc");
  // Nonce that does not extend ours.
  EXPECT_FALSE(scram.HandleServerFirst("r=xyz123,s=QUJD,i=4096").ok());
  // Missing or bad salt.
  EXPECT_FALSE(scram.HandleServerFirst("r=abcdef,i=4096").ok());
  EXPECT_FALSE(scram.HandleServerFirst("r=abcdef,s=!!!,i=4096").ok());
  // Absurd iteration counts.
  EXPECT_FALSE(scram.HandleServerFirst("r=abcdef,s=QUJD,i=0").ok());
  EXPECT_FALSE(scram.HandleServerFirst("r=abcdef,s=QUJD,i=2000000000").ok());
  // Server-final before server-first.
  EXPECT_FALSE(scram.VerifyServerFinal(kServerFinal).ok());
}

TEST(ScramTest, NoncesAreRandom) {
  absl::StatusOr<std::string> a = ScramSha256Client::MakeNonce();
  absl::StatusOr<std::string> b = ScramSha256Client::MakeNonce();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 24u);  // 18 bytes in base64
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->find(','), std::string::npos);
}

}  // namespace
}  // namespace meridian::sql::shell
