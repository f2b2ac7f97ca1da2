// The interface every online learner implements.
//
// A learner keeps prediction and update apart: Predict() is const and is
// what held-out scoring calls; Update() applies one importance-weighted step
// given the prediction the caller already made, so a sample is predicted
// once per learner. Gradient() gives the closed-form per-sample gradient of
// the data term, which the quality factors measure.
//
// Parameters and optimizer accumulators are exposed as flat spans so that
// the state store can snapshot them and training resumes exactly.
//
// Thread safety: none; one thread owns a learner.
#ifndef ANML_ENGINE_LEARNER_H_
#define ANML_ENGINE_LEARNER_H_

#include <cstddef>
#include <span>

namespace anml::engine {

class Learner {
 public:
  virtual ~Learner() = default;

  // Number of values Predict() writes.
  virtual int OutputCount() const = 0;

  // Number of trainable parameters, and so of Gradient()'s output.
  virtual size_t ParameterCount() const = 0;

  // Writes the model's output for features `x` into `out`, which holds
  // OutputCount() values: P(y = 1) for binary, the class probabilities for
  // multiclass, the predicted value for regression.
  virtual void Predict(std::span<const double> x, std::span<double> out) const = 0;

  // The loss of `prediction` against `label`; finite for finite input.
  virtual double Loss(std::span<const double> prediction, double label) const = 0;

  // Writes d(loss)/d(parameters) of the data term at (x, label), flattened
  // in the order of parameters(), into `gradient` (ParameterCount() values).
  // The L2 penalty is not part of it.
  virtual void Gradient(std::span<const double> x, std::span<const double> prediction,
                        double label, std::span<double> gradient) const = 0;

  // One step on (x, label) with importance weight `weight` >= 0, moving the
  // model as `weight` repeats of the sample would (for small steps).
  // `prediction` must be Predict(x) on the current parameters.
  virtual void Update(std::span<const double> x, std::span<const double> prediction,
                      double label, double weight) = 0;

  // The parameters and the optimizer's accumulators, for snapshots.
  virtual std::span<double> parameters() = 0;
  virtual std::span<const double> parameters() const = 0;
  virtual std::span<double> accumulators() = 0;
  virtual std::span<const double> accumulators() const = 0;
};

}  // namespace anml::engine

#endif  // ANML_ENGINE_LEARNER_H_
