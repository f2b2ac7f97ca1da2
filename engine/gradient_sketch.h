// GradientSketch: a fixed random projection of gradients to at most m
// coordinates.
//
// When a gradient has at most m coordinates it is copied unchanged.
// Otherwise each coordinate i is added, with a fixed random sign s(i), to
// one of m buckets h(i) (a signed count sketch). The projection is linear
// and preserves inner products in expectation, E<Pa, Pb> = <a, b>, so the
// cosines q is built from survive it; it costs one pass over the gradient,
// linear in its size. h and s come from the seed alone, so every run and
// every restart projects identically.
//
// Thread safety: immutable after construction; safe to share.
#ifndef ANML_ENGINE_GRADIENT_SKETCH_H_
#define ANML_ENGINE_GRADIENT_SKETCH_H_

#include <cstdint>
#include <span>
#include <vector>

namespace anml::engine {

class GradientSketch {
 public:
  // Precondition: input_dimension >= 1, max_dimension >= 1.
  GradientSketch(size_t input_dimension, size_t max_dimension, uint64_t seed);

  size_t input_dimension() const { return input_dimension_; }
  // The projected size: min(input_dimension, max_dimension).
  size_t dimension() const { return dimension_; }

  // Writes the projection of `gradient` (input_dimension values) into `out`
  // (dimension() values).
  void Project(std::span<const double> gradient, std::span<double> out) const;

 private:
  size_t input_dimension_;
  size_t dimension_;
  std::vector<uint32_t> bucket_;  // h(i); empty when the copy is exact.
  std::vector<double> sign_;      // s(i) in {-1, +1}.
};

// cos(a, b) in [-1, 1], or 0 when either vector is zero or not finite.
double Cosine(std::span<const double> a, std::span<const double> b);

}  // namespace anml::engine

#endif  // ANML_ENGINE_GRADIENT_SKETCH_H_
