// RecordProducer: sends keyed records to any topic and confirms delivery.
//
// For producers of anml's input (the demo's generator, tools and tests):
// an idempotent producer that keeps each record until the broker
// acknowledges it and resends failed ones on Flush(), so no record is lost
// silently.
//
// Ownership: owns its producer.
// Thread safety: not thread safe; one thread sends and flushes.
#ifndef ANML_CONNECTORS_RECORD_PRODUCER_H_
#define ANML_CONNECTORS_RECORD_PRODUCER_H_

#include <chrono>
#include <memory>
#include <string>

#include "connectors/internal/reliable_producer.h"
#include "connectors/kafka_config.h"
#include "engine/status.h"

namespace anml::connectors {

class RecordProducer {
 public:
  // Errors: kInvalidArgument for a rejected librdkafka property.
  static StatusOr<std::unique_ptr<RecordProducer>> Create(const KafkaClientConfig& config,
                                                          const std::string& client_id);

  // Queues `value` under `key` for `topic`, waiting up to `timeout` for
  // room in the queue. Errors: kUnavailable when the queue stays full;
  // Kafka errors.
  Status Send(const std::string& topic, std::string key, std::string value,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

  // Waits until every queued record is acknowledged. Errors: the first
  // delivery error, with counts, or kDeadlineExceeded.
  Status Flush(std::chrono::milliseconds timeout);

  // Serves delivery reports without blocking.
  void Poll() { producer_->Poll(); }

  uint64_t delivered() const { return producer_->delivered(); }

 private:
  explicit RecordProducer(std::unique_ptr<internal::ReliableProducer> producer)
      : producer_(std::move(producer)) {}

  std::unique_ptr<internal::ReliableProducer> producer_;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_RECORD_PRODUCER_H_
