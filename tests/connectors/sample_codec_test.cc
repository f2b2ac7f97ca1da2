#include "connectors/sample_codec.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace anml::connectors {
namespace {

constexpr char kTopic[] = "anml.samples";

RawRecord At(std::string_view value, int64_t offset = 7) {
  RawRecord record;
  record.key = std::nullopt;
  record.value = value;
  record.timestamp_ms = 1700000000000;
  record.topic = kTopic;
  record.partition = 3;
  record.offset = offset;
  return record;
}

class SampleDecoderTest : public ::testing::Test {
 protected:
  static RecordSchema Binary(int dimension) {
    RecordSchema schema;
    schema.task = engine::Task::kBinary;
    schema.dimension = dimension;
    schema.max_record_bytes = 1024;
    return schema;
  }

  SampleRecord out_;
  DeadLetterReason reason_ = DeadLetterReason::kEmptyValue;
};

TEST_F(SampleDecoderTest, DecodesDenseRecordWithAllFields) {
  SampleDecoder decoder(Binary(2));
  std::string value =
      R"({"contributor":"lab-17","features":[0.1,2],"label":1,"time":1764763200000,)"
      R"("id":"s-991","extra":{"nested":[1,2]}})";
  RawRecord record = At(value);
  record.key = "lab-17";
  ASSERT_TRUE(decoder.Decode(record, &out_, &reason_).ok());
  EXPECT_EQ(out_.contributor, "lab-17");
  EXPECT_EQ(out_.features, (std::vector<double>{0.1, 2.0}));
  EXPECT_EQ(out_.label, 1.0);
  EXPECT_EQ(out_.time_ms, 1764763200000);
  EXPECT_EQ(out_.id, "s-991");
  EXPECT_EQ(out_.topic, kTopic);
  EXPECT_EQ(out_.partition, 3);
  EXPECT_EQ(out_.offset, 7);
}

TEST_F(SampleDecoderTest, MissingTimeFallsBackToMessageTimestamp) {
  SampleDecoder decoder(Binary(1));
  ASSERT_TRUE(
      decoder.Decode(At(R"({"contributor":"a","features":[1],"label":0})"), &out_, &reason_).ok());
  EXPECT_EQ(out_.time_ms, 1700000000000);
  EXPECT_TRUE(out_.id.empty());
}

TEST_F(SampleDecoderTest, ParsesRfc3339TimesWithFractionAndOffset) {
  SampleDecoder decoder(Binary(1));
  struct Case {
    const char* time;
    int64_t expected_ms;
  };
  const Case cases[] = {
      {"2025-12-03T12:00:00Z", 1764763200000},
      {"2025-12-03T13:00:00.250+01:00", 1764763200250},
      {"2025-12-03t07:30:00.1-04:30", 1764763200100},
      {"1970-01-01T00:00:00Z", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.time);
    std::string value =
        std::string(R"({"contributor":"a","features":[1],"label":0,"time":")") + c.time + "\"}";
    ASSERT_TRUE(decoder.Decode(At(value), &out_, &reason_).ok());
    EXPECT_EQ(out_.time_ms, c.expected_ms);
  }
}

TEST_F(SampleDecoderTest, MapsNamedFeaturesThroughSchema) {
  RecordSchema schema = Binary(3);
  schema.feature_names = {"age", "height", "weight"};
  SampleDecoder decoder(schema);
  std::string value =
      R"({"contributor":"a","label":1,"features":{"weight":70.5,"age":31,"height":1.8}})";
  ASSERT_TRUE(decoder.Decode(At(value), &out_, &reason_).ok());
  EXPECT_EQ(out_.features, (std::vector<double>{31.0, 1.8, 70.5}));
}

TEST_F(SampleDecoderTest, AcceptsMulticlassAndRegressionLabelsInRange) {
  RecordSchema multiclass = Binary(1);
  multiclass.task = engine::Task::kMulticlass;
  multiclass.classes = 4;
  SampleDecoder decoder(multiclass);
  ASSERT_TRUE(
      decoder.Decode(At(R"({"contributor":"a","features":[1],"label":3})"), &out_, &reason_).ok());
  EXPECT_EQ(out_.label, 3.0);

  RecordSchema regression = Binary(1);
  regression.task = engine::Task::kRegression;
  SampleDecoder regression_decoder(regression);
  ASSERT_TRUE(
      regression_decoder
          .Decode(At(R"({"contributor":"a","features":[1],"label":-2.5e3})"), &out_, &reason_)
          .ok());
  EXPECT_EQ(out_.label, -2500.0);
}

TEST_F(SampleDecoderTest, ReusesBuffersAcrossRecords) {
  SampleDecoder decoder(Binary(4));
  ASSERT_TRUE(decoder
                  .Decode(At(R"({"contributor":"a","features":[1,2,3,4],"label":0,"id":"x"})"),
                          &out_, &reason_)
                  .ok());
  const double* data = out_.features.data();
  ASSERT_TRUE(
      decoder.Decode(At(R"({"contributor":"b","features":[5,6,7,8],"label":1})"), &out_, &reason_)
          .ok());
  EXPECT_EQ(out_.features.data(), data);
  EXPECT_EQ(out_.features, (std::vector<double>{5, 6, 7, 8}));
  EXPECT_TRUE(out_.id.empty());
}

TEST_F(SampleDecoderTest, NullOrEmptyKeyIsAcceptedAndMatchingKeyToo) {
  SampleDecoder decoder(Binary(1));
  RawRecord record = At(R"({"contributor":"lab-1","features":[1],"label":0})");
  record.key = "";
  EXPECT_TRUE(decoder.Decode(record, &out_, &reason_).ok());
  record.key = "lab-1";
  EXPECT_TRUE(decoder.Decode(record, &out_, &reason_).ok());
}

// Every malformed input is rejected with its reason and a message that names
// the place and the expected against the actual value.
TEST_F(SampleDecoderTest, RejectsMalformedRecordsWithReasonAndPlace) {
  RecordSchema schema = Binary(2);
  schema.max_record_bytes = 600;
  SampleDecoder decoder(schema);
  const std::string long_id(257, 'x');
  struct Case {
    std::string value;
    DeadLetterReason reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", DeadLetterReason::kEmptyValue, "value is empty"},
      {"{not json", DeadLetterReason::kBadJson, "value is not a valid JSON object"},
      {"[1,2]", DeadLetterReason::kBadJson, "value is not a valid JSON object"},
      {R"({"contributor":"a","features":[1,2],"label":1} trailing)", DeadLetterReason::kBadJson,
       "not a valid JSON object"},
      {std::string(601, ' '), DeadLetterReason::kTooLarge,
       "value has 601 bytes, expected at most 600"},
      {R"({"features":[1,2],"label":1})", DeadLetterReason::kMissingContributor,
       "field 'contributor' is missing"},
      {R"({"contributor":"","features":[1,2],"label":1})", DeadLetterReason::kMissingContributor,
       "contributor id is empty"},
      {R"({"contributor":42,"features":[1,2],"label":1})", DeadLetterReason::kInvalidContributor,
       "field 'contributor' is 42, expected a string"},
      {R"({"contributor":")" + long_id + R"(","features":[1,2],"label":1})",
       DeadLetterReason::kOversizedContributor,
       "contributor id has 257 bytes, expected at most 256"},
      {R"({"contributor":"a","features":[1,NaN],"label":1})", DeadLetterReason::kBadFeature,
       "value holds the literal NaN, expected finite numbers"},
      {R"({"contributor":"a","features":[1,"2"],"label":1})", DeadLetterReason::kBadFeature,
       "feature 1 is \"2\", expected a finite number"},
      {R"({"contributor":"a","features":[1,1e999],"label":1})", DeadLetterReason::kBadJson,
       "not a valid JSON object"},
      {R"({"contributor":"a","features":[1],"label":1})", DeadLetterReason::kWrongDimension,
       "field 'features' has 1 values, expected 2"},
      {R"({"contributor":"a","features":[1,2,3],"label":1})", DeadLetterReason::kWrongDimension,
       "has 3 values, expected 2"},
      {R"({"contributor":"a","label":1})", DeadLetterReason::kWrongDimension,
       "field 'features' is missing, expected 2 values"},
      {R"({"contributor":"a","features":[1,2],"label":2})", DeadLetterReason::kBadLabel,
       "field 'label' is 2, expected 0 or 1"},
      {R"({"contributor":"a","features":[1,2],"label":"yes"})", DeadLetterReason::kBadLabel,
       "field 'label' is \"yes\", expected 0 or 1"},
      {R"({"contributor":"a","features":[1,2]})", DeadLetterReason::kBadLabel,
       "field 'label' is missing"},
      {R"({"contributor":"a","features":[1,2],"label":1,"time":"yesterday"})",
       DeadLetterReason::kBadTime, "field 'time' is \"yesterday\", expected epoch"},
      {R"({"contributor":"a","features":[1,2],"label":1,"time":"2025-02-30T00:00:00Z"})",
       DeadLetterReason::kBadTime, "field 'time' is \"2025-02-30T00:00:00Z\""},
      {R"({"contributor":"a","features":[1,2],"label":1,"time":-5})", DeadLetterReason::kBadTime,
       "field 'time' is -5"},
      {R"({"contributor":"a","features":[1,2],"label":1,"id":7})", DeadLetterReason::kBadId,
       "field 'id' is 7, expected a string"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.value.substr(0, 80));
    Status status = decoder.Decode(At(c.value, static_cast<int64_t>(i)), &out_, &reason_);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(DeadLetterReasonName(reason_), DeadLetterReasonName(c.reason));
    EXPECT_NE(status.message().find("anml.samples[3]@" + std::to_string(i) + ": "),
              std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status.message();
  }
}

TEST_F(SampleDecoderTest, RejectsKeyThatDiffersFromContributor) {
  SampleDecoder decoder(Binary(1));
  RawRecord record = At(R"({"contributor":"lab-1","features":[1],"label":0})");
  record.key = "lab-2";
  Status status = decoder.Decode(record, &out_, &reason_);
  EXPECT_EQ(reason_, DeadLetterReason::kKeyMismatch);
  EXPECT_EQ(status.message(),
            "anml.samples[3]@7: message key 'lab-2' differs from contributor 'lab-1'");
}

TEST_F(SampleDecoderTest, RejectsInvalidUtf8ContributorId) {
  SampleDecoder decoder(Binary(1));
  std::string value = "{\"contributor\":\"a\xff\",\"features\":[1],\"label\":0}";
  Status status = decoder.Decode(At(value), &out_, &reason_);
  ASSERT_FALSE(status.ok());
  // simdjson refuses the whole document when any byte is not UTF-8.
  EXPECT_EQ(reason_, DeadLetterReason::kBadJson);
  EXPECT_NE(status.message().find("UTF-8"), std::string::npos) << status.message();
}

TEST_F(SampleDecoderTest, RejectsNamedFeaturesMissingUnknownOrRepeated) {
  RecordSchema schema = Binary(2);
  schema.feature_names = {"a", "b"};
  SampleDecoder decoder(schema);
  struct Case {
    const char* features;
    DeadLetterReason reason;
    const char* message;
  };
  const Case cases[] = {
      {R"({"a":1})", DeadLetterReason::kWrongDimension, "has 1 of 2 named features; 'b'"},
      {R"({"a":1,"c":2})", DeadLetterReason::kWrongDimension, "feature 'c' is not in"},
      {R"({"a":1,"a":2})", DeadLetterReason::kBadFeature, "feature 'a' is 2"},
      {R"([1,2])", DeadLetterReason::kBadFeature, "is an array, expected an object"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.features);
    std::string value =
        std::string(R"({"contributor":"x","label":0,"features":)") + c.features + "}";
    Status status = decoder.Decode(At(value), &out_, &reason_);
    EXPECT_EQ(reason_, c.reason);
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status.message();
  }
}

TEST_F(SampleDecoderTest, CommonLayoutRecordsTakeTheScannerOthersTheDomPath) {
  SampleDecoder decoder(Binary(2));
  ASSERT_TRUE(
      decoder.Decode(At(R"({"contributor":"a","features":[1,2],"label":0})"), &out_, &reason_)
          .ok());
  EXPECT_EQ(decoder.common_layout_decodes(), 1u);
  ASSERT_TRUE(
      decoder.Decode(At(R"({"contributor":"a","features":[1,2],"label":0,"x":1})"), &out_, &reason_)
          .ok());
  EXPECT_EQ(decoder.common_layout_decodes(), 1u);
  EXPECT_FALSE(
      decoder.Decode(At(R"({"contributor":"a","features":[1,2],"label":5})"), &out_, &reason_)
          .ok());
  EXPECT_EQ(decoder.common_layout_decodes(), 1u);

  SampleDecoder dom_only(Binary(2), SampleDecoder::Parsing::kDomOnly);
  ASSERT_TRUE(
      dom_only.Decode(At(R"({"contributor":"a","features":[1,2],"label":0})"), &out_, &reason_)
          .ok());
  EXPECT_EQ(dom_only.common_layout_decodes(), 0u);
}

// The scanner is an optimisation only: for any value, decoding with it must
// give exactly what the DOM path alone gives, accepted fields and error
// wording alike.
class ParsingPathsTest : public SampleDecoderTest {
 protected:
  ParsingPathsTest() : fast_(Schema()), dom_(Schema(), SampleDecoder::Parsing::kDomOnly) {}

  static RecordSchema Schema() {
    RecordSchema schema = Binary(3);
    schema.task = engine::Task::kMulticlass;
    schema.classes = 3;
    return schema;
  }

  static bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
  }

  void ExpectSameOutcome(const std::string& value, std::optional<std::string> key) {
    SCOPED_TRACE(value);
    RawRecord record = At(value);
    record.key = key;
    SampleRecord fast_out;
    SampleRecord dom_out;
    DeadLetterReason fast_reason = DeadLetterReason::kEmptyValue;
    DeadLetterReason dom_reason = DeadLetterReason::kEmptyValue;
    Status fast = fast_.Decode(record, &fast_out, &fast_reason);
    Status dom = dom_.Decode(record, &dom_out, &dom_reason);
    ASSERT_EQ(fast.ToString(), dom.ToString());
    if (!fast.ok()) {
      EXPECT_EQ(fast_reason, dom_reason);
      return;
    }
    ++accepted_;
    EXPECT_EQ(fast_out.contributor, dom_out.contributor);
    EXPECT_TRUE(SameBits(fast_out.features, dom_out.features));
    EXPECT_EQ(fast_out.label, dom_out.label);
    EXPECT_EQ(fast_out.time_ms, dom_out.time_ms);
    EXPECT_EQ(fast_out.id, dom_out.id);
  }

  SampleDecoder fast_;
  SampleDecoder dom_;
  int accepted_ = 0;
};

TEST_F(ParsingPathsTest, AgreeOnHandPickedValues) {
  const std::vector<std::string> values = {
      R"({"contributor":"lab-1","features":[0.1,-2,3e2],"label":2,"time":5,"id":"s"})",
      R"( { "features" : [ -0 , 0.0 , 1E-3 ] , "label" : 0 , "contributor" : "b" } )",
      R"({"contributor":"a","features":[1,2,3],"label":1,"time":"2025-12-03T12:00:00Z"})",
      R"({"contributor":"a","features":[1,2,3],"label":1,"time":"2025-02-30T00:00:00Z"})",
      R"({"contributor":"a","features":[1,2,3],"label":1.5})",
      R"({"contributor":"a","features":[1,2,3],"label":3})",
      R"({"contributor":"a","features":[1,2,3],"label":-0})",
      R"({"contributor":"","features":[1,2,3],"label":1})",
      R"({"contributor":"a","features":[9007199254740993,1e23,4.9e-324],"label":1})",
      // Integers past 64 bits: the general parser rejects the document.
      R"({"contributor":"a","features":[1,18446744073709551616,3],"label":1})",
      R"({"contributor":"a","features":[1,2,-9223372036854775809],"label":1})",
      R"({"contributor":"a","features":[1,2,3],"label":77777777777777777777777})",
      R"({"contributor":"a","features":[1,18446744073709551615,-9223372036854775808],"label":1})",
      R"({"contributor":"a","features":[1,2,3],"label":1,"time":0})",
      R"({"contributor":"a","features":[1,2,3],"label":1,"time":-0})",
      R"({"contributor":"a","features":[1,2,3],"label":1,"time":99999999999999999999})",
      R"({"contributor":"a","features":[1,2],"label":1})",
      R"({"contributor":"a","features":[1,2,3],"label":1,"label":2})",
      R"({"label":1})",
      "{}",
      "",
      "null",
  };
  for (const std::string& value : values) {
    ExpectSameOutcome(value, std::nullopt);
    ExpectSameOutcome(value, "a");
  }
  EXPECT_GT(fast_.common_layout_decodes(), 0u);
}

// Seeded mutations of common-layout records: bytes deleted, replaced or
// inserted from JSON's own alphabet, so that most values stay near the
// layout and probe each of its edges.
TEST_F(ParsingPathsTest, AgreeOnSeededMutationsOfCommonRecords) {
  const std::string alphabet = "{}[],:\"-+.eE0123456789 \\uabfnrt\x7f\xc3\xa9";
  std::mt19937_64 random(5);
  int mutated = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string value = fmt::format(
        R"({{"contributor":"c-{}","features":[{},-{}.{},{}e{}],"label":{},"time":{},"id":"s-{}"}})",
        i % 7, i % 10, i % 3, i % 1000, i % 97, i % 400 - 200, i % 3, 1764763200000 + i, i);
    const int edits = static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !value.empty(); ++e) {
      const size_t at = random() % value.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          value.erase(at, 1);
          break;
        case 1:
          value[at] = c;
          break;
        default:
          value.insert(at, 1, c);
          break;
      }
      ++mutated;
    }
    ExpectSameOutcome(value, (i % 5 == 0) ? std::optional<std::string>("c-1") : std::nullopt);
    if (HasFatalFailure()) return;
  }
  // Both accepting and rejecting paths were reached, and the scanner took
  // a share of the records.
  EXPECT_GT(mutated, 10000);
  EXPECT_GT(accepted_, 1000);
  EXPECT_LT(accepted_, 20000);
  EXPECT_GT(fast_.common_layout_decodes(), 1000u);
}

TEST_F(SampleDecoderTest, ValidateSchemaExplainsEachProblem) {
  RecordSchema schema = Binary(0);
  EXPECT_EQ(SampleDecoder::ValidateSchema(schema).message(),
            "record schema: dimension is 0, expected > 0");
  schema = Binary(2);
  schema.feature_names = {"a"};
  EXPECT_EQ(SampleDecoder::ValidateSchema(schema).message(),
            "record schema: 1 feature names for dimension 2");
  schema.feature_names = {"a", "a"};
  EXPECT_EQ(SampleDecoder::ValidateSchema(schema).message(), "record schema: feature names repeat");
  schema = Binary(2);
  schema.task = engine::Task::kMulticlass;
  schema.classes = 1;
  EXPECT_EQ(SampleDecoder::ValidateSchema(schema).message(),
            "record schema: multiclass task has 1 classes, expected >= 2");
  EXPECT_TRUE(SampleDecoder::ValidateSchema(Binary(2)).ok());
}

}  // namespace
}  // namespace anml::connectors
