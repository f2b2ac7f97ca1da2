#include "connectors/sample_codec.h"

#include <cmath>
#include <cstring>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "connectors/internal/record_checks.h"
#include "connectors/internal/sample_scanner.h"

namespace anml::connectors {
namespace {

namespace dom = simdjson::dom;

Status Reject(DeadLetterReason why, DeadLetterReason* reason, std::string message) {
  *reason = why;
  return InvalidArgument(std::move(message));
}

// A short excerpt of the JSON value that failed a check.
std::string Token(dom::element value) {
  constexpr size_t kMaxExcerpt = 32;
  std::string text = simdjson::minify(value);
  if (text.size() > kMaxExcerpt) text = text.substr(0, kMaxExcerpt) + "...";
  return text;
}

// The non-finite literal (NaN, Infinity) that some JSON writers emit for a
// non-finite float, if `text` holds one outside its strings.
std::optional<std::string_view> NonFiniteLiteral(std::string_view text) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // Skips the escaped character.
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    for (std::string_view literal : {"NaN", "Infinity"}) {
      if (text.substr(i, literal.size()) == literal) return literal;
    }
  }
  return std::nullopt;
}

}  // namespace

SampleDecoder::SampleDecoder(RecordSchema schema, Parsing parsing)
    : schema_(std::move(schema)),
      parsing_(parsing),
      padded_(schema_.max_record_bytes + simdjson::SIMDJSON_PADDING) {
  for (size_t i = 0; i < schema_.feature_names.size(); ++i) {
    name_index_.emplace(schema_.feature_names[i], static_cast<int>(i));
  }
}

Status SampleDecoder::ValidateSchema(const RecordSchema& schema) {
  if (schema.dimension <= 0) {
    return InvalidArgument(
        fmt::format("record schema: dimension is {}, expected > 0", schema.dimension));
  }
  if (schema.task == engine::Task::kMulticlass && schema.classes < 2) {
    return InvalidArgument(fmt::format(
        "record schema: multiclass task has {} classes, expected >= 2", schema.classes));
  }
  if (schema.max_record_bytes == 0) {
    return InvalidArgument("record schema: max_record_bytes is 0, expected > 0");
  }
  const auto& names = schema.feature_names;
  if (!names.empty() && names.size() != static_cast<size_t>(schema.dimension)) {
    return InvalidArgument(fmt::format("record schema: {} feature names for dimension {}",
                                       names.size(), schema.dimension));
  }
  std::unordered_set<std::string_view> seen(names.begin(), names.end());
  if (seen.size() != names.size()) {
    return InvalidArgument("record schema: feature names repeat");
  }
  return Status::Ok();
}

Status SampleDecoder::Decode(const RawRecord& record, SampleRecord* out, DeadLetterReason* reason) {
  out->topic.assign(record.topic);
  out->partition = record.partition;
  out->offset = record.offset;
  if (!record.value.has_value() || record.value->empty()) {
    return Reject(DeadLetterReason::kEmptyValue, reason,
                  fmt::format("{}: value is empty, expected a JSON object", RecordPlace(record)));
  }
  if (record.value->size() > schema_.max_record_bytes) {
    return Reject(DeadLetterReason::kTooLarge, reason,
                  fmt::format("{}: value has {} bytes, expected at most {}", RecordPlace(record),
                              record.value->size(), schema_.max_record_bytes));
  }
  if (parsing_ == Parsing::kCommonLayoutFirst && DecodeCommonLayout(record, out)) {
    ++common_layout_decodes_;
  } else {
    ANML_RETURN_IF_ERROR(DecodeObject(record, out, reason));
  }
  return CheckComplete(record, out, reason);
}

// Takes the record only when the scanner reads it and every field it has
// passes the checks the DOM path makes; any doubt leaves the record to the
// DOM path, which then accepts it or words the error.
bool SampleDecoder::DecodeCommonLayout(const RawRecord& record, SampleRecord* out) {
  if (!schema_.feature_names.empty()) return false;
  out->features.resize(static_cast<size_t>(schema_.dimension));
  internal::ScannedSample scanned;
  if (!internal::ScanCommonSample(*record.value, out->features.size(), out->features.data(),
                                  &scanned)) {
    return false;
  }
  // The scanner's strings are printable ASCII, so valid UTF-8.
  if (scanned.has_contributor &&
      (scanned.contributor.empty() || scanned.contributor.size() > kMaxContributorIdBytes)) {
    return false;
  }
  if (scanned.has_label && !LabelInRange(scanned.label)) return false;
  if (scanned.has_time && scanned.time_is_text) {
    std::optional<int64_t> time_ms = internal::ParseRfc3339Ms(scanned.time_text);
    if (!time_ms) return false;
    scanned.time_ms = *time_ms;
  }

  has_contributor_ = scanned.has_contributor;
  has_features_ = scanned.has_features;
  has_label_ = scanned.has_label;
  has_time_ = scanned.has_time;
  out->contributor.assign(scanned.contributor);
  out->label = scanned.label;
  if (scanned.has_time) out->time_ms = scanned.time_ms;
  out->id.assign(scanned.id);
  return true;
}

Status SampleDecoder::DecodeObject(const RawRecord& record, SampleRecord* out,
                                   DeadLetterReason* reason) {
  has_contributor_ = has_features_ = has_label_ = has_time_ = false;
  out->id.clear();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input,
  // so the value is copied into a buffer that owns that slack.
  const std::string_view value = *record.value;
  std::memcpy(padded_.data(), value.data(), value.size());
  dom::element root;
  dom::object object;
  auto error = parser_.parse(padded_.data(), value.size(), false).get(root);
  if (!error) error = root.get_object().get(object);
  if (error) {
    std::optional<std::string_view> literal = NonFiniteLiteral(value);
    if (error != simdjson::INCORRECT_TYPE && literal) {
      return Reject(DeadLetterReason::kBadFeature, reason,
                    fmt::format("{}: value holds the literal {}, expected finite numbers "
                                "(JSON has no non-finite numbers)",
                                RecordPlace(record), *literal));
    }
    return Reject(DeadLetterReason::kBadJson, reason,
                  fmt::format("{}: value is not a valid JSON object: {}", RecordPlace(record),
                              simdjson::error_message(error)));
  }
  for (dom::key_value_pair field : object) {
    ANML_RETURN_IF_ERROR(DecodeField(field.key, field.value, record, out, reason));
  }
  return Status::Ok();
}

Status SampleDecoder::DecodeField(std::string_view name, dom::element value,
                                  const RawRecord& record, SampleRecord* out,
                                  DeadLetterReason* reason) {
  if (name == "features") return DecodeFeatureArray(value, record, out, reason);
  if (name == "label") return DecodeLabel(value, record, out, reason);
  if (name == "time") return DecodeTime(value, record, out, reason);
  if (name == "contributor") {
    std::string_view id;
    if (value.get_string().get(id)) {
      return Reject(DeadLetterReason::kInvalidContributor, reason,
                    fmt::format("{}: field 'contributor' is {}, expected a string",
                                RecordPlace(record), Token(value)));
    }
    ANML_RETURN_IF_ERROR(internal::CheckContributorId(id, record, reason));
    out->contributor.assign(id);
    has_contributor_ = true;
    return Status::Ok();
  }
  if (name == "id") {
    std::string_view id;
    if (value.get_string().get(id)) {
      return Reject(DeadLetterReason::kBadId, reason,
                    fmt::format("{}: field 'id' is {}, expected a string", RecordPlace(record),
                                Token(value)));
    }
    out->id.assign(id);
  }
  return Status::Ok();
}

Status SampleDecoder::DecodeFeatureArray(dom::element value, const RawRecord& record,
                                         SampleRecord* out, DeadLetterReason* reason) {
  if (value.is_object()) return DecodeNamedFeatures(value, record, out, reason);
  if (!schema_.feature_names.empty()) {
    return Reject(DeadLetterReason::kBadFeature, reason,
                  fmt::format("{}: field 'features' is an array, expected an object "
                              "of {} named features",
                              RecordPlace(record), schema_.dimension));
  }
  dom::array array;
  if (value.get_array().get(array)) {
    return Reject(DeadLetterReason::kBadFeature, reason,
                  fmt::format("{}: field 'features' is {}, expected an array of {} numbers",
                              RecordPlace(record), Token(value), schema_.dimension));
  }
  const size_t dimension = static_cast<size_t>(schema_.dimension);
  if (array.size() != dimension) {
    return Reject(DeadLetterReason::kWrongDimension, reason,
                  fmt::format("{}: field 'features' has {} values, expected {}",
                              RecordPlace(record), array.size(), dimension));
  }
  out->features.resize(dimension);
  size_t i = 0;
  for (dom::element element : array) {
    double number = 0.0;
    if (element.get_double().get(number) || !std::isfinite(number)) {
      return Reject(DeadLetterReason::kBadFeature, reason,
                    fmt::format("{}: feature {} is {}, expected a finite number",
                                RecordPlace(record), i, Token(element)));
    }
    out->features[i++] = number;
  }
  has_features_ = true;
  return Status::Ok();
}

Status SampleDecoder::DecodeNamedFeatures(dom::element value, const RawRecord& record,
                                          SampleRecord* out, DeadLetterReason* reason) {
  if (schema_.feature_names.empty()) {
    return Reject(DeadLetterReason::kBadFeature, reason,
                  fmt::format("{}: field 'features' is an object, but the schema declares "
                              "no feature names; expected an array of {} numbers",
                              RecordPlace(record), schema_.dimension));
  }
  dom::object object;
  if (value.get_object().get(object)) {
    return Internal(fmt::format("{}: 'features' changed type while decoding", RecordPlace(record)));
  }
  out->features.assign(static_cast<size_t>(schema_.dimension), std::nan(""));
  size_t filled = 0;
  for (dom::key_value_pair field : object) {
    auto index = name_index_.find(field.key);
    if (index == name_index_.end()) {
      return Reject(DeadLetterReason::kWrongDimension, reason,
                    fmt::format("{}: feature '{}' is not in the schema's {} names",
                                RecordPlace(record), field.key, schema_.dimension));
    }
    double& slot = out->features[static_cast<size_t>(index->second)];
    double number = 0.0;
    if (field.value.get_double().get(number) || !std::isfinite(number) || !std::isnan(slot)) {
      return Reject(DeadLetterReason::kBadFeature, reason,
                    fmt::format("{}: feature '{}' is {}, expected one finite number",
                                RecordPlace(record), field.key, Token(field.value)));
    }
    slot = number;
    ++filled;
  }
  if (filled != schema_.feature_names.size()) {
    size_t missing = 0;
    while (!std::isnan(out->features[missing])) ++missing;
    return Reject(DeadLetterReason::kWrongDimension, reason,
                  fmt::format("{}: field 'features' has {} of {} named features; "
                              "'{}' is missing",
                              RecordPlace(record), filled, schema_.dimension,
                              schema_.feature_names[missing]));
  }
  has_features_ = true;
  return Status::Ok();
}

Status SampleDecoder::DecodeLabel(dom::element value, const RawRecord& record, SampleRecord* out,
                                  DeadLetterReason* reason) {
  double label = 0.0;
  if (value.get_double().get(label) != simdjson::SUCCESS || !LabelInRange(label)) {
    std::string expected = "a finite number";
    if (schema_.task == engine::Task::kBinary) {
      expected = "0 or 1";
    } else if (schema_.task == engine::Task::kMulticlass) {
      expected = fmt::format("an integer in [0, {})", schema_.classes);
    }
    return Reject(DeadLetterReason::kBadLabel, reason,
                  fmt::format("{}: field 'label' is {}, expected {}", RecordPlace(record),
                              Token(value), expected));
  }
  out->label = label;
  has_label_ = true;
  return Status::Ok();
}

bool SampleDecoder::LabelInRange(double label) const {
  switch (schema_.task) {
    case engine::Task::kBinary:
      return label == 0.0 || label == 1.0;
    case engine::Task::kMulticlass:
      return label >= 0.0 && label < schema_.classes && label == std::floor(label);
    case engine::Task::kRegression:
      return std::isfinite(label);
  }
  return false;
}

Status SampleDecoder::DecodeTime(dom::element value, const RawRecord& record, SampleRecord* out,
                                 DeadLetterReason* reason) {
  std::optional<int64_t> time_ms;
  int64_t integer = 0;
  std::string_view text;
  if (value.is_int64() && !value.get_int64().get(integer) && integer >= 0) {
    time_ms = integer;
  } else if (!value.get_string().get(text)) {
    time_ms = internal::ParseRfc3339Ms(text);
  }
  if (!time_ms) {
    return Reject(DeadLetterReason::kBadTime, reason,
                  fmt::format("{}: field 'time' is {}, expected epoch milliseconds "
                              "(an integer >= 0) or an RFC 3339 string",
                              RecordPlace(record), Token(value)));
  }
  out->time_ms = *time_ms;
  has_time_ = true;
  return Status::Ok();
}

Status SampleDecoder::CheckComplete(const RawRecord& record, SampleRecord* out,
                                    DeadLetterReason* reason) {
  if (!has_contributor_) {
    return Reject(DeadLetterReason::kMissingContributor, reason,
                  fmt::format("{}: field 'contributor' is missing", RecordPlace(record)));
  }
  if (record.key.has_value() && !record.key->empty() && *record.key != out->contributor) {
    return Reject(
        DeadLetterReason::kKeyMismatch, reason,
        fmt::format("{}: message key '{}' differs from contributor '{}'", RecordPlace(record),
                    PrintableId(*record.key), PrintableId(out->contributor)));
  }
  if (!has_features_) {
    return Reject(DeadLetterReason::kWrongDimension, reason,
                  fmt::format("{}: field 'features' is missing, expected {} values",
                              RecordPlace(record), schema_.dimension));
  }
  if (!has_label_) {
    return Reject(DeadLetterReason::kBadLabel, reason,
                  fmt::format("{}: field 'label' is missing", RecordPlace(record)));
  }
  if (!has_time_) {
    if (record.timestamp_ms < 0) {
      return Reject(DeadLetterReason::kBadTime, reason,
                    fmt::format("{}: field 'time' is missing and the message has no "
                                "timestamp",
                                RecordPlace(record)));
    }
    out->time_ms = record.timestamp_ms;
  }
  return Status::Ok();
}

}  // namespace anml::connectors
