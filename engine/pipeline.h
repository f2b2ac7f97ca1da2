// Pipeline: the ANML-style training step, sample by sample.
//
// Operation. For each training sample the pipeline
//   1. advances the watermark (the largest event time seen) and decays the
//      contributor's record to it;
//   2. predicts with the uniform observer (the shadow learner that weighs
//      every sample 1) and takes its closed-form gradient g_i, the one q is
//      measured on: a weighted model would fit the honest contributors and
//      let the down-weighted ones steer the reference;
//   3. scores s_i = cos(g_i, g_ref) and folds g_i into the contributor's
//      decayed mean gradient G_c and consistency counts;
//   4. computes the contributor's factors q, v, r, T and each candidate
//      scheme's importance weight, and updates each scheme's shadow learner;
//   5. credits the contributor with attribution eta * w_i * <g_i, g_val>,
//      both gradients taken on the served model before its step.
// A hashed fraction of samples (GateConfig::heldout_fraction) is held out
// instead: no learner trains on it; every scheme is scored on it (test then
// train) and, when the served scheme trusts its contributor, folded into
// g_val, the served model's moving-average held-out gradient. Every
// ReferenceConfig::refresh_interval training samples, g_ref, the weight
// normalizers and the Stage 2 gate are recomputed over the most active
// contributors. Everything is deterministic given the seed and input order.
//
// Ownership. The pipeline owns its learners and its ContributorTable; the
// state store reads dirty records from contributors() and may evict clean
// ones through Evict() to bound memory.
//
// Thread safety: none; one thread owns a pipeline.
//
// Limitations. Dense features only. g_ref and the normalizers are computed
// over at most ReferenceConfig::max_contributors of the most active resident
// contributors; contributors outside that set still get weights, but do not
// shape the reference. Between refreshes, weights use the normalizers of the
// last refresh. Attribution is an undecayed ledger: samples taken before
// g_ref exists, when every contributor still weighs about 1, stay in it, so
// attribution is noisy in sign for contributors with few samples.
#ifndef ANML_ENGINE_PIPELINE_H_
#define ANML_ENGINE_PIPELINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/combiner.h"
#include "engine/config.h"
#include "engine/contributor_table.h"
#include "engine/factors.h"
#include "engine/gradient_sketch.h"
#include "engine/learner.h"
#include "engine/model_snapshot.h"
#include "engine/sample.h"
#include "engine/scheme.h"
#include "engine/scheme_gate.h"
#include "engine/status.h"

namespace anml::engine {

// The factors and weight of one contributor under the served scheme, as the
// weights topic publishes them.
struct ContributorReport {
  double weight = 0.0;       // The served scheme's contributor weight.
  double q = 0.0;            // Gradient consistency, [0, 1].
  double v = 0.0;            // Verification factor, [0, 1].
  double r = 0.0;            // Reputation posterior mean, [0, 1].
  double t = 0.0;            // Temporal relevance, (0, 1].
  double gate = 0.0;         // Stage 1 gate gamma(q), [0, 1].
  double consistency = 0.0;  // cos(G_c, g_ref) before clamping, [-1, 1].
  uint64_t samples = 0;
  double attribution = 0.0;
};

// Where a sample went.
enum class SampleOutcome : uint8_t {
  kTrained,   // Applied to every scheme's learner.
  kHeldOut,   // Scored by every scheme, trained on by none.
};

// The Stage 2 gate as of the last refresh.
struct GateReport {
  Scheme served = Scheme::kUniform;
  uint64_t switches = 0;
  // Per candidate (in EngineConfig::gate.candidates order).
  std::vector<Scheme> candidates;
  std::vector<double> robust_loss;  // Trimmed mean over units of held-out loss.
  std::vector<double> mean_loss;    // Plain mean over all held-out samples.
  std::vector<double> blend_weight; // Hedge weights (sum 1).
  // The served model's mean held-out loss (prequential, test then train)
  // and the number of held-out samples scored.
  double served_loss = 0.0;
  uint64_t scored_samples = 0;
  // The robust loss gap from the served scheme to the best candidate (>= 0;
  // the trimmed mean over units of their per-unit loss difference) and the
  // confidence radius z * se of that gap at the last refresh: the gate
  // guarantees gap <= radius, or it would have switched.
  double excess = 0.0;
  double excess_bound = 0.0;
  size_t units = 0;  // Scoring units (contributors or validation buckets).
};

class Pipeline {
 public:
  // InvalidArgument when config.Validate() fails.
  static StatusOr<std::unique_ptr<Pipeline>> Create(const EngineConfig& config);

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // The slot of contributor `id`, creating a cold-start record (prior q,
  // unverified, default reputation) when it is not resident. The caller
  // loads a stored record with contributors().Adopt() first if it has one.
  uint32_t Intern(std::string_view id);

  // Records a contributor's verification level and external reputation
  // (clamped to [0, 1]; NaN becomes the default).
  void SetMetadata(uint32_t slot, Verification verification, double reputation);

  // Trains on, or holds out, one sample. InvalidArgument, naming the field
  // and value, when features have the wrong size or are not finite, the
  // label is out of range for the task, or the slot is not resident;
  // DataLoss when the contributor's record was made by an engine of another
  // configuration (its gradient has another size). The pipeline's state is
  // unchanged on any error.
  StatusOr<SampleOutcome> Process(const Sample& sample);

  // Scores every scheme on one trusted validation sample (never trained
  // on). Same errors as Process().
  Status ProcessValidation(const Sample& sample);

  // The served scheme's weight and factors for a resident contributor.
  ContributorReport Report(uint32_t slot) const;

  // The importance weight scheme `scheme` gives contributor `slot` now
  // (before the per-sample age factor).
  double ContributorWeight(Scheme scheme, uint32_t slot) const;

  // The served prediction for `x` (the served scheme's model, or the Hedge
  // mixture in blend mode) into `out` (OutputCount() values).
  void Predict(std::span<const double> x, std::span<double> out) const;
  // A candidate scheme's own prediction. Precondition: it is a candidate.
  void PredictWith(Scheme scheme, std::span<const double> x, std::span<double> out) const;
  int OutputCount() const;

  GateReport Gate() const;
  Scheme served() const;
  int64_t watermark_ms() const;
  uint64_t trained_samples() const;
  uint64_t heldout_samples() const;

  ContributorTable& contributors();
  const ContributorTable& contributors() const;

  // Removes a clean resident contributor (see ContributorTable::Evict).
  void Evict(uint32_t slot);

  // The whole non-contributor state; the version increases whenever samples
  // were applied since the previous snapshot.
  ModelSnapshot Snapshot();
  // Replaces the non-contributor state with a snapshot of a pipeline with
  // the same configuration. DataLoss naming the first missing or mis-sized
  // array; the pipeline is unchanged then.
  Status Restore(const ModelSnapshot& snapshot);

  const EngineConfig& config() const { return config_; }

  // The factors of a resident contributor now.
  Factors FactorsOf(uint32_t slot) const;

  // Ids of the contributors g_ref is aggregated over. After Restore() these
  // are the stored members, which also hold the contributors trained on
  // since the snapshot's last refresh; the caller makes them resident
  // (loading them from the state store) so the next refresh aggregates the
  // same set.
  std::vector<std::string> ReferenceMembers() const;

 private:
  explicit Pipeline(const EngineConfig& config);

  Status CheckSample(const Sample& sample, bool needs_contributor) const;
  Factors FactorsOf(const ContributorStats& stats) const;
  void Train(const Sample& sample, ContributorStats& stats);
  void HoldOut(const Sample& sample, ContributorStats& stats);
  // Predicts with every candidate into predictions_ and their losses into
  // losses_; returns the served prediction's loss.
  double ScoreCandidates(const Sample& sample);
  void Attribute(const Sample& sample, ContributorStats& stats, size_t served, double weight);
  // Folds the served model's gradient on a scored sample into g_val.
  void FoldValidationGradient(const Sample& sample);
  void Refresh();
  void RebuildActiveSet();
  void RecomputeReference();
  double EffectiveWeight(const ContributorStats& stats) const;
  // cos(v, g_ref), or 0 before g_ref exists.
  double ReferenceCosine(std::span<const double> v) const;
  void MarkTouched(uint32_t slot);
  std::span<double> PredictionOf(size_t candidate);
  std::span<const double> PredictionOf(size_t candidate) const;

  EngineConfig config_;
  SchemeGate gate_;
  // One shadow learner per candidate, in gate_.candidates() order.
  std::vector<std::unique_ptr<Learner>> learners_;
  size_t observer_ = 0;  // The uniform candidate: q is measured on it.
  GradientSketch sketch_;
  WeightCombiner combiner_;
  ContributorTable table_;
  ContributorStats prototype_;

  std::vector<double> reference_;  // g_ref, in sketch coordinates.
  bool reference_valid_ = false;
  double reference_norm_ = 0.0;  // ||g_ref||, set with it.
  // g_val, the moving average of trusted held-out gradients of the served
  // model, and how many samples it averages (at most the horizon).
  std::vector<double> validation_gradient_;
  double validation_weight_ = 0.0;

  std::vector<uint32_t> active_;   // The reference set, canonical order.
  std::vector<uint32_t> touched_;  // Trained on since the last refresh.
  std::vector<uint64_t> touched_epoch_;  // Per slot: last epoch touched.
  std::vector<std::string> restored_members_;
  uint64_t epoch_ = 1;

  int64_t watermark_ms_ = kNoTime;
  uint64_t trained_ = 0;
  uint64_t heldout_ = 0;
  uint64_t since_refresh_ = 0;
  uint64_t version_ = 0;
  bool changed_since_snapshot_ = false;

  // Scratch buffers, sized once, so the per-sample path never allocates.
  std::vector<double> predictions_;  // candidates x outputs.
  std::vector<double> gradient_;     // The observer's full gradient.
  std::vector<double> sketched_;     // Its projection g_i.
  std::vector<double> served_gradient_;  // The served model's, projected.
  std::vector<double> losses_;       // Per candidate.
  std::vector<double> mixture_;      // The blended prediction.
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_PIPELINE_H_
