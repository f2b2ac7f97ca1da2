#include "bench/contributor_simulation.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <random>

#include "engine/sample.h"

namespace anml::bench {
namespace {

// Contributor sizes are proportional to exp(kSizeSpread * N(0, 1)), on top
// of kMinRowsPerContributor each: a few large contributors, many small.
constexpr double kSizeSpread = 0.75;

// Metadata that correlates with honesty, imperfectly: the chance of each
// verification level and the mean external reputation, honest vs corrupt.
constexpr double kHonestVerified = 0.6;
constexpr double kHonestPending = 0.25;
constexpr double kCorruptVerified = 0.25;
constexpr double kCorruptPending = 0.25;
constexpr double kHonestReputation = 0.75;
constexpr double kCorruptReputation = 0.45;
constexpr double kReputationSd = 0.15;
// What a credential-faking contributor claims.
constexpr double kFakedReputation = 0.95;

// Activity windows: start in the first half of the day, last at least
// kMinWindow of it.
constexpr double kMaxWindowStart = 0.5;
constexpr double kMinWindow = 0.3;

// Portable draws from mt19937_64 (whose output the standard fixes), so a
// seed gives the same stream with any standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }
  double Normal() {
    // Box-Muller; 1 - U is in (0, 1], so the log is finite.
    double u = 1.0 - Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * Uniform());
  }
  size_t Index(size_t n) { return std::min(n - 1, static_cast<size_t>(Uniform() * n)); }
  template <typename T>
  void Shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[Index(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

Status CheckConfig(const Dataset& train, const SimulationConfig& c) {
  if (c.contributors < 1 || c.passes < 1 || c.sybils < 0) {
    return InvalidArgument("simulation: contributors " + std::to_string(c.contributors) +
                           ", passes " + std::to_string(c.passes) + ", sybils " +
                           std::to_string(c.sybils) + " must be >= 1, >= 1, >= 0");
  }
  if (!(c.corrupt_fraction >= 0 && c.corrupt_fraction <= 1 && c.rate >= 0 && c.rate <= 1 &&
        c.sybil_volume >= 0)) {
    return InvalidArgument("simulation: corrupt_fraction and rate must be in [0, 1], got " +
                           std::to_string(c.corrupt_fraction) + " and " + std::to_string(c.rate));
  }
  if (train.rows() < kMinRowsPerContributor * static_cast<size_t>(c.contributors)) {
    return InvalidArgument("simulation: " + std::to_string(train.rows()) + " training rows for " +
                           std::to_string(c.contributors) + " contributors, expected at least " +
                           std::to_string(kMinRowsPerContributor) + " each");
  }
  if (c.corruption == Corruption::kTargetShift && train.task != engine::Task::kRegression) {
    return InvalidArgument("simulation: target shift needs a regression task, '" + train.name +
                           "' is " + std::string(engine::TaskName(train.task)));
  }
  return Status::Ok();
}

// Uneven sizes summing to `rows`, each at least kMinRowsPerContributor.
std::vector<size_t> ContributorSizes(size_t rows, int count, Rng& rng) {
  std::vector<double> share(static_cast<size_t>(count));
  for (double& s : share) s = std::exp(kSizeSpread * rng.Normal());
  const double total = std::accumulate(share.begin(), share.end(), 0.0);
  const size_t spare = rows - kMinRowsPerContributor * share.size();
  std::vector<size_t> sizes;
  size_t used = 0;
  for (double s : share) {
    sizes.push_back(kMinRowsPerContributor +
                    static_cast<size_t>(std::floor(s / total * static_cast<double>(spare))));
    used += sizes.back();
  }
  for (size_t i = 0; used < rows; ++used, i = (i + 1) % sizes.size()) ++sizes[i];
  return sizes;
}

void AssignMetadata(SimContributor& c, bool faked, Rng& rng) {
  const double u = rng.Uniform();
  const double verified = c.corrupt ? kCorruptVerified : kHonestVerified;
  const double pending = c.corrupt ? kCorruptPending : kHonestPending;
  c.verification = u < verified             ? engine::Verification::kVerified
                   : u < verified + pending ? engine::Verification::kPending
                                            : engine::Verification::kUnverified;
  const double mean = c.corrupt ? kCorruptReputation : kHonestReputation;
  c.reputation = std::clamp(mean + kReputationSd * rng.Normal(), 0.0, 1.0);
  if (faked && c.corrupt) {
    c.verification = engine::Verification::kVerified;
    c.reputation = kFakedReputation;
  }
}

void AssignWindow(SimContributor& c, Rng& rng) {
  c.window_start = kMaxWindowStart * rng.Uniform();
  c.window_length = kMinWindow + (1.0 - c.window_start - kMinWindow) * rng.Uniform();
}

bool Aligned(Attack attack) {
  return attack == Attack::kGradientAlignment || attack == Attack::kJoint;
}

// Corrupts one row of a corrupt contributor in place.
void CorruptRow(const Dataset& train, const SimulationConfig& c, PoolRow& row, std::span<double> x,
                Rng& rng) {
  const Corruption kind = c.corruption == Corruption::kFeatureNoise && Aligned(c.attack)
                              ? Corruption::kLabelFlip  // Alignment poisons labels.
                              : c.corruption;
  row.poison_label = PoisonLabel(train, kind, c.rate, row.clean_label, rng.Uniform());
  if (Aligned(c.attack)) {
    row.alignment_candidate = true;
    return;
  }
  if (kind == Corruption::kTargetShift) {
    row.label = row.poison_label;
    row.corrupted = true;
    return;
  }
  if (rng.Uniform() >= c.rate) return;
  row.corrupted = true;
  if (kind == Corruption::kLabelFlip) {
    row.label = row.poison_label;
    return;
  }
  for (double& value : x) value += kFeatureNoiseSd * rng.Normal();
}

void AddRow(SimulatedStream& out, const Dataset& train, size_t source, uint32_t contributor,
            uint64_t seed) {
  PoolRow row;
  row.contributor = contributor;
  row.label = row.clean_label = row.poison_label = train.labels[source];
  row.key = engine::MixHash(seed ^ engine::MixHash(out.rows.size()));
  out.rows.push_back(row);
  auto x = train.row(source);
  out.features.insert(out.features.end(), x.begin(), x.end());
  ++out.contributors[contributor].rows;
}

void AddHonestAndCorrupt(const Dataset& train, const SimulationConfig& c, Rng& rng,
                         SimulatedStream& out) {
  std::vector<size_t> order(train.rows());
  std::iota(order.begin(), order.end(), size_t{0});
  rng.Shuffle(order);
  std::vector<size_t> sizes = ContributorSizes(train.rows(), c.contributors, rng);

  std::vector<size_t> ids(static_cast<size_t>(c.contributors));
  std::iota(ids.begin(), ids.end(), size_t{0});
  rng.Shuffle(ids);
  const auto corrupt = static_cast<size_t>(std::llround(c.corrupt_fraction * c.contributors));
  for (size_t i = 0; i < ids.size(); ++i) {
    SimContributor contributor;
    contributor.id = "contributor-" + std::to_string(i);
    contributor.corrupt = std::find(ids.begin(), ids.begin() + corrupt, i) != ids.begin() + corrupt;
    AssignMetadata(contributor, c.attack == Attack::kCredentialFaking || c.attack == Attack::kJoint,
                   rng);
    AssignWindow(contributor, rng);
    out.contributors.push_back(contributor);
  }

  size_t next = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    for (size_t k = 0; k < sizes[i]; ++k) {
      AddRow(out, train, order[next++], static_cast<uint32_t>(i), c.seed);
      if (!out.contributors[i].corrupt) continue;
      std::span<double> x(out.features.data() + (out.rows.size() - 1) * train.dimension,
                          static_cast<size_t>(train.dimension));
      CorruptRow(train, c, out.rows.back(), x, rng);
    }
  }
}

void AddSybils(const Dataset& train, const SimulationConfig& c, Rng& rng, SimulatedStream& out) {
  const Corruption kind =
      train.task == engine::Task::kRegression ? Corruption::kTargetShift : Corruption::kLabelFlip;
  const double volume = c.sybil_volume * static_cast<double>(train.rows());
  const size_t each =
      std::max<size_t>(1, static_cast<size_t>(std::llround(volume / std::max(1, c.sybils))));
  for (int s = 0; s < c.sybils; ++s) {
    SimContributor sybil;
    sybil.id = "sybil-" + std::to_string(s);
    sybil.corrupt = sybil.sybil = true;
    sybil.has_metadata = false;
    AssignWindow(sybil, rng);
    out.contributors.push_back(sybil);
    const auto slot = static_cast<uint32_t>(out.contributors.size() - 1);
    for (size_t k = 0; k < each; ++k) {
      AddRow(out, train, rng.Index(train.rows()), slot, c.seed);
      PoolRow& row = out.rows.back();
      // Sybils poison blatantly, at full rate: their defence is numbers.
      row.label = row.poison_label = PoisonLabel(train, kind, 1.0, row.clean_label, rng.Uniform());
      row.corrupted = true;
    }
  }
}

// Every row once per pass at a time inside its contributor's window;
// Sybils only in the second half of the passes.
void LayOutEvents(const SimulationConfig& c, Rng& rng, SimulatedStream& out) {
  const int sybil_first_pass = c.passes / 2;
  for (int pass = 0; pass < c.passes; ++pass) {
    for (size_t r = 0; r < out.rows.size(); ++r) {
      const SimContributor& who = out.contributors[out.rows[r].contributor];
      if (who.sybil && pass < sybil_first_pass) continue;
      double offset = who.window_start + who.window_length * rng.Uniform();
      int64_t time = kStreamStartMs + pass * kPassSpanMs +
                     static_cast<int64_t>(offset * static_cast<double>(kPassSpanMs));
      out.events.push_back({static_cast<uint32_t>(r), time});
    }
  }
  std::stable_sort(
      out.events.begin(), out.events.end(),
      [](const StreamEvent& a, const StreamEvent& b) { return a.time_ms < b.time_ms; });
}

}  // namespace

std::vector<Attack> AllAttacks() {
  return {Attack::kNone, Attack::kCredentialFaking, Attack::kGradientAlignment, Attack::kJoint,
          Attack::kSybil};
}

std::string_view CorruptionName(Corruption corruption) {
  switch (corruption) {
    case Corruption::kLabelFlip:
      return "label_flip";
    case Corruption::kFeatureNoise:
      return "feature_noise";
    case Corruption::kTargetShift:
      return "target_shift";
  }
  return "unknown";
}

std::string_view AttackName(Attack attack) {
  switch (attack) {
    case Attack::kNone:
      return "none";
    case Attack::kCredentialFaking:
      return "credential_faking";
    case Attack::kGradientAlignment:
      return "gradient_alignment";
    case Attack::kJoint:
      return "joint";
    case Attack::kSybil:
      return "sybil";
  }
  return "unknown";
}

double PoisonLabel(const Dataset& data, Corruption corruption, double rate, double label,
                   double draw) {
  switch (data.task) {
    case engine::Task::kBinary:
      return 1.0 - label;
    case engine::Task::kMulticlass: {
      // Another class, uniformly: label + 1 + floor(draw * (k - 1)) mod k.
      const int k = data.classes;
      int shift = 1 + std::min(k - 2, static_cast<int>(draw * (k - 1)));
      return static_cast<double>((static_cast<int>(label) + shift) % k);
    }
    case engine::Task::kRegression:
      return corruption == Corruption::kTargetShift ? label + rate * kTargetShiftPerRate : -label;
  }
  return label;
}

StatusOr<SimulatedStream> Simulate(const Dataset& train, const SimulationConfig& config) {
  ANML_RETURN_IF_ERROR(CheckConfig(train, config));
  Rng rng(engine::MixHash(config.seed));
  SimulatedStream out;
  out.dimension = train.dimension;
  AddHonestAndCorrupt(train, config, rng, out);
  if (config.attack == Attack::kSybil) AddSybils(train, config, rng, out);
  LayOutEvents(config, rng, out);
  return out;
}

}  // namespace anml::bench
