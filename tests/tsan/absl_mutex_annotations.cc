// ThreadSanitizer's view of absl::Mutex, for the TSan build only (`make test-tsan`; linked
// into every executable when MERIDIAN_TSAN is on, see the top-level CMakeLists.txt).
//
// Debian's Abseil is not built with -fsanitize=thread, so TSan cannot see absl::Mutex lock
// or unlock: they are atomics and futex calls inside an uninstrumented library. Left alone,
// TSan reports every GUARDED_BY field that two threads touch as a data race. This file
// defines absl::Mutex's (and absl::CondVar's waiting) out-of-line members in the executable.
// A definition in the executable takes precedence over the shared library's (ELF symbol
// interposition, the mechanism TSan's own interceptors use), so every call, ours and the
// libraries', lands here: each tells TSan about the synchronization and calls the library's
// definition, found with dlsym(RTLD_NEXT).
//
// The model, on the mutex's address: taking the mutex (Lock, a successful TryLock,
// LockWhen, returning from Await or CondVar::Wait) is __tsan_acquire; giving it up (Unlock,
// entering Await or CondVar::Wait) is __tsan_release. absl may evaluate a waiter's Condition
// on any thread that holds the mutex, so each evaluation is bracketed the same way. Shared
// (reader) holders are modelled as exclusive ones, so TSan orders two readers; writes under
// a reader lock are what -Wthread-safety rejects.
//
// Thread-safety: the functions are as thread-safe as the absl members they stand for; the
// library's addresses are resolved once, on first use (thread-safe static initialization).
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#if !ABSL_OPTION_USE_INLINE_NAMESPACE
#error "the mangled names below assume Abseil's inline namespace"
#endif

namespace {

#define MERIDIAN_TSAN_STR2(x) #x
#define MERIDIAN_TSAN_STR(x) MERIDIAN_TSAN_STR2(x)

// The library's definition of absl::<inline namespace>::<member>, given the tail of its
// Itanium-mangled name. Aborts if the library does not define it: a TSan build that silently
// lost these annotations would report false races everywhere.
template <typename Fn>
Fn Real(const char* mangled_tail) {
  const std::string ns = MERIDIAN_TSAN_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name = "_ZN4absl" + std::to_string(ns.size()) + ns + mangled_tail;
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "absl_mutex_annotations: %s not found in Abseil: %s\n", name.c_str(),
                 dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

// The members, as the C++ ABI calls them: `this` first.
using VoidFn = void (*)(absl::Mutex*);
using BoolFn = bool (*)(absl::Mutex*);
using CondFn = void (*)(absl::Mutex*, const absl::Condition&);
using CondTimeoutFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);
using CondDeadlineFn = bool (*)(absl::Mutex*, const absl::Condition&, absl::Time);
using WaitFn = void (*)(absl::CondVar*, absl::Mutex*);
using WaitTimeoutFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Duration);
using WaitDeadlineFn = bool (*)(absl::CondVar*, absl::Mutex*, absl::Time);

// A Condition evaluated under `mu` by whichever thread holds it.
struct AnnotatedCondition {
  absl::Mutex* mu;
  const absl::Condition* cond;
};

bool EvalAnnotated(AnnotatedCondition* c) {
  __tsan_acquire(c->mu);
  const bool result = c->cond->Eval();
  __tsan_release(c->mu);
  return result;
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

// The analysis cannot follow a mutex's own implementation: these are the lock functions.
#define MERIDIAN_TSAN_WRAPPER ABSL_NO_THREAD_SAFETY_ANALYSIS

void Mutex::Lock() MERIDIAN_TSAN_WRAPPER {
  static const VoidFn real = Real<VoidFn>("5Mutex4LockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderLock() MERIDIAN_TSAN_WRAPPER {
  static const VoidFn real = Real<VoidFn>("5Mutex10ReaderLockEv");
  real(this);
  __tsan_acquire(this);
}

bool Mutex::TryLock() MERIDIAN_TSAN_WRAPPER {
  static const BoolFn real = Real<BoolFn>("5Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

bool Mutex::ReaderTryLock() MERIDIAN_TSAN_WRAPPER {
  static const BoolFn real = Real<BoolFn>("5Mutex13ReaderTryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::Unlock() MERIDIAN_TSAN_WRAPPER {
  static const VoidFn real = Real<VoidFn>("5Mutex6UnlockEv");
  __tsan_release(this);
  real(this);
}

void Mutex::ReaderUnlock() MERIDIAN_TSAN_WRAPPER {
  static const VoidFn real = Real<VoidFn>("5Mutex12ReaderUnlockEv");
  __tsan_release(this);
  real(this);
}

void Mutex::LockWhen(const Condition& cond) MERIDIAN_TSAN_WRAPPER {
  static const CondFn real = Real<CondFn>("5Mutex8LockWhenERKNS0_9ConditionE");
  AnnotatedCondition c{this, &cond};
  real(this, Condition(&EvalAnnotated, &c));
  __tsan_acquire(this);
}

void Mutex::ReaderLockWhen(const Condition& cond) MERIDIAN_TSAN_WRAPPER {
  static const CondFn real = Real<CondFn>("5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  AnnotatedCondition c{this, &cond};
  real(this, Condition(&EvalAnnotated, &c));
  __tsan_acquire(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) MERIDIAN_TSAN_WRAPPER {
  static const CondTimeoutFn real =
      Real<CondTimeoutFn>("5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  AnnotatedCondition c{this, &cond};
  const bool result = real(this, Condition(&EvalAnnotated, &c), timeout);
  __tsan_acquire(this);
  return result;
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond,
                                      Duration timeout) MERIDIAN_TSAN_WRAPPER {
  static const CondTimeoutFn real =
      Real<CondTimeoutFn>("5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  AnnotatedCondition c{this, &cond};
  const bool result = real(this, Condition(&EvalAnnotated, &c), timeout);
  __tsan_acquire(this);
  return result;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) MERIDIAN_TSAN_WRAPPER {
  static const CondDeadlineFn real =
      Real<CondDeadlineFn>("5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AnnotatedCondition c{this, &cond};
  const bool result = real(this, Condition(&EvalAnnotated, &c), deadline);
  __tsan_acquire(this);
  return result;
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) MERIDIAN_TSAN_WRAPPER {
  static const CondDeadlineFn real =
      Real<CondDeadlineFn>("5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AnnotatedCondition c{this, &cond};
  const bool result = real(this, Condition(&EvalAnnotated, &c), deadline);
  __tsan_acquire(this);
  return result;
}

void Mutex::Await(const Condition& cond) MERIDIAN_TSAN_WRAPPER {
  static const CondFn real = Real<CondFn>("5Mutex5AwaitERKNS0_9ConditionE");
  AnnotatedCondition c{this, &cond};
  __tsan_release(this);
  real(this, Condition(&EvalAnnotated, &c));
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) MERIDIAN_TSAN_WRAPPER {
  static const CondTimeoutFn real =
      Real<CondTimeoutFn>("5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  AnnotatedCondition c{this, &cond};
  __tsan_release(this);
  const bool result = real(this, Condition(&EvalAnnotated, &c), timeout);
  __tsan_acquire(this);
  return result;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) MERIDIAN_TSAN_WRAPPER {
  static const CondDeadlineFn real =
      Real<CondDeadlineFn>("5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AnnotatedCondition c{this, &cond};
  __tsan_release(this);
  const bool result = real(this, Condition(&EvalAnnotated, &c), deadline);
  __tsan_acquire(this);
  return result;
}

void CondVar::Wait(Mutex* mu) MERIDIAN_TSAN_WRAPPER {
  static const WaitFn real = Real<WaitFn>("7CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) MERIDIAN_TSAN_WRAPPER {
  static const WaitTimeoutFn real =
      Real<WaitTimeoutFn>("7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool result = real(this, mu, timeout);
  __tsan_acquire(mu);
  return result;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) MERIDIAN_TSAN_WRAPPER {
  static const WaitDeadlineFn real =
      Real<WaitDeadlineFn>("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool result = real(this, mu, deadline);
  __tsan_acquire(mu);
  return result;
}

#undef MERIDIAN_TSAN_WRAPPER

ABSL_NAMESPACE_END
}  // namespace absl
