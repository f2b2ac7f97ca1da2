#include "engine/scheme_gate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace anml::engine {
namespace {

// Candidate order in the fixture's gate: uniform, gradient_only, anml_gated.
constexpr size_t kUniform = 0, kGradientOnly = 1, kGated = 2, kCandidates = 3;

class SchemeGateTest : public ::testing::Test {
 protected:
  SchemeGateTest() {
    config_.candidates = {Scheme::kUniform, Scheme::kGradientOnly, Scheme::kAnmlGated};
    config_.initial = Scheme::kAnmlGated;
  }

  // Per-unit mean losses: every candidate at `base` plus unit noise, and
  // candidate `better` lower by `margin`.
  std::vector<double> UnitMeans(size_t units, size_t better, double margin, double noise) {
    std::normal_distribution<double> normal(0.0, noise);
    std::vector<double> means;
    for (size_t u = 0; u < units; ++u) {
      double unit_level = 0.6 + normal(rng_);
      for (size_t k = 0; k < kCandidates; ++k) {
        means.push_back(unit_level + (k == better ? -margin : 0.0) + 0.01 * normal(rng_));
      }
    }
    return means;
  }

  GateConfig config_;
  std::mt19937_64 rng_{5};
};

TEST_F(SchemeGateTest, UniformIsAlwaysACandidate) {
  config_.candidates = {Scheme::kAnmlGated, Scheme::kGradientOnly, Scheme::kAnmlGated};
  SchemeGate gate(config_);
  EXPECT_EQ(gate.candidates(),
            (std::vector<Scheme>{Scheme::kAnmlGated, Scheme::kGradientOnly, Scheme::kUniform}));
  EXPECT_EQ(gate.IndexOf(Scheme::kUniform), 2);
  EXPECT_EQ(gate.IndexOf(Scheme::kAnmlSoftmax), -1);
  EXPECT_EQ(gate.served(), Scheme::kAnmlGated);
  EXPECT_EQ(gate.blend_weights().size(), 3u);
}

TEST_F(SchemeGateTest, DoesNotSwitchWhenCandidatesTie) {
  SchemeGate gate(config_);
  std::vector<double> means;
  for (size_t u = 0; u < 20; ++u) {
    for (size_t k = 0; k < kCandidates; ++k) means.push_back(0.3 + 0.02 * u);
  }
  gate.Refresh(means, 20);
  EXPECT_EQ(gate.served(), Scheme::kAnmlGated);
  EXPECT_EQ(gate.switches(), 0u);
  EXPECT_EQ(gate.units(), 20u);
  EXPECT_EQ(gate.excess(), 0.0);
}

TEST_F(SchemeGateTest, SwitchesToAClearlyBetterCandidateWithEnoughUnits) {
  SchemeGate gate(config_);
  gate.Refresh(UnitMeans(12, kGradientOnly, 0.2, 0.05), 12);
  EXPECT_EQ(gate.served(), Scheme::kGradientOnly);
  EXPECT_EQ(gate.switches(), 1u);
  EXPECT_LT(gate.robust_loss()[kGradientOnly], gate.robust_loss()[kGated]);

  // Once served, the same evidence does not count as another switch.
  gate.Refresh(UnitMeans(12, kGradientOnly, 0.2, 0.05), 12);
  EXPECT_EQ(gate.switches(), 1u);
}

TEST_F(SchemeGateTest, OneUnitIsNeverEnoughToSwitch) {
  SchemeGate gate(config_);
  gate.Refresh(UnitMeans(1, kUniform, 0.5, 0.0), 1);
  EXPECT_EQ(gate.served(), Scheme::kAnmlGated);
  EXPECT_EQ(gate.switches(), 0u);
  EXPECT_EQ(gate.units(), 1u);
  // With no standard error the bound falls back to the observed excess.
  EXPECT_GT(gate.excess(), 0.4);
  EXPECT_EQ(gate.excess_bound(), gate.excess());
}

TEST_F(SchemeGateTest, NoUnitsLeaveTheGateAsItWas) {
  SchemeGate gate(config_);
  gate.Refresh({}, 0);
  EXPECT_EQ(gate.served(), Scheme::kAnmlGated);
  EXPECT_EQ(gate.units(), 0u);
}

TEST_F(SchemeGateTest, ExcessBoundIsZTimesTheStandardErrorOfThePairedGap) {
  // No trimming, so the expected values follow from the plain formulas.
  config_.trim_fraction = 0.0;
  config_.switch_z = 2.0;
  SchemeGate gate(config_);
  // Uniform is better on average, but too unevenly for a switch.
  const std::vector<double> gaps = {-0.5, 0.3, -0.4, 0.2, -0.1};  // uniform - gated
  std::vector<double> means;
  for (double gap : gaps) means.insert(means.end(), {0.5 + gap, 0.9, 0.5});
  gate.Refresh(means, gaps.size());

  const double mean_gap = std::accumulate(gaps.begin(), gaps.end(), 0.0) / 5;
  double squares = 0;
  for (double gap : gaps) squares += (gap - mean_gap) * (gap - mean_gap);
  const double se = std::sqrt(squares / 4 / 5);
  ASSERT_GE(mean_gap + 2 * se, 0.0) << "the case must not switch";
  EXPECT_EQ(gate.served(), Scheme::kAnmlGated);
  EXPECT_NEAR(gate.excess(), -mean_gap, 1e-12);
  EXPECT_NEAR(gate.excess_bound(), 2 * se, 1e-12);
  EXPECT_LE(gate.excess(), gate.excess_bound());
}

TEST_F(SchemeGateTest, ExcessNeverExceedsTheBoundWithoutASwitch) {
  // The guarantee, over many random unit tables with the default trimming:
  // whenever the gate keeps serving a scheme that is not the best, the
  // excess stays within the bound.
  std::normal_distribution<double> normal(0.0, 1.0);
  int kept_serving = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    SchemeGate gate(config_);
    const size_t units = 4 + static_cast<size_t>(trial % 9);
    std::vector<double> means(units * kCandidates);
    for (double& mean : means) mean = normal(rng_);
    gate.Refresh(means, units);
    if (gate.switches() > 0) continue;
    ++kept_serving;
    ASSERT_LE(gate.excess(), gate.excess_bound() + 1e-12);
  }
  EXPECT_GT(kept_serving, 100);
}

TEST_F(SchemeGateTest, BlendWeightsSumToOneAndFavourTheLowerLoss) {
  config_.mode = GateConfig::Mode::kBlend;
  config_.hedge_eta = 1.0;
  SchemeGate gate(config_);
  const std::vector<double> losses = {0.2, 0.7, 0.5};
  for (int i = 0; i < 4; ++i) gate.Observe(losses, 0.4, /*time_ms=*/0);

  // Hedge: pi_k ~ exp(-eta S_k), S_k = 4 * loss_k.
  std::vector<double> expected;
  for (double loss : losses) expected.push_back(std::exp(-4 * loss));
  const double total = std::accumulate(expected.begin(), expected.end(), 0.0);
  std::span<const double> blend = gate.blend_weights();
  EXPECT_NEAR(std::accumulate(blend.begin(), blend.end(), 0.0), 1.0, 1e-12);
  for (size_t k = 0; k < kCandidates; ++k) {
    SCOPED_TRACE("candidate " + std::to_string(k));
    EXPECT_NEAR(blend[k], expected[k] / total, 1e-12);
  }
  EXPECT_GT(blend[kUniform], blend[kGated]);
  EXPECT_GT(blend[kGated], blend[kGradientOnly]);
  EXPECT_DOUBLE_EQ(gate.served_loss(), 0.4);
  EXPECT_EQ(gate.scored_samples(), 4u);
  EXPECT_NEAR(gate.MeanLoss()[kGradientOnly], 0.7, 1e-12);
}

TEST_F(SchemeGateTest, BlendWeightsStayFiniteAfterHugeLossSums) {
  config_.mode = GateConfig::Mode::kBlend;
  SchemeGate gate(config_);
  for (int i = 0; i < 1000; ++i) gate.Observe(std::vector<double>{30.0, 34.0, 31.0}, 30.0, 0);
  std::span<const double> blend = gate.blend_weights();
  EXPECT_NEAR(std::accumulate(blend.begin(), blend.end(), 0.0), 1.0, 1e-12);
  EXPECT_NEAR(blend[kUniform], 1.0, 1e-12);
}

TEST_F(SchemeGateTest, ValidationStreamModeScoresItsOwnBuckets) {
  config_.validation_stream = true;
  config_.min_unit_samples = 3.0;
  SchemeGate gate(config_);
  std::normal_distribution<double> noise(0.0, 0.02);
  for (uint64_t key = 0; key < 400; ++key) {
    double level = 0.5 + noise(rng_);
    gate.ObserveValidation(std::vector<double>{level + 0.3, level - 0.2, level}, key, 0);
  }
  // The unit table passed in is ignored in this mode.
  gate.Refresh(UnitMeans(12, kUniform, 0.5, 0.01), 12);
  EXPECT_EQ(gate.units(), static_cast<size_t>(SchemeGate::kValidationBuckets));
  EXPECT_EQ(gate.served(), Scheme::kGradientOnly);
  EXPECT_NEAR(gate.robust_loss()[kGradientOnly], 0.3, 0.02);
}

TEST_F(SchemeGateTest, ValidationStreamModeNeedsEnoughSamplesPerBucket) {
  config_.validation_stream = true;
  config_.min_unit_samples = 1000.0;
  SchemeGate gate(config_);
  for (uint64_t key = 0; key < 400; ++key) {
    gate.ObserveValidation(std::vector<double>{0.9, 0.1, 0.5}, key, 0);
  }
  gate.Refresh({}, 0);
  EXPECT_EQ(gate.units(), 0u);
  EXPECT_EQ(gate.served(), Scheme::kAnmlGated);
}

TEST_F(SchemeGateTest, SaveAndLoadRoundTrip) {
  SchemeGate original(config_);
  for (int i = 0; i < 30; ++i) {
    original.Observe(std::vector<double>{0.3 + 0.01 * i, 0.5, 0.6}, 0.6, 1000 * i);
    original.ObserveValidation(std::vector<double>{0.2, 0.4, 0.6}, i, 1000 * i);
  }
  original.Refresh(UnitMeans(10, kUniform, 0.3, 0.02), 10);
  ASSERT_EQ(original.served(), Scheme::kUniform);

  ModelSnapshot snapshot;
  original.Save(snapshot);
  SchemeGate restored(config_);
  ASSERT_TRUE(restored.Load(snapshot).ok());

  EXPECT_EQ(restored.served(), original.served());
  EXPECT_EQ(restored.switches(), original.switches());
  EXPECT_EQ(restored.robust_loss(), original.robust_loss());
  EXPECT_EQ(restored.MeanLoss(), original.MeanLoss());
  EXPECT_EQ(restored.served_loss(), original.served_loss());
  EXPECT_EQ(restored.scored_samples(), original.scored_samples());
  EXPECT_EQ(restored.excess(), original.excess());
  EXPECT_EQ(restored.excess_bound(), original.excess_bound());
  EXPECT_EQ(restored.units(), original.units());
  EXPECT_TRUE(std::equal(restored.blend_weights().begin(), restored.blend_weights().end(),
                         original.blend_weights().begin()));
  ModelSnapshot again;
  restored.Save(again);
  EXPECT_EQ(again, snapshot);

  // Both continue identically, including the decay from the saved time.
  original.Observe(std::vector<double>{0.1, 0.2, 0.3}, 0.1, 90000);
  restored.Observe(std::vector<double>{0.1, 0.2, 0.3}, 0.1, 90000);
  EXPECT_EQ(restored.MeanLoss(), original.MeanLoss());
}

TEST_F(SchemeGateTest, LoadErrorsNameTheArrayAndLeaveTheGateUnchanged) {
  SchemeGate source(config_);
  source.Refresh(UnitMeans(10, kUniform, 0.3, 0.02), 10);
  ModelSnapshot good;
  source.Save(good);

  struct Case {
    std::string name;
    void (*corrupt)(ModelSnapshot&);
    std::string expected;
  };
  const Case cases[] = {
      {"missing loss sums", [](ModelSnapshot& s) { s.reals.erase("gate.loss_sum"); },
       "array 'gate.loss_sum' is missing"},
      {"missing buckets", [](ModelSnapshot& s) { s.reals.erase("gate.buckets"); },
       "array 'gate.buckets' is missing"},
      {"missing state", [](ModelSnapshot& s) { s.integers.erase("gate.state"); },
       "array 'gate.state' is missing"},
      {"too many loss sums", [](ModelSnapshot& s) { s.reals["gate.loss_sum"].push_back(1.0); },
       "array 'gate.loss_sum' has 4 values, expected 3"},
      {"short scalars", [](ModelSnapshot& s) { s.reals["gate.scalars"].pop_back(); },
       "array 'gate.scalars' has 3 values, expected 4"},
      {"served index too large", [](ModelSnapshot& s) { s.integers["gate.state"][0] = 3; },
       "'gate.state'"},
      {"served index negative", [](ModelSnapshot& s) { s.integers["gate.state"][0] = -1; },
       "'gate.state'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ModelSnapshot bad = good;
    c.corrupt(bad);
    SchemeGate gate(config_);
    ModelSnapshot before;
    gate.Save(before);
    Status status = gate.Load(bad);
    EXPECT_EQ(status.code(), StatusCode::kDataLoss);
    EXPECT_NE(status.message().find(c.expected), std::string::npos) << status.message();
    ModelSnapshot after;
    gate.Save(after);
    EXPECT_EQ(after, before);
  }
}

}  // namespace
}  // namespace anml::engine
