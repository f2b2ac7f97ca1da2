#include "state/internal/logger.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <string_view>

namespace anml::state::internal {
namespace {

spdlog::level::level_enum LevelOf(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
      return spdlog::level::debug;
    case rocksdb::InfoLogLevel::INFO_LEVEL:
      return spdlog::level::info;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      return spdlog::level::warn;
    case rocksdb::InfoLogLevel::ERROR_LEVEL:
      return spdlog::level::err;
    default:
      return spdlog::level::critical;
  }
}

class RocksDbLogger : public rocksdb::Logger {
 public:
  RocksDbLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }

  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    constexpr size_t kLineBytes = 1024;  // Longer lines are cut.
    char line[kLineBytes];
    const int written = std::vsnprintf(line, sizeof(line), format, ap);
    std::string_view text(line, written < 0 ? 0 : std::min<size_t>(written, kLineBytes - 1));
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    internal::Logger().log(LevelOf(level), "rocksdb: {}", text);
  }
};

}  // namespace

spdlog::logger& Logger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    std::shared_ptr<spdlog::logger> existing = spdlog::get("state");
    if (existing) return existing;
    std::shared_ptr<spdlog::logger> created = spdlog::default_logger()->clone("state");
    spdlog::register_logger(created);
    return created;
  }();
  return *logger;
}

std::shared_ptr<rocksdb::Logger> MakeRocksDbLogger() { return std::make_shared<RocksDbLogger>(); }

}  // namespace anml::state::internal
