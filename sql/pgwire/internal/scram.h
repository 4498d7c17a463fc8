// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it for password authentication:
// no channel binding is offered (the client's gs2 header must be "n,," or "y,,"), the
// user name in the client-first-message is ignored (the startup packet names the user),
// and the password is used as given (no SASLprep, which is the identity for ASCII).
//
//   client-first  n,,n=,r=<cnonce>
//   server-first  r=<cnonce><snonce>,s=<base64 salt>,i=<iterations>
//   client-final  c=biws,r=<nonce>,p=<base64 proof>
//   server-final  v=<base64 server signature>
//
// The crypto helpers wrap OpenSSL's libcrypto and are exported for the tests' client side.
//
// Thread-safety: ScramSecret is immutable after Create and may be shared; a
// ScramServerExchange belongs to one connection thread.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// What the server keeps of a password: the salt and iteration count it hands to clients
// and the keys that verify a proof.
struct ScramSecret {
  std::string salt;
  int iterations = 4096;
  std::string stored_key;  // H(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")

  static ScramSecret Derive(std::string_view password, std::string salt, int iterations);
  // With a fresh random 16-byte salt.
  static absl::StatusOr<ScramSecret> Create(std::string_view password, int iterations);
};

// The server side of one exchange.
class ScramServerExchange {
 public:
  // `server_nonce` is appended to the client's nonce; it must be printable ASCII without
  // ',' (e.g. base64 of random bytes).
  ScramServerExchange(const ScramSecret& secret, std::string server_nonce)
      : secret_(secret), server_nonce_(std::move(server_nonce)) {}

  // Takes the client-first-message, returns the server-first-message. 08P01 if malformed,
  // 28000 if the client demands channel binding.
  absl::StatusOr<std::string> HandleClientFirst(std::string_view message);
  // Takes the client-final-message, returns the server-final-message when the proof is
  // right; 28P01 when it is not, 08P01 if malformed.
  absl::StatusOr<std::string> HandleClientFinal(std::string_view message);

 private:
  const ScramSecret& secret_;
  const std::string server_nonce_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;  // client nonce + server nonce
  bool first_done_ = false;
};

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_H_
