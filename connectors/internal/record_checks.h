// Checks shared by the record codecs: contributor ids and RFC 3339 times.
#ifndef ANML_CONNECTORS_INTERNAL_RECORD_CHECKS_H_
#define ANML_CONNECTORS_INTERNAL_RECORD_CHECKS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "connectors/dead_letter_reason.h"
#include "connectors/raw_record.h"
#include "engine/status.h"

namespace anml::connectors::internal {

// OK when `id` is non-empty, valid UTF-8 and at most kMaxContributorIdBytes
// long; otherwise kInvalidArgument placed at `record`, with `*reason` set to
// kMissingContributor, kInvalidContributor or kOversizedContributor.
Status CheckContributorId(std::string_view id, const RawRecord& record,
                          DeadLetterReason* reason);

// Milliseconds since the Unix epoch of an RFC 3339 date-time such as
// "2025-12-03T12:00:00Z" or "2025-12-03T13:00:00.250+01:00"; nullopt when
// the text is not one. Fractions beyond milliseconds are truncated.
std::optional<int64_t> ParseRfc3339Ms(std::string_view text);

}  // namespace anml::connectors::internal

#endif  // ANML_CONNECTORS_INTERNAL_RECORD_CHECKS_H_
