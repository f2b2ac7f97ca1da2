#include "engine/scheme_gate.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/decay.h"
#include "engine/robust_mean.h"
#include "engine/sample.h"

namespace anml::engine {
namespace {

// The trimmed mean and standard error over units of the per-unit loss
// difference best - served (`k` candidates per unit); negative favours best.
TrimmedEstimate PairedGap(std::span<const double> unit_means, size_t unit_count, size_t k,
                          int best, int served, double trim) {
  std::vector<double> differences(unit_count);
  for (size_t u = 0; u < unit_count; ++u) {
    differences[u] = unit_means[u * k + best] - unit_means[u * k + served];
  }
  return TrimmedMean(differences, trim);
}

}  // namespace

SchemeGate::SchemeGate(const GateConfig& config) : config_(config) {
  for (Scheme scheme : config.candidates) {
    if (IndexOf(scheme) < 0) candidates_.push_back(scheme);
  }
  if (IndexOf(Scheme::kUniform) < 0) candidates_.push_back(Scheme::kUniform);
  const size_t k = candidates_.size();
  served_ = std::max(IndexOf(config.initial), 0);
  loss_sum_.assign(k, 0.0);
  blend_.assign(k, 1.0 / static_cast<double>(k));
  buckets_.assign(kValidationBuckets * (k + 1), 0.0);
  robust_loss_.assign(k, 0.0);
}

int SchemeGate::IndexOf(Scheme scheme) const {
  auto it = std::find(candidates_.begin(), candidates_.end(), scheme);
  return it == candidates_.end() ? -1 : static_cast<int>(it - candidates_.begin());
}

void SchemeGate::AdvanceTo(int64_t time_ms) {
  if (time_ms <= as_of_ms_) return;
  double decay = DecayFactor(time_ms - as_of_ms_, config_.score_half_life_ms);
  for (double& sum : loss_sum_) sum *= decay;
  loss_weight_ *= decay;
  for (double& value : buckets_) value *= decay;
  as_of_ms_ = time_ms;
}

void SchemeGate::Observe(std::span<const double> losses, double served_loss, int64_t time_ms) {
  AdvanceTo(time_ms);
  for (size_t k = 0; k < candidates_.size(); ++k) loss_sum_[k] += losses[k];
  loss_weight_ += 1.0;
  served_loss_sum_ += served_loss;
  ++scored_;
  UpdateBlend();
}

void SchemeGate::ObserveValidation(std::span<const double> losses, uint64_t key,
                                   int64_t time_ms) {
  AdvanceTo(time_ms);
  const size_t k = candidates_.size();
  double* bucket = &buckets_[(MixHash(key) % kValidationBuckets) * (k + 1)];
  for (size_t i = 0; i < k; ++i) bucket[i] += losses[i];
  bucket[k] += 1.0;
}

void SchemeGate::UpdateBlend() {
  // Hedge weights exp(-eta S_k), computed relative to the smallest S_k so
  // the best candidate's exponent is 0 and nothing underflows to all-zero.
  double best = *std::min_element(loss_sum_.begin(), loss_sum_.end());
  double total = 0;
  for (size_t k = 0; k < blend_.size(); ++k) {
    total += (blend_[k] = std::exp(-config_.hedge_eta * (loss_sum_[k] - best)));
  }
  for (double& weight : blend_) weight /= total;
}

void SchemeGate::Refresh(std::span<const double> unit_means, size_t unit_count) {
  const size_t k = candidates_.size();
  std::vector<double> bucket_means;
  if (config_.validation_stream) {
    unit_count = 0;
    for (int b = 0; b < kValidationBuckets; ++b) {
      const double* bucket = &buckets_[b * (k + 1)];
      if (bucket[k] < config_.min_unit_samples || bucket[k] <= 0) continue;
      for (size_t i = 0; i < k; ++i) bucket_means.push_back(bucket[i] / bucket[k]);
      ++unit_count;
    }
    unit_means = bucket_means;
  }
  units_ = unit_count;
  if (unit_count == 0) return;
  Select(unit_means, unit_count);
}

void SchemeGate::Select(std::span<const double> unit_means, size_t unit_count) {
  const size_t k = candidates_.size();
  std::vector<double> column(unit_count);
  for (size_t i = 0; i < k; ++i) {
    for (size_t u = 0; u < unit_count; ++u) column[u] = unit_means[u * k + i];
    robust_loss_[i] = TrimmedMean(column, config_.trim_fraction).mean;
  }
  int best = static_cast<int>(std::min_element(robust_loss_.begin(), robust_loss_.end()) -
                              robust_loss_.begin());
  excess_ = excess_bound_ = 0.0;
  if (best == served_) return;

  TrimmedEstimate gap = PairedGap(unit_means, unit_count, k, best, served_, config_.trim_fraction);
  double radius = config_.switch_z * gap.standard_error;
  if (config_.mode == GateConfig::Mode::kSelect && gap.kept >= 2 && gap.mean + radius < 0) {
    served_ = best;
    ++switches_;
    return;
  }
  if (config_.mode == GateConfig::Mode::kBlend) {
    served_ = static_cast<int>(std::max_element(blend_.begin(), blend_.end()) - blend_.begin());
    if (served_ == best) return;
    gap = PairedGap(unit_means, unit_count, k, best, served_, config_.trim_fraction);
    radius = config_.switch_z * gap.standard_error;
  }
  // The excess is the statistic the switching rule tests, the trimmed mean
  // of the paired differences, not the difference of the two robust losses:
  // trimming each candidate's column separately can drop different units,
  // and then not switching bounds nothing about that difference.
  excess_ = std::max(0.0, -gap.mean);
  excess_bound_ = std::isfinite(radius) ? radius : excess_;
}

std::vector<double> SchemeGate::MeanLoss() const {
  std::vector<double> mean(loss_sum_.size(), 0.0);
  if (loss_weight_ <= 0) return mean;
  for (size_t k = 0; k < mean.size(); ++k) mean[k] = loss_sum_[k] / loss_weight_;
  return mean;
}

double SchemeGate::served_loss() const {
  return scored_ == 0 ? 0.0 : served_loss_sum_ / static_cast<double>(scored_);
}

void SchemeGate::Save(ModelSnapshot& snapshot) const {
  snapshot.reals["gate.loss_sum"] = loss_sum_;
  snapshot.reals["gate.buckets"] = buckets_;
  snapshot.reals["gate.robust_loss"] = robust_loss_;
  snapshot.reals["gate.scalars"] = {loss_weight_, served_loss_sum_, excess_, excess_bound_};
  snapshot.integers["gate.state"] = {served_, static_cast<int64_t>(switches_), as_of_ms_,
                                     static_cast<int64_t>(scored_),
                                     static_cast<int64_t>(units_)};
}

Status SchemeGate::Load(const ModelSnapshot& snapshot) {
  const size_t k = candidates_.size();
  std::vector<double> loss_sum, buckets, robust, scalars;
  std::vector<int64_t> state;
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "gate.loss_sum", k, &loss_sum));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "gate.buckets", buckets_.size(), &buckets));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "gate.robust_loss", k, &robust));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "gate.scalars", 4, &scalars));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.integers, "gate.state", 5, &state));
  if (state[0] < 0 || state[0] >= static_cast<int64_t>(k)) {
    return DataLoss("model snapshot: array 'gate.state' holds served scheme index " +
                    std::to_string(state[0]) + ", expected one in [0, " + std::to_string(k) +
                    ")");
  }
  loss_sum_ = std::move(loss_sum);
  buckets_ = std::move(buckets);
  robust_loss_ = std::move(robust);
  loss_weight_ = scalars[0];
  served_loss_sum_ = scalars[1];
  excess_ = scalars[2];
  excess_bound_ = scalars[3];
  served_ = static_cast<int>(state[0]);
  switches_ = static_cast<uint64_t>(state[1]);
  as_of_ms_ = state[2];
  scored_ = static_cast<uint64_t>(state[3]);
  units_ = static_cast<size_t>(state[4]);
  UpdateBlend();
  return Status::Ok();
}

}  // namespace anml::engine
