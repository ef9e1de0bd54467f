//! Small dense linear algebra shared by the model crates.

/// Eigen-decomposition of a symmetric `l × l` row-major matrix by cyclic Jacobi rotations.
/// Returns the eigenvalues (in the order of the diagonal, not sorted) and the eigenvectors as
/// the columns of a row-major `l × l` matrix. Meant for the small projected matrices of
/// subspace iterations (`l` up to a few hundred): `O(l³)` per sweep, at most 100 sweeps, stops
/// when the off-diagonal mass falls below `10⁻²⁴` of the total.
///
/// ```
/// let (vals, vecs) = artist2vec_core::linalg::jacobi_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
/// let mut sorted = vals.clone();
/// sorted.sort_by(f64::total_cmp);
/// assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12);
/// // Each column is a unit eigenvector: A·v = λ·v.
/// for c in 0..2 {
///     let (x, y) = (vecs[c], vecs[2 + c]);
///     assert!((2.0 * x + y - vals[c] * x).abs() < 1e-12);
///     assert!((x * x + y * y - 1.0).abs() < 1e-12);
/// }
/// ```
///
/// # Panics
/// When `a.len() != l·l`.
pub fn jacobi_eigen(a: &[f64], l: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(a.len(), l * l, "jacobi_eigen: expected an l × l matrix");
    let mut a = a.to_vec();
    let mut v = vec![0f64; l * l];
    for i in 0..l {
        v[i * l + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..l)
            .flat_map(|i| (0..l).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * l + j] * a[i * l + j])
            .sum();
        if off <= 1e-24 * total {
            break;
        }
        for p in 0..l {
            for q in p + 1..l {
                let apq = a[p * l + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let (app, aqq) = (a[p * l + p], a[q * l + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..l {
                    let (akp, akq) = (a[k * l + p], a[k * l + q]);
                    a[k * l + p] = c * akp - s * akq;
                    a[k * l + q] = s * akp + c * akq;
                }
                for k in 0..l {
                    let (apk, aqk) = (a[p * l + k], a[q * l + k]);
                    a[p * l + k] = c * apk - s * aqk;
                    a[q * l + k] = s * apk + c * aqk;
                }
                for k in 0..l {
                    let (vkp, vkq) = (v[k * l + p], v[k * l + q]);
                    v[k * l + p] = c * vkp - s * vkq;
                    v[k * l + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..l).map(|i| a[i * l + i]).collect(), v)
}
