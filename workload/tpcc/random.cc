#include "workload/tpcc/random.h"

#include <algorithm>
#include <cmath>

#include "common/logging.h"

namespace meridian::workload::tpcc {
namespace {

constexpr char kAlphanumeric[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr int kAlphanumericCount = sizeof(kAlphanumeric) - 1;

}  // namespace

std::string LastName(int number) {
  CHECK(number >= 0 && number <= 999) << "last name number " << number;
  std::string name = kLastNameSyllables[number / 100];
  name += kLastNameSyllables[(number / 10) % 10];
  name += kLastNameSyllables[number % 10];
  return name;
}

int64_t TpccRandom::Uniform(int64_t x, int64_t y) {
  CHECK_LE(x, y);
  return std::uniform_int_distribution<int64_t>(x, y)(engine_);
}

double TpccRandom::UnitInterval() {
  // uniform_real_distribution gives [0, 1); 1 - u is in (0, 1].
  return 1.0 - std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

int64_t TpccRandom::NURand(int64_t a, int64_t x, int64_t y, int64_t c) {
  CHECK_LE(x, y);
  CHECK(c >= 0 && c <= a) << "NURand constant " << c << " outside [0, " << a << "]";
  return (((Uniform(0, a) | Uniform(x, y)) + c) % (y - x + 1)) + x;
}

std::string TpccRandom::AString(int min_len, int max_len) {
  const int len = static_cast<int>(Uniform(min_len, max_len));
  std::string s(len, ' ');
  for (char& ch : s) ch = kAlphanumeric[Uniform(0, kAlphanumericCount - 1)];
  return s;
}

std::string TpccRandom::NString(int min_len, int max_len) {
  const int len = static_cast<int>(Uniform(min_len, max_len));
  std::string s(len, '0');
  for (char& ch : s) ch = static_cast<char>('0' + Uniform(0, 9));
  return s;
}

std::string TpccRandom::DataWithOriginal(int min_len, int max_len, bool original) {
  std::string s = AString(min_len, max_len);
  if (original) {
    constexpr int kLen = sizeof(kOriginal) - 1;
    CHECK_GE(static_cast<int>(s.size()), kLen);
    const int64_t at = Uniform(0, static_cast<int64_t>(s.size()) - kLen);
    s.replace(static_cast<size_t>(at), kLen, kOriginal);
  }
  return s;
}

std::string TpccRandom::Zip() { return NString(4, 4) + "11111"; }

std::string TpccRandom::State() {
  std::string s(2, 'A');
  for (char& ch : s) ch = static_cast<char>('A' + Uniform(0, 25));
  return s;
}

std::vector<int> TpccRandom::Permutation(int n) {
  std::vector<int> p(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i + 1;
  // Fisher-Yates with Uniform, so the result depends only on the engine's sequence.
  for (int i = n - 1; i > 0; --i) {
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(Uniform(0, i))]);
  }
  return p;
}

}  // namespace meridian::workload::tpcc
