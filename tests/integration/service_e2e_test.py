"""End to end: `anml broker` and `anml run` as separate processes, driven and
read by an external Kafka client (confluent-kafka).

What it proves (issue 5, DESIGN.md sections 4-6):
- option layering end to end: the --config file, ANML_* variables and flags
  each set something observable, and the higher source wins where they
  overlap (flag --dimension over the file's, ANML_HTTP_ADDRESS over the
  file's http-address);
- every valid sample is counted once in anml_samples_total (trained +
  heldout), every malformed record lands in anml_dead_letters_total under
  its reason, and each dead letter on the topic carries the original bytes
  and headers naming the reason, the message and the exact source topic,
  partition and offset;
- the weights topic holds a record per contributor with the documented
  fields, keyed by contributor, with v following the metadata sent;
- /readyz turns 200 once partitions are assigned; /healthz answers 200;
- SIGTERM exits 0 promptly;
- after a restart on the same state directory, the engine resumes at the
  stored offsets: the new process counts exactly the samples sent while it
  was down, and the state store's per-contributor counts (training +
  held-out) add up to exactly every valid sample sent, nothing lost or
  counted twice.

Usage: service_e2e_test.py PATH_TO_ANML [unittest arguments]
"""

import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from confluent_kafka import Consumer, Producer, TopicPartition

ANML = None  # Set from argv in __main__.

SAMPLES_TOPIC = "anml.samples"
CONTRIBUTORS_TOPIC = "anml.contributors"
WEIGHTS_TOPIC = "anml.weights"
DEADLETTER_TOPIC = "anml.deadletter"
DIMENSION = 4
FIRST_BATCH = 3000
SECOND_BATCH = 1000
GROUP_ID = "anml-e2e"

# Contributor -> metadata sent (None: no metadata, the defaults apply).
CONTRIBUTORS = {
    "lab-a": ("verified", 0.9),
    "lab-b": ("verified", 0.8),
    "lab-c": ("pending", 0.6),
    "lab-d": ("unverified", 0.5),
    "lab-e": ("revoked", 0.3),
    "lab-f": None,
}
# The engine's default verification table (engine/config.h).
VERIFICATION_FACTOR = {"unverified": 0.5, "pending": 0.7, "verified": 1.0, "revoked": 0.0}

# Malformed samples: (key, value, the reason code the engine must give).
MALFORMED_SAMPLES = [
    (b"lab-a", b'{"contributor": "lab-a", "features": [1, 2', "bad_json"),
    (b"lab-a", b'{"contributor":"lab-a","features":[1,2,3],"label":1}', "wrong_dimension"),
    (b"lab-a", b'{"contributor":"lab-a","features":[1,2,3,4],"label":7}', "bad_label"),
    (None, b'{"features":[1,2,3,4],"label":1}', "missing_contributor"),
    (b"lab-a", b'{"contributor":"lab-b","features":[1,2,3,4],"label":1}', "key_mismatch"),
    (b"lab-a", b'{"contributor":"lab-a","features":["x",2,3,4],"label":1}', "bad_feature"),
    (b"lab-a", b"", "empty_value"),
    (b"lab-a", b'{"contributor":"lab-a","features":[1,2,3,4],"label":1,"id":5}', "bad_id"),
]
# Malformed metadata: (key, value, reason).
MALFORMED_METADATA = [
    (b"lab-x", b'{"verification":"verified","reputation":1.5}', "bad_reputation"),
]
DEADLETTER_HEADERS = ("anml.error.reason", "anml.error.message", "anml.source.topic",
                      "anml.source.partition", "anml.source.offset")
WEIGHT_FIELDS = {"contributor", "weight", "q", "v", "r", "T", "gate_stage", "sample_count",
                 "attribution", "served_scheme", "model_version", "time"}

START_TIMEOUT_S = 10
READY_TIMEOUT_S = 30
PROCESS_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20
SETTLE_S = 2.0  # How long a reached count must stay put (nothing counted twice).


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path):
    """(status, body) of GET http://127.0.0.1:port/path; (0, error) when down."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset of (label, value)): value} of the text format."""
    metrics = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        if not m:
            raise AssertionError(f"unparseable metrics line: {line!r}")
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        metrics[(m.group(1), labels)] = float(m.group(3))
    return metrics


def metric_sum(metrics, name, **labels):
    """Sum of `name` over series whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in metrics.items() if n == name and wanted <= ls)


def wait_for(what, predicate, timeout_s, describe=lambda: ""):
    """Polls `predicate` until true; fails naming `what` and the last state."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}; {describe()}")


def sample_value(contributor, sequence, rng):
    x = [round(rng.gauss(0, 1), 4) for _ in range(DIMENSION)]
    label = 1 if x[0] - 2 * x[1] + 0.5 * x[2] + rng.gauss(0, 0.3) > 0 else 0
    return json.dumps({"contributor": contributor, "features": x, "label": label,
                       "time": 1764763200000 + sequence * 10,
                       "id": f"s-{sequence}"}).encode()


class Sent:
    """What the test produced, with the place each record landed."""

    def __init__(self):
        self.valid_by_contributor = {c: 0 for c in CONTRIBUTORS}
        self.malformed = []  # (topic, partition, offset, key, value, reason)
        self.records_per_topic = {SAMPLES_TOPIC: 0, CONTRIBUTORS_TOPIC: 0}

    @property
    def valid(self):
        return sum(self.valid_by_contributor.values())


class ServiceEndToEndTest(unittest.TestCase):

    def setUp(self):
        self.processes = []
        self.directory = tempfile.mkdtemp(prefix="anml-e2e-")
        self.state_dir = os.path.join(self.directory, "state")
        self.rng = random.Random(5)
        self.sequence = 0
        self.sent = Sent()
        self.bootstrap = self.start_broker()

    def tearDown(self):
        for process, log in reversed(self.processes):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
            if log is not None:
                log.close()
        if self._failed():
            for name in sorted(os.listdir(self.directory)):
                if name.endswith(".log"):
                    with open(os.path.join(self.directory, name), errors="replace") as f:
                        tail = f.read()[-4000:]
                    sys.stderr.write(f"\n--- {name} (tail) ---\n{tail}\n")
        shutil.rmtree(self.directory, ignore_errors=True)

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return True
        return any(test is self for test, _ in result.failures + result.errors)

    # Processes.

    def start_broker(self):
        log = open(os.path.join(self.directory, "broker.log"), "w")
        broker = subprocess.Popen([ANML, "broker", "--partitions", "2"], stdout=subprocess.PIPE,
                                  stderr=log, text=True)
        self.processes.append((broker, log))
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(broker.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            self.fail(f"anml broker printed no bootstrap line within {START_TIMEOUT_S} s")
        self.assertTrue(line.startswith("bootstrap="), f"unexpected broker line {line!r}")
        return line.strip().split("=", 1)[1]

    def start_engine(self, name, group_id=None):
        """Starts `anml run` with options from all three sources; `group_id`,
        when given, comes from ANML_GROUP_ID over the file's."""
        self.http_port = free_port()
        file_port = free_port()
        config = os.path.join(self.directory, "anml.conf")
        with open(config, "w") as f:
            f.write("# Below the environment and the flags.\n"
                    f"group-id = {GROUP_ID}\n"
                    "dimension = 2\n"  # The flag's 4 must win.
                    f"http-address = \"127.0.0.1:{file_port}\"\n"  # The environment's wins.
                    "poll_timeout_ms = 50\n")
        env = dict(os.environ)
        env["ANML_HTTP_ADDRESS"] = f"127.0.0.1:{self.http_port}"
        env["ANML_STATE_DIR"] = self.state_dir
        env["ANML_CONFIG"] = config
        if group_id is not None:
            env["ANML_GROUP_ID"] = group_id
        log = open(os.path.join(self.directory, f"{name}.log"), "w")
        engine = subprocess.Popen(
            [ANML, "run", "--brokers", self.bootstrap, "--dimension", str(DIMENSION),
             "--batch-size", "200"], stdout=log, stderr=subprocess.STDOUT, env=env)
        self.processes.append((engine, log))
        self.engine = engine
        self.wait_ready()
        status, _ = http_get(file_port, "/healthz")
        self.assertEqual(status, 0, "the config file's http-address must lose to ANML_*")
        return engine

    def wait_ready(self):
        last = [None]

        def ready():
            self.assertIsNone(self.engine.poll(), "anml run exited while starting")
            last[0] = http_get(self.http_port, "/readyz")
            return last[0][0] == 200

        wait_for("/readyz to answer 200", ready, READY_TIMEOUT_S,
                 lambda: f"last answer {last[0]}")
        self.assertEqual(http_get(self.http_port, "/healthz"), (200, "ok\n"))

    def stop_engine(self):
        started = time.monotonic()
        self.engine.send_signal(signal.SIGTERM)
        try:
            code = self.engine.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.fail(f"anml run still running {STOP_TIMEOUT_S} s after SIGTERM")
        self.assertEqual(code, 0, "anml run must exit 0 on SIGTERM")
        return time.monotonic() - started

    # Producing.

    def produce(self, records):
        """Produces (topic, key, value, reason-or-None) and records where each landed."""
        errors = []
        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 5,
                             "enable.idempotence": True})

        def delivered(topic, key, value, reason):
            def report(error, message):
                if error is not None:
                    errors.append(error)
                elif reason is not None:
                    self.sent.malformed.append((topic, message.partition(), message.offset(),
                                                key, value, reason))
            return report

        for topic, key, value, reason in records:
            producer.produce(topic, key=key, value=value,
                             on_delivery=delivered(topic, key, value, reason))
            self.sent.records_per_topic[topic] += 1
            producer.poll(0)
        remaining = producer.flush(30)
        self.assertEqual(remaining, 0, "records not delivered within 30 s")
        self.assertEqual(errors, [], "delivery errors")

    def valid_samples(self, count):
        records = []
        names = list(CONTRIBUTORS)
        for _ in range(count):
            contributor = names[self.sequence % len(names)]
            records.append((SAMPLES_TOPIC, contributor.encode(),
                            sample_value(contributor, self.sequence, self.rng), None))
            self.sent.valid_by_contributor[contributor] += 1
            self.sequence += 1
        return records

    def metadata(self):
        records = []
        for contributor, claim in CONTRIBUTORS.items():
            if claim is not None:
                value = json.dumps({"verification": claim[0], "reputation": claim[1]})
                records.append((CONTRIBUTORS_TOPIC, contributor.encode(), value.encode(), None))
        for key, value, reason in MALFORMED_METADATA:
            records.append((CONTRIBUTORS_TOPIC, key, value, reason))
        return records

    # Reading.

    def scrape(self):
        status, body = http_get(self.http_port, "/metrics")
        self.assertEqual(status, 200, f"/metrics answered {status}: {body[:200]}")
        return parse_metrics(body)

    def wait_for_counts(self, processed, dead_samples, dead_total):
        """Waits until the counters reach exactly these values and stay there."""
        last = [{}]

        def counts():
            m = self.scrape()
            last[0] = m
            return (metric_sum(m, "anml_samples_total", outcome="trained") +
                    metric_sum(m, "anml_samples_total", outcome="heldout"),
                    metric_sum(m, "anml_samples_total", outcome="dead_letter"),
                    metric_sum(m, "anml_dead_letters_total"))

        want = (processed, dead_samples, dead_total)
        wait_for(f"(trained + heldout, dead-letter samples, dead letters) = {want}",
                 lambda: all(a >= b for a, b in zip(counts(), want)), PROCESS_TIMEOUT_S,
                 lambda: f"last seen {counts()}")
        time.sleep(SETTLE_S)
        self.assertEqual(counts(), want, "counters moved past what was sent")
        return last[0]

    def consume_all(self, topic, until):
        """Every record of `topic` from the beginning, read until `until(records)`
        holds and the topic has been quiet for a second."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap,
                             "group.id": f"e2e-reader-{topic}-{time.monotonic_ns()}",
                             "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        try:
            metadata = consumer.list_topics(topic, timeout=10)
            partitions = metadata.topics[topic].partitions
            consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
            records = []
            deadline = time.monotonic() + PROCESS_TIMEOUT_S
            quiet_since = time.monotonic()
            while time.monotonic() < deadline:
                message = consumer.poll(0.2)
                if message is None:
                    if until(records) and time.monotonic() - quiet_since > 1.0:
                        return records
                    continue
                self.assertIsNone(message.error(), f"reading {topic}: {message.error()}")
                records.append(message)
                quiet_since = time.monotonic()
            self.fail(f"reading {topic}: condition not met within {PROCESS_TIMEOUT_S} s "
                      f"({len(records)} records)")
        finally:
            consumer.close()

    def inspect(self, *arguments):
        result = subprocess.run([ANML, "inspect", "--state", self.state_dir, "--json",
                                 *arguments], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, f"anml inspect failed: {result.stderr}")
        return json.loads(result.stdout)

    # Checks.

    def check_dead_letter_metrics(self, metrics, expected):
        by_reason = {}
        for _, _, _, _, _, reason in expected:
            by_reason[reason] = by_reason.get(reason, 0) + 1
        for reason, count in by_reason.items():
            self.assertEqual(metric_sum(metrics, "anml_dead_letters_total", reason=reason),
                             count, f"anml_dead_letters_total{{reason={reason!r}}}")

    def check_dead_letter_topic(self):
        expected = self.sent.malformed
        records = self.consume_all(DEADLETTER_TOPIC, lambda r: len(r) >= len(expected))
        self.assertEqual(len(records), len(expected), "one dead letter per malformed record")
        by_source = {(t, p, o): (k, v, reason) for t, p, o, k, v, reason in expected}
        for record in records:
            headers = {k: (v or b"").decode() for k, v in (record.headers() or [])}
            for name in DEADLETTER_HEADERS:
                self.assertIn(name, headers, f"dead letter at offset {record.offset()}")
            source = (headers["anml.source.topic"], int(headers["anml.source.partition"]),
                      int(headers["anml.source.offset"]))
            self.assertIn(source, by_source, f"dead letter names an unknown source {source}")
            key, value, reason = by_source.pop(source)
            self.assertEqual(headers["anml.error.reason"], reason, f"reason of {value!r}")
            self.assertTrue(headers["anml.error.message"], f"message of {value!r}")
            self.assertEqual(record.value() or b"", value, "dead letter keeps the original bytes")
            self.assertEqual(record.key(), key, "dead letter keeps the original key")
        self.assertEqual(by_source, {}, "malformed records without a dead letter")

    def check_weights_topic(self):
        names = set(CONTRIBUTORS)
        records = self.consume_all(
            WEIGHTS_TOPIC, lambda r: {m.key().decode() for m in r} >= names)
        latest = {}
        for record in records:
            value = json.loads(record.value())
            self.assertEqual(set(value), WEIGHT_FIELDS, f"fields of {value}")
            self.assertEqual(record.key().decode(), value["contributor"])
            latest[value["contributor"]] = value
        self.assertEqual(set(latest), names, "one weight per contributor, no other keys")
        for contributor, value in latest.items():
            claim = CONTRIBUTORS[contributor]
            expected_v = VERIFICATION_FACTOR[claim[0] if claim else "unverified"]
            self.assertAlmostEqual(value["v"], expected_v, msg=f"v of {contributor}")
            self.assertGreater(value["sample_count"], 0, contributor)
            self.assertLessEqual(value["sample_count"],
                                 self.sent.valid_by_contributor[contributor], contributor)
            self.assertGreaterEqual(value["weight"], 0, contributor)
            self.assertIsInstance(value["served_scheme"], str)

    def check_state(self):
        """The stopped store's offsets and per-contributor counts."""
        summary = self.inspect()
        next_offsets = sum(o["next"] for o in summary["offsets"] if o["topic"] == SAMPLES_TOPIC)
        self.assertEqual(next_offsets, self.sent.records_per_topic[SAMPLES_TOPIC],
                         f"stored offsets {summary['offsets']} must be past every sample")
        total = 0
        for contributor, sent in self.sent.valid_by_contributor.items():
            record = self.inspect("--contributor", contributor)["contributor"]["record"]
            self.assertIsNotNone(record, f"no stored record for {contributor}")
            counted = record["samples"] + record["heldout_samples"]
            self.assertEqual(counted, sent, f"samples of {contributor} in the state store")
            total += counted
        self.assertEqual(total, self.sent.valid)

    # The test.

    def test_run_stop_restart_resumes_at_stored_offsets(self):
        malformed = [(SAMPLES_TOPIC, k, v, reason) for k, v, reason in MALFORMED_SAMPLES * 2]
        self.produce(self.metadata())
        samples = self.valid_samples(FIRST_BATCH)
        for i, record in enumerate(malformed):  # Spread through the stream.
            samples.insert((i + 1) * len(samples) // (len(malformed) + 1), record)
        self.produce(samples)
        dead_samples = len(malformed)
        dead_metadata = len(MALFORMED_METADATA)

        self.start_engine("run1")
        metrics = self.wait_for_counts(FIRST_BATCH, dead_samples, dead_samples + dead_metadata)
        self.check_dead_letter_metrics(metrics, self.sent.malformed)
        self.check_dead_letter_topic()
        self.check_weights_topic()
        self.assertLess(self.stop_engine(), STOP_TIMEOUT_S)
        self.check_state()

        # While the engine is down: more valid samples and one more bad one.
        more_malformed = [(SAMPLES_TOPIC, k, v, reason) for k, v, reason in MALFORMED_SAMPLES[:1]]
        self.produce(self.valid_samples(SECOND_BATCH) + more_malformed)

        # A new consumer group: it has no committed offsets, so only the
        # offsets in the state store can place the engine. (The embedded
        # broker also keeps a closed member in its group until the session
        # times out, about 45 s, which a restart into the same group would
        # have to wait for.)
        self.start_engine("run2", group_id=GROUP_ID + "-restarted")
        # The contributors topic is compacted state, re-read from the
        # beginning at every start, so its bad record is dead-lettered again.
        self.wait_for_counts(SECOND_BATCH, len(more_malformed),
                             len(more_malformed) + dead_metadata)
        self.stop_engine()
        self.check_state()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ANML = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
