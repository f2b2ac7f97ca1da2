#include "bench/contributor_simulation.h"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

namespace anml::bench {
namespace {

Dataset Binary(int rows) {
  Dataset data;
  data.name = "binary";
  data.task = engine::Task::kBinary;
  data.dimension = 3;
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < 3; ++j) data.features.push_back((i * 7 + j) % 11 - 5.0);
    data.labels.push_back(i % 2);
  }
  return data;
}

SimulationConfig Config(uint64_t seed) {
  SimulationConfig c;
  c.seed = seed;
  c.passes = 4;
  return c;
}

TEST(ContributorSimulationTest, SameSeedGivesTheSameStream) {
  Dataset data = Binary(300);
  auto a = Simulate(data, Config(5)), b = Simulate(data, Config(5)), c = Simulate(data, Config(6));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_EQ(a->events.size(), b->events.size());
  for (size_t i = 0; i < a->events.size(); ++i) {
    EXPECT_EQ(a->events[i].row, b->events[i].row);
    EXPECT_EQ(a->events[i].time_ms, b->events[i].time_ms);
  }
  EXPECT_EQ(a->features, b->features);
  bool differs = false;
  for (size_t i = 0; i < a->events.size(); ++i) differs |= a->events[i].row != c->events[i].row;
  EXPECT_TRUE(differs);
}

TEST(ContributorSimulationTest, EveryRowOncePerPassInEventTimeOrder) {
  Dataset data = Binary(300);
  auto s = Simulate(data, Config(1));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rows.size(), 300u);
  EXPECT_EQ(s->events.size(), 4u * 300u);
  EXPECT_TRUE(std::is_sorted(s->events.begin(), s->events.end(),
                             [](const auto& a, const auto& b) { return a.time_ms < b.time_ms; }));
  std::map<uint32_t, int> seen;
  for (const StreamEvent& e : s->events) ++seen[e.row];
  for (const auto& [row, count] : seen) EXPECT_EQ(count, 4);
  EXPECT_GE(s->events.front().time_ms, kStreamStartMs);
  EXPECT_LT(s->events.back().time_ms, kStreamStartMs + 4 * kPassSpanMs);
}

TEST(ContributorSimulationTest, SizesAreUnevenAndCorruptShareHolds) {
  Dataset data = Binary(600);
  auto s = Simulate(data, Config(2));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->contributors.size(), 20u);
  size_t corrupt = 0, smallest = 600, largest = 0;
  for (const SimContributor& c : s->contributors) {
    corrupt += c.corrupt;
    smallest = std::min(smallest, c.rows);
    largest = std::max(largest, c.rows);
    EXPECT_GE(c.rows, kMinRowsPerContributor);
  }
  EXPECT_EQ(corrupt, 6u);
  EXPECT_GT(largest, 2 * smallest);
}

TEST(ContributorSimulationTest, FullRateFlipsOnlyCorruptContributorsLabels) {
  Dataset data = Binary(300);
  SimulationConfig config = Config(3);
  config.rate = 1.0;
  auto s = Simulate(data, config);
  ASSERT_TRUE(s.ok());
  for (const PoolRow& row : s->rows) {
    bool corrupt = s->contributors[row.contributor].corrupt;
    EXPECT_EQ(row.corrupted, corrupt);
    EXPECT_EQ(row.label, corrupt ? 1.0 - row.clean_label : row.clean_label);
  }
}

TEST(ContributorSimulationTest, CredentialFakingClaimsVerifiedHighReputation) {
  Dataset data = Binary(300);
  SimulationConfig config = Config(4);
  config.attack = Attack::kCredentialFaking;
  auto s = Simulate(data, config);
  ASSERT_TRUE(s.ok());
  for (const SimContributor& c : s->contributors) {
    if (!c.corrupt) continue;
    EXPECT_EQ(c.verification, engine::Verification::kVerified);
    EXPECT_GT(c.reputation, 0.9);
  }
}

TEST(ContributorSimulationTest, AlignmentMarksCandidatesAndKeepsCleanLabels) {
  Dataset data = Binary(300);
  SimulationConfig config = Config(4);
  config.attack = Attack::kJoint;
  auto s = Simulate(data, config);
  ASSERT_TRUE(s.ok());
  for (const PoolRow& row : s->rows) {
    EXPECT_EQ(row.alignment_candidate, s->contributors[row.contributor].corrupt);
    EXPECT_EQ(row.label, row.clean_label);
    if (row.alignment_candidate) {
      EXPECT_EQ(row.poison_label, 1.0 - row.clean_label);
    }
  }
}

TEST(ContributorSimulationTest, SybilsArriveLateWithoutMetadata) {
  Dataset data = Binary(300);
  SimulationConfig config = Config(8);
  config.attack = Attack::kSybil;
  auto s = Simulate(data, config);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->contributors.size(), 40u);
  for (const StreamEvent& e : s->events) {
    const SimContributor& who = s->contributors[s->rows[e.row].contributor];
    if (!who.sybil) continue;
    EXPECT_FALSE(who.has_metadata);
    EXPECT_GE(e.time_ms, kStreamStartMs + 2 * kPassSpanMs);  // passes / 2.
    EXPECT_NE(s->rows[e.row].label, s->rows[e.row].clean_label);
  }
}

TEST(ContributorSimulationTest, TargetShiftMovesRegressionTargets) {
  Dataset data = Binary(100);
  data.task = engine::Task::kRegression;
  data.classes = 0;
  SimulationConfig config = Config(9);
  config.corruption = Corruption::kTargetShift;
  config.rate = 0.25;
  auto s = Simulate(data, config);
  ASSERT_TRUE(s.ok());
  for (const PoolRow& row : s->rows) {
    double shift = s->contributors[row.contributor].corrupt ? 0.25 * kTargetShiftPerRate : 0.0;
    EXPECT_DOUBLE_EQ(row.label, row.clean_label + shift);
  }
}

TEST(ContributorSimulationTest, RejectsImpossibleConfigurations) {
  Dataset data = Binary(60);
  SimulationConfig shift = Config(1);
  shift.corruption = Corruption::kTargetShift;
  auto a = Simulate(data, shift);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("regression"), std::string::npos);
  SimulationConfig many = Config(1);
  many.contributors = 100;
  auto b = Simulate(data, many);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("60 training rows for 100 contributors"),
            std::string::npos);
}

TEST(ContributorSimulationTest, MulticlassFlipPicksAnotherClass) {
  Dataset data;
  data.task = engine::Task::kMulticlass;
  data.classes = 4;
  for (double draw : {0.0, 0.3, 0.6, 0.99}) {
    for (double label : {0.0, 1.0, 2.0, 3.0}) {
      double flipped = PoisonLabel(data, Corruption::kLabelFlip, 1.0, label, draw);
      EXPECT_NE(flipped, label);
      EXPECT_GE(flipped, 0.0);
      EXPECT_LT(flipped, 4.0);
    }
  }
}

}  // namespace
}  // namespace anml::bench
