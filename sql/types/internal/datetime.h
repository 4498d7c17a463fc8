// Calendar arithmetic shared by the text formats and the date/time operators: proleptic
// Gregorian civil dates <-> day numbers, and the ranges PostgreSQL accepts.
//
// Day numbers count from 1970-01-01; year 0 is 1 BC (astronomical numbering). Dates and
// timestamps at the extreme int32/int64 values are PostgreSQL's -infinity / infinity.
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_TYPES_INTERNAL_DATETIME_H_
#define MERIDIAN_SQL_TYPES_INTERNAL_DATETIME_H_

#include <cstdint>

namespace meridian::sql::internal {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// 2000-01-01 (PostgreSQL's epoch for binary date/timestamp) minus 1970-01-01.
inline constexpr int32_t kPgEpochDays = 10957;
inline constexpr int64_t kPgEpochMicros = kPgEpochDays * kMicrosPerDay;

inline constexpr int32_t kDateNegInfinity = INT32_MIN;
inline constexpr int32_t kDatePosInfinity = INT32_MAX;
inline constexpr int64_t kTsNegInfinity = INT64_MIN;
inline constexpr int64_t kTsPosInfinity = INT64_MAX;

// PostgreSQL's ranges: dates 4714-11-24 BC (Julian day 0) .. 5874897-12-31, timestamps
// from 4714-11-24 BC (as day numbers / microseconds from 1970). PostgreSQL's timestamps end
// in 294276 AD, which microseconds from 1970 cannot reach in an int64: Meridian's end at
// the last whole day below INT64_MAX, 294247-01-09 23:59:59.999999.
inline constexpr int64_t kMinDay = -2440588;
inline constexpr int64_t kMaxDateDay = 2145042905;
inline constexpr int64_t kMaxTsDay = INT64_MAX / (86400 * 1000000LL) - 1;
inline constexpr int64_t kMinTimestamp = kMinDay * kMicrosPerDay;
inline constexpr int64_t kMaxTimestamp = (kMaxTsDay + 1) * kMicrosPerDay - 1;

// Days from 1970-01-01 to y-m-d. REQUIRES 1 <= m <= 12, 1 <= d <= 31, |y| < 2^31 / 366.
int64_t DaysFromCivil(int64_t y, int m, int d);
// The civil date of day number z.
void CivilFromDays(int64_t z, int64_t* y, int* m, int* d);
bool IsLeapYear(int64_t y);
int DaysInMonth(int64_t y, int m);

inline bool IsFiniteDate(int32_t days) {
  return days != kDateNegInfinity && days != kDatePosInfinity;
}
inline bool IsFiniteTimestamp(int64_t micros) {
  return micros != kTsNegInfinity && micros != kTsPosInfinity;
}
inline bool DateInRange(int64_t days) { return days >= kMinDay && days <= kMaxDateDay; }
inline bool TimestampInRange(int64_t micros) {
  return micros >= kMinTimestamp && micros <= kMaxTimestamp;
}

// Floor division and modulo for a positive divisor.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
inline int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

}  // namespace meridian::sql::internal

#endif  // MERIDIAN_SQL_TYPES_INTERNAL_DATETIME_H_
