#!/usr/bin/env python3
"""Reference values for artist2vec-stats, computed with scipy and statsmodels.

Writes scipy_cases.json next to this script. The Rust integration tests
(crates/stats/tests/it/scipy_cases.rs) load that file with include_str! and
compare every statistic and p-value to 1e-10.

Run it with the versions recorded in the output (scipy 1.17.1, numpy 2.4.6,
statsmodels 0.15.0 when this file was last generated):

    python3 -m venv /tmp/scipyenv
    /tmp/scipyenv/bin/pip install scipy numpy statsmodels
    /tmp/scipyenv/bin/python crates/stats/reference/make_scipy_cases.py

Layout of the output:

* ``datasets``: named samples. A sample is either a list of numbers or a
  generator spec ``{"splitmix": {"seed", "n", "kind", "scale", "offset"}}``
  for large samples, which Rust regenerates bit for bit (see ``splitmix``
  below): ``kind = "uniform"`` gives ``offset + scale * u`` and
  ``kind = "int"`` gives ``offset + floor(u * scale)``, with ``u`` a 53-bit
  uniform in [0, 1). Explicit values have at most 6 decimals.
* one list of cases per function. Each case names its datasets and options
  and holds ``expected``: scipy's output, or ``{"error": <StatsError
  variant>, "scipy": <what scipy did>}`` where scipy returns nan (or warns
  and returns nan) and the Rust crate returns a typed error instead.
"""

import json
import math
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

warnings.simplefilter("ignore")

MASK = (1 << 64) - 1
RNG = np.random.default_rng(20261126)
DATASETS = {}


def splitmix(seed, n, kind, scale, offset):
    """splitmix64 stream -> floats; mirrored exactly by the Rust tests."""
    state = seed & MASK
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        u = (z >> 11) * 2.0**-53
        if kind == "uniform":
            out.append(offset + scale * u)
        elif kind == "int":
            out.append(offset + math.floor(u * scale))
        else:
            raise ValueError(kind)
    return np.array(out, dtype=float)


def add(name, values):
    """Registers an explicit dataset (finite values rounded to 6 decimals)."""
    values = [float(v) for v in values]
    values = [round(v, 6) if math.isfinite(v) else v for v in values]
    assert name not in DATASETS, name
    DATASETS[name] = [fnum(v) for v in values]
    return np.array(values, dtype=float)


def load(name):
    """The values of a registered dataset."""
    spec = DATASETS[name]
    if isinstance(spec, dict):
        return splitmix(**spec["splitmix"])
    return np.array([float(v) for v in spec], dtype=float)


def add_gen(name, seed, n, kind, scale, offset):
    assert name not in DATASETS, name
    DATASETS[name] = {"splitmix": dict(seed=seed, n=n, kind=kind, scale=scale, offset=offset)}
    return splitmix(seed, n, kind, scale, offset)


def fnum(v):
    """JSON-safe float: nan and infinities become strings."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def normal(n, loc=0.0, scale=1.0):
    return RNG.normal(loc, scale, n).round(6)


def distinct_abs(n, loc=0.0, scale=1.0):
    """Normal sample whose absolute values are all distinct and non-zero."""
    while True:
        v = RNG.normal(loc, scale, n).round(3)
        a = np.abs(v)
        if len(set(a.tolist())) == n and np.all(a > 0):
            return v


ALTS = ["two-sided", "less", "greater"]

# ---------------------------------------------------------------- Mann-Whitney

mwu_cases = []


def mwu(name, xname, yname, x, y, alternative, method, use_continuity, error=None):
    res = stats.mannwhitneyu(x, y, alternative=alternative, method=method,
                             use_continuity=use_continuity)
    scipy_out = {"statistic": fnum(res.statistic), "pvalue": fnum(res.pvalue)}
    case = dict(name=name, x=xname, y=yname, alternative=alternative, method=method,
                use_continuity=use_continuity)
    if error is None and (math.isnan(res.pvalue) or math.isnan(res.statistic)):
        raise AssertionError(f"unexpected nan in {name}")
    if error is not None:
        case["expected"] = {"error": error, "scipy": scipy_out}
    else:
        exp = dict(scipy_out)
        if method == "auto":
            # Which explicit method reproduces 'auto' (computed from scipy,
            # not from our reading of its rule).
            matches = []
            # (The exact method is too slow to try on the large samples.)
            candidates = ["exact", "asymptotic"] if len(x) * len(y) <= 20000 else ["asymptotic"]
            for m in candidates:
                r = stats.mannwhitneyu(x, y, alternative=alternative, method=m,
                                       use_continuity=use_continuity)
                if r.pvalue == res.pvalue:
                    matches.append(m)
            exp["auto_matches"] = matches
        case["expected"] = exp
    mwu_cases.append(case)


def mwu_all(prefix, xname, yname, methods=("auto", "exact", "asymptotic"), conts=(True, False)):
    x = load(xname)
    y = load(yname)
    for method in methods:
        for cont in conts:
            if method == "exact" and not cont:
                continue  # continuity has no effect on the exact method
            for alt in ALTS:
                mwu(f"{prefix}/{method}/cc={cont}/{alt}", xname, yname, x, y, alt, method, cont)


add("mwu_males", [19, 22, 16, 29, 24])
add("mwu_females", [20, 11, 17, 12])
mwu_all("doc", "mwu_males", "mwu_females")

# Small untied samples of many shapes: auto picks the exact method.
for i, (n1, n2) in enumerate([(1, 1), (1, 5), (2, 3), (3, 3), (4, 7), (5, 5), (6, 8),
                              (8, 8), (8, 20), (3, 40), (7, 9), (9, 9), (12, 6)]):
    v = RNG.permutation(np.arange(1, n1 + n2 + 1)) + RNG.normal(0, 0.1, n1 + n2).round(3)
    shift = 0.4 * (i % 3)
    add(f"mwu_small{i}_x", v[:n1] + shift)
    add(f"mwu_small{i}_y", v[n1:])
    mwu_all(f"small{i}_{n1}x{n2}", f"mwu_small{i}_x", f"mwu_small{i}_y")

# Ties (auto -> asymptotic; exact on request truncates a fractional U).
add("mwu_ties_x", [1, 2, 2, 3, 5, 5, 5])
add("mwu_ties_y", [2, 4, 5, 6, 6, 7])
mwu_all("ties", "mwu_ties_x", "mwu_ties_y")
add("mwu_ties2_x", [1, 2, 2, 3])
add("mwu_ties2_y", [2, 4, 5])
mwu_all("ties_fractional_u", "mwu_ties2_x", "mwu_ties2_y")

# Moderate samples: exact on request gives small tail probabilities.
add("mwu_mid_x", normal(20, 0.9))
add("mwu_mid_y", normal(20))
mwu_all("mid20", "mwu_mid_x", "mwu_mid_y")
add("mwu_sep_x", np.arange(1, 16) + 100.0)
add("mwu_sep_y", np.arange(1, 16) * 1.0)
mwu_all("separated15", "mwu_sep_x", "mwu_sep_y")
add("mwu_8_x", normal(8, 0.5))
add("mwu_8_y", normal(60))
mwu_all("n8_vs_60", "mwu_8_x", "mwu_8_y")

# Infinite values only need an order.
add("mwu_inf_x", [1.5, math.inf, 3.25, -2.0])
add("mwu_inf_y", [0.5, -math.inf, 2.0, 7.0, 8.5])
mwu_all("infinite", "mwu_inf_x", "mwu_inf_y")

# All values equal: p = 1 with continuity correction (z = -inf), nan without.
add("mwu_eq_x", [3.0, 3.0, 3.0])
add("mwu_eq_y", [3.0, 3.0])
xe, ye = load("mwu_eq_x"), load("mwu_eq_y")
for method in ["auto", "exact", "asymptotic"]:
    for cont in [True, False]:
        for alt in ALTS:
            nan_case = method in ("auto", "asymptotic") and not cont
            mwu(f"all_equal/{method}/cc={cont}/{alt}", "mwu_eq_x", "mwu_eq_y", xe, ye, alt,
                method, cont, error="Undefined" if nan_case else None)

# Large samples on the asymptotic path.
add_gen("mwu_big_x", 11, 5000, "uniform", 1.0, 0.02)
add_gen("mwu_big_y", 12, 4000, "uniform", 1.0, 0.0)
mwu_all("big_untied", "mwu_big_x", "mwu_big_y", methods=("auto", "asymptotic"))
add_gen("mwu_bigt_x", 13, 5000, "int", 7.0, 0.0)
add_gen("mwu_bigt_y", 14, 5000, "int", 7.0, 0.0)
mwu_all("big_ties", "mwu_bigt_x", "mwu_bigt_y", methods=("auto", "asymptotic"))
add_gen("mwu_bigs_x", 15, 3000, "uniform", 1.0, 0.3)
add_gen("mwu_bigs_y", 16, 3000, "uniform", 1.0, 0.0)
mwu_all("big_shifted", "mwu_bigs_x", "mwu_bigs_y", methods=("auto", "asymptotic"))

# Degenerate input: scipy returns nan, Rust a typed error.
add("empty", [])
add("one", [1.0])
mwu("empty_x", "empty", "one", np.array([]), np.array([1.0]), "two-sided", "auto", True,
    error="EmptySample")
add("with_nan", [1.0, math.nan, 2.0])
mwu("nan_input", "with_nan", "one", np.array([1.0, np.nan, 2.0]), np.array([1.0]),
    "two-sided", "auto", True, error="NanInput")

# ---------------------------------------------------------------- Wilcoxon

wil_cases = []
ZMS = ["wilcox", "pratt", "zsplit"]


def perm_method(n):
    return stats.PermutationMethod(n_resamples=2**n)


_PERM_CACHE = {}


def wilcoxon_call(dname, yname, d, y, method, **kwargs):
    """scipy.stats.wilcoxon; permutation results (slow, and independent of
    the continuity correction) are cached."""
    if method != "permutation":
        return stats.wilcoxon(d, y, method=method, **kwargs)
    key = (dname, yname, kwargs["zero_method"], kwargs["alternative"])
    if key not in _PERM_CACHE:
        _PERM_CACHE[key] = stats.wilcoxon(d, y, method=perm_method(len(d)), **kwargs)
    return _PERM_CACHE[key]


def wil(name, dname, yname, d, y, zero_method, method, correction, alternative, error=None):
    kwargs = dict(zero_method=zero_method, correction=correction, alternative=alternative)
    case = dict(name=name, x=dname, y=yname, zero_method=zero_method, method=method,
                correction=correction, alternative=alternative)
    try:
        res = wilcoxon_call(dname, yname, d, y, method, **kwargs)
    except ValueError as e:
        # scipy's permutation test (chosen by 'auto' for zeros or ties and
        # n <= 13) refuses a single observation.
        assert len(d) < 2 and error is None, name
        case["expected"] = {"error": "TooFewObservations", "scipy": {"raises": str(e)}}
        wil_cases.append(case)
        return
    scipy_out = {"statistic": fnum(res.statistic), "pvalue": fnum(res.pvalue)}
    if hasattr(res, "zstatistic"):
        scipy_out["zstatistic"] = fnum(res.zstatistic)
    if error is None and (math.isnan(res.pvalue) or math.isnan(res.statistic)):
        raise AssertionError(f"unexpected nan in {name}")
    if error is not None:
        assert math.isnan(res.pvalue) or error in ("EmptySample", "NanInput", "LengthMismatch"), name
        case["expected"] = {"error": error, "scipy": scipy_out}
    else:
        if method == "auto":
            n = len(d)
            matches = []
            # 'auto' can only pick the permutation test for n <= 13.
            # (The exact distribution is too slow to try on the large samples.)
            candidates = (["exact"] if n <= 400 else []) + ["asymptotic"]
            candidates += ["permutation"] if n <= 13 else []
            for cand in candidates:
                try:
                    r = wilcoxon_call(dname, yname, d, y, cand, **kwargs)
                except ValueError:
                    continue  # permutation test on one observation
                if r.pvalue == res.pvalue:
                    matches.append(cand)
            scipy_out["auto_matches"] = matches
        case["expected"] = scipy_out
    wil_cases.append(case)


def wil_all(prefix, dname, yname=None, methods=("auto", "exact", "asymptotic"), alts=ALTS,
            zms=ZMS, undefined_asymptotic=False):
    d = load(dname)
    y = None if yname is None else load(yname)
    n = len(d)
    for zm in zms:
        for method in methods:
            for corr in [False, True]:
                if method in ("exact", "permutation") and corr:
                    continue  # the correction only affects the normal approximation
                for alt in alts:
                    err = None
                    if undefined_asymptotic and zm in ("wilcox", "pratt"):
                        if method == "asymptotic" or (method == "auto" and n > 13):
                            err = "Undefined"
                    wil(f"{prefix}/{zm}/{method}/cc={corr}/{alt}", dname, yname, d, y, zm,
                        method, corr, alt, error=err)


add("w_untied10", distinct_abs(10, 0.5))
wil_all("untied10", "w_untied10", methods=("auto", "exact", "asymptotic", "permutation"))
v = distinct_abs(10, 0.4)
v[2] = 0.0
v[7] = 0.0
add("w_zeros10", v)
wil_all("zeros10", "w_zeros10", methods=("auto", "exact", "asymptotic", "permutation"))
add("w_ties12", [1.0, -1.0, 2.0, 2.0, 3.5, -4.0, 5.0, 5.0, 5.0, 6.0, -7.5, 8.0])
wil_all("ties12", "w_ties12", methods=("auto", "exact", "asymptotic", "permutation"))
add("w_tz13", [0.0, 1.0, -1.0, 2.0, 2.0, 0.0, 3.0, -3.0, 4.0, 5.0, 6.0, 0.0, 7.0])
wil_all("ties_zeros13", "w_tz13", methods=("auto", "exact", "asymptotic", "permutation"))
add("w_tz14", [0.0, 1.0, -1.0, 2.0, 2.0, 0.0, 3.0, -3.0, 4.0, 5.0, 6.0, 0.0, 7.0, 8.0])
wil_all("ties_zeros14", "w_tz14", methods=("auto", "exact", "asymptotic", "permutation"))
add("w_ties16", [1.0, 1.0, -2.0, 3.0, 3.0, 3.0, 4.0, -4.0, 5.0, 6.0, 7.0, 7.0, -8.0, 9.0,
                 10.0, 11.0])
wil_all("ties16", "w_ties16", methods=("auto", "asymptotic", "permutation"))
add("w_untied30", distinct_abs(30, 0.3))
wil_all("untied30", "w_untied30")
add("w_untied50", distinct_abs(50, 0.2))
wil_all("untied50", "w_untied50")
add("w_untied51", distinct_abs(51, 0.2))
wil_all("untied51", "w_untied51")
add("w_pos20", np.arange(1, 21) * 0.25)
wil_all("all_positive20", "w_pos20")
for k, d in enumerate([[2.0], [-3.5], [0.0], [0.0, 1.0], [1.0, -1.0]]):
    add(f"w_tiny{k}", d)
    wil_all(f"tiny{k}", f"w_tiny{k}", undefined_asymptotic=(d == [0.0]))
add("w_zero3", [0.0, 0.0, 0.0])
wil_all("all_zero3", "w_zero3", undefined_asymptotic=True)
add("w_zero20", [0.0] * 20)
wil_all("all_zero20", "w_zero20", undefined_asymptotic=True)

# Paired form: d = x - y in floating point, as in scipy.
px = normal(25, 0.3)
py = px - np.where(RNG.random(25) < 0.2, 0.0, normal(25, 0.1, 0.5))
add("w_paired_x", px)
add("w_paired_y", py)
wil_all("paired25", "w_paired_x", "w_paired_y")

# Large samples on the asymptotic path, with and without zeros/ties.
add_gen("w_big_ties", 21, 5000, "int", 51.0, -20.0)
wil_all("big5000_ties_zeros", "w_big_ties", methods=("auto", "asymptotic"))
add_gen("w_big_cont", 22, 5000, "uniform", 2.0, -0.98)
wil_all("big5000_continuous", "w_big_cont", methods=("auto", "asymptotic"))
add_gen("w_big_x", 23, 3000, "uniform", 1.0, 0.0)
add_gen("w_big_y", 24, 3000, "uniform", 1.0, 0.0)
wil_all("big3000_paired", "w_big_x", "w_big_y", methods=("auto", "asymptotic"))

wil("empty", "empty", None, np.array([]), None, "wilcox", "auto", False, "two-sided",
    error="EmptySample")
wil("nan_input", "with_nan", None, np.array([1.0, np.nan, 2.0]), None, "wilcox", "auto",
    False, "two-sided", error="NanInput")
# scipy broadcasts a length-1 y against x; Rust refuses.
res = stats.wilcoxon([1.0, 2.0], [1.0])
wil_cases.append(dict(name="length_mismatch", x="w_tiny3", y="one", zero_method="wilcox",
                      method="auto", correction=False, alternative="two-sided",
                      expected={"error": "LengthMismatch",
                                "scipy": {"statistic": fnum(res.statistic),
                                          "pvalue": fnum(res.pvalue)}}))

# ---------------------------------------------------------------- t-tests

t_cases = []
CONFS = [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]


def tres(res, error=None):
    out = {"statistic": fnum(res.statistic), "pvalue": fnum(res.pvalue), "df": fnum(res.df)}
    if error is not None:
        return {"error": error, "scipy": out}
    assert not math.isnan(res.pvalue)
    cis = []
    for c in CONFS:
        ci = res.confidence_interval(confidence_level=c)
        low, high = float(ci.low), float(ci.high)
        # Deliberate deviation: with a zero standard error scipy computes the
        # infinite end of a one-sided interval as -inf * 0 = nan; the crate
        # returns the infinity.
        if math.isnan(low) and res._standard_error == 0:
            low = -math.inf
            out["note"] = "scipy: nan for the infinite end (-inf * 0); crate: infinity"
        if math.isnan(high) and res._standard_error == 0:
            high = math.inf
            out["note"] = "scipy: nan for the infinite end (inf * 0); crate: infinity"
        cis.append([c, fnum(low), fnum(high)])
    out["confidence_intervals"] = cis
    return out


def ttest_all(prefix, kind, xname, yname=None, popmean=0.0, error=None):
    x = load(xname)
    y = None if yname is None else load(yname)
    for alt in ALTS:
        if kind == "one_sample":
            res = stats.ttest_1samp(x, popmean, alternative=alt)
        elif kind == "paired":
            res = stats.ttest_rel(x, y, alternative=alt)
        elif kind == "student":
            res = stats.ttest_ind(x, y, equal_var=True, alternative=alt)
        elif kind == "welch":
            res = stats.ttest_ind(x, y, equal_var=False, alternative=alt)
        t_cases.append(dict(name=f"{prefix}/{kind}/{alt}", kind=kind, x=xname, y=yname,
                            popmean=popmean, alternative=alt, expected=tres(res, error)))


add("t_a", normal(12, 0.4))
add("t_b", normal(15, 0.0, 2.0))
add("t_pair_y", normal(12, 0.1))
for kind in ["student", "welch"]:
    ttest_all("ab", kind, "t_a", "t_b")
    ttest_all("ba", kind, "t_b", "t_a")
ttest_all("a", "paired", "t_a", "t_pair_y")
ttest_all("a", "one_sample", "t_a", popmean=0.0)
ttest_all("b", "one_sample", "t_b", popmean=-0.7)
add("t_two", [1.25, 3.5])
add("t_three", [0.5, 2.0, 2.25])
add("t_two_b", [0.5, 3.0])
for kind in ["student", "welch"]:
    ttest_all("tiny", kind, "t_two", "t_three")
ttest_all("tiny", "paired", "t_two", "t_two_b")
ttest_all("n1_vs_2", "student", "one", "t_two")
add("t_far", normal(10, 40.0))
ttest_all("far", "one_sample", "t_far", popmean=0.0)
add_gen("t_big_x", 31, 5000, "uniform", 1.0, 0.01)
add_gen("t_big_y", 32, 5000, "uniform", 1.3, -0.1)
for kind in ["student", "welch", "paired"]:
    ttest_all("big5000", kind, "t_big_x", "t_big_y")
ttest_all("big5000", "one_sample", "t_big_x", popmean=0.5)
# Zero variance with a non-zero mean difference: t = +-inf, p = 0 or 1.
add("t_const1", [2.0, 2.0, 2.0])
add("t_const2", [1.0, 1.0, 1.0, 1.0])
add("t_shift_x", [1.0, 2.0, 3.0])
add("t_shift_y", [0.0, 1.0, 2.0])
ttest_all("const_diff", "paired", "t_shift_x", "t_shift_y")
ttest_all("const", "welch", "t_const1", "t_const2")
ttest_all("const", "student", "t_const1", "t_const2")
ttest_all("const", "one_sample", "t_const1", popmean=1.5)
# 0/0 and too-small samples: scipy nan, Rust typed errors.
ttest_all("same_const", "paired", "t_shift_x", "t_shift_x", error="Undefined")
ttest_all("same_const", "student", "t_const1", "t_const1", error="Undefined")
ttest_all("same_const", "welch", "t_const1", "t_const1", error="Undefined")
ttest_all("same_const", "one_sample", "t_const1", popmean=2.0, error="Undefined")
ttest_all("n1", "paired", "one", "one", error="TooFewObservations")
ttest_all("n1", "one_sample", "one", error="TooFewObservations")
ttest_all("n1_vs_2", "welch", "one", "t_two", error="TooFewObservations")
ttest_all("n1_vs_1", "student", "one", "one", error="TooFewObservations")

# t interval of a mean: mean +- t_{(1+c)/2, n-1} sem.
t_interval_cases = []
for name in ["t_a", "t_b", "t_two", "t_far", "t_big_x", "t_const1"]:
    x = load(name)
    for c in CONFS:
        # Same as stats.t.interval(c, n - 1, loc=mean, scale=sem), which
        # refuses scale = 0 (constant data).
        ci = stats.ttest_1samp(x, 0.0).confidence_interval(confidence_level=c)
        low, high = ci.low, ci.high
        t_interval_cases.append(dict(name=f"{name}/{c}", x=name, confidence=c,
                                     expected={"low": fnum(low), "high": fnum(high)}))
t_interval_cases.append(dict(name="one/0.95", x="one", confidence=0.95,
                             expected={"error": "TooFewObservations",
                                       "scipy": {"low": "nan", "high": "nan"}}))

# ---------------------------------------------------------------- permutation test

perm_cases = []


def perm_stat(x, y, axis):
    return np.mean(x - y, axis=axis)


def perm(name, xname, yname):
    x, y = load(xname), load(yname)
    for alt in ALTS:
        case = dict(name=f"{name}/{alt}", x=xname, y=yname, alternative=alt)
        try:
            res = stats.permutation_test((x, y), perm_stat, permutation_type="samples",
                                         alternative=alt, n_resamples=9999, vectorized=True)
        except ValueError as e:
            # scipy needs two or more pairs.
            case["expected"] = {"error": "TooFewObservations", "scipy": {"raises": str(e)}}
        else:
            assert 2 ** len(x) <= 9999  # exact enumeration
            case["expected"] = {"statistic": fnum(res.statistic), "pvalue": fnum(res.pvalue)}
        perm_cases.append(case)


add("p_x8", normal(8, 0.3))
add("p_y8", normal(8))
perm("real8", "p_x8", "p_y8")
add("p_xi", [3, 5, 2, 8, 6, 6, 4, 7, 5, 9])
add("p_yi", [2, 5, 3, 6, 4, 5, 4, 5, 6, 6])
perm("int10_ties_zeros", "p_xi", "p_yi")
add("p_x13", normal(13, 0.5))
add("p_y13", normal(13))
perm("real13", "p_x13", "p_y13")
add("p_one_y", [0.25])
perm("n1", "one", "p_one_y")
perm("all_zero", "t_const1", "t_const1")

# ---------------------------------------------------------------- corrections

corr_cases = []


def corr(name, p):
    p = [float(v) for v in p]
    holm = multipletests(p, method="holm")[1]
    bh = multipletests(p, method="fdr_bh")[1]
    fdc = stats.false_discovery_control(p, method="bh")
    assert np.allclose(bh, fdc, rtol=1e-14, atol=0)
    corr_cases.append(dict(name=name, p=p, holm=[fnum(v) for v in holm],
                           bh=[fnum(v) for v in bh], bh_scipy=[fnum(v) for v in fdc]))


corr("uniform20", RNG.random(20))
corr("small_and_large", [1e-300, 1e-12, 0.003, 0.01, 0.02, 0.5, 0.99, 1.0, 0.0])
corr("ties", [0.01, 0.04, 0.04, 0.04, 0.2, 0.01, 0.3])
corr("single", [0.037])
corr("all_ones", [1.0, 1.0, 1.0])
corr("increasing_need_monotone", [0.001, 0.0105, 0.011, 0.04, 0.041, 0.9])
corr("many", RNG.random(200) ** 3)

# ---------------------------------------------------------------- bootstrap intervals

boot_cases = []


def boot(name, dname, statistic, stat_name, n_resamples=999):
    data = load(dname)
    base = stats.bootstrap((data,), statistic, n_resamples=n_resamples, method="percentile",
                           rng=np.random.default_rng(7), vectorized=True)
    dist = base.bootstrap_distribution
    key = f"boot_dist_{name}"
    DATASETS[key] = [float(v) for v in dist]
    for method in ["percentile", "BCa"]:
        for conf in [0.8, 0.9, 0.95, 0.99]:
            for alt in ALTS:
                res = stats.bootstrap((data,), statistic, n_resamples=0, bootstrap_result=base,
                                      method=method, confidence_level=conf, alternative=alt,
                                      vectorized=True)
                ci = res.confidence_interval
                boot_cases.append(dict(
                    name=f"{name}/{method}/{conf}/{alt}", data=dname, statistic=stat_name,
                    distribution=key, method=method.lower(), confidence=conf, alternative=alt,
                    expected={"low": fnum(ci.low), "high": fnum(ci.high)}))


add("b_skewed", RNG.exponential(1.0, 25).round(6))
boot("mean", "b_skewed", np.mean, "mean")
boot("median", "b_skewed", np.median, "median")
add("b_sym", normal(30, 1.0))
boot("mean_sym", "b_sym", np.mean, "mean")

# ---------------------------------------------------------------- effect sizes

eff_cases = []


def cohen_d(x, y):
    n1, n2 = len(x), len(y)
    s = np.sqrt(((n1 - 1) * np.var(x, ddof=1) + (n2 - 1) * np.var(y, ddof=1)) / (n1 + n2 - 2))
    return (np.mean(x) - np.mean(y)) / s


def rbc_paired(x, y, zero_method):
    d = np.asarray(x) - np.asarray(y)
    if zero_method == "wilcox":
        d = d[d != 0]
    r = stats.rankdata(np.abs(d))
    plus, minus, zero = r[d > 0].sum(), r[d < 0].sum(), r[d == 0].sum()
    if zero_method == "zsplit":
        plus, minus = plus + zero / 2, minus + zero / 2
    return (plus - minus) / (plus + minus)


for xn, yn in [("t_a", "t_b"), ("t_b", "t_a"), ("mwu_ties_x", "mwu_ties_y"),
               ("t_big_x", "t_big_y")]:
    x, y = load(xn), load(yn)
    u = stats.mannwhitneyu(x, y).statistic
    eff_cases.append(dict(name=f"cohens_d/{xn}/{yn}", kind="cohens_d", x=xn, y=yn,
                          expected=fnum(cohen_d(x, y))))
    eff_cases.append(dict(name=f"rank_biserial_independent/{xn}/{yn}",
                          kind="rank_biserial_independent", x=xn, y=yn,
                          expected=fnum(2 * u / (len(x) * len(y)) - 1)))
for xn, yn in [("t_a", "t_pair_y"), ("w_paired_x", "w_paired_y"), ("t_big_x", "t_big_y"),
               ("p_xi", "p_yi")]:
    x, y = load(xn), load(yn)
    d = x - y
    eff_cases.append(dict(name=f"cohens_dz/{xn}/{yn}", kind="cohens_dz", x=xn, y=yn,
                          expected=fnum(np.mean(d) / np.std(d, ddof=1))))
    for zm in ZMS:
        eff_cases.append(dict(name=f"rank_biserial_paired/{zm}/{xn}/{yn}",
                              kind="rank_biserial_paired", zero_method=zm, x=xn, y=yn,
                              expected=fnum(rbc_paired(x, y, zm))))

# ---------------------------------------------------------------- output

out = {
    "generator": "crates/stats/reference/make_scipy_cases.py",
    "versions": {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
    },
    "datasets": DATASETS,
    "mann_whitney": mwu_cases,
    "wilcoxon": wil_cases,
    "ttest": t_cases,
    "t_interval": t_interval_cases,
    "permutation": perm_cases,
    "corrections": corr_cases,
    "bootstrap_interval": boot_cases,
    "effect_size": eff_cases,
}
path = Path(__file__).with_name("scipy_cases.json")
path.write_text(json.dumps(out, indent=None, separators=(",", ":"), allow_nan=False) + "\n")
counts = {k: len(v) for k, v in out.items() if isinstance(v, list)}
print(f"wrote {path} ({path.stat().st_size} bytes): {counts}", file=sys.stderr)
