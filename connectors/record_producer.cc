#include "connectors/record_producer.h"

namespace anml::connectors {

StatusOr<std::unique_ptr<RecordProducer>> RecordProducer::Create(const KafkaClientConfig& config,
                                                                 const std::string& client_id) {
  auto producer = internal::ReliableProducer::Create(config, client_id);
  if (!producer.ok()) return producer.status();
  return std::unique_ptr<RecordProducer>(new RecordProducer(std::move(producer).value()));
}

Status RecordProducer::Send(const std::string& topic, std::string key, std::string value,
                            std::chrono::milliseconds timeout) {
  internal::OutgoingMessage message;
  message.topic = topic;
  message.key = std::move(key);
  message.value = std::move(value);
  return producer_->Send(std::move(message), timeout);
}

Status RecordProducer::Flush(std::chrono::milliseconds timeout) {
  return producer_->Flush(timeout);
}

}  // namespace anml::connectors
