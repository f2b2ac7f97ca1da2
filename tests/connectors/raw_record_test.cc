#include "connectors/raw_record.h"

#include <string>

#include <gtest/gtest.h>

#include "connectors/sample_codec.h"

namespace anml::connectors {
namespace {

TEST(PrintableIdTest, KeepsPrintableAscii) {
  EXPECT_EQ(PrintableId("lab-17 (north)"), "lab-17 (north)");
}

TEST(PrintableIdTest, EscapesWhatCouldForgeLinesOrDriveATerminal) {
  struct Case {
    std::string id;
    std::string printed;
  };
  const Case cases[] = {
      {"a\nb", "a\\x0ab"},
      {"a\r\nINFO fake line", "a\\x0d\\x0aINFO fake line"},
      {"\x1b[31mred", "\\x1b[31mred"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"back\\slash 'q'", "back\\x5cslash \\x27q\\x27"},
      {"lab-\xc3\xbc", "lab-\\xc3\\xbc"},
      {"\x7f\xff", "\\x7f\\xff"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.printed);
    EXPECT_EQ(PrintableId(c.id), c.printed);
  }
}

TEST(PrintableIdTest, CutsLongIdsAndSaysSo) {
  const std::string id(300, 'x');
  EXPECT_EQ(PrintableId(id), std::string(kMaxPrintedIdBytes, 'x') + "...");
  EXPECT_EQ(PrintableId(std::string(kMaxPrintedIdBytes, 'y')),
            std::string(kMaxPrintedIdBytes, 'y'));
}

TEST(PrintableIdTest, KeyMismatchErrorShowsNoRawControlCharacters) {
  RecordSchema schema;
  schema.dimension = 1;
  SampleDecoder decoder(schema);
  RawRecord record;
  record.key = "evil\n\x1b[2J";
  const std::string value = R"({"contributor":"lab\n1","features":[1],"label":1})";
  record.value = value;
  record.topic = "anml.samples";
  SampleRecord out;
  DeadLetterReason reason = DeadLetterReason::kEmptyValue;
  Status status = decoder.Decode(record, &out, &reason);
  ASSERT_EQ(reason, DeadLetterReason::kKeyMismatch);
  EXPECT_EQ(status.message(),
            "anml.samples[0]@0: message key 'evil\\x0a\\x1b[2J' differs from contributor "
            "'lab\\x0a1'");
}

}  // namespace
}  // namespace anml::connectors
