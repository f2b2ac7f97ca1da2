#include "engine/gradient_sketch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace anml::engine {
namespace {

class GradientSketchTest : public ::testing::Test {
 protected:
  std::vector<double> RandomVector(size_t size) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> v(size);
    for (double& value : v) value = normal(rng_);
    return v;
  }

  static std::vector<double> Project(const GradientSketch& sketch, const std::vector<double>& v) {
    std::vector<double> out(sketch.dimension());
    sketch.Project(v, out);
    return out;
  }

  std::mt19937_64 rng_{99};
};

TEST_F(GradientSketchTest, CopiesInputsNoLargerThanTheMaximum) {
  for (size_t dimension : {1u, 17u, 128u}) {
    SCOPED_TRACE("dimension " + std::to_string(dimension));
    GradientSketch sketch(dimension, 128, /*seed=*/3);
    EXPECT_EQ(sketch.dimension(), dimension);
    std::vector<double> v = RandomVector(dimension);
    EXPECT_EQ(Project(sketch, v), v);
  }
}

TEST_F(GradientSketchTest, ProjectsLargerInputsToTheMaximum) {
  GradientSketch sketch(129, 128, /*seed=*/3);
  EXPECT_EQ(sketch.dimension(), 128u);
  EXPECT_EQ(sketch.input_dimension(), 129u);
}

TEST_F(GradientSketchTest, IsDeterministicForASeedAndDiffersAcrossSeeds) {
  std::vector<double> v = RandomVector(1000);
  GradientSketch first(1000, 64, /*seed=*/11);
  GradientSketch second(1000, 64, /*seed=*/11);
  GradientSketch other(1000, 64, /*seed=*/12);
  EXPECT_EQ(Project(first, v), Project(second, v));
  EXPECT_NE(Project(first, v), Project(other, v));
}

TEST_F(GradientSketchTest, IsLinear) {
  GradientSketch sketch(500, 32, /*seed=*/5);
  std::vector<double> a = RandomVector(500), b = RandomVector(500), sum(500);
  for (size_t i = 0; i < sum.size(); ++i) sum[i] = 2.0 * a[i] - b[i];
  std::vector<double> pa = Project(sketch, a), pb = Project(sketch, b);
  std::vector<double> psum = Project(sketch, sum);
  for (size_t i = 0; i < psum.size(); ++i) EXPECT_NEAR(psum[i], 2.0 * pa[i] - pb[i], 1e-9);
}

TEST_F(GradientSketchTest, ApproximatelyPreservesCosines) {
  // A count sketch to m buckets distorts an inner product of unit vectors
  // by a random error of standard deviation about sqrt(2 / m) = 0.09 for
  // m = 256, whatever the input dimension. Pairs are built with a known
  // cosine c (b = c a + sqrt(1 - c^2) noise); 0.3 is more than three
  // standard deviations, and the mean error over 20 pairs must be far
  // smaller, 0.06, which a sketch that lost the geometry would miss.
  constexpr size_t kInput = 2000, kSketch = 256;
  GradientSketch sketch(kInput, kSketch, /*seed=*/42);
  for (double target : {-0.7, 0.0, 0.5, 0.9}) {
    SCOPED_TRACE("cosine " + std::to_string(target));
    double total_error = 0;
    for (int pair = 0; pair < 20; ++pair) {
      std::vector<double> a = RandomVector(kInput), noise = RandomVector(kInput), b(kInput);
      for (size_t i = 0; i < kInput; ++i) {
        b[i] = target * a[i] + std::sqrt(1 - target * target) * noise[i];
      }
      double exact = Cosine(a, b);
      double sketched = Cosine(Project(sketch, a), Project(sketch, b));
      EXPECT_NEAR(sketched, exact, 0.3);
      total_error += std::abs(sketched - exact);
    }
    EXPECT_LT(total_error / 20, 0.06);
  }
}

TEST_F(GradientSketchTest, CosineOfKnownVectors) {
  std::vector<double> x = {1, 0}, y = {0, 2}, diagonal = {3, 3}, minus_x = {-5, 0};
  EXPECT_DOUBLE_EQ(Cosine(x, x), 1.0);
  EXPECT_DOUBLE_EQ(Cosine(x, y), 0.0);
  EXPECT_DOUBLE_EQ(Cosine(x, diagonal), 1.0 / std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(Cosine(x, minus_x), -1.0);
}

TEST_F(GradientSketchTest, CosineIsZeroForZeroOrNonFiniteVectors) {
  const double kNan = std::numeric_limits<double>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> x = {1, 2, 3}, zero = {0, 0, 0};
  std::vector<double> with_nan = {1, kNan, 3}, with_inf = {1, kInf, 3};
  EXPECT_EQ(Cosine(x, zero), 0.0);
  EXPECT_EQ(Cosine(zero, zero), 0.0);
  EXPECT_EQ(Cosine(x, with_nan), 0.0);
  EXPECT_EQ(Cosine(with_inf, x), 0.0);
  EXPECT_EQ(Cosine(std::vector<double>{}, std::vector<double>{}), 0.0);
}

TEST_F(GradientSketchTest, CosineStaysInRangeUnderRounding) {
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> v = RandomVector(37);
    for (double scale : {1e-3, 1.0, 7.0, 1e3}) {
      std::vector<double> scaled = v;
      for (double& value : scaled) value *= scale;
      double same = Cosine(v, scaled);
      for (double& value : scaled) value = -value;
      double opposite = Cosine(v, scaled);
      EXPECT_LE(same, 1.0);
      EXPECT_NEAR(same, 1.0, 1e-12);
      EXPECT_GE(opposite, -1.0);
      EXPECT_NEAR(opposite, -1.0, 1e-12);
    }
  }
}

TEST_F(GradientSketchTest, CosineOfHugeOrTinyFiniteVectorsIsStillTheirCosine) {
  // Finite vectors whose squared norms overflow or underflow a double are
  // neither zero nor non-finite, so their cosine is defined.
  for (double scale : {1e200, 1e-200}) {
    SCOPED_TRACE("scale " + std::to_string(scale));
    std::vector<double> a = {scale, 0, scale}, b = {scale, scale, 0};
    EXPECT_NEAR(Cosine(a, a), 1.0, 1e-12);
    EXPECT_NEAR(Cosine(a, b), 0.5, 1e-12);
  }
}

}  // namespace
}  // namespace anml::engine
