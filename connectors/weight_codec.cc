#include "connectors/weight_codec.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace anml::connectors {
namespace {

using Json = nlohmann::json;

Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

// Reads `name` from `object` into `*out` when it holds the JSON type that
// `Check` accepts; nlohmann's get<>() cannot throw once the type is checked.
template <typename T, typename Check>
Status Read(const Json& object, const char* name, Check check, T* out) {
  auto it = object.find(name);
  if (it == object.end() || !check(*it)) {
    return InvalidArgument(fmt::format("weight record: field '{}' is {}", name,
                                       it == object.end() ? "missing" : it->dump()));
  }
  *out = it->template get<T>();
  return Status::Ok();
}

Status ReadNumber(const Json& object, const char* name, double* out) {
  auto it = object.find(name);
  if (it != object.end() && it->is_null()) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return Status::Ok();
  }
  return Read(object, name, [](const Json& j) { return j.is_number(); }, out);
}

}  // namespace

std::string EncodeWeightRecord(const WeightRecord& record) {
  Json value = {
      {"contributor", record.contributor},  {"weight", Number(record.weight)},
      {"q", Number(record.q)},              {"v", Number(record.v)},
      {"r", Number(record.r)},              {"T", Number(record.T)},
      {"gate_stage", record.gate_stage},    {"sample_count", record.sample_count},
      {"attribution", Number(record.attribution)},
      {"served_scheme", record.served_scheme},
      {"model_version", record.model_version},
      {"time", record.time_ms},
  };
  // Contributor ids are validated UTF-8 on the way in; replacing invalid
  // bytes keeps dump() from throwing should a caller pass anything else.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

StatusOr<WeightRecord> DecodeWeightRecord(std::string_view value) {
  Json object = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    return InvalidArgument("weight record: value is not a JSON object");
  }
  auto is_string = [](const Json& j) { return j.is_string(); };
  auto is_unsigned = [](const Json& j) { return j.is_number_unsigned(); };
  auto is_integer = [](const Json& j) { return j.is_number_integer(); };
  WeightRecord record;
  ANML_RETURN_IF_ERROR(Read(object, "contributor", is_string, &record.contributor));
  ANML_RETURN_IF_ERROR(ReadNumber(object, "weight", &record.weight));
  ANML_RETURN_IF_ERROR(ReadNumber(object, "q", &record.q));
  ANML_RETURN_IF_ERROR(ReadNumber(object, "v", &record.v));
  ANML_RETURN_IF_ERROR(ReadNumber(object, "r", &record.r));
  ANML_RETURN_IF_ERROR(ReadNumber(object, "T", &record.T));
  ANML_RETURN_IF_ERROR(Read(object, "gate_stage", is_integer, &record.gate_stage));
  ANML_RETURN_IF_ERROR(Read(object, "sample_count", is_unsigned, &record.sample_count));
  ANML_RETURN_IF_ERROR(ReadNumber(object, "attribution", &record.attribution));
  ANML_RETURN_IF_ERROR(Read(object, "served_scheme", is_string, &record.served_scheme));
  ANML_RETURN_IF_ERROR(Read(object, "model_version", is_unsigned, &record.model_version));
  ANML_RETURN_IF_ERROR(Read(object, "time", is_integer, &record.time_ms));
  return record;
}

}  // namespace anml::connectors
