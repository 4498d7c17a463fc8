#include "sql/pgwire/internal/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "sql/pgwire/internal/message.h"

namespace meridian::sql::pgwire {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

absl::Status Malformed(std::string_view what) {
  return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                  absl::StrCat("malformed SCRAM message (", ToAbsl(what), ")"));
}

// Splits "a=x,b=y" into attributes; returns false on an element without "k=".
bool SplitAttributes(std::string_view text, std::vector<std::pair<char, std::string_view>>* out) {
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return false;
    out->emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

bool IsPrintableNonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8) | static_cast<uint8_t>(data[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = DecodeChar(c);
      if (d < 0 || pad > 0) return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((v >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(v & 0xff));
  }
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  CHECK(EVP_Digest(data.data(), data.size(), digest, nullptr, EVP_sha256(), nullptr) == 1);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
             &length) != nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Pbkdf2HmacSha256(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  CHECK(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof(out),
                          out) == 1);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return out;
}

ScramSecret ScramSecret::Derive(std::string_view password, std::string salt, int iterations) {
  ScramSecret secret;
  secret.salt = std::move(salt);
  secret.iterations = iterations;
  const std::string salted = Pbkdf2HmacSha256(password, secret.salt, iterations);
  secret.stored_key = Sha256(HmacSha256(salted, "Client Key"));
  secret.server_key = HmacSha256(salted, "Server Key");
  return secret;
}

absl::StatusOr<ScramSecret> ScramSecret::Create(std::string_view password, int iterations) {
  ASSIGN_OR_RETURN(std::string salt, RandomBytes(16));
  return Derive(password, std::move(salt), iterations);
}

absl::StatusOr<std::string> ScramServerExchange::HandleClientFirst(std::string_view message) {
  if (first_done_) return Malformed("unexpected client-first-message");
  // gs2-header: cbind-flag "," [authzid] ","
  if (message.size() < 3) return Malformed("too short");
  const char flag = message[0];
  if (flag == 'p') {
    return SqlError(absl::StatusCode::kUnauthenticated, "28000",
                    "channel binding is not supported by this server");
  }
  if ((flag != 'n' && flag != 'y') || message[1] != ',') return Malformed("bad gs2 header");
  const size_t authzid_end = message.find(',', 2);
  if (authzid_end == std::string_view::npos) return Malformed("bad gs2 header");
  if (authzid_end != 2) {
    return SqlError(absl::StatusCode::kUnauthenticated, "28000",
                    "client uses authorization identity, but it is not supported");
  }
  gs2_header_ = std::string(message.substr(0, authzid_end + 1));
  client_first_bare_ = std::string(message.substr(authzid_end + 1));

  std::vector<std::pair<char, std::string_view>> attrs;
  if (!SplitAttributes(client_first_bare_, &attrs) || attrs.size() < 2) {
    return Malformed("bad client-first-message");
  }
  if (attrs[0].first == 'm') {
    return SqlError(absl::StatusCode::kUnauthenticated, "28000",
                    "client requires an unsupported SCRAM extension");
  }
  if (attrs[0].first != 'n' || attrs[1].first != 'r') return Malformed("expected n= and r=");
  const std::string_view client_nonce = attrs[1].second;
  if (!IsPrintableNonce(client_nonce)) return Malformed("bad nonce");

  nonce_ = absl::StrCat(ToAbsl(client_nonce), server_nonce_);
  server_first_ =
      absl::StrCat("r=", nonce_, ",s=", Base64Encode(secret_.salt), ",i=", secret_.iterations);
  first_done_ = true;
  return server_first_;
}

absl::StatusOr<std::string> ScramServerExchange::HandleClientFinal(std::string_view message) {
  if (!first_done_) return Malformed("unexpected client-final-message");
  const size_t proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return Malformed("missing proof");
  const std::string_view without_proof = message.substr(0, proof_at);
  const std::string_view proof_b64 = message.substr(proof_at + 3);

  std::vector<std::pair<char, std::string_view>> attrs;
  if (!SplitAttributes(without_proof, &attrs) || attrs.size() < 2 || attrs[0].first != 'c' ||
      attrs[1].first != 'r') {
    return Malformed("expected c= and r=");
  }
  if (attrs[0].second != Base64Encode(gs2_header_)) {
    return Malformed("unexpected channel-binding data");
  }
  if (attrs[1].second != nonce_) return Malformed("nonce does not match");

  std::optional<std::string> proof = Base64Decode(proof_b64);
  if (!proof.has_value() || proof->size() != SHA256_DIGEST_LENGTH) {
    return Malformed("bad proof");
  }
  const std::string auth_message =
      absl::StrCat(client_first_bare_, ",", server_first_, ",", ToAbsl(without_proof));
  const std::string client_signature = HmacSha256(secret_.stored_key, auth_message);
  std::string client_key(SHA256_DIGEST_LENGTH, '\0');
  for (size_t i = 0; i < client_key.size(); ++i) {
    client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
  }
  const std::string computed_stored_key = Sha256(client_key);
  if (CRYPTO_memcmp(computed_stored_key.data(), secret_.stored_key.data(), SHA256_DIGEST_LENGTH) !=
      0) {
    return SqlError(absl::StatusCode::kUnauthenticated, "28P01", "invalid SCRAM proof");
  }
  return absl::StrCat("v=", Base64Encode(HmacSha256(secret_.server_key, auth_message)));
}

}  // namespace meridian::sql::pgwire
