#include "connectors/samples_source.h"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "connectors/kafka_status.h"

namespace anml::connectors {
namespace {

using internal::Log;

// Bounds the close-time flush of dead letters.
constexpr std::chrono::milliseconds kCloseFlushTimeout{10000};
// How long each queue serve lasts while Close() waits for the first
// rebalance.
constexpr std::chrono::milliseconds kCloseWaitSlice{100};

std::string Describe(const rd_kafka_topic_partition_list_t* partitions) {
  std::string text;
  for (int i = 0; i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = partitions->elems[i];
    text += fmt::format("{}{}[{}]@{}", i == 0 ? "" : " ", p.topic, p.partition, p.offset);
  }
  return text;
}

}  // namespace

void SampleBatch::Clear() {
  size_ = 0;
  next_offsets_.clear();
  dead_lettered_ = 0;
}

SampleRecord* SampleBatch::Next() {
  if (size_ == records_.size()) records_.emplace_back();
  return &records_[size_];
}

void SampleBatch::Advance(std::string_view topic, int32_t partition, int64_t next_offset) {
  // A batch touches few partitions, so a linear search beats a map.
  for (PartitionOffset& entry : next_offsets_) {
    if (entry.partition == partition && entry.topic == topic) {
      entry.offset = std::max(entry.offset, next_offset);
      return;
    }
  }
  next_offsets_.push_back({std::string(topic), partition, next_offset});
}

StatusOr<std::unique_ptr<SamplesSource>> SamplesSource::Create(SamplesSourceOptions options) {
  ANML_RETURN_IF_ERROR(SampleDecoder::ValidateSchema(options.schema));
  if (options.max_batch == 0) {
    return InvalidArgument("samples source: max_batch is 0, expected >= 1");
  }
  auto dead_letters = DeadLetterWriter::Create(options.kafka, options.topics.deadletter);
  ANML_RETURN_IF_ERROR(dead_letters.status());
  std::unique_ptr<SamplesSource> source(
      new SamplesSource(std::move(options), std::move(*dead_letters)));
  ANML_RETURN_IF_ERROR(source->Subscribe());
  return source;
}

SamplesSource::SamplesSource(SamplesSourceOptions options,
                             std::unique_ptr<DeadLetterWriter> dead_letters)
    : options_(std::move(options)),
      decoder_(options_.schema),
      dead_letters_(std::move(dead_letters)),
      messages_(options_.max_batch) {}

SamplesSource::~SamplesSource() {
  Status status = Close();
  if (!status.ok()) Log().error("closing the samples source: {}", status.ToString());
}

Status SamplesSource::Subscribe() {
  internal::Properties defaults = {{"partition.assignment.strategy", "cooperative-sticky"},
                                   {"auto.offset.reset", "earliest"},
                                   {"client.id", "anml-samples"}};
  internal::Properties required = {{"group.id", options_.group_id},
                                   {"enable.auto.commit", "false"},
                                   {"enable.auto.offset.store", "false"}};
  if (options_.group_instance_id) required["group.instance.id"] = *options_.group_instance_id;
  auto conf = internal::NewConf(options_.kafka, defaults, required);
  ANML_RETURN_IF_ERROR(conf.status());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &SamplesSource::OnRebalance);
  rd_kafka_conf_set_error_cb(conf->get(), &SamplesSource::OnError);
  rd_kafka_conf_set_opaque(conf->get(), this);
  auto consumer = internal::NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  ANML_RETURN_IF_ERROR(consumer.status());
  consumer_ = std::move(*consumer);
  ANML_RETURN_IF_ERROR(KafkaStatus(rd_kafka_poll_set_consumer(consumer_.get()),
                                   "routing events to the consumer queue"));
  queue_.reset(rd_kafka_queue_get_consumer(consumer_.get()));

  internal::PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), options_.topics.samples.c_str(), -1);
  Log().info("samples source joining group '{}' on topic '{}'", options_.group_id,
             options_.topics.samples);
  return KafkaStatus(rd_kafka_subscribe(consumer_.get(), topics.get()),
                     fmt::format("subscribing to '{}'", options_.topics.samples));
}

void SamplesSource::OnRebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<SamplesSource*>(opaque);
  self->rebalanced_ = true;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->Assign(partitions);
  } else {
    self->Revoke(partitions);
  }
}

// librdkafka serves this callback from the consumer queue, i.e. inside
// Poll(), on the caller's thread. It reports client-wide conditions; it
// retries each by itself, except a fatal error, which Poll() reports.
void SamplesSource::OnError(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
  auto* self = static_cast<SamplesSource*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    if (!self->brokers_down_) {
      Log().warn("samples consumer: every broker is down ({}); probing every {} ms", reason,
                 kProbeInterval.count());
    }
    self->brokers_down_ = true;
    self->next_probe_ = std::chrono::steady_clock::now() + kProbeInterval;
    return;
  }
  Log().warn("samples consumer: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
             reason);
}

// A metadata request goes to any broker that is up and waits no longer
// than its timeout. (A watermark query would not do: it waits for the
// partition leader's answer up to socket.timeout.ms, a minute by default.)
void SamplesSource::ProbeBrokers() {
  next_probe_ = std::chrono::steady_clock::now() + kProbeInterval;
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(consumer_.get(), /*all_topics=*/0, nullptr, &metadata,
                                              internal::TimeoutMs(kProbeTimeout));
  if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
  // An error means no broker answered in time, which the flag already says.
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    brokers_down_ = false;
    Log().info("samples consumer: brokers answer again");
  }
}

void SamplesSource::Assign(rd_kafka_topic_partition_list_t* partitions) {
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& p = partitions->elems[i];
    std::optional<int64_t> stored;
    if (options_.offsets) stored = options_.offsets(p.topic, p.partition);
    // kOffsetInvalid makes librdkafka use the group's committed offset, or
    // auto.offset.reset when there is none.
    p.offset = stored.value_or(internal::kOffsetInvalid);
  }
  Log().info("samples source assigned: {}", Describe(partitions));
  bool cooperative =
      std::string_view(rd_kafka_rebalance_protocol(consumer_.get())) == "COOPERATIVE";
  Status status =
      cooperative
          ? KafkaStatus(rd_kafka_incremental_assign(consumer_.get(), partitions),
                        "assigning partitions")
          : KafkaStatus(rd_kafka_assign(consumer_.get(), partitions), "assigning partitions");
  if (!status.ok() && rebalance_error_.ok()) rebalance_error_ = status;
}

void SamplesSource::Revoke(rd_kafka_topic_partition_list_t* partitions) {
  Log().info("samples source revoked: {}", Describe(partitions));
  bool cooperative =
      std::string_view(rd_kafka_rebalance_protocol(consumer_.get())) == "COOPERATIVE";
  Status status =
      cooperative ? KafkaStatus(rd_kafka_incremental_unassign(consumer_.get(), partitions),
                                "revoking partitions")
                  : KafkaStatus(rd_kafka_assign(consumer_.get(), nullptr), "revoking partitions");
  if (!status.ok() && rebalance_error_.ok()) rebalance_error_ = status;
}

Status SamplesSource::Poll(std::chrono::milliseconds timeout, SampleBatch* batch) {
  batch->Clear();
  dead_letters_->Poll();
  ssize_t count = rd_kafka_consume_batch_queue(queue_.get(), internal::TimeoutMs(timeout),
                                               messages_.data(), messages_.size());
  Status status = std::exchange(rebalance_error_, Status::Ok());
  if (status.ok()) status = FatalError();
  if (brokers_down_ && std::chrono::steady_clock::now() >= next_probe_) ProbeBrokers();
  if (count < 0) {
    return KafkaStatus(rd_kafka_last_error(), "consuming a batch of samples");
  }
  for (ssize_t i = 0; i < count; ++i) {
    internal::MessagePtr message(messages_[static_cast<size_t>(i)]);
    if (status.ok()) status = HandleMessage(*message, batch);
  }
  return status;
}

// librdkafka keeps a fatal error once raised; every later poll reports it.
Status SamplesSource::FatalError() const {
  std::array<char, 512> reason{};
  if (rd_kafka_fatal_error(consumer_.get(), reason.data(), reason.size()) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Ok();
  }
  return FailedPrecondition(fmt::format("samples consumer failed: {}", reason.data()));
}

Status SamplesSource::HandleMessage(const rd_kafka_message_t& message, SampleBatch* batch) {
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return Status::Ok();
    // Poll() has already checked for a fatal error; other consumer errors
    // report conditions librdkafka retries by itself (a broker down, a
    // leader moving), and the stream goes on.
    Log().debug("samples consumer: {}", rd_kafka_message_errstr(&message));
    return Status::Ok();
  }
  RawRecord raw = internal::ToRawRecord(message);
  batch->Advance(raw.topic, raw.partition, raw.offset + 1);
  DeadLetterReason reason = DeadLetterReason::kBadJson;
  Status decoded = decoder_.Decode(raw, batch->Next(), &reason);
  if (decoded.ok()) {
    batch->Commit();
    ++records_valid_;
    return Status::Ok();
  }
  ++batch->dead_lettered_;
  return dead_letters_->Send(message, reason, decoded);
}

Status SamplesSource::FlushDeadLetters(std::chrono::milliseconds timeout) {
  return dead_letters_->Flush(timeout);
}

Status SamplesSource::CommitGroupOffsets(std::span<const PartitionOffset> offsets) {
  if (offsets.empty()) return Status::Ok();
  internal::PartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const PartitionOffset& entry : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), entry.topic.c_str(), entry.partition)->offset =
        entry.offset;
  }
  ANML_RETURN_IF_ERROR(
      KafkaStatus(rd_kafka_commit(consumer_.get(), list.get(), 0), "committing group offsets"));
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    ANML_RETURN_IF_ERROR(KafkaStatus(
        p.err, fmt::format("committing offset {} of {}[{}]", p.offset, p.topic, p.partition)));
  }
  return Status::Ok();
}

std::vector<PartitionOffset> SamplesSource::Assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  std::vector<PartitionOffset> out;
  if (rd_kafka_assignment(consumer_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  internal::PartitionListPtr list(raw);
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    out.push_back({p.topic, p.partition, p.offset});
  }
  return out;
}

StatusOr<int64_t> SamplesSource::Lag() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  ANML_RETURN_IF_ERROR(
      KafkaStatus(rd_kafka_assignment(consumer_.get(), &raw), "reading the assignment for lag"));
  internal::PartitionListPtr list(raw);
  ANML_RETURN_IF_ERROR(
      KafkaStatus(rd_kafka_position(consumer_.get(), list.get()), "reading positions for lag"));
  int64_t lag = 0;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    // No position yet: nothing returned since assignment (documented).
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR || p.offset < 0) continue;
    int64_t low = internal::kOffsetInvalid;
    int64_t high = internal::kOffsetInvalid;
    // Reads the cache only; an error means no fetch answered yet for this
    // partition, which leaves it out as documented.
    if (rd_kafka_get_watermark_offsets(consumer_.get(), p.topic, p.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;
    }
    lag += std::max<int64_t>(0, high - p.offset);
  }
  return lag;
}

// librdkafka 2.0.2 (Debian bookworm's) aborts the process when a
// cooperative-sticky member is destroyed after joining its group and
// before its first assignment: the sticky assignor's state is freed before
// it exists (fixed in librdkafka 2.3.0). So a member serves its queue
// until the first rebalance callback has run. One that never reached a broker
// has no assignor state yet and needs no wait; the bound keeps a stuck
// rebalance from holding up a shutdown for long.
void SamplesSource::AwaitFirstRebalance() {
  const auto limit = std::chrono::steady_clock::now() + kFirstRebalanceWait;
  while (!rebalanced_ && !brokers_down_ && std::chrono::steady_clock::now() < limit) {
    ssize_t count = rd_kafka_consume_batch_queue(queue_.get(), internal::TimeoutMs(kCloseWaitSlice),
                                                 messages_.data(), messages_.size());
    // Dropped unread: the offsets stored with the state do not cover them.
    for (ssize_t i = 0; i < count; ++i) rd_kafka_message_destroy(messages_[static_cast<size_t>(i)]);
  }
}

Status SamplesSource::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status flushed = dead_letters_->Flush(kCloseFlushTimeout);
  AwaitFirstRebalance();
  Status left = KafkaStatus(rd_kafka_consumer_close(consumer_.get()), "leaving the group");
  Log().info("samples source left group '{}' after {} valid records and {} dead letters",
             options_.group_id, records_valid_, dead_letters_->counters().total());
  return flushed.ok() ? left : flushed;
}

}  // namespace anml::connectors
