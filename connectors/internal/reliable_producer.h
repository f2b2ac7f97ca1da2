// An idempotent librdkafka producer that never loses a message silently:
// each message stays owned by the producer until the broker acknowledges it,
// and a message whose delivery failed is kept and sent again by the next
// Flush(), which reports the failure until a resend succeeds.
//
// Thread safety: not thread safe; delivery reports run on the thread that
// calls Send() or Flush().
#ifndef ANML_CONNECTORS_INTERNAL_RELIABLE_PRODUCER_H_
#define ANML_CONNECTORS_INTERNAL_RELIABLE_PRODUCER_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/internal/kafka_client.h"

namespace anml::connectors::internal {

struct OutgoingMessage {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int attempts = 0;  // Times handed to librdkafka so far.
};

class ReliableProducer {
 public:
  // A producer with enable.idempotence=true (acks=all, ordered retries).
  // `properties` from `config` pass through; idempotence cannot be turned
  // off. Errors: kInvalidArgument for a rejected property.
  static StatusOr<std::unique_ptr<ReliableProducer>> Create(const KafkaClientConfig& config,
                                                            const std::string& client_id);
  ~ReliableProducer();

  // Queues `message`. When librdkafka's queue is full, serves delivery
  // reports for up to `timeout` until there is room.
  // Errors: kUnavailable when the queue stays full; Kafka errors.
  Status Send(OutgoingMessage message, std::chrono::milliseconds timeout);

  // Waits until every queued message is acknowledged, resending failed ones
  // while time remains. Returns OK when none is outstanding; otherwise the
  // error of the first failed message, with the count of failed and
  // in-flight messages. Failed messages are kept for the next Flush().
  Status Flush(std::chrono::milliseconds timeout);

  // Serves delivery reports without blocking.
  void Poll();

  rd_kafka_t* handle() const { return producer_.get(); }
  uint64_t delivered() const { return delivered_; }
  size_t failed() const { return failed_.size(); }

 private:
  explicit ReliableProducer(KafkaPtr producer) : producer_(std::move(producer)) {}
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  // Hands `message` to librdkafka; on success it is released (and freed by
  // OnDelivery), on failure it is left with the caller.
  Status Produce(std::unique_ptr<OutgoingMessage>& message);
  Status Resend();

  KafkaPtr producer_;
  uint64_t delivered_ = 0;
  // Failed messages with the error of their last attempt, oldest first.
  std::deque<std::pair<std::unique_ptr<OutgoingMessage>, Status>> failed_;
};

}  // namespace anml::connectors::internal

#endif  // ANML_CONNECTORS_INTERNAL_RELIABLE_PRODUCER_H_
