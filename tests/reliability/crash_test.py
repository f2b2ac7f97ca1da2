"""Crash test of the whole service: SIGKILL at random points under load.

Starts `anml broker` and a producer that sends samples of 16 contributors
at a steady rate. Runs `anml run` on one state directory, SIGKILLs it at a
seeded random moment (during start-up, mid-batch, mid-commit: wherever it
is), and restarts it, CRASHES times while the producer keeps sending. Then
stops the producer, lets a last `anml run` catch up and stop cleanly, and
checks with `anml inspect --json`:
- a SIGTERM while the engine is still starting up (joining the group a
  killed member left behind) exits cleanly, three times;
- the committed input offsets equal the broker's high watermarks (every
  acknowledged sample was consumed exactly up to the end);
- each contributor's stored sample count (trained + held out) equals
  exactly the samples the broker acknowledged for it: nothing lost by a
  crash, nothing counted twice by a replay.
Prints "crashes survived: N" and how many kills landed after progress.

Usage: crash_test.py --anml build/anml [--crashes 15] [--seed 9]
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
import unittest

import anml_processes as procs

ANML = "build/anml"
CRASHES = 15
SEED = 9
STARTUP_STOPS = 3
CONTRIBUTORS = [f"lab-{i:02d}" for i in range(15)] + ["lab-ü"]
RATE = 800  # Samples per second while the engine is being killed.


class CrashTest(unittest.TestCase):

    def setUp(self):
        self.state = tempfile.mkdtemp(prefix="anml-crash-test-")
        self.broker = procs.Broker(ANML)
        self.engine = None

    def tearDown(self):
        if self.engine is not None and self.engine.process.poll() is None:
            self.engine.kill()  # Only reached when a check failed first.
        self.broker.stop()
        shutil.rmtree(self.state, ignore_errors=True)

    def start_engine(self):
        self.engine = procs.Engine(ANML, [
            "--brokers", self.broker.bootstrap, "--state-dir", self.state,
            "--dimension", str(procs.DIMENSION), "--http-address", "127.0.0.1:0",
            "--batch-size", "200", "--log-level", "info",  # The port is read from an INFO line.
           
            # A killed member leaves the group when its session times out;
            # a short session keeps each restart's rebalance short. (Static
            # membership would skip the wait, but librdkafka 2.0.2's mock
            # cluster never assigns a restarted static member.)
            "--kafka", "session.timeout.ms=6000", "--kafka", "heartbeat.interval.ms=1000"])

    def wait_until_consuming(self, seconds):
        """True once the engine is ready (partitions assigned, polls
        answered) and has applied a sample."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.engine.metric("anml_ready") == 1 and \
                    (self.engine.metric("anml_samples_total") or 0) > 0:
                return True
            if self.engine.process.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def catch_up(self, watermarks):
        """Runs the engine until it has applied every sample between its
        committed offsets and `watermarks`, then stops it with SIGTERM.
        Returns the committed offsets after the stop."""
        remaining = sum(watermarks.values()) - \
            sum(procs.committed_offsets(ANML, self.state).values())
        self.start_engine()
        self.assertTrue(self.wait_until_consuming(90), self.engine.text()[-3000:])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if (self.engine.metric("anml_samples_total") or 0) >= remaining:
                break
            time.sleep(0.5)
        self.assertEqual(self.engine.terminate(), 0, self.engine.text()[-3000:])
        return procs.committed_offsets(ANML, self.state)

    def test_counts_survive_repeated_sigkill(self):
        rng = random.Random(SEED)
        producer = procs.PacedProducer(self.broker.bootstrap, CONTRIBUTORS, RATE, SEED)
        producer.start()
        progressed = 0
        committed = 0
        for crash in range(CRASHES):
            self.start_engine()
            # One kill in four lands during start-up (state recovery,
            # contributors catch-up, group join); the others while samples
            # flow, at a random point of a step (poll, apply, commit).
            if rng.random() < 0.25:
                time.sleep(rng.uniform(0.05, 3.0))
            else:
                self.assertTrue(self.wait_until_consuming(60), self.engine.text()[-3000:])
                time.sleep(rng.uniform(0.0, 1.5))
            self.assertIsNone(self.engine.process.poll(),
                              f"anml run exited by itself before kill {crash + 1}:\n" +
                              self.engine.text()[-3000:])
            self.engine.kill()
            now = sum(procs.committed_offsets(ANML, self.state).values())
            progressed += now > committed
            committed = now

        # A stop while joining: librdkafka 2.0.2 aborts if a cooperative-
        # sticky member is destroyed between joining and its first
        # assignment, so the samples source waits for that assignment.
        for stop in range(STARTUP_STOPS):
            self.start_engine()
            time.sleep(rng.uniform(2.5, 7.0))
            self.assertEqual(self.engine.terminate(), 0,
                             f"SIGTERM during start-up {stop + 1}:\n" +
                             self.engine.text()[-3000:])

        acknowledged = producer.stop()
        self.assertEqual(producer.failed, 0, "the producer saw delivery failures")
        watermarks = self.broker.watermarks()
        self.assertEqual(sum(watermarks.values()), acknowledged,
                         "the broker holds other than what it acknowledged")
        offsets = self.catch_up(watermarks)
        self.assertEqual(offsets, watermarks, "committed offsets short of the topic's end")

        for contributor in CONTRIBUTORS:
            with self.subTest(contributor=contributor):
                self.assertEqual(procs.stored_samples(ANML, self.state, contributor),
                                 producer.acknowledged[contributor])
        print(f"\ncrashes survived: {CRASHES} ({progressed} after committed progress); "
              f"stops during start-up: {STARTUP_STOPS}, each exit 0; "
              f"samples produced: {acknowledged}, all counted exactly once", flush=True)
        self.assertGreater(progressed, CRASHES // 3, "too few kills landed under load")


def main():
    global ANML, CRASHES, SEED
    parser = argparse.ArgumentParser()
    parser.add_argument("--anml", required=True)
    parser.add_argument("--crashes", type=int, default=CRASHES)
    parser.add_argument("--seed", type=int, default=SEED)
    args, rest = parser.parse_known_args()
    ANML, CRASHES, SEED = args.anml, args.crashes, args.seed
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
