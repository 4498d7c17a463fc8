#include "workload/tpcc/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/logging.h"

namespace meridian::workload::tpcc {
namespace {

constexpr int kLinear = 128;  // values below are their own bucket
constexpr int kSubBuckets = 64;
constexpr int kMaxShift = 40;  // 2^46 us: about two years
constexpr int kBuckets = kLinear + kMaxShift * kSubBuckets;

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

int LatencyHistogram::Bucket(int64_t micros) {
  if (micros < kLinear) return static_cast<int>(std::max<int64_t>(micros, 0));
  // micros = mantissa << shift with mantissa in [64, 128).
  const int shift = std::bit_width(static_cast<uint64_t>(micros)) - 7;
  const int mantissa = static_cast<int>(micros >> shift);
  return std::min(kBuckets - 1, kLinear + (shift - 1) * kSubBuckets + (mantissa - kSubBuckets));
}

int64_t LatencyHistogram::UpperBound(int bucket) {
  if (bucket < kLinear) return bucket;
  const int shift = (bucket - kLinear) / kSubBuckets + 1;
  const int64_t mantissa = (bucket - kLinear) % kSubBuckets + kSubBuckets;
  return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t micros) {
  ++buckets_[static_cast<size_t>(Bucket(micros))];
  ++count_;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Reset() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  max_ = 0;
}

int64_t LatencyHistogram::Quantile(double q) const {
  CHECK(q >= 0 && q <= 1);
  if (count_ == 0) return 0;
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(q * count_)));
  int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)];
    if (seen >= rank) return std::min(UpperBound(b), max_);
  }
  return max_;
}

}  // namespace meridian::workload::tpcc
