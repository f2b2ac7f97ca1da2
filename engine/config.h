// Every hyperparameter of the engine, with its default and meaning.
//
// The defaults are the ones the tests and benchmarks use unless they say
// otherwise. Times are event-time milliseconds. EngineConfig::Validate()
// rejects values outside the documented ranges before an engine is built.
#ifndef ANML_ENGINE_CONFIG_H_
#define ANML_ENGINE_CONFIG_H_

#include <array>
#include <cstdint>
#include <vector>

#include "engine/sample.h"
#include "engine/scheme.h"
#include "engine/status.h"
#include "engine/verification.h"

namespace anml::engine {

inline constexpr int64_t kMillisPerHour = 3'600'000;
inline constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

// The generalized linear learner and its AdaGrad steps.
struct LearnerConfig {
  // AdaGrad base step eta: theta -= eta * w * g / sqrt(G + epsilon).
  double learning_rate = 0.5;
  // L2 penalty lambda on the weights (not the bias), added to each gradient.
  double l2 = 1e-5;
  // Keeps the first steps finite while the accumulator G is still ~0.
  double adagrad_epsilon = 1e-6;
  // The step-size limit: importance weights are clipped to this, so one
  // sample can never move the model like more than this many repeats.
  double max_importance = 50.0;
};

// The quality factors q, v, r and T.
struct FactorConfig {
  // q: the prior a contributor with no gradient evidence starts at, and how
  // many (decayed) samples of evidence weigh as much as the prior.
  double q_prior = 0.5;
  double q_prior_samples = 20.0;
  // Half-life of each contributor's mean gradient G_c (the fast signal).
  int64_t gradient_half_life_ms = kMillisPerDay;
  // A sample is "consistent" when s_i = cos(g_i, g_ref) exceeds this.
  double consistency_threshold = 0.0;
  // Gradients of more than this many coordinates are kept as a fixed random
  // projection (a signed count sketch) of this many.
  int sketch_dimension = 128;
  // v: the factor for each Verification level, indexed by its value
  // (unverified, pending, verified, revoked).
  std::array<double, kVerificationLevels> verification_factor = {0.5, 0.7, 1.0, 0.0};
  // r: Beta prior alpha0 = 1 + s * rho, beta0 = 1 + s * (1 - rho) from the
  // external reputation rho; s is this strength.
  double reputation_prior_strength = 10.0;
  // The external reputation assumed for a contributor with no metadata.
  double default_reputation = 0.5;
  // Half-life of the consistency record behind r (the slow signal).
  int64_t consistency_half_life_ms = 30 * kMillisPerDay;
  // T: per sample, from its age against the watermark; per contributor,
  // from the time since its last sample.
  int64_t sample_age_half_life_ms = 7 * kMillisPerDay;
  int64_t idle_half_life_ms = 7 * kMillisPerDay;
};

// Combining factors into a contributor weight.
struct CombineConfig {
  // Weights are normalized to mean 1 over active contributors, then clipped.
  double weight_min = 0.0;
  double weight_max = 4.0;
  // Softmax: w ~ exp(sum_k beta_k log f_k / tau), factors floored first so
  // that no single factor can zero a weight out. beta is ordered q, v, r, T.
  double softmax_temperature = 1.0;
  std::array<double, 4> softmax_beta = {1.0, 1.0, 1.0, 1.0};
  double softmax_factor_floor = 0.05;
  // Stage 1 gate gamma(q) = sigmoid((q - midpoint) / width): how much of the
  // external signals' amplification the gradient evidence allows.
  double gate_q_midpoint = 0.4;
  double gate_q_width = 0.05;
};

// The robust reference direction g_ref and the normalizers.
struct ReferenceConfig {
  // Training samples between refreshes of g_ref and the weight normalizers.
  // A refresh sorts every active contributor's value per coordinate, so it
  // is the costliest step; amortized over 512 samples it is under a tenth
  // of the per-sample work.
  int refresh_interval = 512;
  // Fraction of the total count trimmed from each end, per coordinate.
  double trim_fraction = 0.2;
  // The most contributors the aggregate keeps (the most active ones).
  int max_contributors = 512;
  // Decayed sample count below which a contributor is not yet active.
  double min_active_weight = 2.0;
  // Each contributor's count weighs at most this in the trimmed mean, so a
  // single large contributor cannot own the reference.
  double max_count_weight = 100.0;
};

// Stage 2: choosing the served scheme.
struct GateConfig {
  enum class Mode : uint8_t {
    kSelect,  // Serve one scheme; switch only on a confidence bound.
    kBlend,   // Serve the Hedge mixture with weights exp(-eta * L_k).
  };
  // The candidate schemes, each with its own shadow learner. Uniform is
  // always a candidate (added if missing): it is the baseline the guarantee
  // is stated against.
  std::vector<Scheme> candidates = {Scheme::kUniform, Scheme::kGradientOnly,
                                    Scheme::kSampleLevel, Scheme::kAnmlMultiplicative,
                                    Scheme::kAnmlGated};
  // The scheme served before any evidence; must be a candidate.
  Scheme initial = Scheme::kAnmlGated;
  Mode mode = Mode::kSelect;
  // Fraction of training samples (chosen by hashing their key) held out for
  // scoring; no learner trains on them. Set to 0 when a validation stream is
  // provided.
  double heldout_fraction = 0.05;
  // When true, only ProcessValidation() samples score the schemes.
  bool validation_stream = false;
  // Fraction of scoring units (contributors) trimmed from each end.
  double trim_fraction = 0.3;
  // Held-out samples a contributor needs before it counts as a unit.
  double min_unit_samples = 3.0;
  // Switch when the mean loss difference is below zero by z standard errors.
  double switch_z = 2.0;
  // Hedge learning rate for the blend.
  double hedge_eta = 1.0;
  // Half-life of held-out loss statistics.
  int64_t score_half_life_ms = 7 * kMillisPerDay;
  // Attribution: g_val averages the served model's gradients over about
  // this many recent trusted held-out samples, and a held-out sample is
  // trusted when the served scheme weighs its contributor at least
  // trusted_weight (validation-stream samples always are).
  int attribution_horizon = 256;
  double trusted_weight = 0.5;
};

struct EngineConfig {
  Task task = Task::kBinary;
  // Number of features d of every sample.
  int dimension = 0;
  // Number of classes (2 for binary, ignored for regression).
  int classes = 2;
  // Seeds the gradient sketch; nothing else in the engine is random.
  uint64_t seed = 1;

  LearnerConfig learner;
  FactorConfig factors;
  CombineConfig combine;
  ReferenceConfig reference;
  GateConfig gate;

  // OK, or InvalidArgument naming the first field outside its range, with
  // its value.
  Status Validate() const;
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_CONFIG_H_
