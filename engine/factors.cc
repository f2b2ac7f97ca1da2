#include "engine/factors.h"

#include <algorithm>
#include <cmath>

#include "engine/decay.h"

namespace anml::engine {
namespace {

// NaN and infinities become `fallback`; finite values are clamped.
double Sanitize(double value, double lo, double hi, double fallback) {
  if (!std::isfinite(value)) return fallback;
  return std::clamp(value, lo, hi);
}

}  // namespace

double GradientConsistency(double cosine, double evidence, const FactorConfig& config) {
  double agreement = Sanitize(cosine, 0.0, 1.0, 0.0);
  double n = Sanitize(evidence, 0.0, 1e300, 0.0);
  double n0 = config.q_prior_samples;
  if (n + n0 <= 0) return config.q_prior;
  return std::clamp((n * agreement + n0 * config.q_prior) / (n + n0), 0.0, 1.0);
}

double VerificationFactor(Verification level, const FactorConfig& config) {
  auto index = static_cast<size_t>(level);
  if (index >= config.verification_factor.size()) return 0.0;  // Unknown: trust nothing.
  return config.verification_factor[index];
}

double Reputation(double external, double consistent, double inconsistent,
                  const FactorConfig& config) {
  double rho = Sanitize(external, 0.0, 1.0, config.default_reputation);
  double good = Sanitize(consistent, 0.0, 1e300, 0.0);
  double bad = Sanitize(inconsistent, 0.0, 1e300, 0.0);
  double alpha0 = 1.0 + config.reputation_prior_strength * rho;
  double beta0 = 1.0 + config.reputation_prior_strength * (1.0 - rho);
  // alpha0 + beta0 >= 2, so the division is always defined.
  return std::clamp((alpha0 + good) / (alpha0 + beta0 + good + bad), 0.0, 1.0);
}

double TemporalRelevance(int64_t age_ms, int64_t half_life_ms) {
  return DecayFactor(age_ms, half_life_ms);
}

double StageOneGate(double q, const CombineConfig& config) {
  double z = (Sanitize(q, 0.0, 1.0, 0.0) - config.gate_q_midpoint) / config.gate_q_width;
  return 1.0 / (1.0 + std::exp(-z));
}

double GatedExternalSignal(double v, double r, double gamma, const FactorConfig& factors) {
  double e = Sanitize(v, 0.0, 1.0, 0.0) * Sanitize(r, 0.0, 1.0, 0.0);
  double neutral = VerificationFactor(Verification::kUnverified, factors) *
                   Reputation(factors.default_reputation, 0, 0, factors);
  if (e <= neutral) return e;
  return neutral + Sanitize(gamma, 0.0, 1.0, 0.0) * (e - neutral);
}

}  // namespace anml::engine
