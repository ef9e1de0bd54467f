//! Distribution functions used by the tests.
//!
//! Student's t comes from `statrs`; the normal CDF is built on `libm`'s
//! `erf`/`erfc` (ports of musl's, accurate to an ulp), because `statrs`
//! 0.18's `erfc` has relative errors near 1e-10 for arguments above ½
//! (its own tests accept 1e-9). Quantiles start from `statrs` and are
//! refined by Newton steps on the CDFs. This module also holds the exact,
//! discrete null distributions of the rank tests, which are counting
//! recursions rather than special functions.

use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};

/// Standard normal CDF Φ(z), computed as scipy's `special.ndtr` (Cephes):
/// through `erf` near zero and `erfc` in the tails. NaN in, NaN out.
pub(crate) fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let x = z * std::f64::consts::FRAC_1_SQRT_2;
    let ax = x.abs();
    if ax < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(x)
    } else {
        let y = 0.5 * libm::erfc(ax);
        if x > 0.0 { 1.0 - y } else { y }
    }
}

fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal quantile Φ⁻¹(p) for `p` in [0, 1] (scipy's
/// `special.ndtri`); NaN outside.
pub(crate) fn normal_ppf(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -normal_ppf(1.0 - p);
    }
    let start = Normal::standard().inverse_cdf(p);
    newton_lower_tail(start, p, normal_cdf, normal_pdf)
}

/// Solves `cdf(t) = p` for `p <= 0.5` (so `t <= 0`) by Newton steps on
/// `ln cdf(t)`, which converge from far starting points in heavy tails.
fn newton_lower_tail(
    start: f64,
    p: f64,
    cdf: impl Fn(f64) -> f64,
    pdf: impl Fn(f64) -> f64,
) -> f64 {
    let mut t = start.min(0.0);
    if !t.is_finite() {
        return t;
    }
    let target = p.ln();
    for _ in 0..100 {
        let f = cdf(t);
        let density = pdf(t);
        if !(f > 0.0 && density > 0.0) {
            break;
        }
        let step = (f.ln() - target) * f / density;
        if !step.is_finite() {
            break;
        }
        let mut next = t - step;
        if next > 0.0 {
            // Stay in the lower half, where the CDF is accurate.
            next = t / 2.0;
        }
        let done = (next - t).abs() <= 4.0 * f64::EPSILON * t.abs();
        t = next;
        if done {
            break;
        }
    }
    t
}

fn students_t(df: f64) -> Option<StudentsT> {
    StudentsT::new(0.0, 1.0, df).ok()
}

/// Student's t CDF at `t` with `df > 0` degrees of freedom (scipy's
/// `special.stdtr`). Handles infinite `t`; NaN in, NaN out.
///
/// `statrs` computes it from the regularised incomplete beta function; its
/// relative accuracy is about 1e-13 up to `df ≈ 1000`, 1e-11 at
/// `df ≈ 5000` and 1e-10 at `df ≈ 1e5`.
pub(crate) fn t_cdf(df: f64, t: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t == f64::INFINITY {
        return 1.0;
    }
    if t == f64::NEG_INFINITY {
        return 0.0;
    }
    // Compute the smaller tail directly, so tiny p-values keep their
    // relative precision: P(T <= t) = 1 - P(T <= -t).
    match students_t(df) {
        Some(dist) if t <= 0.0 => dist.cdf(t),
        Some(dist) => 1.0 - dist.cdf(-t),
        None => f64::NAN,
    }
}

/// Student's t quantile for `p` in [0, 1] (scipy's `special.stdtrit`).
///
/// The `statrs` inverse (which is only accurate to about 1e-6 at large
/// `df`) is refined by Newton steps on the `statrs` CDF, so the result is
/// as accurate as the CDF itself.
pub(crate) fn t_ppf(df: f64, p: f64) -> f64 {
    if p.is_nan() || df.is_nan() || df <= 0.0 || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -t_ppf(df, 1.0 - p);
    }
    let Some(dist) = students_t(df) else {
        return f64::NAN;
    };
    let start = dist.inverse_cdf(p);
    newton_lower_tail(start, p, |t| dist.cdf(t), |t| dist.pdf(t))
}

/// Probabilities `P(U = u)` for `u = 0..=max_u` of the Mann–Whitney U
/// statistic under the null hypothesis, for samples of sizes `n1`, `n2`
/// without ties.
///
/// The generating function of the counts is the Gaussian binomial
/// coefficient `[n1 + n2 choose n1]_q = ∏_{i=1}^{m} (1 − q^{n+i}) / (1 − q^i)`
/// with `m = min(n1, n2)` and `n = max(n1, n2)`. It is built one factor at a
/// time, renormalised after each factor so that the coefficients are
/// probabilities (no overflow for any sample size). Only the coefficients up
/// to `max_u` are kept; each factor touches lower indices only, so the
/// truncation is exact. Cost: `O(min(n1, n2) · max_u)`.
pub(crate) fn mann_whitney_pmf(n1: usize, n2: usize, max_u: usize) -> Vec<f64> {
    let (m, n) = if n1 <= n2 { (n1, n2) } else { (n2, n1) };
    let mut c = vec![1.0_f64];
    for i in 1..=m {
        let len = (n * i).min(max_u) + 1;
        c.resize(len, 0.0);
        // Multiply by (1 - q^(n + i)); descending so that c[u - n - i] is
        // still the old coefficient when it is read.
        let shift = n + i;
        for u in (shift..len).rev() {
            c[u] -= c[u - shift];
        }
        // Divide by (1 - q^i): a running sum with stride i.
        for u in i..len {
            c[u] += c[u - i];
        }
        // binom(n + i, i) / binom(n + i - 1, i - 1) = (n + i) / i.
        let scale = i as f64 / (n + i) as f64;
        for v in &mut c {
            *v *= scale;
        }
    }
    c.resize(max_u + 1, 0.0);
    c
}

/// Survival function `P(U >= k)` of the exact Mann–Whitney null
/// distribution, computed as scipy 1.17 does: from the lower half of the
/// symmetric distribution.
pub(crate) fn mann_whitney_sf(n1: usize, n2: usize, k: u64) -> f64 {
    let total = (n1 as u64) * (n2 as u64);
    let k = k.min(total);
    let kc = total - k;
    if k < kc {
        let pmf = mann_whitney_pmf(n1, n2, k as usize);
        let cdf: f64 = pmf.iter().sum();
        1.0 - cdf + pmf[k as usize]
    } else {
        let pmf = mann_whitney_pmf(n1, n2, kc as usize);
        pmf.iter().sum()
    }
}

/// Probabilities of `Σ_{i ∈ S} w_i` over the `2^len(w)` equally likely
/// subsets `S` of integer weights `w` (the null distribution of a signed-rank
/// sum, possibly with doubled tied ranks). Index = value of the sum.
pub(crate) fn subset_sum_pmf(weights: &[u64]) -> Vec<f64> {
    let total: u64 = weights.iter().sum();
    let mut c = vec![0.0_f64; total as usize + 1];
    c[0] = 1.0;
    let mut reach = 0_usize;
    for &w in weights {
        let w = w as usize;
        reach += w;
        for v in (0..=reach).rev() {
            let with = if v >= w { c[v - w] } else { 0.0 };
            c[v] = 0.5 * (c[v] + with);
        }
    }
    c
}

/// Exact null distribution of the Wilcoxon signed-rank statistic `R+` for
/// `n` untied, non-zero differences (ranks `1..=n`), as scipy's
/// `_get_wilcoxon_distr`.
pub(crate) fn wilcoxon_pmf(n: usize) -> Vec<f64> {
    let ranks: Vec<u64> = (1..=n as u64).collect();
    subset_sum_pmf(&ranks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binom(n: u64, k: u64) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
    }

    #[test]
    fn mann_whitney_pmf_sums_to_one_and_is_symmetric() {
        for &(n1, n2) in &[(1, 1), (3, 5), (8, 8), (7, 20), (20, 3)] {
            let total = n1 * n2;
            let pmf = mann_whitney_pmf(n1, n2, total);
            let s: f64 = pmf.iter().sum();
            assert!((s - 1.0).abs() < 1e-13, "{n1} {n2} sum {s}");
            for u in 0..=total {
                assert!((pmf[u] - pmf[total - u]).abs() < 1e-15);
            }
            // P(U = 0) = 1 / binom(n1 + n2, n1).
            let p0 = 1.0 / binom((n1 + n2) as u64, n1 as u64);
            assert!((pmf[0] - p0).abs() <= 1e-15 * p0);
        }
    }

    #[test]
    fn mann_whitney_pmf_matches_brute_force() {
        // Enumerate which of the 7 pooled positions belong to the 3-sample.
        let (n1, n2) = (3_usize, 4_usize);
        let mut counts = vec![0_u32; n1 * n2 + 1];
        let mut all = 0;
        for mask in 0_u32..(1 << (n1 + n2)) {
            if mask.count_ones() as usize != n1 {
                continue;
            }
            all += 1;
            // U = number of (x, y) pairs with x above y.
            let mut u = 0;
            let mut ys_below = 0;
            for pos in 0..(n1 + n2) {
                if mask & (1 << pos) != 0 {
                    u += ys_below;
                } else {
                    ys_below += 1;
                }
            }
            counts[u] += 1;
        }
        let pmf = mann_whitney_pmf(n1, n2, n1 * n2);
        for (u, &c) in counts.iter().enumerate() {
            assert!((pmf[u] - c as f64 / all as f64).abs() < 1e-15, "u = {u}");
        }
    }

    #[test]
    fn truncated_pmf_equals_prefix_of_full_pmf() {
        let full = mann_whitney_pmf(9, 13, 9 * 13);
        let part = mann_whitney_pmf(13, 9, 40);
        for u in 0..=40 {
            assert!((full[u] - part[u]).abs() < 1e-16);
        }
    }

    #[test]
    fn wilcoxon_pmf_small_case() {
        // n = 3: sums of subsets of {1, 2, 3}: 0,1,2,3,3,4,5,6.
        let pmf = wilcoxon_pmf(3);
        let expected = [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0].map(|c| c / 8.0);
        assert_eq!(pmf.len(), expected.len());
        for (a, b) in pmf.iter().zip(expected) {
            assert!((a - b).abs() < 1e-16);
        }
    }

    #[test]
    fn t_distribution_tails_and_quantiles() {
        // Cauchy (df = 1): F(t) = 1/2 + atan(t)/π.
        for &t in &[-30.0, -2.0, -0.3, 0.0, 0.7, 5.0] {
            let f = 0.5 + f64::atan(t) / std::f64::consts::PI;
            assert!((t_cdf(1.0, t) - f).abs() < 1e-14, "t = {t}");
        }
        assert_eq!(t_cdf(3.0, f64::INFINITY), 1.0);
        assert_eq!(t_cdf(3.0, f64::NEG_INFINITY), 0.0);
        for &df in &[1.0, 2.5, 10.0, 300.0] {
            for &p in &[1e-10, 1e-8, 0.01, 0.025, 0.3, 0.5, 0.9, 0.975] {
                let t = t_ppf(df, p);
                let back = t_cdf(df, t);
                assert!(
                    (back - p).abs() < 1e-13 * p.min(1.0 - p),
                    "df {df} p {p}: {back}"
                );
            }
        }
    }

    #[test]
    fn normal_functions() {
        // Values of scipy.special.ndtr / ndtri (scipy 1.17.1).
        assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-16);
        assert!((normal_cdf(-1.5921683328090657) - 0.11134688653314041 / 2.0).abs() < 1e-17);
        assert!((normal_cdf(-10.0) / 7.61985302416047e-24 - 1.0).abs() < 1e-14);
        assert!((normal_ppf(0.975) - 1.959963984540054).abs() < 1e-15);
        assert!((normal_ppf(1e-20) / -9.262340089798409 - 1.0).abs() < 1e-14);
        assert!(normal_cdf(f64::NAN).is_nan());
        assert!(normal_ppf(1.5).is_nan());
        assert_eq!(normal_ppf(0.0), f64::NEG_INFINITY);
    }
}
