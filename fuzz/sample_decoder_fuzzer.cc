// Fuzz target: SampleDecoder::Decode on arbitrary bytes.
//
// The first byte of the input picks the schema (task, dimension, dense or
// named features) and the message key (null, empty, or the id "lab-17");
// the rest is the record value. Whatever the bytes, a decode must not
// crash, leak or hit undefined behaviour; a rejection must be a non-OK
// Status with a message; an accepted record must satisfy the schema.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/sample_codec.h"
#include "fuzz/fuzz_stats.h"

namespace {

using anml::connectors::DeadLetterReason;
using anml::connectors::RawRecord;
using anml::connectors::RecordSchema;
using anml::connectors::SampleDecoder;
using anml::connectors::SampleRecord;
using anml::engine::Task;

constexpr int kSchemaCount = 8;
constexpr size_t kMaxRecordBytes = 4096;

RecordSchema SchemaNumber(int number) {
  RecordSchema schema;
  schema.max_record_bytes = kMaxRecordBytes;
  schema.task = number % 3 == 0 ? Task::kBinary
                                : (number % 3 == 1 ? Task::kMulticlass : Task::kRegression);
  schema.classes = 3;
  schema.dimension = 1 + number % 3;
  if (number >= kSchemaCount / 2) {
    for (int i = 0; i < schema.dimension; ++i) {
      schema.feature_names.push_back("f" + std::to_string(i));
    }
  }
  return schema;
}

// One decoder per schema, kept across inputs so that buffer reuse between
// decodes is exercised too.
SampleDecoder& DecoderFor(int number) {
  static std::optional<SampleDecoder> decoders[kSchemaCount];
  if (!decoders[number]) decoders[number].emplace(SchemaNumber(number));
  return *decoders[number];
}

std::optional<std::string_view> KeyFor(uint8_t selector) {
  switch (selector % 3) {
    case 0: return std::nullopt;
    case 1: return std::string_view();
    default: return std::string_view("lab-17");
  }
}

void CheckAccepted(const RecordSchema& schema, const SampleRecord& out) {
  using anml::fuzz::Require;
  Require(!out.contributor.empty(), "accepted record has an empty contributor");
  Require(out.contributor.size() <= anml::connectors::kMaxContributorIdBytes,
          "accepted record has an oversized contributor");
  Require(out.features.size() == static_cast<size_t>(schema.dimension),
          "accepted record has the wrong dimension");
  for (double feature : out.features) Require(std::isfinite(feature), "non-finite feature");
  Require(std::isfinite(out.label), "non-finite label");
  if (schema.task != Task::kRegression) {
    const double classes = schema.task == Task::kBinary ? 2 : schema.classes;
    Require(out.label >= 0 && out.label < classes && out.label == std::floor(out.label),
            "label out of range");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  anml::fuzz::FuzzStats::Install("sample_decoder");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int number = data[0] % kSchemaCount;
  SampleDecoder& decoder = DecoderFor(number);
  RawRecord record;
  record.key = KeyFor(static_cast<uint8_t>(data[0] / kSchemaCount));
  record.value = std::string_view(reinterpret_cast<const char*>(data + 1), size - 1);
  record.timestamp_ms = (data[0] & 0x80) ? -1 : 1'700'000'000'000;
  record.topic = "anml.samples";

  SampleRecord out;
  DeadLetterReason reason = DeadLetterReason::kEmptyValue;
  anml::Status status = decoder.Decode(record, &out, &reason);
  if (status.ok()) {
    CheckAccepted(decoder.schema(), out);
  } else {
    anml::fuzz::Require(!status.message().empty(), "rejection without a message");
  }
  anml::fuzz::FuzzStats::Count(!status.ok());
  return 0;
}
