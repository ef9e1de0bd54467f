//! Lock-free ("Hogwild!", Niu et al. 2011) sharing of a parameter table between the threads of
//! a stochastic-gradient trainer, written in sound Rust.
//!
//! Hogwild lets every thread read and write any row of the shared tables without locks; a
//! rare lost or mixed update is part of the algorithm. Doing that through plain `&mut [f32]`
//! slices (or a raw pointer turned into them) is a data race, which Rust defines as undefined
//! behaviour: the optimiser may assume that nobody else writes a row it holds. [`HogwildRows`]
//! instead views the table as [`AtomicU32`] cells holding the bits of each `f32`, and every
//! access is a [`Relaxed`] atomic load or store of one element: concurrent
//! access is defined (each element read is a value some thread wrote; nothing is torn), and on
//! x86-64 and AArch64 a relaxed load or store of an aligned 32-bit cell is the ordinary `mov` /
//! `ldr` / `str`, so no fence or locked instruction is added.
//!
//! SGD kernels use it in one of two ways. They compute on a row in place ([`HogwildRows::row`]
//! gives a [`SharedRow`]; kernels are written once, generic over [`Lanes`] / [`LanesMut`], so
//! the same code runs on local buffers and on shared rows), or they copy the rows of a step into
//! local buffers ([`load`](HogwildRows::load)) and write the changed rows back
//! ([`store`](HogwildRows::store), or [`add`](HogwildRows::add) for a read-modify-write of an
//! accumulated step). Either way, with one thread this computes exactly what the same
//! arithmetic on a plain `&mut [f32]` computes, so single-thread results stay
//! bit-reproducible.
//!
//! # Vector accesses
//!
//! Rust's atomics have no vector loads or stores, and the compiler never merges atomic
//! accesses, so a row read cell by cell costs one load per value and cannot feed SIMD
//! arithmetic directly; in the skip-gram kernel, copying rows cell by cell or even with
//! 16-byte copies into local buffers cost more than the arithmetic (2.1× and 1.7× slower than
//! the old unsound in-place kernel on a cache-resident corpus). On x86-64 the block accessors
//! of [`SharedRow`] are therefore single `movups` / `vmovups` instructions (16 or 32 bytes) in
//! inline assembly, which the SIMD kernels use in place of their ordinary vector loads and
//! stores. What each of them does is what four or eight relaxed atomic accesses to the cells
//! do: the x86 memory model makes every access to a naturally aligned 32-bit value atomic; a
//! 16- or 32-byte access may be carried out as several accesses, but it is split at most at
//! cache-line boundaries (64-byte aligned), never inside a 4-byte-aligned cell; and an ordinary
//! x86 load or store already has (more than) relaxed ordering, which is all Hogwild needs —
//! relaxed accesses to distinct cells are unordered among themselves anyway. The assembly
//! touches only the cells of the row, through a pointer derived from the shared reference to
//! those atomics (which may be written through a shared reference), so it is a sound
//! implementation of per-cell relaxed accesses: no `&mut` to shared data exists, and no
//! non-atomic access races. Under Miri (which cannot run assembly) and on other architectures
//! the accessors are per-cell relaxed atomics, which Miri checks.
//!
//! ```
//! use artist2vec_core::hogwild::HogwildRows;
//!
//! let mut table = vec![1.0f32; 4 * 3];
//! {
//!     let shared = HogwildRows::new(&mut table, 3);
//!     std::thread::scope(|s| {
//!         for t in 0..2 {
//!             let shared = &shared;
//!             s.spawn(move || {
//!                 let mut row = [0f32; 3];
//!                 shared.load(t, &mut row);
//!                 row.iter_mut().for_each(|v| *v *= 2.0);
//!                 shared.store(t, &row);
//!             });
//!         }
//!     });
//! }
//! assert_eq!(&table[..6], &[2.0; 6]);
//! assert_eq!(&table[6..], &[1.0; 6]);
//! ```

#[cfg(all(target_arch = "x86_64", miri))]
use std::arch::x86_64::_mm256_setr_ps;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128, __m256, _mm_loadu_ps, _mm_storeu_ps, _mm256_loadu_ps, _mm256_storeu_ps,
};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// A row-major `rows × dim` table of `f32` that several threads may read and write at once
/// (see the [module documentation](self)). It borrows the table mutably, so the plain slice is
/// usable again, with every update in it, once the sharing ends.
#[derive(Debug, Clone, Copy)]
pub struct HogwildRows<'a> {
    cells: &'a [AtomicU32],
    dim: usize,
}

const _: () = assert!(
    size_of::<f32>() == size_of::<AtomicU32>() && align_of::<f32>() == align_of::<AtomicU32>()
);

impl<'a> HogwildRows<'a> {
    /// Shares `table` as rows of `dim` values.
    ///
    /// # Panics
    /// If `dim == 0` or `table.len()` is not a multiple of `dim` (a programming error).
    pub fn new(table: &'a mut [f32], dim: usize) -> Self {
        assert!(
            dim > 0 && table.len() % dim == 0,
            "a table of {} values is not rows of {dim}",
            table.len()
        );
        let len = table.len();
        let ptr = table.as_mut_ptr().cast::<AtomicU32>();
        // SAFETY: `AtomicU32` has the size and alignment of `f32` (checked above) and every bit
        // pattern is a valid `u32`; the exclusive borrow of `table` for 'a guarantees that no
        // non-atomic access to these cells happens while they are shared (this is what the
        // unstable `AtomicU32::from_mut_slice` does).
        let cells = unsafe { std::slice::from_raw_parts(ptr.cast_const(), len) };
        Self { cells, dim }
    }

    /// Number of rows.
    #[inline(always)]
    pub fn rows(&self) -> usize {
        self.cells.len() / self.dim
    }

    /// Values per row.
    #[inline(always)]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The cells of row `i`.
    ///
    /// # Panics
    /// If `i >= rows()`.
    #[inline(always)]
    fn cells(&self, i: usize) -> &'a [AtomicU32] {
        &self.cells[i * self.dim..(i + 1) * self.dim]
    }

    /// Row `i`, for kernels that compute on the shared row in place (see [`Lanes`]).
    ///
    /// # Panics
    /// If `i >= rows()`.
    #[inline(always)]
    pub fn row(&self, i: usize) -> SharedRow<'a> {
        SharedRow {
            cells: self.cells(i),
        }
    }

    /// Copies row `i` into `out[..dim]`.
    ///
    /// # Panics
    /// If `i >= rows()` or `out` is shorter than a row.
    #[inline(always)]
    pub fn load(&self, i: usize, out: &mut [f32]) {
        copy::<false>(&mut out[..self.dim], &self.row(i));
    }

    /// [`load`](Self::load) by AVX instructions, for AVX kernels (no SSE/AVX transitions, 32
    /// bytes at a time).
    ///
    /// # Safety
    /// The CPU has AVX.
    ///
    /// # Panics
    /// As [`load`](Self::load).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    #[inline]
    pub unsafe fn load_avx(&self, i: usize, out: &mut [f32]) {
        copy::<true>(&mut out[..self.dim], &self.row(i));
    }

    /// Writes `v[..dim]` over row `i`.
    ///
    /// # Panics
    /// If `i >= rows()` or `v` is shorter than a row.
    #[inline(always)]
    pub fn store(&self, i: usize, v: &[f32]) {
        copy::<false>(&mut self.row(i), &v[..self.dim]);
    }

    /// [`store`](Self::store) by AVX instructions, for AVX kernels.
    ///
    /// # Safety
    /// The CPU has AVX.
    ///
    /// # Panics
    /// As [`store`](Self::store).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    #[inline]
    pub unsafe fn store_avx(&self, i: usize, v: &[f32]) {
        copy::<true>(&mut self.row(i), &v[..self.dim]);
    }

    /// Adds `delta[..dim]` to row `i`, element by element (a load and a store each: an update
    /// by another thread between the two is lost, as in Hogwild).
    ///
    /// # Panics
    /// If `i >= rows()` or `delta` is shorter than a row.
    #[inline(always)]
    pub fn add(&self, i: usize, delta: &[f32]) {
        let mut row = self.row(i);
        let d = &delta[..self.dim];
        let n = self.dim / 4 * 4;
        // SAFETY: every index below is `< dim`, the length of both.
        unsafe {
            for k in (0..n).step_by(4) {
                let (a, b) = (row.get4(k), d.get4(k));
                row.set4(k, [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]);
            }
            for k in n..self.dim {
                row.set1(k, row.get1(k) + d.get1(k));
            }
        }
    }

    /// Element `t` of row `i`.
    ///
    /// # Panics
    /// If `i >= rows()` or `t >= dim()`.
    #[inline(always)]
    pub fn get(&self, i: usize, t: usize) -> f32 {
        assert!(t < self.dim, "column {t} of a row of {}", self.dim);
        f32::from_bits(self.cells[i * self.dim + t].load(Relaxed))
    }

    /// Sets element `t` of row `i`.
    ///
    /// # Panics
    /// If `i >= rows()` or `t >= dim()`.
    #[inline(always)]
    pub fn set(&self, i: usize, t: usize, v: f32) {
        assert!(t < self.dim, "column {t} of a row of {}", self.dim);
        self.cells[i * self.dim + t].store(v.to_bits(), Relaxed);
    }

    /// The address of row `i` (any `i`, computed with wrapping arithmetic and never
    /// dereferenced here), for prefetch hints.
    #[inline(always)]
    pub fn row_ptr(&self, i: usize) -> *const u8 {
        self.cells
            .as_ptr()
            .wrapping_add(i.wrapping_mul(self.dim))
            .cast()
    }

    /// Bytes per row.
    #[inline(always)]
    pub fn row_bytes(&self) -> usize {
        self.dim * size_of::<f32>()
    }
}

/// Copies `src` into `dst` (of the same length), by AVX instructions if `AVX` (then the CPU
/// must have AVX).
#[inline(always)]
fn copy<const AVX: bool>(dst: &mut (impl LanesMut + ?Sized), src: &(impl Lanes + ?Sized)) {
    let n = src.len();
    assert_eq!(dst.len(), n);
    let mut k = 0;
    // SAFETY (all accesses below): inside both; AVX only where the caller has it.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        if AVX {
            while k + 8 <= n {
                dst.set_avx8(k, src.avx8(k));
                k += 8;
            }
            if k + 4 <= n {
                dst.set_avx4(k, src.avx4(k));
                k += 4;
            }
        }
        while k + 4 <= n {
            dst.set4(k, src.get4(k));
            k += 4;
        }
        while k < n {
            dst.set1(k, src.get1(k));
            k += 1;
        }
    }
}

/// One row of a [`HogwildRows`] table, shared with the other threads ([`HogwildRows::row`]):
/// kernels generic over [`Lanes`] / [`LanesMut`] read and write it in place, every access a
/// relaxed atomic access to its cells.
#[derive(Debug, Clone, Copy)]
pub struct SharedRow<'a> {
    cells: &'a [AtomicU32],
}

/// Values of a row that a kernel reads in blocks of 1, 4 or (with AVX) 8: a plain `[f32]`, or
/// a [`SharedRow`]. A kernel written once against this trait (and [`LanesMut`]) does the same
/// arithmetic in the same order on a local buffer and on a shared row, and on a shared row it
/// needs no copy into a local buffer and back.
///
/// The accessors do not check bounds; that is their `unsafe` contract (with the CPU features
/// of the `avx` ones): a kernel checks its lengths once, before its loop. On a [`SharedRow`]
/// every value is read or written as a relaxed atomic access to its cell; on x86-64 (not under
/// Miri) a block is one vector instruction in inline assembly (see "Vector accesses" in the
/// [module documentation](self)).
pub trait Lanes {
    /// Number of values.
    fn len(&self) -> usize;

    /// Whether there are no values.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `k`.
    ///
    /// # Safety
    /// `k < self.len()`.
    unsafe fn get1(&self, k: usize) -> f32;

    /// Values `k..k + 4`.
    ///
    /// # Safety
    /// `k + 4 <= self.len()`.
    unsafe fn get4(&self, k: usize) -> [f32; 4];

    /// Values `k..k + 4`, by an AVX-encoded instruction (no SSE/AVX transition in AVX code).
    ///
    /// # Safety
    /// `k + 4 <= self.len()`, and the CPU has AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx4(&self, k: usize) -> __m128;

    /// Values `k..k + 8`.
    ///
    /// # Safety
    /// `k + 8 <= self.len()`, and the CPU has AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn avx8(&self, k: usize) -> __m256;
}

/// A row that a kernel also writes in blocks (see [`Lanes`]).
pub trait LanesMut: Lanes {
    /// Sets value `k`.
    ///
    /// # Safety
    /// `k < self.len()`.
    unsafe fn set1(&mut self, k: usize, v: f32);

    /// Sets values `k..k + 4`.
    ///
    /// # Safety
    /// `k + 4 <= self.len()`.
    unsafe fn set4(&mut self, k: usize, v: [f32; 4]);

    /// Sets values `k..k + 4`, by an AVX-encoded instruction.
    ///
    /// # Safety
    /// `k + 4 <= self.len()`, and the CPU has AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn set_avx4(&mut self, k: usize, v: __m128);

    /// Sets values `k..k + 8`.
    ///
    /// # Safety
    /// `k + 8 <= self.len()`, and the CPU has AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn set_avx8(&mut self, k: usize, v: __m256);
}

impl Lanes for [f32] {
    #[inline(always)]
    fn len(&self) -> usize {
        <[f32]>::len(self)
    }

    #[inline(always)]
    unsafe fn get1(&self, k: usize) -> f32 {
        // SAFETY: k < len (the caller's contract).
        unsafe { *self.get_unchecked(k) }
    }

    #[inline(always)]
    unsafe fn get4(&self, k: usize) -> [f32; 4] {
        // SAFETY: k + 4 <= len (the caller's contract).
        unsafe { self.as_ptr().add(k).cast::<[f32; 4]>().read_unaligned() }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn avx4(&self, k: usize) -> __m128 {
        // SAFETY: k + 4 <= len (the caller's contract); SSE is part of x86-64.
        unsafe { _mm_loadu_ps(self.as_ptr().add(k)) }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn avx8(&self, k: usize) -> __m256 {
        // SAFETY: k + 8 <= len and AVX (the caller's contract).
        unsafe { _mm256_loadu_ps(self.as_ptr().add(k)) }
    }
}

impl LanesMut for [f32] {
    #[inline(always)]
    unsafe fn set1(&mut self, k: usize, v: f32) {
        // SAFETY: k < len (the caller's contract).
        unsafe { *self.get_unchecked_mut(k) = v }
    }

    #[inline(always)]
    unsafe fn set4(&mut self, k: usize, v: [f32; 4]) {
        // SAFETY: k + 4 <= len (the caller's contract).
        unsafe {
            self.as_mut_ptr()
                .add(k)
                .cast::<[f32; 4]>()
                .write_unaligned(v)
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn set_avx4(&mut self, k: usize, v: __m128) {
        // SAFETY: k + 4 <= len (the caller's contract); SSE is part of x86-64.
        unsafe { _mm_storeu_ps(self.as_mut_ptr().add(k), v) }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn set_avx8(&mut self, k: usize, v: __m256) {
        // SAFETY: k + 8 <= len and AVX (the caller's contract).
        unsafe { _mm256_storeu_ps(self.as_mut_ptr().add(k), v) }
    }
}

impl SharedRow<'_> {
    /// The address of cell `k` (derived from the shared reference to the cells).
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[inline(always)]
    fn cell_ptr(&self, k: usize) -> *const AtomicU32 {
        self.cells.as_ptr().wrapping_add(k)
    }
}

impl Lanes for SharedRow<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.cells.len()
    }

    #[inline(always)]
    unsafe fn get1(&self, k: usize) -> f32 {
        // SAFETY: k < len (the caller's contract).
        f32::from_bits(unsafe { self.cells.get_unchecked(k) }.load(Relaxed))
    }

    #[inline(always)]
    unsafe fn get4(&self, k: usize) -> [f32; 4] {
        // SAFETY: cells k..k + 4 exist (the caller's contract); per-cell relaxed atomic loads
        // (see the module documentation).
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        return unsafe { std::mem::transmute::<__m128, [f32; 4]>(asm::load4(self.cell_ptr(k))) };
        // SAFETY: as above, one cell at a time.
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        unsafe {
            [
                self.get1(k),
                self.get1(k + 1),
                self.get1(k + 2),
                self.get1(k + 3),
            ]
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn avx4(&self, k: usize) -> __m128 {
        // SAFETY: cells k..k + 4 exist and the CPU has AVX (the caller's contract).
        #[cfg(not(miri))]
        return unsafe { asm::vload4(self.cell_ptr(k)) };
        // SAFETY: as above; Miri runs no assembly, so cell by cell.
        #[cfg(miri)]
        unsafe {
            _mm_loadu_ps(self.get4(k).as_ptr())
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn avx8(&self, k: usize) -> __m256 {
        // SAFETY: cells k..k + 8 exist and the CPU has AVX (the caller's contract).
        #[cfg(not(miri))]
        return unsafe { asm::vload8(self.cell_ptr(k)) };
        // SAFETY: as above; Miri runs no assembly, so cell by cell.
        #[cfg(miri)]
        unsafe {
            let (a, b) = (self.get4(k), self.get4(k + 4));
            _mm256_setr_ps(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
        }
    }
}

impl LanesMut for SharedRow<'_> {
    #[inline(always)]
    unsafe fn set1(&mut self, k: usize, v: f32) {
        // SAFETY: k < len (the caller's contract).
        unsafe { self.cells.get_unchecked(k) }.store(v.to_bits(), Relaxed);
    }

    #[inline(always)]
    unsafe fn set4(&mut self, k: usize, v: [f32; 4]) {
        // SAFETY: cells k..k + 4 exist (the caller's contract); per-cell relaxed atomic stores
        // (see the module documentation).
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        unsafe {
            asm::store4(self.cell_ptr(k), std::mem::transmute::<[f32; 4], __m128>(v))
        };
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        for (j, x) in v.into_iter().enumerate() {
            // SAFETY: as above, one cell at a time.
            unsafe { self.set1(k + j, x) };
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn set_avx4(&mut self, k: usize, v: __m128) {
        // SAFETY: cells k..k + 4 exist and the CPU has AVX (the caller's contract).
        #[cfg(not(miri))]
        unsafe {
            asm::vstore4(self.cell_ptr(k), v)
        };
        // SAFETY: as above; Miri runs no assembly, so cell by cell.
        #[cfg(miri)]
        unsafe {
            self.set4(k, std::mem::transmute::<__m128, [f32; 4]>(v))
        };
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn set_avx8(&mut self, k: usize, v: __m256) {
        // SAFETY: cells k..k + 8 exist and the CPU has AVX (the caller's contract).
        #[cfg(not(miri))]
        unsafe {
            asm::vstore8(self.cell_ptr(k), v)
        };
        // SAFETY: as above; Miri runs no assembly, so cell by cell.
        #[cfg(miri)]
        unsafe {
            let a = std::mem::transmute::<__m256, [f32; 8]>(v);
            self.set4(k, [a[0], a[1], a[2], a[3]]);
            self.set4(k + 4, [a[4], a[5], a[6], a[7]]);
        }
    }
}

/// The vector accesses to shared cells, one instruction each (see "Vector accesses" in the
/// module documentation for why each is a set of relaxed atomic accesses to the cells it
/// covers). Every function reads or writes the 16 or 32 bytes at `p`, which must be cells of a
/// live shared table; `load4`/`store4` are SSE (part of x86-64), the others need AVX.
#[cfg(all(target_arch = "x86_64", not(miri)))]
mod asm {
    use std::arch::asm;
    use std::arch::x86_64::{__m128, __m256};
    use std::sync::atomic::AtomicU32;

    #[inline(always)]
    pub(super) unsafe fn load4(p: *const AtomicU32) -> __m128 {
        let v: __m128;
        // SAFETY: p..p + 16 are cells (the caller's contract).
        unsafe {
            asm!("movups {v}, xmmword ptr [{p}]", p = in(reg) p, v = out(xmm_reg) v,
                options(nostack, readonly, preserves_flags))
        };
        v
    }

    #[inline(always)]
    pub(super) unsafe fn store4(p: *const AtomicU32, v: __m128) {
        // SAFETY: p..p + 16 are cells (the caller's contract); atomics may be written through
        // a shared reference.
        unsafe {
            asm!("movups xmmword ptr [{p}], {v}", p = in(reg) p, v = in(xmm_reg) v,
                options(nostack, preserves_flags))
        };
    }

    #[inline]
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn vload4(p: *const AtomicU32) -> __m128 {
        let v: __m128;
        // SAFETY: p..p + 16 are cells (the caller's contract).
        unsafe {
            asm!("vmovups {v}, xmmword ptr [{p}]", p = in(reg) p, v = out(xmm_reg) v,
                options(nostack, readonly, preserves_flags))
        };
        v
    }

    #[inline]
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn vstore4(p: *const AtomicU32, v: __m128) {
        // SAFETY: as in `store4`.
        unsafe {
            asm!("vmovups xmmword ptr [{p}], {v}", p = in(reg) p, v = in(xmm_reg) v,
                options(nostack, preserves_flags))
        };
    }

    #[inline]
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn vload8(p: *const AtomicU32) -> __m256 {
        let v: __m256;
        // SAFETY: p..p + 32 are cells (the caller's contract).
        unsafe {
            asm!("vmovups {v}, ymmword ptr [{p}]", p = in(reg) p, v = out(ymm_reg) v,
                options(nostack, readonly, preserves_flags))
        };
        v
    }

    #[inline]
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn vstore8(p: *const AtomicU32, v: __m256) {
        // SAFETY: as in `store4`, 32 bytes.
        unsafe {
            asm!("vmovups ymmword ptr [{p}], {v}", p = in(reg) p, v = in(ymm_reg) v,
                options(nostack, preserves_flags))
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_updates_reach_the_table() {
        let mut v: Vec<f32> = (0..12).map(|i| i as f32).collect();
        {
            let h = HogwildRows::new(&mut v, 4);
            assert_eq!((h.rows(), h.dim(), h.row_bytes()), (3, 4, 16));
            let mut r = [0f32; 5];
            h.load(1, &mut r);
            assert_eq!(r, [4.0, 5.0, 6.0, 7.0, 0.0]);
            h.store(2, &[-1.0, -2.0, -3.0, -4.0]);
            h.add(0, &[0.5; 4]);
            h.set(1, 3, 9.0);
            assert_eq!(h.get(1, 3), 9.0);
            assert_eq!(h.get(2, 0), -1.0);
            assert_eq!(h.row_ptr(1) as usize - h.row_ptr(0) as usize, 16);
        }
        assert_eq!(
            v,
            [
                0.5, 1.5, 2.5, 3.5, 4.0, 5.0, 6.0, 9.0, -1.0, -2.0, -3.0, -4.0
            ]
        );
        // NaN payloads and signed zeros survive the bit view.
        let mut w = vec![f32::from_bits(0x7fc0_1234), -0.0];
        let h = HogwildRows::new(&mut w, 2);
        let mut r = [0f32; 2];
        h.load(0, &mut r);
        assert_eq!(r[0].to_bits(), 0x7fc0_1234);
        assert_eq!(r[1].to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn shared_rows_are_read_and_written_in_blocks() {
        let mut v: Vec<f32> = (0..26).map(|i| i as f32).collect();
        {
            let h = HogwildRows::new(&mut v, 13);
            let mut r = h.row(1);
            assert_eq!((Lanes::len(&r), r.is_empty()), (13, false));
            // SAFETY (all blocks below): inside the 13 cells of the row; AVX is checked.
            unsafe {
                assert_eq!(r.get4(1), [14.0, 15.0, 16.0, 17.0]);
                assert_eq!(r.get1(12), 25.0);
                r.set4(9, [-1.0, -2.0, -3.0, -4.0]);
                r.set1(0, 0.5);
                #[cfg(target_arch = "x86_64")]
                if crate::cpu::has_avx_fma() {
                    use std::arch::x86_64::*;
                    let a = r.avx8(1);
                    let b = r.avx4(5);
                    r.set_avx8(0, _mm256_add_ps(a, a));
                    let mut out = [0f32; 4];
                    _mm_storeu_ps(out.as_mut_ptr(), b);
                    assert_eq!(out, [18.0, 19.0, 20.0, 21.0]);
                    r.set_avx4(8, b);
                }
            }
            // Local buffers have the same accessors.
            let mut local = [0f32; 5];
            // SAFETY: inside the 5 values.
            unsafe {
                local.set4(1, [1.0, 2.0, 3.0, 4.0]);
                let v = local.get1(4) + local.get4(1)[0];
                local.set1(0, v);
            }
            assert_eq!(local, [5.0, 1.0, 2.0, 3.0, 4.0]);
        }
        let mut want: Vec<f32> = (0..26).map(|i| i as f32).collect();
        want[13] = 0.5;
        want[22..26].copy_from_slice(&[-1.0, -2.0, -3.0, -4.0]);
        if cfg!(target_arch = "x86_64") && crate::cpu::has_avx_fma() {
            for k in 0..8 {
                want[13 + k] = 2.0 * (14 + k) as f32;
            }
            want[21..25].copy_from_slice(&[18.0, 19.0, 20.0, 21.0]);
        }
        assert_eq!(v, want);
    }

    #[test]
    fn threads_updating_the_same_row_in_place_is_defined_behaviour() {
        // As below, through the block accessors of shared rows (under Miri: per-cell atomics).
        let n = if cfg!(miri) { 20 } else { 10_000 };
        let mut v = vec![0f32; 9];
        {
            let h = HogwildRows::new(&mut v, 9);
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        let mut r = h.row(0);
                        for _ in 0..n {
                            // SAFETY: inside the 9 cells.
                            unsafe {
                                let a = r.get4(0);
                                r.set4(0, a.map(|x| x + 1.0));
                                let b = r.get4(4);
                                r.set4(4, b.map(|x| x + 1.0));
                                r.set1(8, r.get1(8) + 1.0);
                            }
                        }
                    });
                }
            });
        }
        for x in v {
            assert!(
                (1.0..=2.0 * n as f32).contains(&x) && x.fract() == 0.0,
                "{x}"
            );
        }
    }

    #[test]
    #[should_panic(expected = "not rows of 4")]
    fn a_ragged_table_is_refused() {
        let mut v = vec![0f32; 10];
        HogwildRows::new(&mut v, 4);
    }

    #[test]
    #[should_panic]
    fn a_row_out_of_range_panics_instead_of_reading_outside() {
        let mut v = vec![0f32; 8];
        let h = HogwildRows::new(&mut v, 4);
        h.load(2, &mut [0f32; 4]);
    }

    #[test]
    fn threads_updating_the_same_rows_is_defined_behaviour() {
        // Two threads hammer the same row (run under Miri to check it is race-free in the
        // Rust memory model: relaxed atomics, no plain access while shared).
        let n = if cfg!(miri) { 20 } else { 10_000 };
        let mut v = vec![0f32; 2 * 3];
        {
            let h = HogwildRows::new(&mut v, 3);
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        let mut r = [0f32; 3];
                        for _ in 0..n {
                            h.load(0, &mut r);
                            r.iter_mut().for_each(|x| *x += 1.0);
                            h.store(0, &r);
                            h.add(1, &[1.0; 3]);
                        }
                    });
                }
            });
        }
        // Lost updates are allowed, invented or torn values are not.
        for x in v {
            assert!(
                (1.0..=2.0 * n as f32).contains(&x) && x.fract() == 0.0,
                "{x}"
            );
        }
    }
}
