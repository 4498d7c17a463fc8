#include "sql/pgwire/internal/scram.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace meridian::sql::pgwire {
namespace {

TEST(PgwireBase64Test, RoundTripsAndRejectsMalformed) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_EQ(Base64Decode("Zg"), std::nullopt);
  EXPECT_EQ(Base64Decode("Z*=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zg==Zg=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Z==="), std::nullopt);
}

// The keys and signatures of the example exchange in RFC 7677 section 3 (user "user",
// password "pencil"); the proof and signature below are the ones the RFC prints.
TEST(PgwireScramTest, KeysAndSignaturesMatchRfc7677) {
  const std::string salt = *Base64Decode("W22ZaJ0SNY7soEsUEjb6gQ==");
  const ScramKeys keys = ScramKeys::Derive("pencil", salt, 4096);
  EXPECT_EQ(keys.stored_key, Sha256(keys.client_key));
  const std::string auth_message = ScramAuthMessage(
      "n=user,r=rOprNGfwEbeRWgbNEkqO",
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  EXPECT_EQ(Base64Encode(ScramClientProof(keys, auth_message)),
            "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(Base64Encode(ScramServerSignature(keys.server_key, auth_message)),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

  const ScramSecret secret = ScramSecret::Derive("pencil", salt, 4096);
  EXPECT_EQ(secret.stored_key, keys.stored_key);
  EXPECT_EQ(secret.server_key, keys.server_key);
  EXPECT_NE(ScramKeys::Derive("pencil2", salt, 4096).client_key, keys.client_key);
}

TEST(PgwireScramTest, SecretsGetFreshSalts) {
  absl::StatusOr<ScramSecret> a = ScramSecret::Create("pw", 16);
  absl::StatusOr<ScramSecret> b = ScramSecret::Create("pw", 16);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->salt.size(), 16u);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->stored_key, b->stored_key);
}

TEST(PgwireScramTest, AttributesAndNonces) {
  auto attrs = ParseScramAttributes("r=abc,s=QUJD,i=4096");
  ASSERT_TRUE(attrs.has_value());
  ASSERT_EQ(attrs->size(), 3u);
  EXPECT_EQ((*attrs)[0].first, 'r');
  EXPECT_EQ((*attrs)[0].second, "abc");
  EXPECT_EQ((*attrs)[2].second, "4096");
  auto padded = ParseScramAttributes("v=Zg==");  // '=' inside a value is fine
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ((*padded)[0].second, "Zg==");
  EXPECT_FALSE(ParseScramAttributes("").has_value());
  EXPECT_FALSE(ParseScramAttributes("r=a,,s=b").has_value());
  EXPECT_FALSE(ParseScramAttributes("ra").has_value());

  EXPECT_TRUE(IsValidScramNonce("%hvYDpWU)$k0"));
  EXPECT_FALSE(IsValidScramNonce(""));
  EXPECT_FALSE(IsValidScramNonce("a,b"));
  EXPECT_FALSE(IsValidScramNonce("a b"));
  EXPECT_FALSE(IsValidScramNonce("caf\xc3\xa9"));
}

TEST(PgwireScramTest, XorAndConstantTimeEquals) {
  EXPECT_EQ(XorBytes(std::string("\x0f\xf0", 2), std::string("\xff\xff", 2)),
            std::string("\xf0\x0f", 2));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace meridian::sql::pgwire
