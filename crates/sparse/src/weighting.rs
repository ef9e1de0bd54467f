use serde::{Deserialize, Serialize};

use crate::{Csr, SparseError};

/// How raw play counts are turned into model input.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Weighting {
    /// Leave counts as they are.
    #[default]
    Raw,
    /// 1 for every stored entry.
    Binary,
    /// `ln(1 + count)`.
    Log1p,
    /// Okapi BM25 as in the `implicit` library: with `N` users and `df` the number of users of an
    /// artist, `idf = ln N − ln(1 + df)`, `norm = (1 − b) + b·len(u)/avg_len`, and
    /// `w = count·(k1 + 1) / (k1·norm + count) · idf`, where `len(u)` is the user's total count.
    Bm25 {
        /// Saturation (implicit's default 100).
        k1: f32,
        /// Length normalisation (implicit's default 0.8).
        b: f32,
    },
    /// TF-IDF as in the `implicit` library: `sqrt(count) · (ln N − ln(1 + df))`.
    TfIdf,
    /// The seed notebooks' confidence `1 + alpha·ln(1 + beta·count)`.
    Confidence {
        /// Scale of the logarithm.
        alpha: f32,
        /// Scale inside the logarithm.
        beta: f32,
    },
}

impl Weighting {
    /// BM25 with the `implicit` library's defaults (k1 = 100, b = 0.8).
    pub fn bm25() -> Self {
        Weighting::Bm25 { k1: 100.0, b: 0.8 }
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`SparseError::Invalid`] for a negative or non-finite parameter.
    pub fn validate(&self) -> Result<(), SparseError> {
        let ok = |v: f32| v.is_finite() && v >= 0.0;
        match *self {
            Weighting::Bm25 { k1, b } if !ok(k1) || !ok(b) || b > 1.0 => Err(SparseError::Invalid(
                format!("bm25 needs k1 >= 0 and 0 <= b <= 1, got k1 = {k1}, b = {b}"),
            )),
            Weighting::Confidence { alpha, beta } if !ok(alpha) || !ok(beta) => {
                Err(SparseError::Invalid(format!(
                    "confidence needs alpha >= 0 and beta >= 0, got alpha = {alpha}, beta = {beta}"
                )))
            }
            _ => Ok(()),
        }
    }
}

/// A copy of the users × artists matrix `m` with weighting `w` applied to every stored entry.
///
/// # Panics
/// When the weighting's parameters are invalid (see [`Weighting::validate`]).
pub fn weight(m: &Csr, w: Weighting) -> Csr {
    w.validate().expect("valid weighting");
    let mut out = m.clone();
    match w {
        Weighting::Raw => {}
        Weighting::Binary => out.data_mut().iter_mut().for_each(|v| *v = 1.0),
        Weighting::Log1p => out.data_mut().iter_mut().for_each(|v| *v = v.ln_1p()),
        Weighting::Confidence { alpha, beta } => out
            .data_mut()
            .iter_mut()
            .for_each(|v| *v = 1.0 + alpha * (beta * *v).ln_1p()),
        Weighting::TfIdf => {
            let idf = idf(m);
            let idx: Vec<u32> = m.indices().to_vec();
            for (v, c) in out.data_mut().iter_mut().zip(idx) {
                *v = v.sqrt() * idf[c as usize];
            }
        }
        Weighting::Bm25 { k1, b } => {
            let idf = idf(m);
            let (nr, _) = m.shape();
            let lens: Vec<f64> = (0..nr)
                .map(|r| {
                    m.outer_view(r)
                        .map_or(0.0, |row| row.data().iter().map(|&x| x as f64).sum())
                })
                .collect();
            let avg = if nr > 0 {
                lens.iter().sum::<f64>() / nr as f64
            } else {
                1.0
            };
            let ptr = m.indptr().raw_storage().to_vec();
            let idx = m.indices().to_vec();
            let data = out.data_mut();
            for r in 0..nr {
                let norm = (1.0 - b as f64) + b as f64 * lens[r] / avg;
                for p in ptr[r]..ptr[r + 1] {
                    let x = data[p] as f64;
                    data[p] = (x * (k1 as f64 + 1.0) / (k1 as f64 * norm + x)
                        * idf[idx[p] as usize] as f64) as f32;
                }
            }
        }
    }
    out
}

/// `ln N − ln(1 + df)` per column, N = number of rows.
fn idf(m: &Csr) -> Vec<f32> {
    let (nr, nc) = m.shape();
    let mut df = vec![0u32; nc];
    for &c in m.indices() {
        df[c as usize] += 1;
    }
    let ln_n = (nr as f64).ln();
    df.iter()
        .map(|&d| (ln_n - (d as f64).ln_1p()) as f32)
        .collect()
}

/// A row norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Sum of absolute values.
    L1,
    /// Euclidean norm.
    L2,
    /// Largest absolute value.
    Max,
}

/// Divides every row by its norm (rows of norm 0 stay 0).
pub fn normalize_rows(m: &mut Csr, norm: Norm) {
    let ptr = m.indptr().raw_storage().to_vec();
    let data = m.data_mut();
    for r in 0..ptr.len() - 1 {
        let row = &mut data[ptr[r]..ptr[r + 1]];
        let n = match norm {
            Norm::L1 => row.iter().map(|v| v.abs()).sum::<f32>(),
            Norm::L2 => row.iter().map(|v| v * v).sum::<f32>().sqrt(),
            Norm::Max => row.iter().fold(0f32, |a, v| a.max(v.abs())),
        };
        if n > 0.0 {
            row.iter_mut().for_each(|v| *v /= n);
        }
    }
}

/// Scales every column to `[0, 1]` like scikit-learn's `MinMaxScaler` on the dense matrix:
/// the column minimum counts the implicit zeros (so it is 0 unless every row stores a value),
/// and a constant column becomes 0. Zeros stay implicit only when the minimum is 0.
pub fn minmax_columns(m: &mut Csr) {
    MinMax::fit(m).apply(m);
}

/// The per-column scaling of [`minmax_columns`], kept so that new rows (a new listener's plays)
/// can be scaled as the matrix was.
#[derive(Debug, Clone, PartialEq)]
pub struct MinMax {
    /// Minimum of every column, implicit zeros included.
    pub min: Vec<f32>,
    /// Maximum minus minimum of every column (0 for a constant column).
    pub range: Vec<f32>,
}

impl MinMax {
    /// The minimum and range of every column of `m`, counting the implicit zeros of a column
    /// that does not store a value in every row.
    pub fn fit(m: &Csr) -> Self {
        let (nr, nc) = m.shape();
        let mut min = vec![f32::INFINITY; nc];
        let mut max = vec![f32::NEG_INFINITY; nc];
        let mut count = vec![0usize; nc];
        for (&c, &v) in m.indices().iter().zip(m.data()) {
            let c = c as usize;
            min[c] = min[c].min(v);
            max[c] = max[c].max(v);
            count[c] += 1;
        }
        for c in 0..nc {
            if count[c] < nr {
                min[c] = min[c].min(0.0);
                max[c] = max[c].max(0.0);
            }
        }
        let range = min.iter().zip(&max).map(|(a, b)| b - a).collect();
        Self { min, range }
    }

    /// `v` of column `col` scaled: `(v − min) / range`, or 0 for a constant column.
    ///
    /// # Panics
    /// When `col` is not a column of the fitted matrix.
    pub fn scale(&self, col: usize, v: f32) -> f32 {
        let range = self.range[col];
        if range > 0.0 {
            (v - self.min[col]) / range
        } else {
            0.0
        }
    }

    /// Scales every stored value of `m` (a matrix with the fitted matrix's columns).
    ///
    /// # Panics
    /// When `m` has more columns than the fitted matrix.
    pub fn apply(&self, m: &mut Csr) {
        let idx = m.indices().to_vec();
        for (v, c) in m.data_mut().iter_mut().zip(idx) {
            *v = self.scale(c as usize, *v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::from_triplets;
    use approx::assert_relative_eq;

    fn sample() -> Csr {
        // 3 users × 4 artists.
        from_triplets(
            3,
            4,
            &[0, 0, 1, 1, 1, 2],
            &[0, 1, 1, 2, 3, 1],
            &[1.0, 3.0, 2.0, 4.0, 8.0, 5.0],
        )
        .unwrap()
    }

    fn dense(m: &Csr) -> Vec<Vec<f32>> {
        let (nr, nc) = m.shape();
        (0..nr)
            .map(|r| (0..nc).map(|c| *m.get(r, c).unwrap_or(&0.0)).collect())
            .collect()
    }

    #[test]
    fn bm25_and_tfidf_match_implicit_formulas() {
        let m = sample();
        let d = dense(&m);
        let n = 3f64;
        let df = [1f64, 3.0, 1.0, 1.0];
        let lens: Vec<f64> = d
            .iter()
            .map(|r| r.iter().map(|&x| x as f64).sum())
            .collect();
        let avg = lens.iter().sum::<f64>() / 3.0;
        let bm = dense(&weight(&m, Weighting::bm25()));
        let tf = dense(&weight(&m, Weighting::TfIdf));
        for r in 0..3 {
            for c in 0..4 {
                let x = d[r][c] as f64;
                if x == 0.0 {
                    assert_eq!(bm[r][c], 0.0);
                    continue;
                }
                let idf = n.ln() - df[c].ln_1p();
                let norm = 0.2 + 0.8 * lens[r] / avg;
                let want = x * 101.0 / (100.0 * norm + x) * idf;
                assert_relative_eq!(bm[r][c] as f64, want, max_relative = 1e-5);
                assert_relative_eq!(tf[r][c] as f64, x.sqrt() * idf, max_relative = 1e-5);
            }
        }
    }

    #[test]
    fn simple_weightings_and_validation() {
        let m = sample();
        assert!(
            weight(&m, Weighting::Binary)
                .data()
                .iter()
                .all(|&v| v == 1.0)
        );
        assert_relative_eq!(*weight(&m, Weighting::Log1p).get(1, 3).unwrap(), 9f32.ln());
        let c = weight(
            &m,
            Weighting::Confidence {
                alpha: 2.0,
                beta: 0.5,
            },
        );
        assert_relative_eq!(*c.get(1, 3).unwrap(), 1.0 + 2.0 * 5f32.ln());
        assert!(Weighting::Bm25 { k1: -1.0, b: 0.5 }.validate().is_err());
        assert!(Weighting::Bm25 { k1: 1.0, b: 1.5 }.validate().is_err());
        assert!(
            Weighting::Confidence {
                alpha: f32::NAN,
                beta: 1.0
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn row_norms_and_minmax() {
        let mut m = sample();
        normalize_rows(&mut m, Norm::L2);
        let d = dense(&m);
        for r in &d {
            assert_relative_eq!(r.iter().map(|v| v * v).sum::<f32>(), 1.0, epsilon = 1e-6);
        }
        let mut m = sample();
        normalize_rows(&mut m, Norm::L1);
        assert_relative_eq!(dense(&m)[1].iter().sum::<f32>(), 1.0, epsilon = 1e-6);
        let mut m = sample();
        normalize_rows(&mut m, Norm::Max);
        assert_eq!(*m.get(1, 3).unwrap(), 1.0);

        let mut m = sample();
        minmax_columns(&mut m);
        let d = dense(&m);
        // Column 1 is stored in every row: min 2, max 5.
        assert_relative_eq!(d[0][1], (3.0 - 2.0) / 3.0);
        assert_relative_eq!(d[1][1], 0.0);
        assert_relative_eq!(d[2][1], 1.0);
        // Column 3 has implicit zeros: min 0, max 8.
        assert_relative_eq!(d[1][3], 1.0);
    }

    #[test]
    fn minmax_scaling_is_kept_for_new_rows() {
        let m = sample();
        let s = MinMax::fit(&m);
        assert_eq!(s.min, vec![0.0, 2.0, 0.0, 0.0]);
        assert_eq!(s.range, vec![1.0, 3.0, 4.0, 8.0]);
        // A new row is scaled as the matrix was; a constant column scales to 0.
        assert_relative_eq!(s.scale(3, 4.0), 0.5);
        assert_relative_eq!(s.scale(1, 2.0), 0.0);
        let flat = MinMax::fit(&from_triplets(2, 1, &[0, 1], &[0, 0], &[7.0, 7.0]).unwrap());
        assert_eq!(flat.range, vec![0.0]);
        assert_eq!(flat.scale(0, 7.0), 0.0);
        // `apply` is what `minmax_columns` does.
        let (mut a, mut b) = (sample(), sample());
        s.apply(&mut a);
        minmax_columns(&mut b);
        assert_eq!(a, b);
    }
}
