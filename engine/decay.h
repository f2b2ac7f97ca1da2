// Exponential decay in event time.
//
// Every running statistic in anml decays with a half-life measured in the
// stream's event time, never wall time, so replaying a stream reproduces the
// same state. Decay is multiplicative, so applying an interval in one step
// or in many gives the same value (up to rounding).
#ifndef ANML_ENGINE_DECAY_H_
#define ANML_ENGINE_DECAY_H_

#include <cstdint>

namespace anml::engine {

// The factor 2^(-elapsed / half_life) by which a quantity decays over
// `elapsed_ms`. Returns 1 for elapsed <= 0 (time never runs backwards for a
// statistic) and for half_life_ms <= 0 (decay disabled). In (0, 1].
double DecayFactor(int64_t elapsed_ms, int64_t half_life_ms);

// A value that decays with a fixed half-life, stamped with the event time it
// is current as of.
struct DecayedValue {
  double value = 0.0;
  int64_t as_of_ms = 0;

  // Decays the value to `now_ms`; a `now_ms` before as_of_ms is ignored.
  void AdvanceTo(int64_t now_ms, int64_t half_life_ms);

  // Advances to `now_ms`, then adds `amount`.
  void Add(double amount, int64_t now_ms, int64_t half_life_ms);
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_DECAY_H_
