//! Blocked dense `f32` linear algebra for the closed-form item-item models (EASE): the Cholesky
//! factorisation of a symmetric positive definite matrix, forward substitution for many
//! right-hand sides, the inverse of a symmetric positive definite matrix, and the lower triangle
//! of a Gram product `H·Hᵀ`.
//!
//! Matrices are row-major `n × n` slices. Everything reduces to one product kernel
//! ([`gemm_nt`]): `out = A·Bᵀ` for rows of `A` and `B` that are contiguous in the summed index,
//! so that every inner loop is a dot product over contiguous memory. The kernel works on tiles
//! of 4 rows of `A` × 3 rows of `B` (twelve AVX2 accumulators, compiled twice by
//! `multiversion!`), over blocks of [`KC`] summed indices and [`NC`] rows of `B` that stay in the
//! L2 cache while `A` passes by. The triangular algorithms are blocked by [`NB`] columns and run
//! in parallel over chunks of [`CHUNK`] rows with rayon.
//!
//! Every entry is summed in an order fixed by the block layout (row groups and global index
//! blocks), never by the thread count: results are bit-identical whatever the number of threads.
//!
//! Memory: the routines work in place on the caller's matrix; scratch is `O(NB·n)` per call plus
//! `O(CHUNK·NB)` per task.

use rayon::prelude::*;

use crate::kernels::{dot, multiversion};
use crate::linalg::dot_wide as dot_f64;

/// Summed indices per cache block of [`gemm_nt`] (2 KiB of a row).
const KC: usize = 512;
/// Rows of `B` per cache block of [`gemm_nt`]: `NC × KC` floats (192 KiB) stay in L2.
const NC: usize = 96;
/// Columns of the triangular blocks (Cholesky, forward substitution).
const NB: usize = 96;
/// Rows per parallel task.
const CHUNK: usize = 64;

/// `out[r][c] = Σ_k a[r][k]·b[c][k]` for one tile of `R × C` rows, all of one length.
#[inline(always)]
fn tile<const FMA: bool, const R: usize, const C: usize>(
    a: [&[f32]; R],
    b: [&[f32]; C],
) -> [[f32; C]; R] {
    let len = a[0].len();
    assert!(a.iter().all(|x| x.len() == len) && b.iter().all(|x| x.len() == len));
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: `FMA = true` is only instantiated inside functions compiled with AVX2 and FMA
        // by `multiversion!`, which calls them only after detecting both features.
        return unsafe { avx::tile(a, b) };
    }
    let mut acc = [[[0f32; 8]; C]; R];
    let len8 = len & !7;
    let mut k = 0;
    while k < len8 {
        for r in 0..R {
            let x = &a[r][k..k + 8];
            for c in 0..C {
                let y = &b[c][k..k + 8];
                for l in 0..8 {
                    acc[r][c][l] += x[l] * y[l];
                }
            }
        }
        k += 8;
    }
    let mut out = [[0f32; C]; R];
    for r in 0..R {
        for c in 0..C {
            let v = &acc[r][c];
            let mut s = ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
            for t in len8..len {
                s += a[r][t] * b[c][t];
            }
            out[r][c] = s;
        }
    }
    out
}

/// AVX2 + FMA version of the tile kernel.
#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    /// The lane sums of four vectors at once: two rounds of horizontal adds, then the two
    /// halves.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn lane_sums(v: [__m256; 4]) -> [f32; 4] {
        let a = _mm256_hadd_ps(v[0], v[1]);
        let b = _mm256_hadd_ps(v[2], v[3]);
        let c = _mm256_hadd_ps(a, b);
        let s = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps::<1>(c));
        let mut out = [0f32; 4];
        // SAFETY: `out` holds four floats.
        unsafe { _mm_storeu_ps(out.as_mut_ptr(), s) };
        out
    }

    /// `out[r][c] = a[r] · b[c]`; every slice has the length of `a[0]` (checked by the caller).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn tile<const R: usize, const C: usize>(
        a: [&[f32]; R],
        b: [&[f32]; C],
    ) -> [[f32; C]; R] {
        let len = a[0].len();
        let len8 = len & !7;
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        let mut k = 0;
        while k < len8 {
            let mut bv = [_mm256_setzero_ps(); C];
            for c in 0..C {
                // SAFETY: `k + 8 <= len8 <= len = b[c].len()`.
                bv[c] = unsafe { _mm256_loadu_ps(b[c].as_ptr().add(k)) };
            }
            for r in 0..R {
                // SAFETY: `k + 8 <= len8 <= len = a[r].len()`.
                let av = unsafe { _mm256_loadu_ps(a[r].as_ptr().add(k)) };
                for c in 0..C {
                    acc[r][c] = _mm256_fmadd_ps(av, bv[c], acc[r][c]);
                }
            }
            k += 8;
        }
        let mut out = [[0f32; C]; R];
        let mut q = 0;
        while q < R * C {
            let v: [__m256; 4] = std::array::from_fn(|e| {
                let f = q + e;
                if f < R * C {
                    acc[f / C][f % C]
                } else {
                    _mm256_setzero_ps()
                }
            });
            for (e, s) in lane_sums(v).into_iter().enumerate() {
                let f = q + e;
                if f < R * C {
                    let (r, c) = (f / C, f % C);
                    let mut s = s;
                    for t in len8..len {
                        s = a[r][t].mul_add(b[c][t], s);
                    }
                    out[r][c] = s;
                }
            }
            q += 4;
        }
        out
    }
}

/// Adds the `R × C` tile of rows `r0..` of `a` and `c0..` of `b` over the summed indices
/// `lo..hi` to `out` (row stride `ld`).
#[inline(always)]
fn add_tile<const FMA: bool, const R: usize, const C: usize>(
    a: &[&[f32]],
    starts: &[usize],
    r0: usize,
    b: &[&[f32]],
    b_start: usize,
    c0: usize,
    (lo, hi): (usize, usize),
    out: &mut [f32],
    ld: usize,
) {
    let ar: [&[f32]; R] =
        std::array::from_fn(|i| &a[r0 + i][lo - starts[r0 + i]..hi - starts[r0 + i]]);
    let br: [&[f32]; C] = std::array::from_fn(|j| &b[c0 + j][lo - b_start..hi - b_start]);
    let t = tile::<FMA, R, C>(ar, br);
    for i in 0..R {
        for j in 0..C {
            out[(r0 + i) * ld + c0 + j] += t[i][j];
        }
    }
}

multiversion! {
    /// `out[r·b.len() + c] = Σ_k a_r[k]·b_c[k]` over `k` in `starts[r]..end`, where `a[r][0]`
    /// holds index `starts[r]` and `b[c][0]` holds index `b_start`.
    ///
    /// Each group of four rows of `a` is multiplied from the latest start in it, in global
    /// blocks of [`KC`] indices and [`NC`] rows of `b`; the few terms of its other rows before
    /// that start are added at the end. So every entry is summed in an order fixed by the row
    /// groups, whatever the caller's threads.
    ///
    /// # Panics
    /// When `b_start <= starts[r] <= end`, `a[r].len() >= end - starts[r]`,
    /// `b[c].len() >= end - b_start` or `out.len() >= a.len()·b.len()` does not hold.
    pub(crate) fn gemm_nt<const FMA: bool>(
        a: &[&[f32]],
        starts: &[usize],
        b: &[&[f32]],
        b_start: usize,
        end: usize,
        out: &mut [f32],
    ) {
        let (na, nb) = (a.len(), b.len());
        assert!(starts.len() == na && out.len() >= na * nb);
        assert!(starts.iter().zip(a).all(|(&s, r)| b_start <= s && s <= end && r.len() >= end - s));
        assert!(b.iter().all(|r| r.len() >= end - b_start));
        let out = &mut out[..na * nb];
        out.fill(0.0);
        if na == 0 || nb == 0 {
            return;
        }
        let group_start: Vec<usize> = (0..na)
            .step_by(4)
            .map(|r0| starts[r0..(r0 + 4).min(na)].iter().copied().max().unwrap_or(end))
            .collect();
        let first = group_start.iter().copied().min().unwrap_or(end);
        let mut kb = first / KC * KC;
        while kb < end {
            let ke = (kb + KC).min(end);
            for c0 in (0..nb).step_by(NC) {
                let c1 = (c0 + NC).min(nb);
                for (g, r0) in (0..na).step_by(4).enumerate() {
                    let lo = kb.max(group_start[g]);
                    if lo >= ke {
                        continue;
                    }
                    let rr = (na - r0).min(4);
                    let mut c = c0;
                    while c < c1 {
                        let cw = (c1 - c).min(3);
                        macro_rules! go {
                            ($r:literal, $c:literal) => {
                                add_tile::<FMA, $r, $c>(a, starts, r0, b, b_start, c, (lo, ke), out, nb)
                            };
                        }
                        match (rr, cw) {
                            (4, 3) => go!(4, 3),
                            (4, 2) => go!(4, 2),
                            (4, _) => go!(4, 1),
                            (3, 3) => go!(3, 3),
                            (3, 2) => go!(3, 2),
                            (3, _) => go!(3, 1),
                            (2, 3) => go!(2, 3),
                            (2, 2) => go!(2, 2),
                            (2, _) => go!(2, 1),
                            (_, 3) => go!(1, 3),
                            (_, 2) => go!(1, 2),
                            (_, _) => go!(1, 1),
                        }
                        c += cw;
                    }
                }
            }
            kb = ke;
        }
        // The terms before a group's start (few: the rows of a group start close together in
        // the triangular callers), index by index over all rows of `b`.
        for (g, r0) in (0..na).step_by(4).enumerate() {
            for r in r0..(r0 + 4).min(na) {
                let (s, gs) = (starts[r], group_start[g]);
                let o = &mut out[r * nb..(r + 1) * nb];
                for k in s..gs {
                    let x = a[r][k - s];
                    for (v, y) in o.iter_mut().zip(b) {
                        *v += x * y[k - b_start];
                    }
                }
            }
        }
    }
}

multiversion! {
    /// In-place Cholesky factorisation of the `w × w` row-major lower triangle `d`, in `f64`.
    /// Returns the first row whose pivot is not positive.
    pub(crate) fn factor_f64(d: &mut [f64], w: usize) -> Result<(), usize> => factor_f64_kernel
}

multiversion! {
    /// Solves `L·Lᵀ·x = b` in place (`b` becomes `x`) for the `w × w` row-major lower triangle
    /// `l` that [`factor_f64`] left.
    pub(crate) fn solve_factored_f64(l: &[f64], w: usize, b: &mut [f64]) => solve_factored_kernel
}

/// [`factor_f64`]'s kernel (the same arithmetic in either instruction set: the dot products
/// keep four running sums).
#[inline(always)]
fn factor_f64_kernel<const FMA: bool>(d: &mut [f64], w: usize) -> Result<(), usize> {
    for j in 0..w {
        let (done, rest) = d.split_at_mut((j + 1) * w);
        let rowj = &mut done[j * w..];
        let s = rowj[j] - dot_f64(&rowj[..j], &rowj[..j]);
        if !(s > 0.0 && s.is_finite()) {
            return Err(j);
        }
        let l = s.sqrt();
        rowj[j] = l;
        let rowj = &done[j * w..j * w + j];
        for rowi in rest.chunks_exact_mut(w) {
            rowi[j] = (rowi[j] - dot_f64(&rowi[..j], rowj)) / l;
        }
    }
    Ok(())
}

/// [`solve_factored_f64`]'s kernel.
#[inline(always)]
fn solve_factored_kernel<const FMA: bool>(l: &[f64], w: usize, b: &mut [f64]) {
    for i in 0..w {
        b[i] = (b[i] - dot_f64(&l[i * w..i * w + i], &b[..i])) / l[i * w + i];
    }
    // Lᵀ·x = y, row i of L subtracted once x_i is known.
    for i in (0..w).rev() {
        let (head, tail) = b.split_at_mut(i);
        tail[0] /= l[i * w + i];
        let xi = tail[0];
        for (h, &v) in head.iter_mut().zip(&l[i * w..i * w + i]) {
            *h -= v * xi;
        }
    }
}

multiversion! {
    /// Solves the columns `j0..j0 + w` of one row of `L` against the diagonal block `l`
    /// (row-major `w × w` lower): `row[c] = (row[c] − t[c] − Σ_{k<c} row[k]·l[c][k]) / l[c][c]`.
    fn solve_block_row<const FMA: bool>(row: &mut [f32], t: &[f32], l: &[f32], w: usize) {
        for c in 0..w {
            let (done, rest) = row.split_at_mut(c);
            let s = dot::<FMA>(done, &l[c * w..c * w + c]);
            rest[0] = (rest[0] - t[c] - s) / l[c * w + c];
        }
    }
}

/// In-place Cholesky factorisation `A = L·Lᵀ` of the symmetric positive definite `n × n`
/// row-major matrix `a`, of which only the lower triangle (diagonal included) is read; on
/// success that triangle holds `L` and the strict upper triangle is untouched.
///
/// Left-looking and blocked by [`NB`] columns: a block column is updated with one product of
/// the finished columns, its diagonal block is factored in `f64`, and the rows below are solved
/// against it, in parallel over chunks of rows.
///
/// # Errors
/// The index of the first pivot that is not positive and finite (the matrix is not positive
/// definite in `f32` arithmetic).
///
/// # Panics
/// When `a.len() != n·n`.
pub(crate) fn cholesky_lower(a: &mut [f32], n: usize) -> Result<(), usize> {
    assert_eq!(a.len(), n * n);
    let zeros = vec![0usize; CHUNK.max(NB)];
    let mut panel: Vec<f32> = Vec::new();
    for j0 in (0..n).step_by(NB) {
        let j1 = (j0 + NB).min(n);
        let w = j1 - j0;
        // The finished columns of the block's rows, as the `B` operand.
        panel.clear();
        for r in j0..j1 {
            panel.extend_from_slice(&a[r * n..r * n + j0]);
        }
        let prows: Vec<&[f32]> = (0..w).map(|r| &panel[r * j0..(r + 1) * j0]).collect();
        // The diagonal block, in f64.
        let mut t = vec![0f32; w * w];
        gemm_nt(&prows, &zeros[..w], &prows, 0, j0, &mut t);
        let mut d = vec![0f64; w * w];
        for r in 0..w {
            for c in 0..=r {
                d[r * w + c] = f64::from(a[(j0 + r) * n + j0 + c]) - f64::from(t[r * w + c]);
            }
        }
        factor_f64(&mut d, w).map_err(|r| j0 + r)?;
        let mut l = vec![0f32; w * w];
        for r in 0..w {
            for c in 0..=r {
                let v = d[r * w + c] as f32;
                if !(v.is_finite() && (c < r || v > 0.0)) {
                    return Err(j0 + r);
                }
                l[r * w + c] = v;
                a[(j0 + r) * n + j0 + c] = v;
            }
        }
        // The rows below.
        a[j1 * n..].par_chunks_mut(CHUNK * n).for_each(|rows| {
            let nr = rows.len() / n;
            let mut t = vec![0f32; nr * w];
            {
                let arows: Vec<&[f32]> = rows.chunks_exact(n).map(|r| &r[..j0]).collect();
                gemm_nt(&arows, &zeros[..nr], &prows, 0, j0, &mut t);
            }
            for (r, row) in rows.chunks_exact_mut(n).enumerate() {
                solve_block_row(&mut row[j0..j1], &t[r * w..(r + 1) * w], &l, w);
            }
        });
    }
    Ok(())
}

/// How the right-hand side of a row of [`forward_substitute_block`] is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rhs {
    /// The row holds it (and receives the solution).
    Stored,
    /// It is the unit vector `e_s` with `s` the row's start; the stored values are ignored.
    Unit,
}

multiversion! {
    /// The columns `u0..u1` of the solutions of `L·x = r` for the rows of `rows` (each `ld`
    /// long, row `r` nonzero from column `starts[r]`), given `t[r][c] = Σ_{k<u0} L[u0+c][k]·x_r[k]`
    /// for the rows with `starts[r] < u0`, `lp` the rows `u0..u1` of `L` (columns `0..u1`,
    /// row stride `u1`) and `ldiag` the diagonal of `L`.
    fn solve_block_rows<const FMA: bool>(
        rows: &mut [f32],
        ld: usize,
        starts: &[usize],
        t: &[f32],
        lp: &[f32],
        ldiag: &[f32],
        u0: usize,
        u1: usize,
        unit: bool,
    ) {
        let w = u1 - u0;
        let mut ti = 0;
        for (row, &s) in rows.chunks_exact_mut(ld).zip(starts) {
            if s >= u1 {
                continue;
            }
            let prior = if s < u0 {
                ti += 1;
                Some(&t[(ti - 1) * w..ti * w])
            } else {
                None
            };
            let lo = u0.max(s);
            for u in lo..u1 {
                let rhs = if unit { if u == s { 1.0 } else { 0.0 } } else { row[u] };
                let before = prior.map_or(0.0, |p| p[u - u0]);
                let l = &lp[(u - u0) * u1..(u - u0) * u1 + u];
                let inner = dot::<FMA>(&row[lo..u], &l[lo..u]);
                row[u] = (rhs - before - inner) / ldiag[u];
            }
        }
    }
}

/// One block of columns `u0..u1` of the forward substitution `L·x = r` for every row of `rows`
/// (row `r` is `ld` long and nonzero from column `starts[r]`, `starts` nondecreasing), given
/// `lp`, the rows `u0..u1` of `L` (columns `0..u1`, row stride `u1`), and `ldiag`, the diagonal
/// of `L`; the columns before `u0` must be solved already. Only the columns `starts[r]..u1` of a
/// row are written. Parallel over chunks of rows: each chunk multiplies its solved columns with
/// the panel in one product, then solves the block's triangle row by row.
fn forward_substitute_block(
    lp: &[f32],
    ldiag: &[f32],
    (u0, u1): (usize, usize),
    rows: &mut [f32],
    ld: usize,
    starts: &[usize],
    rhs: Rhs,
) {
    assert!(u0 < u1 && u1 <= ld && ldiag.len() >= u1 && lp.len() >= (u1 - u0) * u1);
    assert!(rows.len() >= starts.len() * ld);
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    let brows: Vec<&[f32]> = (0..u1 - u0).map(|r| &lp[r * u1..r * u1 + u0]).collect();
    // Rows that start at or after u1 have nothing in this block (starts are sorted).
    let active = starts.partition_point(|&s| s < u1);
    rows[..active * ld]
        .par_chunks_mut(CHUNK * ld)
        .zip(starts[..active].par_chunks(CHUNK))
        .for_each(|(chunk, st)| {
            let before: Vec<usize> = st.iter().copied().filter(|&s| s < u0).collect();
            let mut t = vec![0f32; before.len() * (u1 - u0)];
            {
                let arows: Vec<&[f32]> = chunk
                    .chunks_exact(ld)
                    .zip(st)
                    .filter(|(_, s)| **s < u0)
                    .map(|(r, &s)| &r[s..u0])
                    .collect();
                gemm_nt(&arows, &before, &brows, 0, u0, &mut t);
            }
            solve_block_rows(chunk, ld, st, &t, lp, ldiag, u0, u1, rhs == Rhs::Unit);
        });
}

/// Rows `u0..u1` of the row-major `m × m` matrix `l`, columns `0..u1`.
fn panel(l: &[f32], m: usize, u0: usize, u1: usize) -> Vec<f32> {
    let mut p = Vec::with_capacity((u1 - u0) * u1);
    for r in u0..u1 {
        p.extend_from_slice(&l[r * m..r * m + u1]);
    }
    p
}

/// Solves `L·x = r` in place for every row `r` of `rows` (`m` long each, zero before column
/// `starts[r]`, `starts` nondecreasing; `L` the lower triangle of the row-major `m × m` `l`, as
/// left by [`cholesky_lower`]), blocked by [`NB`] columns, in parallel over chunks of rows. The
/// zeros before a row's start stay zero and cost nothing.
///
/// # Panics
/// When `l.len() != m·m`, `rows.len() != starts.len()·m`, or `starts` decreases.
pub(crate) fn solve_lower_rows(l: &[f32], m: usize, rows: &mut [f32], starts: &[usize]) {
    assert!(l.len() == m * m && m > 0 && rows.len() == starts.len() * m);
    let ldiag: Vec<f32> = (0..m).map(|i| l[i * m + i]).collect();
    for u0 in (0..m).step_by(NB) {
        let u1 = (u0 + NB).min(m);
        let lp = panel(l, m, u0, u1);
        forward_substitute_block(&lp, &ldiag, (u0, u1), rows, m, starts, Rhs::Stored);
    }
}

/// The lower triangle of the Gram matrix of the rows `h`: `lows[i][j] = h_i·h_j` for `j < i`
/// and `diag[i] = h_i·h_i`, summed over the indices `starts[i]..end` (`h[i][0]` holds index
/// `starts[i]`; `starts` nondecreasing, so that `h_j` covers the range of `h_i` for `j < i`).
/// Parallel over chunks of [`CHUNK`] rows; each chunk multiplies its rows with all earlier rows
/// in one product, then with the earlier rows of its own chunk four rows at a time.
pub(crate) fn gram_lower(
    h: &[&[f32]],
    starts: &[usize],
    end: usize,
    lows: &mut [&mut [f32]],
    diag: &mut [f32],
) {
    let n = h.len();
    assert!(starts.len() == n && lows.len() == n && diag.len() == n);
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    assert!(lows.iter().enumerate().all(|(i, l)| l.len() >= i));
    lows.par_chunks_mut(CHUNK)
        .zip(diag.par_chunks_mut(CHUNK))
        .enumerate()
        .for_each(|(ci, (lo, dg))| {
            let i0 = ci * CHUNK;
            let nr = lo.len();
            let a = &h[i0..i0 + nr];
            let st = &starts[i0..i0 + nr];
            // All earlier rows, in blocks that bound the scratch.
            let s0 = starts[i0];
            const JB: usize = 1024;
            let mut t = vec![0f32; nr * JB.min(i0.max(1))];
            for j0 in (0..i0).step_by(JB) {
                let j1 = (j0 + JB).min(i0);
                let b: Vec<&[f32]> = (j0..j1).map(|j| &h[j][s0 - starts[j]..]).collect();
                gemm_nt(a, st, &b, s0, end, &mut t);
                let w = j1 - j0;
                for (r, l) in lo.iter_mut().enumerate() {
                    l[j0..j1].copy_from_slice(&t[r * w..(r + 1) * w]);
                }
            }
            // Earlier rows of the chunk, four rows at a time.
            for q0 in (0..nr).step_by(4) {
                let q1 = (q0 + 4).min(nr);
                let sq = st[q0];
                if q0 > 0 {
                    let b: Vec<&[f32]> = (0..q0).map(|j| &a[j][sq - st[j]..]).collect();
                    let mut t = vec![0f32; (q1 - q0) * q0];
                    gemm_nt(&a[q0..q1], &st[q0..q1], &b, sq, end, &mut t);
                    for r in q0..q1 {
                        lo[r][i0..i0 + q0].copy_from_slice(&t[(r - q0) * q0..(r - q0 + 1) * q0]);
                    }
                }
                // Within the group of four, and the diagonal.
                for r in q0..q1 {
                    for j in q0..=r {
                        let v = dot_dispatch(a[r], &a[j][st[r] - st[j]..]);
                        if j == r {
                            dg[r] = v;
                        } else {
                            lo[r][i0 + j] = v;
                        }
                    }
                }
            }
        });
}

multiversion! {
    /// `a · b` over the length of `a` (`b` at least as long).
    fn dot_dispatch(a: &[f32], b: &[f32]) -> f32 => dot
}

/// Copies the strict lower triangle of the `n × n` row-major `a` onto its strict upper
/// triangle and sets the diagonal to `diag`, in parallel over blocks of rows.
pub(crate) fn mirror_lower(a: &mut [f32], n: usize, diag: &[f32]) {
    assert!(a.len() == n * n && diag.len() == n);
    if n == 0 {
        // Nothing to mirror (an EASE model file that keeps no artist decodes to this).
        return;
    }
    let mut lows: Vec<&[f32]> = Vec::with_capacity(n);
    let mut highs: Vec<&mut [f32]> = Vec::with_capacity(n);
    for (i, row) in a.chunks_exact_mut(n).enumerate() {
        let (lo, hi) = row.split_at_mut(i);
        lows.push(lo);
        highs.push(hi);
    }
    const RB: usize = 16;
    highs.par_chunks_mut(RB).enumerate().for_each(|(b, hs)| {
        let i0 = b * RB;
        for (r, h) in hs.iter_mut().enumerate() {
            h[0] = diag[i0 + r];
        }
        for (j, lo_j) in lows.iter().enumerate().skip(i0 + 1) {
            for (r, h) in hs.iter_mut().enumerate() {
                let i = i0 + r;
                if i < j {
                    h[j - i] = lo_j[i];
                }
            }
        }
    });
}

/// In-place inverse of the symmetric positive definite `n × n` row-major matrix `a`, of which
/// only the lower triangle (diagonal included) is read; on success `a` holds the full inverse.
/// Cholesky `A = L·Lᵀ` ([`cholesky_lower`]), then `U = L⁻ᵀ` into the upper triangle by forward
/// substitution with unit right-hand sides, then `A⁻¹ = U·Uᵀ` into the lower triangle
/// ([`gram_lower`]), then the mirror: `n³/2` multiply-adds in all, no memory beyond `a` but
/// `O(NB·n)` scratch.
///
/// `step(k)` is called after each of the three phases (`k` = 1, 2, 3).
///
/// # Errors
/// The index of the first pivot that is not positive (see [`cholesky_lower`]).
pub(crate) fn inverse_spd(
    a: &mut [f32],
    n: usize,
    step: &mut dyn FnMut(usize),
) -> Result<(), usize> {
    cholesky_lower(a, n)?;
    step(1);
    let ldiag: Vec<f32> = (0..n).map(|i| a[i * n + i]).collect();
    // Row j of U = column j of L⁻¹ = the solution of L·x = e_j, nonzero from column j; it is
    // written over row j's upper triangle (diagonal included), while L stays in the strict
    // lower triangle. Each block's rows of L are copied before the block's writes.
    let starts: Vec<usize> = (0..n).collect();
    for u0 in (0..n).step_by(NB) {
        let u1 = (u0 + NB).min(n);
        let lp = panel(a, n, u0, u1);
        forward_substitute_block(
            &lp,
            &ldiag,
            (u0, u1),
            &mut a[..u1 * n],
            n,
            &starts[..u1],
            Rhs::Unit,
        );
    }
    step(2);
    let mut pdiag = vec![0f32; n];
    {
        let mut lows: Vec<&mut [f32]> = Vec::with_capacity(n);
        let mut highs: Vec<&[f32]> = Vec::with_capacity(n);
        for (i, row) in a.chunks_exact_mut(n).enumerate() {
            let (lo, hi) = row.split_at_mut(i);
            lows.push(lo);
            highs.push(hi);
        }
        gram_lower(&highs, &starts, n, &mut lows, &mut pdiag);
    }
    mirror_lower(a, n, &pdiag);
    step(3);
    Ok(())
}

/// Naive `f64` Gauss–Jordan inverse with partial pivoting of a row-major `n × n` matrix, the
/// reference the blocked routines are tested against.
#[cfg(test)]
pub(crate) fn gauss_jordan_inverse(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    let mut inv = vec![0f64; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| m[x * n + c].abs().total_cmp(&m[y * n + c].abs()))
            .expect("a row");
        for k in 0..n {
            m.swap(c * n + k, p * n + k);
            inv.swap(c * n + k, p * n + k);
        }
        let d = m[c * n + c];
        assert!(d != 0.0, "singular");
        for k in 0..n {
            m[c * n + k] /= d;
            inv[c * n + k] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = m[r * n + c];
                if f != 0.0 {
                    for k in 0..n {
                        m[r * n + k] -= f * m[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
    }
    inv
}

#[cfg(test)]
mod tests;
