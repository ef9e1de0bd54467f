//! The content features of YouTube-DNN: each artist's TF-IDF tag row (the content model's
//! features, `artist2vec_core::content`) projected onto the top right singular vectors of the
//! artists' TF-IDF matrix (a truncated SVD by subspace iteration), each dimension scaled to
//! unit variance over the tagged artists.

use artist2vec_core::content::{Row, content_index, idf, tfidf};
use artist2vec_core::{ArtistContent, Vocabulary};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Content features of every artist of `items`.
#[derive(Debug, Clone)]
pub(crate) struct ContentTable {
    /// `[items, dims]`, row-major; zero rows for artists without tags.
    pub table: Vec<f32>,
    pub dims: usize,
    /// The singular values of the dimensions kept, largest first.
    pub singular_values: Vec<f64>,
    /// Artists of `items` with at least one tag.
    pub tagged: usize,
}

/// The content table of `items` from `content`: rank `min(dims, tags, tagged artists)`.
pub(crate) fn content_table(
    items: &Vocabulary,
    content: &ArtistContent,
    dims: usize,
    iterations: usize,
    seed: u64,
) -> ContentTable {
    let idf = idf(content);
    let rows: Vec<Row> = content_index(items, content)
        .into_iter()
        .map(|c| c.map_or_else(Vec::new, |c| tfidf(content.features_of(c), &idf)))
        .collect();
    let tagged = rows.iter().filter(|r| !r.is_empty()).count();
    let n_features = content.features.len();
    let k = dims.min(n_features).min(tagged);
    if k == 0 {
        return ContentTable {
            table: Vec::new(),
            dims: 0,
            singular_values: Vec::new(),
            tagged,
        };
    }
    let (v, singular_values) = truncated_svd(&rows, n_features, k, iterations, seed);
    // Projections X · V, then each column scaled to unit standard deviation over the tagged
    // artists (the id embeddings start at unit variance too).
    let mut table = vec![0f32; rows.len() * k];
    let mut sq = vec![0f64; k];
    for (row, out) in rows.iter().zip(table.chunks_exact_mut(k)) {
        for &(f, x) in row {
            let vf = &v[f as usize * k..][..k];
            for (o, &w) in out.iter_mut().zip(vf) {
                *o += x * w as f32;
            }
        }
        if !row.is_empty() {
            sq.iter_mut()
                .zip(out.iter())
                .for_each(|(s, &o)| *s += f64::from(o) * f64::from(o));
        }
    }
    let scale: Vec<f32> = sq
        .iter()
        .map(|&s| {
            let sd = (s / tagged as f64).sqrt();
            if sd > 1e-12 { (1.0 / sd) as f32 } else { 0.0 }
        })
        .collect();
    for out in table.chunks_exact_mut(k) {
        out.iter_mut().zip(&scale).for_each(|(o, &s)| *o *= s);
    }
    ContentTable {
        table,
        dims: k,
        singular_values,
        tagged,
    }
}

/// `out = X · V` for sparse rows `X` and `V` row-major `[n_features, k]`.
fn x_times(rows: &[Row], v: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0f64; rows.len() * k];
    for (row, o) in rows.iter().zip(out.chunks_exact_mut(k)) {
        for &(f, x) in row {
            let vf = &v[f as usize * k..][..k];
            o.iter_mut()
                .zip(vf)
                .for_each(|(o, &w)| *o += f64::from(x) * w);
        }
    }
    out
}

/// `out = Xᵀ · W` for `W` row-major `[rows, k]`.
fn xt_times(rows: &[Row], w: &[f64], n_features: usize, k: usize) -> Vec<f64> {
    let mut out = vec![0f64; n_features * k];
    for (row, wr) in rows.iter().zip(w.chunks_exact(k)) {
        for &(f, x) in row {
            let of = &mut out[f as usize * k..][..k];
            of.iter_mut()
                .zip(wr)
                .for_each(|(o, &w)| *o += f64::from(x) * w);
        }
    }
    out
}

/// Orthonormalises the `k` columns of `v` (row-major `[n, k]`) by modified Gram–Schmidt; a
/// column that vanishes is left at zero.
fn orthonormalise(v: &mut [f64], n: usize, k: usize) {
    for j in 0..k {
        for i in 0..j {
            let d: f64 = (0..n).map(|r| v[r * k + i] * v[r * k + j]).sum();
            for r in 0..n {
                v[r * k + j] -= d * v[r * k + i];
            }
        }
        let norm = (0..n).map(|r| v[r * k + j].powi(2)).sum::<f64>().sqrt();
        let inv = if norm > 1e-12 { 1.0 / norm } else { 0.0 };
        for r in 0..n {
            v[r * k + j] *= inv;
        }
    }
}

/// The top `k` right singular vectors of the sparse `X` (`[n_features, k]`, row-major, by
/// decreasing singular value) and the singular values: subspace iteration on `XᵀX` from a
/// seeded Gaussian start, then Rayleigh–Ritz.
pub(crate) fn truncated_svd(
    rows: &[Row],
    n_features: usize,
    k: usize,
    iterations: usize,
    seed: u64,
) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5bd1_e995);
    let mut v: Vec<f64> = (0..n_features * k)
        .map(|_| rng.sample::<f64, _>(rand_distr::StandardNormal))
        .collect();
    orthonormalise(&mut v, n_features, k);
    for _ in 0..iterations {
        let w = x_times(rows, &v, k);
        v = xt_times(rows, &w, n_features, k);
        orthonormalise(&mut v, n_features, k);
    }
    // Rayleigh–Ritz: the eigenvectors of (XV)ᵀ(XV) rotate V onto the singular directions.
    let w = x_times(rows, &v, k);
    let mut g = vec![0f64; k * k];
    for wr in w.chunks_exact(k) {
        for i in 0..k {
            for j in 0..k {
                g[i * k + j] += wr[i] * wr[j];
            }
        }
    }
    let (vals, q) = artist2vec_core::linalg::jacobi_eigen(&g, k);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    let mut out = vec![0f64; n_features * k];
    for f in 0..n_features {
        for (c, &o) in order.iter().enumerate() {
            out[f * k + c] = (0..k).map(|i| v[f * k + i] * q[i * k + o]).sum();
        }
    }
    let singular = order.iter().map(|&o| vals[o].max(0.0).sqrt()).collect();
    (out, singular)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_svd_finds_the_singular_values_of_a_small_matrix() {
        // X = diag(3, 2, 1) with an extra row mixing features 0 and 1.
        let rows: Vec<Row> = vec![
            vec![(0, 3.0)],
            vec![(1, 2.0)],
            vec![(2, 1.0)],
            vec![(0, 1.0), (1, 1.0)],
        ];
        // XᵀX = [[10, 1, 0], [1, 5, 0], [0, 0, 1]]: eigenvalues 7.5 ± √7.25 and 1.
        let (v, s) = truncated_svd(&rows, 3, 2, 50, 1);
        let e = [7.5 + 7.25f64.sqrt(), 7.5 - 7.25f64.sqrt()];
        assert!((s[0] * s[0] - e[0]).abs() < 1e-6, "{s:?}");
        assert!((s[1] * s[1] - e[1]).abs() < 1e-6, "{s:?}");
        // Orthonormal columns, none on feature 2.
        for a in 0..2 {
            for b in 0..2 {
                let d: f64 = (0..3).map(|f| v[f * 2 + a] * v[f * 2 + b]).sum();
                assert!((d - f64::from(u8::from(a == b))).abs() < 1e-9);
            }
            assert!(v[2 * 2 + a].abs() < 1e-6);
        }
    }
}
