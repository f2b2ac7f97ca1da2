#!/usr/bin/env bash
# Creates anml's topics on the compose file's Kafka (run once by the
# kafka-init service, inside the apache/kafka image). Idempotent: existing
# topics are left as they are.
#
# Environment: BOOTSTRAP_SERVERS, SAMPLES_TOPIC, CONTRIBUTORS_TOPIC,
# WEIGHTS_TOPIC, DEADLETTER_TOPIC, SAMPLES_PARTITIONS.
set -euo pipefail

bootstrap=${BOOTSTRAP_SERVERS:?}
kafka_topics=/opt/kafka/bin/kafka-topics.sh

# create <topic> <partitions> [--config key=value ...]
create() {
  local topic=$1 partitions=$2
  shift 2
  "$kafka_topics" --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor 1 "$@"
}

# Samples are keyed by contributor; the partition count bounds how many
# anml instances of one consumer group can share the stream.
create "${SAMPLES_TOPIC:?}" "${SAMPLES_PARTITIONS:?}"
# Contributor metadata and weights are last-value-per-key: compacted.
create "${CONTRIBUTORS_TOPIC:?}" 1 --config cleanup.policy=compact
create "${WEIGHTS_TOPIC:?}" "${SAMPLES_PARTITIONS}" --config cleanup.policy=compact
# Dead letters keep the original bytes for inspection; default retention.
create "${DEADLETTER_TOPIC:?}" 1

echo "topics on $bootstrap:"
"$kafka_topics" --bootstrap-server "$bootstrap" --list
