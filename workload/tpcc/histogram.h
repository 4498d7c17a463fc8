// LatencyHistogram: response times in microseconds, in log-linear buckets (exact below
// 128 us, then 64 buckets per power of two, so a quantile is within 1.6% of the truth),
// with the exact maximum. Fixed size, cheap to record, mergeable.
//
// Thread-safety: not thread-safe; the driver records under its own mutex.
#ifndef MERIDIAN_WORKLOAD_TPCC_HISTOGRAM_H_
#define MERIDIAN_WORKLOAD_TPCC_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace meridian::workload::tpcc {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void Record(int64_t micros);
  void Merge(const LatencyHistogram& other);
  void Reset();

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The smallest recorded value v such that at least q of the values are <= v (reported
  // as its bucket's upper bound, and never above the maximum). 0 when empty.
  // REQUIRES: 0 <= q <= 1.
  int64_t Quantile(double q) const;

 private:
  static int Bucket(int64_t micros);
  static int64_t UpperBound(int bucket);

  std::vector<int64_t> buckets_;
  int64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace meridian::workload::tpcc

#endif  // MERIDIAN_WORKLOAD_TPCC_HISTOGRAM_H_
