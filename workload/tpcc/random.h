// TpccRandom: the random generators of the TPC-C specification (Rev 5.11), over one seeded
// engine, so that the same seed gives the same population and the same inputs.
//
//   - Uniform(x, y)                 "random(x, y)": an integer drawn uniformly from [x .. y]
//                                   (clause 2.1.5)
//   - NURand(A, x, y, C)            the non-uniform random function of clause 2.1.6:
//                                   (((random(0, A) | random(x, y)) + C) % (y - x + 1)) + x
//   - AString / NString(x, y)       "random a-string / n-string [x .. y]" (clause 4.3.2.2):
//                                   alphanumeric / numeric, of a length drawn from [x .. y]
//   - DataWithOriginal(x, y)        I_DATA / S_DATA (clause 4.3.3.1): an a-string [x .. y];
//                                   for 10% of rows, chosen at random, "ORIGINAL" at a
//                                   random position
//   - Zip()                         clause 4.3.2.7: an n-string of 4 followed by "11111"
//   - LastName(n)                   clause 4.3.2.3: the syllables of the three digits of n
//
// Thread-safety: a TpccRandom is used by one thread at a time (each loader task and each
// terminal owns one). LastName is a pure function.
#ifndef MERIDIAN_WORKLOAD_TPCC_RANDOM_H_
#define MERIDIAN_WORKLOAD_TPCC_RANDOM_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace meridian::workload::tpcc {

// The ten syllables of clause 4.3.2.3, indexed by digit.
inline constexpr const char* kLastNameSyllables[10] = {"BAR", "OUGHT", "ABLE",  "PRI",   "PRES",
                                                       "ESE", "ANTI",  "CALLY", "ATION", "EING"};

// The last name for `number` in [0, 999]: the syllables of its hundreds, tens and units
// digits, concatenated (371 -> "PRICALLYOUGHT"). REQUIRES: 0 <= number <= 999.
std::string LastName(int number);

// The string that marks "original" items and stock (clause 4.3.3.1).
inline constexpr char kOriginal[] = "ORIGINAL";

class TpccRandom {
 public:
  explicit TpccRandom(uint64_t seed) : engine_(seed) {}

  // random(x, y): uniform over [x .. y]. REQUIRES: x <= y.
  int64_t Uniform(int64_t x, int64_t y);

  // A real in (0, 1], for the think-time distribution (r in -ln(r) must not be 0).
  double UnitInterval();

  // True with probability percent / 100: Uniform(1, 100) <= percent.
  bool Percent(int percent) { return Uniform(1, 100) <= percent; }

  // NURand(A, x, y) with the run-time constant C (clause 2.1.6). REQUIRES: x <= y,
  // 0 <= C <= A.
  int64_t NURand(int64_t a, int64_t x, int64_t y, int64_t c);

  // A random a-string of a length drawn from [min_len .. max_len]: letters and digits.
  std::string AString(int min_len, int max_len);
  // A random n-string: digits only.
  std::string NString(int min_len, int max_len);
  // An a-string [min_len .. max_len]; when `original`, "ORIGINAL" replaces eight
  // consecutive characters at a random position. REQUIRES: min_len >= 8 when original.
  std::string DataWithOriginal(int min_len, int max_len, bool original);
  // A zip code: four random digits and "11111" (clause 4.3.2.7).
  std::string Zip();
  // Two random upper-case letters (W_STATE, D_STATE, C_STATE).
  std::string State();

  // A random permutation of 1..n (O_C_ID is drawn sequentially from one, clause 4.3.3.1).
  std::vector<int> Permutation(int n);

  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_RANDOM_H_
