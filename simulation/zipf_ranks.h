// ZipfRanks: draws popularity ranks from a Zipf distribution, for skewed
// benchmark streams in which a few contributors send most samples.
//
// Rank k in [0, n) is drawn with probability proportional to (k + 1)^-s.
// Sampling is rejection-inversion (Hormann and Derflinger, 1996): the
// discrete distribution is covered by the continuous density x^-s, a draw
// inverts that density's integral and is kept or redrawn by one
// comparison, so a draw costs O(1) time and the sampler O(1) memory for
// any n. With the same generator state it returns the same ranks.
//
// Thread safety: const after construction; the generator is the caller's.
#ifndef ANML_SIMULATION_ZIPF_RANKS_H_
#define ANML_SIMULATION_ZIPF_RANKS_H_

#include <cstdint>
#include <random>

namespace anml::simulation {

class ZipfRanks {
 public:
  // Preconditions: n >= 1, s > 0.
  ZipfRanks(uint64_t n, double s);

  // A rank in [0, n); rank 0 is the most frequent.
  uint64_t operator()(std::mt19937_64& rng) const;

  uint64_t n() const { return n_; }
  double s() const { return s_; }

 private:
  // H(x), the integral of t^-s from 1 to x, and its inverse.
  double Integral(double x) const;
  double InverseIntegral(double y) const;

  uint64_t n_;
  double s_;
  double integral_first_;  // H(1.5) - 1: the lower end of the draws.
  double integral_last_;   // H(n + 0.5): the upper end.
  double squeeze_;         // Draws this close to their rank are kept unchecked.
};

}  // namespace anml::simulation

#endif  // ANML_SIMULATION_ZIPF_RANKS_H_
