#include "engine/gradient_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/sample.h"

namespace anml::engine {

GradientSketch::GradientSketch(size_t input_dimension, size_t max_dimension, uint64_t seed)
    : input_dimension_(input_dimension), dimension_(std::min(input_dimension, max_dimension)) {
  if (dimension_ == input_dimension_) return;
  bucket_.resize(input_dimension_);
  sign_.resize(input_dimension_);
  for (size_t i = 0; i < input_dimension_; ++i) {
    uint64_t hash = MixHash(MixHash(seed) ^ i);
    bucket_[i] = static_cast<uint32_t>((hash >> 1) % dimension_);
    sign_[i] = (hash & 1) ? 1.0 : -1.0;
  }
}

void GradientSketch::Project(std::span<const double> gradient, std::span<double> out) const {
  if (bucket_.empty()) {
    std::copy_n(gradient.begin(), dimension_, out.begin());
    return;
  }
  std::fill_n(out.begin(), dimension_, 0.0);
  for (size_t i = 0; i < input_dimension_; ++i) out[bucket_[i]] += sign_[i] * gradient[i];
}

namespace {

// The plain cosine; NaN when a squared norm or the dot product overflows to
// infinity or a squared norm underflows to zero.
double UnscaledCosine(std::span<const double> a, std::span<const double> b, double scale_a,
                      double scale_b) {
  double dot = 0, norm_a = 0, norm_b = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i] / scale_a, y = b[i] / scale_b;
    dot += x * y;
    norm_a += x * x;
    norm_b += y * y;
  }
  double denominator = std::sqrt(norm_a * norm_b);
  if (!(denominator > 0) || !std::isfinite(denominator) || !std::isfinite(dot))
    return std::numeric_limits<double>::quiet_NaN();
  return dot / denominator;
}

double MaxAbs(std::span<const double> v) {
  double largest = 0;
  for (double value : v) largest = std::max(largest, std::abs(value));
  return largest;
}

}  // namespace

double Cosine(std::span<const double> a, std::span<const double> b) {
  double cosine = UnscaledCosine(a, b, 1.0, 1.0);
  if (std::isnan(cosine)) {
    // Finite vectors whose squares overflow (or underflow) still have a
    // cosine: dividing each by its largest magnitude, which a cosine does
    // not see, brings the squares back into range. A zero or non-finite
    // vector stays NaN here and gives 0 below.
    const double scale_a = MaxAbs(a), scale_b = MaxAbs(b);
    if (scale_a > 0 && scale_b > 0 && std::isfinite(scale_a) && std::isfinite(scale_b)) {
      cosine = UnscaledCosine(a, b, scale_a, scale_b);
    }
  }
  if (std::isnan(cosine)) return 0.0;
  // Rounding can put the ratio a hair outside [-1, 1].
  return std::clamp(cosine, -1.0, 1.0);
}

}  // namespace anml::engine
