#!/usr/bin/env python3
"""The `implicit` half of examples/bench_bpr.sh: seconds per epoch of implicit 0.7.3's BPR on a TSV.

Usage: python bench_bpr.py --train T [--factors 64 --learning-rate 0.01 --regularization 0.01
                            --epochs 3 --threads 2]

Same input and settings as `bench_bpr fit`: the users x artists matrix of the file, binarised,
implicit.cpu.bpr.BayesianPersonalizedRanking with verify_negative_samples=True, float32,
random_state 42, `--threads` OpenMP threads. Each epoch draws as many samples as the matrix has
non-zeros (as ours does). Timed per epoch: between consecutive calls of implicit's per-epoch
callback, so the matrix conversion and the initial factors are excluded (as on the Rust side).
Prints one JSON line like the Rust side.
"""
import argparse
import json
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def read_matrix(path):
    with open(path, "rb") as f:
        f.readline()  # header
        cols = np.array(f.read().split(), dtype=object).reshape(-1, 3)
    users, u = np.unique(cols[:, 0], return_inverse=True)
    items, i = np.unique(cols[:, 1], return_inverse=True)
    x = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (u, i)), shape=(len(users), len(items)))
    x.sum_duplicates()
    x.data[:] = 1.0
    x.sort_indices()
    return x, len(cols)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--learning-rate", type=float, default=0.01)
    ap.add_argument("--regularization", type=float, default=0.01)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.epochs < 2:
        ap.error("--epochs must be at least 2 (the first epoch starts the clock)")

    import implicit
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    x, rows = read_matrix(a.train)
    marks = []
    t0 = time.perf_counter()
    with threadpool_limits(1, "blas"):
        m = BayesianPersonalizedRanking(factors=a.factors, learning_rate=a.learning_rate,
                                        regularization=a.regularization, iterations=a.epochs,
                                        random_state=42, num_threads=a.threads,
                                        verify_negative_samples=True)
        m.fit(x, show_progress=False, callback=lambda *args: marks.append(time.perf_counter()))
    fit_s = time.perf_counter() - t0
    epoch_s = [b - a_ for a_, b in zip(marks, marks[1:])]
    print(json.dumps({"impl": "implicit " + implicit.__version__, "train": a.train, "users": x.shape[0],
                      "items": x.shape[1], "rows": rows, "factors": a.factors, "threads": a.threads,
                      "epoch_s": epoch_s, "best_s": min(epoch_s),
                      "median_s": sorted(epoch_s)[len(epoch_s) // 2], "fit_s": fit_s}))


if __name__ == "__main__":
    main()
