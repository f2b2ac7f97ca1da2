#include "engine/contributor_stats.h"

#include "engine/decay.h"

namespace anml::engine {

void ContributorStats::AdvanceTo(int64_t now_ms, const FactorConfig& factors,
                                 const GateConfig& gate) {
  if (as_of_ms == kNoTime) {
    as_of_ms = now_ms;
    return;
  }
  if (now_ms <= as_of_ms) return;
  const int64_t elapsed = now_ms - as_of_ms;
  as_of_ms = now_ms;

  const double gradient_decay = DecayFactor(elapsed, factors.gradient_half_life_ms);
  for (double& value : gradient_sum) value *= gradient_decay;
  gradient_weight *= gradient_decay;

  const double consistency_decay = DecayFactor(elapsed, factors.consistency_half_life_ms);
  consistent *= consistency_decay;
  inconsistent *= consistency_decay;

  const double score_decay = DecayFactor(elapsed, gate.score_half_life_ms);
  for (double& loss : heldout_loss) loss *= score_decay;
  heldout_weight *= score_decay;
}

double ContributorStats::MeanGradient(size_t i) const {
  if (gradient_weight <= 0.0 || i >= gradient_sum.size()) return 0.0;
  return gradient_sum[i] / gradient_weight;
}

size_t ContributorStats::ApproximateBytes() const {
  return sizeof(ContributorStats) + gradient_sum.capacity() * sizeof(double);
}

}  // namespace anml::engine
