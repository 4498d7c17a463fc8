// The client side of SCRAM-SHA-256 (RFC 5802 with the SHA-256 of RFC 7677), as PostgreSQL
// uses it for password authentication without channel binding (gs2 header "n,,").
//
//   ScramSha256Client scram(user, password, nonce);
//   send(scram.ClientFirstMessage());                 // SASLInitialResponse
//   ASSIGN_OR_RETURN(std::string final, scram.HandleServerFirst(server_first));
//   send(final);                                      // SASLResponse
//   RETURN_IF_ERROR(scram.VerifyServerFinal(server_final));  // AuthenticationSASLFinal
//
// PostgreSQL ignores the SCRAM user name (it takes the one from the startup message), so
// libpq-compatible clients pass an empty `user`. The password is used as given: SASLprep
// is the identity for ASCII passwords, and PostgreSQL itself falls back to the raw bytes
// when SASLprep fails.
//
// Thread-safety: not thread-safe; one object per authentication exchange.
#ifndef MERIDIAN_SQL_SHELL_SCRAM_H_
#define MERIDIAN_SQL_SHELL_SCRAM_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meridian::sql::shell {

class ScramSha256Client {
 public:
  // `client_nonce` must be printable ASCII without ','; use MakeNonce() outside tests.
  ScramSha256Client(std::string user, std::string password, std::string client_nonce);

  // A fresh random nonce (18 random bytes from OpenSSL, base64).
  static absl::StatusOr<std::string> MakeNonce();

  // "n,,n=<user>,r=<nonce>".
  std::string ClientFirstMessage() const;

  // Parses "r=<nonce>,s=<salt>,i=<iterations>" and returns the client-final message
  // "c=biws,r=<nonce>,p=<proof>". Fails when the server nonce does not extend ours, the
  // salt is not base64 or the iteration count is absurd.
  absl::StatusOr<std::string> HandleServerFirst(std::string_view server_first);

  // Checks "v=<server signature>"; an "e=<error>" or a wrong signature fails
  // (kUnauthenticated): the server did not prove that it knows the password.
  absl::Status VerifyServerFinal(std::string_view server_final) const;

 private:
  std::string user_;
  std::string password_;
  std::string client_nonce_;
  std::string expected_server_signature_;  // raw bytes; set by HandleServerFirst
};

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_SCRAM_H_
