#include "connectors/weights_sink.h"

#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "connectors/kafka_status.h"

namespace anml::connectors {
namespace {

using internal::Log;

constexpr std::chrono::milliseconds kSendTimeout{5000};

Status CreateTopicResult(rd_kafka_event_t* event, const std::string& topic) {
  ANML_RETURN_IF_ERROR(KafkaStatus(rd_kafka_event_error(event),
                                   fmt::format("creating topic '{}'", topic)));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    // Another engine creating it first is as good as creating it.
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    ANML_RETURN_IF_ERROR(KafkaStatus(err, fmt::format("creating topic '{}'", topic)));
  }
  return Status::Ok();
}

}  // namespace

Status EnsureCompactedTopic(rd_kafka_t* client, const std::string& topic, int partitions,
                            std::chrono::milliseconds timeout) {
  StatusOr<int> existing = internal::PartitionCount(client, topic, timeout);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  std::array<char, 512> errstr{};
  rd_kafka_NewTopic_t* request =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, errstr.data(), errstr.size());
  if (request == nullptr) {
    return InvalidArgument(fmt::format("creating topic '{}': {}", topic, errstr.data()));
  }
  std::unique_ptr<rd_kafka_NewTopic_t, void (*)(rd_kafka_NewTopic_t*)> owned(
      request, rd_kafka_NewTopic_destroy);
  ANML_RETURN_IF_ERROR(KafkaStatus(
      rd_kafka_NewTopic_set_config(request, "cleanup.policy", "compact"),
      fmt::format("setting cleanup.policy of new topic '{}'", topic)));
  internal::QueuePtr queue(rd_kafka_queue_new(client));
  rd_kafka_CreateTopics(client, &request, 1, nullptr, queue.get());
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> event(
      rd_kafka_queue_poll(queue.get(), internal::TimeoutMs(timeout)), rd_kafka_event_destroy);
  if (!event) {
    return DeadlineExceeded(fmt::format(
        "creating topic '{}' with cleanup.policy=compact: no answer within {} ms (the "
        "embedded broker does not implement CreateTopics; create the topic there)",
        topic, timeout.count()));
  }
  ANML_RETURN_IF_ERROR(CreateTopicResult(event.get(), topic));
  Log().info("created compacted topic '{}' with {} partitions", topic, partitions);
  return Status::Ok();
}

StatusOr<std::unique_ptr<WeightsSink>> WeightsSink::Create(WeightsSinkOptions options) {
  auto producer = internal::ReliableProducer::Create(options.kafka, "anml-weights");
  ANML_RETURN_IF_ERROR(producer.status());
  ANML_RETURN_IF_ERROR(EnsureCompactedTopic((*producer)->handle(), options.topics.weights,
                                            options.partitions, options.admin_timeout));
  return std::unique_ptr<WeightsSink>(new WeightsSink(std::move(options), std::move(*producer)));
}

bool WeightsSink::ShouldPublish(const WeightRecord& record, Clock::time_point now) const {
  auto it = last_.find(record.contributor);
  if (it == last_.end()) return true;
  const Published& last = it->second;
  // A NaN weight compares false everywhere; `!(<=)` publishes it rather than
  // holding back a value the engine produced.
  bool moved = !(std::abs(record.weight - last.weight) <= options_.policy.min_change);
  return moved || now - last.at >= options_.policy.max_interval;
}

StatusOr<bool> WeightsSink::Offer(const WeightRecord& record, Clock::time_point now) {
  if (!ShouldPublish(record, now)) return false;
  internal::OutgoingMessage message;
  message.topic = options_.topics.weights;
  message.key = record.contributor;
  message.value = EncodeWeightRecord(record);
  ANML_RETURN_IF_ERROR(producer_->Send(std::move(message), kSendTimeout));
  last_[record.contributor] = Published{record.weight, now};
  return true;
}

Status WeightsSink::Flush(std::chrono::milliseconds timeout) {
  return producer_->Flush(timeout).WithContext(
      fmt::format("publishing weights to '{}'", options_.topics.weights));
}

}  // namespace anml::connectors
