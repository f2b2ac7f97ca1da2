// SchemeGate: Stage 2 of the Two-Stage Adaptive gating — which candidate
// scheme's model is served.
//
// Operation. Every candidate scheme trains its own shadow learner on the
// same stream. Held-out samples, which no learner trains on, score each
// candidate test-then-train. Scores are kept per unit: per contributor
// (held-out samples of the training stream) or, with a validation stream,
// per hashed bucket of validation samples. Refresh() computes each
// candidate's robust loss, the trimmed mean over units of the unit's mean
// loss, so a minority of attacking contributors cannot steer the choice.
//
// In select mode the served scheme changes to the best candidate only when
// the trimmed mean of the per-unit loss differences (best - served) is
// below zero by switch_z standard errors. The guarantee this gives, checked
// at every refresh: excess(), the trimmed mean over units of the served
// scheme's loss minus the best candidate's, is at most excess_bound() =
// switch_z * se of that mean, or the gate would have switched; uniform is
// always a candidate, so the served model is never worse than the plain
// baseline beyond that bound.
//
// In blend mode predictions mix the candidates with Hedge weights
// pi_k ~ exp(-eta * S_k), S_k the candidate's decayed held-out loss sum.
// With eta = 1 and log loss (exp-concave) the mixture's cumulative loss is
// at most the best candidate's plus ln(K), without decay.
//
// Thread safety: none; owned by one pipeline.
// Limitations: a Sybil flood of more than trim_fraction of all scoring
// units, each with at least min_unit_samples held-out samples, can move the
// trimmed mean; the validation stream (gold data) is the defence then.
#ifndef ANML_ENGINE_SCHEME_GATE_H_
#define ANML_ENGINE_SCHEME_GATE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engine/config.h"
#include "engine/model_snapshot.h"
#include "engine/scheme.h"
#include "engine/status.h"

namespace anml::engine {

class SchemeGate {
 public:
  // Validation samples are spread over this many hashed buckets (units).
  static constexpr int kValidationBuckets = 16;

  // Precondition: config validated. Uniform joins the candidates if absent.
  explicit SchemeGate(const GateConfig& config);

  const std::vector<Scheme>& candidates() const { return candidates_; }
  // The candidate index of `scheme`, or -1 when it is not a candidate.
  int IndexOf(Scheme scheme) const;

  Scheme served() const { return candidates_[served_]; }
  int served_index() const { return served_; }
  std::span<const double> blend_weights() const { return blend_; }

  // Records one scored held-out sample: `losses` per candidate (candidate
  // order) and the served prediction's loss, at event time `time_ms`.
  void Observe(std::span<const double> losses, double served_loss, int64_t time_ms);

  // Also records a validation sample's losses into its bucket.
  void ObserveValidation(std::span<const double> losses, uint64_t key, int64_t time_ms);

  // Re-evaluates the served scheme. `unit_means` holds, for each unit, the
  // candidates' mean losses (unit_count * candidates().size() values); with
  // a validation stream configured the gate's own buckets are used instead.
  void Refresh(std::span<const double> unit_means, size_t unit_count);

  uint64_t switches() const { return switches_; }
  const std::vector<double>& robust_loss() const { return robust_loss_; }
  // The decayed mean held-out loss of each candidate.
  std::vector<double> MeanLoss() const;
  double served_loss() const;
  uint64_t scored_samples() const { return scored_; }
  double excess() const { return excess_; }
  double excess_bound() const { return excess_bound_; }
  size_t units() const { return units_; }

  void Save(ModelSnapshot& snapshot) const;
  // DataLoss naming the first missing or mis-sized array.
  Status Load(const ModelSnapshot& snapshot);

 private:
  void AdvanceTo(int64_t time_ms);
  void UpdateBlend();
  void Select(std::span<const double> unit_means, size_t unit_count);

  GateConfig config_;
  std::vector<Scheme> candidates_;
  int served_ = 0;
  uint64_t switches_ = 0;

  // Decayed per-candidate held-out loss sums and count, as of as_of_ms_.
  std::vector<double> loss_sum_;
  double loss_weight_ = 0.0;
  int64_t as_of_ms_ = 0;
  std::vector<double> blend_;

  // Undecayed prequential record of the served prediction.
  double served_loss_sum_ = 0.0;
  uint64_t scored_ = 0;

  // Validation buckets: per bucket, decayed loss sums then the count.
  std::vector<double> buckets_;

  std::vector<double> robust_loss_;
  double excess_ = 0.0;
  double excess_bound_ = 0.0;
  size_t units_ = 0;
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_SCHEME_GATE_H_
