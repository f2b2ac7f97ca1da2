#!/usr/bin/python3
"""Peer check for `anml bench paper`: scikit-learn's SGDClassifier on the
exact streams anml's uniform learner replayed.

Reads the manifest the bench writes (per dataset: task, classes, dimension
and one file prefix per seed). Each prefix names little-endian arrays:
train_x.f64 (pool rows x dimension), train_y.f64, order.u32 (the pool rows
in the order anml trained on them, every pass), test_x.f64, test_y.f64.
SGDClassifier(loss="log_loss", shuffle=False) is fed the ordered stream
with partial_fit in chunks, which keeps the order exactly (one epoch per
call, no shuffling). A batch LogisticRegression on the same rows is
reported as a reference point for both. Prints one JSON object on stdout: per dataset, the
test error and training samples per second of each seed.

Run with Debian's /usr/bin/python3 (python3-sklearn); a pyenv python on
PATH may lack scikit-learn.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, SGDClassifier

# Rows per partial_fit call: large enough that Python overhead does not
# dominate the timing, and order within and across chunks is preserved.
CHUNK_ROWS = 4096
# Fixed so the (unused with shuffle=False) random state cannot vary.
RANDOM_STATE = 0
# Enough L-BFGS iterations for every benchmark dataset to converge.
BATCH_MAX_ITER = 2000


def load(prefix, dimension):
    x = np.fromfile(prefix + ".train_x.f64", dtype="<f8").reshape(-1, dimension)
    y = np.fromfile(prefix + ".train_y.f64", dtype="<f8").astype(np.int64)
    order = np.fromfile(prefix + ".order.u32", dtype="<u4").astype(np.int64)
    test_x = np.fromfile(prefix + ".test_x.f64", dtype="<f8").reshape(-1, dimension)
    test_y = np.fromfile(prefix + ".test_y.f64", dtype="<f8").astype(np.int64)
    return x, y, order, test_x, test_y


def run_seed(prefix, dimension, classes):
    x, y, order, test_x, test_y = load(prefix, dimension)
    stream_x = np.ascontiguousarray(x[order])
    stream_y = y[order]
    model = SGDClassifier(loss="log_loss", shuffle=False, random_state=RANDOM_STATE)
    labels = np.arange(classes)
    start = time.perf_counter()
    for begin in range(0, len(order), CHUNK_ROWS):
        end = begin + CHUNK_ROWS
        model.partial_fit(stream_x[begin:end], stream_y[begin:end], classes=labels)
    seconds = time.perf_counter() - start
    error = float(np.mean(model.predict(test_x) != test_y))
    # A batch reference, not a peer: L2 logistic regression fitted to
    # convergence on the same rows, so a gap between the two streaming
    # learners can be read against what a linear model reaches on them.
    rows = np.unique(order)
    batch = LogisticRegression(max_iter=BATCH_MAX_ITER).fit(x[rows], y[rows])
    batch_error = float(np.mean(batch.predict(test_x) != test_y))
    return error, len(order) / max(seconds, 1e-9), batch_error


def main():
    if len(sys.argv) != 2:
        print("usage: peer_sklearn.py MANIFEST", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    out = {"sklearn_version": sklearn.__version__, "datasets": {}}
    for entry in manifest:
        errors, speeds, batch = [], [], []
        for prefix in entry["seeds"]:
            error, speed, batch_error = run_seed(prefix, entry["dimension"], entry["classes"])
            errors.append(error)
            speeds.append(speed)
            batch.append(batch_error)
        out["datasets"][entry["name"]] = {
            "error": errors,
            "samples_per_second": speeds,
            "batch_error": batch,
        }
        print(f"peer_sklearn: {entry['name']} done", file=sys.stderr)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
