// The server half of one SCRAM-SHA-256 exchange (see scram.h for the messages): checks the
// client's proof against a ScramSecret and proves in turn that the server knows the
// password.
//
//   ScramServerExchange exchange(secret, Base64Encode(random));
//   ASSIGN_OR_RETURN(std::string server_first, exchange.HandleClientFirst(client_first));
//   ASSIGN_OR_RETURN(std::string server_final, exchange.HandleClientFinal(client_final));
//
// Errors carry SQLSTATEs for the wire: 08P01 for a malformed message, 28000 for what the
// server does not support (channel binding, an authorization identity, extensions), 28P01
// for a wrong proof.
//
// Thread-safety: not thread-safe; one object per exchange, on the connection's thread. The
// ScramSecret must outlive it.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_SERVER_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_SERVER_H_

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "sql/pgwire/internal/scram.h"

namespace meridian::sql::pgwire {

class ScramServerExchange {
 public:
  // `server_nonce` is appended to the client's nonce; it must be a valid nonce
  // (IsValidScramNonce, e.g. base64 of random bytes).
  ScramServerExchange(const ScramSecret& secret, std::string server_nonce)
      : secret_(secret), server_nonce_(std::move(server_nonce)) {}

  // Takes the client-first-message, returns the server-first-message.
  absl::StatusOr<std::string> HandleClientFirst(std::string_view message);
  // Takes the client-final-message, returns the server-final-message when the proof is
  // right.
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

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_SERVER_H_
