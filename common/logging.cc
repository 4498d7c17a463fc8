#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace meridian {
namespace {

LogLevel LevelFromEnv() {
  const char* env = std::getenv("MERIDIAN_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kInfo;
  if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(env, "warning") == 0) return LogLevel::kWarning;
  if (std::strcmp(env, "error") == 0) return LogLevel::kError;
  return LogLevel::kInfo;
}

std::atomic<int>& MinLevel() {
  static std::atomic<int> level{static_cast<int>(LevelFromEnv())};
  return level;
}

absl::Mutex& OutputMutex() {
  static absl::Mutex mu(absl::kConstInit);
  return mu;
}

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return 'D';
    case LogLevel::kInfo:
      return 'I';
    case LogLevel::kWarning:
      return 'W';
    case LogLevel::kError:
      return 'E';
    case LogLevel::kFatal:
      return 'F';
  }
  return '?';
}

}  // namespace

void SetMinLogLevel(LogLevel level) { MinLevel().store(static_cast<int>(level)); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(MinLevel().load(std::memory_order_relaxed)); }

namespace internal {

LogMessage::LogMessage(const char* file, int line, LogLevel level)
    : file_(file), line_(line), level_(level) {}

LogMessage::~LogMessage() {
  const char* base = std::strrchr(file_, '/');
  base = base == nullptr ? file_ : base + 1;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);  // Log decoration only; never used for ordering.
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  std::string line =
      absl::StrFormat("%c%02d%02d %02d:%02d:%02d.%06d %s:%d] %s\n", LevelLetter(level_),
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                      static_cast<int>(ts.tv_nsec / 1000), base, line_, stream_.str());
  {
    absl::MutexLock lock(&OutputMutex());
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  if (level_ == LogLevel::kFatal) std::abort();
}

}  // namespace internal
}  // namespace meridian
