#include "simulation/synthetic_stream.h"

#include <cmath>

#include "engine/sample.h"

namespace anml::simulation {
namespace {

// Label noise of the hidden model, so the clean task is not separable.
constexpr double kLabelNoise = 0.3;

std::vector<double> Shares(const std::vector<ContributorSpec>& specs) {
  std::vector<double> shares;
  for (const ContributorSpec& spec : specs) shares.push_back(spec.share);
  return shares;
}

double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

SyntheticStream::SyntheticStream(int dimension, std::vector<ContributorSpec> contributors,
                                 uint64_t seed, int64_t step_ms)
    : dimension_(dimension),
      specs_(std::move(contributors)),
      truth_(dimension),
      tilt_(dimension),
      rng_(seed),
      step_ms_(step_ms) {
  std::vector<double> shares = Shares(specs_);
  choose_ = std::discrete_distribution<size_t>(shares.begin(), shares.end());
  std::mt19937_64 model_rng(seed ^ 0x5eedULL);
  std::normal_distribution<double> normal;
  for (double& w : truth_) w = normal(model_rng);
  double norm = std::sqrt(Dot(truth_, truth_));
  for (double& w : truth_) w *= 2.0 / norm;  // |w*| = 2: a clear but noisy task.
  // Gram-Schmidt a random vector against w* for the tilt plane.
  for (double& t : tilt_) t = normal(model_rng);
  double along = Dot(tilt_, truth_) / Dot(truth_, truth_);
  for (int i = 0; i < dimension_; ++i) tilt_[i] -= along * truth_[i];
  double tilt_norm = std::sqrt(Dot(tilt_, tilt_));
  for (double& t : tilt_) t /= tilt_norm;
}

void SyntheticStream::DrawFeatures(std::mt19937_64& rng, std::vector<double>& x) const {
  std::normal_distribution<double> normal;
  x.resize(dimension_);
  for (double& value : x) value = normal(rng);
}

double SyntheticStream::Label(const std::vector<double>& model, const std::vector<double>& x,
                              std::mt19937_64& rng) const {
  std::normal_distribution<double> noise(0.0, kLabelNoise);
  return Dot(model, x) + noise(rng) > 0 ? 1.0 : 0.0;
}

SyntheticSample SyntheticStream::Next() {
  SyntheticSample sample;
  // Redraw while the drawn contributor has not joined yet; the draws stay
  // proportional to share among those that have.
  do {
    sample.contributor = choose_(rng_);
  } while (specs_[sample.contributor].joins_at > sequence_);
  const ContributorSpec& spec = specs_[sample.contributor];
  DrawFeatures(rng_, sample.features);
  sample.clean_label = Label(truth_, sample.features, rng_);
  sample.label = sample.clean_label;
  std::uniform_real_distribution<double> uniform;
  switch (spec.behavior) {
    case Behavior::kHonest:
      break;
    case Behavior::kLabelFlip:
      if (uniform(rng_) < spec.rate) sample.label = 1.0 - sample.label;
      break;
    case Behavior::kFeatureNoise: {
      std::normal_distribution<double> noise(0.0, spec.rate);
      for (double& value : sample.features) value += noise(rng_);
      break;
    }
    case Behavior::kAligned: {
      std::vector<double> tilted(dimension_);
      double norm = std::sqrt(Dot(truth_, truth_));
      for (int i = 0; i < dimension_; ++i) {
        tilted[i] = std::cos(spec.rate) * truth_[i] + std::sin(spec.rate) * norm * tilt_[i];
      }
      sample.label = Label(tilted, sample.features, rng_);
      break;
    }
  }
  time_ms_ += step_ms_;
  sample.time_ms = time_ms_;
  sample.key = engine::MixHash(++sequence_);
  return sample;
}

std::vector<SyntheticSample> SyntheticStream::CleanSet(size_t count, uint64_t seed) const {
  std::mt19937_64 rng(seed);
  std::vector<SyntheticSample> samples(count);
  for (SyntheticSample& sample : samples) {
    DrawFeatures(rng, sample.features);
    sample.clean_label = sample.label = Label(truth_, sample.features, rng);
  }
  return samples;
}

}  // namespace anml::simulation
