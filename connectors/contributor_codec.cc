#include "connectors/contributor_codec.h"

#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "connectors/internal/record_checks.h"

namespace anml::connectors {
namespace {

namespace dom = simdjson::dom;

Status Reject(DeadLetterReason why, DeadLetterReason* reason, std::string message) {
  *reason = why;
  return InvalidArgument(std::move(message));
}

}  // namespace

Status ContributorDecoder::Decode(const RawRecord& record, ContributorRecord* out,
                                  DeadLetterReason* reason) {
  *out = ContributorRecord{};
  if (!record.key.has_value()) {
    return Reject(DeadLetterReason::kMissingContributor, reason,
                  fmt::format("{}: message key is null, expected the contributor id",
                              RecordPlace(record)));
  }
  ANML_RETURN_IF_ERROR(internal::CheckContributorId(*record.key, record, reason));
  out->contributor.assign(*record.key);
  if (!record.value.has_value()) {
    out->deleted = true;
    return Status::Ok();
  }
  if (record.value->empty()) {
    return Reject(DeadLetterReason::kEmptyValue, reason,
                  fmt::format("{}: value is empty, expected a JSON object or null",
                              RecordPlace(record)));
  }
  return DecodeFields(record, out, reason);
}

Status ContributorDecoder::DecodeFields(const RawRecord& record, ContributorRecord* out,
                                        DeadLetterReason* reason) {
  const std::string_view value = *record.value;
  padded_.resize(value.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded_.data(), value.data(), value.size());
  dom::element root;
  dom::object object;
  auto error = parser_.parse(padded_.data(), value.size(), false).get(root);
  if (!error) error = root.get_object().get(object);
  if (error) {
    return Reject(DeadLetterReason::kBadJson, reason,
                  fmt::format("{}: value is not a valid JSON object: {}", RecordPlace(record),
                              simdjson::error_message(error)));
  }
  std::string_view verification;
  dom::element field;
  if (object.at_key("verification").get(field)) {
    return Reject(DeadLetterReason::kBadVerification, reason,
                  fmt::format("{}: field 'verification' is missing", RecordPlace(record)));
  }
  std::optional<engine::Verification> level;
  if (!field.get_string().get(verification)) level = engine::ParseVerification(verification);
  if (!level) {
    return Reject(DeadLetterReason::kBadVerification, reason,
                  fmt::format("{}: field 'verification' is {}, expected one of unverified, "
                              "pending, verified, revoked",
                              RecordPlace(record), simdjson::minify(field)));
  }
  if (object.at_key("reputation").get(field)) {
    return Reject(DeadLetterReason::kBadReputation, reason,
                  fmt::format("{}: field 'reputation' is missing", RecordPlace(record)));
  }
  double reputation = -1.0;
  if (field.get_double().get(reputation) || !(reputation >= 0.0 && reputation <= 1.0)) {
    return Reject(DeadLetterReason::kBadReputation, reason,
                  fmt::format("{}: field 'reputation' is {}, expected a number in [0, 1]",
                              RecordPlace(record), simdjson::minify(field)));
  }
  out->verification = *level;
  out->reputation = reputation;
  return Status::Ok();
}

}  // namespace anml::connectors
