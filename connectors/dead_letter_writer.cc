#include "connectors/dead_letter_writer.h"

#include <utility>

#include <fmt/format.h>

#include "connectors/internal/kafka_client.h"

namespace anml::connectors {
namespace {

// How long Send() waits for room in a full producer queue.
constexpr std::chrono::milliseconds kSendTimeout{5000};

std::optional<std::string> Bytes(const void* data, size_t size) {
  if (data == nullptr) return std::nullopt;
  return std::string(static_cast<const char*>(data), size);
}

void CopyHeaders(const rd_kafka_message_t& original, internal::OutgoingMessage* letter) {
  rd_kafka_headers_t* headers = nullptr;
  // Casting away const is safe: reading headers only parses them lazily.
  auto* message = const_cast<rd_kafka_message_t*>(&original);
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                     RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    letter->headers.emplace_back(name, Bytes(value, size));
  }
}

}  // namespace

StatusOr<std::unique_ptr<DeadLetterWriter>> DeadLetterWriter::Create(
    const KafkaClientConfig& config, std::string topic) {
  auto producer = internal::ReliableProducer::Create(config, "anml-deadletter");
  ANML_RETURN_IF_ERROR(producer.status());
  return std::unique_ptr<DeadLetterWriter>(
      new DeadLetterWriter(std::move(*producer), std::move(topic)));
}

Status DeadLetterWriter::Send(const rd_kafka_message_t& original, DeadLetterReason reason,
                              const Status& error) {
  internal::OutgoingMessage letter;
  letter.topic = topic_;
  letter.key = Bytes(original.key, original.key_len);
  letter.value = Bytes(original.payload, original.len);
  CopyHeaders(original, &letter);
  letter.headers.emplace_back(kHeaderErrorReason, std::string(DeadLetterReasonName(reason)));
  letter.headers.emplace_back(kHeaderErrorMessage, error.message());
  letter.headers.emplace_back(kHeaderSourceTopic, rd_kafka_topic_name(original.rkt));
  letter.headers.emplace_back(kHeaderSourcePartition, std::to_string(original.partition));
  letter.headers.emplace_back(kHeaderSourceOffset, std::to_string(original.offset));
  counters_.Increment(reason);
  internal::Log().debug("dead letter {}: {}", DeadLetterReasonName(reason), error.message());
  return producer_->Send(std::move(letter), kSendTimeout);
}

Status DeadLetterWriter::Flush(std::chrono::milliseconds timeout) {
  return producer_->Flush(timeout).WithContext(
      fmt::format("flushing dead letters to '{}'", topic_));
}

}  // namespace anml::connectors
