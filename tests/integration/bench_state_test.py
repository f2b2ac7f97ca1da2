"""`anml bench state` runs every phase on a small store and reports numbers
that agree with each other: every phase applies the updates it was asked
for, every update is one cache hit or one miss, a Zipf-skewed stream finds
more of its contributors resident than a uniform one under the same
budget, the RocksDB-alone reference repeats the uniform phase's lookups
and writes, and --zipf 0 skips the skewed phase. It checks no speed: rates on
a shared machine are the benchmark's output, not a test's verdict.

Usage: bench_state_test.py PATH_TO_ANML [unittest arguments]
"""

import json
import os
import subprocess
import sys
import unittest

ANML = None  # Set from argv in __main__.
CONTRIBUTORS = 20000
BATCH = 500
BATCHES = 40
SYNC_BATCHES = 4
# About a quarter of the contributors' records fit in 2 MiB.
CACHE_MB = 2
TIMEOUT_S = 120


def run_bench(*extra):
    command = [ANML, "bench", "state", "--contributors", str(CONTRIBUTORS), "--batch",
               str(BATCH), "--batches", str(BATCHES), "--sync-batches", str(SYNC_BATCHES),
               "--cache-mb", str(CACHE_MB), "--json", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)


def last_json(result):
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise AssertionError(f"no output; stderr:\n{result.stderr[-2000:]}")
    return json.loads(lines[-1])


class BenchStateTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.result = run_bench()
        cls.context = f"\n--- stdout ---\n{cls.result.stdout[-3000:]}" \
                      f"\n--- stderr ---\n{cls.result.stderr[-2000:]}"
        cls.report = last_json(cls.result) if cls.result.returncode == 0 else None

    def setUp(self):
        self.assertEqual(self.result.returncode, 0, "bench state failed" + self.context)

    def test_each_phase_applies_the_updates_it_was_asked_for(self):
        expected = {"populate": (CONTRIBUTORS, CONTRIBUTORS // BATCH),
                    "update": (BATCH * BATCHES, BATCHES),
                    "update_zipf": (BATCH * BATCHES, BATCHES),
                    "update_sync": (BATCH * SYNC_BATCHES, SYNC_BATCHES)}
        for phase, (updates, commits) in expected.items():
            with self.subTest(phase=phase):
                self.assertEqual(self.report[phase]["updates"], updates)
                self.assertEqual(self.report[phase]["commits"], commits)
                self.assertGreater(self.report[phase]["updates_per_second"], 0)

    def test_every_update_is_one_cache_hit_or_one_miss(self):
        for phase in ("populate", "update", "update_zipf", "update_sync"):
            with self.subTest(phase=phase):
                numbers = self.report[phase]
                self.assertEqual(numbers["cache_hits"] + numbers["cache_misses"],
                                 numbers["updates"])
        self.assertEqual(self.report["populate"]["cache_hits"], 0,
                         "populate creates every record, so it can hit none")

    def test_skewed_stream_finds_more_records_resident(self):
        uniform = self.report["update"]["cache_hit_ratio"]
        zipf = self.report["update_zipf"]["cache_hit_ratio"]
        self.assertGreater(uniform, 0.1, "a quarter of the records fit the budget")
        self.assertLess(uniform, 0.5, "a quarter of the records fit the budget")
        self.assertGreater(zipf, uniform + 0.2)

    def test_memory_reopen_and_cpu_are_reported(self):
        self.assertGreater(self.report["rss_bytes"], self.report["rss_before_open_bytes"])
        self.assertLessEqual(self.report["cache_resident_bytes"], CACHE_MB << 20)
        self.assertGreater(self.report["reopen_seconds"], 0)
        cpu = self.report["update"]["cpu_microseconds_per_update"]
        self.assertEqual(set(cpu), {"engine", "writer", "flush", "compaction", "other"})
        self.assertGreater(cpu["engine"], 0)

    def test_table_file_writes_are_reported(self):
        # 1 MiB memtables make even this small store flush and compact.
        result = run_bench("--zipf", "0", "--write-buffer-mb", "1")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        report = last_json(result)
        populate = report["populate"]
        # Each populate update writes one new record of well over 100 bytes.
        self.assertGreater(populate["commit_bytes"], CONTRIBUTORS * 100)
        self.assertGreater(populate["flush_bytes"], 0)
        phases = [report[name] for name in ("populate", "update", "update_sync")]
        self.assertGreater(sum(phase["compaction_write_bytes"] for phase in phases), 0)
        for phase in phases:
            written = phase["flush_bytes"] + phase["compaction_write_bytes"]
            self.assertAlmostEqual(phase["write_amplification"], written / phase["commit_bytes"])
        self.assertIn("table files written, uniform", result.stdout)

    def test_rocksdb_alone_repeats_the_uniform_phase_without_the_store(self):
        alone = self.report["rocksdb_alone"]
        uniform = self.report["update"]
        self.assertEqual(alone["batches"], BATCHES)
        self.assertEqual(alone["updates"], BATCH * BATCHES)
        # As many lookups per batch as the store loaded, less the repeats
        # among a batch's first ids, which are looked up once.
        self.assertLessEqual(alone["lookups"], uniform["cache_misses"] + BATCHES)
        self.assertGreater(alone["lookups"], 0.9 * uniform["cache_misses"])
        cpu = alone["cpu_microseconds_per_update"]
        self.assertEqual(cpu["writer"], 0, "RocksDB alone has no writer thread")
        self.assertGreater(cpu["lookups"], 0)
        self.assertGreater(cpu["writes"], 0)
        self.assertGreater(alone["updates_per_second"], 0)
        self.assertRegex(self.result.stdout, r"cores allow at most \d+ updates/s")

    def test_text_report_names_every_phase(self):
        for line in ("populate (new records)", "update, uniform (no fsync)",
                     "update, Zipf 0.99 (no fsync)", "update, uniform, fsync/commit",
                     "CPU per update, uniform", "RocksDB alone, uniform",
                     "reopen (open + recover)"):
            self.assertIn(line, self.result.stdout)

    def test_zipf_zero_skips_the_skewed_phase(self):
        result = run_bench("--zipf", "0")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertIsNone(last_json(result)["update_zipf"])
        self.assertNotIn("Zipf", result.stdout)

    def test_negative_zipf_is_refused(self):
        result = run_bench("--zipf", "-1")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--zipf is -1, expected >= 0", result.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ANML = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
