//! Student's t-tests and t-based confidence intervals of a mean.

use serde::Serialize;

use crate::common::{
    Alternative, ConfidenceInterval, check_confidence, check_finite, check_len, check_paired,
    differences, mean_var, two_sample_moments,
};
use crate::distributions::{t_cdf, t_ppf};
use crate::error::{Result, StatsError};

/// Which t-test produced a [`TTestResult`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TTestKind {
    /// One-sample test against a hypothesised mean.
    OneSample,
    /// Paired test on the differences `x − y`.
    Paired,
    /// Two independent samples, pooled variance.
    Student,
    /// Two independent samples, unequal variances (Welch–Satterthwaite).
    Welch,
}

/// Result of a t-test, with what is needed for its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TTestResult {
    /// The t statistic `(estimate − null value) / standard_error`.
    pub statistic: f64,
    /// The p-value for the chosen alternative.
    pub p_value: f64,
    /// Degrees of freedom (fractional for Welch's test).
    pub df: f64,
    /// The estimated quantity: the mean (one-sample), the mean difference
    /// (paired) or `mean(x) − mean(y)` (two-sample).
    pub estimate: f64,
    /// The value of `estimate` under the null hypothesis (`popmean` for
    /// the one-sample test, 0 otherwise).
    pub null_value: f64,
    /// Standard error of `estimate`.
    pub standard_error: f64,
    /// The alternative tested.
    pub alternative: Alternative,
    /// Which test this is.
    pub kind: TTestKind,
}

impl TTestResult {
    /// Confidence interval of `estimate` at level `confidence`, matching
    /// scipy's `TtestResult.confidence_interval`: two-sided for a two-sided
    /// test, `(-inf, high]` for "less" and `[low, inf)` for "greater".
    /// (With a zero standard error scipy returns `nan` for the infinite end,
    /// from `-inf · 0`; this crate returns the infinity.)
    ///
    /// # Errors
    /// [`StatsError::InvalidConfidence`] unless `0 < confidence < 1`.
    pub fn confidence_interval(&self, confidence: f64) -> Result<ConfidenceInterval> {
        check_confidence(confidence)?;
        let (lo_t, hi_t) = match self.alternative {
            Alternative::Less => (f64::NEG_INFINITY, t_ppf(self.df, confidence)),
            Alternative::Greater => (t_ppf(self.df, 1.0 - confidence), f64::INFINITY),
            Alternative::TwoSided => {
                let tail = (1.0 - confidence) / 2.0;
                (t_ppf(self.df, tail), t_ppf(self.df, 1.0 - tail))
            }
        };
        Ok(ConfidenceInterval {
            low: bound(self.estimate, lo_t, self.standard_error),
            high: bound(self.estimate, hi_t, self.standard_error),
            confidence,
        })
    }
}

/// `estimate + t · se`, keeping an infinite `t` infinite when `se = 0`.
fn bound(estimate: f64, t: f64, se: f64) -> f64 {
    if t.is_infinite() {
        t
    } else {
        estimate + t * se
    }
}

fn t_p_value(t: f64, df: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Less => t_cdf(df, t),
        Alternative::Greater => t_cdf(df, -t),
        Alternative::TwoSided => 2.0 * t_cdf(df, -t.abs()),
    }
}

fn finish(
    estimate: f64,
    null_value: f64,
    standard_error: f64,
    df: f64,
    alternative: Alternative,
    kind: TTestKind,
) -> Result<TTestResult> {
    let statistic = (estimate - null_value) / standard_error;
    if statistic.is_nan() {
        return Err(StatsError::Undefined {
            what: "the t statistic",
            reason: "the standard error is zero and the estimate equals its null value (0/0)",
        });
    }
    Ok(TTestResult {
        statistic,
        p_value: t_p_value(statistic, df, alternative),
        df,
        estimate,
        null_value,
        standard_error,
        alternative,
        kind,
    })
}

/// One-sample t-test of the null hypothesis that the mean of `x` is
/// `popmean` (scipy's `ttest_1samp`).
///
/// A sample with zero variance gives `t = ±inf` and `p = 0` when its mean
/// differs from `popmean`, as in scipy.
///
/// # Errors
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] for fewer than 2 observations
///   (scipy: `nan`).
/// - [`StatsError::Undefined`] if the sample is constant and equal to
///   `popmean` (scipy: `nan`).
pub fn one_sample_t_test(x: &[f64], popmean: f64, alternative: Alternative) -> Result<TTestResult> {
    check_finite("x", x)?;
    check_len("x", x, 2)?;
    if !popmean.is_finite() {
        return Err(StatsError::InvalidParameter {
            name: "popmean",
            reason: "must be finite",
        });
    }
    let n = x.len() as f64;
    let (m, v) = mean_var(x);
    let se = (v / n).sqrt();
    finish(m, popmean, se, n - 1.0, alternative, TTestKind::OneSample)
}

/// Paired t-test on the differences `x[i] − y[i]` (scipy's `ttest_rel`).
///
/// # Errors
/// - [`StatsError::LengthMismatch`] if the lengths differ.
/// - As [`one_sample_t_test`] on the differences, with `popmean = 0`.
///
/// # Example
/// ```
/// use artist2vec_stats::{paired_t_test, Alternative};
/// let a = [0.30, 0.42, 0.35, 0.51, 0.44];
/// let b = [0.28, 0.40, 0.36, 0.45, 0.40];
/// let t = paired_t_test(&a, &b, Alternative::TwoSided)?;
/// assert_eq!(t.df, 4.0);
/// let ci = t.confidence_interval(0.95)?;
/// assert!(ci.contains(t.estimate));
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn paired_t_test(x: &[f64], y: &[f64], alternative: Alternative) -> Result<TTestResult> {
    check_paired(x, y)?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    check_len("x", x, 2)?;
    let d = differences(x, y);
    let n = d.len() as f64;
    let (m, v) = mean_var(&d);
    let se = (v / n).sqrt();
    finish(m, 0.0, se, n - 1.0, alternative, TTestKind::Paired)
}

/// Student's two-sample t-test with pooled variance (scipy's
/// `ttest_ind(equal_var=True)`). A sample of one observation is allowed
/// when the other has at least two, as in scipy.
///
/// # Errors
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] if `len(x) + len(y) < 3`
///   (scipy: `nan`), reported for `y`.
/// - [`StatsError::Undefined`] if both samples are constant with the same
///   value (scipy: `nan`).
pub fn student_t_test(x: &[f64], y: &[f64], alternative: Alternative) -> Result<TTestResult> {
    check_finite("x", x)?;
    check_finite("y", y)?;
    if x.len() + y.len() < 3 {
        return Err(StatsError::TooFewObservations {
            sample: "y",
            needed: 3 - x.len(),
            got: y.len(),
        });
    }
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let (m1, v1) = sample_mean_var(x);
    let (m2, v2) = sample_mean_var(y);
    let df = n1 + n2 - 2.0;
    let pooled = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df;
    let se = (pooled * (1.0 / n1 + 1.0 / n2)).sqrt();
    finish(m1 - m2, 0.0, se, df, alternative, TTestKind::Student)
}

/// Welch's two-sample t-test for unequal variances (scipy's
/// `ttest_ind(equal_var=False)`), with Welch–Satterthwaite degrees of
/// freedom. When both variances are zero the degrees of freedom are set to
/// 1, as in scipy (the statistic is then infinite and `p = 0`).
///
/// # Errors
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] if either sample has fewer than 2
///   observations (scipy: `nan`).
/// - [`StatsError::Undefined`] if both samples are constant with the same
///   value (scipy: `nan`).
pub fn welch_t_test(x: &[f64], y: &[f64], alternative: Alternative) -> Result<TTestResult> {
    let (a, b) = two_sample_moments(x, y)?;
    let (vn1, vn2) = (a.var / a.n, b.var / b.n);
    let mut df = (vn1 + vn2).powi(2) / (vn1 * vn1 / (a.n - 1.0) + vn2 * vn2 / (b.n - 1.0));
    if df.is_nan() {
        df = 1.0;
    }
    let se = (vn1 + vn2).sqrt();
    finish(a.mean - b.mean, 0.0, se, df, alternative, TTestKind::Welch)
}

/// Mean and variance, with variance 0 for a single observation (its
/// weight `n − 1` in the pooled variance is 0 anyway).
fn sample_mean_var(x: &[f64]) -> (f64, f64) {
    if x.len() == 1 {
        (x[0], 0.0)
    } else {
        mean_var(x)
    }
}

/// Two-sided t-based confidence interval of the mean of `x`:
/// `mean ± t_{(1+c)/2, n−1} · s / √n`, as
/// `scipy.stats.t.interval(c, n − 1, loc=mean, scale=sem)`.
///
/// # Errors
/// - [`StatsError::InvalidConfidence`] unless `0 < confidence < 1`.
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] for fewer than 2 observations
///   (scipy: `nan`).
///
/// # Example
/// ```
/// use artist2vec_stats::mean_confidence_interval;
/// let ci = mean_confidence_interval(&[1.0, 2.0, 4.0], 0.9)?;
/// assert!((ci.low - -0.24185189250352312).abs() < 1e-12);
/// assert!((ci.high - 4.908518559170188).abs() < 1e-12);
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn mean_confidence_interval(x: &[f64], confidence: f64) -> Result<ConfidenceInterval> {
    check_confidence(confidence)?;
    check_finite("x", x)?;
    check_len("x", x, 2)?;
    let n = x.len() as f64;
    let (m, v) = mean_var(x);
    let se = (v / n).sqrt();
    let t = t_ppf(n - 1.0, 1.0 - (1.0 - confidence) / 2.0);
    Ok(ConfidenceInterval {
        low: m - t * se,
        high: m + t * se,
        confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scipy_probe_values() {
        // Values printed by scipy 1.17.1.
        let r = welch_t_test(
            &[1.0, 2.0, 4.0],
            &[3.0, 5.0, 6.0, 9.0],
            Alternative::TwoSided,
        )
        .unwrap();
        assert!((r.statistic - -2.2334123138816575).abs() < 1e-13);
        assert!((r.p_value - 0.0768610406463394).abs() < 1e-12);
        assert!((r.df - 4.906424158638268).abs() < 1e-12);
        let ci = r.confidence_interval(0.95).unwrap();
        assert!((ci.low - -7.371799993389635).abs() < 1e-10);
        assert!((ci.high - 0.5384666600563022).abs() < 1e-10);

        let r = student_t_test(&[1.0], &[2.0, 3.0], Alternative::TwoSided).unwrap();
        assert!((r.statistic - -1.7320508075688774).abs() < 1e-14);
        assert!((r.p_value - 0.33333333333333337).abs() < 1e-13);
        let r = welch_t_test(&[1.0, 1.0], &[2.0, 3.0], Alternative::TwoSided).unwrap();
        assert!((r.p_value - 0.20483276469913345).abs() < 1e-13);
    }

    #[test]
    fn zero_variance_cases() {
        let r = paired_t_test(&[1.0, 2.0, 3.0], &[0.0, 1.0, 2.0], Alternative::TwoSided).unwrap();
        assert_eq!((r.statistic, r.p_value), (f64::INFINITY, 0.0));
        let r = welch_t_test(&[1.0, 1.0], &[2.0, 2.0], Alternative::Greater).unwrap();
        assert_eq!(
            (r.statistic, r.p_value, r.df),
            (f64::NEG_INFINITY, 1.0, 1.0)
        );
        assert!(matches!(
            paired_t_test(&[1.0, 2.0], &[1.0, 2.0], Alternative::TwoSided),
            Err(StatsError::Undefined { .. })
        ));
        assert!(matches!(
            student_t_test(&[1.0, 1.0], &[1.0, 1.0], Alternative::TwoSided),
            Err(StatsError::Undefined { .. })
        ));
        let ci = mean_confidence_interval(&[1.5, 1.5, 1.5], 0.9).unwrap();
        assert_eq!((ci.low, ci.high), (1.5, 1.5));
    }

    #[test]
    fn too_small_samples() {
        assert_eq!(
            paired_t_test(&[1.0], &[2.0], Alternative::TwoSided),
            Err(StatsError::TooFewObservations {
                sample: "x",
                needed: 2,
                got: 1
            })
        );
        assert!(matches!(
            student_t_test(&[1.0], &[2.0], Alternative::TwoSided),
            Err(StatsError::TooFewObservations { .. })
        ));
        assert!(matches!(
            welch_t_test(&[1.0], &[2.0, 3.0], Alternative::TwoSided),
            Err(StatsError::TooFewObservations { sample: "x", .. })
        ));
        assert!(matches!(
            mean_confidence_interval(&[1.0], 0.95),
            Err(StatsError::TooFewObservations { .. })
        ));
        assert!(matches!(
            mean_confidence_interval(&[1.0, 2.0], 1.0),
            Err(StatsError::InvalidConfidence(_))
        ));
        assert!(matches!(
            one_sample_t_test(&[1.0, f64::INFINITY], 0.0, Alternative::TwoSided),
            Err(StatsError::InfiniteInput { .. })
        ));
    }

    #[test]
    fn one_sided_intervals_are_half_infinite() {
        let x = [2.1, 3.3, 1.9, 4.2, 2.8];
        let less = one_sample_t_test(&x, 0.0, Alternative::Less).unwrap();
        let ci = less.confidence_interval(0.95).unwrap();
        assert_eq!(ci.low, f64::NEG_INFINITY);
        let two = one_sample_t_test(&x, 0.0, Alternative::TwoSided).unwrap();
        let ci90 = two.confidence_interval(0.90).unwrap();
        // The one-sided 95 % bound equals the two-sided 90 % bound.
        assert!((ci.high - ci90.high).abs() < 1e-12);
        let mc = mean_confidence_interval(&x, 0.90).unwrap();
        assert!((mc.low - ci90.low).abs() < 1e-12);
    }

    #[test]
    fn p_values_of_alternatives_add_up() {
        let x = [0.3, -0.1, 0.8, 0.4, 0.25, 0.6];
        let g = one_sample_t_test(&x, 0.1, Alternative::Greater).unwrap();
        let l = one_sample_t_test(&x, 0.1, Alternative::Less).unwrap();
        let t = one_sample_t_test(&x, 0.1, Alternative::TwoSided).unwrap();
        assert!((g.p_value + l.p_value - 1.0).abs() < 1e-14);
        assert!((t.p_value - 2.0 * g.p_value.min(l.p_value)).abs() < 1e-14);
    }
}
