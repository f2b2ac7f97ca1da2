#include "engine/combiner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace anml::engine {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::string Name(Scheme scheme) { return std::string(SchemeName(scheme)); }

// The schemes whose contributor weight depends on the factors.
const Scheme kFactorSchemes[] = {Scheme::kGradientOnly, Scheme::kAnmlMultiplicative,
                                 Scheme::kAnmlSoftmax, Scheme::kAnmlGated};

class WeightCombinerTest : public ::testing::Test {
 protected:
  WeightCombinerTest() {
    // Clipping is out of the way unless a test sets it.
    config_.combine.weight_min = 0.0;
    config_.combine.weight_max = 1e3;
  }

  // Factors that vary moderately around the cold start, so no weight comes
  // near the clipping range.
  std::vector<Factors> VariedFactors(int count) {
    std::uniform_real_distribution<double> unit(0.3, 1.0);
    std::vector<Factors> all;
    for (int i = 0; i < count; ++i) {
      Factors f;
      f.q = unit(rng_);
      f.v = config_.factors.verification_factor[i % 3];
      f.r = unit(rng_);
      f.t = unit(rng_);
      f.gamma = StageOneGate(f.q, config_.combine);
      all.push_back(f);
    }
    return all;
  }

  EngineConfig config_;
  std::mt19937_64 rng_{7};
};

TEST_F(WeightCombinerTest, ColdStartContributorWeighsOneBeforeAnyRenormalize) {
  WeightCombiner combiner(config_);
  const Factors cold = ColdStartFactors(config_);
  for (Scheme scheme : kAllSchemes) {
    SCOPED_TRACE(Name(scheme));
    EXPECT_DOUBLE_EQ(combiner.ContributorWeight(scheme, cold), 1.0);
  }
}

TEST_F(WeightCombinerTest, WeightsAverageOneOverTheActiveSetAfterRenormalize) {
  WeightCombiner combiner(config_);
  const std::vector<Factors> active = VariedFactors(25);
  combiner.Renormalize(active);
  for (Scheme scheme : kAllSchemes) {
    SCOPED_TRACE(Name(scheme));
    double sum = 0, smallest = 1e9, largest = 0;
    for (const Factors& f : active) {
      double w = combiner.ContributorWeight(scheme, f);
      sum += w;
      smallest = std::min(smallest, w);
      largest = std::max(largest, w);
    }
    EXPECT_NEAR(sum / static_cast<double>(active.size()), 1.0, 1e-12);
    if (scheme != Scheme::kUniform && scheme != Scheme::kSampleLevel) {
      // The test means something only if the weights differ.
      EXPECT_GT(largest - smallest, 0.1);
    }
  }
}

TEST_F(WeightCombinerTest, WeightsAreClippedToTheConfiguredRange) {
  config_.combine.weight_min = 0.2;
  config_.combine.weight_max = 1.5;
  WeightCombiner combiner(config_);
  std::vector<Factors> active = VariedFactors(10);
  Factors strong{.q = 1.0, .v = 1.0, .r = 1.0, .t = 1.0, .gamma = 1.0};
  Factors weak{.q = 0.01, .v = 0.5, .r = 0.1, .t = 0.01, .gamma = 0.0};
  active.push_back(strong);
  active.push_back(weak);
  combiner.Renormalize(active);
  for (Scheme scheme : kFactorSchemes) {
    SCOPED_TRACE(Name(scheme));
    EXPECT_EQ(combiner.ContributorWeight(scheme, strong), 1.5);
    EXPECT_EQ(combiner.ContributorWeight(scheme, weak), 0.2);
    for (const Factors& f : active) {
      double w = combiner.ContributorWeight(scheme, f);
      EXPECT_GE(w, 0.2);
      EXPECT_LE(w, 1.5);
    }
  }
}

TEST_F(WeightCombinerTest, SoftmaxFloorsFactorsSoNoSingleZeroFactorZeroesAWeight) {
  WeightCombiner combiner(config_);
  combiner.Renormalize(VariedFactors(10));
  for (int zeroed = 0; zeroed < 4; ++zeroed) {
    SCOPED_TRACE("factor " + std::to_string(zeroed) + " is zero");
    Factors f{.q = 0.8, .v = 1.0, .r = 0.8, .t = 1.0, .gamma = 1.0};
    double* factor[] = {&f.q, &f.v, &f.r, &f.t};
    *factor[zeroed] = 0.0;
    EXPECT_GT(combiner.ContributorWeight(Scheme::kAnmlSoftmax, f), 0.01);
    // The multiplicative product, by contrast, is zeroed.
    EXPECT_EQ(combiner.ContributorWeight(Scheme::kAnmlMultiplicative, f), 0.0);
  }
}

TEST_F(WeightCombinerTest, NanFactorsNeverGiveNanWeights) {
  WeightCombiner combiner(config_);
  std::vector<Factors> active = VariedFactors(10);
  Factors broken{.q = kNan, .v = kNan, .r = kNan, .t = kNan, .gamma = kNan, .cosine = kNan};
  const Factors healthy = active.front();
  active.push_back(broken);
  combiner.Renormalize(active);
  for (Scheme scheme : kAllSchemes) {
    SCOPED_TRACE(Name(scheme));
    double w = combiner.ContributorWeight(scheme, broken);
    EXPECT_FALSE(std::isnan(w));
    EXPECT_GE(w, config_.combine.weight_min);
    EXPECT_LE(w, config_.combine.weight_max);
    // One broken contributor in the active set must not poison everyone
    // else's normalizer.
    double healthy_weight = combiner.ContributorWeight(scheme, healthy);
    EXPECT_TRUE(std::isfinite(healthy_weight));
    EXPECT_GT(healthy_weight, 0.0);
    for (double age : {1.0, 0.5, kNan}) {
      for (double score : {0.5, kNan}) {
        SCOPED_TRACE("age " + std::to_string(age) + ", score " + std::to_string(score));
        double sample = combiner.SampleWeight(scheme, healthy_weight, score, age);
        EXPECT_FALSE(std::isnan(sample));
        EXPECT_GE(sample, 0.0);
      }
    }
  }
}

TEST_F(WeightCombinerTest, SampleWeightFollowsEachScheme) {
  WeightCombiner combiner(config_);
  const double contributor = 1.7, score = 0.6, age = 0.25;
  EXPECT_EQ(combiner.SampleWeight(Scheme::kUniform, contributor, score, age), 1.0);
  EXPECT_EQ(combiner.SampleWeight(Scheme::kGradientOnly, contributor, score, age), contributor);
  for (Scheme scheme :
       {Scheme::kAnmlMultiplicative, Scheme::kAnmlSoftmax, Scheme::kAnmlGated}) {
    SCOPED_TRACE(Name(scheme));
    EXPECT_DOUBLE_EQ(combiner.SampleWeight(scheme, contributor, score, age), contributor * age);
  }
}

TEST_F(WeightCombinerTest, SampleLevelWeightIsTheScoreOverItsRunningMean) {
  WeightCombiner combiner(config_);
  // Before any observed score the normalizer is 1.
  EXPECT_DOUBLE_EQ(combiner.SampleWeight(Scheme::kSampleLevel, 9.0, 0.3, 1.0), 0.3);

  // Clamped scores 0.2, 0.6 and 0 (from -0.5): mean 0.8 / 3.
  for (double score : {0.2, 0.6, -0.5}) combiner.ObserveSampleScore(score);
  combiner.Renormalize({});
  const double mean = 0.8 / 3.0;
  EXPECT_DOUBLE_EQ(combiner.SampleWeight(Scheme::kSampleLevel, 9.0, 0.4, 1.0), 0.4 / mean);
  EXPECT_EQ(combiner.SampleWeight(Scheme::kSampleLevel, 9.0, -0.4, 1.0), 0.0);
}

TEST_F(WeightCombinerTest, SampleLevelWeightIsClipped) {
  config_.combine.weight_max = 2.0;
  WeightCombiner combiner(config_);
  for (int i = 0; i < 10; ++i) combiner.ObserveSampleScore(0.1);
  combiner.Renormalize({});
  EXPECT_EQ(combiner.SampleWeight(Scheme::kSampleLevel, 1.0, 0.9, 1.0), 2.0);
}

TEST_F(WeightCombinerTest, EmptyActiveSetKeepsTheContributorNormalizers) {
  WeightCombiner combiner(config_);
  const std::vector<Factors> active = VariedFactors(10);
  combiner.Renormalize(active);
  const Factors probe = active[3];
  std::vector<double> before;
  for (Scheme scheme : kAllSchemes) before.push_back(combiner.ContributorWeight(scheme, probe));
  combiner.Renormalize({});
  for (size_t i = 0; i < kSchemeCount; ++i) {
    SCOPED_TRACE(Name(kAllSchemes[i]));
    EXPECT_EQ(combiner.ContributorWeight(kAllSchemes[i], probe), before[i]);
  }
}

TEST_F(WeightCombinerTest, SaveAndLoadStateRoundTrip) {
  WeightCombiner original(config_);
  original.ObserveSampleScore(0.4);
  original.Renormalize(VariedFactors(8));
  original.ObserveSampleScore(0.7);

  WeightCombiner restored(config_);
  restored.LoadState(original.SaveState());
  EXPECT_EQ(restored.SaveState(), original.SaveState());
  const Factors probe = VariedFactors(1).front();
  for (Scheme scheme : kAllSchemes) {
    SCOPED_TRACE(Name(scheme));
    EXPECT_EQ(restored.ContributorWeight(scheme, probe), original.ContributorWeight(scheme, probe));
  }
}

}  // namespace
}  // namespace anml::engine
