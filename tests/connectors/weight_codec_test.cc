#include "connectors/weight_codec.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace anml::connectors {
namespace {

WeightRecord Example() {
  WeightRecord record;
  record.contributor = "lab-\"17\"";
  record.weight = 0.75;
  record.q = 0.9;
  record.v = 1.0;
  record.r = 0.82;
  record.T = 0.5;
  record.gate_stage = 2;
  record.sample_count = 12345;
  record.attribution = 0.01;
  record.served_scheme = "contributor";
  record.model_version = 42;
  record.time_ms = 1764763200000;
  return record;
}

class WeightCodecTest : public ::testing::Test {};

TEST_F(WeightCodecTest, RoundTripsEveryField) {
  WeightRecord record = Example();
  StatusOr<WeightRecord> decoded = DecodeWeightRecord(EncodeWeightRecord(record));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, record);
}

TEST_F(WeightCodecTest, WritesDesignFieldNames) {
  std::string value = EncodeWeightRecord(Example());
  for (const char* name : {"\"contributor\"", "\"weight\"", "\"q\"", "\"v\"", "\"r\"", "\"T\"",
                           "\"gate_stage\"", "\"sample_count\"", "\"attribution\"",
                           "\"served_scheme\"", "\"model_version\"", "\"time\""}) {
    SCOPED_TRACE(name);
    EXPECT_NE(value.find(name), std::string::npos) << value;
  }
}

TEST_F(WeightCodecTest, NonFiniteNumbersTravelAsNull) {
  WeightRecord record = Example();
  record.q = std::numeric_limits<double>::quiet_NaN();
  std::string value = EncodeWeightRecord(record);
  EXPECT_NE(value.find("\"q\":null"), std::string::npos) << value;
  StatusOr<WeightRecord> decoded = DecodeWeightRecord(value);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::isnan(decoded->q));
}

TEST_F(WeightCodecTest, DecodeNamesMissingOrMistypedField) {
  EXPECT_EQ(DecodeWeightRecord("nope").status().message(),
            "weight record: value is not a JSON object");
  EXPECT_EQ(DecodeWeightRecord(R"({"contributor":"a"})").status().message(),
            "weight record: field 'weight' is missing");
  EXPECT_EQ(DecodeWeightRecord(R"({"contributor":1})").status().message(),
            "weight record: field 'contributor' is 1");
}

}  // namespace
}  // namespace anml::connectors
