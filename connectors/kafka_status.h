// The one place where librdkafka's error space becomes anml::Status.
//
// Every connector reports librdkafka failures through these functions, so the
// retry policy of a Kafka error is decided here and nowhere else: transient
// broker and network conditions become kUnavailable, timeouts become
// kDeadlineExceeded (both retryable), and everything else is permanent.
//
// Thread safety: pure functions; callable from any thread.
#ifndef ANML_CONNECTORS_KAFKA_STATUS_H_
#define ANML_CONNECTORS_KAFKA_STATUS_H_

#include <string_view>

#include <librdkafka/rdkafka.h>

#include "engine/status.h"

namespace anml::connectors {

// The anml code for a librdkafka error code. RD_KAFKA_RESP_ERR_NO_ERROR maps
// to kOk.
StatusCode KafkaErrorCode(rd_kafka_resp_err_t err);

// OK for RD_KAFKA_RESP_ERR_NO_ERROR; otherwise a Status with the code from
// KafkaErrorCode() and the message "<context>: <librdkafka text> (<name>)".
Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view context);

// As above for an rd_kafka_error_t, whose own retriable and fatal flags take
// precedence over the code table. Takes ownership of `error` and destroys it;
// nullptr means success.
Status KafkaStatus(rd_kafka_error_t* error, std::string_view context);

// The result of rd_kafka_conf_set() for `name`=`value`: OK, or
// kInvalidArgument with librdkafka's explanation in `errstr`.
Status KafkaConfStatus(rd_kafka_conf_res_t result, std::string_view name,
                       std::string_view errstr);

}  // namespace anml::connectors

#endif  // ANML_CONNECTORS_KAFKA_STATUS_H_
