// SimNetwork and SimScheduler: the deterministic event loop and the simulated network of
// the cluster simulator.
//
// All simulated activity is an event at a simulated true time; events at equal times run in
// the order they were scheduled. The network delivers each message after a random delay
// (so messages reorder), may drop or duplicate it, and drops everything across a partition.
// Every random choice comes from one seeded generator, so a seed replays exactly.
//
// Thread-safety: single-threaded by design.
#ifndef MERIDIAN_TESTS_SIM_SIM_NETWORK_H_
#define MERIDIAN_TESTS_SIM_SIM_NETWORK_H_

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <vector>

#include "common/clock/simulated_clock.h"

namespace meridian::sim {

class SimScheduler {
 public:
  explicit SimScheduler(clock::SimTime* time) : time_(time) {}

  void At(int64_t when_ns, std::function<void()> fn);
  void After(int64_t delay_ns, std::function<void()> fn) {
    At(time_->Now() + delay_ns, std::move(fn));
  }
  // Runs events until the queue is empty or the next one is past `until_ns`; time ends at
  // `until_ns`. `after_each` runs after every event (for invariant checks).
  void RunUntil(int64_t until_ns, const std::function<void()>& after_each = {});
  int64_t now() const { return time_->Now(); }
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    int64_t when;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  clock::SimTime* time_;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
};

struct NetworkOptions {
  int64_t min_delay_ns = 500'000;
  int64_t max_delay_ns = 5'000'000;
  double loss = 0;
  double duplicate = 0;
  // With this probability a message is held back by up to `spike_ns` more: stale messages
  // then arrive after leases expire and leaders change, as after a long pause.
  double spike = 0;
  int64_t spike_ns = 0;
};

class SimNetwork {
 public:
  SimNetwork(SimScheduler* scheduler, std::mt19937_64* rng) : scheduler_(scheduler), rng_(rng) {}

  void set_options(const NetworkOptions& o) { options_ = o; }
  const NetworkOptions& options() const { return options_; }

  // Splits the nodes into groups that can only talk within themselves.
  void Partition(const std::vector<std::set<uint64_t>>& groups);
  void Heal() { group_of_.clear(); }
  bool Connected(uint64_t a, uint64_t b) const;

  // Delivers `deliver` at the destination after a random delay, unless lost or cut off;
  // sometimes twice, if `may_duplicate` (datagrams; RPCs over a connection are not).
  void Send(uint64_t from, uint64_t to, bool may_duplicate, std::function<void()> deliver);
  void Send(uint64_t from, uint64_t to, std::function<void()> deliver) {
    Send(from, to, /*may_duplicate=*/true, std::move(deliver));
  }

  uint64_t sent() const { return sent_; }
  uint64_t dropped() const { return dropped_; }

 private:
  SimScheduler* scheduler_;
  std::mt19937_64* rng_;
  NetworkOptions options_;
  std::map<uint64_t, int> group_of_;  // empty: fully connected
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
};

// A simulation knob from the environment (seed, seed count, chaos length), or `fallback`.
int EnvInt(const char* name, int fallback);

}  // namespace meridian::sim

#endif  // MERIDIAN_TESTS_SIM_SIM_NETWORK_H_
