#include "engine/pipeline.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/decay.h"
#include "engine/glm_learner.h"
#include "engine/robust_mean.h"

namespace anml::engine {
namespace {

// True when the sample with this key is held out for scoring: the top 53
// bits of its mixed hash, read as a number in [0, 1), fall below the
// fraction. The same key always gets the same answer.
bool IsHeldOut(uint64_t key, double fraction) {
  return static_cast<double>(MixHash(key) >> 11) * 0x1p-53 < fraction;
}

std::string LearnerArray(Scheme scheme, const char* part) {
  return "learner." + std::string(SchemeName(scheme)) + "." + part;
}

}  // namespace

StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const EngineConfig& config) {
  ANML_RETURN_IF_ERROR(config.Validate());
  return std::unique_ptr<Pipeline>(new Pipeline(config));
}

Pipeline::Pipeline(const EngineConfig& config)
    : config_(config),
      gate_(config.gate),
      sketch_(static_cast<size_t>((config.task == Task::kMulticlass ? config.classes : 1) *
                                  (config.dimension + 1)),
              static_cast<size_t>(config.factors.sketch_dimension), config.seed),
      combiner_(config) {
  for (size_t k = 0; k < gate_.candidates().size(); ++k) {
    learners_.push_back(std::make_unique<GlmLearner>(config.task, config.dimension, config.classes,
                                                     config.learner));
  }
  observer_ = static_cast<size_t>(gate_.IndexOf(Scheme::kUniform));
  const size_t outputs = static_cast<size_t>(learners_[0]->OutputCount());

  prototype_.reputation = config.factors.default_reputation;
  prototype_.gradient_sum.assign(sketch_.dimension(), 0.0);
  reference_.assign(sketch_.dimension(), 0.0);
  validation_gradient_.assign(sketch_.dimension(), 0.0);

  predictions_.assign(learners_.size() * outputs, 0.0);
  gradient_.assign(learners_[0]->ParameterCount(), 0.0);
  sketched_.assign(sketch_.dimension(), 0.0);
  served_gradient_.assign(sketch_.dimension(), 0.0);
  losses_.assign(learners_.size(), 0.0);
  mixture_.assign(outputs, 0.0);
}

uint32_t Pipeline::Intern(std::string_view id) { return table_.Intern(id, prototype_); }

void Pipeline::SetMetadata(uint32_t slot, Verification verification, double reputation) {
  ContributorStats& stats = table_.stats(slot);
  stats.verification = verification;
  stats.reputation = std::isfinite(reputation) ? std::clamp(reputation, 0.0, 1.0)
                                               : config_.factors.default_reputation;
  stats.has_metadata = true;
  table_.MarkDirty(slot);
  changed_since_snapshot_ = true;
}

Status Pipeline::CheckSample(const Sample& sample, bool needs_contributor) const {
  // The message's prefix is built only on failure: this runs per sample.
  auto where = [&] {
    return needs_contributor ? "sample from contributor '" + table_.id(sample.contributor) + "'"
                             : std::string("sample");
  };
  if (needs_contributor && !table_.resident(sample.contributor)) {
    return InvalidArgument("sample: contributor slot " + std::to_string(sample.contributor) +
                           " is not resident");
  }
  if (needs_contributor &&
      table_.stats(sample.contributor).gradient_sum.size() != sketch_.dimension()) {
    return DataLoss(where() + ": its record holds " +
                    std::to_string(table_.stats(sample.contributor).gradient_sum.size()) +
                    " gradient coordinates, expected " + std::to_string(sketch_.dimension()) +
                    " (a record from an engine of another configuration)");
  }
  if (sample.features.size() != static_cast<size_t>(config_.dimension)) {
    return InvalidArgument(where() + ": expected " + std::to_string(config_.dimension) +
                           " features, got " + std::to_string(sample.features.size()));
  }
  // Fast path: a sum of finite numbers that stays finite proves them all
  // finite; only a non-finite sum (a bad value, or an overflow of huge valid
  // ones) needs the element-by-element look.
  double sum = 0;
  for (double value : sample.features) sum += value;
  for (size_t i = 0; !std::isfinite(sum) && i < sample.features.size(); ++i) {
    if (!std::isfinite(sample.features[i])) {
      return InvalidArgument(where() + ": feature " + std::to_string(i) + " is " +
                             std::to_string(sample.features[i]) + ", expected a finite number");
    }
  }
  const double label = sample.label;
  bool valid = std::isfinite(label);
  if (config_.task == Task::kBinary) valid = valid && (label == 0.0 || label == 1.0);
  if (config_.task == Task::kMulticlass) {
    valid = valid && label >= 0 && label < config_.classes && label == std::floor(label);
  }
  if (!valid) {
    return InvalidArgument(where() + ": label " + std::to_string(label) + " is not valid for " +
                           std::string(TaskName(config_.task)) + " with " +
                           std::to_string(config_.classes) + " classes");
  }
  return Status::Ok();
}

StatusOr<SampleOutcome> Pipeline::Process(const Sample& sample) {
  ANML_RETURN_IF_ERROR(CheckSample(sample, /*needs_contributor=*/true));
  const uint32_t slot = sample.contributor;
  ContributorStats& stats = table_.stats(slot);
  table_.Touch(slot);
  table_.MarkDirty(slot);
  changed_since_snapshot_ = true;

  // 1. Advance the watermark and decay the record to it.
  watermark_ms_ = std::max(watermark_ms_, sample.time_ms);
  stats.AdvanceTo(watermark_ms_, config_.factors, config_.gate);
  if (stats.first_time_ms == kNoTime) stats.first_time_ms = sample.time_ms;
  stats.last_time_ms = std::max(stats.last_time_ms, sample.time_ms);

  if (IsHeldOut(sample.key, config_.gate.heldout_fraction)) {
    HoldOut(sample, stats);
    return SampleOutcome::kHeldOut;
  }
  Train(sample, stats);
  MarkTouched(slot);
  if (++since_refresh_ >= static_cast<uint64_t>(config_.reference.refresh_interval)) Refresh();
  return SampleOutcome::kTrained;
}

void Pipeline::Train(const Sample& sample, ContributorStats& stats) {
  // 2. The uniform observer's prediction and gradient g_i.
  Learner& observer = *learners_[observer_];
  std::span<double> observed = PredictionOf(observer_);
  observer.Predict(sample.features, observed);
  observer.Gradient(sample.features, observed, sample.label, gradient_);
  sketch_.Project(gradient_, sketched_);

  // 3. s_i against g_ref, folded into G_c and the consistency record with
  // the sample's temporal relevance, so late data counts less.
  const double age =
      TemporalRelevance(watermark_ms_ - sample.time_ms, config_.factors.sample_age_half_life_ms);
  const double score = ReferenceCosine(sketched_);
  for (size_t i = 0; i < sketched_.size(); ++i) stats.gradient_sum[i] += age * sketched_[i];
  stats.gradient_weight += age;
  if (reference_valid_) {
    combiner_.ObserveSampleScore(score);
    (score > config_.factors.consistency_threshold ? stats.consistent : stats.inconsistent) += age;
  }
  ++stats.samples;

  // 4. Each candidate's weight and step; the observer always weighs 1.
  const Factors factors = FactorsOf(stats);
  for (size_t k = 0; k < learners_.size(); ++k) {
    const Scheme scheme = gate_.candidates()[k];
    double weight = 1.0;
    if (k != observer_) {
      weight =
          combiner_.SampleWeight(scheme, combiner_.ContributorWeight(scheme, factors), score, age);
      learners_[k]->Predict(sample.features, PredictionOf(k));
    }
    if (static_cast<int>(k) == gate_.served_index()) Attribute(sample, stats, k, weight);
    learners_[k]->Update(sample.features, PredictionOf(k), sample.label, weight);
  }
  ++trained_;
}

void Pipeline::Attribute(const Sample& sample, ContributorStats& stats, size_t served,
                         double weight) {
  // 5. Attribution: the first-order drop in held-out loss that this step of
  // the served model causes, eta * w_i * <g_i, g_val>, with g_i and g_val
  // both the served model's gradients, in sketch coordinates.
  if (!(validation_weight_ > 0) || !(weight > 0)) return;
  learners_[served]->Gradient(sample.features, PredictionOf(served), sample.label, gradient_);
  sketch_.Project(gradient_, served_gradient_);
  double dot = 0;
  for (size_t i = 0; i < served_gradient_.size(); ++i) {
    dot += served_gradient_[i] * validation_gradient_[i];
  }
  const double credit = config_.learner.learning_rate * weight * dot;
  // Huge but finite features can overflow the dot product; one such term
  // would turn the ledger into inf or NaN for good, so it is left out.
  if (std::isfinite(credit)) stats.attribution += credit;
}

void Pipeline::HoldOut(const Sample& sample, ContributorStats& stats) {
  double served_loss = ScoreCandidates(sample);
  for (size_t k = 0; k < learners_.size(); ++k) {
    stats.heldout_loss[static_cast<size_t>(gate_.candidates()[k])] += losses_[k];
  }
  stats.heldout_weight += 1.0;
  ++stats.heldout_samples;
  gate_.Observe(losses_, served_loss, watermark_ms_);
  // Only held-out samples of contributors the served scheme trusts shape
  // g_val: once the model fits the honest data their gradients cancel, and
  // a down-weighted contributor's would then define "helpful" alone.
  if (combiner_.ContributorWeight(gate_.served(), FactorsOf(stats)) >=
      config_.gate.trusted_weight) {
    FoldValidationGradient(sample);
  }
  ++heldout_;
}

Status Pipeline::ProcessValidation(const Sample& sample) {
  ANML_RETURN_IF_ERROR(CheckSample(sample, /*needs_contributor=*/false));
  const int64_t time_ms = std::max(watermark_ms_, sample.time_ms);
  double served_loss = ScoreCandidates(sample);
  gate_.Observe(losses_, served_loss, time_ms);
  gate_.ObserveValidation(losses_, sample.key, time_ms);
  FoldValidationGradient(sample);
  changed_since_snapshot_ = true;
  return Status::Ok();
}

double Pipeline::ScoreCandidates(const Sample& sample) {
  for (size_t k = 0; k < learners_.size(); ++k) {
    learners_[k]->Predict(sample.features, PredictionOf(k));
    losses_[k] = learners_[k]->Loss(PredictionOf(k), sample.label);
  }
  if (config_.gate.mode == GateConfig::Mode::kSelect) return losses_[gate_.served_index()];
  Predict(sample.features, mixture_);
  return learners_[observer_]->Loss(mixture_, sample.label);
}

void Pipeline::FoldValidationGradient(const Sample& sample) {
  // g_val is a moving average over the last attribution_horizon trusted
  // held-out samples, so it follows the current model: a mean over the
  // whole history would keep scoring late samples against the gradients of
  // an early, unfitted model. The first samples average uniformly.
  const double horizon = config_.gate.attribution_horizon;
  validation_weight_ = std::min(validation_weight_ + 1.0, horizon);
  const double step = 1.0 / validation_weight_;
  // ScoreCandidates() left every candidate's prediction in predictions_.
  const size_t served = static_cast<size_t>(gate_.served_index());
  learners_[served]->Gradient(sample.features, PredictionOf(served), sample.label, gradient_);
  sketch_.Project(gradient_, served_gradient_);
  for (size_t i = 0; i < served_gradient_.size(); ++i) {
    validation_gradient_[i] += step * (served_gradient_[i] - validation_gradient_[i]);
  }
}

Factors Pipeline::FactorsOf(uint32_t slot) const { return FactorsOf(table_.stats(slot)); }

Factors Pipeline::FactorsOf(const ContributorStats& stats) const {
  Factors f;
  const FactorConfig& fc = config_.factors;
  // cos(G_c, g_ref): G_c is gradient_sum / gradient_weight, and a positive
  // scale does not change a cosine.
  f.cosine = ReferenceCosine(stats.gradient_sum);
  f.q = reference_valid_ ? GradientConsistency(f.cosine, EffectiveWeight(stats), fc) : fc.q_prior;
  f.v = VerificationFactor(stats.verification, fc);
  f.r = Reputation(stats.reputation, stats.consistent, stats.inconsistent, fc);
  f.t = stats.last_time_ms == kNoTime
            ? 1.0
            : TemporalRelevance(watermark_ms_ - stats.last_time_ms, fc.idle_half_life_ms);
  f.gamma = StageOneGate(f.q, config_.combine);
  return f;
}

double Pipeline::ContributorWeight(Scheme scheme, uint32_t slot) const {
  return combiner_.ContributorWeight(scheme, FactorsOf(slot));
}

ContributorReport Pipeline::Report(uint32_t slot) const {
  const ContributorStats& stats = table_.stats(slot);
  const Factors f = FactorsOf(stats);
  ContributorReport report;
  if (config_.gate.mode == GateConfig::Mode::kBlend) {
    std::span<const double> blend = gate_.blend_weights();
    for (size_t k = 0; k < blend.size(); ++k) {
      report.weight += blend[k] * combiner_.ContributorWeight(gate_.candidates()[k], f);
    }
  } else {
    report.weight = combiner_.ContributorWeight(gate_.served(), f);
  }
  report.q = f.q;
  report.v = f.v;
  report.r = f.r;
  report.t = f.t;
  report.gate = f.gamma;
  report.consistency = f.cosine;
  report.samples = stats.samples;
  report.attribution = stats.attribution;
  return report;
}

double Pipeline::EffectiveWeight(const ContributorStats& stats) const {
  if (stats.as_of_ms == kNoTime) return 0.0;
  return stats.gradient_weight *
         DecayFactor(watermark_ms_ - stats.as_of_ms, config_.factors.gradient_half_life_ms);
}

void Pipeline::MarkTouched(uint32_t slot) {
  if (slot >= touched_epoch_.size()) touched_epoch_.resize(slot + 1, 0);
  if (touched_epoch_[slot] == epoch_) return;
  touched_epoch_[slot] = epoch_;
  touched_.push_back(slot);
}

void Pipeline::Refresh() {
  RebuildActiveSet();
  RecomputeReference();

  std::vector<Factors> factors;
  factors.reserve(active_.size());
  for (uint32_t slot : active_) factors.push_back(FactorsOf(slot));
  combiner_.Renormalize(factors);

  // Stage 2 units: active contributors with enough held-out samples.
  const size_t k = learners_.size();
  std::vector<double> unit_means;
  size_t units = 0;
  for (uint32_t slot : active_) {
    const ContributorStats& stats = table_.stats(slot);
    if (stats.heldout_weight < config_.gate.min_unit_samples || stats.heldout_weight <= 0) {
      continue;
    }
    for (size_t i = 0; i < k; ++i) {
      size_t scheme = static_cast<size_t>(gate_.candidates()[i]);
      unit_means.push_back(stats.heldout_loss[scheme] / stats.heldout_weight);
    }
    ++units;
  }
  gate_.Refresh(unit_means, units);

  since_refresh_ = 0;
  ++epoch_;
  touched_.clear();
}

void Pipeline::RebuildActiveSet() {
  std::vector<uint32_t> members;
  auto add = [&](uint32_t slot) {
    if (!table_.resident(slot)) return;
    if (slot >= touched_epoch_.size()) touched_epoch_.resize(slot + 1, 0);
    // Mark with an epoch no MarkTouched() uses, to skip duplicates.
    if (touched_epoch_[slot] == ~epoch_) return;
    touched_epoch_[slot] = ~epoch_;
    if (EffectiveWeight(table_.stats(slot)) >= config_.reference.min_active_weight) {
      members.push_back(slot);
    }
  };
  for (uint32_t slot : active_) add(slot);
  for (uint32_t slot : touched_) add(slot);
  for (const std::string& id : restored_members_) {
    if (auto slot = table_.Find(id)) add(*slot);
  }
  restored_members_.clear();

  // A canonical order (most evidence first, then id) keeps the aggregate's
  // floating-point sums identical across restarts, whatever the slots are.
  std::vector<std::pair<double, uint32_t>> ranked;
  for (uint32_t slot : members) ranked.emplace_back(EffectiveWeight(table_.stats(slot)), slot);
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return table_.id(a.second) < table_.id(b.second);
  });
  ranked.resize(std::min(ranked.size(), static_cast<size_t>(config_.reference.max_contributors)));
  active_.clear();
  for (const auto& [weight, slot] : ranked) active_.push_back(slot);
}

void Pipeline::RecomputeReference() {
  // g_ref: per coordinate, the count-weighted trimmed mean of the active
  // contributors' mean gradients G_c. Counts are capped, so neither one
  // large contributor nor a block of small ones owns the direction.
  std::vector<double> weights;
  weights.reserve(active_.size());
  for (uint32_t slot : active_) {
    weights.push_back(
        std::min(EffectiveWeight(table_.stats(slot)), config_.reference.max_count_weight));
  }
  std::vector<std::pair<double, double>> column;
  column.reserve(active_.size());
  double norm = 0;
  for (size_t i = 0; i < reference_.size(); ++i) {
    column.clear();
    for (size_t m = 0; m < active_.size(); ++m) {
      column.emplace_back(table_.stats(active_[m]).MeanGradient(i), weights[m]);
    }
    reference_[i] = WeightedTrimmedMean(column, config_.reference.trim_fraction);
    norm += reference_[i] * reference_[i];
  }
  reference_valid_ = norm > 0 && std::isfinite(norm);
  reference_norm_ = reference_valid_ ? std::sqrt(norm) : 0.0;
}

double Pipeline::ReferenceCosine(std::span<const double> v) const {
  if (!reference_valid_) return 0.0;
  // ||g_ref|| is fixed between refreshes, so each cosine against it needs
  // only the dot product and v's own norm.
  double dot = 0, squares = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    dot += v[i] * reference_[i];
    squares += v[i] * v[i];
  }
  const double denominator = std::sqrt(squares) * reference_norm_;
  if (!(denominator > 0) || !std::isfinite(denominator) || !std::isfinite(dot)) {
    return Cosine(v, reference_);  // Zero, huge or tiny vectors: the careful path.
  }
  return std::clamp(dot / denominator, -1.0, 1.0);
}

void Pipeline::Predict(std::span<const double> x, std::span<double> out) const {
  if (config_.gate.mode == GateConfig::Mode::kSelect) {
    learners_[gate_.served_index()]->Predict(x, out);
    return;
  }
  const size_t outputs = static_cast<size_t>(OutputCount());
  std::vector<double> candidate(outputs);
  std::fill_n(out.begin(), outputs, 0.0);
  std::span<const double> blend = gate_.blend_weights();
  for (size_t k = 0; k < learners_.size(); ++k) {
    learners_[k]->Predict(x, candidate);
    for (size_t j = 0; j < outputs; ++j) out[j] += blend[k] * candidate[j];
  }
}

void Pipeline::PredictWith(Scheme scheme, std::span<const double> x, std::span<double> out) const {
  learners_[static_cast<size_t>(gate_.IndexOf(scheme))]->Predict(x, out);
}

int Pipeline::OutputCount() const { return learners_[0]->OutputCount(); }

std::span<double> Pipeline::PredictionOf(size_t candidate) {
  const size_t outputs = static_cast<size_t>(OutputCount());
  return {predictions_.data() + candidate * outputs, outputs};
}

std::span<const double> Pipeline::PredictionOf(size_t candidate) const {
  const size_t outputs = static_cast<size_t>(OutputCount());
  return {predictions_.data() + candidate * outputs, outputs};
}

GateReport Pipeline::Gate() const {
  GateReport report;
  report.served = gate_.served();
  report.switches = gate_.switches();
  report.candidates = gate_.candidates();
  report.robust_loss = gate_.robust_loss();
  report.mean_loss = gate_.MeanLoss();
  report.blend_weight.assign(gate_.blend_weights().begin(), gate_.blend_weights().end());
  report.served_loss = gate_.served_loss();
  report.scored_samples = gate_.scored_samples();
  report.excess = gate_.excess();
  report.excess_bound = gate_.excess_bound();
  report.units = gate_.units();
  return report;
}

Scheme Pipeline::served() const { return gate_.served(); }
int64_t Pipeline::watermark_ms() const { return watermark_ms_; }
uint64_t Pipeline::trained_samples() const { return trained_; }
uint64_t Pipeline::heldout_samples() const { return heldout_; }
ContributorTable& Pipeline::contributors() { return table_; }
const ContributorTable& Pipeline::contributors() const { return table_; }

void Pipeline::Evict(uint32_t slot) {
  std::erase(active_, slot);
  std::erase(touched_, slot);
  if (slot < touched_epoch_.size()) touched_epoch_[slot] = 0;
  table_.Evict(slot);
}

std::vector<std::string> Pipeline::ReferenceMembers() const {
  if (!restored_members_.empty()) return restored_members_;
  std::vector<std::string> ids;
  for (uint32_t slot : active_) ids.push_back(table_.id(slot));
  return ids;
}

ModelSnapshot Pipeline::Snapshot() {
  if (changed_since_snapshot_) ++version_;
  changed_since_snapshot_ = false;
  ModelSnapshot snapshot;
  snapshot.version = version_;
  for (size_t k = 0; k < learners_.size(); ++k) {
    const Scheme scheme = gate_.candidates()[k];
    auto parameters = learners_[k]->parameters();
    auto accumulators = learners_[k]->accumulators();
    snapshot.reals[LearnerArray(scheme, "parameters")].assign(parameters.begin(), parameters.end());
    snapshot.reals[LearnerArray(scheme, "accumulators")].assign(accumulators.begin(),
                                                                accumulators.end());
  }
  snapshot.reals["reference"] = reference_;
  auto combiner = combiner_.SaveState();
  snapshot.reals["combiner"].assign(combiner.begin(), combiner.end());
  snapshot.reals["validation_gradient"] = validation_gradient_;
  snapshot.reals["validation_gradient"].push_back(validation_weight_);
  snapshot.integers["pipeline"] = {watermark_ms_,
                                   static_cast<int64_t>(trained_),
                                   static_cast<int64_t>(heldout_),
                                   static_cast<int64_t>(since_refresh_),
                                   static_cast<int64_t>(version_),
                                   reference_valid_ ? 1 : 0};
  gate_.Save(snapshot);
  // The next refresh aggregates the reference set and every contributor
  // trained on since the last refresh; a restored pipeline must see both,
  // or it would drop a contributor that has gone quiet since the snapshot.
  std::vector<std::string> members = ReferenceMembers();
  for (uint32_t slot : touched_) {
    if (std::find(members.begin(), members.end(), table_.id(slot)) == members.end()) {
      members.push_back(table_.id(slot));
    }
  }
  snapshot.texts["reference.members"] = std::move(members);
  return snapshot;
}

Status Pipeline::Restore(const ModelSnapshot& snapshot) {
  // Read everything into temporaries first: a failure leaves the pipeline
  // exactly as it was.
  std::vector<std::vector<double>> parameters(learners_.size()), accumulators(learners_.size());
  for (size_t k = 0; k < learners_.size(); ++k) {
    const Scheme scheme = gate_.candidates()[k];
    const size_t size = learners_[k]->ParameterCount();
    ANML_RETURN_IF_ERROR(
        FetchArray(snapshot.reals, LearnerArray(scheme, "parameters"), size, &parameters[k]));
    ANML_RETURN_IF_ERROR(
        FetchArray(snapshot.reals, LearnerArray(scheme, "accumulators"), size, &accumulators[k]));
  }
  std::vector<double> reference, combiner, validation;
  std::vector<int64_t> counters;
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "reference", reference_.size(), &reference));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "combiner", kSchemeCount + 3, &combiner));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.reals, "validation_gradient",
                                  validation_gradient_.size() + 1, &validation));
  ANML_RETURN_IF_ERROR(FetchArray(snapshot.integers, "pipeline", 6, &counters));
  SchemeGate gate = gate_;
  ANML_RETURN_IF_ERROR(gate.Load(snapshot));
  auto members = snapshot.texts.find("reference.members");

  for (size_t k = 0; k < learners_.size(); ++k) {
    std::copy(parameters[k].begin(), parameters[k].end(), learners_[k]->parameters().begin());
    std::copy(accumulators[k].begin(), accumulators[k].end(), learners_[k]->accumulators().begin());
  }
  reference_ = std::move(reference);
  std::array<double, kSchemeCount + 3> combiner_state;
  std::copy(combiner.begin(), combiner.end(), combiner_state.begin());
  combiner_.LoadState(combiner_state);
  validation_weight_ = validation.back();
  validation.pop_back();
  validation_gradient_ = std::move(validation);
  watermark_ms_ = counters[0];
  trained_ = static_cast<uint64_t>(counters[1]);
  heldout_ = static_cast<uint64_t>(counters[2]);
  since_refresh_ = static_cast<uint64_t>(counters[3]);
  version_ = static_cast<uint64_t>(counters[4]);
  reference_valid_ = counters[5] != 0;
  reference_norm_ = 0;
  for (double value : reference_) reference_norm_ += value * value;
  reference_norm_ = std::sqrt(reference_norm_);
  gate_ = std::move(gate);
  active_.clear();
  touched_.clear();
  // A new epoch: marks left by MarkTouched() before the restore must not
  // keep a contributor trained after it out of touched_.
  ++epoch_;
  restored_members_ =
      members == snapshot.texts.end() ? std::vector<std::string>() : members->second;
  changed_since_snapshot_ = false;
  return Status::Ok();
}

}  // namespace anml::engine
