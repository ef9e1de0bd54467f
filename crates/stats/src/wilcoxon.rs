//! Wilcoxon signed-rank test for paired samples or one sample of differences.

use serde::{Deserialize, Serialize};

use crate::common::{Alternative, check_no_nan, check_paired, differences};
use crate::distributions::{normal_cdf, subset_sum_pmf, wilcoxon_pmf};
use crate::error::{Result, StatsError};
use crate::rank::rank_average;

/// How zero differences are treated (scipy's `zero_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroMethod {
    /// Drop zero differences before ranking (Wilcoxon's method; the default).
    #[default]
    Wilcox,
    /// Rank zeros with the other differences, then leave their ranks out of
    /// both sums; the normal approximation is adjusted (Cureton, 1967).
    Pratt,
    /// Rank zeros with the other differences and split their ranks equally
    /// between `R+` and `R−`.
    Zsplit,
}

/// How the Wilcoxon p-value is computed (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WilcoxonMethod {
    /// scipy 1.17's rule: more than 50 differences (zeros included) →
    /// [`Asymptotic`](Self::Asymptotic); otherwise, without ties and zeros →
    /// [`Exact`](Self::Exact); with ties or zeros and at most 13 differences →
    /// [`Permutation`](Self::Permutation) (scipy's `PermutationMethod()`,
    /// which enumerates all `2^n` sign flips at that size); else
    /// `Asymptotic`. Never reported as the method used.
    #[default]
    Auto,
    /// The exact null distribution of `R+` for untied, non-zero ranks
    /// `1..=n_ranked`. With ties or zeros (only if asked for explicitly) a
    /// fractional statistic is rounded conservatively, as scipy does:
    /// up for the lower tail, down for the upper tail. Cost `O(n³)` time and
    /// `O(n²)` memory, like scipy's.
    Exact,
    /// Normal approximation with tie correction (and Pratt's adjustment
    /// for `ZeroMethod::Pratt`), optionally with continuity correction.
    Asymptotic,
    /// The exact permutation (sign-flip) distribution of `R+` given the
    /// observed ranks, ties and zeros included: what scipy's
    /// `PermutationMethod` computes when it enumerates all sign flips. Exact
    /// for any sample size (no sampling), at a cost of `O(n³)` time and
    /// `O(n²)` memory. Needs at least 2 differences, as in scipy.
    Permutation,
}

/// Options of [`wilcoxon`] and [`wilcoxon_one_sample`]; the defaults are scipy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WilcoxonOptions {
    /// Alternative hypothesis (default two-sided).
    pub alternative: Alternative,
    /// Treatment of zero differences (default [`ZeroMethod::Wilcox`]).
    pub zero_method: ZeroMethod,
    /// Continuity correction in the normal approximation (default `false`,
    /// as in scipy).
    pub correction: bool,
    /// p-value method (default [`WilcoxonMethod::Auto`]).
    pub method: WilcoxonMethod,
}

impl WilcoxonOptions {
    /// scipy's defaults: two-sided, `wilcox` zeros, no continuity
    /// correction, automatic method.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the alternative hypothesis.
    pub fn with_alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// Sets the treatment of zero differences.
    pub fn with_zero_method(mut self, zero_method: ZeroMethod) -> Self {
        self.zero_method = zero_method;
        self
    }

    /// Turns the continuity correction on or off.
    pub fn with_correction(mut self, correction: bool) -> Self {
        self.correction = correction;
        self
    }

    /// Sets the p-value method.
    pub fn with_method(mut self, method: WilcoxonMethod) -> Self {
        self.method = method;
        self
    }
}

/// Result of [`wilcoxon`] and [`wilcoxon_one_sample`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WilcoxonResult {
    /// scipy's `statistic`: `min(R+, R−)` for the two-sided test, `R+`
    /// for one-sided tests.
    pub statistic: f64,
    /// The p-value for the chosen alternative.
    pub p_value: f64,
    /// For the normal approximation, the standardised `R+` after
    /// continuity correction; negated absolute value for the two-sided test
    /// (scipy's `zstatistic`). `None` for the other methods.
    pub z: Option<f64>,
    /// Sum of the ranks of the positive differences (plus half the zero
    /// ranks under `zsplit`).
    pub r_plus: f64,
    /// Sum of the ranks of the negative differences (plus half the zero
    /// ranks under `zsplit`).
    pub r_minus: f64,
    /// The method used (never `Auto`).
    pub method: WilcoxonMethod,
    /// The alternative tested.
    pub alternative: Alternative,
    /// The treatment of zeros.
    pub zero_method: ZeroMethod,
    /// Number of differences given.
    pub n: usize,
    /// Number of zero differences among them.
    pub n_zero: usize,
    /// Whether the ranked absolute differences contain ties.
    pub has_ties: bool,
}

impl WilcoxonResult {
    /// The matched-pairs rank-biserial correlation
    /// `(R+ − R−) / (R+ + R−)` in [−1, 1] (Kerby's simple difference
    /// formula): positive when `x` tends to exceed `y`. `None` when every
    /// difference is zero.
    pub fn rank_biserial(&self) -> Option<f64> {
        let total = self.r_plus + self.r_minus;
        (total > 0.0).then(|| (self.r_plus - self.r_minus) / total)
    }
}

/// Wilcoxon signed-rank test on paired samples: tests whether the
/// differences `x[i] − y[i]` are symmetric about zero, matching
/// `scipy.stats.wilcoxon(x, y, ...)` (scipy 1.17). See
/// [`wilcoxon_one_sample`] for the details.
///
/// # Errors
/// - [`StatsError::LengthMismatch`] if `x` and `y` differ in length (scipy
///   would broadcast a length-1 sample).
/// - Everything [`wilcoxon_one_sample`] returns.
///
/// # Example
/// ```
/// use artist2vec_stats::{wilcoxon, WilcoxonOptions, Alternative};
/// let model_a = [0.41, 0.37, 0.52, 0.48, 0.33, 0.45, 0.50, 0.39];
/// let model_b = [0.35, 0.36, 0.44, 0.46, 0.30, 0.40, 0.41, 0.35];
/// let opts = WilcoxonOptions::new().with_alternative(Alternative::Greater);
/// let res = wilcoxon(&model_a, &model_b, &opts)?;
/// assert_eq!(res.r_plus, 36.0); // every difference is positive
/// assert!((res.p_value - 1.0 / 256.0).abs() < 1e-15); // exact: 1 of 2^8 sign patterns
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn wilcoxon(x: &[f64], y: &[f64], options: &WilcoxonOptions) -> Result<WilcoxonResult> {
    check_paired(x, y)?;
    check_no_nan("x", x)?;
    check_no_nan("y", y)?;
    wilcoxon_impl(&differences(x, y), options)
}

/// Wilcoxon signed-rank test on one sample of differences `d`: tests
/// whether `d` is symmetric about zero, matching
/// `scipy.stats.wilcoxon(d, ...)` (scipy 1.17).
///
/// Absolute differences are ranked (average ranks for ties), zeros treated
/// as `options.zero_method` says. The exact method uses the null
/// distribution of `R+` over `n_ranked` untied ranks (`n_ranked` is the
/// number of non-zero differences under `wilcox`, all differences
/// otherwise); the normal approximation uses mean `n(n+1)/4` and variance
/// `(n(n+1)(2n+1) − Σ(t³ − t)/2) / 24`, with Pratt's adjustment; the
/// permutation method uses the exact sign-flip distribution of the
/// observed ranks.
///
/// # Errors
/// - [`StatsError::EmptySample`] if there are no differences (scipy: `nan`).
/// - [`StatsError::NanInput`] if any value is NaN (scipy: `nan`).
/// - [`StatsError::TooFewObservations`] for the permutation method on a
///   single difference, which [`WilcoxonMethod::Auto`] chooses when that
///   difference is zero (scipy raises `ValueError` there).
/// - [`StatsError::Undefined`] for the normal approximation when every
///   difference is zero under `wilcox` or `pratt`: the standardised
///   statistic is `0 / 0` (scipy: `nan`). This also happens with
///   [`WilcoxonMethod::Auto`] for more than 13 differences that are all
///   zero, e.g. when a model is compared with itself. (With 13 or fewer,
///   `Auto` runs the permutation test and returns `p = 1`, as scipy does.)
pub fn wilcoxon_one_sample(d: &[f64], options: &WilcoxonOptions) -> Result<WilcoxonResult> {
    check_no_nan("d", d)?;
    wilcoxon_impl(d, options)
}

fn wilcoxon_impl(d: &[f64], options: &WilcoxonOptions) -> Result<WilcoxonResult> {
    let n = d.len();
    let n_zero = d.iter().filter(|&&v| v == 0.0).count();
    let zero_method = options.zero_method;

    // The differences that take part in the ranking.
    let ranked_d: Vec<f64> = match zero_method {
        ZeroMethod::Wilcox => d.iter().copied().filter(|&v| v != 0.0).collect(),
        ZeroMethod::Pratt | ZeroMethod::Zsplit => d.to_vec(),
    };
    let abs: Vec<f64> = ranked_d.iter().map(|v| v.abs()).collect();
    let ranked = rank_average(&abs);
    let count = ranked_d.len() as f64;

    let mut r_plus = 0.0;
    let mut r_minus = 0.0;
    let mut r_zero = 0.0;
    for (&v, &r) in ranked_d.iter().zip(&ranked.ranks) {
        if v > 0.0 {
            r_plus += r;
        } else if v < 0.0 {
            r_minus += r;
        } else {
            r_zero += r;
        }
    }
    if zero_method == ZeroMethod::Zsplit {
        r_plus += r_zero / 2.0;
        r_minus += r_zero / 2.0;
    }
    let has_ties = ranked.has_ties();

    let mut mn = count * (count + 1.0) * 0.25;
    let mut se2 = count * (count + 1.0) * (2.0 * count + 1.0);
    let mut skip_groups = 0;
    if zero_method == ZeroMethod::Pratt {
        let nz = n_zero as f64;
        mn -= nz * (nz + 1.0) * 0.25;
        se2 -= nz * (nz + 1.0) * (2.0 * nz + 1.0);
        // Zeros (the smallest |d|, hence the first tie group) are left out
        // of the tie correction.
        if n_zero > 0 {
            skip_groups = 1;
        }
    }
    let se = ((se2 - ranked.tie_term(skip_groups) / 2.0) / 24.0).sqrt();

    let method = match options.method {
        WilcoxonMethod::Auto if n > 50 => WilcoxonMethod::Asymptotic,
        WilcoxonMethod::Auto if !(has_ties || n_zero > 0) => WilcoxonMethod::Exact,
        WilcoxonMethod::Auto if n <= 13 => WilcoxonMethod::Permutation,
        WilcoxonMethod::Auto => WilcoxonMethod::Asymptotic,
        m => m,
    };

    if method == WilcoxonMethod::Permutation && n < 2 {
        // scipy's permutation_test refuses a single observation.
        return Err(StatsError::TooFewObservations {
            sample: "d",
            needed: 2,
            got: n,
        });
    }
    let alternative = options.alternative;
    let mut z_out = None;
    let p_value = match method {
        WilcoxonMethod::Exact => exact_p(ranked_d.len(), r_plus, alternative),
        WilcoxonMethod::Permutation => permutation_p(
            &ranked_d,
            &ranked.ranks,
            r_plus,
            r_zero,
            zero_method,
            alternative,
        ),
        _ => {
            let mut z = (r_plus - mn) / se;
            if z.is_nan() {
                return Err(StatsError::Undefined {
                    what: "the Wilcoxon normal approximation",
                    reason: "every difference is zero, so the standardised statistic is 0/0",
                });
            }
            if options.correction {
                let sign = match alternative {
                    Alternative::Greater => 1.0,
                    Alternative::Less => -1.0,
                    Alternative::TwoSided if z > 0.0 => 1.0,
                    Alternative::TwoSided if z < 0.0 => -1.0,
                    Alternative::TwoSided => 0.0,
                };
                z -= sign * 0.5 / se;
            }
            let p = match alternative {
                Alternative::Less => normal_cdf(z),
                Alternative::Greater => normal_cdf(-z),
                Alternative::TwoSided => 2.0 * normal_cdf(-z.abs()),
            };
            z_out = Some(if alternative == Alternative::TwoSided {
                -z.abs()
            } else {
                z
            });
            p
        }
    };

    let statistic = match alternative {
        Alternative::TwoSided => r_plus.min(r_minus),
        _ => r_plus,
    };
    Ok(WilcoxonResult {
        statistic,
        p_value,
        z: z_out,
        r_plus,
        r_minus,
        method,
        alternative,
        zero_method,
        n,
        n_zero,
        has_ties,
    })
}

/// scipy's exact p-value: the untied null distribution of `R+` over
/// `count` ranks, the statistic rounded up for the CDF and down for the SF.
fn exact_p(count: usize, r_plus: f64, alternative: Alternative) -> f64 {
    let pmf = wilcoxon_pmf(count);
    let mean = count as f64 * (count as f64 + 1.0) / 4.0;
    let last = pmf.len() - 1;
    let sum = |range: std::ops::Range<usize>| -> f64 {
        let (a, b) = (range.start.min(pmf.len()), range.end.min(pmf.len()));
        pmf[a..b].iter().sum()
    };
    // P(R+ <= k) and P(R+ >= k), each summed over the smaller side as in
    // scipy's WilcoxonDistribution.
    let cdf = |k: usize| -> f64 {
        if k as f64 <= mean {
            sum(0..k + 1)
        } else {
            1.0 - sum(k + 1..last + 1)
        }
    };
    let sf = |k: usize| -> f64 {
        if k as f64 <= mean {
            sum(k..last + 1)
        } else {
            1.0 - sum(0..k)
        }
    };
    let up = r_plus.ceil() as usize;
    let down = r_plus.floor() as usize;
    match alternative {
        Alternative::Less => cdf(up),
        Alternative::Greater => sf(down),
        Alternative::TwoSided => (2.0 * sf(down).min(cdf(up))).clamp(0.0, 1.0),
    }
}

/// Exact sign-flip p-value of `R+` given the observed ranks.
///
/// All ranks are multiples of ½, so doubled ranks are integers and the
/// null distribution of `2 R+` is a subset-sum distribution with no
/// rounding in the comparisons.
fn permutation_p(
    ranked_d: &[f64],
    ranks: &[f64],
    r_plus: f64,
    r_zero: f64,
    zero_method: ZeroMethod,
    alternative: Alternative,
) -> f64 {
    let weights: Vec<u64> = ranked_d
        .iter()
        .zip(ranks)
        .filter(|&(&v, _)| v != 0.0)
        .map(|(_, &r)| (2.0 * r).round() as u64)
        .collect();
    // Zero differences keep their sign under flipping: under zsplit they add
    // half their ranks to R+ in every permutation, otherwise nothing.
    let base = match zero_method {
        ZeroMethod::Zsplit => r_zero.round() as i64,
        _ => 0,
    };
    let observed = (2.0 * r_plus).round() as i64;
    let pmf = subset_sum_pmf(&weights);
    let mut less = 0.0;
    let mut greater = 0.0;
    for (v, &p) in pmf.iter().enumerate() {
        let value = v as i64 + base;
        if value <= observed {
            less += p;
        }
        if value >= observed {
            greater += p;
        }
    }
    let p = match alternative {
        Alternative::Less => less,
        Alternative::Greater => greater,
        Alternative::TwoSided => 2.0 * less.min(greater),
    };
    p.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_handling_changes_rank_sums() {
        let d = [0.0, 1.0, -2.0, 3.0, 0.0];
        let o = WilcoxonOptions::new().with_method(WilcoxonMethod::Asymptotic);
        let w = wilcoxon_one_sample(&d, &o).unwrap();
        assert_eq!((w.r_plus, w.r_minus), (4.0, 2.0));
        let p = wilcoxon_one_sample(&d, &o.with_zero_method(ZeroMethod::Pratt)).unwrap();
        assert_eq!((p.r_plus, p.r_minus), (8.0, 4.0));
        let z = wilcoxon_one_sample(&d, &o.with_zero_method(ZeroMethod::Zsplit)).unwrap();
        assert_eq!((z.r_plus, z.r_minus), (9.5, 5.5));
        assert_eq!(z.statistic, 5.5);
        assert_eq!(w.n_zero, 2);
    }

    #[test]
    fn auto_method_follows_scipy_rule() {
        let untied: Vec<f64> = (1..=20)
            .map(|i| f64::from(i) * if i % 3 == 0 { -1.0 } else { 1.0 })
            .collect();
        let o = WilcoxonOptions::new();
        assert_eq!(
            wilcoxon_one_sample(&untied, &o).unwrap().method,
            WilcoxonMethod::Exact
        );
        let mut tied = untied.clone();
        tied[0] = 2.0;
        assert_eq!(
            wilcoxon_one_sample(&tied, &o).unwrap().method,
            WilcoxonMethod::Asymptotic
        );
        assert_eq!(
            wilcoxon_one_sample(&tied[..13], &o).unwrap().method,
            WilcoxonMethod::Permutation
        );
        let big: Vec<f64> = (1..=51).map(f64::from).collect();
        assert_eq!(
            wilcoxon_one_sample(&big, &o).unwrap().method,
            WilcoxonMethod::Asymptotic
        );
        assert_eq!(
            wilcoxon_one_sample(&big[..50], &o).unwrap().method,
            WilcoxonMethod::Exact
        );
    }

    #[test]
    fn permutation_equals_exact_without_ties() {
        let d = [1.5, -0.2, 3.1, 2.2, -4.0, 0.7, 5.5, 6.1, -0.9];
        for alternative in [
            Alternative::TwoSided,
            Alternative::Less,
            Alternative::Greater,
        ] {
            let o = WilcoxonOptions::new().with_alternative(alternative);
            let exact = wilcoxon_one_sample(&d, &o.with_method(WilcoxonMethod::Exact)).unwrap();
            let perm =
                wilcoxon_one_sample(&d, &o.with_method(WilcoxonMethod::Permutation)).unwrap();
            assert!(
                (exact.p_value - perm.p_value).abs() < 1e-15,
                "{alternative:?}"
            );
        }
    }

    #[test]
    fn all_zero_differences() {
        let d = [0.0; 20];
        assert!(matches!(
            wilcoxon_one_sample(&d, &WilcoxonOptions::new()),
            Err(StatsError::Undefined { .. })
        ));
        let r = wilcoxon_one_sample(&d[..5], &WilcoxonOptions::new()).unwrap();
        assert_eq!(r.method, WilcoxonMethod::Permutation);
        assert_eq!(r.p_value, 1.0);
        assert_eq!(r.rank_biserial(), None);
        let zsplit = WilcoxonOptions::new().with_zero_method(ZeroMethod::Zsplit);
        let r = wilcoxon_one_sample(&d, &zsplit).unwrap();
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn invalid_input() {
        let o = WilcoxonOptions::new();
        assert_eq!(
            wilcoxon(&[1.0, 2.0], &[1.0], &o),
            Err(StatsError::LengthMismatch { x: 2, y: 1 })
        );
        assert_eq!(
            wilcoxon_one_sample(&[], &o),
            Err(StatsError::EmptySample { sample: "d" })
        );
        assert!(matches!(
            wilcoxon(&[1.0, f64::NAN], &[0.0, 0.0], &o),
            Err(StatsError::NanInput {
                sample: "x",
                index: 1
            })
        ));
    }

    #[test]
    fn rank_biserial_signs() {
        let o = WilcoxonOptions::new();
        let r = wilcoxon(&[3.0, 4.0, 5.0], &[1.0, 1.0, 1.0], &o).unwrap();
        assert_eq!(r.rank_biserial(), Some(1.0));
        let r = wilcoxon_one_sample(&[-1.0, 2.0, -3.0, 4.0], &o).unwrap();
        // R+ = 2 + 4 = 6, R- = 1 + 3 = 4.
        assert_eq!(r.rank_biserial(), Some(0.2));
    }
}
