#include "engine/decay.h"

#include <gtest/gtest.h>

namespace anml::engine {
namespace {

constexpr int64_t kHalfLife = 1000;

TEST(DecayTest, HalvesAtTheHalfLife) {
  EXPECT_DOUBLE_EQ(DecayFactor(kHalfLife, kHalfLife), 0.5);
  EXPECT_DOUBLE_EQ(DecayFactor(2 * kHalfLife, kHalfLife), 0.25);
}

TEST(DecayTest, NoDecayForNonPositiveElapsedOrDisabledHalfLife) {
  EXPECT_EQ(DecayFactor(0, kHalfLife), 1.0);
  EXPECT_EQ(DecayFactor(-5, kHalfLife), 1.0);
  EXPECT_EQ(DecayFactor(5000, 0), 1.0);
}

TEST(DecayTest, StaysPositiveForVeryOldValues) {
  double factor = DecayFactor(int64_t{1} << 60, 1);
  EXPECT_GT(factor, 0.0);
  EXPECT_LT(factor, 1e-300);
}

TEST(DecayTest, OneStepEqualsManySteps) {
  DecayedValue one_step{.value = 8.0, .as_of_ms = 0};
  DecayedValue many_steps = one_step;
  one_step.AdvanceTo(3700, kHalfLife);
  for (int64_t t = 37; t <= 3700; t += 37) many_steps.AdvanceTo(t, kHalfLife);
  EXPECT_NEAR(one_step.value, many_steps.value, 1e-12);
  EXPECT_EQ(one_step.as_of_ms, many_steps.as_of_ms);
}

TEST(DecayTest, TimeNeverRunsBackwards) {
  DecayedValue value{.value = 1.0, .as_of_ms = 2000};
  value.AdvanceTo(1000, kHalfLife);
  EXPECT_EQ(value.value, 1.0);
  EXPECT_EQ(value.as_of_ms, 2000);
}

TEST(DecayTest, AddDecaysBeforeAdding) {
  DecayedValue value{.value = 4.0, .as_of_ms = 0};
  value.Add(1.0, kHalfLife, kHalfLife);
  EXPECT_DOUBLE_EQ(value.value, 3.0);
}

}  // namespace
}  // namespace anml::engine
