#include "sql/pgwire/internal/scram_client.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/logging.h"
#include "common/status.h"
#include "sql/pgwire/internal/scram.h"

namespace meridian::sql::pgwire {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Malformed(std::string_view what) {
  return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                  absl::StrCat("malformed SCRAM server message (", View(what), ")"));
}

absl::Status NotProven(std::string_view what) {
  return SqlError(absl::StatusCode::kUnauthenticated, "28000", absl::StrCat("SCRAM: ", View(what)));
}

}  // namespace

ScramClientExchange::ScramClientExchange(std::string user, std::string password,
                                         std::string client_nonce)
    : user_(std::move(user)),
      password_(std::move(password)),
      client_nonce_(std::move(client_nonce)) {
  CHECK(IsValidScramNonce(client_nonce_));
}

absl::StatusOr<std::string> ScramClientExchange::MakeNonce() {
  ASSIGN_OR_RETURN(std::string raw, RandomBytes(18));
  return Base64Encode(raw);
}

std::string ScramClientExchange::client_first_bare() const {
  return absl::StrCat("n=", user_, ",r=", client_nonce_);
}

std::string ScramClientExchange::ClientFirstMessage() const {
  return absl::StrCat("n,,", client_first_bare());
}

absl::StatusOr<std::string> ScramClientExchange::HandleServerFirst(std::string_view server_first) {
  const auto attrs = ParseScramAttributes(server_first);
  if (!attrs.has_value()) return Malformed("not a list of attributes");
  std::string_view nonce;
  std::optional<std::string> salt;
  int iterations = 0;
  bool have_iterations = false;
  for (const auto& [name, value] : *attrs) {
    switch (name) {
      case 'r':
        nonce = value;
        break;
      case 's':
        salt = Base64Decode(value);
        if (!salt.has_value()) return Malformed("the salt is not base64");
        break;
      case 'i':
        if (!absl::SimpleAtoi(View(value), &iterations)) {
          return Malformed("the iteration count is not a number");
        }
        have_iterations = true;
        break;
      default:
        break;  // extensions the server may add
    }
  }
  if (nonce.size() <= client_nonce_.size() ||
      nonce.substr(0, client_nonce_.size()) != client_nonce_ || !IsValidScramNonce(nonce)) {
    return Malformed("the server's nonce does not extend the client's");
  }
  if (!salt.has_value() || salt->empty()) return Malformed("no salt");
  if (!have_iterations || iterations < 1 || iterations > kScramMaxIterations) {
    return Malformed(absl::StrCat("unacceptable iteration count ", iterations));
  }

  const ScramKeys keys = ScramKeys::Derive(password_, *salt, iterations);
  // "biws" is base64("n,,"): the gs2 header of a client without channel binding.
  const std::string without_proof = absl::StrCat("c=biws,r=", View(nonce));
  const std::string auth_message =
      ScramAuthMessage(client_first_bare(), server_first, without_proof);
  expected_server_signature_ = ScramServerSignature(keys.server_key, auth_message);
  return absl::StrCat(without_proof, ",p=", Base64Encode(ScramClientProof(keys, auth_message)));
}

absl::Status ScramClientExchange::VerifyServerFinal(std::string_view server_final) const {
  if (expected_server_signature_.empty()) {
    return Malformed("server-final-message before server-first-message");
  }
  const auto attrs = ParseScramAttributes(server_final);
  if (!attrs.has_value() || attrs->empty()) return Malformed("bad server-final-message");
  const auto& [name, value] = attrs->front();
  if (name == 'e') return NotProven(absl::StrCat("the server reported ", View(value)));
  if (name != 'v') return Malformed("expected v=");
  const std::optional<std::string> signature = Base64Decode(value);
  if (!signature.has_value() || !ConstantTimeEquals(*signature, expected_server_signature_)) {
    return NotProven("the server's signature is wrong");
  }
  return absl::OkStatus();
}

}  // namespace meridian::sql::pgwire
