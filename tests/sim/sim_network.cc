#include "tests/sim/sim_network.h"

#include <cstdlib>

namespace meridian::sim {

void SimScheduler::At(int64_t when_ns, std::function<void()> fn) {
  if (when_ns < time_->Now()) when_ns = time_->Now();
  queue_.push(Event{when_ns, next_seq_++, std::move(fn)});
}

void SimScheduler::RunUntil(int64_t until_ns, const std::function<void()>& after_each) {
  while (!queue_.empty() && queue_.top().when <= until_ns) {
    Event e = queue_.top();
    queue_.pop();
    time_->Set(e.when);
    e.fn();
    ++events_run_;
    if (after_each) after_each();
  }
  if (time_->Now() < until_ns) time_->Set(until_ns);
}

void SimNetwork::Partition(const std::vector<std::set<uint64_t>>& groups) {
  group_of_.clear();
  for (size_t g = 0; g < groups.size(); ++g) {
    for (uint64_t n : groups[g]) group_of_[n] = static_cast<int>(g);
  }
}

bool SimNetwork::Connected(uint64_t a, uint64_t b) const {
  if (group_of_.empty()) return true;
  auto ga = group_of_.find(a), gb = group_of_.find(b);
  int x = ga == group_of_.end() ? -1 : ga->second;
  int y = gb == group_of_.end() ? -1 : gb->second;
  return x == y;
}

void SimNetwork::Send(uint64_t from, uint64_t to, bool may_duplicate,
                      std::function<void()> deliver) {
  ++sent_;
  std::uniform_real_distribution<double> coin(0, 1);
  if (!Connected(from, to) || coin(*rng_) < options_.loss) {
    ++dropped_;
    return;
  }
  int copies = coin(*rng_) < options_.duplicate ? 2 : 1;
  if (!may_duplicate) copies = 1;
  for (int i = 0; i < copies; ++i) {
    std::uniform_int_distribution<int64_t> delay(options_.min_delay_ns, options_.max_delay_ns);
    int64_t d = delay(*rng_);
    if (options_.spike > 0 && coin(*rng_) < options_.spike) {
      d += std::uniform_int_distribution<int64_t>(0, options_.spike_ns)(*rng_);
    }
    scheduler_->After(d, [this, from, to, deliver] {
      // A partition that formed while the message was in flight also cuts it.
      if (!Connected(from, to)) {
        ++dropped_;
        return;
      }
      deliver();
    });
  }
}

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::atoi(v);
}

}  // namespace meridian::sim
