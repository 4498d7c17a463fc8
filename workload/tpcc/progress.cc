#include "workload/tpcc/progress.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace meridian::workload::tpcc {
namespace {

// 1234567 -> "1,234,567".
std::string Thousands(int64_t v) {
  std::string digits = absl::StrCat(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string Eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

}  // namespace

Progress::Progress(std::array<int64_t, kTables> expected, std::FILE* out, bool terminal,
                   absl::Duration plain_interval)
    : expected_(expected),
      out_(out),
      terminal_(terminal),
      plain_interval_(plain_interval),
      start_(absl::Now()),
      last_plain_(start_) {
  first_seen_.fill(absl::InfinitePast());
  last_change_.fill(absl::InfinitePast());
}

Progress::~Progress() { Stop(); }

std::string Progress::Line(const char* table, int64_t done, int64_t expected, double rate,
                           bool finished) {
  std::string eta;
  if (finished) {
    eta = "done";
  } else if (done == 0) {
    eta = "waiting";
  } else {
    eta = "ETA " + Eta(rate > 0 ? static_cast<double>(expected - done) / rate : -1);
  }
  return absl::StrFormat("%-10s %12s / %-12s rows %10s rows/s  %s", table, Thousands(done),
                         Thousands(expected), Thousands(static_cast<int64_t>(rate)), eta);
}

void Progress::Start() {
  thread_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Seconds(1))) return;
      }
      Report(/*final=*/false);
    }
  });
}

void Progress::Stop() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
  Report(/*final=*/true);
}

void Progress::Report(bool final) {
  const absl::Time now = absl::Now();
  std::string text;
  int lines = 0;
  const bool plain_due = final || now - last_plain_ >= plain_interval_;
  for (Table t : kAllTables) {
    const int i = static_cast<int>(t);
    const int64_t done = done_[i].load();
    if (done != last_done_[i]) {
      if (first_seen_[i] == absl::InfinitePast()) first_seen_[i] = start_;
      last_change_[i] = now;
      last_done_[i] = done;
    }
    const bool finished = done >= expected_[i] && expected_[i] > 0;
    // A table's rate runs from the load's start to its last row (the tables load together).
    const double seconds =
        first_seen_[i] == absl::InfinitePast()
            ? 0
            : absl::ToDoubleSeconds((finished ? last_change_[i] : now) - first_seen_[i]);
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    const std::string line = Line(TableName(t), done, expected_[i], rate, final ? true : finished);
    if (terminal_ && !final) {
      absl::StrAppend(&text, "\r\033[K", line, "\n");
      ++lines;
    } else if (plain_due && (final || done != last_printed_[i])) {
      absl::StrAppend(&text, line, "\n");
      last_printed_[i] = done;
    }
  }
  if (terminal_ && !final) {
    if (drawn_lines_ > 0) std::fprintf(out_, "\033[%dA", drawn_lines_);  // back to the top
    drawn_lines_ = lines;
  } else if (terminal_ && final && drawn_lines_ > 0) {
    std::fprintf(out_, "\033[%dA\033[J", drawn_lines_);  // replace the live table
    drawn_lines_ = 0;
  }
  if (plain_due) last_plain_ = now;
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
}

}  // namespace meridian::workload::tpcc
