//! Bootstrap confidence intervals (percentile and BCa), seeded.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::common::{
    Alternative, ConfidenceInterval, check_confidence, check_finite, check_len, mean, mean_var,
};
use crate::distributions::{normal_cdf, normal_ppf};
use crate::error::{Result, StatsError};

/// How the bootstrap interval is formed from the bootstrap distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BootstrapMethod {
    /// Quantiles `α` and `1 − α` of the bootstrap distribution.
    Percentile,
    /// Bias-corrected and accelerated quantiles (Efron & Tibshirani 1993,
    /// §14.3; the acceleration from the jackknife), scipy's default.
    #[default]
    Bca,
}

/// Options of the bootstrap functions; the defaults follow
/// `scipy.stats.bootstrap` (9 999 resamples, 95 %, BCa, two-sided).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Number of bootstrap resamples (at least 2; default 9 999).
    pub n_resamples: usize,
    /// Confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Interval method (default [`BootstrapMethod::Bca`]).
    pub method: BootstrapMethod,
    /// Two-sided interval, or a one-sided one with an infinite end
    /// (default two-sided).
    pub alternative: Alternative,
    /// Seed of the resampling generator.
    pub seed: u64,
}

impl BootstrapOptions {
    /// scipy's defaults with the given seed.
    pub fn new(seed: u64) -> Self {
        Self {
            n_resamples: 9999,
            confidence: 0.95,
            method: BootstrapMethod::Bca,
            alternative: Alternative::TwoSided,
            seed,
        }
    }

    /// Sets the number of resamples.
    pub fn with_n_resamples(mut self, n_resamples: usize) -> Self {
        self.n_resamples = n_resamples;
        self
    }

    /// Sets the confidence level.
    pub fn with_confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    /// Sets the interval method.
    pub fn with_method(mut self, method: BootstrapMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets the sidedness of the interval.
    pub fn with_alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<()> {
        check_confidence(self.confidence)?;
        if self.n_resamples < 2 {
            return Err(StatsError::InvalidParameter {
                name: "n_resamples",
                reason: "the bootstrap needs at least 2 resamples",
            });
        }
        Ok(())
    }
}

/// Result of a bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BootstrapResult {
    /// The statistic on the original sample.
    pub estimate: f64,
    /// The confidence interval.
    pub confidence_interval: ConfidenceInterval,
    /// Standard deviation (`ddof = 1`) of the bootstrap distribution.
    pub standard_error: f64,
    /// Interval method used.
    pub method: BootstrapMethod,
    /// Number of resamples drawn.
    pub n_resamples: usize,
    /// Seed used.
    pub seed: u64,
}

/// Bootstrap confidence interval of `statistic` on one sample.
///
/// Draws `options.n_resamples` resamples of `data` with replacement,
/// evaluates `statistic` on each and forms a percentile or BCa interval the
/// way `scipy.stats.bootstrap` does (same acceleration, same bias
/// correction, same quantile interpolation). The draws come from this
/// crate's generator (`rand`'s `StdRng` seeded with `options.seed`), so the
/// interval equals scipy's in method, not in its random draws; the same
/// seed always gives the same interval with the same versions of this
/// crate and `rand`. For paired data, bootstrap the differences.
///
/// # Errors
/// - [`StatsError::InvalidConfidence`], or [`StatsError::InvalidParameter`]
///   for fewer than 2 resamples.
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad data;
///   [`StatsError::TooFewObservations`] for BCa on fewer than 2 values.
/// - [`StatsError::NonFiniteStatistic`] if `statistic` returns NaN or an
///   infinity on the sample, a resample or a jackknife sample.
/// - [`StatsError::Undefined`] if the BCa interval cannot be formed
///   (the jackknife values are all equal, or the whole bootstrap
///   distribution lies on one side of the estimate); scipy returns `nan`
///   with a warning there. The percentile method has no such case.
///
/// # Example
/// ```
/// use artist2vec_stats::{bootstrap_ci, BootstrapOptions, BootstrapMethod};
/// let x = [2.0, 3.5, 1.0, 4.0, 2.5, 3.0, 5.5, 2.0];
/// let median = |s: &[f64]| {
///     let mut v = s.to_vec();
///     v.sort_by(f64::total_cmp);
///     (v[(v.len() - 1) / 2] + v[v.len() / 2]) / 2.0
/// };
/// let opts = BootstrapOptions::new(42)
///     .with_method(BootstrapMethod::Percentile)
///     .with_n_resamples(2000);
/// let res = bootstrap_ci(&x, median, &opts)?;
/// assert!(res.confidence_interval.contains(res.estimate));
/// assert_eq!(res, bootstrap_ci(&x, median, &opts)?); // seeded: reproducible
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn bootstrap_ci<F>(
    data: &[f64],
    statistic: F,
    options: &BootstrapOptions,
) -> Result<BootstrapResult>
where
    F: Fn(&[f64]) -> f64,
{
    options.validate()?;
    check_data(data, options.method)?;
    let estimate = finite_statistic(&statistic, data, "the original sample")?;

    let n = data.len();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut resample = vec![0.0; n];
    let mut distribution = Vec::with_capacity(options.n_resamples);
    for _ in 0..options.n_resamples {
        for slot in resample.iter_mut() {
            *slot = data[rng.random_range(0..n)];
        }
        distribution.push(finite_statistic(
            &statistic,
            &resample,
            "a bootstrap resample",
        )?);
    }
    let confidence_interval = interval(data, &statistic, estimate, &mut distribution, options)?;
    let (_, var) = mean_var(&distribution);
    Ok(BootstrapResult {
        estimate,
        confidence_interval,
        standard_error: var.sqrt(),
        method: options.method,
        n_resamples: options.n_resamples,
        seed: options.seed,
    })
}

/// Bootstrap confidence interval of the mean; see [`bootstrap_ci`].
///
/// # Errors
/// As [`bootstrap_ci`].
pub fn bootstrap_mean_ci(data: &[f64], options: &BootstrapOptions) -> Result<BootstrapResult> {
    bootstrap_ci(data, mean, options)
}

/// The interval [`bootstrap_ci`] forms from a given bootstrap distribution
/// (`options.n_resamples` and `options.seed` are ignored). With the same
/// distribution it equals scipy's
/// `bootstrap(..., n_resamples=0, bootstrap_result=...)`, which is how
/// this crate checks its interval arithmetic against scipy.
///
/// # Errors
/// As [`bootstrap_ci`]; [`StatsError::EmptySample`] or
/// [`StatsError::NanInput`] (sample `"bootstrap_distribution"`) for a bad
/// distribution.
pub fn bootstrap_interval<F>(
    data: &[f64],
    statistic: F,
    bootstrap_distribution: &[f64],
    options: &BootstrapOptions,
) -> Result<ConfidenceInterval>
where
    F: Fn(&[f64]) -> f64,
{
    check_confidence(options.confidence)?;
    check_data(data, options.method)?;
    crate::common::check_no_nan("bootstrap_distribution", bootstrap_distribution)?;
    let estimate = finite_statistic(&statistic, data, "the original sample")?;
    let mut distribution = bootstrap_distribution.to_vec();
    interval(data, &statistic, estimate, &mut distribution, options)
}

fn check_data(data: &[f64], method: BootstrapMethod) -> Result<()> {
    check_finite("data", data)?;
    if method == BootstrapMethod::Bca {
        check_len("data", data, 2)?;
    }
    Ok(())
}

fn finite_statistic<F>(statistic: &F, sample: &[f64], context: &'static str) -> Result<f64>
where
    F: Fn(&[f64]) -> f64,
{
    let value = statistic(sample);
    if value.is_finite() {
        Ok(value)
    } else {
        Err(StatsError::NonFiniteStatistic { value, context })
    }
}

/// Forms the interval; sorts `distribution` in place.
fn interval<F>(
    data: &[f64],
    statistic: &F,
    estimate: f64,
    distribution: &mut [f64],
    options: &BootstrapOptions,
) -> Result<ConfidenceInterval>
where
    F: Fn(&[f64]) -> f64,
{
    let alpha = match options.alternative {
        Alternative::TwoSided => (1.0 - options.confidence) / 2.0,
        _ => 1.0 - options.confidence,
    };
    let (q_low, q_high) = match options.method {
        BootstrapMethod::Percentile => (alpha, 1.0 - alpha),
        BootstrapMethod::Bca => bca_levels(data, statistic, estimate, distribution, alpha)?,
    };
    distribution.sort_by(f64::total_cmp);
    let mut low = quantile_linear(distribution, q_low);
    let mut high = quantile_linear(distribution, q_high);
    match options.alternative {
        Alternative::Less => low = f64::NEG_INFINITY,
        Alternative::Greater => high = f64::INFINITY,
        Alternative::TwoSided => {}
    }
    Ok(ConfidenceInterval {
        low,
        high,
        confidence: options.confidence,
    })
}

/// The BCa quantile levels (scipy's `_bca_interval`).
fn bca_levels<F>(
    data: &[f64],
    statistic: &F,
    estimate: f64,
    distribution: &[f64],
    alpha: f64,
) -> Result<(f64, f64)>
where
    F: Fn(&[f64]) -> f64,
{
    // Bias correction: the 'mean' percentile of the estimate in the
    // bootstrap distribution.
    let below = distribution.iter().filter(|&&v| v < estimate).count();
    let at_or_below = distribution.iter().filter(|&&v| v <= estimate).count();
    let percentile = (below + at_or_below) as f64 / (2 * distribution.len()) as f64;
    let z0 = normal_ppf(percentile);

    // Acceleration from the jackknife.
    let n = data.len();
    let mut jack = Vec::with_capacity(n);
    let mut leave_one_out = Vec::with_capacity(n - 1);
    for i in 0..n {
        leave_one_out.clear();
        leave_one_out.extend_from_slice(&data[..i]);
        leave_one_out.extend_from_slice(&data[i + 1..]);
        jack.push(finite_statistic(
            statistic,
            &leave_one_out,
            "a jackknife sample",
        )?);
    }
    let nf = n as f64;
    let jack_mean = jack.iter().sum::<f64>() / nf;
    let (mut num, mut den) = (0.0, 0.0);
    for &t in &jack {
        let u = (nf - 1.0) * (jack_mean - t);
        num += u * u * u;
        den += u * u;
    }
    let a_hat = (num / (nf * nf * nf)) / (6.0 * (den / (nf * nf)).powf(1.5));

    let z_alpha = normal_ppf(alpha);
    let num1 = z0 + z_alpha;
    let alpha_1 = normal_cdf(z0 + num1 / (1.0 - a_hat * num1));
    let num2 = z0 - z_alpha;
    let alpha_2 = normal_cdf(z0 + num2 / (1.0 - a_hat * num2));
    if alpha_1.is_nan() || alpha_2.is_nan() {
        return Err(StatsError::Undefined {
            what: "the BCa interval",
            reason: "the jackknife values are all equal or the bootstrap distribution \
                     lies entirely on one side of the estimate; use the percentile method",
        });
    }
    Ok((alpha_1, alpha_2))
}

/// Quantile of sorted data with linear interpolation (Hyndman & Fan type 7,
/// the default of numpy and `scipy.stats.quantile`), in scipy's arithmetic.
fn quantile_linear(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len() as f64;
    let jg = p * n + (1.0 - p);
    let jp1 = jg.floor();
    let j = jp1 - 1.0;
    let g = if j < 0.0 { 0.0 } else { jg - jp1 };
    let last = n - 1.0;
    let lo = j.clamp(0.0, last) as usize;
    let hi = jp1.clamp(0.0, last) as usize;
    (1.0 - g) * sorted[lo] + g * sorted[hi]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_linear(&v, 0.0), 1.0);
        assert_eq!(quantile_linear(&v, 1.0), 4.0);
        assert_eq!(quantile_linear(&v, 0.5), 2.5);
        assert!((quantile_linear(&v, 0.25) - 1.75).abs() < 1e-15);
        assert_eq!(quantile_linear(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn same_seed_same_interval_other_seed_other_interval() {
        let x: Vec<f64> = (0..40).map(|i| ((i * 37) % 23) as f64 / 7.0).collect();
        let opts = BootstrapOptions::new(7).with_n_resamples(500);
        let a = bootstrap_mean_ci(&x, &opts).unwrap();
        let b = bootstrap_mean_ci(&x, &opts).unwrap();
        assert_eq!(a, b);
        let c = bootstrap_mean_ci(&x, &opts.with_seed(8)).unwrap();
        assert_ne!(a.confidence_interval, c.confidence_interval);
        assert!(a.confidence_interval.contains(a.estimate));
        assert!(a.standard_error > 0.0);
    }

    #[test]
    fn degenerate_bca_is_an_error_but_percentile_is_not() {
        let x = [3.0; 10];
        let opts = BootstrapOptions::new(1).with_n_resamples(100);
        assert!(matches!(
            bootstrap_mean_ci(&x, &opts),
            Err(StatsError::Undefined { .. })
        ));
        let p = bootstrap_mean_ci(&x, &opts.with_method(BootstrapMethod::Percentile)).unwrap();
        assert_eq!(
            (p.confidence_interval.low, p.confidence_interval.high),
            (3.0, 3.0)
        );
    }

    #[test]
    fn invalid_options_and_statistics() {
        let x = [1.0, 2.0, 3.0];
        assert!(matches!(
            bootstrap_mean_ci(&x, &BootstrapOptions::new(0).with_n_resamples(1)),
            Err(StatsError::InvalidParameter { .. })
        ));
        assert!(matches!(
            bootstrap_mean_ci(&x, &BootstrapOptions::new(0).with_confidence(0.0)),
            Err(StatsError::InvalidConfidence(_))
        ));
        assert!(matches!(
            bootstrap_mean_ci(&x[..1], &BootstrapOptions::new(0)),
            Err(StatsError::TooFewObservations { .. })
        ));
        let bad = |s: &[f64]| if s.len() < 3 { f64::NAN } else { 1.0 + s[0] };
        assert!(matches!(
            bootstrap_ci(&x, bad, &BootstrapOptions::new(0).with_n_resamples(10)),
            Err(StatsError::NonFiniteStatistic {
                context: "a jackknife sample",
                ..
            })
        ));
    }

    #[test]
    fn one_sided_intervals() {
        let x: Vec<f64> = (0..30)
            .map(|i| f64::from(i % 7) + f64::from(i) / 30.0)
            .collect();
        let base = BootstrapOptions::new(3).with_n_resamples(400);
        let less = bootstrap_mean_ci(&x, &base.with_alternative(Alternative::Less)).unwrap();
        assert_eq!(less.confidence_interval.low, f64::NEG_INFINITY);
        let greater = bootstrap_mean_ci(&x, &base.with_alternative(Alternative::Greater)).unwrap();
        assert_eq!(greater.confidence_interval.high, f64::INFINITY);
        // A one-sided 95 % bound is the matching end of the two-sided 90 % interval.
        let two = bootstrap_mean_ci(&x, &base.with_confidence(0.9)).unwrap();
        assert!((less.confidence_interval.high - two.confidence_interval.high).abs() < 1e-9);
        assert!((greater.confidence_interval.low - two.confidence_interval.low).abs() < 1e-9);
    }
}
