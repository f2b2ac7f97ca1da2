// ServiceOptions: every setting of `anml run` and `anml demo`.
//
// Each option has one long flag (--samples-topic), one environment variable
// (ANML_SAMPLES_TOPIC) and one config-file key (samples-topic or
// samples_topic). Precedence, highest first: flags, environment, the file
// named by --config (or ANML_CONFIG), the default. Repeatable options
// (--kafka) accumulate across all three sources in that order, so a flag
// overrides an environment value for the same librdkafka property.
//
// The config file holds one `key = value` per line; `#` starts a comment;
// values may be double-quoted.
#ifndef ANML_SERVICE_OPTIONS_H_
#define ANML_SERVICE_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "connectors/kafka_config.h"
#include "engine/config.h"
#include "engine/status.h"

namespace anml::service {

struct ServiceOptions {
  // Kafka.
  std::string brokers;  // "host:port,..." or "embedded"; no default.
  std::string group_id = "anml";
  std::string instance_id;  // group.instance.id: static membership when set.
  std::vector<std::string> kafka;  // librdkafka properties, "key=value".
  std::string samples_topic = "anml.samples";
  std::string contributors_topic = "anml.contributors";
  std::string weights_topic = "anml.weights";
  std::string deadletter_topic = "anml.deadletter";
  std::string validation_topic;  // Empty: score on a hashed held-out share.
  int embedded_partitions = 4;

  // Records.
  std::string task = "binary";  // binary, multiclass or regression.
  int dimension = 0;
  int classes = 2;
  std::vector<std::string> feature_names;  // Named features, in order.
  size_t max_record_bytes = 1 << 20;

  // The step loop.
  int batch_size = 500;
  int poll_timeout_ms = 100;
  double publish_threshold = 0.05;  // Weight change that republishes.
  int64_t publish_interval_ms = 60'000;

  // State.
  std::string state_dir = "anml-state";
  size_t cache_bytes = size_t{256} << 20;
  bool sync = false;  // fsync every commit (power-loss safety).

  // Engine hyperparameters most often set; the rest keep their defaults.
  double learning_rate = 0.5;
  double heldout_fraction = 0.05;
  std::string gate_mode = "select";
  std::vector<std::string> schemes = {"uniform", "gradient_only", "sample_level",
                                      "anml_multiplicative", "anml_gated"};
  double gradient_half_life_hours = 24;
  double sample_age_half_life_hours = 24 * 7;
  uint64_t seed = 1;

  // Operations.
  std::string http_address = "127.0.0.1:9464";
  std::string log_level = "info";
  std::string config_file;
};

// Registers every option on `command`, bound to `options`.
void RegisterServiceOptions(CLI::App& command, ServiceOptions* options);

// The argument list to parse for `command`: config-file values first, then
// ANML_* environment values, then `command_line`, so that the last value
// wins. Only environment variables naming a registered option are used.
// InvalidArgument naming the file and line for an unreadable file, a
// malformed line or an unknown key.
StatusOr<std::vector<std::string>> LayeredArguments(const CLI::App& command,
                                                    const std::vector<std::string>& command_line,
                                                    const char* const* environment);

// The engine configuration the options describe. InvalidArgument naming the
// option for an unknown task, gate mode or scheme, or an invalid value.
StatusOr<engine::EngineConfig> ToEngineConfig(const ServiceOptions& options);

// The librdkafka properties of --kafka. InvalidArgument naming an entry
// without '='.
StatusOr<std::map<std::string, std::string>> KafkaProperties(const ServiceOptions& options);

// The topic names the options set (the validation topic only when given).
connectors::TopicNames ServiceTopics(const ServiceOptions& options);

// The environment variable of an option name: "samples-topic" ->
// "ANML_SAMPLES_TOPIC".
std::string EnvironmentName(const std::string& option);

}  // namespace anml::service

#endif  // ANML_SERVICE_OPTIONS_H_
