#include "connectors/contributor_codec.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace anml::connectors {
namespace {

RawRecord At(std::optional<std::string_view> key, std::optional<std::string_view> value) {
  RawRecord record;
  record.key = key;
  record.value = value;
  record.topic = "anml.contributors";
  record.partition = 0;
  record.offset = 12;
  return record;
}

class ContributorDecoderTest : public ::testing::Test {
 protected:
  ContributorDecoder decoder_;
  ContributorRecord out_;
  DeadLetterReason reason_ = DeadLetterReason::kEmptyValue;
};

TEST_F(ContributorDecoderTest, DecodesVerificationAndReputation) {
  ASSERT_TRUE(decoder_
                  .Decode(At("lab-17", R"({"verification":"verified","reputation":0.82})"),
                          &out_, &reason_)
                  .ok());
  EXPECT_EQ(out_.contributor, "lab-17");
  EXPECT_EQ(out_.verification, engine::Verification::kVerified);
  EXPECT_DOUBLE_EQ(out_.reputation, 0.82);
  EXPECT_FALSE(out_.deleted);
}

TEST_F(ContributorDecoderTest, NullValueIsATombstone) {
  ASSERT_TRUE(decoder_.Decode(At("lab-17", std::nullopt), &out_, &reason_).ok());
  EXPECT_TRUE(out_.deleted);
  EXPECT_EQ(out_.contributor, "lab-17");
}

TEST_F(ContributorDecoderTest, RejectsInvalidRecordsWithReasonAndPlace) {
  const std::string long_id(300, 'k');
  struct Case {
    std::optional<std::string> key;
    std::string value;
    DeadLetterReason reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {std::nullopt, R"({"verification":"verified","reputation":1})",
       DeadLetterReason::kMissingContributor, "message key is null"},
      {long_id, R"({"verification":"verified","reputation":1})",
       DeadLetterReason::kOversizedContributor, "has 300 bytes, expected at most 256"},
      {"a", "", DeadLetterReason::kEmptyValue, "value is empty"},
      {"a", "{oops", DeadLetterReason::kBadJson, "not a valid JSON object"},
      {"a", R"({"verification":"trusted","reputation":1})",
       DeadLetterReason::kBadVerification, "'verification' is \"trusted\", expected one of"},
      {"a", R"({"reputation":1})", DeadLetterReason::kBadVerification,
       "'verification' is missing"},
      {"a", R"({"verification":"pending","reputation":1.5})",
       DeadLetterReason::kBadReputation, "is 1.5, expected a number in [0, 1]"},
      {"a", R"({"verification":"pending"})", DeadLetterReason::kBadReputation,
       "'reputation' is missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    std::optional<std::string_view> key;
    if (c.key) key = *c.key;
    Status status = decoder_.Decode(At(key, c.value), &out_, &reason_);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(reason_, c.reason);
    EXPECT_EQ(status.message().rfind("anml.contributors[0]@12: ", 0), 0u) << status.message();
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status.message();
  }
}

}  // namespace
}  // namespace anml::connectors
