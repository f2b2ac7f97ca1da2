#include "simulation/zipf_ranks.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace anml::simulation {
namespace {

// The exact probability of each rank: (k + 1)^-s over the sum.
std::vector<double> Exact(uint64_t n, double s) {
  std::vector<double> p(n);
  double total = 0;
  for (uint64_t k = 0; k < n; ++k) total += p[k] = std::pow(static_cast<double>(k + 1), -s);
  for (double& value : p) value /= total;
  return p;
}

std::vector<double> Observed(const ZipfRanks& ranks, uint64_t draws, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> counts(ranks.n());
  for (uint64_t i = 0; i < draws; ++i) {
    const uint64_t rank = ranks(rng);
    EXPECT_LT(rank, ranks.n());
    if (rank < ranks.n()) ++counts[rank];
  }
  for (double& count : counts) count /= static_cast<double>(draws);
  return counts;
}

// Each rank's share of `draws` is within five standard errors of exact.
void ExpectMatches(uint64_t n, double s) {
  constexpr uint64_t kDraws = 400'000;
  const std::vector<double> exact = Exact(n, s);
  const std::vector<double> seen = Observed(ZipfRanks(n, s), kDraws, 7);
  for (uint64_t k = 0; k < n; ++k) {
    SCOPED_TRACE(testing::Message() << "n " << n << ", s " << s << ", rank " << k);
    const double error = std::sqrt(exact[k] * (1 - exact[k]) / kDraws);
    EXPECT_NEAR(seen[k], exact[k], 5 * error);
  }
}

TEST(ZipfRanksTest, DrawsEachRankInProportionToItsWeight) {
  for (double s : {0.5, 0.99, 1.0, 1.5, 3.0}) ExpectMatches(12, s);
}

TEST(ZipfRanksTest, ExponentNextToOneBehavesAsOne) {
  for (double s : {1.0 - 1e-12, 1.0 + 1e-12}) ExpectMatches(12, s);
}

TEST(ZipfRanksTest, SingleRankIsAlwaysDrawn) {
  const ZipfRanks ranks(1, 0.99);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(ranks(rng), 0u);
}

TEST(ZipfRanksTest, LargePopulationKeepsTheHeadAndTail) {
  constexpr uint64_t kN = 1'000'000;
  constexpr uint64_t kDraws = 400'000;
  const ZipfRanks ranks(kN, 0.99);
  std::mt19937_64 rng(3);
  uint64_t first = 0, tail = 0;
  for (uint64_t i = 0; i < kDraws; ++i) {
    const uint64_t rank = ranks(rng);
    ASSERT_LT(rank, kN);
    first += rank == 0;
    tail += rank >= kN / 2;
  }
  const std::vector<double> exact = Exact(kN, 0.99);
  double exact_tail = 0;
  for (uint64_t k = kN / 2; k < kN; ++k) exact_tail += exact[k];
  const auto share = [](uint64_t count) { return static_cast<double>(count) / kDraws; };
  EXPECT_NEAR(share(first), exact[0], 5 * std::sqrt(exact[0] / kDraws));
  EXPECT_NEAR(share(tail), exact_tail, 5 * std::sqrt(exact_tail / kDraws));
}

TEST(ZipfRanksTest, SameSeedGivesSameRanks) {
  const ZipfRanks ranks(1000, 1.2);
  std::mt19937_64 a(11), b(11);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(ranks(a), ranks(b));
}

}  // namespace
}  // namespace anml::simulation
