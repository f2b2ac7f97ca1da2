#include "engine/robust_mean.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace anml::engine {

double WeightedTrimmedMean(std::vector<std::pair<double, double>>& values, double trim) {
  double total = 0;
  for (const auto& [value, weight] : values) total += weight;
  if (!(total > 0)) return 0.0;
  std::sort(values.begin(), values.end());

  const double low = trim * total;   // Weight cut below this position...
  const double high = total - low;   // ...and above this one.
  double position = 0, kept_weight = 0, kept_sum = 0;
  for (const auto& [value, weight] : values) {
    double start = std::max(position, low);
    double end = std::min(position + weight, high);
    if (end > start) {
      kept_weight += end - start;
      kept_sum += (end - start) * value;
    }
    position += weight;
  }
  return kept_weight > 0 ? kept_sum / kept_weight : 0.0;
}

TrimmedEstimate TrimmedMean(std::vector<double>& values, double trim) {
  TrimmedEstimate estimate;
  const size_t n = values.size();
  const size_t cut = static_cast<size_t>(std::floor(trim * static_cast<double>(n)));
  if (n == 0 || 2 * cut >= n) {
    estimate.standard_error = std::numeric_limits<double>::infinity();
    return estimate;
  }
  std::sort(values.begin(), values.end());
  estimate.kept = n - 2 * cut;
  double sum = 0;
  for (size_t i = cut; i < n - cut; ++i) sum += values[i];
  estimate.mean = sum / static_cast<double>(estimate.kept);
  if (estimate.kept < 2) {
    estimate.standard_error = std::numeric_limits<double>::infinity();
    return estimate;
  }
  double squares = 0;
  for (size_t i = cut; i < n - cut; ++i) {
    squares += (values[i] - estimate.mean) * (values[i] - estimate.mean);
  }
  double kept = static_cast<double>(estimate.kept);
  estimate.standard_error = std::sqrt(squares / (kept - 1) / kept);
  return estimate;
}

}  // namespace anml::engine
