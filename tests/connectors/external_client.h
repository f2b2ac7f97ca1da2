// Real Kafka clients outside this process for the integration tests:
// python3-confluent-kafka (called as /usr/bin/python3, which has it) and
// kcat, run as subprocesses against a bootstrap address.
#ifndef ANML_TESTS_CONNECTORS_EXTERNAL_CLIENT_H_
#define ANML_TESTS_CONNECTORS_EXTERNAL_CLIENT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace anml::connectors::testing {

// Produces each message with confluent-kafka. Each entry is an object with
// "topic", "partition", "key" (string or null), "value" (string or null)
// and optional "headers" (object). Returns the script's exit code.
int PythonProduce(const std::string& bootstrap, const std::vector<nlohmann::json>& messages);

// Consumes `count` messages of `topic` from the beginning with
// confluent-kafka, or as many as arrive within `timeout_s`. Each result has
// "partition", "offset", "key", "value" and "headers" (object of strings).
std::vector<nlohmann::json> PythonConsume(const std::string& bootstrap,
                                          const std::string& topic, int count,
                                          double timeout_s);

// Pipes "key|value" lines to `kcat -P`, which partitions by key. Returns
// kcat's exit code.
int KcatProduce(const std::string& bootstrap, const std::string& topic,
                const std::vector<std::string>& lines);

}  // namespace anml::connectors::testing

#endif  // ANML_TESTS_CONNECTORS_EXTERNAL_CLIENT_H_
