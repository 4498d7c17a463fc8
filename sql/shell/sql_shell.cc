#include "sql/shell/sql_shell.h"

#include <editline/readline.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status.h"
#include "sql/client/pg_connection.h"
#include "sql/shell/connect_params.h"
#include "sql/shell/describe.h"
#include "sql/shell/result_format.h"
#include "sql/shell/statement_splitter.h"

namespace meridian::sql::shell {

using client::PgConnection;
using client::PgConnectOptions;
using client::PgErrorDetail;
using client::PgErrorHint;
using client::PgErrorSeverity;
using client::PgNotice;
using client::PgResult;
using client::PgTransactionStatus;
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitConnection = 2;

constexpr char kHelp[] =
    "General\n"
    "  \\q                     quit\n"
    "  \\?                     show this help\n"
    "  \\conninfo              show the connection\n"
    "Query buffer\n"
    "  \\r                     reset (clear) the query buffer\n"
    "Formatting\n"
    "  \\x [on|off]            toggle expanded output\n"
    "  \\timing [on|off]       toggle timing of statements\n"
    "Informational\n"
    "  \\d                     list tables and views\n"
    "  \\d NAME                describe a table or view (columns, indexes)\n"
    "  \\dt [NAME]             list tables\n"
    "SQL statements end with ';'. COPY ... FROM STDIN reads data up to a line \\.\n";

// --- SIGINT -> cancel ------------------------------------------------------------------

// The write end of the self-pipe the SIGINT handler signals through (-1: none).
std::atomic<int> g_sigint_pipe{-1};
// Whether a statement is in flight, as seen when the signal arrives: a Ctrl-C typed at the
// prompt must not cancel the statement sent right after it.
std::atomic<bool> g_statement_busy{false};
// How many Ctrl-Cs arrived with no statement in flight (at the prompt).
std::atomic<uint64_t> g_prompt_interrupts{0};

extern "C" void OnSigint(int) {
  const int saved_errno = errno;
  const int fd = g_sigint_pipe.load();
  if (fd >= 0) {
    const bool busy = g_statement_busy.load();
    if (!busy) g_prompt_interrupts.fetch_add(1);
    const char byte = busy ? 'c' : 'i';
    (void)!write(fd, &byte, 1);
  }
  errno = saved_errno;
}

// Turns Ctrl-C into a CancelRequest for the statement in flight. A thread waits on a
// self-pipe, because opening a connection is not allowed in a signal handler.
class CancelWatcher {
 public:
  CancelWatcher(const PgConnection* conn, bool interactive)
      : conn_(conn), interactive_(interactive) {
    if (pipe(fds_) != 0) {
      fds_[0] = fds_[1] = -1;
      return;
    }
    g_sigint_pipe.store(fds_[1]);
    struct sigaction action {};
    action.sa_handler = OnSigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &previous_);
    thread_ = std::thread([this] { Loop(); });
  }

  ~CancelWatcher() {
    if (fds_[1] < 0) return;
    sigaction(SIGINT, &previous_, nullptr);
    g_sigint_pipe.store(-1);
    const char byte = 'q';
    (void)!write(fds_[1], &byte, 1);
    thread_.join();
    close(fds_[0]);
    close(fds_[1]);
  }

  void set_busy(bool busy) {
    busy_.store(busy);
    g_statement_busy.store(busy);
  }

 private:
  void Loop() {
    char byte = 0;
    while (true) {
      const ssize_t n = read(fds_[0], &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || byte == 'q') return;
      if (byte == 'c' && busy_.load()) {
        absl::Status status = conn_->Cancel();
        if (!status.ok()) {
          std::fprintf(stderr, "could not send cancel request: %s\n",
                       std::string(status.message()).c_str());
        }
      } else if (byte == 'i' && !interactive_) {
        // Nothing to cancel: Ctrl-C ends a script, as in psql.
        signal(SIGINT, SIG_DFL);
        kill(getpid(), SIGINT);
      }
    }
  }

  const PgConnection* conn_;
  const bool interactive_;
  int fds_[2] = {-1, -1};
  struct sigaction previous_ {};
  std::atomic<bool> busy_{false};
  std::thread thread_;
};

// --- Input ---------------------------------------------------------------------------

// One read from a LineSource.
struct Input {
  enum class Kind {
    kLine,         // `line` holds the next line, without its '\n'
    kEnd,          // end of input
    kInterrupted,  // Ctrl-C at an interactive prompt: the caller discards its buffer
  };
  Kind kind = Kind::kEnd;
  std::string line;

  static Input Line(std::string text) { return Input{Kind::kLine, std::move(text)}; }
  static Input End() { return Input{Kind::kEnd, ""}; }
};

class LineSource {
 public:
  virtual ~LineSource() = default;
  virtual Input ReadLine(const std::string& prompt) = 0;
  virtual bool interactive() const { return false; }
};

class StringLineSource : public LineSource {
 public:
  explicit StringLineSource(std::string_view text)
      : lines_(absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {}
  Input ReadLine(const std::string&) override {
    if (next_ >= lines_.size()) return Input::End();
    return Input::Line(lines_[next_++]);
  }

 private:
  std::vector<std::string> lines_;
  size_t next_ = 0;
};

class StreamLineSource : public LineSource {
 public:
  explicit StreamLineSource(std::istream* in) : in_(in) {}
  Input ReadLine(const std::string&) override {
    std::string line;
    if (!std::getline(*in_, line)) return Input::End();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return Input::Line(std::move(line));
  }

 private:
  std::istream* in_;
};

class EditLineSource : public LineSource {
 public:
  EditLineSource() {
    const char* home = std::getenv("HOME");
    if (home != nullptr && *home != '\0')
      history_path_ = absl::StrCat(home, "/.meridian_sql_history");
    rl_readline_name = const_cast<char*>("meridian");
    using_history();
    stifle_history(2000);
    if (!history_path_.empty()) read_history(history_path_.c_str());
  }
  ~EditLineSource() override {
    if (!history_path_.empty()) write_history(history_path_.c_str());
  }
  Input ReadLine(const std::string& prompt) override {
    const uint64_t interrupts = g_prompt_interrupts.load();
    char* line = readline(prompt.c_str());
    if (line == nullptr) {
      // libedit gives up on its read when Ctrl-C interrupts it: that is not end of input
      // but, as in psql, the end of the query buffer.
      if (g_prompt_interrupts.load() == interrupts) return Input::End();
      std::fputs("\n", stdout);
      std::fflush(stdout);
      return Input{Input::Kind::kInterrupted, ""};
    }
    std::string result(line);
    std::free(line);
    return Input::Line(std::move(result));
  }
  bool interactive() const override { return true; }
  void AddHistory(const std::string& entry) {
    if (!entry.empty()) add_history(entry.c_str());
  }

 private:
  std::string history_path_;
};

std::string TrimAscii(std::string_view s) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size())));
}

// True for COPY ... FROM STDIN (any case and spacing).
bool IsCopyFromStdin(std::string_view sql) {
  std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToUpper(absl::string_view(sql.data(), sql.size())),
                     absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  if (words.empty() || words[0] != "COPY") return false;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "FROM" && (words[i + 1] == "STDIN" || words[i + 1].rfind("STDIN", 0) == 0)) {
      return true;
    }
  }
  return false;
}

// --- Connecting -----------------------------------------------------------------------

// Asks for a password on the controlling terminal without echoing it, as psql does (so it
// works while stdin is a script). nullopt when there is no terminal or no answer.
std::optional<std::string> PromptPassword(const std::string& prompt) {
  const int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  // Echo goes off before the prompt appears, so that nothing typed after it is shown.
  termios saved{};
  const bool have_termios = tcgetattr(fd, &saved) == 0;
  if (have_termios) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  // Ctrl-C abandons the prompt instead of ending the process with echo still off. The
  // signal may land on any thread, so the read loop polls the flag the handler sets.
  static volatile sig_atomic_t interrupted;
  interrupted = 0;
  struct sigaction on_int {
  }, previous{};
  on_int.sa_handler = [](int) { interrupted = 1; };
  sigemptyset(&on_int.sa_mask);
  sigaction(SIGINT, &on_int, &previous);
  (void)!write(fd, prompt.data(), prompt.size());
  std::string password;
  bool answered = false;
  while (true) {
    if (interrupted) {
      (void)!write(fd, "\n", 1);
      answered = false;
      break;
    }
    pollfd ready{fd, POLLIN, 0};
    const int polled = poll(&ready, 1, /*timeout_ms=*/100);
    if (polled < 0 && errno != EINTR) break;
    if (polled <= 0) continue;
    char c = 0;
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answered = true;
    if (c == '\n' || c == '\r') break;
    password.push_back(c);
  }
  sigaction(SIGINT, &previous, nullptr);
  if (have_termios) tcsetattr(fd, TCSAFLUSH, &saved);
  close(fd);
  if (!answered) return std::nullopt;
  return password;
}

// psql's \conninfo line, from what the connection ended up using.
std::string ConnectionInfo(const PgConnection& conn) {
  const std::string host = conn.host();
  const std::string where = !host.empty() && host[0] == '/'
                                ? absl::StrCat("via socket in \"", host, "\"")
                                : absl::StrCat("on host \"", host, "\"");
  return absl::StrCat("You are connected to database \"", conn.database(), "\" as user \"",
                      conn.user(), "\" ", where, " at port \"", conn.port(), "\".\n");
}

// The describe code's catalog queries, on `conn`.
CatalogQuery CatalogQueryOn(PgConnection& conn) {
  return [&conn](const std::string& sql) { return conn.Query(sql); };
}

// --- The shell ---------------------------------------------------------------------------

class Shell {
 public:
  Shell(const SqlShellOptions& options, std::unique_ptr<PgConnection> conn, bool interactive)
      : options_(options), conn_(std::move(conn)), interactive_(interactive) {
    conn_->SetNoticeHandler([](const PgNotice& notice) {
      std::string text = absl::StrCat(notice.severity.empty() ? "NOTICE" : notice.severity, ":  ",
                                      notice.message, "\n");
      if (!notice.detail.empty()) absl::StrAppend(&text, "DETAIL:  ", notice.detail, "\n");
      if (!notice.hint.empty()) absl::StrAppend(&text, "HINT:  ", notice.hint, "\n");
      std::fflush(stdout);
      std::fputs(text.c_str(), stderr);
      std::fflush(stderr);
    });
  }

  int Run() {
    CancelWatcher watcher(conn_.get(), interactive_);
    watcher_ = &watcher;
    for (const std::string& command : options_.commands) {
      StringLineSource source(command);
      if (!RunSource(source, /*stdin_for_copy=*/true)) return Finish();
    }
    if (!options_.file.empty()) {
      if (options_.file == "-") {
        StreamLineSource source(&std::cin);
        if (!RunSource(source, false)) return Finish();
      } else {
        std::ifstream in(options_.file);
        if (!in) {
          std::fprintf(stderr, "meridian sql: error: %s: %s\n", options_.file.c_str(),
                       std::strerror(errno));
          failed_ = true;
          return Finish();
        }
        StreamLineSource source(&in);
        if (!RunSource(source, false)) return Finish();
      }
    }
    if (options_.commands.empty() && options_.file.empty()) {
      if (interactive_) {
        std::printf("meridian sql (server %s)\nType \"\\?\" for help.\n\n",
                    conn_->parameter("server_version").c_str());
        std::fflush(stdout);
        EditLineSource source;
        edit_ = &source;
        RunSource(source, false);
        edit_ = nullptr;
      } else {
        StreamLineSource source(&std::cin);
        RunSource(source, false);
      }
    }
    return Finish();
  }

 private:
  int Finish() {
    watcher_ = nullptr;
    if (lost_) return kExitConnection;
    if (interactive_) return kExitOk;
    return failed_ ? kExitFailed : kExitOk;
  }

  std::string Prompt(const StatementSplitter& splitter) const {
    char state = '=';
    switch (splitter.context()) {
      case StatementSplitter::Context::kSingleQuote:
        state = '\'';
        break;
      case StatementSplitter::Context::kDoubleQuote:
        state = '"';
        break;
      case StatementSplitter::Context::kDollarQuote:
        state = '$';
        break;
      case StatementSplitter::Context::kBlockComment:
        state = '*';
        break;
      case StatementSplitter::Context::kNone:
        if (splitter.paren_depth() > 0) {
          state = '(';
        } else if (splitter.HasPartial()) {
          state = '-';
        }
        break;
    }
    std::string prompt = absl::StrCat("meridian", std::string(1, state));
    switch (conn_->transaction_status()) {
      case PgTransactionStatus::kInTransaction:
        prompt += '*';
        break;
      case PgTransactionStatus::kFailed:
        prompt += '!';
        break;
      default:
        break;
    }
    return prompt + "> ";
  }

  // Runs every statement from `source`. Returns false when the shell must stop (\q or a
  // lost connection).
  bool RunSource(LineSource& source, bool stdin_for_copy) {
    StatementSplitter splitter;
    std::string history_entry;
    while (true) {
      Input input = source.ReadLine(Prompt(splitter));
      if (input.kind == Input::Kind::kEnd) break;
      if (input.kind == Input::Kind::kInterrupted) {
        // Ctrl-C at the prompt discards everything typed since the last statement ran.
        splitter.Reset();
        history_entry.clear();
        continue;
      }
      const std::string& line = input.line;
      const std::string trimmed = TrimAscii(line);
      if (splitter.context() == StatementSplitter::Context::kNone && !trimmed.empty() &&
          trimmed[0] == '\\') {
        if (edit_ != nullptr) edit_->AddHistory(trimmed);
        if (trimmed == "\\r") {
          splitter.Reset();
          history_entry.clear();
          std::puts("Query buffer reset (cleared).");
          continue;
        }
        if (!RunMeta(trimmed)) return false;
        continue;
      }
      splitter.Append(line);
      splitter.Append("\n");
      if (edit_ != nullptr && !trimmed.empty()) {
        if (!history_entry.empty()) history_entry += ' ';
        history_entry += trimmed;
      }
      std::vector<std::string> statements = splitter.TakeStatements();
      if (!statements.empty() && !splitter.HasPartial() && edit_ != nullptr) {
        edit_->AddHistory(history_entry);
        history_entry.clear();
      }
      for (const std::string& sql : statements) {
        if (!RunStatement(sql, source, stdin_for_copy)) return false;
      }
    }
    if (source.interactive()) {
      std::putchar('\n');  // end the prompt line after Ctrl-D, as psql does
      return true;
    }
    const std::string rest = splitter.TakePartial();
    if (!rest.empty()) return RunStatement(rest, source, stdin_for_copy);
    return true;
  }

  // Reads COPY data up to a line "\." or the end of input; nullopt when Ctrl-C interrupts
  // it.
  std::optional<std::string> ReadCopyData(LineSource& source, bool from_stdin) {
    StreamLineSource stdin_source(&std::cin);
    LineSource& in = from_stdin ? static_cast<LineSource&>(stdin_source) : source;
    if (in.interactive()) {
      std::puts(
          "Enter data to be copied followed by a newline.\n"
          "End with a backslash and a period on a line by itself, or an EOF signal.");
    }
    std::string data;
    while (true) {
      Input input = in.ReadLine(">> ");
      if (input.kind == Input::Kind::kInterrupted) return std::nullopt;
      if (input.kind == Input::Kind::kEnd || input.line == "\\.") break;
      absl::StrAppend(&data, input.line, "\n");
    }
    return data;
  }

  // Runs one statement and prints its outcome. Returns false when the connection is lost.
  bool RunStatement(const std::string& sql, LineSource& source, bool stdin_for_copy) {
    if (options_.echo) {
      std::printf("%s\n", sql.c_str());
      std::fflush(stdout);
    }
    std::string copy_data;
    const bool copy_in = IsCopyFromStdin(sql);
    if (copy_in) {
      std::optional<std::string> data = ReadCopyData(source, stdin_for_copy);
      if (!data.has_value()) return true;  // Ctrl-C: the COPY is not sent
      copy_data = std::move(*data);
    }

    const auto start = std::chrono::steady_clock::now();
    watcher_->set_busy(true);
    absl::StatusOr<std::vector<PgResult>> results;
    if (copy_in) {
      absl::StatusOr<PgResult> result = conn_->CopyIn(sql, copy_data);
      if (result.ok()) {
        results = std::vector<PgResult>{std::move(*result)};
      } else {
        results = result.status();
      }
    } else {
      results = conn_->Query(sql);
    }
    watcher_->set_busy(false);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    if (!results.ok()) {
      PrintError(results.status(), sql);
    } else {
      for (const PgResult& result : *results) {
        if (!result.copy_data.empty())
          std::fwrite(result.copy_data.data(), 1, result.copy_data.size(), stdout);
        const std::string text = FormatResult(result, format_);
        std::fwrite(text.data(), 1, text.size(), stdout);
      }
    }
    if (timing_) {
      std::string summary;
      if (results.ok() && !results->empty()) {
        // Only statements that ran (or ended) a transaction; SET or SHOW would show the
        // one before.
        const std::string& tag = results->back().command_tag;
        for (const char* verb : {"SELECT", "INSERT", "UPDATE", "DELETE", "COMMIT", "COPY"}) {
          if (absl::StartsWith(tag, verb)) summary = TraceSummary();
        }
      }
      std::printf("Time: %.3f ms%s\n", ms, summary.c_str());
    }
    std::fflush(stdout);
    return !lost_;
  }

  // With \timing, where a finished transaction's time went, from the server's account
  // (SHOW last_transaction_trace): " (round trips: 2, Paxos rounds: 1, commit: one phase)".
  // Empty inside a block (the transaction has not finished) and against servers that do
  // not keep the account (PostgreSQL), which are not asked again.
  std::string TraceSummary() {
    if (!trace_supported_ || conn_->transaction_status() != PgTransactionStatus::kIdle) return "";
    absl::StatusOr<std::vector<PgResult>> r = conn_->Query("SHOW last_transaction_trace");
    if (!r.ok() || r->empty() || r->front().rows.empty() || !r->front().rows[0][0].has_value()) {
      trace_supported_ = false;
      return "";
    }
    return absl::StrCat(" (", *r->front().rows[0][0], ")");
  }

  void PrintError(const absl::Status& status, std::string_view sql) {
    failed_ = true;
    std::fflush(stdout);
    std::string severity = PgErrorSeverity(status);
    if (severity.empty()) severity = "ERROR";
    const std::optional<std::string> sqlstate = GetSqlState(status);
    std::string text = absl::StrCat(severity, ":  ", sqlstate.has_value() ? *sqlstate + ": " : "",
                                    status.message(), "\n");
    const std::optional<int> position = GetErrorPosition(status);
    if (position.has_value() && *position > 0) text += PositionLines(sql, *position);
    const std::string detail = PgErrorDetail(status);
    if (!detail.empty()) absl::StrAppend(&text, "DETAIL:  ", detail, "\n");
    const std::string hint = PgErrorHint(status);
    if (!hint.empty()) absl::StrAppend(&text, "HINT:  ", hint, "\n");
    if (!conn_->is_open()) {
      text += "The connection to the server was lost.\n";
      lost_ = true;
    }
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  }

  // "LINE n: <line>\n<spaces>^\n" for a 1-based character position in `sql`.
  static std::string PositionLines(std::string_view sql, int position) {
    // Walk `position - 1` UTF-8 characters to find the byte offset.
    size_t offset = 0;
    for (int chars = 1; chars < position && offset < sql.size(); ++chars) {
      ++offset;
      while (offset < sql.size() && (static_cast<unsigned char>(sql[offset]) & 0xC0) == 0x80) {
        ++offset;
      }
    }
    if (offset > sql.size()) offset = sql.size();
    const size_t line_start = sql.rfind('\n', offset == 0 ? 0 : offset - 1);
    const size_t begin =
        (line_start == std::string_view::npos || line_start >= offset) ? 0 : line_start + 1;
    size_t end = sql.find('\n', offset);
    if (end == std::string_view::npos) end = sql.size();
    int line_number = 1;
    for (size_t i = 0; i < begin; ++i) line_number += sql[i] == '\n' ? 1 : 0;
    const std::string label = absl::StrCat("LINE ", line_number, ": ");
    std::string out = label;
    out.append(sql.substr(begin, end - begin));
    out += "\n";
    out.append(label.size() + DisplayWidth(sql.substr(begin, offset - begin)), ' ');
    out += "^\n";
    return out;
  }

  // Parses "on"/"off"/"" for a toggle; returns nullopt (after printing) on anything else.
  std::optional<bool> Toggle(const std::string& command, const std::string& arg, bool current) {
    if (arg.empty()) return !current;
    const std::string lower = absl::AsciiStrToLower(arg);
    if (lower == "on" || lower == "true" || lower == "1") return true;
    if (lower == "off" || lower == "false" || lower == "0") return false;
    std::fprintf(stderr, "%s: unrecognized value \"%s\": Boolean expected\n", command.c_str(),
                 arg.c_str());
    failed_ = true;
    return std::nullopt;
  }

  // Runs a meta-command line. Returns false for \q.
  bool RunMeta(const std::string& line) {
    const size_t space = line.find_first_of(" \t");
    const std::string command = line.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : TrimAscii(line.substr(space));
    if (command == "\\q") return false;
    if (command == "\\?") {
      std::fputs(kHelp, stdout);
    } else if (command == "\\x") {
      if (auto v = Toggle(command, arg, format_.expanded)) {
        format_.expanded = *v;
        std::printf("Expanded display is %s.\n", format_.expanded ? "on" : "off");
      }
    } else if (command == "\\timing") {
      if (auto v = Toggle(command, arg, timing_)) {
        timing_ = *v;
        std::printf("Timing is %s.\n", timing_ ? "on" : "off");
      }
    } else if (command == "\\conninfo") {
      std::fputs(ConnectionInfo(*conn_).c_str(), stdout);
    } else if (command == "\\dt" || (command == "\\d" && arg.empty())) {
      PrintCatalog(ListRelations(CatalogQueryOn(*conn_), command == "\\dt", arg, format_));
    } else if (command == "\\d") {
      PrintCatalog(DescribeRelation(CatalogQueryOn(*conn_), arg, format_));
    } else {
      std::fprintf(stderr, "invalid command %s\nTry \\? for help.\n", command.c_str());
      failed_ = true;
    }
    std::fflush(stdout);
    return !lost_;
  }

  void PrintCatalog(const absl::StatusOr<std::string>& text) {
    if (!text.ok()) {
      if (text.status().code() == absl::StatusCode::kNotFound &&
          GetSqlState(text.status()) == "42P01" && PgErrorSeverity(text.status()).empty()) {
        // Our own "Did not find any relation named ..." (psql prints it without ERROR:).
        std::fflush(stdout);
        std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
        failed_ = true;
        return;
      }
      PrintError(text.status(), "");
      return;
    }
    std::fwrite(text->data(), 1, text->size(), stdout);
  }

  const SqlShellOptions& options_;
  std::unique_ptr<PgConnection> conn_;
  const bool interactive_;
  FormatOptions format_;
  bool timing_ = false;
  bool trace_supported_ = true;  // the server answers SHOW last_transaction_trace
  bool failed_ = false;
  bool lost_ = false;
  CancelWatcher* watcher_ = nullptr;
  EditLineSource* edit_ = nullptr;
};

}  // namespace

int RunSqlShell(const SqlShellOptions& options) {
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> params =
      ShellConnectParams(options, env);
  if (!params.ok()) {
    std::fprintf(stderr, "meridian sql: error: %s\n",
                 std::string(params.status().message()).c_str());
    return kExitConnection;
  }
  PgConnectOptions connect;
  connect.params = std::move(*params);
  if (options.password_prompt == SqlShellOptions::PasswordPrompt::kAlways) {
    const std::string user = PromptUser(connect.params, env);
    std::optional<std::string> password = PromptPassword(
        user.empty() ? "Password: " : absl::StrCat("Password for user ", user, ": "));
    if (password.has_value()) connect.params.emplace_back("password", std::move(*password));
  } else if (options.password_prompt == SqlShellOptions::PasswordPrompt::kIfNeeded) {
    connect.password_prompt = [](const std::string& user) {
      return PromptPassword(absl::StrCat("Password for user ", user, ": "));
    };
  }

  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(connect);
  if (!conn.ok()) {
    // libpq's message names the server and what went wrong, as psql prints it.
    std::fprintf(stderr, "meridian sql: error: %s\n", std::string(conn.status().message()).c_str());
    return kExitConnection;
  }
  const bool interactive = options.commands.empty() && options.file.empty() &&
                           isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  Shell shell(options, std::move(*conn), interactive);
  return shell.Run();
}

}  // namespace meridian::sql::shell
