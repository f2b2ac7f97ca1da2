// WeightCombiner: from a contributor's factors to each scheme's importance
// weight.
//
// Raw scores per scheme (DESIGN.md section 2, "Combining"):
//   uniform              1
//   gradient_only        q
//   sample_level         1 per contributor; max(0, s_i) per sample
//   anml_multiplicative  q v r T
//   anml_softmax         exp(sum_k beta_k log max(f_k, floor) / tau)
//   anml_gated           q T e', e' the Stage 1 gated external signal
// A contributor weight is its raw score divided by the mean raw score over
// the active contributors (so weights average 1), clipped to
// [weight_min, weight_max]. The per-sample weight multiplies in the
// sample's own temporal relevance for the ANML schemes, and is
// max(0, s_i) over its running mean for sample_level.
//
// Renormalize() recomputes the means; between calls the last ones hold,
// which keeps weights deterministic and cheap on the per-sample path.
//
// Thread safety: none; owned by one pipeline.
#ifndef ANML_ENGINE_COMBINER_H_
#define ANML_ENGINE_COMBINER_H_

#include <array>
#include <span>

#include "engine/config.h"
#include "engine/factors.h"
#include "engine/scheme.h"

namespace anml::engine {

class WeightCombiner {
 public:
  // Normalizers start at the raw scores of a cold-start contributor, so
  // before the first Renormalize() a newcomer weighs 1 under every scheme.
  explicit WeightCombiner(const EngineConfig& config);

  // The scheme's unnormalized score; for anml_softmax its logarithm.
  double RawScore(Scheme scheme, const Factors& factors) const;

  // The contributor's normalized, clipped weight under `scheme`.
  double ContributorWeight(Scheme scheme, const Factors& factors) const;

  // The importance weight of one training sample: the contributor weight
  // (ContributorWeight's value, passed in) times, for the ANML schemes, the
  // sample's temporal relevance `age_factor`; for sample_level,
  // max(0, s_i) normalized by its running mean and clipped.
  double SampleWeight(Scheme scheme, double contributor_weight, double sample_score,
                      double age_factor) const;

  // Adds a training sample's s_i to the running mean sample_level uses.
  void ObserveSampleScore(double sample_score);

  // Recomputes each scheme's normalizer as the mean raw score over
  // `active` (log-mean-exp for softmax) and the sample_level normalizer from
  // the scores observed since the last call. An empty `active` keeps the
  // previous contributor normalizers.
  void Renormalize(std::span<const Factors> active);

  // Normalizer state, for snapshots: kSchemeCount contributor normalizers
  // followed by the sample_level normalizer and its two accumulators.
  std::array<double, kSchemeCount + 3> SaveState() const;
  void LoadState(const std::array<double, kSchemeCount + 3>& state);

 private:
  double Clip(double weight) const;

  FactorConfig factors_;
  CombineConfig combine_;
  std::array<double, kSchemeCount> normalizer_{};
  double sample_normalizer_ = 1.0;
  double sample_score_sum_ = 0.0;
  double sample_score_count_ = 0.0;
};

// The factors of a cold-start contributor: prior q, unverified, default
// reputation, no age.
Factors ColdStartFactors(const EngineConfig& config);

}  // namespace anml::engine

#endif  // ANML_ENGINE_COMBINER_H_
