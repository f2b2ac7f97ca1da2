#include "engine/robust_mean.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace anml::engine {
namespace {

using WeightedValues = std::vector<std::pair<double, double>>;

class RobustMeanTest : public ::testing::Test {};

TEST_F(RobustMeanTest, WeightedTrimmedMeanIgnoresAMinorityOfHugeOutliers) {
  // Ten honest values 1..10 and two huge outliers, weight 1 each: trimming
  // 20% of the total weight 12 keeps the positions [2.4, 9.6] of the sorted
  // weight, so the outliers and the values 1 and 10 go, 2 and 9 keep 0.6.
  WeightedValues values = {{1e12, 1.0}, {-1e12, 1.0}};
  for (int i = 1; i <= 10; ++i) values.emplace_back(i, 1.0);
  const double kept = 0.6 * 2 + (3 + 4 + 5 + 6 + 7 + 8) + 0.6 * 9;
  EXPECT_NEAR(WeightedTrimmedMean(values, 0.2), kept / 7.2, 1e-12);
}

TEST_F(RobustMeanTest, WeightedTrimmedMeanTrimsByWeightNotByCount) {
  // One heavy outlier carrying 30% of the weight survives a 20% trim only
  // in part; with a 35% trim it is gone entirely.
  WeightedValues values = {{100.0, 3.0}, {1.0, 3.5}, {2.0, 3.5}};
  // Total 10, cut 2 from each end: 1.0 keeps 1.5, 2.0 keeps 3.5, 100 keeps 1.
  EXPECT_NEAR(WeightedTrimmedMean(values, 0.2), (1.5 * 1 + 3.5 * 2 + 1 * 100) / 6.0, 1e-12);
  // Cut 3.5 from each end: only 2.0 remains.
  EXPECT_NEAR(WeightedTrimmedMean(values, 0.35), 2.0, 1e-12);
}

TEST_F(RobustMeanTest, WeightedTrimmedMeanWithoutTrimIsTheWeightedMean) {
  WeightedValues values = {{4.0, 0.5}, {-2.0, 2.0}, {10.0, 1.5}, {3.0, 0.0}};
  double expected = (4.0 * 0.5 - 2.0 * 2.0 + 10.0 * 1.5) / 4.0;
  EXPECT_NEAR(WeightedTrimmedMean(values, 0.0), expected, 1e-12);
}

TEST_F(RobustMeanTest, WeightedTrimmedMeanIsZeroForEmptyOrWeightlessInput) {
  WeightedValues empty;
  EXPECT_EQ(WeightedTrimmedMean(empty, 0.2), 0.0);
  WeightedValues weightless = {{5.0, 0.0}, {7.0, 0.0}};
  EXPECT_EQ(WeightedTrimmedMean(weightless, 0.0), 0.0);
  EXPECT_EQ(WeightedTrimmedMean(weightless, 0.2), 0.0);
}

TEST_F(RobustMeanTest, TrimmedMeanDropsTheExtremesAndGivesTheStandardError) {
  // n = 10, trim 0.2: the two smallest (-50, 1) and largest (9, 400) go.
  std::vector<double> values = {400, 3, -50, 5, 1, 9, 2, 8, 4, 6};
  TrimmedEstimate estimate = TrimmedMean(values, 0.2);
  // Kept: 2 3 4 5 6 8, mean 28 / 6.
  const double mean = 28.0 / 6.0;
  double squares = 0;
  for (double v : {2.0, 3.0, 4.0, 5.0, 6.0, 8.0}) squares += (v - mean) * (v - mean);
  const double se = std::sqrt(squares / 5.0 / 6.0);
  EXPECT_EQ(estimate.kept, 6u);
  EXPECT_NEAR(estimate.mean, mean, 1e-12);
  EXPECT_NEAR(estimate.standard_error, se, 1e-12);
}

TEST_F(RobustMeanTest, TrimmedMeanWithoutTrimIsThePlainMean) {
  std::vector<double> values = {1.0, 2.0, 6.0};
  TrimmedEstimate estimate = TrimmedMean(values, 0.0);
  EXPECT_EQ(estimate.kept, 3u);
  EXPECT_DOUBLE_EQ(estimate.mean, 3.0);
  // Sample variance (4 + 1 + 9) / 2 = 7; se = sqrt(7 / 3).
  EXPECT_DOUBLE_EQ(estimate.standard_error, std::sqrt(7.0 / 3.0));
}

TEST_F(RobustMeanTest, TrimmedMeanHasInfiniteErrorWithFewerThanTwoKept) {
  struct Case {
    std::vector<double> values;
    double trim;
    size_t kept;
  };
  const Case cases[] = {
      {{}, 0.0, 0},
      {{}, 0.3, 0},
      {{4.0}, 0.0, 1},
      {{1.0, 2.0}, 0.5, 0},
      {{1.0, 2.0, 3.0}, 0.4, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.values.size()) + " values, trim " + std::to_string(c.trim));
    std::vector<double> values = c.values;
    TrimmedEstimate estimate = TrimmedMean(values, c.trim);
    EXPECT_EQ(estimate.kept, c.kept);
    EXPECT_TRUE(std::isinf(estimate.standard_error));
    EXPECT_GT(estimate.standard_error, 0.0);
  }
  std::vector<double> single = {4.0};
  EXPECT_EQ(TrimmedMean(single, 0.0).mean, 4.0);
  std::vector<double> middle = {1.0, 2.0, 30.0};
  EXPECT_EQ(TrimmedMean(middle, 0.4).mean, 2.0);
}

}  // namespace
}  // namespace anml::engine
