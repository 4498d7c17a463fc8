// Account: a balance guarded by a mutex, the fixture of the thread-safety check. Its
// correct methods are here; thread_safety_violation.cc adds ones that break the
// annotations, which the build must reject (see CMakeLists.txt in this directory).
//
// Thread-safety: all public methods are thread-safe.
#ifndef MERIDIAN_TESTS_THREAD_SAFETY_ACCOUNT_H_
#define MERIDIAN_TESTS_THREAD_SAFETY_ACCOUNT_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace meridian::thread_safety_test {

class Account {
 public:
  void Deposit(int amount) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    AddLocked(amount);
  }
  int Balance() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::ReaderMutexLock lock(&mu_);
    return balance_;
  }

  // Defined in thread_safety_violation.cc only; each breaks the annotations one way.
  int ReadWithoutLock();
  void WriteUnderReaderLock(int amount);
  void CallWithoutLock(int amount);
  int ReadInLambda();
  void DepositTwice(int amount);

 private:
  void AddLocked(int amount) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { balance_ += amount; }

  absl::Mutex mu_;
  int balance_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meridian::thread_safety_test

#endif  // MERIDIAN_TESTS_THREAD_SAFETY_ACCOUNT_H_
