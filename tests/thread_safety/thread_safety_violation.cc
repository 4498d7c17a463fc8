// Must NOT compile. Each line marked "// VIOLATION:" breaks a mutex annotation of Account; the
// build (clang, -Werror=thread-safety) must reject exactly those lines. The target is left
// out of the ordinary build; ctest `thread_safety_rejected` builds it and fails if it
// compiles, or if the errors are not exactly on the marked lines.
#include "tests/thread_safety/account.h"

namespace meridian::thread_safety_test {

int Account::ReadWithoutLock() {
  return balance_;  // VIOLATION: reads a guarded field without mu_
}

void Account::WriteUnderReaderLock(int amount) {
  absl::ReaderMutexLock lock(&mu_);
  balance_ = amount;  // VIOLATION: writes it holding mu_ shared only
}

void Account::CallWithoutLock(int amount) {
  AddLocked(amount);  // VIOLATION: calls a REQUIRES(mu_) method without mu_
}

int Account::ReadInLambda() {
  absl::MutexLock lock(&mu_);
  // A lambda is analysed on its own: the lock held around it does not count.
  auto read = [this] {
    return balance_;  // VIOLATION: reads it in a lambda that holds nothing
  };
  return read();
}

void Account::DepositTwice(int amount) {
  absl::MutexLock lock(&mu_);
  Deposit(amount);  // VIOLATION: calls a LOCKS_EXCLUDED(mu_) method holding mu_
}

}  // namespace meridian::thread_safety_test
