#include "engine/sample.h"

namespace anml::engine {

std::string_view TaskName(Task task) {
  switch (task) {
    case Task::kBinary: return "binary";
    case Task::kMulticlass: return "multiclass";
    case Task::kRegression: return "regression";
  }
  return "unknown";
}

uint64_t MixHash(uint64_t value) {
  // splitmix64's finalizer: every input bit affects every output bit.
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

uint64_t StableHash(std::string_view bytes, uint64_t seed) {
  uint64_t hash = 0xcbf29ce484222325ULL ^ MixHash(seed);
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return MixHash(hash);
}

}  // namespace anml::engine
