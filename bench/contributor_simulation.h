// A seeded simulation of contributors for the paper benchmark.
//
// Operation. Simulate() divides a training split among contributors of
// uneven size, marks a share of them corrupt and corrupts their rows
// (label flips, feature noise, or a biased target shift for regression),
// assigns each contributor verification and reputation that correlate with
// its honesty but imperfectly, applies an attack when asked, and lays the
// rows out as a stream: `passes` replays, each pass one simulated day, with
// every contributor active in its own window of the day, so temporal
// relevance T differs between contributors. Events are in event-time
// order; the same row keeps the same key in every pass, so the engine's
// hashed held-out split is the same in each.
//
// Attacks (DESIGN.md section 2):
//   credential faking   corrupt contributors claim "verified" and a high
//                       reputation;
//   gradient alignment  every row of a corrupt contributor is a poison
//                       candidate; the replay sends its poisoned label only
//                       when that sample's gradient on the engine's uniform
//                       observer points with the attacker's estimate of
//                       g_ref (see AlignmentAttacker), the clean label
//                       otherwise;
//   joint               both at once;
//   Sybil flood         many new identities with no metadata join halfway
//                       through the stream, each sending a few copies of
//                       training rows with poisoned labels.
//
// Thread safety: values and free functions.
// Limitations: rows are assigned to contributors at random, so every
// contributor sees the same distribution of x; real contributors differ in
// x as well, which makes honest gradients less alike.
#ifndef ANML_BENCH_CONTRIBUTOR_SIMULATION_H_
#define ANML_BENCH_CONTRIBUTOR_SIMULATION_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/dataset.h"
#include "engine/status.h"
#include "engine/verification.h"

namespace anml::bench {

enum class Corruption : uint8_t {
  kLabelFlip,     // A `rate` share of the rows get a wrong label (regression:
                  // the target mirrored about the training mean).
  kFeatureNoise,  // A `rate` share of the rows get Gaussian noise of
                  // kFeatureNoiseSd standard deviations on every feature.
  kTargetShift,   // Regression: every target shifted up by
                  // rate * kTargetShiftPerRate standard deviations.
};

enum class Attack : uint8_t {
  kNone,
  kCredentialFaking,
  kGradientAlignment,
  kJoint,  // Credential faking plus gradient alignment.
  kSybil,
};

// Every Attack, kNone first.
std::vector<Attack> AllAttacks();

std::string_view CorruptionName(Corruption corruption);
std::string_view AttackName(Attack attack);

// Noise of feature-noise corruption, in (standardized) feature units.
inline constexpr double kFeatureNoiseSd = 2.0;
// Target shift per unit of rate, in target standard deviations: rate 0.5
// shifts by 2 sd (blatant), rate 0.05 by 0.2 sd (subtle).
inline constexpr double kTargetShiftPerRate = 4.0;
// One simulated pass over the data spans one day of event time.
inline constexpr int64_t kPassSpanMs = 24 * 3'600'000LL;
// Event time of the first pass's start (2025-01-01T00:00:00Z).
inline constexpr int64_t kStreamStartMs = 1'735'689'600'000LL;

struct SimulationConfig {
  int contributors = 20;
  double corrupt_fraction = 0.3;
  Corruption corruption = Corruption::kLabelFlip;
  double rate = 0.3;
  Attack attack = Attack::kNone;
  int passes = 5;
  uint64_t seed = 1;
  // Sybil flood: this many identities sending, together, this share of
  // the training rows again, with poisoned labels.
  int sybils = 20;
  double sybil_volume = 0.3;
};

struct SimContributor {
  std::string id;
  bool corrupt = false;
  bool sybil = false;
  bool has_metadata = true;  // Sybils arrive with none (cold start).
  engine::Verification verification = engine::Verification::kUnverified;
  double reputation = 0.5;
  // The contributor's active window within each pass, as fractions of it.
  double window_start = 0.0;
  double window_length = 1.0;
  size_t rows = 0;
};

// One row of the replayed pool.
struct PoolRow {
  uint32_t contributor = 0;
  double label = 0.0;         // The label the stream sends.
  double clean_label = 0.0;   // The dataset's label.
  double poison_label = 0.0;  // Gradient alignment: the label it may send.
  bool corrupted = false;     // label != clean or features noised.
  bool alignment_candidate = false;
  uint64_t key = 0;           // The engine's held-out split key.
};

struct StreamEvent {
  uint32_t row = 0;
  int64_t time_ms = 0;
};

struct SimulatedStream {
  int dimension = 0;
  std::vector<SimContributor> contributors;
  std::vector<double> features;  // rows.size() x dimension.
  std::vector<PoolRow> rows;
  std::vector<StreamEvent> events;  // Event-time order, all passes.

  std::span<const double> Features(size_t row) const {
    return {features.data() + row * static_cast<size_t>(dimension),
            static_cast<size_t>(dimension)};
  }
};

// The label a corruption of kind `corruption` at full strength gives
// `label` (classification: another class drawn by `draw` in [0, 1);
// regression: mirrored, or shifted by rate * kTargetShiftPerRate).
double PoisonLabel(const Dataset& data, Corruption corruption, double rate, double label,
                   double draw);

// Builds the stream. InvalidArgument when the training split has fewer
// than kMinRowsPerContributor rows per contributor, target shift is asked
// for a classification task, or a count or fraction is out of range.
inline constexpr size_t kMinRowsPerContributor = 2;
StatusOr<SimulatedStream> Simulate(const Dataset& train, const SimulationConfig& config);

}  // namespace anml::bench

#endif  // ANML_BENCH_CONTRIBUTOR_SIMULATION_H_
