#include "connectors/internal/kafka_client.h"

#include <algorithm>
#include <array>
#include <limits>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "connectors/kafka_status.h"

namespace anml::connectors::internal {
namespace {

constexpr char kLoggerName[] = "anml.connectors";

// librdkafka uses syslog levels: 0 emergency ... 7 debug.
spdlog::level::level_enum SyslogToSpdlog(int level) {
  if (level <= 3) return spdlog::level::err;
  if (level == 4) return spdlog::level::warn;
  if (level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void LogFromKafka(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  Log().log(SyslogToSpdlog(level), "librdkafka {} {}: {}", rd_kafka_name(rk), facility, buf);
}

Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  std::array<char, 512> errstr{};
  rd_kafka_conf_res_t result =
      rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr.data(), errstr.size());
  return KafkaConfStatus(result, name, errstr.data());
}

Status SetAll(rd_kafka_conf_t* conf, const Properties& properties) {
  for (const auto& [name, value] : properties) {
    ANML_RETURN_IF_ERROR(Set(conf, name, value));
  }
  return Status::Ok();
}

}  // namespace

spdlog::logger& Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    std::shared_ptr<spdlog::logger> existing = spdlog::get(kLoggerName);
    return existing ? existing : spdlog::stderr_color_mt(kLoggerName);
  }();
  return *logger;
}

StatusOr<ConfPtr> NewConf(const KafkaClientConfig& config, const Properties& defaults,
                          const Properties& required) {
  ConfPtr conf(rd_kafka_conf_new());
  ANML_RETURN_IF_ERROR(SetAll(conf.get(), defaults));
  ANML_RETURN_IF_ERROR(SetAll(conf.get(), config.properties));
  if (!config.bootstrap_servers.empty()) {
    ANML_RETURN_IF_ERROR(Set(conf.get(), "bootstrap.servers", config.bootstrap_servers));
  }
  ANML_RETURN_IF_ERROR(SetAll(conf.get(), required));
  rd_kafka_conf_set_log_cb(conf.get(), LogFromKafka);
  return conf;
}

StatusOr<KafkaPtr> NewClient(rd_kafka_type_t type, ConfPtr conf) {
  std::array<char, 512> errstr{};
  // rd_kafka_new takes the configuration only when it succeeds.
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr.data(), errstr.size());
  if (rk == nullptr) {
    return InvalidArgument(fmt::format("creating a librdkafka client: {}", errstr.data()));
  }
  (void)conf.release();  // Owned by `rk` now.
  return KafkaPtr(rk);
}

StatusOr<int> PartitionCount(rd_kafka_t* rk, const std::string& topic,
                             std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  ANML_RETURN_IF_ERROR(KafkaStatus(
      rd_kafka_metadata(rk, 1, nullptr, &metadata, TimeoutMs(timeout)),
      fmt::format("reading metadata for topic '{}'", topic)));
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> owner(
      metadata, rd_kafka_metadata_destroy);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[i];
    if (topic != entry.topic) continue;
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaStatus(entry.err, fmt::format("metadata of topic '{}'", topic));
    }
    return entry.partition_cnt;
  }
  return NotFound(fmt::format("topic '{}' does not exist on the cluster", topic));
}

int TimeoutMs(std::chrono::milliseconds timeout) {
  auto clamped = std::clamp<int64_t>(timeout.count(), 0, std::numeric_limits<int>::max());
  return static_cast<int>(clamped);
}

RawRecord ToRawRecord(const rd_kafka_message_t& message) {
  RawRecord raw;
  if (message.key != nullptr) {
    raw.key = std::string_view(static_cast<const char*>(message.key), message.key_len);
  }
  if (message.payload != nullptr) {
    raw.value = std::string_view(static_cast<const char*>(message.payload), message.len);
  }
  raw.timestamp_ms = rd_kafka_message_timestamp(&message, nullptr);
  raw.topic = rd_kafka_topic_name(message.rkt);
  raw.partition = message.partition;
  raw.offset = message.offset;
  return raw;
}

}  // namespace anml::connectors::internal
