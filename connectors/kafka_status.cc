#include "connectors/kafka_status.h"

#include <string>

#include <fmt/format.h>

namespace anml::connectors {
namespace {

bool IsTimeout(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return true;
    default:
      return false;
  }
}

// Conditions that clear up on their own: a broker restarts, a leader moves,
// a group settles, a local queue drains.
bool IsTransient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return true;
    default:
      return false;
  }
}

// Errors that a person fixes (credentials, ACLs, versions, configuration)
// rather than a retry.
bool IsPrecondition(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
      return true;
    default:
      return false;
  }
}

StatusCode SpecificCode(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__NOENT:
      return StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return StatusCode::kOutOfRange;
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR__BAD_COMPRESSION:
      return StatusCode::kDataLoss;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
      return StatusCode::kInvalidArgument;
    default:
      // Unknown local errors are ours to explain; unknown broker errors are
      // treated as a peer that may recover.
      return err < 0 ? StatusCode::kInternal : StatusCode::kUnavailable;
  }
}

}  // namespace

StatusCode KafkaErrorCode(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return StatusCode::kOk;
  if (IsTimeout(err)) return StatusCode::kDeadlineExceeded;
  if (IsTransient(err)) return StatusCode::kUnavailable;
  if (IsPrecondition(err)) return StatusCode::kFailedPrecondition;
  return SpecificCode(err);
}

Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view context) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status(KafkaErrorCode(err),
                fmt::format("{}: {} ({})", context, rd_kafka_err2str(err),
                            rd_kafka_err2name(err)));
}

Status KafkaStatus(rd_kafka_error_t* error, std::string_view context) {
  if (error == nullptr) return Status::Ok();
  rd_kafka_resp_err_t err = rd_kafka_error_code(error);
  StatusCode code = KafkaErrorCode(err);
  if (rd_kafka_error_is_fatal(error)) {
    code = StatusCode::kFailedPrecondition;
  } else if (rd_kafka_error_is_retriable(error) &&
             code != StatusCode::kDeadlineExceeded) {
    code = StatusCode::kUnavailable;
  }
  std::string message = fmt::format("{}: {} ({})", context, rd_kafka_error_string(error),
                                    rd_kafka_error_name(error));
  rd_kafka_error_destroy(error);
  return Status(code, std::move(message));
}

Status KafkaConfStatus(rd_kafka_conf_res_t result, std::string_view name,
                       std::string_view errstr) {
  if (result == RD_KAFKA_CONF_OK) return Status::Ok();
  const char* kind = result == RD_KAFKA_CONF_UNKNOWN ? "unknown" : "invalid";
  return InvalidArgument(
      fmt::format("librdkafka property '{}' is {}: {}", name, kind, errstr));
}

}  // namespace anml::connectors
