#include "engine/decay.h"

#include <cmath>

namespace anml::engine {

double DecayFactor(int64_t elapsed_ms, int64_t half_life_ms) {
  if (elapsed_ms <= 0 || half_life_ms <= 0) return 1.0;
  double factor = std::exp2(-static_cast<double>(elapsed_ms) / static_cast<double>(half_life_ms));
  // exp2 underflows to 0 for very old values; keep the documented (0, 1].
  return factor > 0.0 ? factor : 0x1p-1022;
}

void DecayedValue::AdvanceTo(int64_t now_ms, int64_t half_life_ms) {
  if (now_ms <= as_of_ms) return;
  value *= DecayFactor(now_ms - as_of_ms, half_life_ms);
  as_of_ms = now_ms;
}

void DecayedValue::Add(double amount, int64_t now_ms, int64_t half_life_ms) {
  AdvanceTo(now_ms, half_life_ms);
  value += amount;
}

}  // namespace anml::engine
