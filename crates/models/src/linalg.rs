//! Randomized truncated eigen-decomposition of a sparse symmetric matrix (Halko, Martinsson &
//! Tropp 2011, algorithm 4.4 with re-orthonormalised power iterations), in `f64`.
//!
//! Dense blocks are stored column-major (`l` columns of length `n`, each contiguous), so that the
//! sparse products run one column per task and Gram–Schmidt reads whole columns.

use artist2vec_sparse::Csr;
use rayon::prelude::*;

use crate::rng::Rng;

/// `out[:, c] = m · q[:, c]` for every column, in parallel over columns.
fn spmm(m: &Csr, q: &[f64], n: usize, out: &mut [f64]) {
    let ptr = crate::base::ptr(m);
    let (idx, dat) = (m.indices(), m.data());
    out.par_chunks_mut(n)
        .zip(q.par_chunks(n))
        .for_each(|(o, qc)| {
            for (r, or) in o.iter_mut().enumerate() {
                let mut s = 0f64;
                for p in ptr[r]..ptr[r + 1] {
                    s += dat[p] as f64 * qc[idx[p] as usize];
                }
                *or = s;
            }
        });
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..4 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

/// Orthonormalises the columns of `z` in place (modified Gram–Schmidt, applied twice). Columns
/// that are (numerically) in the span of the earlier ones become zero.
fn orthonormalize(z: &mut [f64], n: usize) {
    let l = z.len() / n;
    for c in 0..l {
        let (done, rest) = z.split_at_mut(c * n);
        let col = &mut rest[..n];
        let norm0 = dot(col, col).sqrt();
        for _ in 0..2 {
            let coefs: Vec<f64> = done.par_chunks(n).map(|prev| dot(prev, col)).collect();
            for (prev, a) in done.chunks_exact(n).zip(coefs) {
                if a != 0.0 {
                    for (x, p) in col.iter_mut().zip(prev) {
                        *x -= a * p;
                    }
                }
            }
        }
        let norm = dot(col, col).sqrt();
        if norm > 1e-10 * norm0.max(f64::MIN_POSITIVE) && norm > 0.0 {
            col.iter_mut().for_each(|x| *x /= norm);
        } else {
            col.fill(0.0);
        }
    }
}

/// Eigen-decomposition of a symmetric `l × l` row-major matrix by cyclic Jacobi rotations.
/// Returns the eigenvalues and the eigenvectors as the columns of a row-major `l × l` matrix.
pub(crate) fn jacobi_eigen(a: &[f64], l: usize) -> (Vec<f64>, Vec<f64>) {
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

/// The `k` eigenpairs of largest magnitude of the symmetric sparse `n × n` matrix `m`, by a
/// randomized range finder with `oversample` extra columns and `power_iterations`
/// re-orthonormalised power iterations. Returns (eigenvalues, column-major `n × k` vectors), in
/// decreasing order of magnitude. Deterministic for a seed, whatever the thread count.
pub(crate) fn randomized_eigh(
    m: &Csr,
    k: usize,
    oversample: usize,
    power_iterations: usize,
    seed: u64,
    mut on_step: impl FnMut(usize, usize),
) -> (Vec<f64>, Vec<f64>) {
    let n = m.rows();
    let l = (k + oversample).min(n);
    let mut rng = Rng::new(seed, 7);
    let mut q: Vec<f64> = (0..n * l).map(|_| rng.normal()).collect();
    let mut z = vec![0f64; n * l];
    let steps = power_iterations + 2;
    spmm(m, &q, n, &mut z);
    orthonormalize(&mut z, n);
    std::mem::swap(&mut q, &mut z);
    on_step(1, steps);
    for it in 0..power_iterations {
        spmm(m, &q, n, &mut z);
        orthonormalize(&mut z, n);
        std::mem::swap(&mut q, &mut z);
        on_step(it + 2, steps);
    }
    // T = Qᵀ M Q.
    spmm(m, &q, n, &mut z);
    let mut t = vec![0f64; l * l];
    t.par_chunks_mut(l).enumerate().for_each(|(i, row)| {
        for (j, v) in row.iter_mut().enumerate() {
            *v = dot(&q[i * n..(i + 1) * n], &z[j * n..(j + 1) * n]);
        }
    });
    for i in 0..l {
        for j in 0..i {
            let s = 0.5 * (t[i * l + j] + t[j * l + i]);
            t[i * l + j] = s;
            t[j * l + i] = s;
        }
    }
    let (vals, vecs) = jacobi_eigen(&t, l);
    let mut order: Vec<usize> = (0..l).collect();
    order.sort_by(|&a, &b| vals[b].abs().total_cmp(&vals[a].abs()).then(a.cmp(&b)));
    order.truncate(k.min(l));
    let kk = order.len();
    let mut u = vec![0f64; n * kk];
    u.par_chunks_mut(n)
        .zip(order.par_iter())
        .for_each(|(col, &e)| {
            for c in 0..l {
                let w = vecs[c * l + e];
                if w != 0.0 {
                    for (x, qv) in col.iter_mut().zip(&q[c * n..(c + 1) * n]) {
                        *x += w * qv;
                    }
                }
            }
        });
    on_step(steps, steps);
    (order.iter().map(|&e| vals[e]).collect(), u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use artist2vec_sparse::from_triplets;

    #[test]
    fn jacobi_recovers_a_known_spectrum() {
        // A = V diag(5, -2, 1) Vᵀ with an orthogonal V.
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let v = [s, s, 0.0, -s, s, 0.0, 0.0, 0.0, 1.0];
        let d = [5.0, -2.0, 1.0];
        let mut a = [0f64; 9];
        for i in 0..3 {
            for j in 0..3 {
                a[i * 3 + j] = (0..3).map(|k| v[i * 3 + k] * d[k] * v[j * 3 + k]).sum();
            }
        }
        let (mut vals, _) = jacobi_eigen(&a, 3);
        vals.sort_by(|x, y| y.total_cmp(x));
        for (g, w) in vals.iter().zip([5.0, 1.0, -2.0]) {
            assert!((g - w).abs() < 1e-10, "{g} vs {w}");
        }
    }

    #[test]
    fn randomized_eigh_finds_the_dominant_eigenpairs() {
        // Block-diagonal symmetric matrix: blocks of ones of sizes 6, 4, 2 (eigenvalues 6, 4, 2,
        // then zeros), plus small noise-free off-block zeros.
        let sizes = [6usize, 4, 2];
        let (mut r, mut c, mut v) = (vec![], vec![], vec![]);
        let mut start = 0;
        for &s in &sizes {
            for i in start..start + s {
                for j in start..start + s {
                    r.push(i as u32);
                    c.push(j as u32);
                    v.push(1.0);
                }
            }
            start += s;
        }
        let m = from_triplets(start, start, &r, &c, &v).unwrap();
        let (vals, vecs) = randomized_eigh(&m, 3, 4, 2, 1, |_, _| {});
        for (g, w) in vals.iter().zip([6.0, 4.0, 2.0]) {
            assert!((g - w).abs() < 1e-8, "{g} vs {w}");
        }
        // The first eigenvector is uniform on the first block.
        let u0 = &vecs[..start];
        let want = 1.0 / 6f64.sqrt();
        for i in 0..6 {
            assert!((u0[i].abs() - want).abs() < 1e-8);
        }
        assert!(u0[6..].iter().all(|x| x.abs() < 1e-8));
    }
}
