#include "txn/range_map.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meridian::txn {

const std::string& KeySpaceEnd() {
  static const std::string* end = new std::string(kMaxKeyBytes + 1, '\xff');
  return *end;
}

absl::StatusOr<RangeMap> RangeMap::FromSplits(std::vector<std::string> splits) {
  RangeMap m;
  std::string prev;
  for (size_t i = 0; i < splits.size(); ++i) {
    if (splits[i].empty() || (i > 0 && splits[i] <= prev)) {
      return absl::InvalidArgumentError(
          absl::StrCat("split keys must be non-empty and strictly increasing; got '", splits[i],
                       "' after '", prev, "'"));
    }
    m.ranges_.push_back(RangeSpan{i + 1, prev, splits[i]});
    prev = splits[i];
  }
  m.ranges_.push_back(RangeSpan{splits.size() + 1, prev, ""});
  return m;
}

RangeMap RangeMap::Even(int n) {
  std::vector<std::string> splits;
  for (int i = 1; i < std::max(1, n); ++i) {
    splits.push_back(std::string(1, static_cast<char>(i * 256 / n)));
  }
  return *FromSplits(std::move(splits));
}

const RangeSpan& RangeMap::Lookup(std::string_view key) const {
  // The last range whose start is <= key.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), key,
                             [](std::string_view k, const RangeSpan& r) { return k < r.start; });
  return *std::prev(it);
}

std::vector<RangeSpan> RangeMap::Overlapping(std::string_view start, std::string_view end) const {
  std::vector<RangeSpan> out;
  for (const RangeSpan& r : ranges_) {
    const bool before = !r.end.empty() && r.end <= start;
    const bool after = !end.empty() && r.start >= end;
    if (!before && !after) out.push_back(r);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> RangeMap::ParseSplits(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  for (absl::string_view part : absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    out.emplace_back(part);
  }
  if (absl::StatusOr<RangeMap> valid = FromSplits(out); !valid.ok()) return valid.status();
  return out;
}

}  // namespace meridian::txn
