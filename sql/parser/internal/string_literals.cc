#include "sql/parser/internal/string_literals.h"

#include <cstdint>

#include "absl/strings/str_format.h"
#include "common/status.h"

namespace meridian::sql::parser_internal {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads up to `max_digits` hex digits from body[*i]; returns the value or -1 if none.
int64_t ReadHex(std::string_view body, size_t* i, int min_digits, int max_digits) {
  int64_t value = 0;
  int n = 0;
  while (n < max_digits && *i < body.size() && HexValue(body[*i]) >= 0) {
    value = value * 16 + HexValue(body[*i]);
    ++*i;
    ++n;
  }
  return n >= min_digits ? value : -1;
}

}  // namespace

std::string DecodeStandardString(std::string_view token) {
  std::string out;
  if (token.size() < 2) return out;
  std::string_view body = token.substr(1, token.size() - 2);
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    out.push_back(body[i]);
    if (body[i] == '\'' && i + 1 < body.size() && body[i + 1] == '\'') ++i;
  }
  return out;
}

absl::StatusOr<std::string> DecodeEscapeString(std::string_view token) {
  std::string out;
  if (token.size() < 3) return out;
  std::string_view body = token.substr(2, token.size() - 3);
  out.reserve(body.size());
  auto invalid_unicode = [] {
    return SqlError(absl::StatusCode::kInvalidArgument, "22025", "invalid Unicode escape value");
  };
  size_t i = 0;
  while (i < body.size()) {
    char c = body[i];
    if (c == '\'') {  // '' inside the string
      out.push_back('\'');
      i += 2;
      continue;
    }
    if (c != '\\' || i + 1 >= body.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'x': {
        int64_t v = ReadHex(body, &i, 1, 2);
        if (v < 0) {
          out.push_back('x');  // PostgreSQL: \x without hex digits is a plain x
        } else {
          out.push_back(static_cast<char>(v));
        }
        break;
      }
      case 'u':
      case 'U': {
        int digits = e == 'u' ? 4 : 8;
        int64_t v = ReadHex(body, &i, digits, digits);
        if (v < 0 || v == 0 || v > 0x10FFFF) return invalid_unicode();
        if (v >= 0xD800 && v <= 0xDBFF) {  // a surrogate pair: \uD83D\uDE00
          if (i + 1 < body.size() && body[i] == '\\' && body[i + 1] == 'u') {
            size_t j = i + 2;
            int64_t low = ReadHex(body, &j, 4, 4);
            if (low < 0xDC00 || low > 0xDFFF) return invalid_unicode();
            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
            i = j;
          } else {
            return invalid_unicode();
          }
        } else if (v >= 0xDC00 && v <= 0xDFFF) {
          return invalid_unicode();
        }
        AppendUtf8(static_cast<uint32_t>(v), &out);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int n = 0; n < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++n) {
            v = v * 8 + (body[i] - '0');
            ++i;
          }
          out.push_back(static_cast<char>(v & 0xFF));
        } else {
          out.push_back(e);  // \\, \', and any other character stands for itself
        }
    }
  }
  if (out.find('\0') != std::string::npos || FindInvalidUtf8(out) >= 0) {
    return SqlError(absl::StatusCode::kInvalidArgument, "22021",
                    "invalid byte sequence for encoding \"UTF8\"");
  }
  return out;
}

std::string DecodeQuotedIdentifier(std::string_view token) {
  std::string out;
  if (token.size() < 2) return out;
  std::string_view body = token.substr(1, token.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    out.push_back(body[i]);
    if (body[i] == '"' && i + 1 < body.size() && body[i + 1] == '"') ++i;
  }
  return out;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    } else {
      return static_cast<int>(i);
    }
    if (i + len > n) return static_cast<int>(i);
    for (int k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) return static_cast<int>(i);
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return static_cast<int>(i);
    }
    i += len;
  }
  return -1;
}

}  // namespace meridian::sql::parser_internal
