#!/usr/bin/env python3
"""Reference values for the ranking metrics of artist2vec-metrics -> cases.json.

How to run (ranx pulls numba and numpy; it is not needed to *use* cases.json):

    python3 -m venv /tmp/ranxvenv && /tmp/ranxvenv/bin/pip install ranx==0.3.21
    /tmp/ranxvenv/bin/python crates/metrics/reference/make_cases.py

What it computes, per case (qrels = graded judgments, run = scored items in input order, k):

* ranx 0.3.21 (`ranx.evaluate`, make_comparable=True), the reference wherever ranx has the
  metric: precision@k, recall@k, ndcg@k (linear gain, Jarvelin), ndcg_burges@k (gain 2^rel - 1),
  map@k (ranx normalises by |R|: our `ap_allrel`), hit_rate@k, mrr@k.
* a direct Python port of tools/evaluate.py's definitions (generalised to graded NDCG), for
  `map` (normalised by min(k, |R|)), which ranx does not have; the port is also computed for
  every ranx metric and must agree with ranx to 1e-12, or the script stops.

Conventions shared by both: a run is ranked by decreasing score, equal scores keep input order
(ranx sorts runs with numba's quicksort, which is an insertion sort -- stable -- below 16
elements; ties here are only placed in runs shorter than that, and the script checks ranx agrees);
an item is relevant when its grade is >= 1 (ranx's rel_lvl = 1; grades are integers here, so
this equals artist2vec's "grade > 0"); a query with no run entries scores 0; precision divides
by k even when the run is shorter.

Output: cases.json = {"generator": ..., "cases": [{"name", "k", "qrels", "run", "ranked",
"expected": {metric: {query: value}}, "source": {metric: "ranx"|"port"}}]}, queries and items as
decimal strings of u32 ids.
"""
import json
import math
import os
import random
import sys

from ranx import Qrels, Run, evaluate as rx_evaluate
import ranx

RANX_METRICS = ["precision", "recall", "ndcg", "ndcg_burges", "map", "hit_rate", "mrr"]
# ranx name -> artist2vec name
RENAME = {"map": "ap_allrel"}


def ranked_list(scored):
    """Stable sort by decreasing score (ties: input order)."""
    return [item for item, _ in sorted(scored, key=lambda x: -x[1])]


def port(qrels_q, ranked, k):
    """evaluate.py's definitions, graded NDCG added. qrels_q: {item: grade}."""
    rel = {i for i, g in qrels_q.items() if g >= 1}
    L = ranked[:k]
    hits, ap_num, first, dcg_lin, dcg_exp = 0, 0.0, 0.0, 0.0, 0.0
    for j, i in enumerate(L):
        if i in rel:
            hits += 1
            ap_num += hits / (j + 1)
            if first == 0.0:
                first = 1.0 / (j + 1)
            g = qrels_q[i]
            dcg_lin += g / math.log2(j + 2)
            dcg_exp += (2.0 ** g - 1.0) / math.log2(j + 2)
    grades = sorted((g for g in qrels_q.values() if g >= 1), reverse=True)[:k]
    idcg_lin = sum(g / math.log2(j + 2) for j, g in enumerate(grades))
    idcg_exp = sum((2.0 ** g - 1.0) / math.log2(j + 2) for j, g in enumerate(grades))
    m = min(k, len(rel))
    return {
        "precision": hits / k,
        "recall": hits / len(rel),
        "ndcg": dcg_lin / idcg_lin,
        "ndcg_burges": dcg_exp / idcg_exp,
        "map": ap_num / m,
        "ap_allrel": ap_num / len(rel),
        "hit_rate": 1.0 if hits else 0.0,
        "mrr": first,
    }


def make_case(name, k, qrels, run):
    """qrels: {q: {item: grade}}, run: {q: [(item, score), ...]} (q missing = empty list)."""
    for q, j in qrels.items():
        assert any(g >= 1 for g in j.values()), f"{name}: query {q} needs a relevant item"
    ranked = {q: ranked_list(run.get(q, [])) for q in qrels}
    expected = {n: {} for n in ["precision", "recall", "ndcg", "ndcg_burges", "map",
                                "ap_allrel", "hit_rate", "mrr"]}
    source = {n: "port" for n in expected}
    for q in qrels:
        for n, v in port(qrels[q], ranked[q], k).items():
            expected[n][str(q)] = v

    rx_qrels = Qrels({str(q): {str(i): int(g) for i, g in j.items()} for q, j in qrels.items()})
    rx_run = Run({str(q): {str(i): float(s) for i, s in lst}
                  for q, lst in run.items() if lst and q in qrels})
    mets = [f"{m}@{k}" for m in RANX_METRICS]
    rx_evaluate(rx_qrels, rx_run, mets, make_comparable=True)
    for m in RANX_METRICS:
        ours = RENAME.get(m, m)
        for q in qrels:
            v = float(rx_run.scores[f"{m}@{k}"][str(q)])
            p = expected[ours][str(q)]
            if abs(v - p) > 1e-12:
                sys.exit(f"{name}: ranx {m}@{k} for query {q} is {v!r}, port says {p!r}")
            expected[ours][str(q)] = v
        source[ours] = f"ranx {ranx.__version__ if hasattr(ranx, '__version__') else '0.3.21'}"
    return {
        "name": name,
        "k": k,
        "qrels": {str(q): {str(i): g for i, g in j.items()} for q, j in qrels.items()},
        "run": {str(q): [[i, s] for i, s in lst] for q, lst in run.items()},
        "ranked": {str(q): r for q, r in ranked.items()},
        "expected": expected,
        "source": source,
    }


def hand_cases():
    cases = []
    # Binary relevance, one perfect, one partial, one empty run, one run missing entirely.
    qrels = {1: {10: 1, 11: 1}, 2: {20: 1, 21: 1, 22: 1}, 3: {30: 1}, 4: {40: 1}}
    run = {1: [(10, 0.9), (11, 0.8), (12, 0.7)],
           2: [(29, 0.9), (21, 0.8), (28, 0.7), (22, 0.6)],
           3: []}
    for k in (1, 2, 3, 10):
        cases.append(make_case(f"binary_k{k}", k, qrels, run))
    # Ties: equal scores keep input order (relevant item placed after an equal non-relevant).
    qrels = {1: {5: 1, 7: 1}, 2: {3: 2, 4: 1}}
    run = {1: [(9, 0.5), (5, 0.5), (7, 0.5), (6, 0.1)],
           2: [(4, 1.0), (3, 1.0), (8, 1.0)]}
    for k in (1, 2, 5):
        cases.append(make_case(f"ties_k{k}", k, qrels, run))
    # Graded relevance with judged non-relevant (grade 0) items and k larger than every list.
    qrels = {1: {1: 3, 2: 2, 3: 0, 4: 1, 5: 1}, 2: {7: 1, 8: 4}, 3: {9: 2}}
    run = {1: [(3, 5.0), (4, 4.0), (1, 3.0), (6, 2.0), (2, 1.0)],
           2: [(8, 0.2), (7, 0.1)],
           3: [(1, 1.0)]}
    for k in (1, 3, 20):
        cases.append(make_case(f"graded_k{k}", k, qrels, run))
    # More relevant items than k: map (min(k,|R|)) and ap_allrel (|R|) differ.
    qrels = {1: {i: 1 for i in range(1, 13)}}
    run = {1: [(i, 100.0 - i) for i in (1, 2, 99, 3, 4, 98, 5)]}
    for k in (3, 5, 10):
        cases.append(make_case(f"many_relevant_k{k}", k, qrels, run))
    # Negative and extreme scores still order (JSON has no infinity).
    qrels = {1: {2: 1}}
    run = {1: [(1, -1.0), (2, 1e308), (3, -1e308)]}
    cases.append(make_case("extreme_scores", 2, qrels, run))
    return cases


def random_cases(seed=42):
    rng = random.Random(seed)
    cases = []
    for c in range(4):
        k = [1, 5, 10, 20][c]
        qrels, run = {}, {}
        for q in range(1, 31):
            n_judged = rng.randint(1, 15)
            judged = rng.sample(range(60), n_judged)
            grades = {i: rng.choice([0, 1, 1, 2, 3]) for i in judged}
            if not any(g >= 1 for g in grades.values()):
                grades[judged[0]] = 1
            qrels[q] = grades
            n = rng.randint(0, 15)  # < 16: ranx's sort is stable, ties keep input order
            items = rng.sample(range(60), n)
            run[q] = [(i, round(rng.random(), 1)) for i in items]  # coarse scores: many ties
        cases.append(make_case(f"random_seed{seed}_k{k}", k, qrels, run))
    return cases


def main():
    cases = hand_cases() + random_cases()
    out = {
        "generator": "crates/metrics/reference/make_cases.py",
        "ranx_version": getattr(ranx, "__version__", "0.3.21"),
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
