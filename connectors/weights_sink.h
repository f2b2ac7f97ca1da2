// The weights sink: publishes contributors' weights to the compacted
// weights topic, keyed by contributor id, through an idempotent producer.
//
// Operation: Offer() publishes a contributor when it has never been
// published, when its weight moved by more than PublishPolicy::min_change
// since the last publication, or when PublishPolicy::max_interval has
// passed since then; otherwise it skips it. Flush() waits for every
// publication to be acknowledged. A delivery that fails after librdkafka's
// own retries is resent by the next Flush() and reported by it until it
// succeeds: nothing is lost silently. Weights are last-value per key, so a
// republication after a crash is harmless.
//
// Create() makes sure the topic exists, creating it with
// cleanup.policy=compact when absent (not possible on the embedded broker,
// which creates its topics itself; see embedded_broker.h).
//
// Ownership: owns its producer and the last-published table (one entry per
// contributor ever published).
// Thread safety: not thread safe.
// Configuration: KafkaClientConfig::properties pass through, except
// enable.idempotence=true.
#ifndef ANML_CONNECTORS_WEIGHTS_SINK_H_
#define ANML_CONNECTORS_WEIGHTS_SINK_H_

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "connectors/internal/reliable_producer.h"
#include "connectors/kafka_config.h"
#include "connectors/weight_codec.h"
#include "engine/status.h"

namespace anml::connectors {

struct PublishPolicy {
  double min_change = 0.01;  // Absolute weight change that triggers a publication.
  std::chrono::milliseconds max_interval{60000};  // Republish at least this often.
};

struct WeightsSinkOptions {
  KafkaClientConfig kafka;
  TopicNames topics;  // Uses weights.
  PublishPolicy policy;
  int partitions = 4;  // When the topic must be created.
  std::chrono::milliseconds admin_timeout{10000};
};

class WeightsSink {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates the producer and ensures the topic exists.
  // Errors: kInvalidArgument for a rejected property; those of
  // EnsureCompactedTopic().
  static StatusOr<std::unique_ptr<WeightsSink>> Create(WeightsSinkOptions options);

  // Queues `record` for publication if the policy says so; returns whether
  // it did. Errors: kUnavailable when the producer queue stays full; Kafka
  // errors. A contributor whose publication failed is offered again.
  StatusOr<bool> Offer(const WeightRecord& record, Clock::time_point now);

  // Waits until every publication is acknowledged.
  // Errors: the first delivery error with counts (kept for resending), or
  // kDeadlineExceeded.
  Status Flush(std::chrono::milliseconds timeout);

  uint64_t published() const { return producer_->delivered(); }

 private:
  struct Published {
    double weight;
    Clock::time_point at;
  };

  WeightsSink(WeightsSinkOptions options, std::unique_ptr<internal::ReliableProducer> producer)
      : options_(std::move(options)), producer_(std::move(producer)) {}
  bool ShouldPublish(const WeightRecord& record, Clock::time_point now) const;

  WeightsSinkOptions options_;
  std::unique_ptr<internal::ReliableProducer> producer_;
  std::unordered_map<std::string, Published> last_;
};

// Ensures `topic` exists: OK when it does; otherwise creates it with
// `partitions` partitions and cleanup.policy=compact.
// Errors: kDeadlineExceeded when the cluster does not answer the creation
// within `timeout` (the embedded broker never does); Kafka errors.
Status EnsureCompactedTopic(rd_kafka_t* client, const std::string& topic, int partitions,
                            std::chrono::milliseconds timeout);

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_WEIGHTS_SINK_H_
