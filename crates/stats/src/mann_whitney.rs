//! Mann–Whitney U test for two independent samples.

use serde::{Deserialize, Serialize};

use crate::common::{Alternative, check_no_nan};
use crate::distributions::{mann_whitney_sf, normal_cdf};
use crate::error::{Result, StatsError};
use crate::rank::rank_average;

/// How the Mann–Whitney p-value is computed (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MannWhitneyMethod {
    /// scipy's rule: [`Asymptotic`](Self::Asymptotic) when both samples
    /// have more than 8 observations or the pooled data contain ties,
    /// otherwise [`Exact`](Self::Exact). Never reported as the method used.
    #[default]
    Auto,
    /// The exact null distribution of U, which assumes no ties. With ties
    /// (only if asked for explicitly) the statistic is truncated to an
    /// integer first, as scipy does, and no tie correction is made.
    /// Cost `O(min(n_x, n_y)² · max(n_x, n_y))`.
    Exact,
    /// Normal approximation with tie correction and, optionally, continuity
    /// correction.
    Asymptotic,
}

/// Options of [`mann_whitney_u`]; the defaults are scipy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MannWhitneyOptions {
    /// Alternative hypothesis (default two-sided).
    pub alternative: Alternative,
    /// p-value method (default [`MannWhitneyMethod::Auto`]).
    pub method: MannWhitneyMethod,
    /// Apply the continuity correction of ½ in the normal approximation
    /// (default `true`; no effect on the exact method).
    pub use_continuity: bool,
}

impl Default for MannWhitneyOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl MannWhitneyOptions {
    /// scipy's defaults: two-sided, automatic method, continuity correction.
    pub fn new() -> Self {
        Self {
            alternative: Alternative::TwoSided,
            method: MannWhitneyMethod::Auto,
            use_continuity: true,
        }
    }

    /// Sets the alternative hypothesis.
    pub fn with_alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// Sets the p-value method.
    pub fn with_method(mut self, method: MannWhitneyMethod) -> Self {
        self.method = method;
        self
    }

    /// Turns the continuity correction on or off.
    pub fn with_continuity(mut self, use_continuity: bool) -> Self {
        self.use_continuity = use_continuity;
        self
    }
}

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitneyResult {
    /// The U statistic of `x`: the number of pairs `(x_i, y_j)` with
    /// `x_i > y_j`, ties counting ½ (scipy's `statistic`).
    pub statistic: f64,
    /// The p-value for the chosen alternative.
    pub p_value: f64,
    /// For the normal approximation, the standardised statistic from which
    /// the p-value was computed: that of `U_x` ("greater"), of `U_y`
    /// ("less") or of `max(U_x, U_y)` (two-sided), after continuity
    /// correction, so that `p = Φ(−z)` (times 2 when two-sided). `None` for
    /// the exact method.
    pub z: Option<f64>,
    /// The method used ([`MannWhitneyMethod::Exact`] or
    /// [`MannWhitneyMethod::Asymptotic`], never `Auto`).
    pub method: MannWhitneyMethod,
    /// The alternative tested.
    pub alternative: Alternative,
    /// Number of observations in `x`.
    pub n_x: usize,
    /// Number of observations in `y`.
    pub n_y: usize,
    /// Whether the pooled sample contains ties.
    pub has_ties: bool,
}

impl MannWhitneyResult {
    /// The U statistic of `y`, `n_x · n_y − U_x`.
    pub fn statistic_y(&self) -> f64 {
        (self.n_x * self.n_y) as f64 - self.statistic
    }

    /// The common-language effect size `U_x / (n_x n_y)`: the probability
    /// that a random `x` exceeds a random `y`, ties counting ½.
    pub fn common_language_effect_size(&self) -> f64 {
        self.statistic / (self.n_x * self.n_y) as f64
    }

    /// The rank-biserial correlation `2 U_x / (n_x n_y) − 1` in [−1, 1]
    /// (Cliff's delta): positive when `x` tends to be larger than `y`.
    pub fn rank_biserial(&self) -> f64 {
        2.0 * self.common_language_effect_size() - 1.0
    }
}

/// Mann–Whitney U test of the null hypothesis that `x` and `y` come from the
/// same distribution, matching `scipy.stats.mannwhitneyu` (scipy 1.17).
///
/// The statistic is `U_x = R_x − n_x (n_x + 1) / 2` with `R_x` the sum of the
/// average ranks of `x` in the pooled sample. The exact p-value comes from
/// the null distribution of U without ties; the normal approximation uses
/// mean `n_x n_y / 2` and the tie-corrected variance
/// `n_x n_y / 12 · ((n + 1) − Σ(t³ − t) / (n (n − 1)))`, subtracting ½ from
/// `U − mean` when `use_continuity` is set. Infinite values are allowed
/// (only the order matters).
///
/// # Errors
/// - [`StatsError::EmptySample`] if `x` or `y` is empty (scipy: `nan`).
/// - [`StatsError::NanInput`] if any value is NaN (scipy: `nan`).
/// - [`StatsError::Undefined`] for the normal approximation without
///   continuity correction when every pooled value is equal: the
///   standardised statistic is `0 / 0` (scipy: `nan`). With continuity
///   correction the same input gives `p = 1`, as in scipy.
///
/// # Example
/// ```
/// use artist2vec_stats::{mann_whitney_u, MannWhitneyOptions, MannWhitneyMethod};
/// // scipy's documentation example: ages at diagnosis.
/// let males = [19.0, 22.0, 16.0, 29.0, 24.0];
/// let females = [20.0, 11.0, 17.0, 12.0];
/// let res = mann_whitney_u(&males, &females, &MannWhitneyOptions::new())?;
/// assert_eq!(res.statistic, 17.0);
/// assert_eq!(res.method, MannWhitneyMethod::Exact);
/// assert!((res.p_value - 0.1111111111111111).abs() < 1e-15);
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn mann_whitney_u(
    x: &[f64],
    y: &[f64],
    options: &MannWhitneyOptions,
) -> Result<MannWhitneyResult> {
    check_no_nan("x", x)?;
    check_no_nan("y", y)?;
    let (n_x, n_y) = (x.len(), y.len());
    let pooled: Vec<f64> = x.iter().chain(y).copied().collect();
    let ranked = rank_average(&pooled);
    let has_ties = ranked.has_ties();
    let (n1, n2) = (n_x as f64, n_y as f64);
    let r1: f64 = ranked.ranks[..n_x].iter().sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;

    let (u, factor) = match options.alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };

    let method = match options.method {
        MannWhitneyMethod::Auto => {
            if (n_x > 8 && n_y > 8) || has_ties {
                MannWhitneyMethod::Asymptotic
            } else {
                MannWhitneyMethod::Exact
            }
        }
        m => m,
    };

    let (p, z) = match method {
        MannWhitneyMethod::Exact => {
            // scipy casts U to an integer (truncation) before the lookup.
            let k = u.trunc() as u64;
            (mann_whitney_sf(n_x, n_y, k), None)
        }
        _ => {
            let n = n1 + n2;
            let mu = n1 * n2 / 2.0;
            let tie_term = ranked.tie_term(0);
            let s = (n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
            let mut numerator = u - mu;
            if options.use_continuity {
                numerator -= 0.5;
            }
            let z = numerator / s;
            if z.is_nan() {
                return Err(StatsError::Undefined {
                    what: "the Mann-Whitney normal approximation",
                    reason: "all pooled values are equal, so the statistic is 0/0; \
                             use the continuity correction or the exact method",
                });
            }
            (normal_cdf(-z), Some(z))
        }
    };

    Ok(MannWhitneyResult {
        statistic: u1,
        p_value: (p * factor).clamp(0.0, 1.0),
        z,
        method,
        alternative: options.alternative,
        n_x,
        n_y,
        has_ties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> MannWhitneyOptions {
        MannWhitneyOptions::new()
    }

    #[test]
    fn scipy_docstring_examples() {
        let males = [19.0, 22.0, 16.0, 29.0, 24.0];
        let females = [20.0, 11.0, 17.0, 12.0];
        let asym = opts().with_method(MannWhitneyMethod::Asymptotic);
        let r = mann_whitney_u(&males, &females, &asym).unwrap();
        assert!((r.p_value - 0.11134688653314041).abs() < 1e-14);
        let r = mann_whitney_u(&males, &females, &asym.with_continuity(false)).unwrap();
        assert!((r.p_value - 0.0864107329737).abs() < 1e-12);
        let less = opts()
            .with_alternative(Alternative::Less)
            .with_method(MannWhitneyMethod::Exact);
        let r = mann_whitney_u(&females, &males, &less).unwrap();
        assert_eq!(r.statistic, 3.0);
        assert!((r.p_value - 0.05555555555555555).abs() < 1e-15);
        assert_eq!(r.statistic_y(), 17.0);
    }

    #[test]
    fn auto_switches_to_asymptotic_on_ties_or_large_samples() {
        let r = mann_whitney_u(&[1.0, 2.0, 2.0], &[3.0, 4.0], &opts()).unwrap();
        assert_eq!(r.method, MannWhitneyMethod::Asymptotic);
        assert!(r.has_ties);
        let x: Vec<f64> = (0..9).map(f64::from).collect();
        let y: Vec<f64> = (0..9).map(|i| f64::from(i) + 0.5).collect();
        let r = mann_whitney_u(&x, &y, &opts()).unwrap();
        assert_eq!(r.method, MannWhitneyMethod::Asymptotic);
        let r = mann_whitney_u(&x[..8], &y, &opts()).unwrap();
        assert_eq!(r.method, MannWhitneyMethod::Exact);
    }

    #[test]
    fn effect_sizes_from_result() {
        // x entirely above y: U_x = n_x n_y, rank-biserial = 1.
        let r = mann_whitney_u(&[5.0, 6.0], &[1.0, 2.0, 3.0], &opts()).unwrap();
        assert_eq!(r.statistic, 6.0);
        assert_eq!(r.rank_biserial(), 1.0);
        assert_eq!(r.common_language_effect_size(), 1.0);
        let r = mann_whitney_u(&[1.0, 2.0], &[1.0, 2.0], &opts()).unwrap();
        assert_eq!(r.rank_biserial(), 0.0);
    }

    #[test]
    fn default_options_are_scipys() {
        let o = MannWhitneyOptions::default();
        assert!(o.use_continuity);
        assert_eq!(o.method, MannWhitneyMethod::Auto);
        assert_eq!(o.alternative, Alternative::TwoSided);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(
            mann_whitney_u(&[], &[1.0], &opts()),
            Err(StatsError::EmptySample { sample: "x" })
        );
        assert!(matches!(
            mann_whitney_u(&[1.0], &[f64::NAN], &opts()),
            Err(StatsError::NanInput {
                sample: "y",
                index: 0
            })
        ));
        let equal = [2.0; 4];
        let r = mann_whitney_u(&equal, &equal[..3], &opts()).unwrap();
        assert_eq!(r.p_value, 1.0);
        let no_cc = opts().with_continuity(false);
        assert!(matches!(
            mann_whitney_u(&equal, &equal[..3], &no_cc),
            Err(StatsError::Undefined { .. })
        ));
        let r = mann_whitney_u(&[1.0], &[2.0], &opts()).unwrap();
        assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
    }

    #[test]
    fn swapping_samples_mirrors_alternatives() {
        let x = [1.3, 4.2, 0.5, 7.7, 3.1, 2.2];
        let y = [5.5, 6.1, 8.9, 4.4, 9.9];
        for method in [MannWhitneyMethod::Exact, MannWhitneyMethod::Asymptotic] {
            let o = opts().with_method(method);
            let less = mann_whitney_u(&x, &y, &o.with_alternative(Alternative::Less)).unwrap();
            let greater =
                mann_whitney_u(&y, &x, &o.with_alternative(Alternative::Greater)).unwrap();
            assert!((less.p_value - greater.p_value).abs() < 1e-15);
            let a = mann_whitney_u(&x, &y, &o).unwrap();
            let b = mann_whitney_u(&y, &x, &o).unwrap();
            assert!((a.p_value - b.p_value).abs() < 1e-15);
            assert_eq!(a.statistic, b.statistic_y());
        }
    }
}
