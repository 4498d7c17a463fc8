#include "tests/checker/linearizability.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace meridian::checker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Type = KvOperation::Type;

KvOperation Write(int client, std::string key, std::optional<std::string> value, int64_t invoke,
                  int64_t complete) {
  return KvOperation{.client = client,
                     .type = Type::kWrite,
                     .key = std::move(key),
                     .value = std::move(value),
                     .invoke_time = invoke,
                     .complete_time = complete};
}

KvOperation Read(int client, std::string key, std::optional<std::string> value, int64_t invoke,
                 int64_t complete) {
  return KvOperation{.client = client,
                     .type = Type::kRead,
                     .key = std::move(key),
                     .value = std::move(value),
                     .invoke_time = invoke,
                     .complete_time = complete};
}

KvOperation PendingWrite(int client, std::string key, std::string value, int64_t invoke) {
  return KvOperation{.client = client,
                     .type = Type::kWrite,
                     .key = std::move(key),
                     .value = std::move(value),
                     .invoke_time = invoke,
                     .completed = false};
}

KvOperation PendingRead(int client, std::string key, std::optional<std::string> value,
                        int64_t invoke) {
  KvOperation op = Read(client, std::move(key), std::move(value), invoke, 0);
  op.completed = false;
  return op;
}

constexpr std::nullopt_t kAbsent = std::nullopt;

// --- Hand-written histories. ---

TEST(LinearizabilityTest, EmptyHistoryIsLinearizable) {
  const LinearizabilityResult result = CheckLinearizability({});
  EXPECT_TRUE(result.linearizable);
  EXPECT_FALSE(result.inconclusive);
}

TEST(LinearizabilityTest, SequentialHistoryIsLinearizable) {
  const std::vector<KvOperation> history = {
      Read(1, "k", kAbsent, 0, 1),  Write(1, "k", "a", 2, 3), Read(2, "k", "a", 4, 5),
      Write(2, "k", "b", 6, 7),     Read(1, "k", "b", 8, 9),  Write(1, "k", kAbsent, 10, 11),
      Read(2, "k", kAbsent, 12, 13)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_TRUE(result.linearizable) << result.explanation;
  EXPECT_FALSE(result.inconclusive);
  EXPECT_TRUE(result.explanation.empty());
}

TEST(LinearizabilityTest, SequentialReadOfOverwrittenValueIsRejected) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), Write(1, "k", "b", 2, 3),
                                            Read(1, "k", "a", 4, 5)};
  EXPECT_FALSE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, ConcurrentWritesMayBeSeenInEitherOrder) {
  for (const char* seen : {"a", "b"}) {
    const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 10), Write(2, "k", "b", 0, 10),
                                              Read(3, "k", seen, 11, 12),
                                              Read(3, "k", seen, 13, 14)};
    EXPECT_TRUE(CheckLinearizability(history).linearizable) << seen;
  }
}

TEST(LinearizabilityTest, ReadsAfterConcurrentWritesMustAgreeOnTheWinner) {
  // Both writes completed before either read: the second one to take effect stays.
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 10), Write(2, "k", "b", 0, 10),
                                            Read(3, "k", "a", 11, 12), Read(3, "k", "b", 13, 14)};
  EXPECT_FALSE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, SameOperationsInAnotherOrderLeaveAnotherValue) {
  // Taking effect as "a, b" dooms the read at [15, 16]; only "b, a" works, so the search must
  // come back from the first order it tries.
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 10), Write(2, "k", "b", 0, 10),
                                            Read(3, "k", "a", 0, 30),  Read(4, "k", "b", 0, 30),
                                            Read(5, "k", "a", 15, 16), Write(6, "k", "a", 20, 30)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_TRUE(result.linearizable) << result.explanation;
}

TEST(LinearizabilityTest, ReadConcurrentWithWriteMaySeeOldOrNewValue) {
  for (const std::optional<std::string>& seen :
       {std::optional<std::string>("a"), std::optional<std::string>("b")}) {
    const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), Write(1, "k", "b", 2, 10),
                                              Read(2, "k", seen, 3, 5)};
    EXPECT_TRUE(CheckLinearizability(history).linearizable) << *seen;
  }
}

TEST(LinearizabilityTest, NewValueThenOldValueIsRejected) {
  // Both reads overlap the write, but once one read saw "b" a later read cannot see "a".
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), Write(1, "k", "b", 2, 20),
                                            Read(2, "k", "b", 3, 5), Read(3, "k", "a", 6, 8)};
  EXPECT_FALSE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, StaleReadIsRejectedAndExplained) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), Write(2, "k", "b", 2, 3),
                                            Read(3, "k", "a", 4, 5)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.inconclusive);
  EXPECT_EQ(result.key, "k");
  EXPECT_THAT(result.ops, ElementsAre(0, 1, 2));
  EXPECT_THAT(result.explanation, HasSubstr("#2 client 3 read -> \"a\" [4, 5]"));
  EXPECT_THAT(result.explanation, HasSubstr("#1 client 2 write \"b\" [2, 3]"));
  EXPECT_THAT(result.explanation, HasSubstr("holding \"b\" (written by #1)"));
}

TEST(LinearizabilityTest, ReadOfNeverWrittenValueIsRejected) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), Read(2, "k", "zzz", 2, 3)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_EQ(result.key, "k");
  EXPECT_THAT(result.ops, ElementsAre(1));
  EXPECT_THAT(result.explanation, HasSubstr("never written"));
}

TEST(LinearizabilityTest, ValueWrittenToAnotherKeyCountsAsNeverWritten) {
  const std::vector<KvOperation> history = {Write(1, "x", "a", 0, 1), Read(2, "y", "a", 2, 3)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_EQ(result.key, "y");
}

TEST(LinearizabilityTest, AbsentAfterCompletedWriteIsRejected) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), Read(2, "k", kAbsent, 2, 3)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_THAT(result.ops, ElementsAre(0, 1));
  EXPECT_THAT(result.explanation, HasSubstr("read -> absent"));
}

TEST(LinearizabilityTest, AbsentDuringConcurrentWriteIsAllowed) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 5), Read(2, "k", kAbsent, 2, 3),
                                            Read(2, "k", "a", 6, 7)};
  EXPECT_TRUE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, EqualTimestampsCountAsConcurrent) {
  EXPECT_TRUE(
      CheckLinearizability({Write(1, "k", "a", 0, 5), Read(2, "k", kAbsent, 5, 6)}).linearizable);
  EXPECT_FALSE(
      CheckLinearizability({Write(1, "k", "a", 0, 5), Read(2, "k", kAbsent, 6, 7)}).linearizable);
}

TEST(LinearizabilityTest, DeleteMakesKeyAbsent) {
  EXPECT_TRUE(CheckLinearizability({Write(1, "k", "a", 0, 1), Write(1, "k", kAbsent, 2, 3),
                                    Read(2, "k", kAbsent, 4, 5)})
                  .linearizable);
  EXPECT_FALSE(CheckLinearizability({Write(1, "k", "a", 0, 1), Write(1, "k", kAbsent, 2, 3),
                                     Read(2, "k", "a", 4, 5)})
                   .linearizable);
}

TEST(LinearizabilityTest, UncompletedWriteObservedLaterIsAllowed) {
  const std::vector<KvOperation> history = {PendingWrite(1, "k", "a", 0), Read(2, "k", "a", 10, 11),
                                            Read(3, "k", "a", 12, 13)};
  EXPECT_TRUE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, UncompletedWriteNeverObservedIsAllowed) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), PendingWrite(1, "k", "b", 2),
                                            Read(2, "k", "a", 10, 11), Read(1, "k", "a", 12, 13)};
  EXPECT_TRUE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, UncompletedWriteMayTakeEffectLongAfterItsClientMovedOn) {
  // Client 1 times out on "a", writes "b" successfully, and only then does "a" land.
  const std::vector<KvOperation> history = {PendingWrite(1, "k", "a", 0), Write(1, "k", "b", 5, 6),
                                            Read(2, "k", "b", 7, 8), Read(2, "k", "a", 9, 10)};
  EXPECT_TRUE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, UncompletedWriteCannotBeUndone) {
  const std::vector<KvOperation> history = {PendingWrite(1, "k", "a", 0), Read(2, "k", "a", 10, 11),
                                            Read(3, "k", kAbsent, 12, 13)};
  EXPECT_FALSE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, UncompletedWriteTakesEffectAtMostOnce) {
  const std::vector<KvOperation> history = {PendingWrite(1, "k", "a", 0), Read(2, "k", "a", 10, 11),
                                            Write(2, "k", "b", 12, 13), Read(2, "k", "a", 14, 15)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_THAT(result.ops, ElementsAre(0, 1, 2, 3));
}

TEST(LinearizabilityTest, UncompletedWriteObservedBeforeItsInvokeIsRejected) {
  const std::vector<KvOperation> history = {Read(2, "k", "a", 0, 5), PendingWrite(1, "k", "a", 10)};
  EXPECT_FALSE(CheckLinearizability(history).linearizable);
  // A read that overlaps the invoke may see it.
  EXPECT_TRUE(
      CheckLinearizability({Read(2, "k", "a", 0, 10), PendingWrite(1, "k", "a", 10)}).linearizable);
}

TEST(LinearizabilityTest, UncompletedReadsConstrainNothing) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 0, 1), PendingRead(2, "k", "zzz", 2),
                                            PendingRead(3, "k", kAbsent, 3)};
  EXPECT_TRUE(CheckLinearizability(history).linearizable);
}

TEST(LinearizabilityTest, KeysAreCheckedIndependently) {
  // Mixed into one register this would be a read of absent after a completed write.
  const std::vector<KvOperation> good = {Write(1, "x", "a", 0, 1), Read(2, "y", kAbsent, 2, 3),
                                         Read(2, "x", "a", 4, 5)};
  EXPECT_TRUE(CheckLinearizability(good).linearizable);

  const std::vector<KvOperation> bad = {Write(1, "x", "a", 0, 1), Write(1, "y", "a", 0, 1),
                                        Write(1, "y", "b", 2, 3), Read(2, "x", "a", 4, 5),
                                        Read(2, "y", "a", 4, 5)};
  const LinearizabilityResult result = CheckLinearizability(bad);
  EXPECT_FALSE(result.linearizable);
  EXPECT_EQ(result.key, "y");
  EXPECT_THAT(result.ops, ElementsAre(1, 2, 4));
}

TEST(LinearizabilityTest, FirstFailingKeyInOrderOfAppearanceIsReported) {
  const std::vector<KvOperation> history = {Write(1, "b", "v", 0, 1), Write(1, "a", "v", 0, 1),
                                            Read(2, "a", kAbsent, 2, 3),
                                            Read(2, "b", kAbsent, 2, 3)};
  EXPECT_EQ(CheckLinearizability(history).key, "b");
}

TEST(LinearizabilityTest, MalformedOperationIsReported) {
  const std::vector<KvOperation> history = {Write(1, "k", "a", 5, 4)};
  const LinearizabilityResult result = CheckLinearizability(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_THAT(result.explanation, HasSubstr("malformed"));
}

TEST(LinearizabilityTest, ExhaustedBudgetIsInconclusiveNotAFailure) {
  const std::vector<KvOperation> ambiguous = {Write(1, "k", "a", 0, 10), Write(2, "k", "b", 0, 10),
                                              Read(3, "k", "b", 11, 12)};
  const LinearizabilityOptions tiny{.max_states_per_key = 1};
  LinearizabilityResult result = CheckLinearizability(ambiguous, tiny);
  EXPECT_TRUE(result.linearizable);
  EXPECT_TRUE(result.inconclusive);
  EXPECT_EQ(result.key, "k");
  EXPECT_THAT(result.explanation, HasSubstr("budget"));

  // The same budget is enough for a key with nothing to choose; a proven failure on another
  // key wins over the inconclusive one.
  std::vector<KvOperation> mixed = ambiguous;
  mixed.push_back(Read(1, "z", "never", 0, 1));
  result = CheckLinearizability(mixed, tiny);
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.inconclusive);
  EXPECT_EQ(result.key, "z");
}

// --- Randomized histories. ---

// Exhaustive reference: tries every order of the completed operations plus every subset of the
// uncompleted writes. Only for a handful of operations on one key.
bool BruteForceLinearizable(const std::vector<KvOperation>& history) {
  std::vector<int> required;
  std::vector<int> optional;
  for (int i = 0; i < static_cast<int>(history.size()); ++i) {
    if (history[i].completed) {
      required.push_back(i);
    } else if (history[i].type == Type::kWrite) {
      optional.push_back(i);
    }
  }
  for (uint32_t mask = 0; mask < (1u << optional.size()); ++mask) {
    std::vector<int> order = required;
    for (size_t j = 0; j < optional.size(); ++j) {
      if (mask & (1u << j)) order.push_back(optional[j]);
    }
    std::sort(order.begin(), order.end());
    do {
      bool valid = true;
      for (size_t p = 0; p < order.size() && valid; ++p) {
        for (size_t q = p + 1; q < order.size() && valid; ++q) {
          const KvOperation& later = history[order[q]];
          if (later.completed && later.complete_time < history[order[p]].invoke_time) {
            valid = false;
          }
        }
      }
      std::optional<std::string> value;
      for (size_t p = 0; p < order.size() && valid; ++p) {
        const KvOperation& op = history[order[p]];
        if (op.type == Type::kWrite) {
          value = op.value;
        } else if (op.value != value) {
          valid = false;
        }
      }
      if (valid) return true;
    } while (std::next_permutation(order.begin(), order.end()));
  }
  return false;
}

std::vector<KvOperation> Subset(const std::vector<KvOperation>& history,
                                const std::vector<int>& indices) {
  std::vector<KvOperation> out;
  for (int i : indices) out.push_back(history[i]);
  return out;
}

TEST(LinearizabilityRandomTest, AgreesWithBruteForceOnSmallHistories) {
  std::mt19937_64 rng(20240601);
  const std::vector<std::optional<std::string>> values = {std::nullopt, "a", "b", "c"};
  int accepted = 0;
  int rejected = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const int num_ops = 1 + static_cast<int>(rng() % 7);
    std::vector<KvOperation> history;
    for (int i = 0; i < num_ops; ++i) {
      const bool write = rng() % 2 == 0;
      const int64_t invoke = static_cast<int64_t>(rng() % 12);
      KvOperation op = write ? Write(i, "k", values[1 + rng() % 3], invoke, 0)
                             : Read(i, "k", values[rng() % 4], invoke, 0);
      if (write && rng() % 10 == 0) op.value = std::nullopt;
      op.complete_time = invoke + static_cast<int64_t>(rng() % 6);
      op.completed = rng() % 5 != 0;
      history.push_back(op);
    }
    const bool expected = BruteForceLinearizable(history);
    const LinearizabilityResult result = CheckLinearizability(history);
    ASSERT_EQ(result.linearizable, expected) << "iteration " << iteration << "\n"
                                             << result.explanation;
    ASSERT_FALSE(result.inconclusive);
    if (expected) {
      ++accepted;
    } else {
      ++rejected;
      // The reported witness must itself be non-linearizable.
      ASSERT_FALSE(result.ops.empty());
      ASSERT_FALSE(BruteForceLinearizable(Subset(history, result.ops)))
          << "iteration " << iteration << "\n"
          << result.explanation;
    }
  }
  // Both outcomes are well represented, so the agreement means something.
  EXPECT_GT(accepted, 500);
  EXPECT_GT(rejected, 500);
}

struct GeneratorOptions {
  int clients = 5;
  int keys = 1;
  int ops_per_client = 20;
  int write_percent = 50;
  int uncompleted_percent = 5;
  int64_t max_think = 3;    // Gap between a client's operations.
  int64_t max_latency = 8;  // From invoke to linearization point, and from there to completion.
};

// Simulates clients against an atomic register per key: every operation takes effect at one
// instant inside its interval. The result is linearizable by construction.
std::vector<KvOperation> GenerateLinearizable(std::mt19937_64& rng,
                                              const GeneratorOptions& options) {
  struct Planned {
    int64_t point;  // Linearization point; -1 if it never takes effect.
    int index;
  };
  std::vector<KvOperation> history;
  std::vector<Planned> plan;
  auto uniform = [&](int64_t max) { return static_cast<int64_t>(rng() % (max + 1)); };
  int next_value = 0;
  for (int client = 0; client < options.clients; ++client) {
    int64_t now = uniform(options.max_think);
    for (int i = 0; i < options.ops_per_client; ++i) {
      KvOperation op;
      op.client = client;
      op.key = absl::StrCat("key", rng() % options.keys);
      op.type = static_cast<int>(rng() % 100) < options.write_percent ? Type::kWrite : Type::kRead;
      if (op.type == Type::kWrite) {
        // Mostly fresh values, sometimes a repeated one or a delete.
        const int dice = static_cast<int>(rng() % 20);
        if (dice == 0) {
          op.value = std::nullopt;
        } else if (dice == 1) {
          op.value = "dup";
        } else {
          op.value = absl::StrCat("v", next_value++);
        }
      }
      op.invoke_time = now + uniform(options.max_think);
      int64_t point = op.invoke_time + uniform(options.max_latency);
      op.complete_time = point + uniform(options.max_latency);
      op.completed = static_cast<int>(rng() % 100) >= options.uncompleted_percent;
      if (!op.completed) {
        // The client gives up at some point; the operation may land later or never.
        if (op.type == Type::kRead || rng() % 2 == 0) point = -1;
        op.complete_time = 0;
        now = op.invoke_time + uniform(2 * options.max_latency);
      } else {
        now = op.complete_time;
      }
      plan.push_back(Planned{point, static_cast<int>(history.size())});
      history.push_back(std::move(op));
    }
  }
  std::sort(plan.begin(), plan.end(), [](const Planned& a, const Planned& b) {
    return std::tie(a.point, a.index) < std::tie(b.point, b.index);
  });
  absl::flat_hash_map<std::string, std::optional<std::string>> store;
  for (const Planned& planned : plan) {
    if (planned.point < 0) continue;
    KvOperation& op = history[planned.index];
    if (op.type == Type::kWrite) {
      store[op.key] = op.value;
    } else {
      auto it = store.find(op.key);
      op.value = it == store.end() ? std::nullopt : it->second;
    }
  }
  return history;
}

TEST(LinearizabilityRandomTest, AcceptsAtomicRegisterHistoriesAndRejectsCorruptedReads) {
  std::mt19937_64 rng(7);
  for (int iteration = 0; iteration < 300; ++iteration) {
    GeneratorOptions options;
    options.clients = 2 + static_cast<int>(rng() % 6);
    options.keys = 1 + static_cast<int>(rng() % 3);
    options.ops_per_client = 5 + static_cast<int>(rng() % 30);
    options.max_latency = 1 + static_cast<int64_t>(rng() % 12);
    std::vector<KvOperation> history = GenerateLinearizable(rng, options);
    const LinearizabilityResult result = CheckLinearizability(history);
    ASSERT_TRUE(result.linearizable) << "iteration " << iteration << "\n" << result.explanation;
    ASSERT_FALSE(result.inconclusive) << "iteration " << iteration;

    std::vector<int> reads;
    for (int i = 0; i < static_cast<int>(history.size()); ++i) {
      if (history[i].type == Type::kRead && history[i].completed) reads.push_back(i);
    }
    if (reads.empty()) continue;
    const int victim = reads[rng() % reads.size()];
    history[victim].value = "corrupted";
    const LinearizabilityResult corrupted = CheckLinearizability(history);
    ASSERT_FALSE(corrupted.linearizable) << "iteration " << iteration;
    EXPECT_EQ(corrupted.key, history[victim].key);
    EXPECT_THAT(corrupted.ops, ElementsAre(victim));
  }
}

TEST(LinearizabilityRandomTest, StaleReadInLongHistoryIsNarrowedToItsCause) {
  std::mt19937_64 rng(99);
  GeneratorOptions options;
  options.clients = 5;
  options.ops_per_client = 40;
  options.uncompleted_percent = 0;
  std::vector<KvOperation> history = GenerateLinearizable(rng, options);
  int64_t end = 0;
  for (const KvOperation& op : history) end = std::max({end, op.invoke_time, op.complete_time});
  const int first = static_cast<int>(history.size());
  history.push_back(Write(0, "key0", "x", end + 1, end + 2));
  history.push_back(Write(1, "key0", "y", end + 3, end + 4));
  history.push_back(Read(2, "key0", "x", end + 5, end + 6));
  // More valid traffic afterwards.
  history.push_back(Read(3, "key0", "y", end + 7, end + 8));

  const LinearizabilityResult result = CheckLinearizability(history);
  ASSERT_FALSE(result.linearizable);
  EXPECT_THAT(result.ops, ElementsAre(first, first + 1, first + 2)) << result.explanation;
}

TEST(LinearizabilityPerformanceTest, FiveHundredOpsOnOneKeyWithFiveClients) {
  std::mt19937_64 rng(12345);
  GeneratorOptions options;
  options.clients = 5;
  options.ops_per_client = 100;
  options.write_percent = 60;
  options.max_latency = 20;  // Long overlapping intervals: up to all five clients concurrent.
  const std::vector<KvOperation> history = GenerateLinearizable(rng, options);
  ASSERT_EQ(history.size(), 500u);

  const auto start = std::chrono::steady_clock::now();
  const LinearizabilityResult result = CheckLinearizability(history);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.linearizable) << result.explanation;
  EXPECT_FALSE(result.inconclusive);
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

// Thirty concurrent writes have 2^30 subsets; the search must not enumerate them.
std::vector<KvOperation> ThirtyConcurrentWritesThenReads(int distinct_reads) {
  std::vector<KvOperation> history;
  for (int i = 0; i < 30; ++i) history.push_back(Write(i, "k", absl::StrCat("v", i), 0, 10));
  for (int i = 0; i < distinct_reads; ++i) {
    history.push_back(Read(100 + i, "k", absl::StrCat("v", i), 11, 12));
  }
  return history;
}

TEST(LinearizabilityPerformanceTest, ManyConcurrentUnreadWritesAreConclusive) {
  const LinearizabilityResult result = CheckLinearizability(ThirtyConcurrentWritesThenReads(1));
  EXPECT_TRUE(result.linearizable);
  EXPECT_FALSE(result.inconclusive) << result.explanation;
}

TEST(LinearizabilityPerformanceTest, ManyConcurrentWritesReadAfterwardsAreRefutedQuickly) {
  // Every value is read after all writes completed: at most one of them can be the last.
  const LinearizabilityResult result = CheckLinearizability(ThirtyConcurrentWritesThenReads(30));
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.inconclusive);
  EXPECT_EQ(result.ops.size(), 4u) << result.explanation;  // Two writes and their reads.
}

TEST(LinearizabilityPerformanceTest, SimulatorSizedHistory) {
  std::mt19937_64 rng(4242);
  GeneratorOptions options;
  options.clients = 25;
  options.keys = 30;
  options.ops_per_client = 200;
  options.max_latency = 15;
  const std::vector<KvOperation> history = GenerateLinearizable(rng, options);

  const auto start = std::chrono::steady_clock::now();
  const LinearizabilityResult result = CheckLinearizability(history);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.linearizable) << result.explanation;
  EXPECT_FALSE(result.inconclusive);
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

}  // namespace
}  // namespace meridian::checker
