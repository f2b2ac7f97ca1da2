#include "connectors/contributors_source.h"

#include <utility>

#include <fmt/format.h>

#include "connectors/kafka_status.h"

namespace anml::connectors {
namespace {

using Clock = std::chrono::steady_clock;
using internal::Log;

constexpr std::chrono::milliseconds kPollSlice{100};

}  // namespace

StatusOr<std::unique_ptr<ContributorsSource>> ContributorsSource::Create(
    ContributorsSourceOptions options) {
  auto dead_letters = DeadLetterWriter::Create(options.kafka, options.topics.deadletter);
  ANML_RETURN_IF_ERROR(dead_letters.status());
  std::unique_ptr<ContributorsSource> source(
      new ContributorsSource(std::move(options), std::move(*dead_letters)));
  ANML_RETURN_IF_ERROR(source->AssignAll());
  return source;
}

ContributorsSource::ContributorsSource(ContributorsSourceOptions options,
                                       std::unique_ptr<DeadLetterWriter> dead_letters)
    : options_(std::move(options)), dead_letters_(std::move(dead_letters)) {}

Status ContributorsSource::AssignAll() {
  // librdkafka wants a group.id even for a consumer that only assigns; it
  // never joins or commits to it.
  auto conf = internal::NewConf(options_.kafka,
                                {{"client.id", "anml-contributors"},
                                 {"group.id", "anml.contributors.reader"}},
                                {{"enable.partition.eof", "true"},
                                 {"enable.auto.commit", "false"}});
  ANML_RETURN_IF_ERROR(conf.status());
  auto consumer = internal::NewClient(RD_KAFKA_CONSUMER, std::move(*conf));
  ANML_RETURN_IF_ERROR(consumer.status());
  consumer_ = std::move(*consumer);
  const std::string& topic = options_.topics.contributors;
  auto partitions = internal::PartitionCount(consumer_.get(), topic, options_.metadata_timeout);
  ANML_RETURN_IF_ERROR(partitions.status());
  partitions_ = *partitions;
  internal::PartitionListPtr list(rd_kafka_topic_partition_list_new(partitions_));
  for (int32_t p = 0; p < partitions_; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        internal::kOffsetBeginning;
  }
  Log().info("contributors source reading '{}' ({} partitions) from the beginning", topic,
             partitions_);
  return KafkaStatus(rd_kafka_assign(consumer_.get(), list.get()),
                     fmt::format("assigning all partitions of '{}'", topic));
}

Status ContributorsSource::CatchUp(std::chrono::milliseconds timeout,
                                   std::vector<ContributorRecord>* out) {
  const std::string& topic = options_.topics.contributors;
  std::vector<int64_t> end(static_cast<size_t>(partitions_));
  std::vector<int64_t> position(static_cast<size_t>(partitions_), 0);
  for (int32_t p = 0; p < partitions_; ++p) {
    int64_t low = 0;
    ANML_RETURN_IF_ERROR(KafkaStatus(
        rd_kafka_query_watermark_offsets(consumer_.get(), topic.c_str(), p, &low,
                                         &end[static_cast<size_t>(p)],
                                         internal::TimeoutMs(options_.metadata_timeout)),
        fmt::format("reading the end offset of {}[{}]", topic, p)));
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  auto behind = [&] {
    std::string lagging;
    for (size_t p = 0; p < end.size(); ++p) {
      if (position[p] >= end[p]) continue;
      lagging += fmt::format(" {}[{}] at {} of {}", topic, p, position[p], end[p]);
    }
    return lagging;
  };
  size_t before = out->size();
  while (!behind().empty()) {
    if (Clock::now() >= deadline) {
      return DeadlineExceeded(fmt::format("contributors source: catching up took more than "
                                          "{} ms; behind:{}",
                                          timeout.count(), behind()));
    }
    internal::MessagePtr message(
        rd_kafka_consumer_poll(consumer_.get(), internal::TimeoutMs(kPollSlice)));
    if (!message) continue;
    int32_t eof = -1;
    ANML_RETURN_IF_ERROR(Handle(*message, out, &eof));
    size_t p = static_cast<size_t>(message->partition);
    if (p < position.size() && (eof >= 0 || message->err == RD_KAFKA_RESP_ERR_NO_ERROR)) {
      position[p] = std::max(position[p], message->offset + (eof >= 0 ? 0 : 1));
    }
  }
  Log().info("contributors source caught up with {} records", out->size() - before);
  return Status::Ok();
}

Status ContributorsSource::Poll(std::chrono::milliseconds timeout,
                                std::vector<ContributorRecord>* out) {
  dead_letters_->Poll();
  internal::MessagePtr message(
      rd_kafka_consumer_poll(consumer_.get(), internal::TimeoutMs(timeout)));
  int32_t eof = -1;
  while (message) {
    ANML_RETURN_IF_ERROR(Handle(*message, out, &eof));
    message.reset(rd_kafka_consumer_poll(consumer_.get(), 0));
  }
  return Status::Ok();
}

Status ContributorsSource::Handle(const rd_kafka_message_t& message,
                                  std::vector<ContributorRecord>* out,
                                  int32_t* eof_partition) {
  *eof_partition = -1;
  if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    *eof_partition = message.partition;
    return Status::Ok();
  }
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Reports of conditions librdkafka retries itself; the stream goes on.
    Log().debug("contributors consumer: {}", rd_kafka_message_errstr(&message));
    return Status::Ok();
  }
  ContributorRecord record;
  DeadLetterReason reason = DeadLetterReason::kBadJson;
  Status decoded = decoder_.Decode(internal::ToRawRecord(message), &record, &reason);
  if (!decoded.ok()) return dead_letters_->Send(message, reason, decoded);
  out->push_back(std::move(record));
  return Status::Ok();
}

Status ContributorsSource::FlushDeadLetters(std::chrono::milliseconds timeout) {
  return dead_letters_->Flush(timeout);
}

}  // namespace anml::connectors
