// ScopedEnv: sets (or, with nullopt, unsets) an environment variable for the lifetime of the
// object, then restores what was there. For tests of code that reads the environment.
//
// Thread-safety: the environment is process-wide; use from one test thread.
#ifndef MERIDIAN_COMMON_TESTING_SCOPED_ENV_H_
#define MERIDIAN_COMMON_TESTING_SCOPED_ENV_H_

#include <cstdlib>
#include <optional>
#include <string>

namespace meridian::testing {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name); old != nullptr) old_ = old;
    if (value.has_value()) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_.has_value()) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace meridian::testing

#endif  // MERIDIAN_COMMON_TESTING_SCOPED_ENV_H_
