// RangeWaits: each event offers exactly the waits parked under it (plus new ones), a wait
// runs only once its exact condition holds, and deadlines hand waits back in order.
#include "txn/range_waits.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::txn {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A harness whose waits record their name when run or expired, with conditions the test
// sets by hand.
class Waits {
 public:
  RangeWaits::Wait Make(const std::string& name, int64_t deadline_ns = 1000) {
    return RangeWaits::Wait{.ready = [this, name] { return ready_.contains(name); },
                            .run = [this, name] { ran_.push_back(name); },
                            .deadline_ns = deadline_ns,
                            .expire = [this, name] { expired_.push_back(name); }};
  }
  void SetReady(const std::string& name) { ready_.insert(name); }

  // Names of the candidates for `events`, without running anything.
  std::vector<std::string> Candidates(const RangeWaits::Events& events) {
    std::vector<std::string> out;
    for (RangeWaits::Id id : waits.Candidates(events)) out.push_back(names_.at(id));
    return out;
  }
  // Runs every ready candidate for `events`; returns what ran.
  std::vector<std::string> Pump(const RangeWaits::Events& events) {
    ran_.clear();
    for (RangeWaits::Id id : waits.Candidates(events)) {
      if (auto w = waits.TakeIfReady(id)) w->run();
    }
    return ran_;
  }
  void Name(RangeWaits::Id id, const std::string& name) { names_[id] = name; }
  const std::vector<std::string>& expired() const { return expired_; }

  RangeWaits waits;

 private:
  std::set<std::string> ready_;
  std::map<RangeWaits::Id, std::string> names_;
  std::vector<std::string> ran_;
  std::vector<std::string> expired_;
};

RangeWaits::Events Nothing() {
  return RangeWaits::Events{.prepared = [](const TxnId&) { return true; }};
}

TEST(RangeWaitsTest, NewWaitsAreOfferedOnceThenOnlyTheirOwnEventOffersThem) {
  Waits w;
  w.Name(w.waits.OnLock("t1", w.Make("lock-t1")), "lock-t1");
  w.Name(w.waits.OnLock("t2", w.Make("lock-t2")), "lock-t2");
  w.Name(w.waits.OnApplied(5, w.Make("applied-5")), "applied-5");
  w.Name(w.waits.OnSafeTime(Timestamp{50, 0}, w.Make("safe-50")), "safe-50");
  w.Name(w.waits.OnResolved("p1", w.Make("resolved-p1")), "resolved-p1");
  EXPECT_THAT(w.Candidates(Nothing()),
              ElementsAre("lock-t1", "lock-t2", "applied-5", "safe-50", "resolved-p1"));
  EXPECT_THAT(w.Candidates(Nothing()), IsEmpty());

  RangeWaits::Events e = Nothing();
  e.locks = {"t2", "t9"};
  EXPECT_THAT(w.Candidates(e), ElementsAre("lock-t2"));

  e = Nothing();
  e.applied_index = 4;
  EXPECT_THAT(w.Candidates(e), IsEmpty());
  e.applied_index = 5;
  EXPECT_THAT(w.Candidates(e), ElementsAre("applied-5"));

  int computed = 0;
  e = Nothing();
  e.safe_time = [&computed] {
    ++computed;
    return Timestamp{49, 7};
  };
  EXPECT_THAT(w.Candidates(e), IsEmpty());
  e.safe_time = [&computed] {
    ++computed;
    return Timestamp{50, 0};
  };
  EXPECT_THAT(w.Candidates(e), ElementsAre("safe-50"));
  EXPECT_EQ(computed, 2);

  e = Nothing();
  e.prepared = [](const TxnId& t) { return t != "p1"; };
  EXPECT_THAT(w.Candidates(e), ElementsAre("resolved-p1"));
  EXPECT_EQ(w.waits.size(), 5u);
}

// The index only says a wait may be over: it runs once its condition holds, and a wait
// offered but not ready is offered again by its next event.
TEST(RangeWaitsTest, AWaitRunsOnlyWhenReadyAndOnlyOnce) {
  Waits w;
  w.Name(w.waits.OnLock("t1", w.Make("a")), "a");
  w.Name(w.waits.OnLock("t1", w.Make("b")), "b");
  EXPECT_THAT(w.Pump(Nothing()), IsEmpty());
  w.SetReady("b");
  RangeWaits::Events e = Nothing();
  e.locks = {"t1"};
  EXPECT_THAT(w.Pump(e), ElementsAre("b"));
  EXPECT_EQ(w.waits.size(), 1u);
  EXPECT_THAT(w.Pump(e), IsEmpty());
  w.SetReady("a");
  EXPECT_THAT(w.Pump(Nothing()), IsEmpty());  // no event for t1: not looked at
  EXPECT_THAT(w.Pump(e), ElementsAre("a"));
  EXPECT_EQ(w.waits.size(), 0u);
  EXPECT_THAT(w.Pump(e), IsEmpty());
}

// An applied-index wait reached but not ready (a lease that lapsed for a moment) stays a
// candidate until it is ready or expires.
TEST(RangeWaitsTest, AReachedAppliedWaitIsOfferedUntilReady) {
  Waits w;
  w.Name(w.waits.OnApplied(3, w.Make("read")), "read");
  RangeWaits::Events e = Nothing();
  e.applied_index = 7;
  EXPECT_THAT(w.Pump(e), IsEmpty());
  EXPECT_THAT(w.Candidates(e), ElementsAre("read"));
  w.SetReady("read");
  EXPECT_THAT(w.Pump(e), ElementsAre("read"));
}

TEST(RangeWaitsTest, DeadlinesHandWaitsBackInParkingOrder) {
  Waits w;
  w.Name(w.waits.OnLock("t1", w.Make("late", 300)), "late");
  w.Name(w.waits.OnSafeTime(Timestamp{9, 0}, w.Make("early", 100)), "early");
  w.Name(w.waits.OnApplied(1, w.Make("mid", 200)), "mid");
  w.Name(w.waits.OnResolved("p", w.Make("also-mid", 200)), "also-mid");
  EXPECT_TRUE(w.waits.TakeExpired(99).empty());
  for (RangeWaits::Wait& x : w.waits.TakeExpired(200)) x.expire();
  EXPECT_THAT(w.expired(), ElementsAre("early", "mid", "also-mid"));
  EXPECT_EQ(w.waits.size(), 1u);
  // Expired waits are gone from every index.
  RangeWaits::Events e = Nothing();
  e.applied_index = 10;
  e.safe_time = [] { return Timestamp::Max(); };
  e.prepared = [](const TxnId&) { return false; };
  EXPECT_THAT(w.Candidates(e), ElementsAre("late"));  // still new: offered once
  EXPECT_THAT(w.Candidates(e), IsEmpty());
}

// The cost of an event does not grow with waits parked under other events: a grant to one
// of many waiting transactions offers that one wait.
TEST(RangeWaitsTest, ALockEventOffersOneWaitAmongMany) {
  Waits w;
  for (int i = 0; i < 10000; ++i) {
    const std::string txn = "t" + std::to_string(i);
    w.Name(w.waits.OnLock(txn, w.Make(txn)), txn);
  }
  EXPECT_EQ(w.Candidates(Nothing()).size(), 10000u);  // each new wait is looked at once
  RangeWaits::Events e = Nothing();
  e.locks = {"t4242"};
  EXPECT_THAT(w.Candidates(e), ElementsAre("t4242"));
}

}  // namespace
}  // namespace meridian::txn
