"""The demo catches the bad contributors: `anml demo --seconds 20` must end
with the label-flipping (lab-flip) and credential-faking (lab-faker)
contributors among the three lowest weights of its Summary table, a table
sorted by weight, and no bad contributor reported MISSED.

This is the issue's acceptance check for the demo, run as a user would run
it: the built binary, its own embedded broker, its default seed.

Usage: demo_test.py PATH_TO_ANML [unittest arguments]
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ANML = None  # Set from argv in __main__.
SECONDS = 20
TIMEOUT_S = SECONDS + 60
FLIPPER = "lab-flip"
FAKER = "lab-faker"
# A Summary row ends with: weight q v r T samples attribution.
NUMERIC_COLUMNS = 7


def summary_rows(output):
    """[(contributor, weight)] of the Summary table, in printed order."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Summary:")), None)
    if start is None:
        raise AssertionError("the demo printed no Summary")
    header = start + 1
    if not lines[header].split()[:2] == ["contributor", "role"]:
        raise AssertionError(f"unexpected Summary header {lines[header]!r}")
    rows = []
    for line in lines[header + 1:]:
        if not line.strip():
            break
        fields = line.split()
        rows.append((fields[0], float(fields[-NUMERIC_COLUMNS])))
    return rows


class DemoTest(unittest.TestCase):

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="anml-demo-test-")

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def test_demo_ranks_label_flipper_and_credential_faker_lowest(self):
        result = subprocess.run(
            [ANML, "demo", "--seconds", str(SECONDS), "--state-dir",
             os.path.join(self.directory, "state")],
            capture_output=True, text=True, timeout=TIMEOUT_S)
        output = result.stdout
        context = f"\n--- stdout ---\n{output[-3000:]}\n--- stderr ---\n{result.stderr[-2000:]}"
        self.assertEqual(result.returncode, 0, "anml demo failed" + context)

        rows = summary_rows(output)
        weights = [weight for _, weight in rows]
        self.assertEqual(weights, sorted(weights, reverse=True),
                         "Summary not sorted by weight" + context)
        lowest = {contributor for contributor, _ in rows[-3:]}
        self.assertIn(FLIPPER, lowest, "label flipper not among the 3 lowest" + context)
        self.assertIn(FAKER, lowest, "credential faker not among the 3 lowest" + context)

        verdicts = [line.strip() for line in output.splitlines()
                    if line.strip().startswith(("caught ", "MISSED "))]
        self.assertFalse([v for v in verdicts if v.startswith("MISSED ")],
                         "a bad contributor was missed" + context)
        caught = {verdict.split()[1] for verdict in verdicts}
        self.assertLessEqual({FLIPPER, FAKER}, caught, "no verdict line" + context)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ANML = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
