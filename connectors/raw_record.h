// A Kafka record as the codecs see it: borrowed bytes plus where they came
// from, so that every decoding error can name its topic, partition and
// offset.
//
// Thread safety: a view; valid only while the bytes it points to live.
#ifndef ANML_CONNECTORS_RAW_RECORD_H_
#define ANML_CONNECTORS_RAW_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anml::connectors {

// The longest contributor id DESIGN.md section 4 allows, in bytes of UTF-8.
inline constexpr size_t kMaxContributorIdBytes = 256;

struct RawRecord {
  std::optional<std::string_view> key;    // nullopt for a null key.
  std::optional<std::string_view> value;  // nullopt for a null value.
  int64_t timestamp_ms = -1;              // The message timestamp; -1 if none.
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// "<topic>[<partition>]@<offset>", the prefix of every record error.
std::string RecordPlace(const RawRecord& record);

// How many bytes of an untrusted text PrintableId() shows.
inline constexpr size_t kMaxPrintedIdBytes = 64;

// `text`, an untrusted contributor id or message key, made safe for a log
// line or an error message: every byte outside printable ASCII (control
// characters such as newline and ESC, and all non-ASCII bytes), the
// backslash and the single quote are written as \xNN, and text past
// kMaxPrintedIdBytes input bytes is cut and marked "...". A hostile id can
// then neither forge log lines, nor drive a terminal, nor flood a log.
std::string PrintableId(std::string_view text);

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_RAW_RECORD_H_
