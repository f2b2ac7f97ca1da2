// Fuzz target: ContributorDecoder::Decode on arbitrary bytes.
//
// The first byte picks the message key (null, empty, a normal id, or the
// next bytes up to a NUL, so ids of any content and length are tried) and
// whether the value is null (a tombstone); the rest is the value. Whatever
// the bytes, a decode must not crash, leak or hit undefined behaviour; a
// rejection must be a non-OK Status with a message; an accepted record
// must hold a valid id, a known verification level and a reputation in
// [0, 1].
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "connectors/contributor_codec.h"
#include "fuzz/fuzz_stats.h"

namespace {

using anml::connectors::ContributorDecoder;
using anml::connectors::ContributorRecord;
using anml::connectors::DeadLetterReason;
using anml::connectors::RawRecord;

// Splits `rest` into a key and a value as the selector says.
void SplitKey(uint8_t selector, std::string_view* rest, RawRecord* record) {
  switch (selector % 4) {
    case 0: record->key = std::nullopt; return;
    case 1: record->key = std::string_view(); return;
    case 2: record->key = std::string_view("lab-17"); return;
    default: {
      const size_t end = rest->find('\0');
      record->key = rest->substr(0, end);
      rest->remove_prefix(end == std::string_view::npos ? rest->size() : end + 1);
    }
  }
}

void CheckAccepted(const ContributorRecord& out) {
  using anml::fuzz::Require;
  Require(!out.contributor.empty(), "accepted record has an empty contributor");
  Require(out.contributor.size() <= anml::connectors::kMaxContributorIdBytes,
          "accepted record has an oversized contributor");
  if (out.deleted) return;
  Require(static_cast<int>(out.verification) <= 3, "unknown verification level");
  Require(std::isfinite(out.reputation) && out.reputation >= 0 && out.reputation <= 1,
          "reputation outside [0, 1]");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  anml::fuzz::FuzzStats::Install("contributor_decoder");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static ContributorDecoder decoder;  // Reused, as the source reuses it.
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  RawRecord record;
  record.topic = "anml.contributors";
  SplitKey(data[0], &rest, &record);
  if (data[0] & 0x80) {
    record.value = std::nullopt;
  } else {
    record.value = rest;
  }

  ContributorRecord out;
  DeadLetterReason reason = DeadLetterReason::kEmptyValue;
  anml::Status status = decoder.Decode(record, &out, &reason);
  if (status.ok()) {
    CheckAccepted(out);
  } else {
    anml::fuzz::Require(!status.message().empty(), "rejection without a message");
  }
  anml::fuzz::FuzzStats::Count(!status.ok());
  return 0;
}
