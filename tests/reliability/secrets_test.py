"""Secrets never reach the log.

Starts `anml broker`, then `anml run` with SASL credentials passed through
--kafka (security.protocol=SASL_PLAINTEXT, sasl.username, sasl.password) at
--log-level debug. The embedded broker speaks no SASL, so the clients fail
to authenticate and log about it; the test checks that the password (a
fresh random token) appears nowhere in stdout or stderr, in whatever
encoding, while the username (not a secret) may. The same password given
through ANML_KAFKA and a --config file is checked too.

Usage: secrets_test.py --anml build/anml
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
import unittest

import anml_processes as procs

ANML = "build/anml"
RUN_SECONDS = 8


class SecretsTest(unittest.TestCase):

    def setUp(self):
        self.broker = procs.Broker(ANML)
        self.state = tempfile.TemporaryDirectory(prefix="anml-secrets-test-")
        self.password = "pw-" + secrets.token_hex(16)

    def tearDown(self):
        self.broker.stop()
        self.state.cleanup()

    def run_engine(self, extra_args, env=None):
        engine = procs.Engine(ANML, [
            "--brokers", self.broker.bootstrap, "--state-dir", self.state.name,
            "--dimension", "4", "--http-address", "127.0.0.1:0", "--log-level", "debug",
            *extra_args], env=env)
        time.sleep(RUN_SECONDS)
        if engine.process.poll() is None:
            engine.kill()  # A run that cannot authenticate may not stop on SIGTERM soon.
        else:
            engine.wait(10)
        return engine.text()

    def assert_no_secret(self, log):
        self.assertGreater(len(log), 0, "anml run printed nothing")
        for form in {self.password, self.password.upper(), self.password[3:]}:
            self.assertNotIn(form, log)
        self.assertNotIn(self.password.encode().hex(), log)

    def sasl_args(self, password):
        return ["--kafka", "security.protocol=SASL_PLAINTEXT", "--kafka", "sasl.mechanism=PLAIN",
                "--kafka", "sasl.username=anml-test", "--kafka", f"sasl.password={password}"]

    def test_password_on_the_command_line_is_not_logged(self):
        log = self.run_engine(self.sasl_args(self.password))
        self.assertIn("sasl", log.lower(), "the run did not get as far as using SASL")
        self.assert_no_secret(log)

    def test_password_from_environment_and_config_file_is_not_logged(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as config:
            config.write(f'kafka = "sasl.password={self.password}"\n')
        try:
            env = dict(os.environ, ANML_KAFKA=f"sasl.password={self.password}")
            log = self.run_engine(["--config", config.name, "--kafka",
                                   "security.protocol=SASL_PLAINTEXT", "--kafka",
                                   "sasl.mechanism=PLAIN", "--kafka", "sasl.username=anml-test"],
                                  env=env)
        finally:
            os.unlink(config.name)
        self.assert_no_secret(log)


def main():
    global ANML
    parser = argparse.ArgumentParser()
    parser.add_argument("--anml", required=True)
    args, rest = parser.parse_known_args()
    ANML = args.anml
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
