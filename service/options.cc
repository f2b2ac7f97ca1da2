#include "service/options.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

namespace anml::service {
namespace {

using Policy = CLI::MultiOptionPolicy;

// Adds a single-valued option: the last occurrence wins, so layered
// sources (file, environment, flags) resolve by position.
template <typename T>
CLI::Option* Single(CLI::App& command, const std::string& name, T* value,
                    const std::string& help) {
  return command.add_option("--" + name, *value, help)
      ->multi_option_policy(Policy::TakeLast)
      ->capture_default_str();
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  if (text.empty()) return items;
  for (size_t begin = 0, comma;; begin = comma + 1) {
    comma = text.find(',', begin);
    items.push_back(text.substr(begin, comma - begin));
    if (comma == std::string::npos) return items;
  }
}

// Adds a comma-separated list whose last occurrence wins as a whole. A
// vector option with a delimiter would not do: CLI11 splits every
// occurrence into items before applying the policy, so a list from the
// file and one from a flag would be concatenated instead of overridden.
CLI::Option* List(CLI::App& command, const std::string& name, std::vector<std::string>* value,
                  const std::string& help) {
  return command
      .add_option_function<std::string>(
          "--" + name, [value](const std::string& text) { *value = SplitList(text); }, help)
      ->multi_option_policy(Policy::TakeLast);
}

void RegisterKafka(CLI::App& c, ServiceOptions* o) {
  Single(c, "brokers", &o->brokers, "Kafka bootstrap servers, or 'embedded' for the built-in "
                                    "broker (required)");
  Single(c, "group-id", &o->group_id, "Consumer group of the samples source");
  Single(c, "instance-id", &o->instance_id, "group.instance.id for static membership");
  c.add_option("--kafka", o->kafka, "librdkafka property key=value, repeatable (TLS, SASL, ...)")
      ->multi_option_policy(Policy::TakeAll);
  Single(c, "samples-topic", &o->samples_topic, "Topic of training samples");
  Single(c, "contributors-topic", &o->contributors_topic, "Compacted topic of contributor "
                                                          "metadata");
  Single(c, "weights-topic", &o->weights_topic, "Compacted topic the weights are published to");
  Single(c, "deadletter-topic", &o->deadletter_topic, "Topic of records that failed validation");
  Single(c, "validation-topic", &o->validation_topic, "Optional topic of trusted gold samples");
  Single(c, "embedded-partitions", &o->embedded_partitions, "Partitions per topic of the "
                                                            "embedded broker")
      ->check(CLI::Range(1, 64));
}

void RegisterRecords(CLI::App& c, ServiceOptions* o) {
  Single(c, "task", &o->task, "binary, multiclass or regression")
      ->check(CLI::IsMember({"binary", "multiclass", "regression"}));
  Single(c, "dimension", &o->dimension, "Number of features per sample (required)")
      ->check(CLI::Range(1, 1 << 20));
  Single(c, "classes", &o->classes, "Number of classes (multiclass)")->check(CLI::Range(2, 4096));
  List(c, "feature-names", &o->feature_names, "Names of the features, in order, "
                                               "comma-separated, for records with named "
                                               "features");
  Single(c, "max-record-bytes", &o->max_record_bytes, "Largest accepted record value");
}

void RegisterLoop(CLI::App& c, ServiceOptions* o) {
  Single(c, "batch-size", &o->batch_size, "Samples per step (one commit each)")
      ->check(CLI::Range(1, 1'000'000));
  Single(c, "poll-timeout-ms", &o->poll_timeout_ms, "Longest wait for a batch to fill")
      ->check(CLI::Range(1, 60'000));
  Single(c, "publish-threshold", &o->publish_threshold, "Change of a contributor's weight "
                                                        "that republishes it")
      ->check(CLI::Range(0.0, 10.0));
  Single(c, "publish-interval-ms", &o->publish_interval_ms, "Longest time between "
                                                            "republishing a contributor")
      ->check(CLI::Range(int64_t{1}, int64_t{86'400'000}));
  Single(c, "state-dir", &o->state_dir, "RocksDB state directory");
  Single(c, "cache-bytes", &o->cache_bytes, "Memory for resident contributor records");
  Single(c, "sync", &o->sync, "fsync every commit (survives power loss; slower)");
}

void RegisterEngine(CLI::App& c, ServiceOptions* o) {
  Single(c, "learning-rate", &o->learning_rate, "AdaGrad base step")
      ->check(CLI::PositiveNumber);
  Single(c, "heldout-fraction", &o->heldout_fraction, "Share of samples held out to score "
                                                      "schemes")
      ->check(CLI::Range(0.0, 0.5));
  Single(c, "gate-mode", &o->gate_mode, "select (switch on a confidence bound) or blend (Hedge)")
      ->check(CLI::IsMember({"select", "blend"}));
  List(c, "schemes", &o->schemes, "Candidate schemes, comma-separated")
      ->default_str(fmt::format("{}", fmt::join(o->schemes, ",")));
  Single(c, "gradient-half-life-hours", &o->gradient_half_life_hours, "Half-life of q's mean "
                                                                      "gradients")
      ->check(CLI::PositiveNumber);
  Single(c, "sample-age-half-life-hours", &o->sample_age_half_life_hours, "Half-life of a "
                                                                          "sample's relevance")
      ->check(CLI::PositiveNumber);
  Single(c, "seed", &o->seed, "Seed of the gradient sketch");
}

void RegisterOperations(CLI::App& c, ServiceOptions* o) {
  Single(c, "http-address", &o->http_address, "host:port of /metrics, /healthz, /readyz");
  Single(c, "log-level", &o->log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  Single(c, "config", &o->config_file, "File of key = value settings (below flags and "
                                       "environment)");
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

std::string Unquote(const std::string& value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

bool HasOption(const CLI::App& command, const std::string& name) {
  return command.get_option_no_throw("--" + name) != nullptr;
}

// The file's settings as "--key=value" arguments.
StatusOr<std::vector<std::string>> FileArguments(const CLI::App& command,
                                                 const std::string& path) {
  std::ifstream file(path);
  if (!file) return InvalidArgument("config file '" + path + "': cannot be read");
  std::vector<std::string> arguments;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    line = Trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    size_t equals = line.find('=');
    std::string where = "config file '" + path + "' line " + std::to_string(number);
    if (equals == std::string::npos) {
      return InvalidArgument(where + ": expected 'key = value', got '" + line + "'");
    }
    std::string key = Trim(line.substr(0, equals));
    std::replace(key.begin(), key.end(), '_', '-');
    if (!HasOption(command, key) || key == "config") {
      return InvalidArgument(where + ": unknown option '" + key + "'");
    }
    arguments.push_back("--" + key + "=" + Unquote(Trim(line.substr(equals + 1))));
  }
  return arguments;
}

// The environment's ANML_* settings as "--key=value" arguments.
std::vector<std::string> EnvironmentArguments(const CLI::App& command,
                                              const char* const* environment) {
  std::vector<std::string> arguments;
  for (const CLI::Option* option : command.get_options()) {
    std::string name = option->get_single_name();
    if (name.empty() || name == "help" || name == "config") continue;
    std::string variable = EnvironmentName(name) + "=";
    for (const char* const* entry = environment; entry && *entry; ++entry) {
      std::string_view text(*entry);
      if (text.substr(0, variable.size()) == variable) {
        arguments.push_back("--" + name + "=" + std::string(text.substr(variable.size())));
      }
    }
  }
  return arguments;
}

// The value of --config from the command line, else ANML_CONFIG.
std::string ConfigPath(const std::vector<std::string>& command_line,
                       const char* const* environment) {
  std::string path;
  for (size_t i = 0; i < command_line.size(); ++i) {
    if (command_line[i] == "--config" && i + 1 < command_line.size()) path = command_line[i + 1];
    if (command_line[i].rfind("--config=", 0) == 0) path = command_line[i].substr(9);
  }
  if (!path.empty()) return path;
  for (const char* const* entry = environment; entry && *entry; ++entry) {
    std::string_view text(*entry);
    if (text.rfind("ANML_CONFIG=", 0) == 0) path = std::string(text.substr(12));
  }
  return path;
}

}  // namespace

std::string EnvironmentName(const std::string& option) {
  std::string name = "ANML_";
  for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

void RegisterServiceOptions(CLI::App& command, ServiceOptions* options) {
  RegisterKafka(command, options);
  RegisterRecords(command, options);
  RegisterLoop(command, options);
  RegisterEngine(command, options);
  RegisterOperations(command, options);
}

StatusOr<std::vector<std::string>> LayeredArguments(const CLI::App& command,
                                                    const std::vector<std::string>& command_line,
                                                    const char* const* environment) {
  std::vector<std::string> arguments;
  std::string config = ConfigPath(command_line, environment);
  if (!config.empty()) {
    auto file = FileArguments(command, config);
    if (!file.ok()) return file.status();
    arguments = std::move(file).value();
  }
  for (std::string& argument : EnvironmentArguments(command, environment)) {
    arguments.push_back(std::move(argument));
  }
  arguments.insert(arguments.end(), command_line.begin(), command_line.end());
  return arguments;
}

StatusOr<engine::EngineConfig> ToEngineConfig(const ServiceOptions& o) {
  engine::EngineConfig config;
  if (o.task == "binary") config.task = engine::Task::kBinary;
  else if (o.task == "multiclass") config.task = engine::Task::kMulticlass;
  else if (o.task == "regression") config.task = engine::Task::kRegression;
  else return InvalidArgument("--task: expected binary, multiclass or regression, got '" +
                              o.task + "'");
  config.dimension = o.dimension;
  config.classes = o.task == "binary" ? 2 : o.classes;
  config.seed = o.seed;
  config.learner.learning_rate = o.learning_rate;
  config.gate.heldout_fraction = o.heldout_fraction;
  config.gate.validation_stream = !o.validation_topic.empty();
  config.gate.mode = o.gate_mode == "blend" ? engine::GateConfig::Mode::kBlend
                                            : engine::GateConfig::Mode::kSelect;
  config.gate.candidates.clear();
  for (const std::string& name : o.schemes) {
    auto scheme = engine::ParseScheme(name);
    if (!scheme) return InvalidArgument("--schemes: unknown scheme '" + name + "'");
    config.gate.candidates.push_back(*scheme);
  }
  if (std::find(config.gate.candidates.begin(), config.gate.candidates.end(),
                config.gate.initial) == config.gate.candidates.end()) {
    config.gate.initial = engine::Scheme::kUniform;
  }
  const double hour = static_cast<double>(engine::kMillisPerHour);
  config.factors.gradient_half_life_ms =
      static_cast<int64_t>(std::llround(o.gradient_half_life_hours * hour));
  config.factors.sample_age_half_life_ms =
      static_cast<int64_t>(std::llround(o.sample_age_half_life_hours * hour));
  Status valid = config.Validate();
  if (!valid.ok()) {
    if (o.dimension <= 0) return InvalidArgument("--dimension: required, a positive count");
    return valid;
  }
  return config;
}

connectors::TopicNames ServiceTopics(const ServiceOptions& options) {
  connectors::TopicNames topics;
  topics.samples = options.samples_topic;
  topics.contributors = options.contributors_topic;
  topics.weights = options.weights_topic;
  topics.deadletter = options.deadletter_topic;
  if (!options.validation_topic.empty()) topics.validation = options.validation_topic;
  return topics;
}

StatusOr<std::map<std::string, std::string>> KafkaProperties(const ServiceOptions& options) {
  std::map<std::string, std::string> properties;
  for (const std::string& entry : options.kafka) {
    size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return InvalidArgument("--kafka: expected key=value, got '" + entry + "'");
    }
    properties[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  return properties;
}

}  // namespace anml::service
