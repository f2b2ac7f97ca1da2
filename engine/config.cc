#include "engine/config.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace anml::engine {
namespace {

// Checks lo <= value <= hi (and finiteness), naming the field on failure.
Status CheckRange(const char* field, double value, double lo, double hi) {
  if (std::isfinite(value) && value >= lo && value <= hi) return Status::Ok();
  return InvalidArgument(std::string("engine config: ") + field + " must be in [" +
                         std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                         std::to_string(value));
}

Status CheckPositive(const char* field, double value) {
  if (std::isfinite(value) && value > 0) return Status::Ok();
  return InvalidArgument(std::string("engine config: ") + field + " must be > 0, got " +
                         std::to_string(value));
}

Status ValidateLearner(const LearnerConfig& c) {
  ANML_RETURN_IF_ERROR(CheckPositive("learner.learning_rate", c.learning_rate));
  ANML_RETURN_IF_ERROR(CheckRange("learner.l2", c.l2, 0, 1e3));
  ANML_RETURN_IF_ERROR(CheckPositive("learner.adagrad_epsilon", c.adagrad_epsilon));
  return CheckRange("learner.max_importance", c.max_importance, 1, 1e6);
}

Status ValidateFactors(const FactorConfig& c) {
  ANML_RETURN_IF_ERROR(CheckRange("factors.q_prior", c.q_prior, 0, 1));
  ANML_RETURN_IF_ERROR(CheckRange("factors.q_prior_samples", c.q_prior_samples, 0, 1e9));
  ANML_RETURN_IF_ERROR(CheckRange("factors.consistency_threshold", c.consistency_threshold, -1, 1));
  ANML_RETURN_IF_ERROR(CheckRange("factors.sketch_dimension", c.sketch_dimension, 4, 1 << 16));
  for (double factor : c.verification_factor) {
    ANML_RETURN_IF_ERROR(CheckRange("factors.verification_factor", factor, 0, 1));
  }
  ANML_RETURN_IF_ERROR(
      CheckRange("factors.reputation_prior_strength", c.reputation_prior_strength, 0, 1e9));
  ANML_RETURN_IF_ERROR(CheckRange("factors.default_reputation", c.default_reputation, 0, 1));
  ANML_RETURN_IF_ERROR(
      CheckRange("factors.gradient_half_life_ms", double(c.gradient_half_life_ms), 0, 1e15));
  ANML_RETURN_IF_ERROR(
      CheckRange("factors.consistency_half_life_ms", double(c.consistency_half_life_ms), 0, 1e15));
  ANML_RETURN_IF_ERROR(
      CheckRange("factors.sample_age_half_life_ms", double(c.sample_age_half_life_ms), 0, 1e15));
  return CheckRange("factors.idle_half_life_ms", double(c.idle_half_life_ms), 0, 1e15);
}

Status ValidateCombine(const CombineConfig& c) {
  ANML_RETURN_IF_ERROR(CheckRange("combine.weight_min", c.weight_min, 0, 1));
  ANML_RETURN_IF_ERROR(CheckRange("combine.weight_max", c.weight_max, 1, 1e3));
  ANML_RETURN_IF_ERROR(CheckPositive("combine.softmax_temperature", c.softmax_temperature));
  for (double beta : c.softmax_beta) {
    ANML_RETURN_IF_ERROR(CheckRange("combine.softmax_beta", beta, 0, 100));
  }
  ANML_RETURN_IF_ERROR(
      CheckRange("combine.softmax_factor_floor", c.softmax_factor_floor, 1e-9, 1));
  ANML_RETURN_IF_ERROR(CheckRange("combine.gate_q_midpoint", c.gate_q_midpoint, 0, 1));
  return CheckPositive("combine.gate_q_width", c.gate_q_width);
}

Status ValidateReference(const ReferenceConfig& c) {
  ANML_RETURN_IF_ERROR(CheckRange("reference.refresh_interval", c.refresh_interval, 1, 1e7));
  ANML_RETURN_IF_ERROR(CheckRange("reference.trim_fraction", c.trim_fraction, 0, 0.45));
  ANML_RETURN_IF_ERROR(CheckRange("reference.max_contributors", c.max_contributors, 1, 1e6));
  ANML_RETURN_IF_ERROR(CheckRange("reference.min_active_weight", c.min_active_weight, 0, 1e9));
  return CheckPositive("reference.max_count_weight", c.max_count_weight);
}

Status ValidateGate(const GateConfig& c) {
  if (c.candidates.empty()) return InvalidArgument("engine config: gate.candidates is empty");
  if (std::find(c.candidates.begin(), c.candidates.end(), c.initial) == c.candidates.end()) {
    return InvalidArgument(std::string("engine config: gate.initial '") +
                           std::string(SchemeName(c.initial)) + "' is not a candidate");
  }
  ANML_RETURN_IF_ERROR(CheckRange("gate.heldout_fraction", c.heldout_fraction, 0, 0.5));
  ANML_RETURN_IF_ERROR(CheckRange("gate.trim_fraction", c.trim_fraction, 0, 0.45));
  ANML_RETURN_IF_ERROR(CheckRange("gate.min_unit_samples", c.min_unit_samples, 0, 1e9));
  ANML_RETURN_IF_ERROR(CheckRange("gate.switch_z", c.switch_z, 0, 100));
  ANML_RETURN_IF_ERROR(CheckPositive("gate.hedge_eta", c.hedge_eta));
  ANML_RETURN_IF_ERROR(CheckRange("gate.attribution_horizon", c.attribution_horizon, 1, 1e7));
  ANML_RETURN_IF_ERROR(CheckRange("gate.trusted_weight", c.trusted_weight, 0, 1e3));
  return CheckRange("gate.score_half_life_ms", double(c.score_half_life_ms), 0, 1e15);
}

}  // namespace

Status EngineConfig::Validate() const {
  ANML_RETURN_IF_ERROR(CheckRange("dimension", dimension, 1, 1 << 20));
  if (task == Task::kMulticlass) {
    ANML_RETURN_IF_ERROR(CheckRange("classes", classes, 3, 1 << 12));
  }
  ANML_RETURN_IF_ERROR(ValidateLearner(learner));
  ANML_RETURN_IF_ERROR(ValidateFactors(factors));
  ANML_RETURN_IF_ERROR(ValidateCombine(combine));
  ANML_RETURN_IF_ERROR(ValidateReference(reference));
  return ValidateGate(gate);
}

}  // namespace anml::engine
