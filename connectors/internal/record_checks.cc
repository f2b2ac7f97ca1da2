#include "connectors/internal/record_checks.h"

#include <chrono>
#include <string>

#include <fmt/format.h>
#include <simdjson.h>

namespace anml::connectors::internal {
namespace {

// Reads exactly `width` decimal digits at `*pos` and advances past them.
std::optional<int> Digits(std::string_view text, size_t* pos, size_t width) {
  if (*pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  return value;
}

bool Expect(std::string_view text, size_t* pos, char wanted) {
  if (*pos >= text.size()) return false;
  char c = text[*pos];
  bool matches = c == wanted || (wanted == 'T' && (c == 't' || c == ' ')) ||
                 (wanted == 'Z' && c == 'z');
  if (matches) ++*pos;
  return matches;
}

// Milliseconds of an optional ".fraction" at `*pos`.
std::optional<int> Fraction(std::string_view text, size_t* pos) {
  if (*pos >= text.size() || text[*pos] != '.') return 0;
  ++*pos;
  size_t start = *pos;
  int millis = 0;
  while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') {
    if (*pos - start < 3) millis = millis * 10 + (text[*pos] - '0');
    ++*pos;
  }
  size_t digits = *pos - start;
  if (digits == 0) return std::nullopt;
  for (size_t i = digits; i < 3; ++i) millis *= 10;
  return millis;
}

// The UTC offset in minutes of "Z" or "+hh:mm"/"-hh:mm" ending the text.
std::optional<int> Offset(std::string_view text, size_t* pos) {
  if (Expect(text, pos, 'Z')) return 0;
  if (*pos >= text.size()) return std::nullopt;
  char sign = text[(*pos)++];
  if (sign != '+' && sign != '-') return std::nullopt;
  auto hours = Digits(text, pos, 2);
  if (!hours || !Expect(text, pos, ':')) return std::nullopt;
  auto minutes = Digits(text, pos, 2);
  if (!minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  int total = *hours * 60 + *minutes;
  return sign == '-' ? -total : total;
}

}  // namespace

Status CheckContributorId(std::string_view id, const RawRecord& record,
                          DeadLetterReason* reason) {
  if (id.empty()) {
    *reason = DeadLetterReason::kMissingContributor;
    return InvalidArgument(
        fmt::format("{}: contributor id is empty, expected 1 to {} bytes",
                    RecordPlace(record), kMaxContributorIdBytes));
  }
  if (id.size() > kMaxContributorIdBytes) {
    *reason = DeadLetterReason::kOversizedContributor;
    return InvalidArgument(fmt::format("{}: contributor id has {} bytes, expected at most {}",
                                       RecordPlace(record), id.size(),
                                       kMaxContributorIdBytes));
  }
  if (!simdjson::validate_utf8(id.data(), id.size())) {
    *reason = DeadLetterReason::kInvalidContributor;
    return InvalidArgument(
        fmt::format("{}: contributor id is not valid UTF-8", RecordPlace(record)));
  }
  return Status::Ok();
}

std::optional<int64_t> ParseRfc3339Ms(std::string_view text) {
  using namespace std::chrono;  // NOLINT: calendar types in a .cc scope.
  size_t pos = 0;
  auto year = Digits(text, &pos, 4);
  if (!year || !Expect(text, &pos, '-')) return std::nullopt;
  auto month = Digits(text, &pos, 2);
  if (!month || !Expect(text, &pos, '-')) return std::nullopt;
  auto day = Digits(text, &pos, 2);
  if (!day || !Expect(text, &pos, 'T')) return std::nullopt;
  auto hour = Digits(text, &pos, 2);
  if (!hour || !Expect(text, &pos, ':')) return std::nullopt;
  auto minute = Digits(text, &pos, 2);
  if (!minute || !Expect(text, &pos, ':')) return std::nullopt;
  auto second = Digits(text, &pos, 2);
  auto millis = second ? Fraction(text, &pos) : std::nullopt;
  auto offset = millis ? Offset(text, &pos) : std::nullopt;
  if (!offset || pos != text.size()) return std::nullopt;

  year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                      std::chrono::day(*day)};
  // Second 60 is a leap second, which RFC 3339 allows.
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  int64_t days = sys_days(date).time_since_epoch().count();
  int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - *offset * 60;
  return seconds * 1000 + *millis;
}

}  // namespace anml::connectors::internal
