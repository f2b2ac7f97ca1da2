#include "connectors/embedded_broker.h"

#include <fmt/format.h>

#include "connectors/kafka_status.h"

namespace anml::connectors {

StatusOr<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(
    const EmbeddedBrokerOptions& options) {
  if (options.brokers < 1 || options.partitions < 1) {
    return InvalidArgument(fmt::format("embedded broker: {} brokers and {} partitions, "
                                       "expected at least 1 of each",
                                       options.brokers, options.partitions));
  }
  // The cluster lives inside a client handle that never connects anywhere;
  // its log level keeps the "no bootstrap.servers" notice out of the log.
  auto conf = internal::NewConf({}, {{"log_level", "3"}}, {});
  ANML_RETURN_IF_ERROR(conf.status());
  auto handle = internal::NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
  ANML_RETURN_IF_ERROR(handle.status());
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle->get(), options.brokers);
  if (cluster == nullptr) {
    return Internal(fmt::format("embedded broker: librdkafka could not create a mock "
                                "cluster of {} brokers",
                                options.brokers));
  }
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker(std::move(*handle), cluster));
  const TopicNames& t = options.topics;
  for (const std::string* topic :
       {&t.samples, &t.contributors, &t.weights, &t.deadletter, &t.validation, &t.model}) {
    ANML_RETURN_IF_ERROR(broker->CreateTopic(*topic, options.partitions));
  }
  internal::Log().info("embedded broker serving on {} ({} brokers, {} partitions per topic)",
                       broker->bootstrap_servers(), options.brokers, options.partitions);
  return broker;
}

EmbeddedBroker::EmbeddedBroker(internal::KafkaPtr handle, rd_kafka_mock_cluster_t* cluster)
    : handle_(std::move(handle)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

EmbeddedBroker::~EmbeddedBroker() {
  rd_kafka_mock_cluster_destroy(cluster_);
  internal::Log().info("embedded broker on {} stopped", bootstrap_servers_);
}

KafkaClientConfig EmbeddedBroker::client_config() const {
  KafkaClientConfig config;
  config.bootstrap_servers = bootstrap_servers_;
  return config;
}

Status EmbeddedBroker::CreateTopic(const std::string& topic, int partitions) {
  if (partitions < 1) {
    return InvalidArgument(
        fmt::format("embedded broker: topic '{}' with {} partitions, expected >= 1", topic,
                    partitions));
  }
  return KafkaStatus(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1),
                     fmt::format("embedded broker: creating topic '{}'", topic));
}

}  // namespace anml::connectors
