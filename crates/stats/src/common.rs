//! Types shared by several tests, input validation and small numeric helpers.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};

/// The alternative hypothesis of a test (scipy's `alternative`).
///
/// For two-sample tests "less" means the distribution (or mean) of `x` is
/// smaller than that of `y`; for paired tests it means the differences
/// `x - y` are located below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// `x` and `y` differ in either direction (the default).
    #[default]
    TwoSided,
    /// `x` is stochastically smaller than `y` (differences below zero).
    Less,
    /// `x` is stochastically greater than `y` (differences above zero).
    Greater,
}

/// A confidence interval `[low, high]` at a confidence level.
///
/// One-sided intervals have an infinite end, as in scipy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// Lower end (`-inf` for a one-sided "less" interval).
    pub low: f64,
    /// Upper end (`+inf` for a one-sided "greater" interval).
    pub high: f64,
    /// Confidence level in (0, 1), e.g. 0.95.
    pub confidence: f64,
}

impl ConfidenceInterval {
    /// Whether `value` lies in the closed interval.
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }

    /// Width `high - low` (infinite for one-sided intervals).
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

/// Rejects an empty sample and any NaN.
pub(crate) fn check_no_nan(sample: &'static str, x: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(StatsError::EmptySample { sample });
    }
    if let Some(index) = x.iter().position(|v| v.is_nan()) {
        return Err(StatsError::NanInput { sample, index });
    }
    Ok(())
}

/// Rejects an empty sample, NaN and infinities.
pub(crate) fn check_finite(sample: &'static str, x: &[f64]) -> Result<()> {
    check_no_nan(sample, x)?;
    if let Some(index) = x.iter().position(|v| v.is_infinite()) {
        return Err(StatsError::InfiniteInput { sample, index });
    }
    Ok(())
}

/// Rejects a sample with fewer than `needed` observations.
pub(crate) fn check_len(sample: &'static str, x: &[f64], needed: usize) -> Result<()> {
    if x.len() < needed {
        return Err(StatsError::TooFewObservations {
            sample,
            needed,
            got: x.len(),
        });
    }
    Ok(())
}

/// Rejects paired samples of different lengths.
pub(crate) fn check_paired(x: &[f64], y: &[f64]) -> Result<()> {
    if x.len() != y.len() {
        return Err(StatsError::LengthMismatch {
            x: x.len(),
            y: y.len(),
        });
    }
    Ok(())
}

/// Rejects a confidence level outside (0, 1).
pub(crate) fn check_confidence(confidence: f64) -> Result<()> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidConfidence(confidence))
    }
}

/// Element-wise differences `x[i] - y[i]` of validated paired samples.
pub(crate) fn differences(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(a, b)| a - b).collect()
}

/// Mean with one correction pass, so a constant sample has exactly its value
/// as mean (and hence exactly zero variance).
pub(crate) fn mean(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let correction = x.iter().map(|v| v - m).sum::<f64>() / n;
    m + correction
}

/// Mean and unbiased variance (`ddof = 1`); needs `x.len() >= 2`.
pub(crate) fn mean_var(x: &[f64]) -> (f64, f64) {
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
    (m, ss / (x.len() as f64 - 1.0))
}

/// Size, mean and unbiased variance of one of two independent samples.
pub(crate) struct Moments {
    pub n: f64,
    pub mean: f64,
    pub var: f64,
}

/// Checks two independent samples (finite, at least two values each) and returns their
/// [`Moments`]: the common start of Welch's test and Cohen's d.
pub(crate) fn two_sample_moments(x: &[f64], y: &[f64]) -> Result<(Moments, Moments)> {
    check_finite("x", x)?;
    check_finite("y", y)?;
    check_len("x", x, 2)?;
    check_len("y", y, 2)?;
    let moments = |s: &[f64]| {
        let (mean, var) = mean_var(s);
        Moments {
            n: s.len() as f64,
            mean,
            var,
        }
    };
    Ok((moments(x), moments(y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_sample_has_zero_variance() {
        let x = [0.1; 7];
        let (m, v) = mean_var(&x);
        assert_eq!(m, 0.1);
        assert_eq!(v, 0.0);
    }

    #[test]
    fn mean_and_variance_of_small_sample() {
        let (m, v) = mean_var(&[1.0, 2.0, 4.0]);
        assert!((m - 7.0 / 3.0).abs() < 1e-15);
        assert!((v - 7.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn validation_reports_first_problem() {
        assert_eq!(
            check_no_nan("x", &[]),
            Err(StatsError::EmptySample { sample: "x" })
        );
        assert_eq!(
            check_no_nan("y", &[1.0, f64::NAN]),
            Err(StatsError::NanInput {
                sample: "y",
                index: 1
            })
        );
        assert!(check_no_nan("x", &[f64::INFINITY]).is_ok());
        assert_eq!(
            check_finite("x", &[1.0, f64::NEG_INFINITY]),
            Err(StatsError::InfiniteInput {
                sample: "x",
                index: 1
            })
        );
        assert_eq!(
            check_confidence(1.0),
            Err(StatsError::InvalidConfidence(1.0))
        );
        assert!(check_confidence(f64::NAN).is_err());
        assert!(check_confidence(0.5).is_ok());
    }

    #[test]
    fn interval_helpers() {
        let ci = ConfidenceInterval {
            low: -1.0,
            high: 2.0,
            confidence: 0.9,
        };
        assert!(ci.contains(0.0));
        assert!(!ci.contains(2.5));
        assert_eq!(ci.width(), 3.0);
    }
}
