// Decoding of the compacted contributors topic (DESIGN.md section 4).
//
// Key: the contributor id (non-empty UTF-8, at most 256 bytes). Value:
//   {"verification": "verified", "reputation": 0.82}
// where "verification" is one of unverified, pending, verified, revoked and
// "reputation" a number in [0, 1]; both are required, other fields are
// skipped. A null value is a tombstone: the contributor's metadata was
// deleted and it returns to the defaults (unverified, no reputation).
//
// Thread safety: ContributorDecoder is not thread safe; use one per thread.
#ifndef ANML_CONNECTORS_CONTRIBUTOR_CODEC_H_
#define ANML_CONNECTORS_CONTRIBUTOR_CODEC_H_

#include <string>
#include <vector>

#include <simdjson.h>

#include "connectors/dead_letter_reason.h"
#include "connectors/raw_record.h"
#include "engine/status.h"
#include "engine/verification.h"

namespace anml::connectors {

struct ContributorRecord {
  std::string contributor;
  engine::Verification verification = engine::Verification::kUnverified;
  double reputation = 0.0;
  bool deleted = false;  // A tombstone: forget the contributor's metadata.
};

class ContributorDecoder {
 public:
  // Decodes `record` into `*out`. Returns OK, or kInvalidArgument naming the
  // place, the field and expected against actual, with `*reason` set.
  Status Decode(const RawRecord& record, ContributorRecord* out, DeadLetterReason* reason);

 private:
  Status DecodeFields(const RawRecord& record, ContributorRecord* out,
                      DeadLetterReason* reason);

  simdjson::dom::parser parser_;
  std::vector<char> padded_;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_CONTRIBUTOR_CODEC_H_
