// The client half of one SCRAM-SHA-256 exchange (see scram.h for the messages): proves to
// the server that it knows the password, and checks that the server knows it too.
//
//   ScramClientExchange scram("", password, nonce);  // PostgreSQL clients send "n="
//   send(scram.ClientFirstMessage());                           // SASLInitialResponse
//   ASSIGN_OR_RETURN(std::string final, scram.HandleServerFirst(server_first));
//   send(final);                                                // SASLResponse
//   RETURN_IF_ERROR(scram.VerifyServerFinal(server_final));     // AuthenticationSASLFinal
//
// Used by the raw protocol test client (sql/pgwire/testing); real clients (the shell, the
// logic tests, psql) authenticate through libpq. Errors: 08P01 for a malformed server
// message, 28000 (kUnauthenticated) for a server that fails to prove the password.
//
// Thread-safety: not thread-safe; one object per exchange.
#ifndef MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_CLIENT_H_
#define MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_CLIENT_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meridian::sql::pgwire {

class ScramClientExchange {
 public:
  // `user` goes into the client-first-message (PostgreSQL ignores it; libpq sends it
  // empty). REQUIRES: IsValidScramNonce(client_nonce); use MakeNonce() outside tests.
  ScramClientExchange(std::string user, std::string password, std::string client_nonce);

  // A fresh random nonce: 18 random bytes in base64.
  static absl::StatusOr<std::string> MakeNonce();

  // "n,,n=<user>,r=<nonce>".
  std::string ClientFirstMessage() const;

  // Parses "r=<nonce>,s=<salt>,i=<iterations>" and returns the client-final-message
  // "c=biws,r=<nonce>,p=<proof>". Fails when the server's nonce does not extend ours, the
  // salt is missing or not base64, or the iteration count is outside 1..kScramMaxIterations.
  absl::StatusOr<std::string> HandleServerFirst(std::string_view server_first);

  // Checks "v=<server signature>". "e=<error>", a malformed message or a wrong signature
  // fail: the server did not prove that it knows the password.
  absl::Status VerifyServerFinal(std::string_view server_final) const;

 private:
  std::string client_first_bare() const;

  const std::string user_;
  const std::string password_;
  const std::string client_nonce_;
  std::string expected_server_signature_;  // raw bytes; set by HandleServerFirst
};

}  // namespace meridian::sql::pgwire

#endif  // MERIDIAN_SQL_PGWIRE_INTERNAL_SCRAM_CLIENT_H_
