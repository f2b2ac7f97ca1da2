// The dead-letter path: records that fail decoding or validation are
// republished, byte for byte, to the dead-letter topic with headers that say
// why and where they came from, and counted by reason.
//
// A dead letter carries the original key, value and headers, plus:
//   anml.error.reason      stable code (DeadLetterReasonName), e.g. bad_json
//   anml.error.message     the validation message, naming field and values
//   anml.source.topic      topic the record was read from
//   anml.source.partition  its partition, decimal
//   anml.source.offset     its offset, decimal
//
// Ownership: owns an idempotent producer. Dead letters are acknowledged by
// Flush(); callers flush before committing the offsets past them, so a crash
// cannot lose one. The producer honours KafkaClientConfig::properties except
// enable.idempotence, which is always true.
//
// Thread safety: not thread safe; the counters may be read from any thread.
#ifndef ANML_CONNECTORS_DEAD_LETTER_WRITER_H_
#define ANML_CONNECTORS_DEAD_LETTER_WRITER_H_

#include <chrono>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

#include "connectors/dead_letter_reason.h"
#include "connectors/internal/reliable_producer.h"
#include "connectors/kafka_config.h"
#include "engine/status.h"

namespace anml::connectors {

inline constexpr char kHeaderErrorReason[] = "anml.error.reason";
inline constexpr char kHeaderErrorMessage[] = "anml.error.message";
inline constexpr char kHeaderSourceTopic[] = "anml.source.topic";
inline constexpr char kHeaderSourcePartition[] = "anml.source.partition";
inline constexpr char kHeaderSourceOffset[] = "anml.source.offset";

class DeadLetterWriter {
 public:
  // Errors: kInvalidArgument for a rejected librdkafka property.
  static StatusOr<std::unique_ptr<DeadLetterWriter>> Create(const KafkaClientConfig& config,
                                                            std::string topic);

  // Queues a dead letter for `original` and counts it under `reason`.
  // Errors: kUnavailable when the producer queue stays full; Kafka errors.
  Status Send(const rd_kafka_message_t& original, DeadLetterReason reason,
              const Status& error);

  // Waits until every dead letter is acknowledged.
  // Errors: as ReliableProducer::Flush; unacknowledged letters are kept.
  Status Flush(std::chrono::milliseconds timeout);

  // Serves delivery reports without blocking.
  void Poll() { producer_->Poll(); }

  const DeadLetterCounters& counters() const { return counters_; }
  const std::string& topic() const { return topic_; }

 private:
  DeadLetterWriter(std::unique_ptr<internal::ReliableProducer> producer, std::string topic)
      : producer_(std::move(producer)), topic_(std::move(topic)) {}

  std::unique_ptr<internal::ReliableProducer> producer_;
  std::string topic_;
  DeadLetterCounters counters_;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_DEAD_LETTER_WRITER_H_
