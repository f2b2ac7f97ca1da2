// Configuration shared by every connector: where the brokers are, the
// librdkafka properties passed through from the operator, and topic names.
//
// Thread safety: plain values.
#ifndef ANML_CONNECTORS_KAFKA_CONFIG_H_
#define ANML_CONNECTORS_KAFKA_CONFIG_H_

#include <map>
#include <string>

namespace anml::connectors {

// The topics of DESIGN.md section 4; every name can be overridden.
struct TopicNames {
  std::string samples = "anml.samples";
  std::string contributors = "anml.contributors";
  std::string weights = "anml.weights";
  std::string deadletter = "anml.deadletter";
  std::string validation = "anml.validation";
  std::string model = "anml.model";
};

// How a connector reaches Kafka.
//
// `properties` are librdkafka configuration properties copied verbatim into
// every client the connector creates (security.protocol, ssl.*, sasl.*,
// client.id, fetch sizes, ...). They override anml's defaults, except for the
// few properties a connector needs for its guarantees; each connector's class
// comment lists those, and they are applied last.
struct KafkaClientConfig {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_KAFKA_CONFIG_H_
