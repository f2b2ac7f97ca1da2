#include "connectors/kafka_status.h"

#include <gtest/gtest.h>

namespace anml::connectors {
namespace {

class KafkaStatusTest : public ::testing::Test {};

TEST_F(KafkaStatusTest, NoErrorIsOk) {
  EXPECT_TRUE(KafkaStatus(RD_KAFKA_RESP_ERR_NO_ERROR, "anything").ok());
  EXPECT_TRUE(KafkaStatus(static_cast<rd_kafka_error_t*>(nullptr), "anything").ok());
}

TEST_F(KafkaStatusTest, MapsErrorsToCodesThatSetRetryPolicy) {
  struct Case {
    rd_kafka_resp_err_t err;
    StatusCode code;
  };
  const Case cases[] = {
      {RD_KAFKA_RESP_ERR__TIMED_OUT, StatusCode::kDeadlineExceeded},
      {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, StatusCode::kDeadlineExceeded},
      {RD_KAFKA_RESP_ERR__TRANSPORT, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__QUEUE_FULL, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, StatusCode::kNotFound},
      {RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, StatusCode::kAlreadyExists},
      {RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, StatusCode::kOutOfRange},
      {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, StatusCode::kFailedPrecondition},
      {RD_KAFKA_RESP_ERR__FATAL, StatusCode::kFailedPrecondition},
      {RD_KAFKA_RESP_ERR_INVALID_MSG, StatusCode::kDataLoss},
      {RD_KAFKA_RESP_ERR__FAIL, StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(rd_kafka_err2name(c.err));
    EXPECT_EQ(KafkaErrorCode(c.err), c.code);
  }
}

TEST_F(KafkaStatusTest, MessageHasContextTextAndName) {
  Status status = KafkaStatus(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "producing to 'x'");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            std::string("producing to 'x': ") +
                rd_kafka_err2str(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) +
                " (UNKNOWN_TOPIC_OR_PART)");
}

TEST_F(KafkaStatusTest, ErrorObjectFlagsOverrideTable) {
  rd_kafka_error_t* error =
      rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "bad value %d", 3);
  Status status = KafkaStatus(error, "assigning");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "assigning: bad value 3 (_INVALID_ARG)");
}

TEST_F(KafkaStatusTest, ConfStatusNamesTheProperty) {
  EXPECT_TRUE(KafkaConfStatus(RD_KAFKA_CONF_OK, "acks", "").ok());
  EXPECT_EQ(KafkaConfStatus(RD_KAFKA_CONF_UNKNOWN, "no.such", "No such property").message(),
            "librdkafka property 'no.such' is unknown: No such property");
}

}  // namespace
}  // namespace anml::connectors
