//! Randomized truncated eigen-decomposition of a sparse symmetric matrix (Halko, Martinsson &
//! Tropp 2011, algorithm 4.4 with re-orthonormalised power iterations), in `f64`.
//!
//! Dense blocks are stored column-major (`l` columns of length `n`, each contiguous), so that the
//! sparse products run one column per task and Gram–Schmidt reads whole columns.

use artist2vec_sparse::Csr;
use rayon::prelude::*;

use crate::kernels::multiversion;
use crate::rng::Rng;

/// `out = m · q` for column-major `n × l` blocks `q` and `out`. The product runs on row-major
/// copies, so that each stored entry of `m` adds a contiguous row of `l` values (vectorised),
/// in parallel over blocks of rows, each row summed in storage order.
fn spmm(m: &Csr, q: &[f64], n: usize, out: &mut [f64]) {
    let l = q.len() / n;
    let ptr = crate::base::ptr(m);
    let (idx, dat) = (m.indices(), m.data());
    let mut qr = vec![0f64; n * l];
    transpose_into(q, l, n, &mut qr);
    let mut zr = vec![0f64; n * l];
    zr.par_chunks_mut(ROW_BLOCK * l)
        .enumerate()
        .for_each(|(b, block)| spmm_rows(block, l, b * ROW_BLOCK, ptr, idx, dat, &qr));
    transpose_into(&zr, n, l, out);
}

/// Rows per parallel task of the dense-block kernels.
const ROW_BLOCK: usize = 64;

multiversion! {
    /// Rows `first..` of `z = m · q` (row-major `z`, `q` with rows of length `l`).
    fn spmm_rows<const FMA: bool>(
        z: &mut [f64],
        l: usize,
        first: usize,
        ptr: &[usize],
        idx: &[u32],
        dat: &[f32],
        q: &[f64],
    ) {
        for (k, zrow) in z.chunks_exact_mut(l).enumerate() {
            let r = first + k;
            for p in ptr[r]..ptr[r + 1] {
                let w = dat[p] as f64;
                let qrow = &q[idx[p] as usize * l..][..l];
                for (zv, &x) in zrow.iter_mut().zip(qrow) {
                    *zv += w * x;
                }
            }
        }
    }
}

multiversion! {
    /// `t += Σ_r q_r z_rᵀ` over the rows of the row-major blocks `q` and `z` (rows of length `l`).
    fn cross_gram<const FMA: bool>(q: &[f64], z: &[f64], l: usize, t: &mut [f64]) {
        for (qr, zr) in q.chunks_exact(l).zip(z.chunks_exact(l)) {
            for (i, &a) in qr.iter().enumerate() {
                for (tv, &b) in t[i * l..(i + 1) * l].iter_mut().zip(zr) {
                    *tv += a * b;
                }
            }
        }
    }
}

multiversion! {
    /// `u_r = q_r · v` for the rows of the row-major block `q` (rows of length `l`), `v` row-major
    /// `l × k`, `u` row-major with rows of length `k`.
    fn rows_times<const FMA: bool>(q: &[f64], l: usize, v: &[f64], u: &mut [f64]) {
        let k = v.len() / l;
        for (qr, ur) in q.chunks_exact(l).zip(u.chunks_exact_mut(k)) {
            for (c, &a) in qr.iter().enumerate() {
                for (x, &b) in ur.iter_mut().zip(&v[c * k..(c + 1) * k]) {
                    *x += a * b;
                }
            }
        }
    }
}

/// Writes the transpose of the row-major `rows × cols` matrix `a` into `out` (row-major
/// `cols × rows`), in parallel over output rows.
fn transpose_into(a: &[f64], rows: usize, cols: usize, out: &mut [f64]) {
    out.par_chunks_mut(rows).enumerate().for_each(|(c, orow)| {
        for (r, o) in orow.iter_mut().enumerate() {
            *o = a[r * cols + c];
        }
    });
}

/// `Σ a_i·b_i` in `f64` with sixteen running sums (four AVX registers, so that the additions
/// do not wait on each other), then four; for the inner products of the small Cholesky
/// factorisations, where [`dot`]'s single chain of additions is the bottleneck.
#[inline(always)]
pub(crate) fn dot_wide(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; 16];
    let mut ca = a.chunks_exact(16);
    let mut cb = b.chunks_exact(16);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..16 {
            acc[j] += x[j] * y[j];
        }
    }
    let mut four = [0f64; 4];
    for j in 0..4 {
        four[j] = (acc[j] + acc[j + 4]) + (acc[j + 8] + acc[j + 12]);
    }
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut s = (four[0] + four[1]) + (four[2] + four[3]);
    s += dot(ra, rb);
    s
}

/// `Σ a_i·b_i` in `f64` with four running sums (vectorisable).
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
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

multiversion! {
    /// `out[j] = prev · blk_j` for the columns `blk_j` (length `n`) of `blk`.
    fn dots_with<const FMA: bool>(prev: &[f64], blk: &[f64], n: usize, out: &mut [f64]) {
        for (o, col) in out.iter_mut().zip(blk.chunks_exact(n)) {
            *o = dot(prev, col);
        }
    }
}

multiversion! {
    /// For one segment of rows (`offset..offset + len`) of every column: `blk_j -= Σ_p
    /// coefs[p·w + j] · done_p`, with `segs` holding the `w` column segments one after the other.
    fn subtract_projections<const FMA: bool>(
        segs: &mut [f64],
        len: usize,
        done: &[f64],
        n: usize,
        offset: usize,
        coefs: &[f64],
    ) {
        let w = segs.len() / len;
        for (p, prev) in done.chunks_exact(n).enumerate() {
            let prev = &prev[offset..offset + len];
            for (j, seg) in segs.chunks_exact_mut(len).enumerate() {
                let a = coefs[p * w + j];
                for (x, &y) in seg.iter_mut().zip(prev) {
                    *x -= a * y;
                }
            }
        }
    }
}

/// Removes from the `w` columns of `blk` their components along the (orthonormal) columns of
/// `done`: the coefficients in parallel over `done`'s columns, the update in parallel over row
/// segments, every entry in a fixed order. `done` is read twice, whatever `w`.
fn project_out(done: &[f64], blk: &mut [f64], n: usize) {
    let w = blk.len() / n;
    let k = done.len() / n;
    if k == 0 || w == 0 {
        return;
    }
    let mut coefs = vec![0f64; k * w];
    {
        let blk = &*blk;
        coefs
            .par_chunks_mut(w)
            .zip(done.par_chunks(n))
            .for_each(|(c, prev)| dots_with(prev, blk, n, c));
    }
    let starts: Vec<usize> = (0..n).step_by(SEGMENT).collect();
    let blk_ro = &*blk;
    let updated: Vec<Vec<f64>> = starts
        .par_iter()
        .map(|&off| {
            let len = SEGMENT.min(n - off);
            let mut segs = Vec::with_capacity(w * len);
            for col in blk_ro.chunks_exact(n) {
                segs.extend_from_slice(&col[off..off + len]);
            }
            subtract_projections(&mut segs, len, done, n, off, &coefs);
            segs
        })
        .collect();
    for (&off, segs) in starts.iter().zip(&updated) {
        let len = SEGMENT.min(n - off);
        for (col, seg) in blk.chunks_exact_mut(n).zip(segs.chunks_exact(len)) {
            col[off..off + len].copy_from_slice(seg);
        }
    }
}

/// Columns orthonormalised together (block Gram–Schmidt).
const BLOCK: usize = 16;
/// Rows per parallel task when subtracting projections.
const SEGMENT: usize = 1024;

/// Orthonormalises the columns of `z` in place: block classical Gram–Schmidt with
/// re-orthogonalisation (BCGS2) on blocks of [`BLOCK`] columns, so that the finished columns
/// are streamed from memory a few times per block rather than per column. Columns that are
/// (numerically) in the span of the earlier ones become zero.
fn orthonormalize(z: &mut [f64], n: usize) {
    let l = z.len() / n;
    for b0 in (0..l).step_by(BLOCK) {
        let b1 = (b0 + BLOCK).min(l);
        let (done, rest) = z.split_at_mut(b0 * n);
        let blk = &mut rest[..(b1 - b0) * n];
        for _pass in 0..2 {
            let before: Vec<f64> = blk.chunks_exact(n).map(|c| dot(c, c).sqrt()).collect();
            project_out(done, blk, n);
            for j in 0..b1 - b0 {
                let (prev, cur) = blk.split_at_mut(j * n);
                let col = &mut cur[..n];
                project_out(prev, col, n);
                let norm = dot(col, col).sqrt();
                if norm > 1e-10 * before[j] && norm > 0.0 {
                    col.iter_mut().for_each(|x| *x /= norm);
                } else {
                    col.fill(0.0);
                }
            }
        }
    }
}

/// The `k` eigenpairs of largest magnitude of the symmetric sparse `n × n` matrix `m`, by a
/// randomized range finder with `oversample` extra columns and `power_iterations`
/// re-orthonormalised power iterations. Returns (eigenvalues, row-major `n × k` eigenvectors),
/// in decreasing order of magnitude. Deterministic for a seed, whatever the thread count.
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
    // T = Qᵀ M Q, from row-major copies so that Q and MQ are each streamed once.
    spmm(m, &q, n, &mut z);
    let mut qr = vec![0f64; n * l];
    transpose_into(&q, l, n, &mut qr);
    drop(q);
    let mut zr = vec![0f64; n * l];
    transpose_into(&z, l, n, &mut zr);
    drop(z);
    let partials: Vec<Vec<f64>> = qr
        .par_chunks(ROW_BLOCK * l)
        .zip(zr.par_chunks(ROW_BLOCK * l))
        .map(|(qb, zb)| {
            let mut t = vec![0f64; l * l];
            cross_gram(qb, zb, l, &mut t);
            t
        })
        .collect();
    let mut t = vec![0f64; l * l];
    for p in &partials {
        for (a, b) in t.iter_mut().zip(p) {
            *a += b;
        }
    }
    for i in 0..l {
        for j in 0..i {
            let s = 0.5 * (t[i * l + j] + t[j * l + i]);
            t[i * l + j] = s;
            t[j * l + i] = s;
        }
    }
    let (vals, vecs) = artist2vec_core::linalg::jacobi_eigen(&t, l);
    let mut order: Vec<usize> = (0..l).collect();
    order.sort_by(|&a, &b| vals[b].abs().total_cmp(&vals[a].abs()).then(a.cmp(&b)));
    order.truncate(k.min(l));
    let kk = order.len();
    // U = Q · V[:, order], row by row (row-major n × kk).
    let mut vsel = vec![0f64; l * kk];
    for c in 0..l {
        for (e, &o) in order.iter().enumerate() {
            vsel[c * kk + e] = vecs[c * l + o];
        }
    }
    let mut u = vec![0f64; n * kk];
    u.par_chunks_mut(ROW_BLOCK * kk)
        .zip(qr.par_chunks(ROW_BLOCK * l))
        .for_each(|(ub, qb)| rows_times(qb, l, &vsel, ub));
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
        let (mut vals, _) = artist2vec_core::linalg::jacobi_eigen(&a, 3);
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
        // The first eigenvector (column 0 of the row-major result) is uniform on the first block.
        let u0: Vec<f64> = (0..start).map(|i| vecs[i * 3]).collect();
        let want = 1.0 / 6f64.sqrt();
        for i in 0..6 {
            assert!((u0[i].abs() - want).abs() < 1e-8);
        }
        assert!(u0[6..].iter().all(|x| x.abs() < 1e-8));
    }
}
