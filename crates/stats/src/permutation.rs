//! Paired permutation (sign-flip) test of the mean difference.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::common::{Alternative, check_finite, check_len, check_paired, differences};
use crate::error::{Result, StatsError};

/// Options of [`paired_permutation_test`] and [`sign_flip_test`]; the
/// defaults follow `scipy.stats.permutation_test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermutationOptions {
    /// Number of random sign patterns for the Monte Carlo test (default
    /// 9 999). When `2^n <= n_resamples` all `2^n` patterns are enumerated
    /// instead and the test is exact, as in scipy.
    pub n_resamples: usize,
    /// Alternative hypothesis (default two-sided).
    pub alternative: Alternative,
    /// Seed of the Monte Carlo generator (unused by the exact test).
    pub seed: u64,
}

impl PermutationOptions {
    /// scipy's defaults (9 999 resamples, two-sided) with the given seed.
    pub fn new(seed: u64) -> Self {
        Self {
            n_resamples: 9999,
            alternative: Alternative::TwoSided,
            seed,
        }
    }

    /// Sets the number of Monte Carlo resamples.
    pub fn with_n_resamples(mut self, n_resamples: usize) -> Self {
        self.n_resamples = n_resamples;
        self
    }

    /// Sets the alternative hypothesis.
    pub fn with_alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Result of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PermutationResult {
    /// The observed mean difference.
    pub statistic: f64,
    /// The p-value for the chosen alternative.
    pub p_value: f64,
    /// Whether all `2^n` sign patterns were enumerated.
    pub exact: bool,
    /// Number of sign patterns in the null distribution (`2^n` if exact).
    pub n_resamples: usize,
    /// The alternative tested.
    pub alternative: Alternative,
}

/// Paired permutation test of the mean difference: under the null
/// hypothesis each difference `x[i] − y[i]` is equally likely to have
/// either sign. Equals `scipy.stats.permutation_test((x, y), statistic,
/// permutation_type='samples')` with `statistic` the mean of `x − y`; see
/// [`sign_flip_test`].
///
/// # Errors
/// - [`StatsError::LengthMismatch`] if the lengths differ.
/// - As [`sign_flip_test`].
///
/// # Example
/// ```
/// use artist2vec_stats::{paired_permutation_test, PermutationOptions, Alternative};
/// let a = [0.31, 0.45, 0.28, 0.52, 0.40, 0.37];
/// let b = [0.30, 0.41, 0.30, 0.45, 0.35, 0.31];
/// let opts = PermutationOptions::new(0).with_alternative(Alternative::Greater);
/// let res = paired_permutation_test(&a, &b, &opts)?;
/// assert!(res.exact); // 2^6 = 64 sign patterns, all enumerated
/// // Only 3 of the 64 patterns reach the observed mean: the observed one and
/// // those with the -0.02 or the 0.01 difference as the only negative one.
/// assert!((res.p_value - 3.0 / 64.0).abs() < 1e-15);
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn paired_permutation_test(
    x: &[f64],
    y: &[f64],
    options: &PermutationOptions,
) -> Result<PermutationResult> {
    check_paired(x, y)?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    sign_flip_test(&differences(x, y), options)
}

/// Sign-flip permutation test of the null hypothesis that `d` is symmetric
/// about zero, with the mean as statistic.
///
/// If `2^n <= options.n_resamples` every sign pattern is enumerated and
/// the p-value is the exact fraction of patterns at least as extreme as the
/// observed mean. Otherwise `n_resamples` patterns are drawn from a
/// generator seeded with `options.seed` and the p-value is
/// `(count + 1) / (n_resamples + 1)`, which is never zero. Values within a
/// relative `100 ε` of the observed statistic count as equal to it; the
/// two-sided p-value is twice the smaller one-sided one, capped at 1. All
/// of this is scipy's convention, so the exact p-values equal scipy's;
/// Monte Carlo p-values equal them only in distribution.
///
/// # Errors
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] for a single difference (scipy
///   raises `ValueError`).
/// - [`StatsError::InvalidParameter`] if `n_resamples` is 0.
pub fn sign_flip_test(d: &[f64], options: &PermutationOptions) -> Result<PermutationResult> {
    check_finite("d", d)?;
    check_len("d", d, 2)?;
    if options.n_resamples == 0 {
        return Err(StatsError::InvalidParameter {
            name: "n_resamples",
            reason: "must be at least 1",
        });
    }
    let n = d.len();
    let nf = n as f64;
    let observed = d.iter().sum::<f64>() / nf;
    let gamma = (100.0 * f64::EPSILON * observed).abs();
    let patterns = 1_usize
        .checked_shl(n as u32)
        .filter(|_| n < usize::BITS as usize);
    let exact = matches!(patterns, Some(p) if p <= options.n_resamples);

    let (mut less, mut greater) = (0_usize, 0_usize);
    let mut tally = |s: f64| {
        let m = s / nf;
        if m <= observed + gamma {
            less += 1;
        }
        if m >= observed - gamma {
            greater += 1;
        }
    };
    let total;
    if exact {
        total = patterns.unwrap_or(0);
        for mask in 0..total {
            let s: f64 = d
                .iter()
                .enumerate()
                .map(|(i, &v)| if mask >> i & 1 == 1 { -v } else { v })
                .sum();
            tally(s);
        }
    } else {
        total = options.n_resamples;
        let mut rng = StdRng::seed_from_u64(options.seed);
        for _ in 0..total {
            let mut s = 0.0;
            let mut bits = 0_u64;
            for (i, &v) in d.iter().enumerate() {
                if i % 64 == 0 {
                    bits = rng.random();
                }
                s += if bits >> (i % 64) & 1 == 1 { -v } else { v };
            }
            tally(s);
        }
    }
    let adjustment = if exact { 0.0 } else { 1.0 };
    let p = |count: usize| (count as f64 + adjustment) / (total as f64 + adjustment);
    let p_value = match options.alternative {
        Alternative::Less => p(less),
        Alternative::Greater => p(greater),
        Alternative::TwoSided => 2.0 * p(less).min(p(greater)),
    }
    .clamp(0.0, 1.0);
    Ok(PermutationResult {
        statistic: observed,
        p_value,
        exact,
        n_resamples: total,
        alternative: options.alternative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_enumeration_small_case() {
        // d = [1, 2, 3]: sums over sign patterns are ±1 ±2 ±3:
        // -6 -4 -2 0 0 2 4 6; observed 6 → P(>=) = 1/8.
        let o = PermutationOptions::new(0).with_alternative(Alternative::Greater);
        let r = sign_flip_test(&[1.0, 2.0, 3.0], &o).unwrap();
        assert!(r.exact);
        assert_eq!(r.n_resamples, 8);
        assert_eq!(r.p_value, 0.125);
        let r =
            sign_flip_test(&[1.0, 2.0, 3.0], &o.with_alternative(Alternative::TwoSided)).unwrap();
        assert_eq!(r.p_value, 0.25);
        let r = sign_flip_test(&[1.0, 2.0, 3.0], &o.with_alternative(Alternative::Less)).unwrap();
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn monte_carlo_is_seeded_and_close_to_exact() {
        let d: Vec<f64> = (0..16)
            .map(|i| f64::from(i % 5) - 1.3 + f64::from(i) * 0.05)
            .collect();
        let exact =
            sign_flip_test(&d, &PermutationOptions::new(0).with_n_resamples(1 << 16)).unwrap();
        assert!(exact.exact);
        let o = PermutationOptions::new(11).with_n_resamples(20_000);
        let a = sign_flip_test(&d, &o).unwrap();
        let b = sign_flip_test(&d, &o).unwrap();
        assert_eq!(a, b);
        assert!(!a.exact);
        // Monte Carlo standard error is about sqrt(p(1-p)/20000) < 0.004.
        assert!(
            (a.p_value - exact.p_value).abs() < 0.02,
            "{} vs {}",
            a.p_value,
            exact.p_value
        );
        let c = sign_flip_test(&d, &o.with_seed(12)).unwrap();
        assert_ne!(a.p_value, c.p_value);
    }

    #[test]
    fn invalid_input() {
        let o = PermutationOptions::new(0);
        assert!(matches!(
            paired_permutation_test(&[1.0], &[1.0, 2.0], &o),
            Err(StatsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            sign_flip_test(&[1.0], &o),
            Err(StatsError::TooFewObservations { .. })
        ));
        assert!(matches!(
            sign_flip_test(&[1.0, 2.0], &o.with_n_resamples(0)),
            Err(StatsError::InvalidParameter { .. })
        ));
        assert!(matches!(
            sign_flip_test(&[], &o),
            Err(StatsError::EmptySample { .. })
        ));
    }

    #[test]
    fn all_zero_differences_give_p_one() {
        let r = sign_flip_test(&[0.0; 5], &PermutationOptions::new(0)).unwrap();
        assert_eq!(r.p_value, 1.0);
    }
}
