#include "connectors/raw_record.h"

#include <fmt/format.h>

namespace anml::connectors {

std::string RecordPlace(const RawRecord& record) {
  return fmt::format("{}[{}]@{}", record.topic, record.partition, record.offset);
}

std::string PrintableId(std::string_view text) {
  std::string out;
  const std::string_view shown = text.substr(0, kMaxPrintedIdBytes);
  out.reserve(shown.size() + 3);
  for (char c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\' || c == '\'') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(c);
    }
  }
  if (text.size() > shown.size()) out += "...";
  return out;
}

}  // namespace anml::connectors
