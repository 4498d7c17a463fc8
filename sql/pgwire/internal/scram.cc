#include "sql/pgwire/internal/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/logging.h"
#include "common/status.h"

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

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

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
  std::string result(reinterpret_cast<const char*>(out), sizeof(out));
  OPENSSL_cleanse(out, sizeof(out));
  return result;
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return out;
}

std::string XorBytes(std::string_view a, std::string_view b) {
  CHECK(a.size() == b.size());
  std::string out(a.size(), '\0');
  for (size_t i = 0; i < a.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

ScramKeys ScramKeys::Derive(std::string_view password, std::string_view salt, int iterations) {
  CHECK(iterations >= 1 && iterations <= kScramMaxIterations);
  const std::string salted = Pbkdf2HmacSha256(password, salt, iterations);
  ScramKeys keys;
  keys.client_key = HmacSha256(salted, "Client Key");
  keys.stored_key = Sha256(keys.client_key);
  keys.server_key = HmacSha256(salted, "Server Key");
  return keys;
}

ScramSecret ScramSecret::Derive(std::string_view password, std::string salt, int iterations) {
  ScramKeys keys = ScramKeys::Derive(password, salt, iterations);
  ScramSecret secret;
  secret.salt = std::move(salt);
  secret.iterations = iterations;
  secret.stored_key = std::move(keys.stored_key);
  secret.server_key = std::move(keys.server_key);
  return secret;
}

absl::StatusOr<ScramSecret> ScramSecret::Create(std::string_view password, int iterations) {
  ASSIGN_OR_RETURN(std::string salt, RandomBytes(16));
  return Derive(password, std::move(salt), iterations);
}

std::string ScramAuthMessage(std::string_view client_first_bare, std::string_view server_first,
                             std::string_view client_final_without_proof) {
  return absl::StrCat(View(client_first_bare), ",", View(server_first), ",",
                      View(client_final_without_proof));
}

std::string ScramClientProof(const ScramKeys& keys, std::string_view auth_message) {
  return XorBytes(keys.client_key, HmacSha256(keys.stored_key, auth_message));
}

std::string ScramServerSignature(std::string_view server_key, std::string_view auth_message) {
  return HmacSha256(server_key, auth_message);
}

std::optional<std::vector<std::pair<char, std::string_view>>> ParseScramAttributes(
    std::string_view text) {
  std::vector<std::pair<char, std::string_view>> out;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    if (part.size() < 2 || part[1] != '=') return std::nullopt;
    out.emplace_back(part[0], part.substr(2));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

bool IsValidScramNonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

}  // namespace meridian::sql::pgwire
