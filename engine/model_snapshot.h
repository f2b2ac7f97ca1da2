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

}  // namespace anml::engine

#endif  // ANML_ENGINE_MODEL_SNAPSHOT_H_
