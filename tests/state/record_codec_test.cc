#include "state/record_codec.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "state/internal/crc32c.h"

namespace anml::state {
namespace {

using engine::ContributorStats;
using engine::ModelSnapshot;
using engine::Verification;

ContributorStats FullRecord() {
  ContributorStats stats;
  stats.verification = Verification::kVerified;
  stats.reputation = 0.82;
  stats.has_metadata = true;
  stats.as_of_ms = 1'764'763'200'000;
  stats.gradient_sum = {0.25, -1.5, 3e-300, std::numeric_limits<double>::denorm_min()};
  stats.gradient_weight = 17.75;
  stats.consistent = 12.5;
  stats.inconsistent = 3.25;
  stats.heldout_loss = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  stats.heldout_weight = 2.0;
  stats.first_time_ms = 1'764'000'000'000;
  stats.last_time_ms = -5;
  stats.samples = 1ull << 40;
  stats.heldout_samples = 9;
  stats.attribution = -0.03125;
  return stats;
}

ModelSnapshot FullModel() {
  ModelSnapshot model;
  model.version = 42;
  model.reals["uniform/theta"] = {1.0, -2.0, 0.5};
  model.reals["empty"] = {};
  model.integers["counters"] = {std::numeric_limits<int64_t>::min(), 0, 7};
  model.texts["reference"] = {"lab-17", "", std::string("a\0b", 3)};
  return model;
}

// Replaces the trailing checksum so a deliberately edited value passes the
// checksum and reaches the field checks.
std::string Reseal(std::string value) {
  value.resize(value.size() - 4);
  const uint32_t crc = internal::Crc32c(value);
  for (int i = 0; i < 4; ++i) value.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return value;
}

TEST(RecordCodecTest, ChecksumMatchesPublishedCrc32cVectors) {
  // The check value of CRC-32C and two iSCSI (RFC 3720) test vectors.
  EXPECT_EQ(internal::Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(internal::Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(internal::Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
}

TEST(RecordCodecTest, ContributorRoundTripsEveryField) {
  const ContributorStats stats = FullRecord();
  StatusOr<ContributorStats> decoded = DecodeContributor("lab-17", EncodeContributor(stats));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, stats);
}

TEST(RecordCodecTest, DefaultContributorRoundTrips) {
  const ContributorStats stats;
  StatusOr<ContributorStats> decoded = DecodeContributor("new", EncodeContributor(stats));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, stats);
}

TEST(RecordCodecTest, NanAndInfinityKeepTheirBits) {
  ContributorStats stats;
  stats.gradient_sum = {std::numeric_limits<double>::infinity(), -0.0};
  stats.attribution = std::numeric_limits<double>::quiet_NaN();
  StatusOr<ContributorStats> decoded = DecodeContributor("c", EncodeContributor(stats));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::isnan(decoded->attribution));
  EXPECT_TRUE(std::isinf(decoded->gradient_sum[0]));
  EXPECT_TRUE(std::signbit(decoded->gradient_sum[1]));
}

TEST(RecordCodecTest, ContributorBytesAreLittleEndianAndStable) {
  ContributorStats stats;
  stats.samples = 0x0102030405060708ull;
  const std::string value = EncodeContributor(stats);
  // Header (2) + verification (1) + reputation (8) + has_metadata (1) +
  // as_of_ms (8) + gradient count (4) + 3 doubles (24) + heldout count (4) +
  // 6 doubles (48) + heldout_weight (8) + two times (16) = 124: samples.
  constexpr size_t kSamplesAt = 124;
  ASSERT_EQ(value.size(), kSamplesAt + 8 + 8 + 8 + 4);
  EXPECT_EQ(value[0], kFormatVersion);
  EXPECT_EQ(value[1], static_cast<char>(RecordKind::kContributor));
  EXPECT_EQ(value.substr(kSamplesAt, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
}

TEST(RecordCodecTest, EncodingIntoAUsedBufferReplacesItsContents) {
  ContributorStats longer = FullRecord();
  longer.gradient_sum.assign(64, 0.5);
  const ContributorStats shorter = FullRecord();
  std::string buffer;
  EncodeContributorInto(longer, &buffer);
  EXPECT_EQ(buffer, EncodeContributor(longer));
  EXPECT_EQ(buffer.size(), 2 + ContributorFieldBytes(64) + 4);
  EncodeContributorInto(shorter, &buffer);
  EXPECT_EQ(buffer, EncodeContributor(shorter));
  EXPECT_EQ(buffer.size(), 2 + ContributorFieldBytes(shorter.gradient_sum.size()) + 4);
  StatusOr<ContributorStats> decoded = DecodeContributor("lab-17", buffer);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, shorter);
}

TEST(RecordCodecTest, ModelRoundTripsEveryArray) {
  const ModelSnapshot model = FullModel();
  StatusOr<ModelSnapshot> decoded = DecodeModel(ModelKey(42), EncodeModel(model));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, model);
}

TEST(RecordCodecTest, SmallRecordsRoundTrip) {
  const ContributorMetadata metadata{Verification::kRevoked, 0.125};
  EXPECT_EQ(*DecodeMetadata("c", EncodeMetadata(metadata)), metadata);
  EXPECT_EQ(*DecodeOffset("k", EncodeOffset(123'456'789'012)), 123'456'789'012);
  EXPECT_EQ(*DecodeStoreInfo("k", EncodeStoreInfo(3)), 3u);

  StoredWeight weight;
  weight.report.weight = 1.5;
  weight.report.q = 0.9;
  weight.report.samples = 77;
  weight.report.attribution = -2.0;
  weight.model_version = 11;
  StatusOr<StoredWeight> decoded = DecodeWeight("c", EncodeWeight(weight));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->report.weight, 1.5);
  EXPECT_EQ(decoded->report.q, 0.9);
  EXPECT_EQ(decoded->report.samples, 77u);
  EXPECT_EQ(decoded->report.attribution, -2.0);
  EXPECT_EQ(decoded->model_version, 11u);
}

TEST(RecordCodecTest, KeysRoundTripAndModelKeysSortByVersion) {
  EXPECT_LT(ModelKey(255), ModelKey(256));
  EXPECT_EQ(*DecodeModelKey(ModelKey(0xdeadbeef)), 0xdeadbeefu);

  const TopicPartition partition{"samples", 11};
  StatusOr<std::string> key = OffsetKey(partition);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*DecodeOffsetKey(*key), partition);
}

// Error paths: every failure is DataLoss naming the key and what was wrong.

TEST(RecordCodecTest, UnknownVersionNamesKeyAndVersions) {
  std::string value = EncodeContributor(FullRecord());
  value[0] = 9;
  StatusOr<ContributorStats> decoded = DecodeContributor("lab-17", value);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(decoded.status().message(),
            "contributor value at key \"lab-17\": unknown format version 9 (this build reads "
            "version 1)");
}

TEST(RecordCodecTest, FlippedBitIsAChecksumMismatch) {
  std::string value = EncodeContributor(FullRecord());
  value[20] = static_cast<char>(value[20] ^ 0x10);
  StatusOr<ContributorStats> decoded = DecodeContributor("lab-17", value);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("contributor value at key \"lab-17\": checksum "
                                            "mismatch: stored 0x"),
            std::string::npos)
      << decoded.status().message();
}

TEST(RecordCodecTest, WrongKindIsReported) {
  StatusOr<ContributorStats> decoded = DecodeContributor("c1", EncodeOffset(5));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "contributor value at key \"c1\": record kind is 4, expected 1");
}

TEST(RecordCodecTest, ShortValuesAreReported) {
  StatusOr<ContributorStats> decoded = DecodeContributor("c1", std::string("\x01\x01", 2));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "contributor value at key \"c1\": value is 2 bytes, shorter than the 6-byte header "
            "and checksum");
}

TEST(RecordCodecTest, FieldErrorsNameTheFieldAndPosition) {
  struct Case {
    const char* name;
    std::string value;
    const char* message;
  };
  const std::string good = EncodeContributor(ContributorStats());
  std::string bad_level = good;
  bad_level[2] = 7;
  std::string bad_bool = good;
  bad_bool[11] = 2;
  std::string huge_count = good;
  huge_count[20] = '\xff';
  std::string truncated = good.substr(0, 14);
  truncated += "0000";
  std::string trailing = good.substr(0, good.size() - 4) + "xy" + "0000";
  const Case cases[] = {
      {"verification out of range", Reseal(bad_level),
       "field 'verification' is 7, expected 0 to 3"},
      {"bool not 0 or 1", Reseal(bad_bool), "field 'has_metadata' at byte 9 is 2, expected 0 or 1"},
      {"count larger than the value", Reseal(huge_count),
       "field 'gradient_sum' at byte 18 claims 255 elements of 8 bytes, only 124 bytes left"},
      {"truncated", Reseal(truncated),
       "truncated: field 'as_of_ms' needs 8 bytes at byte 10, 2 left"},
      {"trailing bytes", Reseal(trailing), "2 unexpected bytes after field 'attribution'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<ContributorStats> decoded = DecodeContributor("k\n", c.value);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(decoded.status().message().find("contributor value at key \"k\\x0a\": "),
              std::string::npos)
        << decoded.status().message();
    EXPECT_NE(decoded.status().message().find(c.message), std::string::npos)
        << decoded.status().message();
  }
}

TEST(RecordCodecTest, WrongSchemeCountIsReported) {
  // A record written with one more scheme than this build knows.
  std::string value = EncodeContributor(ContributorStats());
  const size_t count_at = 2 + 1 + 8 + 1 + 8 + 4 + 8 * 3;
  value[count_at] = 7;
  value.insert(count_at + 4 + 48, std::string(8, '\0'));
  StatusOr<ContributorStats> decoded = DecodeContributor("c", Reseal(value));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find(
                "field 'heldout_loss' has 7 entries, expected 6 (one per scheme)"),
            std::string::npos)
      << decoded.status().message();
}

TEST(RecordCodecTest, ModelErrorsNameTheArray) {
  std::string value = EncodeModel(FullModel());
  value.resize(value.size() - 10);
  StatusOr<ModelSnapshot> decoded = DecodeModel(ModelKey(42), Reseal(value + "0000"));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("model value at key "
                                            "\"\\x00\\x00\\x00\\x00\\x00\\x00\\x00*\": "),
            std::string::npos)
      << decoded.status().message();
  EXPECT_NE(decoded.status().message().find("texts[reference]"), std::string::npos)
      << decoded.status().message();
}

TEST(RecordCodecTest, NegativeOffsetIsRejected) {
  StatusOr<int64_t> decoded = DecodeOffset("k", EncodeOffset(-3));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("field 'next_offset' is -3, expected >= 0"),
            std::string::npos);
}

TEST(RecordCodecTest, MalformedKeysAreReported) {
  StatusOr<uint64_t> model = DecodeModelKey("abc");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(), "model key \"abc\" is 3 bytes, expected 8");
  StatusOr<TopicPartition> offset = DecodeOffsetKey(std::string("\x00\x09topic", 7));
  ASSERT_FALSE(offset.ok());
  EXPECT_EQ(offset.status().message(),
            "offset key \"\\x00\\x09topic\" is 7 bytes, expected 2 + topic length + 4");
}

}  // namespace
}  // namespace anml::state
