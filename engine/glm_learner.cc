#include "engine/glm_learner.h"

#include <algorithm>
#include <cmath>

namespace anml::engine {
namespace {

// Probabilities are clipped to [kMinProbability, 1 - kMinProbability] before
// a log, so the loss of a confident wrong prediction is large but finite
// (about 34.5 nats).
constexpr double kMinProbability = 1e-15;

// A logistic function that never evaluates exp() of a large positive
// argument, so it cannot overflow.
double Sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  double e = std::exp(z);
  return e / (1.0 + e);
}

double ClippedLog(double p) { return std::log(std::clamp(p, kMinProbability, 1.0)); }

}  // namespace

GlmLearner::GlmLearner(Task task, int dimension, int classes, const LearnerConfig& config)
    : task_(task),
      dimension_(dimension),
      outputs_(task == Task::kMulticlass ? classes : 1),
      config_(config),
      theta_(RowMatrix::Zero(outputs_, dimension + 1)),
      accum_(RowMatrix::Zero(outputs_, dimension + 1)) {}

void GlmLearner::Predict(std::span<const double> x, std::span<double> out) const {
  Eigen::Map<const Eigen::VectorXd> features(x.data(), dimension_);
  for (int j = 0; j < outputs_; ++j) {
    out[j] = theta_.row(j).head(dimension_).dot(features.transpose()) + theta_(j, dimension_);
  }
  if (task_ == Task::kBinary) {
    out[0] = Sigmoid(out[0]);
  } else if (task_ == Task::kMulticlass) {
    // Softmax with the maximum subtracted first: exp() then never overflows
    // and the largest term is exactly 1, so the sum is at least 1.
    double max_logit = *std::max_element(out.begin(), out.begin() + outputs_);
    double sum = 0;
    for (int j = 0; j < outputs_; ++j) sum += (out[j] = std::exp(out[j] - max_logit));
    for (int j = 0; j < outputs_; ++j) out[j] /= sum;
  }
}

double GlmLearner::Loss(std::span<const double> prediction, double label) const {
  switch (task_) {
    case Task::kBinary:
      return -(label * ClippedLog(prediction[0]) + (1 - label) * ClippedLog(1 - prediction[0]));
    case Task::kMulticlass:
      return -ClippedLog(prediction[static_cast<int>(label)]);
    case Task::kRegression: {
      double error = prediction[0] - label;
      return 0.5 * error * error;
    }
  }
  return 0;
}

double GlmLearner::Target(int output, double label) const {
  if (task_ == Task::kMulticlass) return static_cast<int>(label) == output ? 1.0 : 0.0;
  return label;
}

void GlmLearner::Gradient(std::span<const double> x, std::span<const double> prediction,
                          double label, std::span<double> gradient) const {
  const int stride = dimension_ + 1;
  for (int j = 0; j < outputs_; ++j) {
    double residual = prediction[j] - Target(j, label);
    double* row = gradient.data() + j * stride;
    for (int i = 0; i < dimension_; ++i) row[i] = residual * x[i];
    row[dimension_] = residual;
  }
}

void GlmLearner::Update(std::span<const double> x, std::span<const double> prediction,
                        double label, double weight) {
  // The step-size limit: beyond max_importance the first-order match with
  // repeats breaks down and one sample could throw the model off.
  weight = std::min(weight, config_.max_importance);
  if (!(weight > 0)) return;  // Zero, negative or NaN weight: no step.
  for (int j = 0; j < outputs_; ++j) {
    UpdateRow(j, x.data(), prediction[j] - Target(j, label), weight);
  }
}

// GCC builds this loop twice, for AVX2 and for the x86-64 baseline, and the
// dynamic loader picks the version the CPU runs: its square roots and
// divisions bound the whole per-sample step, and AVX2 does four per
// instruction where SSE2 does two. Clang (used for the fuzz targets only)
// accepts target_clones only on a first declaration, so it builds the
// baseline alone.
#if defined(__GNUC__) && !defined(__clang__)
#define ANML_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#else
#define ANML_AVX2_CLONE
#endif

ANML_AVX2_CLONE void GlmLearner::UpdateRow(int row, const double* x, double residual,
                                           double weight) {
  double* theta = &theta_(row, 0);
  double* accum = &accum_(row, 0);
  const double rate = config_.learning_rate * weight;
  const double l2 = config_.l2;
  const double epsilon = config_.adagrad_epsilon;
  // One fused pass per row: with -fno-math-errno the compiler vectorizes
  // the square root, and the row is read and written once instead of three
  // times.
  for (int i = 0; i < dimension_; ++i) {
    const double g = residual * x[i] + l2 * theta[i];
    accum[i] += weight * g * g;
    theta[i] -= rate * g / std::sqrt(accum[i] + epsilon);
  }
  accum[dimension_] += weight * residual * residual;
  theta[dimension_] -= rate * residual / std::sqrt(accum[dimension_] + epsilon);
}

}  // namespace anml::engine
