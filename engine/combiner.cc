#include "engine/combiner.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace anml::engine {
namespace {

// Below this a mean raw score counts as zero: every active contributor has
// (almost) no weight, and dividing by it would blow weights up.
constexpr double kMinNormalizer = 1e-12;

double LogFloored(double factor, double floor) {
  return std::log(std::max(std::isfinite(factor) ? factor : 0.0, floor));
}

// A factor that is NaN or infinite earns no trust: it counts as 0, as the
// softmax's floored logarithm already treats it. Otherwise one broken
// factor would make a mean raw score, and so every weight, NaN.
double TrustedFactor(double factor) { return std::isfinite(factor) ? factor : 0.0; }

bool IsSoftmax(Scheme scheme) { return scheme == Scheme::kAnmlSoftmax; }

}  // namespace

Factors ColdStartFactors(const EngineConfig& config) {
  Factors factors;
  factors.q = config.factors.q_prior;
  factors.v = VerificationFactor(Verification::kUnverified, config.factors);
  factors.r = Reputation(config.factors.default_reputation, 0, 0, config.factors);
  factors.t = 1.0;
  factors.gamma = StageOneGate(factors.q, config.combine);
  return factors;
}

WeightCombiner::WeightCombiner(const EngineConfig& config)
    : factors_(config.factors), combine_(config.combine) {
  Factors cold = ColdStartFactors(config);
  for (Scheme scheme : kAllSchemes) {
    double raw = RawScore(scheme, cold);
    normalizer_[static_cast<size_t>(scheme)] =
        IsSoftmax(scheme) ? raw : std::max(raw, kMinNormalizer);
  }
}

double WeightCombiner::RawScore(Scheme scheme, const Factors& f) const {
  switch (scheme) {
    case Scheme::kUniform:
    case Scheme::kSampleLevel:
      return 1.0;
    case Scheme::kGradientOnly:
      return TrustedFactor(f.q);
    case Scheme::kAnmlMultiplicative:
      return TrustedFactor(f.q) * TrustedFactor(f.v) * TrustedFactor(f.r) * TrustedFactor(f.t);
    case Scheme::kAnmlSoftmax: {
      const auto& beta = combine_.softmax_beta;
      const double floor = combine_.softmax_factor_floor;
      double sum = beta[0] * LogFloored(f.q, floor) + beta[1] * LogFloored(f.v, floor) +
                   beta[2] * LogFloored(f.r, floor) + beta[3] * LogFloored(f.t, floor);
      return sum / combine_.softmax_temperature;
    }
    case Scheme::kAnmlGated:
      return TrustedFactor(f.q) * TrustedFactor(f.t) *
             GatedExternalSignal(f.v, f.r, f.gamma, factors_);
  }
  return 1.0;
}

double WeightCombiner::ContributorWeight(Scheme scheme, const Factors& factors) const {
  double normalizer = normalizer_[static_cast<size_t>(scheme)];
  double raw = RawScore(scheme, factors);
  // Softmax scores are logarithms: the weight is exp(z - log mean exp(z)).
  return Clip(IsSoftmax(scheme) ? std::exp(raw - normalizer) : raw / normalizer);
}

double WeightCombiner::SampleWeight(Scheme scheme, double contributor_weight,
                                    double sample_score, double age_factor) const {
  switch (scheme) {
    case Scheme::kUniform:
      return 1.0;
    case Scheme::kGradientOnly:
      return contributor_weight;
    case Scheme::kSampleLevel:
      return Clip(std::max(sample_score, 0.0) / sample_normalizer_);
    case Scheme::kAnmlMultiplicative:
    case Scheme::kAnmlSoftmax:
    case Scheme::kAnmlGated:
      return contributor_weight * TrustedFactor(age_factor);
  }
  return 1.0;
}

void WeightCombiner::ObserveSampleScore(double sample_score) {
  if (!std::isfinite(sample_score)) return;  // Cosine() never yields one.
  sample_score_sum_ += std::max(sample_score, 0.0);
  sample_score_count_ += 1.0;
}

void WeightCombiner::Renormalize(std::span<const Factors> active) {
  if (sample_score_count_ > 0) {
    double mean = sample_score_sum_ / sample_score_count_;
    if (mean > kMinNormalizer) sample_normalizer_ = mean;
    sample_score_sum_ = sample_score_count_ = 0;
  }
  if (active.empty()) return;
  for (Scheme scheme : kAllSchemes) {
    if (IsSoftmax(scheme)) {
      // log(mean(exp(z))) by log-sum-exp: subtracting the largest z keeps
      // every exp() in (0, 1], so nothing overflows.
      double max_z = -std::numeric_limits<double>::infinity();
      for (const Factors& f : active) max_z = std::max(max_z, RawScore(scheme, f));
      double sum = 0;
      for (const Factors& f : active) sum += std::exp(RawScore(scheme, f) - max_z);
      normalizer_[static_cast<size_t>(scheme)] =
          max_z + std::log(sum / static_cast<double>(active.size()));
      continue;
    }
    double sum = 0;
    for (const Factors& f : active) sum += RawScore(scheme, f);
    normalizer_[static_cast<size_t>(scheme)] =
        std::max(sum / static_cast<double>(active.size()), kMinNormalizer);
  }
}

double WeightCombiner::Clip(double weight) const {
  if (!std::isfinite(weight)) return std::isnan(weight) ? combine_.weight_min : combine_.weight_max;
  return std::clamp(weight, combine_.weight_min, combine_.weight_max);
}

std::array<double, kSchemeCount + 3> WeightCombiner::SaveState() const {
  std::array<double, kSchemeCount + 3> state{};
  std::copy(normalizer_.begin(), normalizer_.end(), state.begin());
  state[kSchemeCount] = sample_normalizer_;
  state[kSchemeCount + 1] = sample_score_sum_;
  state[kSchemeCount + 2] = sample_score_count_;
  return state;
}

void WeightCombiner::LoadState(const std::array<double, kSchemeCount + 3>& state) {
  std::copy(state.begin(), state.begin() + kSchemeCount, normalizer_.begin());
  sample_normalizer_ = state[kSchemeCount];
  sample_score_sum_ = state[kSchemeCount + 1];
  sample_score_count_ = state[kSchemeCount + 2];
}

}  // namespace anml::engine
