// `anml bench connectors`: how much of librdkafka's raw consumption rate the
// samples source keeps once it decodes and validates every record.
//
// Like with like: both sides read the same records (16 features each) from
// the same embedded broker, each through a fresh consumer group, with the
// same batch call (rd_kafka_consume_batch_queue, kBatch messages, 100 ms).
// The raw side does what any consumer does at the least: it reads the key,
// the timestamp, the topic and every payload byte (a checksum), then frees
// the message. Each rate is records over the time from the end of the first
// batch to the last record, so group join and the first fetch, which differ
// from run to run, are left out of both. The machine's cores are shared,
// so raw and source runs alternate for --rounds rounds and the ratio is of
// the median rates. A last measurement decodes the same values in memory
// three ways, to show what the parser choice is worth: the source's decoder
// (its common-layout scanner), the same decoder on simdjson's DOM path
// alone, and nlohmann::json.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "connectors/embedded_broker.h"
#include "connectors/internal/kafka_client.h"
#include "connectors/kafka_status.h"
#include "connectors/samples_source.h"

namespace anml::app {
namespace {

using Clock = std::chrono::steady_clock;
namespace kc = connectors::internal;

constexpr int kFeatures = 16;
constexpr int kContributors = 100;
constexpr auto kWaitLimit = std::chrono::seconds(120);
constexpr size_t kBatch = 1024;  // The source's default max_batch.
constexpr int kPollMs = 100;

struct BenchOptions {
  int records = 100000;
  int partitions = 8;
  int rounds = 5;
  bool json = false;
};

std::vector<std::string> MakeValues(int count) {
  std::mt19937_64 random(7);
  std::normal_distribution<double> feature(0.0, 1.0);
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string value = fmt::format(R"({{"contributor":"c-{}","features":[)", i % kContributors);
    for (int f = 0; f < kFeatures; ++f) {
      value += fmt::format("{}{:.6f}", f == 0 ? "" : ",", feature(random));
    }
    value += fmt::format(R"(],"label":{},"time":{},"id":"s-{}"}})", i % 2, 1764763200000 + i, i);
    values.push_back(std::move(value));
  }
  return values;
}

Status Produce(const std::string& bootstrap, const std::string& topic,
               const std::vector<std::string>& values) {
  auto conf = kc::NewConf({bootstrap, {}}, {{"linger.ms", "20"}}, {});
  ANML_RETURN_IF_ERROR(conf.status());
  auto producer = kc::NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
  ANML_RETURN_IF_ERROR(producer.status());
  for (size_t i = 0; i < values.size(); ++i) {
    std::string key = fmt::format("c-{}", i % kContributors);
    std::array<rd_kafka_vu_t, 4> vus{};
    vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[0].u.cstr = topic.c_str();
    vus[1].vtype = RD_KAFKA_VTYPE_KEY;
    vus[1].u.mem = {key.data(), key.size()};
    vus[2].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[2].u.mem = {const_cast<char*>(values[i].data()), values[i].size()};
    vus[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[3].u.i = kc::kMsgFlagCopy;
    rd_kafka_error_t* error;
    while ((error = rd_kafka_produceva(producer->get(), vus.data(), vus.size())) != nullptr) {
      Status status = connectors::KafkaStatus(error, "producing benchmark records");
      if (status.code() != StatusCode::kUnavailable) return status;
      rd_kafka_poll(producer->get(), 10);
    }
    rd_kafka_poll(producer->get(), 0);
  }
  return connectors::KafkaStatus(rd_kafka_flush(producer->get(), 60000),
                                 "flushing benchmark records");
}

// Times a stream of batches from the end of the first one to the last
// record: records counted after the first batch over that time.
class RateClock {
 public:
  void Batch(size_t records) {
    if (records == 0) return;
    if (seen_ == 0) first_ = Clock::now();
    if (seen_ != 0) timed_ += records;
    seen_ += records;
  }
  uint64_t seen() const { return seen_; }
  double Rate() const {
    double seconds = std::chrono::duration<double>(Clock::now() - first_).count();
    return static_cast<double>(timed_) / seconds;
  }

 private:
  Clock::time_point first_;
  uint64_t seen_ = 0;
  uint64_t timed_ = 0;
};

// What a consumer does with a message at the least: reads where it came
// from, its key and timestamp, and every byte of its value. A plain byte
// sum (which the compiler vectorizes) reads the bytes without adding work
// of its own, so it does not slow the raw side beyond touching memory.
uint64_t Touch(const rd_kafka_message_t& message) {
  uint64_t sum = static_cast<uint64_t>(rd_kafka_message_timestamp(&message, nullptr));
  sum += std::string_view(rd_kafka_topic_name(message.rkt)).size() + message.key_len;
  const auto* bytes = static_cast<const unsigned char*>(message.payload);
  for (size_t i = 0; i < message.len; ++i) sum += bytes[i];
  return sum;
}

// Records per second of a bare librdkafka consumer that touches each message.
StatusOr<double> RawRate(const std::string& bootstrap, const std::string& topic,
                         const std::string& group, int records) {
  auto conf = kc::NewConf({bootstrap, {}},
                          {{"group.id", group},
                           {"auto.offset.reset", "earliest"},
                           {"enable.auto.commit", "false"},
                           {"enable.auto.offset.store", "false"},
                           {"partition.assignment.strategy", "cooperative-sticky"}},
                          {});
  ANML_RETURN_IF_ERROR(conf.status());
  auto consumer = kc::NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  ANML_RETURN_IF_ERROR(consumer.status());
  rd_kafka_poll_set_consumer(consumer->get());
  kc::PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), -1);
  ANML_RETURN_IF_ERROR(
      connectors::KafkaStatus(rd_kafka_subscribe(consumer->get(), topics.get()), "subscribing"));
  kc::QueuePtr queue(rd_kafka_queue_get_consumer(consumer->get()));
  std::vector<rd_kafka_message_t*> batch(kBatch);
  RateClock clock;
  uint64_t checksum = 0;
  const Clock::time_point limit = Clock::now() + kWaitLimit;
  while (clock.seen() < static_cast<uint64_t>(records) && Clock::now() < limit) {
    ssize_t n = rd_kafka_consume_batch_queue(queue.get(), kPollMs, batch.data(), batch.size());
    size_t good = 0;
    for (ssize_t i = 0; i < n; ++i) {
      kc::MessagePtr message(batch[static_cast<size_t>(i)]);
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      checksum += Touch(*message);
      ++good;
    }
    clock.Batch(good);
  }
  double rate = clock.Rate();
  rd_kafka_consumer_close(consumer->get());
  if (clock.seen() < static_cast<uint64_t>(records)) {
    return Internal(fmt::format("raw consumer read {} of {} records", clock.seen(), records));
  }
  fmt::print(stderr, "raw: {} records, checksum {}\n", clock.seen(), checksum);
  return rate;
}

// Records per second through SamplesSource: consume, decode, validate.
StatusOr<double> SourceRate(const std::string& bootstrap, const std::string& group, int records) {
  connectors::SamplesSourceOptions options;
  options.kafka.bootstrap_servers = bootstrap;
  options.group_id = group;
  options.schema.dimension = kFeatures;
  options.max_batch = kBatch;
  auto source = connectors::SamplesSource::Create(std::move(options));
  ANML_RETURN_IF_ERROR(source.status());
  connectors::SampleBatch batch;
  RateClock clock;
  double checksum = 0.0;
  const Clock::time_point limit = Clock::now() + kWaitLimit;
  while (clock.seen() < static_cast<uint64_t>(records) && Clock::now() < limit) {
    ANML_RETURN_IF_ERROR((*source)->Poll(std::chrono::milliseconds(kPollMs), &batch));
    for (const auto& record : batch.records()) checksum += record.features[0];
    clock.Batch(batch.size() + batch.dead_lettered());
  }
  double rate = clock.Rate();
  uint64_t dead = (*source)->dead_letter_counters().total();
  if (clock.seen() < static_cast<uint64_t>(records) || dead > 0) {
    return Internal(
        fmt::format("source read {} of {} records, {} dead-lettered", clock.seen(), records, dead));
  }
  fmt::print(stderr, "source: {} records, feature checksum {:.3f}\n", clock.seen(), checksum);
  return rate;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2.0;
}

struct Rates {
  std::vector<double> raw;
  std::vector<double> source;
};

// Alternates raw and source runs so both see the same machine load.
StatusOr<Rates> MeasureRounds(const std::string& bootstrap, const std::string& topic,
                              const BenchOptions& options) {
  Rates rates;
  for (int round = 0; round < options.rounds; ++round) {
    auto raw = RawRate(bootstrap, topic, fmt::format("bench-raw-{}", round), options.records);
    ANML_RETURN_IF_ERROR(raw.status());
    auto source = SourceRate(bootstrap, fmt::format("bench-source-{}", round), options.records);
    ANML_RETURN_IF_ERROR(source.status());
    rates.raw.push_back(*raw);
    rates.source.push_back(*source);
  }
  return rates;
}

struct ParserRates {
  double decoder = 0.0;
  double simdjson_dom = 0.0;
  double nlohmann = 0.0;
};

// Repeats of the in-memory decode, so each run lasts long enough to time.
constexpr int kDecodeRounds = 3;

// Values per second through SampleDecoder with the given parsing.
double DecoderRate(const std::vector<std::string>& values,
                   connectors::SampleDecoder::Parsing parsing) {
  connectors::RecordSchema schema;
  schema.dimension = kFeatures;
  connectors::SampleDecoder decoder(schema, parsing);
  connectors::SampleRecord out;
  connectors::DeadLetterReason reason;
  connectors::RawRecord raw;
  raw.topic = "bench";
  const Clock::time_point start = Clock::now();
  for (int round = 0; round < kDecodeRounds; ++round) {
    for (const std::string& value : values) {
      raw.value = value;
      if (!decoder.Decode(raw, &out, &reason).ok()) return 0.0;
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(values.size()) * kDecodeRounds / seconds;
}

// Values per second through nlohmann::json, extracting the same fields.
double NlohmannRate(const std::vector<std::string>& values) {
  connectors::SampleRecord out;
  const Clock::time_point start = Clock::now();
  for (int round = 0; round < kDecodeRounds; ++round) {
    for (const std::string& value : values) {
      auto json = nlohmann::json::parse(value, nullptr, false);
      out.features.clear();
      for (const auto& f : json["features"]) out.features.push_back(f.get<double>());
      out.contributor = json["contributor"].get<std::string>();
      out.label = json["label"].get<double>();
      out.time_ms = json["time"].get<int64_t>();
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(values.size()) * kDecodeRounds / seconds;
}

ParserRates DecodeRates(const std::vector<std::string>& values) {
  using Parsing = connectors::SampleDecoder::Parsing;
  return {DecoderRate(values, Parsing::kCommonLayoutFirst), DecoderRate(values, Parsing::kDomOnly),
          NlohmannRate(values)};
}

int Run(const BenchOptions& options) {
  connectors::EmbeddedBrokerOptions broker_options;
  broker_options.partitions = options.partitions;
  auto broker = connectors::EmbeddedBroker::Start(broker_options);
  if (!broker.ok()) {
    fmt::print(stderr, "bench connectors: {}\n", broker.status().ToString());
    return 1;
  }
  const std::string& bootstrap = (*broker)->bootstrap_servers();
  const std::string topic = connectors::TopicNames{}.samples;
  std::vector<std::string> values = MakeValues(options.records);
  Status produced = Produce(bootstrap, topic, values);
  StatusOr<Rates> rates =
      produced.ok() ? MeasureRounds(bootstrap, topic, options) : StatusOr<Rates>(produced);
  if (!rates.ok()) {
    fmt::print(stderr, "bench connectors: {}\n", rates.status().ToString());
    return 1;
  }
  const double raw = Median(rates->raw);
  const double source = Median(rates->source);
  ParserRates parsers = DecodeRates(values);
  double ratio = source / raw;
  fmt::print("records: {} ({} features, {} partitions), median of {} rounds\n", options.records,
             kFeatures, options.partitions, options.rounds);
  fmt::print("raw librdkafka consume:        {:>12.0f} records/s\n", raw);
  fmt::print("source consume+decode+validate:{:>12.0f} records/s\n", source);
  fmt::print("ratio source/raw:              {:>12.3f} (target >= 0.70)\n", ratio);
  fmt::print("decode only, source's decoder: {:>12.0f} records/s\n", parsers.decoder);
  fmt::print("decode only, simdjson DOM:     {:>12.0f} records/s\n", parsers.simdjson_dom);
  fmt::print("decode only, nlohmann::json:   {:>12.0f} records/s\n", parsers.nlohmann);
  if (options.json) {
    nlohmann::json result = {{"records", options.records},
                             {"features", kFeatures},
                             {"partitions", options.partitions},
                             {"rounds", options.rounds},
                             {"raw_records_per_second", raw},
                             {"source_records_per_second", source},
                             {"raw_rounds", rates->raw},
                             {"source_rounds", rates->source},
                             {"ratio", ratio},
                             {"decode_records_per_second", parsers.decoder},
                             {"decode_simdjson_dom_records_per_second", parsers.simdjson_dom},
                             {"decode_nlohmann_records_per_second", parsers.nlohmann}};
    fmt::print("{}\n", result.dump());
  }
  return 0;
}

}  // namespace

void AddBenchConnectorsCommand(CLI::App& bench, int* exit_code) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* command = bench.add_subcommand(
      "connectors", "Samples source rate against raw librdkafka on the embedded broker");
  command->add_option("--records", options->records, "Records to produce and consume")
      ->check(CLI::Range(1000, 10000000));
  command->add_option("--partitions", options->partitions, "Partitions of the samples topic")
      ->check(CLI::Range(1, 256));
  command->add_option("--rounds", options->rounds, "Alternating raw and source runs")
      ->check(CLI::Range(1, 15));
  command->add_flag("--json", options->json, "Print one JSON object last");
  command->callback([options, exit_code] { *exit_code = Run(*options); });
}

}  // namespace anml::app
