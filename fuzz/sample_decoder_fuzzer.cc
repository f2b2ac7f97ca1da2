// Fuzz target: SampleDecoder::Decode on arbitrary bytes.
//
// The first byte of the input picks the schema (task, dimension, dense or
// named features) and the message key (null, empty, or the id "lab-17");
// the rest is the record value. Whatever the bytes, a decode must not
// crash, leak or hit undefined behaviour; a rejection must be a non-OK
// Status with a message; an accepted record must satisfy the schema; and
// the decoder with its common-layout scanner must give exactly what the
// DOM path alone gives (the scanner is an optimisation, never a second
// opinion).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
  schema.task =
      number % 3 == 0 ? Task::kBinary : (number % 3 == 1 ? Task::kMulticlass : Task::kRegression);
  schema.classes = 3;
  schema.dimension = 1 + number % 3;
  if (number >= kSchemaCount / 2) {
    for (int i = 0; i < schema.dimension; ++i) {
      schema.feature_names.push_back("f" + std::to_string(i));
    }
  }
  return schema;
}

// One decoder per schema and parsing, kept across inputs so that buffer
// reuse between decodes is exercised too.
SampleDecoder& DecoderFor(int number, SampleDecoder::Parsing parsing) {
  static std::optional<SampleDecoder> decoders[2][kSchemaCount];
  auto& decoder = decoders[parsing == SampleDecoder::Parsing::kDomOnly][number];
  if (!decoder) decoder.emplace(SchemaNumber(number), parsing);
  return *decoder;
}

std::optional<std::string_view> KeyFor(uint8_t selector) {
  switch (selector % 3) {
    case 0:
      return std::nullopt;
    case 1:
      return std::string_view();
    default:
      return std::string_view("lab-17");
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

struct Outcome {
  anml::Status status;
  SampleRecord out;
  DeadLetterReason reason = DeadLetterReason::kEmptyValue;
};

Outcome DecodeWith(SampleDecoder& decoder, const RawRecord& record) {
  Outcome outcome;
  outcome.status = decoder.Decode(record, &outcome.out, &outcome.reason);
  return outcome;
}

void CheckSameOutcome(const Outcome& fast, const Outcome& dom) {
  using anml::fuzz::Require;
  Require(fast.status.ToString() == dom.status.ToString(), "parsing paths disagree on status");
  if (!fast.status.ok()) {
    Require(fast.reason == dom.reason, "parsing paths disagree on the reason");
    return;
  }
  const auto& a = fast.out;
  const auto& b = dom.out;
  Require(a.contributor == b.contributor && a.id == b.id && a.time_ms == b.time_ms,
          "parsing paths disagree on a field");
  Require(std::memcmp(&a.label, &b.label, sizeof a.label) == 0,
          "parsing paths disagree on the label");
  Require(a.features.size() == b.features.size() &&
              std::memcmp(a.features.data(), b.features.data(),
                          a.features.size() * sizeof(double)) == 0,
          "parsing paths disagree on the features");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  anml::fuzz::FuzzStats::Install("sample_decoder");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int number = data[0] % kSchemaCount;
  RawRecord record;
  record.key = KeyFor(static_cast<uint8_t>(data[0] / kSchemaCount));
  record.value = std::string_view(reinterpret_cast<const char*>(data + 1), size - 1);
  record.timestamp_ms = (data[0] & 0x80) ? -1 : 1'700'000'000'000;
  record.topic = "anml.samples";

  SampleDecoder& decoder = DecoderFor(number, SampleDecoder::Parsing::kCommonLayoutFirst);
  Outcome fast = DecodeWith(decoder, record);
  Outcome dom = DecodeWith(DecoderFor(number, SampleDecoder::Parsing::kDomOnly), record);
  if (fast.status.ok()) {
    CheckAccepted(decoder.schema(), fast.out);
  } else {
    anml::fuzz::Require(!fast.status.message().empty(), "rejection without a message");
  }
  CheckSameOutcome(fast, dom);
  anml::fuzz::FuzzStats::Count(!fast.status.ok());
  return 0;
}
