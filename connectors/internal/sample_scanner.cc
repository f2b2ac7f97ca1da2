#include "connectors/internal/sample_scanner.h"

#include <charconv>
#include <system_error>
#include <utility>

namespace anml::connectors::internal {
namespace {

// Clinger's fast path: a decimal m * 10^e with m <= 2^53 and |e| <= 22 is
// one product or quotient of two doubles that hold m and 10^e exactly, and
// IEEE arithmetic rounds that single operation correctly. Other numbers go
// to std::from_chars, which also rounds correctly but costs more.
constexpr uint64_t kMaxExactMantissa = uint64_t{1} << 53;
constexpr int kMaxExactPower = 22;
constexpr double kPowersOfTen[kMaxExactPower + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
// Digits a uint64_t mantissa takes without overflow.
constexpr int kMaxMantissaDigits = 19;
// Exponent digits read before the value is certainly out of any double's
// range; further digits are checked but not accumulated.
constexpr int kExponentCap = 100000;
// Digits of a non-negative integer time that an int64_t always holds.
constexpr int kMaxTimeDigits = 18;
// The general parser reads a number without a fraction or an exponent as a
// 64-bit integer and rejects the document when it does not fit: above
// 2^64 - 1, or below -2^63. Such numbers are declined here, so the general
// parser decides them. Every integer of at most 19 digits fits when
// non-negative; a negative one must also stay within 2^63.
constexpr uint64_t kMaxNegativeInteger = uint64_t{1} << 63;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Cursor {
 public:
  explicit Cursor(std::string_view text)
      : position_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() const { return position_ == end_; }

  void SkipSpace() {
    while (position_ != end_ &&
           (*position_ == ' ' || *position_ == '\n' || *position_ == '\r' || *position_ == '\t')) {
      ++position_;
    }
  }

  // Skips space, then the character `c` if it is next.
  bool Consume(char c) {
    SkipSpace();
    if (position_ == end_ || *position_ != c) return false;
    ++position_;
    return true;
  }

  // A string of printable ASCII without escapes.
  bool ScanString(std::string_view* out) {
    if (!Consume('"')) return false;
    const char* first = position_;
    for (; position_ != end_ && *position_ != '"'; ++position_) {
      const char c = *position_;
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
    }
    if (position_ == end_) return false;
    *out = std::string_view(first, static_cast<size_t>(position_ - first));
    ++position_;
    return true;
  }

  bool ScanNumber(double* out);
  bool ScanTime(ScannedSample* out);
  bool ScanFeatures(size_t dimension, double* features);

 private:
  // Reads the digits at the cursor into *mantissa while it has room,
  // counting them all in *digits.
  void ReadDigits(uint64_t* mantissa, int* digits) {
    for (; position_ != end_ && IsDigit(*position_); ++position_) {
      if (*digits < kMaxMantissaDigits) *mantissa = *mantissa * 10 + (*position_ - '0');
      ++*digits;
    }
  }

  bool ReadExponent(int* exponent);

  const char* position_;
  const char* end_;
};

bool Cursor::ReadExponent(int* exponent) {
  if (position_ == end_ || (*position_ != 'e' && *position_ != 'E')) return true;
  ++position_;
  bool negative = false;
  if (position_ != end_ && (*position_ == '+' || *position_ == '-')) {
    negative = *position_ == '-';
    ++position_;
  }
  const char* first = position_;
  int value = 0;
  for (; position_ != end_ && IsDigit(*position_); ++position_) {
    if (value < kExponentCap) value = value * 10 + (*position_ - '0');
  }
  if (position_ == first) return false;
  *exponent += negative ? -value : value;
  return true;
}

// JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool Cursor::ScanNumber(double* out) {
  const char* start = position_;
  const bool negative = position_ != end_ && *position_ == '-';
  if (negative) ++position_;
  if (position_ == end_ || !IsDigit(*position_)) return false;

  uint64_t mantissa = 0;
  int digits = 0;
  if (*position_ == '0') {
    ++position_;  // A leading zero stands alone.
  } else {
    ReadDigits(&mantissa, &digits);
  }
  int exponent = 0;
  bool integer = true;
  if (position_ != end_ && *position_ == '.') {
    integer = false;
    ++position_;
    const int integer_digits = digits;
    ReadDigits(&mantissa, &digits);
    if (digits == integer_digits) return false;
    exponent = integer_digits - digits;
  }
  if (position_ != end_ && (*position_ == 'e' || *position_ == 'E')) integer = false;
  if (!ReadExponent(&exponent)) return false;
  if (integer && (digits > kMaxMantissaDigits || (negative && mantissa > kMaxNegativeInteger))) {
    return false;
  }

  if (digits <= kMaxMantissaDigits && mantissa <= kMaxExactMantissa &&
      exponent >= -kMaxExactPower && exponent <= kMaxExactPower) {
    double value = static_cast<double>(mantissa);
    value = exponent < 0 ? value / kPowersOfTen[-exponent] : value * kPowersOfTen[exponent];
    // "-0" is the integer zero, as JSON parsers that keep integers read it;
    // only a fraction or an exponent makes a negative zero.
    *out = negative && !(integer && mantissa == 0) ? -value : value;
    return true;
  }
  auto [end, error] = std::from_chars(start, position_, *out);
  return error == std::errc() && end == position_;
}

bool Cursor::ScanTime(ScannedSample* out) {
  SkipSpace();
  if (position_ != end_ && *position_ == '"') {
    out->time_is_text = true;
    return ScanString(&out->time_text);
  }
  const char* first = position_;
  int64_t value = 0;
  for (; position_ != end_ && IsDigit(*position_); ++position_) {
    if (position_ - first == kMaxTimeDigits) return false;
    value = value * 10 + (*position_ - '0');
  }
  const size_t digits = static_cast<size_t>(position_ - first);
  if (digits == 0 || (digits > 1 && *first == '0')) return false;
  // A fraction or an exponent makes the time a non-integer number.
  if (position_ != end_ && (*position_ == '.' || *position_ == 'e' || *position_ == 'E')) {
    return false;
  }
  out->time_is_text = false;
  out->time_ms = value;
  return true;
}

bool Cursor::ScanFeatures(size_t dimension, double* features) {
  if (!Consume('[')) return false;
  for (size_t i = 0; i < dimension; ++i) {
    if (i > 0 && !Consume(',')) return false;
    SkipSpace();
    if (!ScanNumber(&features[i])) return false;
  }
  return Consume(']');
}

// Scans the value of the field named `name`; false for an unknown or
// repeated field or a value of the wrong shape.
bool ScanField(std::string_view name, size_t dimension, double* features, Cursor* cursor,
               ScannedSample* out) {
  auto first_time = [](bool* seen) { return !std::exchange(*seen, true); };
  cursor->SkipSpace();
  if (name == "features") {
    return first_time(&out->has_features) && cursor->ScanFeatures(dimension, features);
  }
  if (name == "contributor") {
    return first_time(&out->has_contributor) && cursor->ScanString(&out->contributor);
  }
  if (name == "label") {
    return first_time(&out->has_label) && cursor->ScanNumber(&out->label);
  }
  if (name == "time") return first_time(&out->has_time) && cursor->ScanTime(out);
  if (name == "id") return first_time(&out->has_id) && cursor->ScanString(&out->id);
  return false;
}

}  // namespace

bool ScanCommonSample(std::string_view value, size_t dimension, double* features,
                      ScannedSample* out) {
  *out = ScannedSample();
  Cursor cursor(value);
  if (!cursor.Consume('{')) return false;
  if (!cursor.Consume('}')) {
    do {
      std::string_view name;
      if (!cursor.ScanString(&name) || !cursor.Consume(':')) return false;
      if (!ScanField(name, dimension, features, &cursor, out)) return false;
    } while (cursor.Consume(','));
    if (!cursor.Consume('}')) return false;
  }
  cursor.SkipSpace();
  return cursor.AtEnd();
}

bool ParseJsonNumber(std::string_view text, double* out) {
  Cursor cursor(text);
  return cursor.ScanNumber(out) && cursor.AtEnd();
}

}  // namespace anml::connectors::internal
