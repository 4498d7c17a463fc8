// SCRAM-SHA-256 (RFC 5802 with the SHA-256 of RFC 7677) as PostgreSQL uses it for password
// authentication: no channel binding (gs2 header "n,," or "y,,"), the user name in the
// client-first-message ignored (the startup packet names the user) and the password used as
// given (no SASLprep, which is the identity for ASCII).
//
//   client-first  n,,n=,r=<cnonce>
//   server-first  r=<cnonce><snonce>,s=<base64 salt>,i=<iterations>
//   client-final  c=biws,r=<nonce>,p=<base64 proof>
//   server-final  v=<base64 server signature>
//
// This is the one SCRAM module of the tree. This header holds what both halves share: the
// crypto primitives (OpenSSL's libcrypto), the key derivation, the auth message and the
// attribute syntax. The halves are ScramServerExchange (scram_server.h, used by the wire
// server) and ScramClientExchange (scram_client.h, used by the raw test client; the shell
// and the logic tests log in through libpq, which has its own).
//
// Thread-safety: stateless functions; ScramKeys and ScramSecret are plain values.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace meridian::sql::pgwire {

std::string Base64Encode(std::string_view data);
// nullopt on malformed input (bad characters, bad padding or length).
std::optional<std::string> Base64Decode(std::string_view text);
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Pbkdf2HmacSha256(std::string_view password, std::string_view salt, int iterations);
// Cryptographically random bytes (RAND_bytes).
absl::StatusOr<std::string> RandomBytes(size_t n);
// a XOR b, byte by byte. REQUIRES: a.size() == b.size().
std::string XorBytes(std::string_view a, std::string_view b);
// Compares in time independent of where the inputs differ (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The iteration counts either half accepts: PostgreSQL's default is 4096; more than this
// is a server trying to make the client burn CPU.
inline constexpr int kScramMaxIterations = 10'000'000;

// The keys derived from one password, salt and iteration count.
struct ScramKeys {
  std::string client_key;  // HMAC(SaltedPassword, "Client Key")
  std::string stored_key;  // H(ClientKey)
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")

  // REQUIRES: 1 <= iterations <= kScramMaxIterations.
  static ScramKeys Derive(std::string_view password, std::string_view salt, int iterations);
};

// What the server keeps of a password: the salt and iteration count it hands to clients
// and the keys that verify a proof (never the client key, from which a proof can be made).
struct ScramSecret {
  std::string salt;
  int iterations = 4096;
  std::string stored_key;
  std::string server_key;

  static ScramSecret Derive(std::string_view password, std::string salt, int iterations);
  // With a fresh random 16-byte salt.
  static absl::StatusOr<ScramSecret> Create(std::string_view password, int iterations);
};

// client-first-message-bare "," server-first-message "," client-final-message-without-proof:
// the text both signatures are computed over.
std::string ScramAuthMessage(std::string_view client_first_bare, std::string_view server_first,
                             std::string_view client_final_without_proof);

// ClientKey XOR HMAC(StoredKey, AuthMessage).
std::string ScramClientProof(const ScramKeys& keys, std::string_view auth_message);
// HMAC(ServerKey, AuthMessage).
std::string ScramServerSignature(std::string_view server_key, std::string_view auth_message);

// Splits "a=x,b=y" into (attribute, value) pairs; nullopt when an element is not "k=...".
std::optional<std::vector<std::pair<char, std::string_view>>> ParseScramAttributes(
    std::string_view text);

// A nonce is printable ASCII (0x21..0x7e) without ',', and not empty.
bool IsValidScramNonce(std::string_view nonce);

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_H_
