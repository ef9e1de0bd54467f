//! Dense f32 kernels for the hot loops (ALS solves, SGD updates, scoring).
//!
//! Every kernel is written once, generic over `const FMA: bool`, with fixed-order accumulators so
//! that the compiler vectorises it. The `multiversion!` macro compiles a
//! kernel twice — for AVX2 + FMA (chosen at run time when the CPU has them) and for the baseline
//! target — so one binary is fast on current x86-64 machines and still runs everywhere. The
//! order of floating-point operations never depends on the thread count, so results are
//! bit-identical across reruns on one machine.

#[cfg(target_arch = "x86_64")]
pub(crate) use artist2vec_core::cpu::has_avx2_fma;
use artist2vec_core::hogwild::{HogwildRows, Lanes};

/// Compiles a kernel generic over `const FMA: bool` twice and picks one at run time: `fn $name`
/// calls the kernel with `FMA = true`, compiled with AVX2 + FMA, when the CPU supports them, and
/// with `FMA = false` otherwise. Two forms:
///
/// * `fn name(args) -> ret => kernel` dispatches to an existing `#[inline(always)]` kernel
///   `fn kernel<const FMA: bool>(args) -> ret` (one that other kernels also call directly);
/// * `fn name<const FMA: bool>(args) -> ret { body }` defines the kernel in place, visible only
///   through the dispatching `fn name(args) -> ret`.
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $imp:ident) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            $crate::kernels::multiversion!(@dispatch $imp($($arg: $ty),*) $(-> $ret)?)
        }
    };
    ($(#[$m:meta])* $vis:vis fn $name:ident<const $fma:ident: bool>($($arg:ident : $ty:ty),* $(,)?)
        $(-> $ret:ty)? $body:block) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn kernel<const $fma: bool>($($arg: $ty),*) $(-> $ret)? $body
            $crate::kernels::multiversion!(@dispatch kernel($($arg: $ty),*) $(-> $ret)?)
        }
    };
    (@dispatch $imp:ident($($arg:ident : $ty:ty),*) $(-> $ret:ty)?) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma")]
            fn fast($($arg: $ty),*) $(-> $ret)? {
                $imp::<true>($($arg),*)
            }
            if $crate::kernels::has_avx2_fma() {
                // SAFETY: `fast` only needs AVX2 and FMA, which the CPU was just found to have.
                return unsafe { fast($($arg),*) };
            }
        }
        $imp::<false>($($arg),*)
    }};
}
pub(crate) use multiversion;

/// Asks the CPU to bring `row` into the cache ahead of use (a no-op on other architectures).
#[inline(always)]
pub(crate) fn prefetch<T>(row: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let (p, bytes) = (row.as_ptr().cast::<u8>(), size_of_val(row));
        let mut off = 0;
        while off < bytes {
            // SAFETY: `_mm_prefetch` only hints the cache; SSE is part of the x86-64 baseline,
            // and the address is inside a live slice.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_add(off).cast(),
                )
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

/// Asks the CPU to bring row `i` of a shared table into the cache ahead of use (any `i`: a
/// prefetch never faults; a no-op on other architectures).
#[inline(always)]
pub(crate) fn prefetch_row(rows: &artist2vec_core::hogwild::HogwildRows<'_>, i: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = rows.row_ptr(i);
        let mut off = 0;
        while off < rows.row_bytes() {
            // SAFETY: `_mm_prefetch` only hints the cache and never faults, whatever the
            // address; SSE is part of the x86-64 baseline.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_add(off).cast(),
                )
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (rows, i);
}

/// Copies row `i` of a shared table into `out` (AVX copies when `FMA`: SSE-encoded copies
/// inside AVX code are slow).
#[inline(always)]
pub(crate) fn load_row<const FMA: bool>(rows: &HogwildRows<'_>, i: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: as in `dot`: `FMA = true` only runs with AVX2 and FMA.
        return unsafe { rows.load_avx(i, out) };
    }
    rows.load(i, out)
}

/// Writes `v` over row `i` of a shared table (AVX copies when `FMA`).
#[inline(always)]
pub(crate) fn store_row<const FMA: bool>(rows: &HogwildRows<'_>, i: usize, v: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: as in `dot`: `FMA = true` only runs with AVX2 and FMA.
        return unsafe { rows.store_avx(i, v) };
    }
    rows.store(i, v)
}

/// `a * b + c`, fused when `FMA`.
#[inline(always)]
pub(crate) fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// Dot product with a fixed summation order.
#[inline(always)]
pub(crate) fn dot<const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    dot_rows::<FMA>(&a[..n], &b[..n])
}

/// [`dot`] of two rows of equal length, each a local slice or a row of a shared table read in
/// place ([`Lanes`]): the same arithmetic either way.
///
/// # Panics
/// If the lengths differ.
#[inline(always)]
pub(crate) fn dot_rows<const FMA: bool>(
    a: &(impl Lanes + ?Sized),
    b: &(impl Lanes + ?Sized),
) -> f32 {
    assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: `FMA = true` is only instantiated inside functions compiled with AVX2 and FMA
        // by `multiversion!`, which calls them only after detecting both features.
        return unsafe { avx::dot(a, b) };
    }
    portable_dot(a, b)
}

/// The portable dot product of two rows of equal length: eight accumulators, pairwise
/// reduction.
#[inline(always)]
fn portable_dot(a: &(impl Lanes + ?Sized), b: &(impl Lanes + ?Sized)) -> f32 {
    let n = a.len();
    let mut acc = [0f32; 8];
    let mut i = 0;
    while i + 8 <= n {
        for h in [0, 4] {
            // SAFETY: i + h + 4 <= n, inside both.
            let (x, y) = unsafe { (a.get4(i + h), b.get4(i + h)) };
            for j in 0..4 {
                acc[h + j] += x[j] * y[j];
            }
        }
        i += 8;
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    while i < n {
        // SAFETY: i < n, inside both.
        s += unsafe { a.get1(i) * b.get1(i) };
        i += 1;
    }
    s
}

/// `y += alpha * x`.
#[inline(always)]
pub(crate) fn axpy<const FMA: bool>(alpha: f32, x: &[f32], y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if FMA {
        // SAFETY: as in `dot`.
        return unsafe { avx::axpy(alpha, x, y) };
    }
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `out[k] = y_{idx[k]} · v` for every `k < idx.len()`, with `y_i` row `i` of the row-major
/// table `y` (`v.len()` wide), four rows at a time so that their sums are independent.
#[inline(always)]
pub(crate) fn dots<const FMA: bool>(y: &[f32], idx: &[u32], v: &[f32], out: &mut [f32]) {
    let f = v.len();
    #[cfg(target_arch = "x86_64")]
    if FMA && f % 8 == 0 {
        // SAFETY: as in `dot`.
        return unsafe { avx::dots(y, idx, v, out) };
    }
    for (o, &i) in out.iter_mut().zip(idx) {
        *o = dot::<FMA>(&y[i as usize * f..][..f], v);
    }
}

/// `out += Σ_k w[k] · y_{idx[k]}` (rows of the row-major table `y`, `out.len()` wide), with
/// `out` held in registers, 64 floats at a time, while the rows stream past.
#[inline(always)]
pub(crate) fn axpys<const FMA: bool>(y: &[f32], idx: &[u32], w: &[f32], out: &mut [f32]) {
    let f = out.len();
    #[cfg(target_arch = "x86_64")]
    if FMA && f % 8 == 0 {
        // SAFETY: as in `dot`.
        return unsafe { avx::axpys(y, idx, w, out) };
    }
    for (&wk, &i) in w.iter().zip(idx) {
        axpy::<FMA>(wk, &y[i as usize * f..][..f], out);
    }
}

/// AVX2 + FMA versions of the kernels.
#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    use artist2vec_core::hogwild::Lanes;

    /// Sum of the eight lanes of `v`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let lo = _mm256_castps256_ps128(v);
        let hi = _mm256_extractf128_ps::<1>(v);
        let s = _mm_add_ps(lo, hi);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }

    /// Dot product of two rows of equal length (local or shared, see [`Lanes`]).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot(a: &(impl Lanes + ?Sized), b: &(impl Lanes + ?Sized)) -> f32 {
        let n = a.len();
        debug_assert_eq!(n, b.len());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY (all loads below): `i + 8 <= n` or `i + 32 <= n` is checked before reading
        // eight (or 32) floats at offset `i` of rows of length `n`; AVX is enabled.
        unsafe {
            while i + 32 <= n {
                for (k, acc) in acc.iter_mut().enumerate() {
                    *acc = _mm256_fmadd_ps(a.avx8(i + 8 * k), b.avx8(i + 8 * k), *acc);
                }
                i += 32;
            }
            while i + 8 <= n {
                acc[0] = _mm256_fmadd_ps(a.avx8(i), b.avx8(i), acc[0]);
                i += 8;
            }
        }
        let v = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        let mut s = hsum(v);
        while i < n {
            // SAFETY: i < n.
            s = unsafe { a.get1(i).mul_add(b.get1(i), s) };
            i += 1;
        }
        s
    }

    /// `y += alpha * x`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        let n = x.len().min(y.len());
        let av = _mm256_set1_ps(alpha);
        let (px, py) = (x.as_ptr(), y.as_mut_ptr());
        let mut i = 0;
        // SAFETY: `i + 8 <= n` is checked before touching eight floats at offset `i` of slices
        // of length >= `n`.
        unsafe {
            while i + 8 <= n {
                let v = _mm256_fmadd_ps(av, _mm256_loadu_ps(px.add(i)), _mm256_loadu_ps(py.add(i)));
                _mm256_storeu_ps(py.add(i), v);
                i += 8;
            }
        }
        while i < n {
            y[i] = alpha.mul_add(x[i], y[i]);
            i += 1;
        }
    }

    /// [`super::dots`] for `v.len()` a multiple of 8.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dots(y: &[f32], idx: &[u32], v: &[f32], out: &mut [f32]) {
        let f = v.len();
        let m = idx.len().min(out.len());
        assert!(f % 8 == 0);
        let rows = y.len() / f.max(1);
        assert!(idx.iter().all(|&i| (i as usize) < rows));
        let (pv, py) = (v.as_ptr(), y.as_ptr());
        let mut k = 0;
        while k + 4 <= m {
            // The rows two groups ahead: the first pass over a row gathers from memory.
            for &i in idx.iter().skip(k + 8).take(4) {
                super::prefetch(&y[i as usize * f..][..f]);
            }
            // SAFETY: every index is below `rows` (checked above), so `f` floats from each of
            // these row starts are inside `y`; `i + 8 <= f` floats of `v` below.
            let r: [*const f32; 4] =
                std::array::from_fn(|j| unsafe { py.add(idx[k + j] as usize * f) });
            let mut acc = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            while i < f {
                // SAFETY: as above.
                unsafe {
                    let vb = _mm256_loadu_ps(pv.add(i));
                    for (a, r) in acc.iter_mut().zip(&r) {
                        *a = _mm256_fmadd_ps(_mm256_loadu_ps(r.add(i)), vb, *a);
                    }
                }
                i += 8;
            }
            // Lanes [s0, s1, s2, s3] of the four sums, from the two halves of the pairwise sums.
            let s = _mm256_hadd_ps(
                _mm256_hadd_ps(acc[0], acc[1]),
                _mm256_hadd_ps(acc[2], acc[3]),
            );
            let s = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
            // SAFETY: `k + 4 <= m` entries of `out`.
            unsafe { _mm_storeu_ps(out.as_mut_ptr().add(k), s) };
            k += 4;
        }
        while k < m {
            out[k] = dot(&y[idx[k] as usize * f..][..f], v);
            k += 1;
        }
    }

    /// [`super::axpys`] for `out.len()` a multiple of 8.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn axpys(y: &[f32], idx: &[u32], w: &[f32], out: &mut [f32]) {
        let f = out.len();
        assert!(f % 8 == 0);
        let rows = y.len() / f.max(1);
        assert!(idx.iter().all(|&i| (i as usize) < rows));
        let m = idx.len().min(w.len());
        let mut start = 0;
        while start < f {
            let blocks = (f - start).min(64) / 8;
            // SAFETY: `start + 8·blocks <= f`, and every index is below `rows`.
            unsafe {
                match blocks {
                    8 => axpys_block::<8>(y, &idx[..m], w, out, start),
                    7 => axpys_block::<7>(y, &idx[..m], w, out, start),
                    6 => axpys_block::<6>(y, &idx[..m], w, out, start),
                    5 => axpys_block::<5>(y, &idx[..m], w, out, start),
                    4 => axpys_block::<4>(y, &idx[..m], w, out, start),
                    3 => axpys_block::<3>(y, &idx[..m], w, out, start),
                    2 => axpys_block::<2>(y, &idx[..m], w, out, start),
                    _ => axpys_block::<1>(y, &idx[..m], w, out, start),
                }
            }
            start += 8 * blocks;
        }
    }

    /// Entries `start..start + 8·W` of [`axpys`].
    ///
    /// # Safety
    /// `start + 8·W <= out.len()`, and every index of `idx` is a row of `y` (rows of
    /// `out.len()` floats).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn axpys_block<const W: usize>(
        y: &[f32],
        idx: &[u32],
        w: &[f32],
        out: &mut [f32],
        start: usize,
    ) {
        let f = out.len();
        let (po, py) = (out.as_mut_ptr(), y.as_ptr());
        // SAFETY: entries `start..start + 8·W` of `out` (caller's contract).
        let mut acc: [__m256; W] =
            std::array::from_fn(|b| unsafe { _mm256_loadu_ps(po.add(start + 8 * b)) });
        for (&i, &wk) in idx.iter().zip(w) {
            // SAFETY: row `i` of `y` has `f >= start + 8·W` floats (caller's contract).
            let rp = unsafe { py.add(i as usize * f + start) };
            let wb = _mm256_set1_ps(wk);
            for (b, a) in acc.iter_mut().enumerate() {
                // SAFETY: as above.
                *a = _mm256_fmadd_ps(wb, unsafe { _mm256_loadu_ps(rp.add(8 * b)) }, *a);
            }
        }
        for (b, a) in acc.iter().enumerate() {
            // SAFETY: as for the loads.
            unsafe { _mm256_storeu_ps(po.add(start + 8 * b), *a) };
        }
    }

    /// `y = A x` (`A` symmetric `n × n`, row-major, `n` a multiple of 8): `y` is computed in
    /// blocks of up to 64 entries held in registers while the rows of `A` stream past.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn symv(a: &[f32], x: &[f32], y: &mut [f32]) {
        let n = x.len();
        assert!(n % 8 == 0 && a.len() >= n * n && y.len() >= n);
        let mut start = 0;
        while start < n {
            let w = (n - start).min(64) / 8;
            // SAFETY: `start + 8·w <= n` columns of rows `0..n` of `a` and entries of `y`.
            unsafe {
                match w {
                    8 => symv_block::<8>(a, x, y, start),
                    7 => symv_block::<7>(a, x, y, start),
                    6 => symv_block::<6>(a, x, y, start),
                    5 => symv_block::<5>(a, x, y, start),
                    4 => symv_block::<4>(a, x, y, start),
                    3 => symv_block::<3>(a, x, y, start),
                    2 => symv_block::<2>(a, x, y, start),
                    _ => symv_block::<1>(a, x, y, start),
                }
            }
            start += 8 * w;
        }
    }

    /// Columns `start..start + 8·W` of `y = A x`.
    ///
    /// # Safety
    /// `start + 8·W <= n`, `a.len() >= n·n`, `y.len() >= n` with `n = x.len()`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn symv_block<const W: usize>(a: &[f32], x: &[f32], y: &mut [f32], start: usize) {
        let n = x.len();
        let mut acc = [_mm256_setzero_ps(); W];
        let pa = a.as_ptr();
        for (j, &xj) in x.iter().enumerate() {
            let xb = _mm256_set1_ps(xj);
            // SAFETY: row `j < n`, columns below `start + 8·W <= n` (caller's contract).
            let row = unsafe { pa.add(j * n + start) };
            for (k, acc) in acc.iter_mut().enumerate() {
                *acc = _mm256_fmadd_ps(xb, unsafe { _mm256_loadu_ps(row.add(8 * k)) }, *acc);
            }
        }
        let py = y.as_mut_ptr();
        for (k, acc) in acc.iter().enumerate() {
            // SAFETY: entries `start + 8k .. start + 8k + 8 <= n` of `y`.
            unsafe { _mm256_storeu_ps(py.add(start + 8 * k), *acc) };
        }
    }
}

/// `y = A x` for a symmetric `n × n` matrix stored in full, row-major (rows are columns).
#[inline(always)]
pub(crate) fn symv<const FMA: bool>(a: &[f32], x: &[f32], y: &mut [f32]) {
    let n = x.len();
    #[cfg(target_arch = "x86_64")]
    if FMA && n % 8 == 0 {
        // SAFETY: as in `dot`.
        return unsafe { avx::symv(a, x, y) };
    }
    y.fill(0.0);
    for (j, &xj) in x.iter().enumerate() {
        axpy::<FMA>(xj, &a[j * n..(j + 1) * n], y);
    }
}

/// In-place Cholesky factorisation `A = Uᵀ·U` of the symmetric positive definite `n × n`
/// row-major matrix `a`, of which only the upper triangle is read; on success that triangle
/// holds `U` (the strict lower triangle is used as scratch). Right-looking, so that every update
/// is an `axpy` on a contiguous row segment. Returns `false` when `a` is not positive definite.
#[inline(always)]
pub(crate) fn cholesky<const FMA: bool>(a: &mut [f32], n: usize) -> bool {
    for k in 0..n {
        let d = a[k * n + k];
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let ukk = d.sqrt();
        a[k * n + k] = ukk;
        let inv = 1.0 / ukk;
        a[k * n + k + 1..(k + 1) * n]
            .iter_mut()
            .for_each(|v| *v *= inv);
        let (head, tail) = a.split_at_mut((k + 1) * n);
        let uk = &head[k * n..];
        for i in k + 1..n {
            let row = (i - k - 1) * n;
            // Start at a multiple of 8 so that every update of a row uses the same alignment
            // (stores then loads at shifted offsets defeat store forwarding); the entries left of
            // the diagonal that this also touches are scratch.
            let s = i & !7;
            axpy::<FMA>(-uk[i], &uk[s..n], &mut tail[row + s..row + n]);
        }
    }
    true
}

/// Solves `Uᵀ·U·x = b` in place (`b` becomes `x`), `U` as left by [`cholesky`].
#[inline(always)]
pub(crate) fn cholesky_solve<const FMA: bool>(u: &[f32], n: usize, b: &mut [f32]) {
    // Forward: Uᵀ z = b, column-oriented so that rows of U are read contiguously.
    for k in 0..n {
        b[k] /= u[k * n + k];
        let zk = b[k];
        let (done, rest) = b.split_at_mut(k + 1);
        let _ = done;
        axpy::<FMA>(-zk, &u[k * n + k + 1..(k + 1) * n], rest);
    }
    // Backward: U x = z.
    for i in (0..n).rev() {
        let s = dot::<FMA>(&u[i * n + i + 1..(i + 1) * n], &b[i + 1..n]);
        b[i] = (b[i] - s) / u[i * n + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_f64_for_all_lengths() {
        crate::kernels::multiversion! {
            fn dot_dispatch(a: &[f32], b: &[f32]) -> f32 => dot
        }
        for n in [0usize, 1, 7, 8, 31, 32, 33, 64, 65, 100] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let want: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            for got in [dot::<false>(&a, &b), dot_dispatch(&a, &b)] {
                assert!((got as f64 - want).abs() < 1e-4, "n={n}: {got} vs {want}");
            }
        }
    }

    crate::kernels::multiversion! {
        fn symv_dispatch(a: &[f32], x: &[f32], y: &mut [f32]) => symv
    }

    crate::kernels::multiversion! {
        fn dots_table<const FMA: bool>(table: &[f32], f: usize, v: &[f32], out: &mut [f32]) {
            let idx: Vec<u32> = (0..out.len() as u32).rev().collect();
            let rev: Vec<f32> = idx.iter().flat_map(|&k| table[k as usize * f..][..f].to_vec()).collect();
            dots::<FMA>(&rev, &idx, v, out)
        }
    }

    crate::kernels::multiversion! {
        fn axpys_table<const FMA: bool>(table: &[f32], w: &[f32], y: &mut [f32]) {
            let idx: Vec<u32> = (0..w.len() as u32).collect();
            axpys::<FMA>(table, &idx, w, y)
        }
    }

    #[test]
    fn batched_dots_and_axpys_match_naive_sums() {
        for f in [8usize, 16, 64, 72, 136, 5] {
            for m in [0usize, 1, 3, 4, 7, 13] {
                let table: Vec<f32> = (0..m * f)
                    .map(|k| ((k * 37 % 19) as f32 - 9.0) * 0.1)
                    .collect();
                let v: Vec<f32> = (0..f).map(|i| (i as f32 * 0.7).cos()).collect();
                let mut out = vec![f32::NAN; m];
                dots_table(&table, f, &v, &mut out);
                for k in 0..m {
                    let want: f64 = (0..f).map(|i| table[k * f + i] as f64 * v[i] as f64).sum();
                    assert!((out[k] as f64 - want).abs() < 1e-4, "f={f} m={m} k={k}");
                }
                let w: Vec<f32> = (0..m).map(|k| k as f32 - 2.5).collect();
                let mut y = v.clone();
                axpys_table(&table, &w, &mut y);
                for i in 0..f {
                    let want = v[i] as f64
                        + (0..m)
                            .map(|k| w[k] as f64 * table[k * f + i] as f64)
                            .sum::<f64>();
                    assert!((y[i] as f64 - want).abs() < 1e-4, "f={f} m={m} i={i}");
                }
            }
        }
    }

    #[test]
    fn symv_matches_naive_product() {
        for n in [8usize, 24, 64, 72, 136, 5] {
            let a: Vec<f32> = (0..n * n)
                .map(|k| {
                    let (i, j) = (k / n, k % n);
                    ((i.min(j) * 31 + i.max(j) * 7) % 11) as f32 - 5.0
                })
                .collect();
            let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.5).sin()).collect();
            let mut y = vec![f32::NAN; n];
            symv_dispatch(&a, &x, &mut y);
            for i in 0..n {
                let want: f64 = (0..n).map(|j| a[i * n + j] as f64 * x[j] as f64).sum();
                assert!((y[i] as f64 - want).abs() < 1e-3, "n={n} i={i}");
            }
        }
    }

    #[test]
    fn cholesky_solves_spd_systems_and_rejects_indefinite() {
        let n = 9;
        // A = M Mᵀ + I.
        let m: Vec<f32> = (0..n * n)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 5.0)
            .collect();
        let mut a = vec![0f32; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum::<f32>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        let x_true: Vec<f32> = (0..n).map(|i| i as f32 - 3.0).collect();
        let mut b = vec![0f32; n];
        symv::<false>(&a, &x_true, &mut b);
        let mut l = a.clone();
        assert!(cholesky::<false>(&mut l, n));
        cholesky_solve::<false>(&l, n, &mut b);
        for (g, w) in b.iter().zip(&x_true) {
            assert!((g - w).abs() < 1e-3, "{g} vs {w}");
        }
        let mut bad = a.clone();
        bad[0] = -1.0;
        assert!(!cholesky::<false>(&mut bad, n));
    }
}
