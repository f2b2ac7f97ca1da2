// Trimmed means, the robust aggregates g_ref and the Stage 2 gate rest on.
#ifndef ANML_ENGINE_ROBUST_MEAN_H_
#define ANML_ENGINE_ROBUST_MEAN_H_

#include <span>
#include <utility>
#include <vector>

namespace anml::engine {

// The weighted trimmed mean of `values` (value, weight >= 0): sorted by
// value, `trim` of the total weight is removed from each end (splitting an
// item's weight at the boundary), and the remaining weight-average is
// returned. trim in [0, 0.5). 0 for empty or zero-weight input. Reorders
// `values`.
double WeightedTrimmedMean(std::vector<std::pair<double, double>>& values, double trim);

// The trimmed mean of unweighted `values` and the standard error of the
// kept values (their sample standard deviation over sqrt(count)): the
// floor(trim * n) smallest and largest values are dropped. se is +infinity
// with fewer than two kept values. Reorders `values`.
struct TrimmedEstimate {
  double mean = 0.0;
  double standard_error = 0.0;
  size_t kept = 0;
};
TrimmedEstimate TrimmedMean(std::vector<double>& values, double trim);

}  // namespace anml::engine

#endif  // ANML_ENGINE_ROBUST_MEAN_H_
