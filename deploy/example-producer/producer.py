#!/usr/bin/env python3
"""An example stream for anml: contributors and their samples.

Publishes each contributor's metadata to the contributors topic, then sends
binary-labelled samples to the samples topic, keyed by contributor id, in
the JSON form of DESIGN.md section 4 (connectors/sample_codec.h):

  contributors: key "lab-03", value {"verification": "verified",
                                     "reputation": 0.82}
  samples:      key "lab-03", value {"contributor": "lab-03",
                                     "features": [...], "label": 1,
                                     "time": <epoch ms>, "id": "lab-03-17"}

Every contributor draws features from one hidden linear model; the first
--bad contributors flip each label with probability --flip-rate. With
--fake-credentials the bad ones also claim to be verified with a high
reputation, the attack anml's gate is meant to see through. Watch the
weights topic: the flipping contributors' weights fall below the others'.

The stream is seeded and paced (--rate samples per second); --count 0
sends until SIGTERM or Ctrl-C. The dimension must equal anml's
ANML_DIMENSION.
"""

import argparse
import json
import math
import os
import random
import signal
import sys
import time

from confluent_kafka import Producer

_stop = False


def _request_stop(_signum, _frame):
    global _stop
    _stop = True


def parse_args(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", default=env("BOOTSTRAP_SERVERS", "localhost:29092"))
    parser.add_argument("--samples-topic", default=env("SAMPLES_TOPIC", "anml.samples"))
    parser.add_argument("--contributors-topic",
                        default=env("CONTRIBUTORS_TOPIC", "anml.contributors"))
    parser.add_argument("--dimension", type=int, default=int(env("DIMENSION", "8")))
    parser.add_argument("--contributors", type=int, default=int(env("CONTRIBUTORS", "20")))
    parser.add_argument("--bad", type=int, default=int(env("BAD_CONTRIBUTORS", "6")))
    parser.add_argument("--flip-rate", type=float, default=float(env("FLIP_RATE", "0.4")))
    parser.add_argument("--fake-credentials", action="store_true",
                        default=env("FAKE_CREDENTIALS", "") == "1")
    parser.add_argument("--rate", type=float, default=float(env("RATE", "200")))
    parser.add_argument("--count", type=int, default=int(env("COUNT", "0")))
    parser.add_argument("--seed", type=int, default=int(env("SEED", "1")))
    args = parser.parse_args(argv)
    if args.dimension < 1 or args.contributors < 1 or args.rate <= 0:
        parser.error("--dimension, --contributors and --rate must be positive")
    if not 0 <= args.bad <= args.contributors:
        parser.error("--bad must be between 0 and --contributors")
    return args


def contributor_ids(count):
    return [f"lab-{i:02d}" for i in range(count)]


def metadata(index, args, rng):
    """Honest contributors are verified or pending with a fair reputation;
    bad ones are unverified with a poor one, unless they fake credentials."""
    if index < args.bad and not args.fake_credentials:
        return {"verification": "unverified", "reputation": round(rng.uniform(0.2, 0.4), 3)}
    level = "verified" if index % 3 else "pending"
    return {"verification": level, "reputation": round(rng.uniform(0.7, 0.95), 3)}


def sample(contributor, is_bad, number, truth, args, rng):
    features = [round(rng.gauss(0.0, 1.0), 4) for _ in truth]
    margin = sum(w * x for w, x in zip(truth, features))
    label = 1 if rng.random() < 1.0 / (1.0 + math.exp(-4.0 * margin)) else 0
    if is_bad and rng.random() < args.flip_rate:
        label = 1 - label
    return {"contributor": contributor, "features": features, "label": label,
            "time": int(time.time() * 1000), "id": f"{contributor}-{number}"}


class DeliveryReport:
    """Counts acknowledged and failed sends; a failure is printed, never lost."""

    def __init__(self):
        self.delivered = 0
        self.failed = 0

    def __call__(self, error, message):
        if error is None:
            self.delivered += 1
            return
        self.failed += 1
        print(f"send to {message.topic()} failed: {error}", file=sys.stderr)


def send(producer, topic, key, value, report):
    while True:
        try:
            producer.produce(topic, key=key.encode(), value=json.dumps(value).encode(),
                             on_delivery=report)
            return
        except BufferError:
            producer.poll(0.1)  # The local queue is full: wait for acks.


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    rng = random.Random(args.seed)
    truth = [rng.gauss(0.0, 1.0) / math.sqrt(args.dimension) for _ in range(args.dimension)]
    ids = contributor_ids(args.contributors)
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 20})
    report = DeliveryReport()

    for index, contributor in enumerate(ids):
        send(producer, args.contributors_topic, contributor, metadata(index, args, rng), report)
    producer.flush(30)
    print(f"published metadata of {len(ids)} contributors "
          f"({args.bad} flip labels at rate {args.flip_rate})", flush=True)

    start = time.monotonic()
    sent = 0
    while not _stop and (args.count == 0 or sent < args.count):
        index = rng.randrange(len(ids))
        record = sample(ids[index], index < args.bad, sent, truth, args, rng)
        send(producer, args.samples_topic, ids[index], record, report)
        sent += 1
        producer.poll(0)
        if sent % 1000 == 0:
            print(f"sent {sent} samples, {report.failed} failed", flush=True)
        ahead = sent / args.rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)

    remaining = producer.flush(30)
    print(f"stopped after {sent} samples: {report.delivered} delivered, "
          f"{report.failed} failed, {remaining} unacknowledged", flush=True)
    return 0 if report.failed == 0 and remaining == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
