// The control of the thread-safety check: Account used correctly. It is part of the
// ordinary build, so the fixture itself is known to compile under the project's flags and
// thread_safety_violation.cc can fail only for its violations.
#include "tests/thread_safety/account.h"

namespace meridian::thread_safety_test {

int DepositAndRead(Account& account, int amount) {
  account.Deposit(amount);
  return account.Balance();
}

}  // namespace meridian::thread_safety_test
