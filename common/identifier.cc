#include "common/identifier.h"

#include "absl/strings/ascii.h"

namespace meridian {
namespace {

std::string FoldPart(std::string_view part) {
  if (part.size() >= 2 && part.front() == '"' && part.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < part.size(); ++i) {
      out += part[i];
      if (part[i] == '"' && i + 2 < part.size() && part[i + 1] == '"') ++i;  // "" -> "
    }
    return out;
  }
  std::string out(part);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

}  // namespace

void ParseRelationName(std::string_view typed, std::string* schema, std::string* name) {
  bool quoted = false;
  size_t dot = std::string_view::npos;
  for (size_t i = 0; i < typed.size(); ++i) {
    if (typed[i] == '"') quoted = !quoted;
    if (typed[i] == '.' && !quoted) {
      dot = i;
      break;
    }
  }
  if (dot == std::string_view::npos) {
    schema->clear();
    *name = FoldPart(typed);
  } else {
    *schema = FoldPart(typed.substr(0, dot));
    *name = FoldPart(typed.substr(dot + 1));
  }
}

}  // namespace meridian
