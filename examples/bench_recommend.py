#!/usr/bin/env python3
"""The `implicit` half of examples/bench_recommend.sh: serve the model that `bench_recommend`
(the Rust half) fitted and wrote, with implicit 0.7.3, and time it.

Usage: python bench_recommend.py --dir D [--threads 2 --k 10 --repeat 1]

D holds what `bench_recommend --out D` wrote: the user and artist factors (.npy, float32), the
training matrix (CSR: indptr.i64, indices.i32), the users served (users.i32), our top-k lists
(ours.i32) and meta.json. The factors are loaded into implicit.cpu.als.AlternatingLeastSquares
(user_factors / item_factors set directly, so both libraries serve the same model), and what is
timed is one call

    model.recommend(userids, user_items[userids], N=k, filter_already_liked_items=True)

with `num_threads=threads` and BLAS held to `threads` threads. Prints one JSON line: the times,
and how far implicit's lists agree with ours (mean overlap of the top-k sets, share of identical
lists).
"""
import argparse
import json
import os
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()

    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    d = a.dir
    meta = json.load(open(os.path.join(d, "meta.json")))
    uf = np.load(os.path.join(d, "user_factors.npy"))
    itf = np.load(os.path.join(d, "item_factors.npy"))
    indptr = np.fromfile(os.path.join(d, "indptr.i64"), dtype="<i8")
    indices = np.fromfile(os.path.join(d, "indices.i32"), dtype="<i4")
    users = np.fromfile(os.path.join(d, "users.i32"), dtype="<i4")
    ours = np.fromfile(os.path.join(d, "ours.i32"), dtype="<i4").reshape(len(users), -1)
    n_users, n_items = uf.shape[0], itf.shape[0]
    matrix = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(n_users, n_items))

    model = AlternatingLeastSquares(factors=uf.shape[1], num_threads=a.threads, random_state=42)
    model.user_factors = uf
    model.item_factors = itf
    times = []
    with threadpool_limits(a.threads, "blas"):
        for _ in range(max(1, a.repeat)):
            t0 = time.perf_counter()
            ids, _scores = model.recommend(users, matrix[users], N=a.k, filter_already_liked_items=True)
            times.append(time.perf_counter() - t0)

    overlap, identical = [], 0
    for mine, theirs in zip(ours, ids):
        mine = [i for i in mine if i >= 0]
        theirs = [int(i) for i in theirs if i >= 0][: len(mine)]
        overlap.append(len(set(mine) & set(theirs)) / max(1, len(mine)))
        identical += mine == theirs
    print(json.dumps({
        "impl": "implicit " + implicit.__version__, "users": n_users, "items": n_items,
        "nnz": int(len(indices)), "served": int(len(users)), "k": a.k, "factors": int(uf.shape[1]),
        "threads": a.threads, "recommend_s": times, "artist2vec_recommend_s": meta["recommend_s"],
        "overlap": float(np.mean(overlap)), "identical_lists": identical / len(users),
    }))


if __name__ == "__main__":
    main()
