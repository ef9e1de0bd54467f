//! Multiple-testing corrections of p-values.

use crate::error::{Result, StatsError};

fn check_p_values(p_values: &[f64]) -> Result<()> {
    match p_values.iter().position(|p| !(0.0..=1.0).contains(p)) {
        Some(index) => Err(StatsError::InvalidPValue {
            index,
            value: p_values[index],
        }),
        None => Ok(()),
    }
}

/// Indices that sort `p` ascending (stable).
fn ascending_order(p: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    order
}

/// Holm's step-down adjusted p-values (controls the family-wise error
/// rate), in input order. Equal to
/// `statsmodels.stats.multitest.multipletests(p, method='holm')[1]`: with
/// `p₍₁₎ ≤ … ≤ p₍ₘ₎`, `adj₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1) p₍ⱼ₎)`.
/// An empty input gives an empty output.
///
/// # Errors
/// [`StatsError::InvalidPValue`] if a p-value is NaN or outside [0, 1].
///
/// # Example
/// ```
/// use artist2vec_stats::holm;
/// let adjusted = holm(&[0.01, 0.04, 0.03])?;
/// for (a, b) in adjusted.iter().zip([0.03, 0.06, 0.06]) {
///     assert!((a - b).abs() < 1e-15);
/// }
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn holm(p_values: &[f64]) -> Result<Vec<f64>> {
    check_p_values(p_values)?;
    let m = p_values.len();
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, &i) in ascending_order(p_values).iter().enumerate() {
        running = running.max(p_values[i] * (m - rank) as f64);
        adjusted[i] = running.min(1.0);
    }
    Ok(adjusted)
}

/// Benjamini–Hochberg step-up adjusted p-values (q-values; controls the
/// false discovery rate under independence or positive dependence), in
/// input order. Equal to `multipletests(p, method='fdr_bh')[1]` and to
/// `scipy.stats.false_discovery_control(p, method='bh')`: with
/// `p₍₁₎ ≤ … ≤ p₍ₘ₎`, `adj₍ᵢ₎ = min(1, min_{j ≥ i} m p₍ⱼ₎ / j)`.
/// An empty input gives an empty output.
///
/// # Errors
/// [`StatsError::InvalidPValue`] if a p-value is NaN or outside [0, 1].
///
/// # Example
/// ```
/// use artist2vec_stats::benjamini_hochberg;
/// let q = benjamini_hochberg(&[0.01, 0.04, 0.03])?;
/// assert!((q[0] - 0.03).abs() < 1e-15);
/// assert!((q[1] - 0.04).abs() < 1e-15);
/// assert!((q[2] - 0.04).abs() < 1e-15);
/// # Ok::<(), artist2vec_stats::StatsError>(())
/// ```
pub fn benjamini_hochberg(p_values: &[f64]) -> Result<Vec<f64>> {
    check_p_values(p_values)?;
    let m = p_values.len();
    let order = ascending_order(p_values);
    let mut adjusted = vec![0.0; m];
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p_values[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running.min(1.0);
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_is_monotone_and_bounded() {
        let p = [0.2, 0.001, 0.04, 0.04, 0.9, 0.0];
        let adj = holm(&p).unwrap();
        assert_eq!(adj[5], 0.0);
        assert!((adj[1] - 0.005).abs() < 1e-15);
        assert!((adj[2] - 0.16).abs() < 1e-15);
        assert_eq!(adj[2], adj[3]);
        assert!((adj[4] - 0.9).abs() < 1e-15);
        assert_eq!(holm(&[0.6, 0.7]).unwrap(), vec![1.0, 1.0]);
        for (a, b) in adj.iter().zip(&p) {
            assert!(a >= b);
        }
    }

    #[test]
    fn bh_is_step_up() {
        let p = [0.01, 0.02, 0.03, 0.5];
        let q = benjamini_hochberg(&p).unwrap();
        let expected = [0.04, 0.04, 0.04, 0.5];
        for (a, b) in q.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{q:?}");
        }
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(holm(&[]).unwrap(), Vec::<f64>::new());
        assert_eq!(benjamini_hochberg(&[]).unwrap(), Vec::<f64>::new());
        assert!(matches!(
            holm(&[0.1, f64::NAN]),
            Err(StatsError::InvalidPValue { index: 1, value }) if value.is_nan()
        ));
        assert!(matches!(
            benjamini_hochberg(&[1.5]),
            Err(StatsError::InvalidPValue { index: 0, .. })
        ));
    }
}
