#include "connectors/embedded_broker.h"

#include <vector>

#include <fmt/format.h>

#include "connectors/kafka_status.h"

namespace anml::connectors {

StatusOr<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(
    const EmbeddedBrokerOptions& options) {
  if (options.brokers < 1 || options.partitions < 1) {
    return InvalidArgument(
        fmt::format("embedded broker: {} brokers and {} partitions, "
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
    return Internal(
        fmt::format("embedded broker: librdkafka could not create a mock "
                    "cluster of {} brokers",
                    options.brokers));
  }
  std::unique_ptr<EmbeddedBroker> broker(
      new EmbeddedBroker(std::move(*handle), cluster, options.brokers));
  const TopicNames& t = options.topics;
  for (const std::string* topic :
       {&t.samples, &t.contributors, &t.weights, &t.deadletter, &t.validation, &t.model}) {
    ANML_RETURN_IF_ERROR(broker->CreateTopic(*topic, options.partitions));
  }
  internal::Log().info("embedded broker serving on {} ({} brokers, {} partitions per topic)",
                       broker->bootstrap_servers(), options.brokers, options.partitions);
  return broker;
}

EmbeddedBroker::EmbeddedBroker(internal::KafkaPtr handle, rd_kafka_mock_cluster_t* cluster,
                               int brokers)
    : handle_(std::move(handle)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)),
      brokers_(brokers) {}

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
    return InvalidArgument(fmt::format(
        "embedded broker: topic '{}' with {} partitions, expected >= 1", topic, partitions));
  }
  return KafkaStatus(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1),
                     fmt::format("embedded broker: creating topic '{}'", topic));
}

Status EmbeddedBroker::CheckBroker(int32_t broker_id) const {
  if (broker_id >= 1 && broker_id <= brokers_) return Status::Ok();
  return InvalidArgument(
      fmt::format("embedded broker: broker {}, expected 1 .. {}", broker_id, brokers_));
}

Status EmbeddedBroker::SetBrokerDown(int32_t broker_id) {
  ANML_RETURN_IF_ERROR(CheckBroker(broker_id));
  internal::Log().info("embedded broker: broker {} down", broker_id);
  return KafkaStatus(rd_kafka_mock_broker_set_down(cluster_, broker_id),
                     fmt::format("embedded broker: setting broker {} down", broker_id));
}

Status EmbeddedBroker::SetBrokerUp(int32_t broker_id) {
  ANML_RETURN_IF_ERROR(CheckBroker(broker_id));
  internal::Log().info("embedded broker: broker {} up", broker_id);
  return KafkaStatus(rd_kafka_mock_broker_set_up(cluster_, broker_id),
                     fmt::format("embedded broker: setting broker {} up", broker_id));
}

Status EmbeddedBroker::MovePartitionLeader(const std::string& topic, int32_t partition,
                                           int32_t broker_id) {
  ANML_RETURN_IF_ERROR(CheckBroker(broker_id));
  if (partition < 0) {
    return InvalidArgument(
        fmt::format("embedded broker: partition {} of '{}', expected >= 0", partition, topic));
  }
  return KafkaStatus(
      rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker_id),
      fmt::format("embedded broker: moving the leader of {}[{}] to broker {}", topic, partition,
                  broker_id));
}

Status EmbeddedBroker::PushRequestErrors(int16_t api_key, int count, rd_kafka_resp_err_t error) {
  if (count < 0) {
    return InvalidArgument(fmt::format("embedded broker: {} request errors, expected >= 0", count));
  }
  std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(count), error);
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
  return Status::Ok();
}

}  // namespace anml::connectors
