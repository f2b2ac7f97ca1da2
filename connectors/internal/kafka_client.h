// Internal plumbing shared by the connectors: owning handles for librdkafka
// objects, constants that librdkafka only offers as old-style-cast macros,
// client construction from a KafkaClientConfig, and the subsystem logger.
#ifndef ANML_CONNECTORS_INTERNAL_KAFKA_CLIENT_H_
#define ANML_CONNECTORS_INTERNAL_KAFKA_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>
#include <spdlog/logger.h>

#include "connectors/kafka_config.h"
#include "connectors/raw_record.h"
#include "engine/status.h"

namespace anml::connectors::internal {

inline constexpr int32_t kAnyPartition = -1;         // RD_KAFKA_PARTITION_UA
inline constexpr int64_t kOffsetBeginning = -2;      // RD_KAFKA_OFFSET_BEGINNING
inline constexpr int64_t kOffsetInvalid = -1001;     // RD_KAFKA_OFFSET_INVALID
inline constexpr int kMsgFlagCopy = 0x2;             // RD_KAFKA_MSG_F_COPY
inline constexpr int64_t kNoTimestamp = -1;

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};

using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, KafkaDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, KafkaDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, KafkaDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, KafkaDeleter>;

using Properties = std::map<std::string, std::string>;

// The connectors' logger, "anml.connectors"; created on first use.
spdlog::logger& Log();

// A configuration holding, in order of precedence from low to high:
// `defaults`, config.properties, bootstrap.servers, then `required`. Routes
// librdkafka's own log lines to Log().
// Errors: kInvalidArgument naming the property librdkafka rejected.
StatusOr<ConfPtr> NewConf(const KafkaClientConfig& config, const Properties& defaults,
                          const Properties& required);

// Creates a client from `conf`, which it consumes whether or not it succeeds.
// Errors: kInvalidArgument with librdkafka's reason.
StatusOr<KafkaPtr> NewClient(rd_kafka_type_t type, ConfPtr conf);

// The partition count of `topic` from a metadata request for all topics
// (which, unlike a request naming the topic, never auto-creates it).
// Errors: kNotFound when the cluster has no such topic; Kafka errors.
StatusOr<int> PartitionCount(rd_kafka_t* rk, const std::string& topic,
                             std::chrono::milliseconds timeout);

// Milliseconds for librdkafka calls that take an int timeout.
int TimeoutMs(std::chrono::milliseconds timeout);

// A view of `message`'s key, value, timestamp and place; it borrows the
// message, which must outlive it.
RawRecord ToRawRecord(const rd_kafka_message_t& message);

}  // namespace anml::connectors::internal

#endif  // ANML_CONNECTORS_INTERNAL_KAFKA_CLIENT_H_
