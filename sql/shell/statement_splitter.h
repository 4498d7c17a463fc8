// Splits SQL text typed or read line by line into statements at top-level semicolons, the
// way psql does: a ';' inside '...' or E'...' strings, "..." identifiers, $tag$...$tag$
// dollar quotes, -- line comments, /* nested block comments */ or parentheses does not end
// a statement.
//
//   StatementSplitter splitter;
//   splitter.Append("INSERT INTO t VALUES ('a;b'),\n");   // no statement yet
//   splitter.Append("  ('c'); SELECT 1;\n");
//   splitter.TakeStatements();  // {"INSERT INTO t VALUES ('a;b'),\n  ('c')", "SELECT 1"}
//
// Statements are returned without their ';' and without surrounding whitespace; input that
// is only whitespace and comments yields no statement.
//
// Thread-safety: not thread-safe.
#ifndef MERIDIAN_SQL_SHELL_STATEMENT_SPLITTER_H_
#define MERIDIAN_SQL_SHELL_STATEMENT_SPLITTER_H_

#include <string>
#include <string_view>
#include <vector>

namespace meridian::sql::shell {

class StatementSplitter {
 public:
  // What the text seen so far is inside of (drives psql-style continuation prompts).
  enum class Context {
    kNone,          // plain SQL
    kSingleQuote,   // '...' or E'...'
    kDoubleQuote,   // "..."
    kDollarQuote,   // $tag$...$tag$
    kBlockComment,  // /* ... */
  };

  // Appends text; a line should include its trailing '\n' (it ends a -- comment).
  void Append(std::string_view text);

  // The statements completed so far, oldest first; clears them.
  std::vector<std::string> TakeStatements();

  // True when an unterminated statement with content (not only whitespace and comments) is
  // buffered.
  bool HasPartial() const;

  // Returns the unterminated statement (trimmed; empty if it has no content) and resets the
  // splitter to its initial state. Used at end of input, where psql runs it anyway.
  std::string TakePartial();

  // Discards everything buffered (psql's \r).
  void Reset();

  Context context() const { return context_; }
  int paren_depth() const { return paren_depth_; }

 private:
  void Scan(bool at_end);
  void EndStatement(size_t semicolon);

  std::string buffer_;   // text of the current statement
  size_t scan_pos_ = 0;  // buffer_[0, scan_pos_) has been scanned
  Context context_ = Context::kNone;
  bool escape_string_ = false;  // the current single-quoted string is an E'' string
  bool skip_next_ = false;      // the previous character was a backslash in an E'' string
  bool line_comment_ = false;
  int comment_depth_ = 0;
  int paren_depth_ = 0;
  std::string dollar_tag_;  // "$tag$" of the open dollar quote
  bool has_content_ = false;
  std::vector<std::string> done_;
};

}  // namespace meridian::sql::shell

#endif  // MERIDIAN_SQL_SHELL_STATEMENT_SPLITTER_H_
