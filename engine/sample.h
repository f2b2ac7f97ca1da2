// The record the engine learns from, and the learning task.
#ifndef ANML_ENGINE_SAMPLE_H_
#define ANML_ENGINE_SAMPLE_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace anml::engine {

// What the label means, which fixes the learner's link and loss.
enum class Task {
  kBinary,      // label in {0, 1}; logistic link, log loss.
  kMulticlass,  // label in {0, ..., classes - 1}; softmax link, cross entropy.
  kRegression,  // any finite label; identity link, squared loss.
};

std::string_view TaskName(Task task);

// One training sample, borrowed from its owner for the duration of a call.
//
// `contributor` is the dense slot the ContributorTable gave the contributor
// id. `key` identifies the sample for the held-out split: a hash of its id
// when it has one, otherwise of (contributor, sequence); equal keys always
// land on the same side of the split.
struct Sample {
  uint32_t contributor = 0;
  std::span<const double> features;
  double label = 0.0;
  int64_t time_ms = 0;
  uint64_t key = 0;
};

// 64-bit FNV-1a followed by a finalizer, stable across platforms and runs;
// used for held-out selection and the gradient sketch.
uint64_t StableHash(std::string_view bytes, uint64_t seed = 0);

// Mixes an integer into a well-spread 64-bit value (splitmix64 finalizer).
uint64_t MixHash(uint64_t value);

}  // namespace anml::engine

#endif  // ANML_ENGINE_SAMPLE_H_
