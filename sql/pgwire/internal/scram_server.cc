#include "sql/pgwire/internal/scram_server.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status.h"

namespace meridian::sql::pgwire {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Malformed(std::string_view what) {
  return SqlError(absl::StatusCode::kInvalidArgument, "08P01",
                  absl::StrCat("malformed SCRAM message (", View(what), ")"));
}

}  // namespace

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

  const auto attrs = ParseScramAttributes(client_first_bare_);
  if (!attrs.has_value() || attrs->size() < 2) return Malformed("bad client-first-message");
  if ((*attrs)[0].first == 'm') {
    return SqlError(absl::StatusCode::kUnauthenticated, "28000",
                    "client requires an unsupported SCRAM extension");
  }
  if ((*attrs)[0].first != 'n' || (*attrs)[1].first != 'r') {
    return Malformed("expected n= and r=");
  }
  const std::string_view client_nonce = (*attrs)[1].second;
  if (!IsValidScramNonce(client_nonce)) return Malformed("bad nonce");

  nonce_ = absl::StrCat(View(client_nonce), server_nonce_);
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

  const auto attrs = ParseScramAttributes(without_proof);
  if (!attrs.has_value() || attrs->size() < 2 || (*attrs)[0].first != 'c' ||
      (*attrs)[1].first != 'r') {
    return Malformed("expected c= and r=");
  }
  if ((*attrs)[0].second != Base64Encode(gs2_header_)) {
    return Malformed("unexpected channel-binding data");
  }
  if ((*attrs)[1].second != nonce_) return Malformed("nonce does not match");

  const std::optional<std::string> proof = Base64Decode(proof_b64);
  if (!proof.has_value() || proof->size() != secret_.stored_key.size()) {
    return Malformed("bad proof");
  }
  const std::string auth_message =
      ScramAuthMessage(client_first_bare_, server_first_, without_proof);
  // The proof is ClientKey XOR ClientSignature: undo the XOR and check H(ClientKey).
  const std::string client_key = XorBytes(*proof, HmacSha256(secret_.stored_key, auth_message));
  if (!ConstantTimeEquals(Sha256(client_key), secret_.stored_key)) {
    return SqlError(absl::StatusCode::kUnauthenticated, "28P01", "invalid SCRAM proof");
  }
  return absl::StrCat("v=", Base64Encode(ScramServerSignature(secret_.server_key, auth_message)));
}

}  // namespace meridian::sql::pgwire
