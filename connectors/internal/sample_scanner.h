// A strict scanner for sample records in their common layout: the fast path
// of SampleDecoder.
//
// The scanner accepts a value only when it is one JSON object whose fields
// are among "contributor", "features", "label", "time" and "id", each at
// most once, where
// - "contributor" and "id" are strings,
// - "features" is an array of exactly `dimension` numbers,
// - "label" is a number,
// - "time" is a non-negative integer or a string,
// every string is printable ASCII without escapes, and only JSON whitespace
// separates the tokens. It declines everything else: other fields, escaped
// or non-ASCII strings, named features, numbers a double cannot hold,
// integers (numbers without a fraction or an exponent) outside what a
// 64-bit integer holds, which the general parser rejects, and every
// malformed value. Declining is not an error; the caller then decodes
// the value with the general parser, which accepts it or says what is wrong,
// so error messages come from one place. The scanner checks syntax only; the
// meaning of each field (label range, time format, id length) is the
// caller's to check.
//
// Numbers follow JSON's grammar exactly and are converted correctly rounded,
// so a double read here equals the one the general parser reads; like it,
// the scanner reads "-0" as the integer zero, and "-0.0" as negative zero.
//
// Thread safety: a pure function of its arguments.
#ifndef ANML_CONNECTORS_INTERNAL_SAMPLE_SCANNER_H_
#define ANML_CONNECTORS_INTERNAL_SAMPLE_SCANNER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace anml::connectors::internal {

// The fields of a sample record in the common layout, as written. The
// string views point into the scanned value.
struct ScannedSample {
  bool has_contributor = false;
  bool has_features = false;
  bool has_label = false;
  bool has_time = false;
  bool has_id = false;
  std::string_view contributor;
  double label = 0.0;
  bool time_is_text = false;
  int64_t time_ms = 0;         // When the time is an integer.
  std::string_view time_text;  // When the time is a string.
  std::string_view id;
};

// Scans `value`, writing its `dimension` features to `features` and the
// other fields to `*out`. Returns true when the value has the common layout
// described above; false when it does not, with `features` and `*out`
// partly written.
bool ScanCommonSample(std::string_view value, size_t dimension, double* features,
                      ScannedSample* out);

// Parses the JSON number that is exactly `text` (no surrounding space), as
// ScanCommonSample does. Returns false when `text` is not a JSON number or
// its value is beyond the range of a double (in either direction).
bool ParseJsonNumber(std::string_view text, double* out);

}  // namespace anml::connectors::internal

#endif  // ANML_CONNECTORS_INTERNAL_SAMPLE_SCANNER_H_
