#include "connectors/dead_letter_reason.h"

namespace anml::connectors {

std::string_view DeadLetterReasonName(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::kEmptyValue: return "empty_value";
    case DeadLetterReason::kTooLarge: return "too_large";
    case DeadLetterReason::kBadJson: return "bad_json";
    case DeadLetterReason::kMissingContributor: return "missing_contributor";
    case DeadLetterReason::kInvalidContributor: return "invalid_contributor";
    case DeadLetterReason::kOversizedContributor: return "oversized_contributor";
    case DeadLetterReason::kKeyMismatch: return "key_mismatch";
    case DeadLetterReason::kBadFeature: return "bad_feature";
    case DeadLetterReason::kWrongDimension: return "wrong_dimension";
    case DeadLetterReason::kBadLabel: return "bad_label";
    case DeadLetterReason::kBadTime: return "bad_time";
    case DeadLetterReason::kBadId: return "bad_id";
    case DeadLetterReason::kBadVerification: return "bad_verification";
    case DeadLetterReason::kBadReputation: return "bad_reputation";
  }
  return "unknown";
}

void DeadLetterCounters::Increment(DeadLetterReason reason) {
  counts_[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t DeadLetterCounters::count(DeadLetterReason reason) const {
  return counts_[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
}

uint64_t DeadLetterCounters::total() const {
  uint64_t sum = 0;
  for (const auto& count : counts_) sum += count.load(std::memory_order_relaxed);
  return sum;
}

}  // namespace anml::connectors
