#include "connectors/internal/sample_scanner.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace anml::connectors::internal {
namespace {

// The reference: the C library's correctly rounded conversion.
double Strtod(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void ExpectParsesLikeStrtod(const std::string& text) {
  SCOPED_TRACE(text);
  double parsed = 0.0;
  ASSERT_TRUE(ParseJsonNumber(text, &parsed));
  EXPECT_TRUE(SameBits(parsed, Strtod(text))) << parsed << " vs " << Strtod(text);
}

TEST(ParseJsonNumberTest, MatchesStrtodOnBothConversionPaths) {
  const std::vector<std::string> numbers = {
      "0", "-0.0", "-0e1", "1", "-1", "0.1", "123.456", "-1.5e3", "1E-5", "2e+2", "0.000123",
      // Past Clinger's fast path: mantissa above 2^53, power above 22,
      // more than 19 digits, and the edges of the double range.
      "9007199254740993", "1e23", "123456789012345678901234.5", "0.30000000000000004",
      // The widest integers the general parser reads.
      "9999999999999999999", "-9223372036854775808", "2.2250738585072014e-308",
      "1.7976931348623157e308", "4.9e-324", "0.00000000000000000000000000001"};
  for (const std::string& text : numbers) ExpectParsesLikeStrtod(text);
}

TEST(ParseJsonNumberTest, MatchesStrtodOnSeededRandomDecimals) {
  std::mt19937_64 random(11);
  std::uniform_int_distribution<int> digit_count(1, 21);
  std::uniform_int_distribution<int> digit(0, 9);
  std::uniform_int_distribution<int> exponent(-40, 40);
  std::uniform_int_distribution<int> shape(0, 3);
  for (int i = 0; i < 20000; ++i) {
    std::string digits(1, static_cast<char>('1' + digit(random) % 9));
    for (int d = digit_count(random); d > 1; --d) {
      digits.push_back(static_cast<char>('0' + digit(random)));
    }
    const int kind = shape(random);
    const size_t point = kind == 0 ? digits.size() : 1 + random() % digits.size();
    std::string text = fmt::format("{}{}", (random() & 1) ? "-" : "", digits.substr(0, point));
    if (point < digits.size()) text.append(".").append(digits, point);
    if (kind >= 2) text.append(fmt::format("e{}", exponent(random)));
    // Integers wider than 64 bits are declined (see the next test).
    const bool integer = point == digits.size() && kind < 2;
    if (integer && digits.size() > 18) continue;
    ExpectParsesLikeStrtod(text);
  }
}

TEST(ParseJsonNumberTest, ReadsMinusZeroAsTheIntegerZero) {
  double parsed = -1.0;
  ASSERT_TRUE(ParseJsonNumber("-0", &parsed));
  EXPECT_FALSE(std::signbit(parsed));
  ASSERT_TRUE(ParseJsonNumber("-0.0", &parsed));
  EXPECT_TRUE(std::signbit(parsed));
}

// The general parser rejects integers a 64-bit integer cannot hold, where
// a double could: the scanner declines them so that it decides.
TEST(ParseJsonNumberTest, DeclinesIntegersWiderThanSixtyFourBits) {
  for (const char* text : {"18446744073709551616", "-9223372036854775809",
                           "77777777777777777777777777777777777777777", "-10000000000000000000"}) {
    SCOPED_TRACE(text);
    double parsed = 0.0;
    EXPECT_FALSE(ParseJsonNumber(text, &parsed));
  }
  double parsed = 0.0;
  EXPECT_TRUE(ParseJsonNumber("77777777777777777777777777777777777777777.0", &parsed));
  EXPECT_TRUE(ParseJsonNumber("7e40", &parsed));
}

TEST(ParseJsonNumberTest, RejectsWhatJsonGrammarForbidsOrADoubleCannotHold) {
  for (const char* text :
       {"", "-", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity",
        "1.5.5", "--1", " 1", "1 ", "1e400", "-1e400"}) {
    SCOPED_TRACE(text);
    double parsed = 0.0;
    EXPECT_FALSE(ParseJsonNumber(text, &parsed));
  }
}

class ScanCommonSampleTest : public ::testing::Test {
 protected:
  bool Scan(std::string_view value, size_t dimension = 2) {
    features_.assign(dimension, -99.0);
    return ScanCommonSample(value, dimension, features_.data(), &out_);
  }

  std::vector<double> features_;
  ScannedSample out_;
};

TEST_F(ScanCommonSampleTest, ReadsEveryFieldOfTheCommonLayout) {
  ASSERT_TRUE(Scan(R"({"contributor":"lab-17","features":[0.5,-2],"label":1,)"
                   R"("time":1764763200000,"id":"s-991"})"));
  EXPECT_EQ(out_.contributor, "lab-17");
  EXPECT_EQ(features_, (std::vector<double>{0.5, -2.0}));
  EXPECT_EQ(out_.label, 1.0);
  EXPECT_FALSE(out_.time_is_text);
  EXPECT_EQ(out_.time_ms, 1764763200000);
  EXPECT_EQ(out_.id, "s-991");
  EXPECT_TRUE(out_.has_contributor && out_.has_features && out_.has_label && out_.has_time &&
              out_.has_id);
}

TEST_F(ScanCommonSampleTest, AcceptsWhitespaceAnyFieldOrderAndTextTime) {
  ASSERT_TRUE(
      Scan(" \n{ \"time\" : \"2025-12-03T12:00:00Z\" ,\t\"features\" : [ 1 , 2 ] ,"
           "\r\"label\":0, \"contributor\" : \"a\" }\n "));
  EXPECT_TRUE(out_.time_is_text);
  EXPECT_EQ(out_.time_text, "2025-12-03T12:00:00Z");
  EXPECT_EQ(features_, (std::vector<double>{1.0, 2.0}));
  EXPECT_FALSE(out_.has_id);
}

TEST_F(ScanCommonSampleTest, ReportsAbsentFieldsWithoutDeclining) {
  ASSERT_TRUE(Scan("{}"));
  EXPECT_FALSE(out_.has_contributor || out_.has_features || out_.has_label || out_.has_time ||
               out_.has_id);
}

TEST_F(ScanCommonSampleTest, DeclinesEverythingOutsideTheCommonLayout) {
  const std::vector<std::string> declined = {
      "",
      "[]",
      R"({"contributor":"a","extra":1})",          // Unknown field.
      R"({"contributor":"a","contributor":"b"})",  // Repeated field.
      R"({"contributor":"l\u00e9"})",              // Escape.
      "{\"contributor\":\"l\xc3\xa9\"}",           // Non-ASCII.
      "{\"contributor\":\"a\tb\"}",                // Control character.
      R"({"contributor":7})",                      // Not a string.
      R"({"features":[1]})",                       // Too few features.
      R"({"features":[1,2,3]})",                   // Too many.
      R"({"features":{"a":1,"b":2}})",             // Named features.
      R"({"features":[1,"2"]})",                   // A string feature.
      R"({"features":[1,NaN]})",                   // Not JSON.
      R"({"features":[1,1e999]})",                 // Beyond a double.
      R"({"label":"1"})",                          // A string label.
      R"({"time":1.5})",                           // A fractional time.
      R"({"time":1e3})",                           // An exponent time.
      R"({"time":-1})",                            // A negative time.
      R"({"time":012})",                           // A leading zero.
      R"({"time":1234567890123456789})",           // Past 18 digits.
      R"({"label":1,})",                           // Trailing comma.
      R"({"label":1} {})",                         // Two objects.
      R"({"label":1)",                             // Unclosed.
      R"({"label" 1})",                            // No colon.
  };
  for (const std::string& value : declined) {
    SCOPED_TRACE(value);
    EXPECT_FALSE(Scan(value));
  }
}

}  // namespace
}  // namespace anml::connectors::internal
