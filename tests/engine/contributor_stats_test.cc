#include "engine/contributor_stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace anml::engine {
namespace {

class ContributorStatsTest : public ::testing::Test {
 protected:
  ContributorStatsTest() {
    factors_.gradient_half_life_ms = 1000;
    factors_.consistency_half_life_ms = 4000;
    gate_.score_half_life_ms = 2000;
    stats_.as_of_ms = 0;
    stats_.gradient_sum = {8.0, -4.0};
    stats_.gradient_weight = 2.0;
    stats_.consistent = 16.0;
    stats_.inconsistent = 8.0;
    stats_.heldout_loss.fill(6.0);
    stats_.heldout_weight = 3.0;
    stats_.samples = 11;
    stats_.attribution = 0.25;
  }

  FactorConfig factors_;
  GateConfig gate_;
  ContributorStats stats_;
};

TEST_F(ContributorStatsTest, AdvanceToDecaysEachFieldByItsOwnHalfLife) {
  stats_.AdvanceTo(4000, factors_, gate_);
  EXPECT_EQ(stats_.as_of_ms, 4000);
  // Four gradient half-lives: 1/16.
  EXPECT_DOUBLE_EQ(stats_.gradient_sum[0], 0.5);
  EXPECT_DOUBLE_EQ(stats_.gradient_sum[1], -0.25);
  EXPECT_DOUBLE_EQ(stats_.gradient_weight, 0.125);
  // One consistency half-life.
  EXPECT_DOUBLE_EQ(stats_.consistent, 8.0);
  EXPECT_DOUBLE_EQ(stats_.inconsistent, 4.0);
  // Two score half-lives.
  for (double loss : stats_.heldout_loss) EXPECT_DOUBLE_EQ(loss, 1.5);
  EXPECT_DOUBLE_EQ(stats_.heldout_weight, 0.75);
  // Counts and the attribution ledger do not decay.
  EXPECT_EQ(stats_.samples, 11u);
  EXPECT_EQ(stats_.attribution, 0.25);
}

TEST_F(ContributorStatsTest, MeanGradientIsUnchangedByDecay) {
  const double before = stats_.MeanGradient(0);
  EXPECT_DOUBLE_EQ(before, 4.0);
  stats_.AdvanceTo(2500, factors_, gate_);
  EXPECT_NEAR(stats_.MeanGradient(0), before, 1e-12);
  EXPECT_EQ(stats_.MeanGradient(5), 0.0);  // Out of range.
  stats_.gradient_weight = 0.0;
  EXPECT_EQ(stats_.MeanGradient(0), 0.0);  // No evidence.
}

TEST_F(ContributorStatsTest, OneStepAndManyStepsDecayAlike) {
  ContributorStats many = stats_;
  stats_.AdvanceTo(7777, factors_, gate_);
  for (int64_t t = 101; t <= 7777; t += 101) many.AdvanceTo(t, factors_, gate_);
  many.AdvanceTo(7777, factors_, gate_);
  EXPECT_EQ(many.as_of_ms, stats_.as_of_ms);
  EXPECT_NEAR(many.gradient_sum[0], stats_.gradient_sum[0], 1e-12);
  EXPECT_NEAR(many.gradient_weight, stats_.gradient_weight, 1e-12);
  EXPECT_NEAR(many.consistent, stats_.consistent, 1e-12);
  EXPECT_NEAR(many.inconsistent, stats_.inconsistent, 1e-12);
  EXPECT_NEAR(many.heldout_loss[2], stats_.heldout_loss[2], 1e-12);
  EXPECT_NEAR(many.heldout_weight, stats_.heldout_weight, 1e-12);
}

TEST_F(ContributorStatsTest, EarlierOrEqualTimesAreIgnored) {
  stats_.as_of_ms = 5000;
  const ContributorStats before = stats_;
  stats_.AdvanceTo(4000, factors_, gate_);
  EXPECT_EQ(stats_, before);
  stats_.AdvanceTo(5000, factors_, gate_);
  EXPECT_EQ(stats_, before);
}

TEST_F(ContributorStatsTest, FirstAdvanceOnlyStampsTheTime) {
  stats_.as_of_ms = kNoTime;
  ContributorStats expected = stats_;
  expected.as_of_ms = 123456;
  stats_.AdvanceTo(123456, factors_, gate_);
  EXPECT_EQ(stats_, expected);
}

}  // namespace
}  // namespace anml::engine
