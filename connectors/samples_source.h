// The samples source: a consumer-group member that reads the samples topic
// in batches, decodes and validates every record, and routes the ones that
// fail to the dead-letter topic.
//
// Operation: Poll() fills a SampleBatch with valid records in offset order
// per partition, and with the offset to resume from for every partition the
// batch touched; that offset is past both the valid and the dead-lettered
// records, so the state store can commit it with the model (DESIGN.md
// section 5). On partition assignment the source asks the OffsetProvider for
// the offset the state store holds and starts there; when it has none, the
// group's committed offset applies, else the earliest offset.
//
// Delivery protocol for a caller, per batch:
//   1. Poll(), apply the records;
//   2. FlushDeadLetters() — a dead letter is acknowledged before the offset
//      past it can be committed, so a crash cannot lose one;
//   3. commit state and batch.next_offsets in one write;
//   4. optionally CommitGroupOffsets(), which only feeds lag monitoring.
//
// Ownership: owns its consumer and dead-letter producer.
// Thread safety: not thread safe; the offset provider is called on the
// thread that calls Poll(). dead_letter_counters() may be read anywhere.
// Configuration: KafkaClientConfig::properties pass through, except
// group.id, enable.auto.commit=false and enable.auto.offset.store=false,
// which the source sets. partition.assignment.strategy defaults to
// cooperative-sticky; eager strategies are handled too.
// Limitations: the key must be the contributor id or empty (see
// sample_codec.h); a record larger than RecordSchema::max_record_bytes is
// dead-lettered as too_large without being parsed. With librdkafka 2.0.2, a
// cooperative-sticky member destroyed after joining and before its first
// assignment aborts the process; Close() waits for that assignment, but
// only up to kFirstRebalanceWait, so a join that takes longer (a group
// waiting out a crashed member's 45 s default session) can still abort on
// shutdown.
#ifndef ANML_CONNECTORS_SAMPLES_SOURCE_H_
#define ANML_CONNECTORS_SAMPLES_SOURCE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/dead_letter_writer.h"
#include "connectors/internal/kafka_client.h"
#include "connectors/kafka_config.h"
#include "connectors/sample_codec.h"
#include "engine/status.h"

namespace anml::connectors {

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // The next offset to read.

  friend bool operator==(const PartitionOffset&, const PartitionOffset&) = default;
};

// The stored offset to resume `topic`/`partition` from, or nullopt.
using OffsetProvider =
    std::function<std::optional<int64_t>(const std::string& topic, int32_t partition)>;

struct SamplesSourceOptions {
  KafkaClientConfig kafka;
  TopicNames topics;  // Uses samples and deadletter.
  std::string group_id = "anml";
  std::optional<std::string> group_instance_id;  // Static membership.
  RecordSchema schema;
  size_t max_batch = 1024;  // Records (valid or not) per Poll(); >= 1.
  OffsetProvider offsets;   // May be empty.
};

// The records of one Poll(). Reused across polls so its buffers are too.
class SampleBatch {
 public:
  std::span<const SampleRecord> records() const { return {records_.data(), size_}; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Per partition touched by the batch, the offset to resume from.
  const std::vector<PartitionOffset>& next_offsets() const { return next_offsets_; }
  size_t dead_lettered() const { return dead_lettered_; }

  void Clear();

 private:
  friend class SamplesSource;
  SampleRecord* Next();  // A slot for the next record, reusing old buffers.
  void Commit() { ++size_; }
  void Advance(std::string_view topic, int32_t partition, int64_t next_offset);

  std::vector<SampleRecord> records_;
  size_t size_ = 0;
  std::vector<PartitionOffset> next_offsets_;
  size_t dead_lettered_ = 0;
};

class SamplesSource {
 public:
  // Validates the options, creates the clients and subscribes.
  // Errors: kInvalidArgument for a bad schema, max_batch 0 or a rejected
  // librdkafka property; Kafka errors from subscribing.
  static StatusOr<std::unique_ptr<SamplesSource>> Create(SamplesSourceOptions options);

  // Leaves the group (Close()) if still a member.
  ~SamplesSource();

  // Clears `batch` and fills it with up to max_batch records, waiting at most
  // `timeout` for the first. An empty batch after the timeout is OK.
  // Errors: a failure of the rebalance protocol or the consumer (translated
  // Kafka errors; kFailedPrecondition for fatal ones), or of queuing a dead
  // letter. Malformed records are never errors.
  Status Poll(std::chrono::milliseconds timeout, SampleBatch* batch);

  // Waits until every dead letter queued so far is acknowledged.
  Status FlushDeadLetters(std::chrono::milliseconds timeout);

  // Commits `offsets` to the consumer group, synchronously. For lag
  // monitoring only: the state store's offsets are the ones the source
  // resumes from. Errors: Kafka errors, e.g. for partitions no longer owned.
  Status CommitGroupOffsets(std::span<const PartitionOffset> offsets);

  // Partitions currently assigned to this member.
  std::vector<PartitionOffset> Assignment() const;

  // Consumer lag in offsets: the sum over assigned partitions of the high
  // watermark minus the position, where the position is the offset after the
  // last record Poll() returned (valid or dead-lettered) and the high
  // watermark is the one librdkafka cached from its latest fetch response.
  // Non-blocking, no broker round trip; cheap enough to call every step.
  // Stale by up to one fetch: records produced since the last fetch
  // response are not counted yet. A partition is left out until both are
  // known, i.e. until it has returned a record since its assignment and a
  // fetch for it has answered; so right after a rebalance the lag is
  // understated. Counts offsets, not records: on a transactional topic
  // control records count too.
  // Errors: Kafka errors from reading the assignment or the positions.
  StatusOr<int64_t> Lag() const;

  // False from the moment librdkafka reports every broker down until a
  // broker answers again. While false, Poll() sends a metadata request once
  // per kProbeInterval (blocking up to kProbeTimeout); an answer makes it
  // true again. Records already fetched before the outage do not count as
  // an answer.
  bool brokers_reachable() const { return !brokers_down_; }

  static constexpr std::chrono::milliseconds kProbeInterval{1000};
  static constexpr std::chrono::milliseconds kProbeTimeout{200};

  // Leaves the group after flushing dead letters. Idempotent. A member
  // that joined but has not had its first rebalance yet first waits for it,
  // up to kFirstRebalanceWait (see the .cc for why); records fetched in
  // that wait are dropped unread, to be read again from the stored offsets.
  Status Close();

  static constexpr std::chrono::milliseconds kFirstRebalanceWait{15000};

  const DeadLetterCounters& dead_letter_counters() const { return dead_letters_->counters(); }
  uint64_t records_valid() const { return records_valid_; }

 private:
  SamplesSource(SamplesSourceOptions options, std::unique_ptr<DeadLetterWriter> dead_letters);
  Status Subscribe();
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void ProbeBrokers();
  void AwaitFirstRebalance();
  Status FatalError() const;
  void Assign(rd_kafka_topic_partition_list_t* partitions);
  void Revoke(rd_kafka_topic_partition_list_t* partitions);
  Status HandleMessage(const rd_kafka_message_t& message, SampleBatch* batch);

  SamplesSourceOptions options_;
  SampleDecoder decoder_;
  std::unique_ptr<DeadLetterWriter> dead_letters_;
  internal::KafkaPtr consumer_;
  internal::QueuePtr queue_;
  std::vector<rd_kafka_message_t*> messages_;
  Status rebalance_error_;
  bool brokers_down_ = false;
  bool rebalanced_ = false;  // A rebalance callback has run.
  std::chrono::steady_clock::time_point next_probe_;
  uint64_t records_valid_ = 0;
  bool closed_ = false;
};

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_SAMPLES_SOURCE_H_
