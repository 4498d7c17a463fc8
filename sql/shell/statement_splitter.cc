#include "sql/shell/statement_splitter.h"

#include <algorithm>
#include <utility>

namespace meridian::sql::shell {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

void StatementSplitter::Append(std::string_view text) {
  buffer_.append(text.data(), text.size());
  Scan(/*at_end=*/false);
}

std::vector<std::string> StatementSplitter::TakeStatements() { return std::exchange(done_, {}); }

bool StatementSplitter::HasPartial() const { return has_content_; }

std::string StatementSplitter::TakePartial() {
  Scan(/*at_end=*/true);
  std::string partial = has_content_ ? Trim(buffer_) : std::string();
  Reset();
  return partial;
}

void StatementSplitter::Reset() {
  buffer_.clear();
  scan_pos_ = 0;
  context_ = Context::kNone;
  escape_string_ = false;
  skip_next_ = false;
  line_comment_ = false;
  comment_depth_ = 0;
  paren_depth_ = 0;
  dollar_tag_.clear();
  has_content_ = false;
}

void StatementSplitter::EndStatement(size_t semicolon) {
  if (has_content_) done_.push_back(Trim(std::string_view(buffer_).substr(0, semicolon)));
  buffer_.erase(0, semicolon + 1);
  scan_pos_ = 0;
  has_content_ = false;
  paren_depth_ = 0;
}

// Advances scan_pos_ as far as the text allows. Without `at_end`, stops before a character
// whose meaning depends on text not yet appended ('-' or '/' or '$' at the end).
void StatementSplitter::Scan(bool at_end) {
  size_t i = scan_pos_;
  while (i < buffer_.size()) {
    const char c = buffer_[i];
    const bool has_next = i + 1 < buffer_.size();
    const char next = has_next ? buffer_[i + 1] : '\0';

    if (line_comment_) {
      if (c == '\n') line_comment_ = false;
      ++i;
      continue;
    }
    switch (context_) {
      case Context::kSingleQuote:
        if (skip_next_) {
          skip_next_ = false;
        } else if (escape_string_ && c == '\\') {
          skip_next_ = true;
        } else if (c == '\'') {
          // A doubled '' leaves and re-enters the string, which needs no lookahead.
          context_ = Context::kNone;
        }
        ++i;
        continue;
      case Context::kDoubleQuote:
        if (c == '"') context_ = Context::kNone;
        ++i;
        continue;
      case Context::kBlockComment:
        if (c == '*' || c == '/') {
          if (!has_next && !at_end) {
            scan_pos_ = i;
            return;
          }
          if (c == '*' && next == '/') {
            if (--comment_depth_ == 0) context_ = Context::kNone;
            i += 2;
            continue;
          }
          if (c == '/' && next == '*') {
            ++comment_depth_;
            i += 2;
            continue;
          }
        }
        ++i;
        continue;
      case Context::kDollarQuote: {
        const size_t end = buffer_.find(dollar_tag_, i);
        if (end == std::string::npos) {
          // Keep the last tag-length-minus-one bytes: the closing tag may be split.
          const size_t keep = dollar_tag_.size() - 1;
          i = buffer_.size() > keep ? std::max(i, buffer_.size() - keep) : i;
          scan_pos_ = i;
          if (at_end) scan_pos_ = buffer_.size();
          return;
        }
        i = end + dollar_tag_.size();
        context_ = Context::kNone;
        continue;
      }
      case Context::kNone:
        break;
    }

    // Plain SQL.
    if ((c == '-' || c == '/') && !has_next && !at_end) {
      scan_pos_ = i;
      return;
    }
    if (c == '-' && next == '-') {
      line_comment_ = true;
      i += 2;
      continue;
    }
    if (c == '/' && next == '*') {
      context_ = Context::kBlockComment;
      comment_depth_ = 1;
      i += 2;
      continue;
    }
    if (c == '$' && (i == 0 || !IsIdentChar(buffer_[i - 1]))) {
      // $tag$ or $$; "$1" (a parameter) is not a quote.
      size_t j = i + 1;
      while (j < buffer_.size() && IsIdentChar(buffer_[j]) && buffer_[j] != '$' &&
             (j > i + 1 || IsIdentStart(buffer_[j]))) {
        ++j;
      }
      if (j >= buffer_.size() && !at_end) {
        scan_pos_ = i;
        return;
      }
      if (j < buffer_.size() && buffer_[j] == '$') {
        dollar_tag_ = buffer_.substr(i, j - i + 1);
        context_ = Context::kDollarQuote;
        has_content_ = true;
        i = j + 1;
        continue;
      }
    }
    if (!IsSpace(c) && c != ';') has_content_ = true;
    switch (c) {
      case '\'':
        context_ = Context::kSingleQuote;
        // E'...' (not part of a longer identifier such as "some'"). A quote right after a
        // closing quote continues the same string ('it''s'), keeping its kind.
        if (i > 0 && buffer_[i - 1] == '\'') break;
        escape_string_ = i > 0 && (buffer_[i - 1] == 'E' || buffer_[i - 1] == 'e') &&
                         (i == 1 || !IsIdentChar(buffer_[i - 2]));
        break;
      case '"':
        context_ = Context::kDoubleQuote;
        break;
      case '(':
        ++paren_depth_;
        break;
      case ')':
        if (paren_depth_ > 0) --paren_depth_;
        break;
      case ';':
        if (paren_depth_ == 0) {
          EndStatement(i);
          i = 0;
          continue;
        }
        break;
      default:
        break;
    }
    ++i;
  }
  scan_pos_ = i;
}

}  // namespace meridian::sql::shell
