"""End to end: the compose file's engine settings with the example producer.

Starts `anml run` with the environment deploy/compose.yaml gives the anml
service, except that the brokers are the embedded broker, the state is a
temporary directory and the HTTP port is a free one. Runs
deploy/example-producer/producer.py against it and checks:
- every sample the producer sends is decoded and applied, none is a dead
  letter (the producer speaks the record format anml accepts);
- every contributor's weight reaches the weights topic (read with kcat);
- /readyz answers 200 while it runs, and SIGTERM makes it exit 0.

Usage: python3 example_producer_test.py --anml build/anml --source-dir .
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import yaml

ANML = "build/anml"
ROOT = "."
SAMPLES = 2000
CONTRIBUTORS = 12


def compose_anml_environment():
    with open(os.path.join(ROOT, "deploy/compose.yaml"), encoding="utf-8") as f:
        services = yaml.safe_load(f)["services"]
    return ({k: str(v) for k, v in services["anml"]["environment"].items()},
            {k: str(v) for k, v in services["producer"]["environment"].items()})


def metric_sum(text, name, label=None):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (label is None or label in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class ExampleProducerTest(unittest.TestCase):

    def setUp(self):
        self.state = tempfile.TemporaryDirectory(prefix="anml-deploy-test-")
        anml_env, self.producer_env = compose_anml_environment()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANML_")}
        env.update(anml_env)
        env.update({"ANML_BROKERS": "embedded", "ANML_STATE_DIR": self.state.name,
                    "ANML_HTTP_ADDRESS": "127.0.0.1:0", "ANML_LOG_LEVEL": "info"})
        self.engine = subprocess.Popen([ANML, "run"], env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True)
        self.log = []
        self.found = {}
        self.started = threading.Event()
        threading.Thread(target=self.read_log, daemon=True).start()
        self.assertTrue(self.started.wait(60), "anml did not start:\n" + "".join(self.log))

    def read_log(self):
        for line in self.engine.stdout:
            self.log.append(line)
            match = re.search(r"embedded broker serving at (\S+)", line)
            if match:
                self.found["bootstrap"] = match.group(1)
            match = re.search(r"metrics on port (\d+)", line)
            if match:
                self.found["port"] = int(match.group(1))
                self.started.set()

    def tearDown(self):
        if self.engine.poll() is None:
            self.engine.kill()  # Only reached when a check failed first.
            self.engine.wait()
        self.engine.stdout.close()
        self.state.cleanup()

    def wait_for(self, condition, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.5)
        self.fail(f"timed out waiting for {what}; log:\n" + "".join(self.log[-30:]))

    def test_producer_stream_is_learned_and_weights_published(self):
        port, bootstrap = self.found["port"], self.found["bootstrap"]
        self.wait_for(lambda: http_get(port, "/readyz")[0] == 200, 60, "/readyz 200")

        producer = subprocess.run(
            ["/usr/bin/python3", os.path.join(ROOT, "deploy/example-producer/producer.py"),
             "--bootstrap", bootstrap, "--dimension", self.producer_env["DIMENSION"],
             "--contributors", str(CONTRIBUTORS), "--bad", "3",
             "--count", str(SAMPLES), "--rate", "2000"],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(producer.returncode, 0, producer.stdout + producer.stderr)
        self.assertIn(f"stopped after {SAMPLES} samples: {SAMPLES + CONTRIBUTORS} "
                      "delivered, 0 failed, 0 unacknowledged", producer.stdout)

        def applied():
            metrics = http_get(port, "/metrics")[1]
            return metric_sum(metrics, "anml_samples_total") >= SAMPLES
        self.wait_for(applied, 60, f"{SAMPLES} samples applied")
        metrics = http_get(port, "/metrics")[1]
        self.assertEqual(metric_sum(metrics, "anml_dead_letters_total"), 0.0)
        self.assertEqual(metric_sum(metrics, "anml_samples_total", 'outcome="dead_letter"'), 0.0)

        weights = subprocess.run(
            ["kcat", "-b", bootstrap, "-C", "-t", anml_topic("WEIGHTS"), "-o", "beginning",
             "-e", "-q", "-f", "%k\n"], capture_output=True, text=True, timeout=60)
        self.assertEqual(weights.returncode, 0, weights.stderr)
        keys = set(weights.stdout.split())
        self.assertEqual(keys, {f"lab-{i:02d}" for i in range(CONTRIBUTORS)})

        self.engine.send_signal(signal.SIGTERM)
        self.assertEqual(self.engine.wait(timeout=60), 0, "".join(self.log[-30:]))
        self.assertTrue(any("stopped cleanly" in line for line in self.log))


def anml_topic(role):
    return compose_anml_environment()[0][f"ANML_{role}_TOPIC"]


def main():
    global ANML, ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--anml", required=True)
    parser.add_argument("--source-dir", required=True)
    args, rest = parser.parse_known_args()
    ANML, ROOT = os.path.abspath(args.anml), os.path.abspath(args.source_dir)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
