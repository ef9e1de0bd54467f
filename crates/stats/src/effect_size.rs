//! Effect sizes: Cohen's d and the rank-biserial correlations.

use crate::common::{
    check_finite, check_len, check_no_nan, check_paired, differences, mean_var, two_sample_moments,
};
use crate::error::{Result, StatsError};
use crate::mann_whitney::{MannWhitneyMethod, MannWhitneyOptions, mann_whitney_u};
use crate::rank::rank_average;
use crate::wilcoxon::ZeroMethod;

/// Cohen's d for two independent samples:
/// `(mean(x) − mean(y)) / s_pooled` with
/// `s_pooled² = ((n_x − 1) s_x² + (n_y − 1) s_y²) / (n_x + n_y − 2)`
/// (sample variances with `ddof = 1`). No small-sample (Hedges)
/// correction.
///
/// # Errors
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] unless each sample has at least 2
///   observations.
/// - [`StatsError::Undefined`] if the pooled standard deviation is zero.
///
/// # Example
/// ```
/// use artist2vec_stats::cohens_d;
/// let d = cohens_d(&[2.0, 4.0, 6.0], &[1.0, 3.0, 5.0])?;
/// assert!((d - 0.5).abs() < 1e-15); // means differ by 1, pooled sd is 2
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn cohens_d(x: &[f64], y: &[f64]) -> Result<f64> {
    let (a, b) = two_sample_moments(x, y)?;
    let pooled = (((a.n - 1.0) * a.var + (b.n - 1.0) * b.var) / (a.n + b.n - 2.0)).sqrt();
    ratio(
        a.mean - b.mean,
        pooled,
        "Cohen's d",
        "the pooled standard deviation is zero",
    )
}

/// Cohen's `d_z` for paired samples: the mean of the differences
/// `x[i] − y[i]` divided by their standard deviation (`ddof = 1`). Equals
/// the paired t statistic divided by `√n`.
///
/// # Errors
/// - [`StatsError::LengthMismatch`] if the lengths differ.
/// - [`StatsError::EmptySample`], [`StatsError::NanInput`],
///   [`StatsError::InfiniteInput`] for bad values.
/// - [`StatsError::TooFewObservations`] for fewer than 2 pairs.
/// - [`StatsError::Undefined`] if all differences are equal.
pub fn cohens_dz(x: &[f64], y: &[f64]) -> Result<f64> {
    check_paired(x, y)?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    check_len("x", x, 2)?;
    let (m, v) = mean_var(&differences(x, y));
    ratio(m, v.sqrt(), "Cohen's d_z", "all differences are equal")
}

fn ratio(num: f64, den: f64, what: &'static str, reason: &'static str) -> Result<f64> {
    if den > 0.0 {
        Ok(num / den)
    } else {
        Err(StatsError::Undefined { what, reason })
    }
}

/// Rank-biserial correlation of two independent samples,
/// `2 U_x / (n_x n_y) − 1` with `U_x` the Mann–Whitney statistic of `x`
/// (equal to Cliff's delta): the probability that a random `x` exceeds a
/// random `y` minus the reverse probability. Also available as
/// [`MannWhitneyResult::rank_biserial`](crate::MannWhitneyResult::rank_biserial).
///
/// # Errors
/// [`StatsError::EmptySample`] or [`StatsError::NanInput`].
pub fn rank_biserial_independent(x: &[f64], y: &[f64]) -> Result<f64> {
    // The statistic does not depend on the p-value method; the asymptotic
    // one with continuity correction never fails.
    let options = MannWhitneyOptions::new().with_method(MannWhitneyMethod::Asymptotic);
    Ok(mann_whitney_u(x, y, &options)?.rank_biserial())
}

/// Matched-pairs rank-biserial correlation of paired samples,
/// `(R+ − R−) / (R+ + R−)` over the signed ranks of `|x[i] − y[i]|`
/// (Kerby's simple difference formula), zeros treated as `zero_method`
/// says (dropped under `Wilcox`, ranked but in neither sum under `Pratt`,
/// split equally under `Zsplit`). Also available as
/// [`WilcoxonResult::rank_biserial`](crate::WilcoxonResult::rank_biserial).
///
/// # Errors
/// - [`StatsError::LengthMismatch`], [`StatsError::EmptySample`] or
///   [`StatsError::NanInput`] for bad input.
/// - [`StatsError::Undefined`] if every difference is zero.
pub fn rank_biserial_paired(x: &[f64], y: &[f64], zero_method: ZeroMethod) -> Result<f64> {
    check_paired(x, y)?;
    check_no_nan("x", x)?;
    check_no_nan("y", y)?;
    let d = differences(x, y);
    let kept: Vec<f64> = match zero_method {
        ZeroMethod::Wilcox => d.iter().copied().filter(|&v| v != 0.0).collect(),
        ZeroMethod::Pratt | ZeroMethod::Zsplit => d,
    };
    let abs: Vec<f64> = kept.iter().map(|v| v.abs()).collect();
    let ranks = rank_average(&abs).ranks;
    let (mut plus, mut minus, mut zero) = (0.0, 0.0, 0.0);
    for (&v, &r) in kept.iter().zip(&ranks) {
        if v > 0.0 {
            plus += r;
        } else if v < 0.0 {
            minus += r;
        } else {
            zero += r;
        }
    }
    if zero_method == ZeroMethod::Zsplit {
        plus += zero / 2.0;
        minus += zero / 2.0;
    }
    ratio(
        plus - minus,
        plus + minus,
        "the rank-biserial correlation",
        "every difference is zero",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{WilcoxonOptions, wilcoxon};

    #[test]
    fn cohens_d_sign_and_errors() {
        assert!(cohens_d(&[1.0, 3.0, 5.0], &[2.0, 4.0, 6.0]).unwrap() < 0.0);
        assert!(matches!(
            cohens_d(&[1.0, 1.0], &[1.0, 1.0]),
            Err(StatsError::Undefined { .. })
        ));
        assert!(matches!(
            cohens_d(&[1.0], &[1.0, 2.0]),
            Err(StatsError::TooFewObservations { .. })
        ));
    }

    #[test]
    fn dz_is_t_over_sqrt_n() {
        let x = [0.5, 0.7, 0.2, 0.9, 0.4];
        let y = [0.4, 0.5, 0.3, 0.6, 0.1];
        let dz = cohens_dz(&x, &y).unwrap();
        let t = crate::paired_t_test(&x, &y, crate::Alternative::TwoSided).unwrap();
        assert!((dz - t.statistic / 5f64.sqrt()).abs() < 1e-14);
    }

    #[test]
    fn rank_biserials_agree_with_results() {
        let x = [1.2, 3.4, 2.2, 5.0, 0.3, 2.2];
        let y = [1.0, 3.9, 2.2, 4.0, 0.1, 1.0];
        for zm in [ZeroMethod::Wilcox, ZeroMethod::Pratt, ZeroMethod::Zsplit] {
            let w = wilcoxon(&x, &y, &WilcoxonOptions::new().with_zero_method(zm)).unwrap();
            assert_eq!(rank_biserial_paired(&x, &y, zm).ok(), w.rank_biserial());
        }
        // Cliff's delta by counting pairs.
        let mut delta = 0.0;
        for a in &x {
            for b in &y {
                delta += f64::from(u8::from(a > b)) - f64::from(u8::from(a < b));
            }
        }
        delta /= 36.0;
        assert!((rank_biserial_independent(&x, &y).unwrap() - delta).abs() < 1e-15);
        assert!(matches!(
            rank_biserial_paired(&x, &x, ZeroMethod::Wilcox),
            Err(StatsError::Undefined { .. })
        ));
    }
}
