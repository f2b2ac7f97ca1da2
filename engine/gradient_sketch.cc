#include "engine/gradient_sketch.h"

#include <algorithm>
#include <cmath>

#include "engine/sample.h"

namespace anml::engine {

GradientSketch::GradientSketch(size_t input_dimension, size_t max_dimension, uint64_t seed)
    : input_dimension_(input_dimension),
      dimension_(std::min(input_dimension, max_dimension)) {
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

double Cosine(std::span<const double> a, std::span<const double> b) {
  double dot = 0, norm_a = 0, norm_b = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += a[i] * b[i];
    norm_a += a[i] * a[i];
    norm_b += b[i] * b[i];
  }
  double denominator = std::sqrt(norm_a * norm_b);
  if (!(denominator > 0) || !std::isfinite(denominator) || !std::isfinite(dot)) return 0.0;
  // Rounding can put the ratio a hair outside [-1, 1].
  return std::clamp(dot / denominator, -1.0, 1.0);
}

}  // namespace anml::engine
