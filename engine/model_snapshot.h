// ModelSnapshot: the engine's whole non-contributor state, as named arrays.
//
// Everything a restarted engine needs to continue exactly where it stopped
// (learner parameters and AdaGrad accumulators for every scheme, g_ref, the
// normalizers, the gate, the watermark and counters) is written as named
// arrays of doubles, of 64-bit integers and of strings (contributor ids, such
// as the members of the reference set). The state store encodes the three
// maps without knowing what the names mean, so adding a field to the engine
// never changes the store's format; Pipeline::Restore() reports a missing or
// mis-sized array as DataLoss naming it.
#ifndef ANML_ENGINE_MODEL_SNAPSHOT_H_
#define ANML_ENGINE_MODEL_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/status.h"

namespace anml::engine {

struct ModelSnapshot {
  // Increases by one with every snapshot taken after new training; the
  // weights topic carries it so consumers can tell models apart.
  uint64_t version = 0;
  std::map<std::string, std::vector<double>> reals;
  std::map<std::string, std::vector<int64_t>> integers;
  std::map<std::string, std::vector<std::string>> texts;

  friend bool operator==(const ModelSnapshot&, const ModelSnapshot&) = default;
};

// Copies the array `name` of `arrays` into `out`. DataLoss naming the array
// when it is missing or does not hold exactly `size` values.
template <typename T>
Status FetchArray(const std::map<std::string, std::vector<T>>& arrays, const std::string& name,
                  size_t size, std::vector<T>* out) {
  auto it = arrays.find(name);
  if (it == arrays.end()) return DataLoss("model snapshot: array '" + name + "' is missing");
  if (it->second.size() != size) {
    return DataLoss("model snapshot: array '" + name + "' has " +
                    std::to_string(it->second.size()) + " values, expected " +
                    std::to_string(size));
  }
  *out = it->second;
  return Status::Ok();
}

}  // namespace anml::engine

#endif  // ANML_ENGINE_MODEL_SNAPSHOT_H_
