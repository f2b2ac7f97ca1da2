"""Processes for the reliability tests: `anml broker`, `anml run`, a paced
producer of samples that counts what the broker acknowledged, and
`anml inspect`.

Used by crash_test.py and secrets_test.py; not a test itself.
"""

import json
import os
import random
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

from confluent_kafka import Consumer, Producer, TopicPartition

SAMPLES_TOPIC = "anml.samples"
DIMENSION = 4


class Broker:
    """`anml broker`: the embedded cluster as its own process."""

    def __init__(self, anml, partitions=4):
        self.process = subprocess.Popen(
            [anml, "broker", "--partitions", str(partitions)], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("bootstrap="):
            self.stop()
            raise RuntimeError(f"anml broker printed {line!r}, expected bootstrap=...")
        self.bootstrap = line.split("=", 1)[1]

    def watermarks(self, topic=SAMPLES_TOPIC, partitions=4):
        """The high watermark of every partition of `topic`."""
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "watermarks"})
        try:
            return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                    for p in range(partitions)}
        finally:
            consumer.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process.stdout.close()


class Engine:
    """`anml run` with its combined log collected by a thread."""

    def __init__(self, anml, args, env=None):
        self.process = subprocess.Popen([anml, "run", *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env)
        self.log = []
        self.port = None
        self.started = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", errors="replace")
            self.log.append(line)
            match = re.search(r"metrics on port (\d+)", line)
            if match:
                self.port = int(match.group(1))
                self.started.set()

    def text(self):
        return "".join(self.log)

    def metric(self, name):
        """The sum of every series of `name`, or None while unreachable."""
        if self.port is None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics",
                                        timeout=5) as response:
                body = response.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None
        return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                   if line.startswith(name + "{") or line.startswith(name + " "))

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        return self.wait(30)

    def terminate(self, seconds=60):
        self.process.send_signal(signal.SIGTERM)
        return self.wait(seconds)

    def wait(self, seconds):
        code = self.process.wait(timeout=seconds)
        self.reader.join(timeout=10)
        self.process.stdout.close()
        return code


def sample(rng, contributor, number):
    features = [round(rng.uniform(-2, 2), 4) for _ in range(DIMENSION)]
    label = 1 if sum(features) + rng.gauss(0, 0.5) > 0 else 0
    return json.dumps({"contributor": contributor, "features": features, "label": label,
                       "time": 1_764_763_200_000 + number, "id": f"s-{number}"})


class PacedProducer:
    """Sends samples of `contributors` at `rate` per second from a thread,
    with an idempotent producer, and counts per contributor the samples the
    broker acknowledged. A sample whose delivery failed is counted in
    `failed`, never in `acknowledged`."""

    def __init__(self, bootstrap, contributors, rate, seed):
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                                  "linger.ms": 5})
        self.contributors = contributors
        self.rate = rate
        self.rng = random.Random(seed)
        self.acknowledged = {c: 0 for c in contributors}
        self.failed = 0
        self.sent = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()

    def _delivered(self, error, message):
        if error is None:
            self.acknowledged[message.key().decode("utf-8")] += 1
        else:
            self.failed += 1

    def _run(self):
        start = time.monotonic()
        while not self.stopping.is_set():
            due = int((time.monotonic() - start) * self.rate)
            while self.sent < due:
                contributor = self.rng.choice(self.contributors)
                self.producer.produce(SAMPLES_TOPIC, key=contributor.encode("utf-8"),
                                      value=sample(self.rng, contributor, self.sent),
                                      on_delivery=self._delivered)
                self.sent += 1
            self.producer.poll(0.01)

    def stop(self):
        """Stops sending and waits for every acknowledgement."""
        self.stopping.set()
        self.thread.join()
        remaining = self.producer.flush(60)
        if remaining:
            raise RuntimeError(f"{remaining} samples unacknowledged after 60 s")
        return sum(self.acknowledged.values())


def inspect(anml, state_dir, contributor=None):
    args = [anml, "inspect", "--state", state_dir, "--json"]
    if contributor is not None:
        args += ["--contributor", contributor]
    result = subprocess.run(args, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"anml inspect failed: {result.stderr.decode(errors='replace')}")
    return json.loads(result.stdout)


def committed_offsets(anml, state_dir, topic=SAMPLES_TOPIC):
    """The next offset per partition the state store has committed."""
    if not os.path.exists(os.path.join(state_dir, "CURRENT")):
        return {}
    return {o["partition"]: o["next"] for o in inspect(anml, state_dir)["offsets"]
            if o["topic"] == topic}


def stored_samples(anml, state_dir, contributor):
    """Trained plus held-out samples in the contributor's stored record."""
    record = inspect(anml, state_dir, contributor)["contributor"]["record"]
    return 0 if record is None else record["samples"] + record["heldout_samples"]
