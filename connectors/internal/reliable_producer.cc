#include "connectors/internal/reliable_producer.h"

#include <array>

#include <fmt/format.h>

#include "connectors/kafka_status.h"

namespace anml::connectors::internal {
namespace {

using Clock = std::chrono::steady_clock;

// How long one wait for queue space or acknowledgements lasts before the
// deadline is checked again.
constexpr std::chrono::milliseconds kPollSlice{50};

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

std::string Describe(const OutgoingMessage& message) {
  return fmt::format("topic '{}' key '{}'", message.topic,
                     message.key ? message.key->substr(0, 64) : "<null>");
}

}  // namespace

StatusOr<std::unique_ptr<ReliableProducer>> ReliableProducer::Create(
    const KafkaClientConfig& config, const std::string& client_id) {
  Properties defaults = {{"client.id", client_id}, {"linger.ms", "5"}};
  Properties required = {{"enable.idempotence", "true"}};
  StatusOr<ConfPtr> conf = NewConf(config, defaults, required);
  ANML_RETURN_IF_ERROR(conf.status());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &ReliableProducer::OnDelivery);
  // Delivery reports reach this object through the client's opaque.
  std::unique_ptr<ReliableProducer> owner(new ReliableProducer(KafkaPtr()));
  rd_kafka_conf_set_opaque(conf->get(), owner.get());
  StatusOr<KafkaPtr> producer = NewClient(RD_KAFKA_PRODUCER, std::move(*conf));
  ANML_RETURN_IF_ERROR(producer.status());
  owner->producer_ = std::move(*producer);
  return owner;
}

ReliableProducer::~ReliableProducer() {
  if (!producer_) return;
  // Messages still queued are purged so their delivery reports free them;
  // a caller that cares has already called Flush() and seen its result.
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(producer_.get(), 0);
  size_t lost = failed_.size() + static_cast<size_t>(rd_kafka_outq_len(producer_.get()));
  if (lost > 0) {
    Log().error("producer {} closed with {} unacknowledged messages",
                rd_kafka_name(producer_.get()), lost);
  }
}

void ReliableProducer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                                  void* opaque) {
  auto* self = static_cast<ReliableProducer*>(opaque);
  std::unique_ptr<OutgoingMessage> owned(static_cast<OutgoingMessage*>(message->_private));
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++self->delivered_;
    return;
  }
  Status status = KafkaStatus(message->err, "delivering to " + Describe(*owned));
  Log().warn("{} (attempt {})", status.message(), owned->attempts);
  self->failed_.emplace_back(std::move(owned), std::move(status));
}

Status ReliableProducer::Produce(std::unique_ptr<OutgoingMessage>& message) {
  rd_kafka_headers_t* headers = nullptr;
  if (!message->headers.empty()) {
    headers = rd_kafka_headers_new(message->headers.size());
    for (const auto& [name, value] : message->headers) {
      const char* bytes = value ? value->data() : nullptr;
      auto size = static_cast<ssize_t>(value ? value->size() : 0);
      // Adding to a fresh, writable header list cannot fail.
      (void)rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()),
                                bytes, size);
    }
  }
  std::array<rd_kafka_vu_t, 6> vus{};
  size_t n = 0;
  vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[n++].u.cstr = message->topic.c_str();
  if (message->key) {
    vus[n].vtype = RD_KAFKA_VTYPE_KEY;
    vus[n].u.mem.ptr = message->key->data();
    vus[n++].u.mem.size = message->key->size();
  }
  if (message->value) {
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[n].u.mem.ptr = message->value->data();
    vus[n++].u.mem.size = message->value->size();
  }
  if (headers != nullptr) {
    vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vus[n++].u.headers = headers;
  }
  // The bytes stay in `message` until its delivery report, so librdkafka
  // need not copy them.
  vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vus[n++].u.ptr = message.get();
  ++message->attempts;
  rd_kafka_error_t* error = rd_kafka_produceva(producer_.get(), vus.data(), n);
  if (error != nullptr) {
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    std::string where = "producing to " + Describe(*message);
    return KafkaStatus(error, where);
  }
  (void)message.release();  // Owned by librdkafka until OnDelivery().
  return Status::Ok();
}

Status ReliableProducer::Send(OutgoingMessage message, std::chrono::milliseconds timeout) {
  auto owned = std::make_unique<OutgoingMessage>(std::move(message));
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    Status status = Produce(owned);
    if (status.ok() || status.code() != StatusCode::kUnavailable ||
        Remaining(deadline).count() == 0) {
      return status;
    }
    rd_kafka_poll(producer_.get(), TimeoutMs(std::min(kPollSlice, Remaining(deadline))));
  }
}

Status ReliableProducer::Resend() {
  std::deque<std::pair<std::unique_ptr<OutgoingMessage>, Status>> retry;
  retry.swap(failed_);
  Status first = Status::Ok();
  while (!retry.empty()) {
    std::unique_ptr<OutgoingMessage> message = std::move(retry.front().first);
    retry.pop_front();
    Status status = Produce(message);
    if (!status.ok()) {
      failed_.emplace_back(std::move(message), status);
      if (first.ok()) first = status;
    }
  }
  return first;
}

void ReliableProducer::Poll() { rd_kafka_poll(producer_.get(), 0); }

Status ReliableProducer::Flush(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    rd_kafka_resp_err_t err =
        rd_kafka_flush(producer_.get(), TimeoutMs(std::min(Remaining(deadline), timeout)));
    bool drained = err == RD_KAFKA_RESP_ERR_NO_ERROR && failed_.empty();
    if (drained) return Status::Ok();
    if (Remaining(deadline).count() == 0) break;
    if (!failed_.empty() && !Resend().ok()) {
      // The message stays in failed_ and is reported below if time runs out;
      // waiting a slice keeps a persistent error from spinning the loop.
      rd_kafka_poll(producer_.get(), TimeoutMs(std::min(kPollSlice, Remaining(deadline))));
    }
  }
  int in_flight = rd_kafka_outq_len(producer_.get());
  if (failed_.empty()) {
    return DeadlineExceeded(fmt::format("flushing producer {}: {} messages unacknowledged "
                                        "after {} ms",
                                        rd_kafka_name(producer_.get()), in_flight,
                                        timeout.count()));
  }
  const Status& first = failed_.front().second;
  return Status(first.code(), fmt::format("{}; {} failed and {} in flight, kept for resending",
                                          first.message(), failed_.size(), in_flight));
}

}  // namespace anml::connectors::internal
