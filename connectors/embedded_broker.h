// An in-process Kafka cluster for the demo and the tests, on librdkafka's
// mock cluster (rdkafka_mock.h), with anml's topics created.
//
// Operation: Start() opens real listening sockets on 127.0.0.1; any Kafka
// client (librdkafka, kcat, confluent-kafka) can use bootstrap_servers().
// The cluster runs on librdkafka's own threads until the object is destroyed.
//
// Ownership: owns the mock cluster and the client handle it lives in.
// Thread safety: CreateTopic() may be called from any thread; the cluster
// serves clients concurrently.
//
// Limitations (librdkafka 2.0.2's mock cluster, checked against this build):
// - Storage is in memory and bounded to about 5 MB or 100,000 message sets
//   per partition; the oldest are dropped beyond that, so a producer that
//   runs far ahead of its consumer loses data. Pace producers or spread a
//   stream over more partitions.
// - The admin CreateTopics and DescribeConfigs requests are not answered,
//   so topics must be created here; topic configs such as
//   cleanup.policy=compact are not kept and nothing is compacted.
// - Idempotent producers, consumer groups with the cooperative-sticky
//   assignor and static membership (group.instance.id) work. A new group
//   waits about 3 s before its first assignment. A member that leaves is
//   kept in its group until its session times out, so a consumer that
//   rejoins the same group right after a clean stop waits about 45 s for
//   its partitions.
// - No TLS or SASL; production runs against a real Kafka cluster.
// - The fault controls below act on the mock's brokers and request queues;
//   a down broker closes its connections and refuses new ones, but the
//   partitions it leads keep their data.
#ifndef ANML_CONNECTORS_EMBEDDED_BROKER_H_
#define ANML_CONNECTORS_EMBEDDED_BROKER_H_

#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "connectors/internal/kafka_client.h"
#include "connectors/kafka_config.h"
#include "engine/status.h"

namespace anml::connectors {

struct EmbeddedBrokerOptions {
  int brokers = 1;     // Mock brokers in the cluster; >= 1.
  int partitions = 4;  // Partitions of each anml topic; >= 1.
  TopicNames topics;   // Created at start.
};

class EmbeddedBroker {
 public:
  // Starts the cluster and creates every topic in options.topics.
  // Errors: kInvalidArgument for brokers or partitions < 1; kInternal when
  // librdkafka cannot create the cluster; Kafka errors from topic creation.
  static StatusOr<std::unique_ptr<EmbeddedBroker>> Start(const EmbeddedBrokerOptions& options);

  // Stops serving: clients connected to it see their connections close.
  ~EmbeddedBroker();

  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // Comma-separated host:port list for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // A client configuration pointing at this cluster.
  KafkaClientConfig client_config() const;

  // Creates `topic` with `partitions` partitions and replication factor 1.
  // Errors: kInvalidArgument for partitions < 1; Kafka errors otherwise.
  Status CreateTopic(const std::string& topic, int partitions);

  // Fault controls for tests. Brokers are numbered 1 .. options.brokers.
  // SetBrokerDown() closes the broker's connections and refuses new ones
  // until SetBrokerUp(); its data is kept. MovePartitionLeader() makes
  // `broker_id` the leader of topic[partition]. PushRequestErrors() makes
  // the next `count` requests of Kafka API `api_key` (for example 1 =
  // Fetch, 0 = Produce) fail with `error`, whichever broker they reach.
  // Errors: kInvalidArgument for an unknown broker or partition, or a
  // negative count; Kafka errors otherwise.
  Status SetBrokerDown(int32_t broker_id);
  Status SetBrokerUp(int32_t broker_id);
  Status MovePartitionLeader(const std::string& topic, int32_t partition, int32_t broker_id);
  Status PushRequestErrors(int16_t api_key, int count, rd_kafka_resp_err_t error);

 private:
  EmbeddedBroker(internal::KafkaPtr handle, rd_kafka_mock_cluster_t* cluster, int brokers);
  Status CheckBroker(int32_t broker_id) const;

  internal::KafkaPtr handle_;  // Destroyed after the cluster.
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstrap_servers_;
  int brokers_;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_EMBEDDED_BROKER_H_
