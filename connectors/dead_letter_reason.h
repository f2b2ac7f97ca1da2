// Why a record went to the dead-letter topic, and how many did, by reason.
//
// The reason names are stable codes: they appear in the `anml.error.reason`
// header of every dead letter and as a metric label, so renaming one is a
// breaking change.
//
// Thread safety: DeadLetterCounters may be incremented and read from any
// thread (relaxed atomics; the counts are monotonic totals).
#ifndef ANML_CONNECTORS_DEAD_LETTER_REASON_H_
#define ANML_CONNECTORS_DEAD_LETTER_REASON_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace anml::connectors {

enum class DeadLetterReason : uint8_t {
  kEmptyValue = 0,        // empty_value: no bytes (or a null value) at all.
  kTooLarge,              // too_large: value longer than the schema's limit.
  kBadJson,               // bad_json: not a JSON object.
  kMissingContributor,    // missing_contributor: no non-empty contributor id.
  kInvalidContributor,    // invalid_contributor: id not a UTF-8 string.
  kOversizedContributor,  // oversized_contributor: id longer than 256 bytes.
  kKeyMismatch,           // key_mismatch: message key differs from the id.
  kBadFeature,            // bad_feature: a feature is not a finite number.
  kWrongDimension,        // wrong_dimension: feature count or names differ.
  kBadLabel,              // bad_label: label missing or out of range.
  kBadTime,               // bad_time: time unparseable and no timestamp.
  kBadId,                 // bad_id: "id" present but not a string.
  kBadVerification,       // bad_verification: unknown verification level.
  kBadReputation,         // bad_reputation: reputation not in [0, 1].
};

inline constexpr int kDeadLetterReasonCount = 14;

// The stable code of `reason`, for example "bad_json".
std::string_view DeadLetterReasonName(DeadLetterReason reason);

// Dead letters counted by reason. Exported by the service as
// kDeadLettersMetric with the reason name as the only label.
class DeadLetterCounters {
 public:
  static constexpr std::string_view kDeadLettersMetric = "anml_dead_letters_total";
  static constexpr std::string_view kDeadLettersHelp =
      "Records routed to the dead-letter topic, by reason code";

  void Increment(DeadLetterReason reason);
  uint64_t count(DeadLetterReason reason) const;
  uint64_t total() const;

 private:
  std::array<std::atomic<uint64_t>, kDeadLetterReasonCount> counts_{};
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_DEAD_LETTER_REASON_H_
