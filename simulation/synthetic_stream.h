// SyntheticStream: seeded binary-classification streams from contributors
// of chosen quality, for the demo, the engine benchmark and behaviour tests.
//
// A hidden linear model w* labels Gaussian features: y = 1 when
// <w*, x> + noise > 0. Each contributor draws samples from the same
// distribution and then corrupts them as its Behavior says. Contributors
// speak in turn with probability proportional to their `share`, and event
// time advances by a fixed step per sample. The same seed gives the same
// stream on every run. Precondition: at least one contributor joins at 0.
//
// Thread safety: none.
#ifndef ANML_SIMULATION_SYNTHETIC_STREAM_H_
#define ANML_SIMULATION_SYNTHETIC_STREAM_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/verification.h"

namespace anml::simulation {

enum class Behavior {
  kHonest,        // Labels from w*.
  kLabelFlip,     // Flips each label with probability `rate`.
  kFeatureNoise,  // Adds N(0, rate^2) to every feature.
  // Labels from a model tilted away from w* by `rate` radians in a fixed
  // plane: each sample's gradient still mostly agrees with the honest
  // direction (cosine ~ cos(rate)), but the poison pulls the model off.
  kAligned,
};

struct ContributorSpec {
  std::string id;
  Behavior behavior = Behavior::kHonest;
  double rate = 0.0;
  double share = 1.0;  // Relative sampling frequency.
  // The contributor sends nothing before the stream's `joins_at`-th sample
  // (a late joiner).
  uint64_t joins_at = 0;
  // The metadata the contributor claims on the contributors topic.
  engine::Verification verification = engine::Verification::kUnverified;
  double reputation = 0.5;
};

struct SyntheticSample {
  size_t contributor = 0;  // Index into the specs.
  std::vector<double> features;
  double label = 0.0;
  double clean_label = 0.0;  // What w* says.
  int64_t time_ms = 0;
  uint64_t key = 0;
};

class SyntheticStream {
 public:
  SyntheticStream(int dimension, std::vector<ContributorSpec> contributors, uint64_t seed,
                  int64_t step_ms = 1000);

  // The next sample, from a contributor chosen by share.
  SyntheticSample Next();

  // `count` clean samples (honest labels) from a separate seeded source.
  std::vector<SyntheticSample> CleanSet(size_t count, uint64_t seed) const;

  const std::vector<ContributorSpec>& contributors() const { return specs_; }
  int dimension() const { return dimension_; }

 private:
  void DrawFeatures(std::mt19937_64& rng, std::vector<double>& x) const;
  double Label(const std::vector<double>& model, const std::vector<double>& x,
               std::mt19937_64& rng) const;

  int dimension_;
  std::vector<ContributorSpec> specs_;
  std::vector<double> truth_;  // w*
  std::vector<double> tilt_;   // A unit vector orthogonal to w*.
  std::discrete_distribution<size_t> choose_;
  std::mt19937_64 rng_;
  int64_t step_ms_;
  int64_t time_ms_ = 1'700'000'000'000;
  uint64_t sequence_ = 0;
};

// Fraction of `samples` whose clean label the predictor gets wrong, with
// predict(x) returning P(y = 1).
template <typename Predict>
double ErrorRate(const std::vector<SyntheticSample>& samples, Predict&& predict) {
  size_t wrong = 0;
  for (const SyntheticSample& s : samples) {
    double p = predict(s.features);
    if ((p >= 0.5 ? 1.0 : 0.0) != s.clean_label) ++wrong;
  }
  return samples.empty() ? 0.0 : static_cast<double>(wrong) / static_cast<double>(samples.size());
}

}  // namespace anml::simulation

#endif  // ANML_SIMULATION_SYNTHETIC_STREAM_H_
