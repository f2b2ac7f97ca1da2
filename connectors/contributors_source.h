// The contributors source: reads the compacted contributors topic from the
// beginning at start-up, then follows it, handing each contributor's
// verification and reputation to the caller for the engine.
//
// Operation: Create() assigns every partition of the topic at its first
// offset (no consumer group: every engine needs all contributors).
// CatchUp() returns once every partition has been read up to the end it had
// when CatchUp() began; Poll() then returns what arrives later. Records that
// fail validation go to the dead-letter topic and are counted.
//
// Ownership: owns its consumer and dead-letter producer.
// Thread safety: not thread safe.
// Configuration: KafkaClientConfig::properties pass through, except
// enable.partition.eof=true and enable.auto.commit=false, which it sets.
// Limitations: partitions added to the topic after Create() are not read.
// Since every start reads the topic from the beginning and keeps no offsets,
// an invalid record still in the topic is dead-lettered again at every
// start; the dead-letter topic then holds one copy per start.
#ifndef ANML_CONNECTORS_CONTRIBUTORS_SOURCE_H_
#define ANML_CONNECTORS_CONTRIBUTORS_SOURCE_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/contributor_codec.h"
#include "connectors/dead_letter_writer.h"
#include "connectors/internal/kafka_client.h"
#include "connectors/kafka_config.h"
#include "engine/status.h"

namespace anml::connectors {

struct ContributorsSourceOptions {
  KafkaClientConfig kafka;
  TopicNames topics;  // Uses contributors and deadletter.
  std::chrono::milliseconds metadata_timeout{10000};
};

class ContributorsSource {
 public:
  // Errors: kNotFound when the topic does not exist; kInvalidArgument for a
  // rejected property; Kafka errors.
  static StatusOr<std::unique_ptr<ContributorsSource>> Create(
      ContributorsSourceOptions options);

  // Appends to `*out`, in offset order per partition, every valid record up
  // to each partition's end as of the call.
  // Errors: kDeadlineExceeded naming the partitions still behind, with
  // their position and end; Kafka errors.
  Status CatchUp(std::chrono::milliseconds timeout, std::vector<ContributorRecord>* out);

  // Appends records that arrived since, waiting at most `timeout` for one.
  Status Poll(std::chrono::milliseconds timeout, std::vector<ContributorRecord>* out);

  // Waits until every dead letter queued so far is acknowledged.
  Status FlushDeadLetters(std::chrono::milliseconds timeout);

  const DeadLetterCounters& dead_letter_counters() const { return dead_letters_->counters(); }

 private:
  ContributorsSource(ContributorsSourceOptions options,
                     std::unique_ptr<DeadLetterWriter> dead_letters);
  Status AssignAll();
  // Reads one message into `*out`; sets `*eof_partition` on an end of
  // partition event, else -1.
  Status Handle(const rd_kafka_message_t& message, std::vector<ContributorRecord>* out,
                int32_t* eof_partition);

  ContributorsSourceOptions options_;
  ContributorDecoder decoder_;
  std::unique_ptr<DeadLetterWriter> dead_letters_;
  internal::KafkaPtr consumer_;
  int partitions_ = 0;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_CONTRIBUTORS_SOURCE_H_
