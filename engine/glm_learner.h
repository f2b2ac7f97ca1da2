// GlmLearner: logistic, softmax and linear regression with AdaGrad steps.
//
// The model has one row of d weights and a bias per output: one output for
// binary (logistic link, log loss) and regression (identity link, squared
// loss 0.5 (y_hat - y)^2), one per class for multiclass (softmax link,
// cross entropy). For all three the data gradient has the closed form
// g = (prediction - target) outer [x; 1].
//
// Update() is per-coordinate AdaGrad with importance weight w:
//   g   = (prediction - target) x + l2 * theta       (bias: no l2 term)
//   G  += w g^2
//   theta -= eta w g / sqrt(G + epsilon)
// Adding w g^2 to G is what makes weight w match w repeats when steps are
// small: w repeats add g^2 w times and each moves eta g / sqrt(G).
//
// Limitations: dense features only; L2 is applied only on the coordinates a
// sample touches, which for dense features is all of them.
// Thread safety: none; one thread owns a learner.
#ifndef ANML_ENGINE_GLM_LEARNER_H_
#define ANML_ENGINE_GLM_LEARNER_H_

#include <Eigen/Core>

#include "engine/config.h"
#include "engine/learner.h"
#include "engine/sample.h"

namespace anml::engine {

class GlmLearner final : public Learner {
 public:
  // Precondition: config.Validate() is OK. Parameters start at zero.
  GlmLearner(Task task, int dimension, int classes, const LearnerConfig& config);

  int OutputCount() const override { return outputs_; }
  size_t ParameterCount() const override { return static_cast<size_t>(theta_.size()); }

  void Predict(std::span<const double> x, std::span<double> out) const override;
  double Loss(std::span<const double> prediction, double label) const override;
  void Gradient(std::span<const double> x, std::span<const double> prediction, double label,
                std::span<double> gradient) const override;
  void Update(std::span<const double> x, std::span<const double> prediction, double label,
              double weight) override;

  std::span<double> parameters() override { return {theta_.data(), size_t(theta_.size())}; }
  std::span<const double> parameters() const override {
    return {theta_.data(), size_t(theta_.size())};
  }
  std::span<double> accumulators() override { return {accum_.data(), size_t(accum_.size())}; }
  std::span<const double> accumulators() const override {
    return {accum_.data(), size_t(accum_.size())};
  }

  Task task() const { return task_; }

 private:
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  // The target of output j for `label`: the label itself for binary and
  // regression, the one-hot indicator for multiclass.
  double Target(int output, double label) const;

  // Applies the AdaGrad step to one output row with residual r.
  void UpdateRow(int row, const double* x, double residual, double weight);

  Task task_;
  int dimension_;
  int outputs_;
  LearnerConfig config_;
  RowMatrix theta_;  // outputs x (d + 1); the last column is the bias.
  RowMatrix accum_;  // AdaGrad's sum of weighted squared gradients G.
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_GLM_LEARNER_H_
