// FuzzStats: the counts every anml fuzz target prints when it exits.
//
// libFuzzer reports executions but not how many inputs the decoder
// rejected; scripts/fuzz.sh reads the one line this prints at exit,
//   fuzz stats: <target>: <executions> executions, <rejected> rejected
// so CI shows that the run reached both the accepting and the rejecting
// paths.
//
// Thread safety: libFuzzer runs a target on one thread; the counts are
// plain integers.
#ifndef ANML_FUZZ_FUZZ_STATS_H_
#define ANML_FUZZ_FUZZ_STATS_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace anml::fuzz {

class FuzzStats {
 public:
  // Registers the exit report for the target named `target` (a literal).
  static void Install(const char* target) {
    target_ = target;
    std::atexit(Report);
  }

  static void Count(bool rejected) {
    ++executions_;
    if (rejected) ++rejected_;
  }

 private:
  static void Report() {
    std::fprintf(stderr, "fuzz stats: %s: %llu executions, %llu rejected\n", target_,
                 static_cast<unsigned long long>(executions_),
                 static_cast<unsigned long long>(rejected_));
  }

  static inline const char* target_ = "unknown";
  static inline uint64_t executions_ = 0;
  static inline uint64_t rejected_ = 0;
};

// Stops the run with a message when an invariant of a decoder fails; the
// fuzzer then saves the input that caused it.
inline void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

}  // namespace anml::fuzz

#endif  // ANML_FUZZ_FUZZ_STATS_H_
