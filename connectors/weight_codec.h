// The weights topic's record (DESIGN.md section 4): one contributor's current
// weight and the factors behind it, keyed by the contributor id.
//
// JSON value, field by field: "contributor", "weight", "q", "v", "r", "T",
// "gate_stage", "sample_count", "attribution", "served_scheme",
// "model_version", "time" (epoch milliseconds). Non-finite numbers are
// written as null, because JSON has no NaN.
//
// Thread safety: free functions on values.
#ifndef ANML_CONNECTORS_WEIGHT_CODEC_H_
#define ANML_CONNECTORS_WEIGHT_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/status.h"

namespace anml::connectors {

struct WeightRecord {
  std::string contributor;
  double weight = 0.0;       // The combined weight the engine applies.
  double q = 0.0;            // Quality factor.
  double v = 0.0;            // Verification factor.
  double r = 0.0;            // Reputation factor.
  double T = 0.0;            // Time (recency) factor, named as in the design.
  int gate_stage = 0;        // Stage of the scheme gate that served this.
  uint64_t sample_count = 0; // Samples seen from the contributor.
  double attribution = 0.0;  // The contributor's share of the model update.
  std::string served_scheme;
  uint64_t model_version = 0;
  int64_t time_ms = 0;  // When the weight was computed.

  friend bool operator==(const WeightRecord&, const WeightRecord&) = default;
};

// The JSON value of `record`.
std::string EncodeWeightRecord(const WeightRecord& record);

// Parses a value written by EncodeWeightRecord; null numbers read as NaN.
// Errors: kInvalidArgument naming the first missing or mistyped field.
StatusOr<WeightRecord> DecodeWeightRecord(std::string_view value);

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_WEIGHT_CODEC_H_
