#include "sql/shell/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace meridian::sql::shell {
namespace {

constexpr int kMaxIterations = 10'000'000;  // PostgreSQL's default is 4096
constexpr size_t kKeyBytes = 32;

absl::StatusOr<std::string> Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &out_len) == nullptr) {
    return absl::InternalError("HMAC-SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

ScramSha256Client::ScramSha256Client(std::string user, std::string password,
                                     std::string client_nonce)
    : user_(std::move(user)),
      password_(std::move(password)),
      client_nonce_(std::move(client_nonce)) {}

absl::StatusOr<std::string> ScramSha256Client::MakeNonce() {
  unsigned char raw[18];
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    return absl::InternalError("RAND_bytes failed: no randomness for the SCRAM nonce");
  }
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(raw), sizeof(raw)));
}

std::string ScramSha256Client::ClientFirstMessage() const {
  return absl::StrCat("n,,n=", user_, ",r=", client_nonce_);
}

absl::StatusOr<std::string> ScramSha256Client::HandleServerFirst(std::string_view server_first) {
  std::string nonce;
  std::string salt;
  int iterations = 0;
  bool have_salt = false;
  for (absl::string_view attr : absl::StrSplit(AbslView(server_first), ',')) {
    if (attr.size() < 2 || attr[1] != '=') continue;
    absl::string_view value = attr.substr(2);
    switch (attr[0]) {
      case 'r':
        nonce = std::string(value);
        break;
      case 's':
        if (!absl::Base64Unescape(value, &salt)) {
          return absl::UnauthenticatedError("SCRAM: server sent a salt that is not base64");
        }
        have_salt = true;
        break;
      case 'i':
        if (!absl::SimpleAtoi(value, &iterations)) {
          return absl::UnauthenticatedError("SCRAM: server sent a bad iteration count");
        }
        break;
      default:
        break;
    }
  }
  if (nonce.size() <= client_nonce_.size() ||
      nonce.compare(0, client_nonce_.size(), client_nonce_) != 0) {
    return absl::UnauthenticatedError("SCRAM: server nonce does not extend the client nonce");
  }
  if (!have_salt || salt.empty()) {
    return absl::UnauthenticatedError("SCRAM: server sent no salt");
  }
  if (iterations < 1 || iterations > kMaxIterations) {
    return absl::UnauthenticatedError(
        absl::StrCat("SCRAM: unacceptable iteration count ", iterations));
  }

  unsigned char salted[kKeyBytes];
  if (PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof(salted),
                        salted) != 1) {
    return absl::InternalError("SCRAM: PBKDF2 failed");
  }
  const std::string salted_password(reinterpret_cast<const char*>(salted), sizeof(salted));
  OPENSSL_cleanse(salted, sizeof(salted));

  auto client_key = Hmac(salted_password, "Client Key");
  if (!client_key.ok()) return client_key.status();
  const std::string stored_key = Sha256(*client_key);

  // "biws" is base64("n,,"), the gs2 header without channel binding.
  const std::string final_without_proof = absl::StrCat("c=biws,r=", nonce);
  const std::string client_first_bare = absl::StrCat("n=", user_, ",r=", client_nonce_);
  const std::string auth_message =
      absl::StrCat(client_first_bare, ",", AbslView(server_first), ",", final_without_proof);

  auto client_signature = Hmac(stored_key, auth_message);
  if (!client_signature.ok()) return client_signature.status();
  std::string proof = *client_key;
  for (size_t i = 0; i < proof.size(); ++i) proof[i] ^= (*client_signature)[i];

  auto server_key = Hmac(salted_password, "Server Key");
  if (!server_key.ok()) return server_key.status();
  auto server_signature = Hmac(*server_key, auth_message);
  if (!server_signature.ok()) return server_signature.status();
  expected_server_signature_ = *server_signature;

  return absl::StrCat(final_without_proof, ",p=", absl::Base64Escape(proof));
}

absl::Status ScramSha256Client::VerifyServerFinal(std::string_view server_final) const {
  if (expected_server_signature_.empty()) {
    return absl::FailedPreconditionError("SCRAM: server-final before server-first");
  }
  absl::string_view msg = AbslView(server_final);
  if (absl::ConsumePrefix(&msg, "e=")) {
    return absl::UnauthenticatedError(absl::StrCat("SCRAM: server reported ", msg));
  }
  if (!absl::ConsumePrefix(&msg, "v=")) {
    return absl::UnauthenticatedError("SCRAM: malformed server-final message");
  }
  msg = msg.substr(0, msg.find(','));
  std::string signature;
  if (!absl::Base64Unescape(msg, &signature) ||
      signature.size() != expected_server_signature_.size() ||
      CRYPTO_memcmp(signature.data(), expected_server_signature_.data(), signature.size()) != 0) {
    return absl::UnauthenticatedError("SCRAM: the server's signature is wrong");
  }
  return absl::OkStatus();
}

}  // namespace meridian::sql::shell
