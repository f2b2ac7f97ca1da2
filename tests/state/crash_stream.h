// The seeded sample stream and engine step shared by the crash test and its
// child process, so both apply exactly the same steps.
//
// Sample i (its offset on the fake input partition "samples"/0) comes from
// one of kCrashContributors contributors, with kCrashDimension features and
// a binary label from a fixed linear rule; two contributors flip a quarter
// of their labels, so the weights differ. Everything is a function of
// (seed, i): no state, no clock.
#ifndef ANML_TESTS_STATE_CRASH_STREAM_H_
#define ANML_TESTS_STATE_CRASH_STREAM_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/pipeline.h"
#include "engine/sample.h"
#include "engine/status.h"
#include "state/records.h"

namespace anml::state {

inline constexpr int kCrashDimension = 4;
inline constexpr uint64_t kCrashContributors = 8;
inline constexpr int64_t kCrashStartMs = 1'764'763'200'000;
inline constexpr int64_t kCrashSpacingMs = 60'000;
inline const TopicPartition kCrashInput{"samples", 0};

struct StreamSample {
  std::string contributor;
  std::array<double, kCrashDimension> features{};
  double label = 0;
  int64_t time_ms = 0;
  uint64_t key = 0;
};

inline double UnitFromHash(uint64_t hash) {
  return static_cast<double>(hash >> 11) * 0x1.0p-53 * 2.0 - 1.0;  // [-1, 1)
}

inline StreamSample MakeStreamSample(uint64_t seed, int64_t index) {
  const uint64_t base = engine::MixHash(seed * 0x100000001b3ULL + static_cast<uint64_t>(index));
  StreamSample sample;
  const uint64_t who = base % kCrashContributors;
  sample.contributor = "contributor-" + std::to_string(who);
  double margin = 0.25;
  for (int j = 0; j < kCrashDimension; ++j) {
    sample.features[j] = UnitFromHash(engine::MixHash(base + static_cast<uint64_t>(j) + 1));
    margin += (j % 2 == 0 ? 1.0 : -0.5) * sample.features[j];
  }
  sample.label = margin > 0 ? 1.0 : 0.0;
  const bool flips = who < 2 && engine::MixHash(base ^ 0xf11fULL) % 4 == 0;
  if (flips) sample.label = 1.0 - sample.label;
  sample.time_ms = kCrashStartMs + index * kCrashSpacingMs;
  sample.key = engine::MixHash(base ^ 0x5eedULL);
  return sample;
}

// The engine configuration of both runs: frequent refreshes, so that kills
// land before, between and after g_ref and gate refreshes.
inline engine::EngineConfig CrashEngineConfig() {
  engine::EngineConfig config;
  config.dimension = kCrashDimension;
  config.reference.refresh_interval = 16;
  config.gate.heldout_fraction = 0.1;
  return config;
}

// The contributor ids of samples [begin, end).
inline std::vector<std::string> StreamIds(uint64_t seed, int64_t begin, int64_t end) {
  std::vector<std::string> ids;
  for (int64_t i = begin; i < end; ++i) ids.push_back(MakeStreamSample(seed, i).contributor);
  return ids;
}

// Applies samples [begin, end) to the pipeline, interning each contributor
// (the caller makes stored records resident first). Calls `midway` once,
// after the first half of the samples, so a test can stop a step there.
template <typename Midway>
Status ApplyStreamSamples(engine::Pipeline& pipeline, uint64_t seed, int64_t begin, int64_t end,
                          Midway midway) {
  for (int64_t i = begin; i < end; ++i) {
    if (i == begin + (end - begin) / 2) midway();
    const StreamSample s = MakeStreamSample(seed, i);
    engine::Sample sample;
    sample.contributor = pipeline.Intern(s.contributor);
    sample.features = s.features;
    sample.label = s.label;
    sample.time_ms = s.time_ms;
    sample.key = s.key;
    StatusOr<engine::SampleOutcome> outcome = pipeline.Process(sample);
    if (!outcome.ok()) return outcome.status().WithContext("sample " + std::to_string(i));
  }
  return Status::Ok();
}

}  // namespace anml::state

#endif  // ANML_TESTS_STATE_CRASH_STREAM_H_
