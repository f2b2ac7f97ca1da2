#include "engine/glm_learner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace anml::engine {
namespace {

constexpr int kDimension = 5;
constexpr int kClasses = 4;

struct TaskCase {
  Task task;
  int classes;
  double label;
};

// One case per link: binary with each label, multiclass, regression.
const TaskCase kTaskCases[] = {
    {Task::kBinary, 2, 1.0},
    {Task::kBinary, 2, 0.0},
    {Task::kMulticlass, kClasses, 2.0},
    {Task::kRegression, 1, 1.3},
};

std::string CaseName(const TaskCase& c) {
  return std::string(TaskName(c.task)) + " label " + std::to_string(c.label);
}

class GlmLearnerTest : public ::testing::Test {
 protected:
  std::vector<double> RandomVector(size_t size, double scale) {
    std::normal_distribution<double> normal(0.0, scale);
    std::vector<double> v(size);
    for (double& value : v) value = normal(rng_);
    return v;
  }

  // A label the task accepts, drawn at random.
  double RandomLabel(Task task) {
    if (task == Task::kMulticlass) return std::uniform_int_distribution<int>(0, kClasses - 1)(rng_);
    if (task == Task::kBinary) return std::uniform_int_distribution<int>(0, 1)(rng_);
    return std::normal_distribution<double>(0.0, 1.0)(rng_);
  }

  // Trains `learner` on `samples` random samples with weight 1.
  void WarmUp(GlmLearner& learner, int samples) {
    std::vector<double> prediction(learner.OutputCount());
    for (int i = 0; i < samples; ++i) {
      std::vector<double> x = RandomVector(kDimension, 1.0);
      double label = RandomLabel(learner.task());
      learner.Predict(x, prediction);
      learner.Update(x, prediction, label, 1.0);
    }
  }

  static void CopyState(const GlmLearner& from, GlmLearner& to) {
    std::copy(from.parameters().begin(), from.parameters().end(), to.parameters().begin());
    std::copy(from.accumulators().begin(), from.accumulators().end(),
              to.accumulators().begin());
  }

  static std::vector<double> Parameters(const GlmLearner& learner) {
    return {learner.parameters().begin(), learner.parameters().end()};
  }

  static std::vector<double> Accumulators(const GlmLearner& learner) {
    return {learner.accumulators().begin(), learner.accumulators().end()};
  }

  static double LossAt(const GlmLearner& learner, const std::vector<double>& x, double label) {
    std::vector<double> prediction(learner.OutputCount());
    learner.Predict(x, prediction);
    return learner.Loss(prediction, label);
  }

  LearnerConfig config_;
  std::mt19937_64 rng_{20260301};
};

TEST_F(GlmLearnerTest, GradientMatchesCentralFiniteDifferencesOfTheLoss) {
  constexpr double kStep = 1e-5;
  for (const TaskCase& c : kTaskCases) {
    SCOPED_TRACE(CaseName(c));
    GlmLearner learner(c.task, kDimension, c.classes, config_);
    std::vector<double> start = RandomVector(learner.ParameterCount(), 0.5);
    std::copy(start.begin(), start.end(), learner.parameters().begin());
    std::vector<double> x = RandomVector(kDimension, 1.0);

    std::vector<double> prediction(learner.OutputCount());
    learner.Predict(x, prediction);
    std::vector<double> gradient(learner.ParameterCount());
    learner.Gradient(x, prediction, c.label, gradient);

    std::span<double> theta = learner.parameters();
    for (size_t i = 0; i < theta.size(); ++i) {
      SCOPED_TRACE("parameter " + std::to_string(i));
      theta[i] = start[i] + kStep;
      double up = LossAt(learner, x, c.label);
      theta[i] = start[i] - kStep;
      double down = LossAt(learner, x, c.label);
      theta[i] = start[i];
      // Central differences are exact to O(h^2) ~ 1e-10 here; the rest is
      // rounding of the loss, about 1e-16 / h.
      EXPECT_NEAR(gradient[i], (up - down) / (2 * kStep), 1e-7);
    }
  }
}

TEST_F(GlmLearnerTest, PredictionsAreInRangeAndProbabilitiesSumToOne) {
  for (const TaskCase& c : kTaskCases) {
    SCOPED_TRACE(CaseName(c));
    GlmLearner learner(c.task, kDimension, c.classes, config_);
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<double> start = RandomVector(learner.ParameterCount(), 3.0);
      std::copy(start.begin(), start.end(), learner.parameters().begin());
      std::vector<double> x = RandomVector(kDimension, 3.0);
      std::vector<double> prediction(learner.OutputCount());
      learner.Predict(x, prediction);
      if (c.task == Task::kRegression) {
        EXPECT_TRUE(std::isfinite(prediction[0]));
        continue;
      }
      for (double p : prediction) {
        EXPECT_GE(p, 0.0);
        EXPECT_LE(p, 1.0);
      }
      if (c.task == Task::kMulticlass) {
        EXPECT_NEAR(std::accumulate(prediction.begin(), prediction.end(), 0.0), 1.0, 1e-12);
      }
    }
  }
}

TEST_F(GlmLearnerTest, LossIsFiniteOnExtremeLogits) {
  for (const TaskCase& c : kTaskCases) {
    for (double magnitude : {1e6, -1e6}) {
      SCOPED_TRACE(CaseName(c) + ", parameters " + std::to_string(magnitude));
      GlmLearner learner(c.task, kDimension, c.classes, config_);
      std::span<double> theta = learner.parameters();
      // Alternate signs across outputs so the softmax sees logits of both
      // signs, not a uniform shift.
      for (size_t i = 0; i < theta.size(); ++i) {
        theta[i] = (i / (kDimension + 1)) % 2 == 0 ? magnitude : -magnitude;
      }
      std::vector<double> x(kDimension, 1.0);
      std::vector<double> prediction(learner.OutputCount());
      learner.Predict(x, prediction);
      for (double p : prediction) EXPECT_TRUE(std::isfinite(p)) << p;

      // Every label the task can see, including the one the model is most
      // confidently wrong about.
      for (double label : {0.0, 1.0, double(c.classes - 1)}) {
        double loss = learner.Loss(prediction, label);
        EXPECT_TRUE(std::isfinite(loss)) << "label " << label << " loss " << loss;
        EXPECT_GE(loss, 0.0);
      }
    }
  }
}

TEST_F(GlmLearnerTest, WeightKMovesTheModelLikeKRepeats) {
  // A small step size keeps the prediction, and so g, nearly constant over
  // the k repeats; after a warm-up of 400 samples each coordinate's
  // accumulator G holds hundreds of squared gradients, so the repeats'
  // denominators sqrt(G + t g^2), t = 1..k, differ from the single step's
  // sqrt(G + k g^2) by a relative O(k g^2 / G) of at most a few percent.
  // A 5% relative tolerance on the parameter change therefore holds, while
  // a step that ignored the weight (off by a factor k) or applied it twice
  // (off by k again) fails by far.
  config_.learning_rate = 0.01;
  constexpr double kTolerance = 0.05;
  for (const TaskCase& c : kTaskCases) {
    GlmLearner warm(c.task, kDimension, c.classes, config_);
    WarmUp(warm, 400);
    std::vector<double> x = RandomVector(kDimension, 1.0);
    const std::vector<double> before = Parameters(warm);
    for (int k : {2, 3, 5}) {
      SCOPED_TRACE(CaseName(c) + ", weight " + std::to_string(k));
      GlmLearner once(c.task, kDimension, c.classes, config_);
      GlmLearner repeated(c.task, kDimension, c.classes, config_);
      CopyState(warm, once);
      CopyState(warm, repeated);
      std::vector<double> prediction(once.OutputCount());

      once.Predict(x, prediction);
      once.Update(x, prediction, c.label, k);
      for (int i = 0; i < k; ++i) {
        repeated.Predict(x, prediction);
        repeated.Update(x, prediction, c.label, 1.0);
      }

      double error = 0, norm = 0;
      for (size_t i = 0; i < before.size(); ++i) {
        double move_once = once.parameters()[i] - before[i];
        double move_repeated = repeated.parameters()[i] - before[i];
        error += (move_once - move_repeated) * (move_once - move_repeated);
        norm += move_repeated * move_repeated;
      }
      ASSERT_GT(norm, 0.0);
      EXPECT_LT(std::sqrt(error / norm), kTolerance);
    }
  }
}

TEST_F(GlmLearnerTest, ZeroNegativeAndNanWeightsChangeNothing) {
  for (const TaskCase& c : kTaskCases) {
    GlmLearner learner(c.task, kDimension, c.classes, config_);
    WarmUp(learner, 20);
    const std::vector<double> parameters = Parameters(learner);
    const std::vector<double> accumulators = Accumulators(learner);
    std::vector<double> x = RandomVector(kDimension, 1.0);
    std::vector<double> prediction(learner.OutputCount());
    learner.Predict(x, prediction);
    for (double weight : {0.0, -1.0, -std::numeric_limits<double>::infinity(),
                          std::numeric_limits<double>::quiet_NaN()}) {
      SCOPED_TRACE(CaseName(c) + ", weight " + std::to_string(weight));
      learner.Update(x, prediction, c.label, weight);
      EXPECT_EQ(Parameters(learner), parameters);
      EXPECT_EQ(Accumulators(learner), accumulators);
    }
  }
}

TEST_F(GlmLearnerTest, WeightsAboveMaxImportanceAreClipped) {
  config_.max_importance = 7.0;
  for (const TaskCase& c : kTaskCases) {
    for (double huge : {1e9, std::numeric_limits<double>::infinity()}) {
      SCOPED_TRACE(CaseName(c) + ", weight " + std::to_string(huge));
      GlmLearner clipped(c.task, kDimension, c.classes, config_);
      WarmUp(clipped, 20);
      GlmLearner at_limit(c.task, kDimension, c.classes, config_);
      CopyState(clipped, at_limit);
      const std::vector<double> before = Parameters(clipped);
      std::vector<double> x = RandomVector(kDimension, 1.0);
      std::vector<double> prediction(clipped.OutputCount());
      clipped.Predict(x, prediction);

      clipped.Update(x, prediction, c.label, huge);
      at_limit.Update(x, prediction, c.label, config_.max_importance);

      EXPECT_NE(Parameters(clipped), before);
      EXPECT_EQ(Parameters(clipped), Parameters(at_limit));
      EXPECT_EQ(Accumulators(clipped), Accumulators(at_limit));
    }
  }
}

TEST_F(GlmLearnerTest, LossDropsOnASeparableProblem) {
  // Each task's label is a fixed function of the first two features.
  auto label_of = [](Task task, const std::vector<double>& x) {
    switch (task) {
      case Task::kBinary: return x[0] + x[1] > 0 ? 1.0 : 0.0;
      case Task::kMulticlass: return double((x[0] > 0 ? 1 : 0) + (x[1] > 0 ? 2 : 0));
      case Task::kRegression: return 2.0 * x[0] - x[1] + 0.5;
    }
    return 0.0;
  };
  for (const TaskCase& c : kTaskCases) {
    SCOPED_TRACE(CaseName(c));
    GlmLearner learner(c.task, kDimension, c.classes, config_);
    std::vector<std::vector<double>> test_set;
    for (int i = 0; i < 200; ++i) test_set.push_back(RandomVector(kDimension, 1.0));
    auto mean_loss = [&] {
      double total = 0;
      for (const auto& x : test_set) total += LossAt(learner, x, label_of(c.task, x));
      return total / static_cast<double>(test_set.size());
    };

    const double initial = mean_loss();
    std::vector<double> prediction(learner.OutputCount());
    for (int i = 0; i < 3000; ++i) {
      std::vector<double> x = RandomVector(kDimension, 1.0);
      learner.Predict(x, prediction);
      learner.Update(x, prediction, label_of(c.task, x), 1.0);
    }
    EXPECT_LT(mean_loss(), 0.25 * initial);
  }
}

}  // namespace
}  // namespace anml::engine
