// The plain values the state store keeps beside contributor records and
// model snapshots: contributor metadata, input offsets and published
// weights.
#ifndef ANML_STATE_RECORDS_H_
#define ANML_STATE_RECORDS_H_

#include <compare>
#include <cstdint>
#include <map>
#include <string>

#include "engine/pipeline.h"
#include "engine/verification.h"

namespace anml::state {

// A contributor's provenance as the contributors topic last stated it.
struct ContributorMetadata {
  engine::Verification verification = engine::Verification::kUnverified;
  double reputation = 0.5;  // External score in [0, 1].

  friend bool operator==(const ContributorMetadata&, const ContributorMetadata&) = default;
};

// An input topic partition.
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;

  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// The next offset to consume from each input partition: every sample before
// it is reflected in the committed state, none at or after it.
using OffsetMap = std::map<TopicPartition, int64_t>;

// The weight last published for a contributor, kept so `anml inspect` can
// rank contributors without rebuilding the engine.
struct StoredWeight {
  engine::ContributorReport report;
  uint64_t model_version = 0;  // The model the weight was computed with.
};

}  // namespace anml::state

#endif  // ANML_STATE_RECORDS_H_
