#include "simulation/zipf_ranks.h"

#include <algorithm>
#include <cmath>

namespace anml::simulation {
namespace {

// Below this |t| the ratios below are replaced by their first two Taylor
// terms: dividing expm1(t) or log1p(t) by a tiny t would lose the digits
// that make s close to 1 (and s = 1 exactly) work.
constexpr double kSeriesBelow = 1e-8;

// expm1(t) / t, which tends to 1 as t -> 0.
double ExpM1OverT(double t) {
  return std::abs(t) > kSeriesBelow ? std::expm1(t) / t : 1.0 + 0.5 * t;
}

// log1p(t) / t, which tends to 1 as t -> 0.
double Log1POverT(double t) {
  return std::abs(t) > kSeriesBelow ? std::log1p(t) / t : 1.0 - 0.5 * t;
}

}  // namespace

ZipfRanks::ZipfRanks(uint64_t n, double s) : n_(n), s_(s) {
  integral_first_ = Integral(1.5) - 1.0;
  integral_last_ = Integral(static_cast<double>(n) + 0.5);
  squeeze_ = 2.0 - InverseIntegral(Integral(2.5) - std::pow(2.0, -s));
}

// H(x) = (x^(1-s) - 1) / (1 - s), or log(x) at s = 1; written as
// log(x) * expm1(t) / t with t = (1 - s) log(x), which holds for both.
double ZipfRanks::Integral(double x) const {
  const double log_x = std::log(x);
  return log_x * ExpM1OverT((1.0 - s_) * log_x);
}

// Solves H(x) = y: x = (1 + (1 - s) y)^(1 / (1 - s)), or exp(y) at s = 1.
double ZipfRanks::InverseIntegral(double y) const {
  return std::exp(y * Log1POverT((1.0 - s_) * y));
}

// A uniform draw u between the ends maps to x = H^-1(u) with density
// proportional to x^-s; rounding x gives rank k + 1. The draw is kept when
// it falls under the bar of rank k + 1 (the squeeze accepts most draws
// without computing it), so every rank is drawn exactly in proportion.
uint64_t ZipfRanks::operator()(std::mt19937_64& rng) const {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double last = static_cast<double>(n_);
  while (true) {
    const double u = integral_last_ + unit(rng) * (integral_first_ - integral_last_);
    const double x = InverseIntegral(u);
    const double k = std::clamp(std::floor(x + 0.5), 1.0, last);
    if (k - x <= squeeze_ || u >= Integral(k + 0.5) - std::pow(k, -s_)) {
      return static_cast<uint64_t>(k) - 1;
    }
  }
}

}  // namespace anml::simulation
