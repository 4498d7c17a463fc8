#include "workload/tpcc/summary.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace meridian::workload::tpcc {
namespace {

const SummaryCheck& Find(const std::vector<SummaryCheck>& checks, const std::string& name) {
  for (const SummaryCheck& c : checks) {
    if (c.name == name) return c;
  }
  static const SummaryCheck kMissing;
  ADD_FAILURE() << "no check " << name;
  return kMissing;
}

TypeStats Completed(int64_t n, int64_t micros) {
  TypeStats s;
  s.completed = n;
  for (int64_t i = 0; i < n; ++i) s.latency.Record(micros);
  return s;
}

// One warehouse, 10 terminals, 100 minutes at about the spec's pace (12.86 tpmC would be
// full efficiency).
RunSummary Spec() {
  RunSummary s;
  s.warehouses = 1;
  s.terminals = 10;
  s.window_seconds = 6000;
  s.types[0] = Completed(1250, 20000);  // newOrder
  s.types[1] = Completed(1250, 10000);
  s.types[2] = Completed(120, 5000);
  s.types[3] = Completed(120, 50000);
  s.types[4] = Completed(120, 30000);
  s.audit.new_orders = 1250;
  s.audit.rollback_inputs = 12;
  s.audit.order_lines = 12500;
  s.audit.payments = 1200;
  s.audit.payments_by_name = 720;
  s.audit.order_statuses = 120;
  s.audit.order_statuses_by_name = 72;
  s.audit.deliveries = 120;
  return s;
}

TEST(RunSummary, TpmCAndEfficiency) {
  const RunSummary s = Spec();
  EXPECT_DOUBLE_EQ(s.TpmC(), 12.5);  // 1250 New-Orders in 100 minutes
  EXPECT_NEAR(s.EfficiencyPercent(), 97.2, 0.05);
  // Waits scaled to a tenth: ten times the ceiling.
  RunSummary fast = s;
  fast.wait = 0.1;
  EXPECT_NEAR(fast.MaxTpmC(), 128.6, 0.05);
  EXPECT_NEAR(fast.EfficiencyPercent(), 9.72, 0.01);
}

TEST(RunSummary, ChecksPassOnASpecConformingRun) {
  const RunSummary s = Spec();
  for (const SummaryCheck& c : s.Checks()) {
    EXPECT_NE(c.outcome, SummaryCheck::Outcome::kFail) << c.name << " " << c.value;
  }
  EXPECT_FALSE(s.AnyCheckFailed());
  // One warehouse: nothing can be remote, so those rates are not judged.
  EXPECT_EQ(Find(s.Checks(), "remote Payments").outcome, SummaryCheck::Outcome::kNotApplicable);
  EXPECT_EQ(Find(s.Checks(), "p90 newOrder").outcome, SummaryCheck::Outcome::kPass);
  EXPECT_EQ(Find(s.Checks(), "mix payment").outcome, SummaryCheck::Outcome::kPass);
}

TEST(RunSummary, AResponseTimeOverItsLimitFails) {
  RunSummary s = Spec();
  s.types[1] = Completed(1250, 6'000'000);  // Payment p90 6 s > 5 s
  EXPECT_EQ(Find(s.Checks(), "p90 payment").outcome, SummaryCheck::Outcome::kFail);
  EXPECT_TRUE(s.AnyCheckFailed());
}

TEST(RunSummary, AMixBelowItsMinimumFails) {
  RunSummary s = Spec();
  s.types[2] = Completed(20, 5000);  // Order-Status at 0.7%
  EXPECT_EQ(Find(s.Checks(), "mix orderStatus").outcome, SummaryCheck::Outcome::kFail);
}

TEST(RunSummary, InputRatesOutsideTheirBandFail) {
  RunSummary s = Spec();
  s.audit.payments = 100000;
  s.audit.payments_by_name = 50000;  // 50%, far outside 57..63 and 4 sigma
  EXPECT_EQ(Find(s.Checks(), "Payments by last name").outcome, SummaryCheck::Outcome::kFail);
  s.warehouses = 2;
  s.audit.remote_payments = 15000;  // 15%
  EXPECT_EQ(Find(s.Checks(), "remote Payments").outcome, SummaryCheck::Outcome::kPass);
  s.audit.remote_payments = 5000;  // 5%
  EXPECT_EQ(Find(s.Checks(), "remote Payments").outcome, SummaryCheck::Outcome::kFail);
}

TEST(RunSummary, ShortRunsAreNotJudgedOnRatesOrMix) {
  RunSummary s = Spec();
  s.audit.new_orders = 50;
  s.audit.rollback_inputs = 3;  // 6%, but only 0.5 rollbacks were expected
  EXPECT_EQ(Find(s.Checks(), "rolled-back New-Orders").outcome,
            SummaryCheck::Outcome::kNotApplicable);
  s.terminals = 100;  // 2,860 transactions: fewer than a deck per terminal
  EXPECT_EQ(Find(s.Checks(), "mix payment").outcome, SummaryCheck::Outcome::kNotApplicable);
}

TEST(RunSummary, SkippedDeliveriesOverOnePercentFail) {
  RunSummary s = Spec();
  s.audit.skipped_districts = 24;  // 2% of 1,200 district deliveries
  EXPECT_EQ(Find(s.Checks(), "skipped deliveries").outcome, SummaryCheck::Outcome::kFail);
}

TEST(RunSummary, TextAndJsonCarryTheFigures) {
  RunSummary s = Spec();
  s.system = "Meridian";
  s.scale.items = 1000;
  s.errors["XX000"] = ErrorCount{2, "boom \"quoted\""};
  const std::string text = s.Text();
  EXPECT_TRUE(absl::StrContains(text, "tpmC 12.5")) << text;
  EXPECT_TRUE(absl::StrContains(text, "NOT spec-sized")) << text;  // a default Scale
  const std::string json = s.Json();
  EXPECT_TRUE(absl::StrContains(json, "\"tpmC\":12.500")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"newOrder\":{\"count\":1250")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"first\":\"boom \\\"quoted\\\"\"")) << json;
}

}  // namespace
}  // namespace meridian::workload::tpcc
