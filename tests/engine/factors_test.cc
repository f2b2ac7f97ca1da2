#include "engine/factors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace anml::engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// Inputs no caller should send, and every factor must survive.
const std::vector<double> kAdversarial = {kNan, kInf, -kInf, -1.0, -1e300, 0.0,
                                          1e-300, 0.5, 1.0, 2.0, 1e300};

class FactorsTest : public ::testing::Test {
 protected:
  FactorConfig factors_;
  CombineConfig combine_;
};

TEST_F(FactorsTest, GradientConsistencyStaysInUnitIntervalOnAdversarialInput) {
  for (double cosine : kAdversarial) {
    for (double evidence : kAdversarial) {
      SCOPED_TRACE("cosine " + std::to_string(cosine) + ", evidence " + std::to_string(evidence));
      double q = GradientConsistency(cosine, evidence, factors_);
      EXPECT_GE(q, 0.0);
      EXPECT_LE(q, 1.0);
    }
  }
}

TEST_F(FactorsTest, GradientConsistencyIsThePriorWithoutEvidence) {
  factors_.q_prior = 0.3;
  for (double cosine : {-1.0, 0.0, 0.9, 1.0}) {
    SCOPED_TRACE("cosine " + std::to_string(cosine));
    EXPECT_DOUBLE_EQ(GradientConsistency(cosine, 0.0, factors_), 0.3);
  }
}

TEST_F(FactorsTest, GradientConsistencyApproachesClampedCosineWithMuchEvidence) {
  for (double cosine : {-0.8, 0.0, 0.25, 0.9}) {
    SCOPED_TRACE("cosine " + std::to_string(cosine));
    EXPECT_NEAR(GradientConsistency(cosine, 1e9, factors_), std::max(0.0, cosine), 1e-7);
  }
}

TEST_F(FactorsTest, GradientConsistencyWeighsEvidenceAgainstThePrior) {
  // n = n0: halfway between the prior and the clamped cosine.
  factors_.q_prior = 0.5;
  factors_.q_prior_samples = 20.0;
  EXPECT_DOUBLE_EQ(GradientConsistency(0.9, 20.0, factors_), 0.7);
  // More evidence moves q monotonically toward the cosine.
  double previous = factors_.q_prior;
  for (double n : {1.0, 10.0, 100.0, 1000.0}) {
    double q = GradientConsistency(0.9, n, factors_);
    EXPECT_GT(q, previous) << "evidence " << n;
    previous = q;
  }
}

TEST_F(FactorsTest, VerificationFactorReadsTheTableAndTrustsNothingUnknown) {
  factors_.verification_factor = {0.1, 0.2, 0.3, 0.4};
  for (int level = 0; level < kVerificationLevels; ++level) {
    SCOPED_TRACE("level " + std::to_string(level));
    EXPECT_EQ(VerificationFactor(static_cast<Verification>(level), factors_),
              factors_.verification_factor[level]);
  }
  EXPECT_EQ(VerificationFactor(static_cast<Verification>(200), factors_), 0.0);
}

TEST_F(FactorsTest, ReputationStaysInUnitIntervalOnAdversarialInput) {
  for (double external : kAdversarial) {
    for (double consistent : kAdversarial) {
      for (double inconsistent : kAdversarial) {
        SCOPED_TRACE("external " + std::to_string(external) + ", consistent " +
                     std::to_string(consistent) + ", inconsistent " +
                     std::to_string(inconsistent));
        double r = Reputation(external, consistent, inconsistent, factors_);
        EXPECT_GE(r, 0.0);
        EXPECT_LE(r, 1.0);
      }
    }
  }
}

TEST_F(FactorsTest, ReputationStartsAtThePriorMeanAndMovesWithEvidence) {
  factors_.reputation_prior_strength = 10.0;
  // alpha0 = 1 + 10 * 0.8 = 9, beta0 = 1 + 10 * 0.2 = 3: mean 9 / 12.
  EXPECT_DOUBLE_EQ(Reputation(0.8, 0, 0, factors_), 0.75);
  // With 12 consistent samples: (9 + 12) / (12 + 12).
  EXPECT_DOUBLE_EQ(Reputation(0.8, 12, 0, factors_), 21.0 / 24.0);
  // With 12 inconsistent samples: 9 / (12 + 12).
  EXPECT_DOUBLE_EQ(Reputation(0.8, 0, 12, factors_), 9.0 / 24.0);
  // Overwhelming evidence outweighs any external score.
  EXPECT_GT(Reputation(0.0, 1e6, 0, factors_), 0.99);
  EXPECT_LT(Reputation(1.0, 0, 1e6, factors_), 0.01);
}

TEST_F(FactorsTest, TemporalRelevanceStaysInRangeOnAdversarialAges) {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  for (int64_t age : {kMin, int64_t{-1}, int64_t{0}, int64_t{1}, kMax}) {
    for (int64_t half_life : {kMin, int64_t{-1}, int64_t{0}, int64_t{1}, kMax}) {
      SCOPED_TRACE("age " + std::to_string(age) + ", half-life " + std::to_string(half_life));
      double t = TemporalRelevance(age, half_life);
      EXPECT_GT(t, 0.0);
      EXPECT_LE(t, 1.0);
    }
  }
}

TEST_F(FactorsTest, TemporalRelevanceHalvesAtTheHalfLife) {
  constexpr int64_t kHalfLife = kMillisPerDay;
  EXPECT_EQ(TemporalRelevance(0, kHalfLife), 1.0);
  EXPECT_DOUBLE_EQ(TemporalRelevance(kHalfLife, kHalfLife), 0.5);
  EXPECT_DOUBLE_EQ(TemporalRelevance(3 * kHalfLife, kHalfLife), 0.125);
}

TEST_F(FactorsTest, StageOneGateStaysInUnitIntervalOnAdversarialInput) {
  for (double q : kAdversarial) {
    SCOPED_TRACE("q " + std::to_string(q));
    double gamma = StageOneGate(q, combine_);
    EXPECT_GE(gamma, 0.0);
    EXPECT_LE(gamma, 1.0);
  }
}

TEST_F(FactorsTest, StageOneGateIsMonotoneInQAndClosedAtLowQ) {
  double previous = -1.0;
  for (int i = 0; i <= 100; ++i) {
    double gamma = StageOneGate(i / 100.0, combine_);
    EXPECT_GE(gamma, previous) << "q " << i / 100.0;
    previous = gamma;
  }
  EXPECT_LT(StageOneGate(0.0, combine_), 1e-3);
  EXPECT_LT(StageOneGate(0.1, combine_), 1e-2);
  EXPECT_DOUBLE_EQ(StageOneGate(combine_.gate_q_midpoint, combine_), 0.5);
  EXPECT_GT(StageOneGate(0.9, combine_), 0.99);
}

TEST_F(FactorsTest, GatedExternalSignalStaysInUnitIntervalOnAdversarialInput) {
  for (double v : kAdversarial) {
    for (double r : kAdversarial) {
      for (double gamma : kAdversarial) {
        SCOPED_TRACE("v " + std::to_string(v) + ", r " + std::to_string(r) + ", gamma " +
                     std::to_string(gamma));
        double e = GatedExternalSignal(v, r, gamma, factors_);
        EXPECT_GE(e, 0.0);
        EXPECT_LE(e, 1.0);
      }
    }
  }
}

TEST_F(FactorsTest, GatedExternalSignalIgnoresFakedCredentialsAtLowGamma) {
  // The neutral level: an unverified contributor with the default
  // reputation, 0.5 * 0.5 with the default table.
  const double neutral = factors_.verification_factor[0] * 0.5;
  ASSERT_DOUBLE_EQ(Reputation(factors_.default_reputation, 0, 0, factors_), 0.5);
  const double v = 1.0, r = 0.95;  // Claims verified and high reputation.

  EXPECT_NEAR(GatedExternalSignal(v, r, 0.0, factors_), neutral, 1e-12);
  EXPECT_NEAR(GatedExternalSignal(v, r, 1e-3, factors_), neutral, 1e-3);
  EXPECT_DOUBLE_EQ(GatedExternalSignal(v, r, 1.0, factors_), v * r);
  EXPECT_DOUBLE_EQ(GatedExternalSignal(v, r, 0.5, factors_), neutral + 0.5 * (v * r - neutral));
}

TEST_F(FactorsTest, GatedExternalSignalPassesLowSignalsThroughUnchanged) {
  // Revoked, or a poor reputation: lowering is never gated.
  for (double gamma : {0.0, 0.5, 1.0}) {
    SCOPED_TRACE("gamma " + std::to_string(gamma));
    EXPECT_EQ(GatedExternalSignal(0.0, 0.9, gamma, factors_), 0.0);
    EXPECT_DOUBLE_EQ(GatedExternalSignal(0.5, 0.2, gamma, factors_), 0.1);
    EXPECT_DOUBLE_EQ(GatedExternalSignal(1.0, 0.25, gamma, factors_), 0.25);
  }
}

}  // namespace
}  // namespace anml::engine
