// Minimal logging and CHECK for Meridian.
//
// Debian's Abseil has no absl/log, so this is the project's own. A broken invariant is a
// CHECK failure (the process aborts with the file, line and message), never a status.
//
//   LOG(INFO) << "applied slot " << slot;
//   CHECK(index <= committed) << "applied past commit";
//   CHECK_OK(status);
//
// Thread-safety: each message is written with a single write call under a global mutex,
// so lines from different threads never interleave. The minimum level is process-global.
#ifndef MERIDIAN_COMMON_LOGGING_H_
#define MERIDIAN_COMMON_LOGGING_H_

#include <sstream>
#include <string>

#include "absl/status/status.h"

namespace meridian {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kFatal = 4 };

// Messages below `level` are dropped. Default: kInfo, or the MERIDIAN_LOG_LEVEL environment
// variable (debug|info|warning|error) read at first use.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

namespace internal {

// Collects one message and emits it from its destructor. kFatal aborts afterwards.
class LogMessage {
 public:
  LogMessage(const char* file, int line, LogLevel level);
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage();

  std::ostream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  LogLevel level_;
  std::ostringstream stream_;
};

// Swallows a stream expression so that a disabled LOG costs only the level comparison.
struct LogVoidify {
  void operator&(std::ostream&) {}
};

}  // namespace internal
}  // namespace meridian

#define MERIDIAN_LOG_LEVEL_DEBUG ::meridian::LogLevel::kDebug
#define MERIDIAN_LOG_LEVEL_INFO ::meridian::LogLevel::kInfo
#define MERIDIAN_LOG_LEVEL_WARNING ::meridian::LogLevel::kWarning
#define MERIDIAN_LOG_LEVEL_ERROR ::meridian::LogLevel::kError
#define MERIDIAN_LOG_LEVEL_FATAL ::meridian::LogLevel::kFatal

#define LOG(severity)                                                                           \
  (MERIDIAN_LOG_LEVEL_##severity < ::meridian::MinLogLevel())                                   \
      ? (void)0                                                                                 \
      : ::meridian::internal::LogVoidify() &                                                    \
            ::meridian::internal::LogMessage(__FILE__, __LINE__, MERIDIAN_LOG_LEVEL_##severity) \
                .stream()

#define CHECK(condition)                                                                       \
  (condition)                                                                                  \
      ? (void)0                                                                                \
      : ::meridian::internal::LogVoidify() &                                                   \
            ::meridian::internal::LogMessage(__FILE__, __LINE__, ::meridian::LogLevel::kFatal) \
                    .stream()                                                                  \
                << "CHECK failed: " #condition " "

#define CHECK_OK(expr)                                                       \
  do {                                                                       \
    ::absl::Status meridian_check_status_ = (expr);                          \
    CHECK(meridian_check_status_.ok()) << meridian_check_status_.ToString(); \
  } while (false)

#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_NE(a, b) CHECK((a) != (b))
#define CHECK_LT(a, b) CHECK((a) < (b))
#define CHECK_LE(a, b) CHECK((a) <= (b))
#define CHECK_GT(a, b) CHECK((a) > (b))
#define CHECK_GE(a, b) CHECK((a) >= (b))

#endif  // MERIDIAN_COMMON_LOGGING_H_
