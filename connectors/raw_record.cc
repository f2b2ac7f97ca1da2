#include "connectors/raw_record.h"

#include <fmt/format.h>

namespace anml::connectors {

std::string RecordPlace(const RawRecord& record) {
  return fmt::format("{}[{}]@{}", record.topic, record.partition, record.offset);
}

}  // namespace anml::connectors
