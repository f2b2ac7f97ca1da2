// Decoding and validation of the samples topic's JSON records
// (DESIGN.md section 4).
//
// A record value is a JSON object:
//   {"contributor": "lab-17", "features": [0.1, 2.0], "label": 1,
//    "time": 1764763200000, "id": "s-991"}
// - "contributor" (required): non-empty UTF-8, at most 256 bytes.
// - "features" (required): an array of exactly `dimension` finite numbers,
//   or, when the schema names its features, an object mapping every declared
//   name to a finite number (no unknown names, no repeats).
// - "label" (required): 0 or 1 for binary; an integer in [0, classes) for
//   multiclass; any finite number for regression.
// - "time" (optional): epoch milliseconds as a non-negative integer, or an
//   RFC 3339 string; when absent, the Kafka message timestamp is used.
// - "id" (optional): a string identifying the sample.
// Other fields are skipped. The message key should be the contributor id: a
// null or empty key is accepted (the value's id is used), a different
// non-empty key is rejected as key_mismatch, because partitioning by key
// would otherwise place a contributor's samples on several partitions.
//
// Parsing takes two paths. Records in the common layout (only the fields
// above, dense features, printable ASCII strings without escapes) are read
// by a strict single-pass scanner (connectors/internal/sample_scanner.h),
// which reads such records about 1.5 times as fast as the DOM path does
// (`anml bench connectors` prints both rates).
// Everything else, and every record that fails a check, is parsed with
// simdjson's DOM API, which picks the fastest kernel for the CPU at run
// time (its On Demand API would be fixed at compile time to the portable
// fallback kernel for a generic x86-64 build). Both paths give the same
// result for every value: a field that fails a check is always reported by
// the DOM path, and missing fields or a key mismatch by checks both paths
// share, so each error has one wording. JSON has no NaN or Infinity; a value that is
// JSON but for such a literal is reported as bad_feature, other unparseable
// values (including numbers beyond the range of a double) as bad_json.
//
// Thread safety: SampleDecoder is not thread safe; use one per thread.
// Limitations: a record outside the common layout is fully parsed, unknown
// fields included.
#ifndef ANML_CONNECTORS_SAMPLE_CODEC_H_
#define ANML_CONNECTORS_SAMPLE_CODEC_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "connectors/dead_letter_reason.h"
#include "connectors/raw_record.h"
#include "engine/sample.h"
#include "engine/status.h"

namespace anml::connectors {

// What a valid sample looks like.
struct RecordSchema {
  engine::Task task = engine::Task::kBinary;
  int dimension = 0;  // Number of features; > 0.
  int classes = 2;    // For kMulticlass: labels are 0 .. classes - 1.
  // When non-empty, "features" is an object keyed by these names, and the
  // name at index i fills feature i. Its size must equal `dimension`.
  std::vector<std::string> feature_names;
  size_t max_record_bytes = 64 * 1024;
};

// One decoded sample and where it came from. Buffers are reused when a
// SampleRecord is decoded into again.
struct SampleRecord {
  std::string contributor;
  std::vector<double> features;
  double label = 0.0;
  int64_t time_ms = 0;
  std::string id;  // Empty when the record has none.
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

class SampleDecoder {
 public:
  // Which parser reads a record: the common-layout scanner first (the
  // DOM path for whatever it declines), or the DOM path alone, which tests
  // use to check that both agree.
  enum class Parsing { kCommonLayoutFirst, kDomOnly };

  // Precondition: schema is valid (see ValidateSchema).
  explicit SampleDecoder(RecordSchema schema, Parsing parsing = Parsing::kCommonLayoutFirst);

  // OK when the schema is usable: dimension > 0, classes >= 2 for
  // multiclass, feature_names empty or of size dimension without repeats,
  // max_record_bytes > 0. Otherwise kInvalidArgument saying which.
  static Status ValidateSchema(const RecordSchema& schema);

  // Decodes and validates `record` into `*out`, overwriting it.
  // Returns OK, or kInvalidArgument whose message names the place
  // (topic[partition]@offset), the field and the expected against the
  // actual value; `*reason` then says which check failed and `*out` holds
  // partial data.
  Status Decode(const RawRecord& record, SampleRecord* out, DeadLetterReason* reason);

  const RecordSchema& schema() const { return schema_; }

  // Records accepted by the common-layout scanner so far.
  uint64_t common_layout_decodes() const { return common_layout_decodes_; }

 private:
  bool DecodeCommonLayout(const RawRecord& record, SampleRecord* out);
  bool LabelInRange(double label) const;
  Status DecodeObject(const RawRecord& record, SampleRecord* out, DeadLetterReason* reason);
  Status DecodeField(std::string_view name, simdjson::dom::element value, const RawRecord& record,
                     SampleRecord* out, DeadLetterReason* reason);
  Status DecodeFeatureArray(simdjson::dom::element value, const RawRecord& record,
                            SampleRecord* out, DeadLetterReason* reason);
  Status DecodeNamedFeatures(simdjson::dom::element value, const RawRecord& record,
                             SampleRecord* out, DeadLetterReason* reason);
  Status DecodeLabel(simdjson::dom::element value, const RawRecord& record, SampleRecord* out,
                     DeadLetterReason* reason);
  Status DecodeTime(simdjson::dom::element value, const RawRecord& record, SampleRecord* out,
                    DeadLetterReason* reason);
  Status CheckComplete(const RawRecord& record, SampleRecord* out, DeadLetterReason* reason);

  // Lets the name index be searched with a string_view, without a copy.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };

  RecordSchema schema_;
  Parsing parsing_;
  uint64_t common_layout_decodes_ = 0;
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> name_index_;
  simdjson::dom::parser parser_;
  std::vector<char> padded_;  // The value copied with simdjson's padding.
  // Which required fields the record being decoded has shown so far.
  bool has_contributor_ = false;
  bool has_features_ = false;
  bool has_label_ = false;
  bool has_time_ = false;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_SAMPLE_CODEC_H_
