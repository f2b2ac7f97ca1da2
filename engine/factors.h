// The four ANML-style quality factors and the Stage 1 gate.
//
// These are this project's own formulas, consistent with the ANML abstract
// (arXiv 2602.11690); see DESIGN.md section 2. Each function is total: any
// input, including NaN, infinities and empty history, gives a value in the
// documented range.
#ifndef ANML_ENGINE_FACTORS_H_
#define ANML_ENGINE_FACTORS_H_

#include <cstdint>

#include "engine/config.h"
#include "engine/verification.h"

namespace anml::engine {

// q, gradient consistency, in [0, 1]: the clamped cosine max(0, cos) shrunk
// toward the prior by evidence n (the decayed sample count):
//   q = (n * max(0, cos) + n0 * q_prior) / (n + n0).
double GradientConsistency(double cosine, double evidence, const FactorConfig& config);

// v, the verification factor from the configured table, in [0, 1].
double VerificationFactor(Verification level, const FactorConfig& config);

// r, reputation, in [0, 1]: the mean of a Beta posterior whose prior comes
// from the external score rho (alpha0 = 1 + s rho, beta0 = 1 + s (1 - rho))
// and whose evidence is the decayed count of consistent and inconsistent
// samples: r = (alpha0 + consistent) / (alpha0 + beta0 + consistent +
// inconsistent).
double Reputation(double external, double consistent, double inconsistent,
                  const FactorConfig& config);

// T, temporal relevance, in (0, 1]: 2^(-age / half_life), 1 for no age.
double TemporalRelevance(int64_t age_ms, int64_t half_life_ms);

// Stage 1's gate gamma(q) in [0, 1], a smooth step in q:
//   gamma = 1 / (1 + exp(-(q - midpoint) / width)).
double StageOneGate(double q, const CombineConfig& config);

// Stage 1: the external signal e = v r may lower a weight freely, but may
// raise it above the neutral level e0 (an unverified contributor with the
// default reputation) only as far as the gate allows:
//   e' = e                       when e <= e0,
//   e' = e0 + gamma(q) (e - e0)  otherwise.
// A faked credential on a contributor whose gradients disagree therefore
// buys nothing.
double GatedExternalSignal(double v, double r, double gamma, const FactorConfig& factors);

// The factors of one contributor at one instant.
struct Factors {
  double q = 0.0;
  double v = 0.0;
  double r = 0.0;
  double t = 1.0;
  double gamma = 0.0;
  double cosine = 0.0;
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_FACTORS_H_
