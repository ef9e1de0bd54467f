#!/usr/bin/env python3
"""The `implicit` half of examples/bench_als.sh: time implicit 0.7.3's ALS on a TSV file.

Usage: python bench_als.py --train T [--factors 64 --regularization 0.05 --alpha 1
                            --iterations 15 --threads 2 --repeat 3]

Same input and settings as `bench_als fit`: the users x artists matrix of summed play counts,
log1p weighting, implicit.cpu.als.AlternatingLeastSquares with conjugate gradient (use_cg=True,
3 steps), float32, random_state 42, `--threads` OpenMP threads, BLAS limited to one thread
inside fit (implicit's advice). What is timed: log1p + fit (the matrix is built before). Prints
one JSON line like the Rust side.
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
    w = cols[:, 2].astype(np.float64)
    x = sp.csr_matrix((w, (u, i)), shape=(len(users), len(items)))
    x.sum_duplicates()
    x.sort_indices()
    return x, len(cols)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--regularization", type=float, default=0.05)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    x, rows = read_matrix(a.train)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        w = x.astype(np.float32)
        w.data = np.log1p(w.data)
        with threadpool_limits(1, "blas"):
            m = AlternatingLeastSquares(factors=a.factors, regularization=a.regularization, alpha=a.alpha,
                                        iterations=a.iterations, random_state=42, num_threads=a.threads,
                                        use_cg=True, use_native=True)
            m.fit(w, show_progress=False)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"impl": "implicit " + implicit.__version__, "train": a.train, "users": x.shape[0],
                      "items": x.shape[1], "rows": rows, "factors": a.factors,
                      "regularization": a.regularization, "alpha": a.alpha, "iterations": a.iterations,
                      "threads": a.threads, "fit_s": times, "best_s": min(times),
                      "checksum": float(np.asarray(m.item_factors, dtype=np.float64).sum())}))


if __name__ == "__main__":
    main()
