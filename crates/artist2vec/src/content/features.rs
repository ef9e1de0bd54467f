//! TF-IDF tag features and the ridge regression from them onto artist vectors.

// The TF-IDF rows and the vocabulary helpers live in `artist2vec-core` (`content`), shared
// with the burn models' YouTube-DNN (`artist2vec-neural`), which reads the same features.
pub use artist2vec_core::content::{Row, content_index, extend_items, idf, tfidf};

/// `x · W + mean`, with `W` a `n_features × dim` row-major table.
pub fn predict(row: &[(u32, f32)], weights: &[f32], mean: &[f32]) -> Vec<f32> {
    let dim = mean.len();
    let mut out = mean.to_vec();
    for &(t, x) in row {
        let w = &weights[t as usize * dim..][..dim];
        out.iter_mut().zip(w).for_each(|(o, &w)| *o += x * w);
    }
    out
}

/// Scales `v` to unit length (left as is when it is zero).
pub fn normalise(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 && n.is_finite() {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// The ridge solution `W = (XᵀX + λI)⁻¹ Xᵀ Y` for sparse rows `X` (`n × n_features`) and
/// dense targets `Y` (`n × dim`, row-major), by conjugate gradients on all `dim` columns at
/// once (matrix-free: each step costs two passes over the non-zeros of `X`). Stops when every
/// column's residual is below `tol` times its right-hand side, or after `max_iterations`.
/// Returns `W` (`n_features × dim`, row-major) and the steps taken.
pub fn ridge(
    rows: &[Row],
    targets: &[f32],
    n_features: usize,
    dim: usize,
    lambda: f32,
    max_iterations: usize,
    tol: f64,
) -> (Vec<f32>, usize) {
    let apply = |p: &[f32], out: &mut [f32]| {
        for (o, &x) in out.iter_mut().zip(p) {
            *o = lambda * x;
        }
        let mut t = vec![0f32; dim];
        for row in rows {
            t.iter_mut().for_each(|v| *v = 0.0);
            for &(f, x) in row {
                let pf = &p[f as usize * dim..][..dim];
                t.iter_mut().zip(pf).for_each(|(t, &p)| *t += x * p);
            }
            for &(f, x) in row {
                let of = &mut out[f as usize * dim..][..dim];
                of.iter_mut().zip(&t).for_each(|(o, &t)| *o += x * t);
            }
        }
    };
    let col_dots = |a: &[f32], b: &[f32]| {
        let mut s = vec![0f64; dim];
        for (ra, rb) in a.chunks_exact(dim).zip(b.chunks_exact(dim)) {
            for d in 0..dim {
                s[d] += f64::from(ra[d]) * f64::from(rb[d]);
            }
        }
        s
    };
    // B = Xᵀ Y.
    let mut r = vec![0f32; n_features * dim];
    for (row, y) in rows.iter().zip(targets.chunks_exact(dim)) {
        for &(f, x) in row {
            let rf = &mut r[f as usize * dim..][..dim];
            rf.iter_mut().zip(y).for_each(|(r, &y)| *r += x * y);
        }
    }
    let b_norm = col_dots(&r, &r);
    let mut w = vec![0f32; n_features * dim];
    let mut p = r.clone();
    let mut ap = vec![0f32; n_features * dim];
    let mut rs = b_norm.clone();
    let done = |rs: &[f64]| {
        rs.iter()
            .zip(&b_norm)
            .all(|(&r, &b)| r.sqrt() <= tol * b.sqrt())
    };
    let mut steps = 0;
    while steps < max_iterations && !done(&rs) {
        steps += 1;
        apply(&p, &mut ap);
        let pap = col_dots(&p, &ap);
        let alpha: Vec<f32> = rs
            .iter()
            .zip(&pap)
            .map(|(&r, &q)| if q > 0.0 { (r / q) as f32 } else { 0.0 })
            .collect();
        for ((wr, rr), (pr, apr)) in w
            .chunks_exact_mut(dim)
            .zip(r.chunks_exact_mut(dim))
            .zip(p.chunks_exact(dim).zip(ap.chunks_exact(dim)))
        {
            for d in 0..dim {
                wr[d] += alpha[d] * pr[d];
                rr[d] -= alpha[d] * apr[d];
            }
        }
        let rs_new = col_dots(&r, &r);
        let beta: Vec<f32> = rs_new
            .iter()
            .zip(&rs)
            .map(|(&n, &o)| if o > 0.0 { (n / o) as f32 } else { 0.0 })
            .collect();
        for (pr, rr) in p.chunks_exact_mut(dim).zip(r.chunks_exact(dim)) {
            for d in 0..dim {
                pr[d] = rr[d] + beta[d] * pr[d];
            }
        }
        rs = rs_new;
    }
    (w, steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ridge_matches_the_closed_form_on_a_small_problem() {
        // Two features, three rows, one target column: solve (XᵀX + λI) w = Xᵀy by hand.
        let rows: Vec<Row> = vec![vec![(0, 1.0)], vec![(1, 1.0)], vec![(0, 1.0), (1, 1.0)]];
        let y = [1.0f32, 2.0, 4.0];
        let (w, steps) = ridge(&rows, &y, 2, 1, 0.5, 50, 1e-9);
        // XᵀX = [[2,1],[1,2]] + 0.5 I = [[2.5,1],[1,2.5]]; Xᵀy = [5, 6].
        let det = 2.5f32 * 2.5 - 1.0;
        let w0 = (2.5 * 5.0 - 6.0) / det;
        let w1 = (2.5 * 6.0 - 5.0) / det;
        assert!(
            (w[0] - w0).abs() < 1e-4 && (w[1] - w1).abs() < 1e-4,
            "{w:?}"
        );
        assert!(steps <= 3, "CG on 2 unknowns took {steps} steps");
    }
}
