// ContributorStats: everything the engine keeps about one contributor.
//
// A plain record: the state store persists it field by field and the engine
// updates it in place. Decayed fields are all current as of `as_of_ms`
// (event time); each has its own half-life in FactorConfig or GateConfig.
// Advancing the record to a later time multiplies each decayed field by its
// factor; since decay is multiplicative, the order and grouping of advances
// does not change the result.
#ifndef ANML_ENGINE_CONTRIBUTOR_STATS_H_
#define ANML_ENGINE_CONTRIBUTOR_STATS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/config.h"
#include "engine/scheme.h"
#include "engine/verification.h"

namespace anml::engine {

// The event time of a contributor that has sent no sample yet.
inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

struct ContributorStats {
  // Provenance, from the contributors topic.
  Verification verification = Verification::kUnverified;
  double reputation = 0.5;     // External score in [0, 1].
  bool has_metadata = false;   // False: verification and reputation are defaults.

  // The event time every decayed field below is current as of.
  int64_t as_of_ms = kNoTime;

  // q: the decayed sum of T_i * g_i over training samples (g_i is the
  // uniform observer's gradient, sketched to FactorConfig::sketch_dimension
  // coordinates when larger), and the decayed sum of T_i. Their ratio is the
  // time-decayed mean gradient G_c.
  std::vector<double> gradient_sum;
  double gradient_weight = 0.0;

  // r: decayed counts of consistent (s_i > threshold) and inconsistent
  // samples, the long-horizon evidence of the Beta posterior.
  double consistent = 0.0;
  double inconsistent = 0.0;

  // Stage 2: decayed sum of each scheme's held-out loss on this
  // contributor's held-out samples (indexed by Scheme), and their count.
  std::array<double, kSchemeCount> heldout_loss{};
  double heldout_weight = 0.0;

  int64_t first_time_ms = kNoTime;  // Event time of the first sample.
  int64_t last_time_ms = kNoTime;   // Newest event time seen (for T_c).
  uint64_t samples = 0;             // Training samples applied.
  uint64_t heldout_samples = 0;     // Samples held out for scoring.

  // The running first-order estimate of how much this contributor's samples
  // lowered held-out loss: sum of eta * w_i * <g_i, g_val>.
  double attribution = 0.0;

  // Decays every decayed field to `now_ms`; earlier times are ignored.
  void AdvanceTo(int64_t now_ms, const FactorConfig& factors, const GateConfig& gate);

  // The time-decayed mean gradient G_c's coordinate i (0 without evidence).
  double MeanGradient(size_t i) const;

  // Approximate heap plus inline bytes of this record, for the cache cap.
  size_t ApproximateBytes() const;

  friend bool operator==(const ContributorStats&, const ContributorStats&) = default;
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_CONTRIBUTOR_STATS_H_
