//! Lock-free ("Hogwild!", Niu et al. 2011) sharing of a parameter table between the threads of
//! a stochastic-gradient trainer, written in sound Rust.
//!
//! Hogwild lets every thread read and write any row of the shared tables without locks; a
//! rare lost or mixed update is part of the algorithm. Doing that through plain `&mut [f32]`
//! slices (or a raw pointer turned into them) is a data race, which Rust defines as undefined
//! behaviour: the optimiser may assume that nobody else writes a row it holds. [`HogwildRows`]
//! instead views the table as [`AtomicU32`] cells holding the bits of each `f32`, and every
//! access is a [`Relaxed`](Ordering::Relaxed) atomic load or store of one element: concurrent
//! access is defined (each element read is a value some thread wrote; nothing is torn), and on
//! x86-64 and AArch64 a relaxed load or store of an aligned 32-bit cell is the ordinary `mov` /
//! `ldr` / `str`, so no fence or locked instruction is added.
//!
//! The intended use is the one of every SGD kernel here: copy the rows a step needs into local
//! `f32` buffers ([`load`](HogwildRows::load)), compute on those with SIMD, and write the
//! changed rows back ([`store`](HogwildRows::store), or [`add`](HogwildRows::add) for a
//! read-modify-write of an accumulated step). With one thread this computes exactly what the
//! same arithmetic on a plain `&mut [f32]` computes, so single-thread results stay
//! bit-reproducible.
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

    /// Copies row `i` into `out[..dim]`.
    ///
    /// # Panics
    /// If `i >= rows()` or `out` is shorter than a row.
    #[inline(always)]
    pub fn load(&self, i: usize, out: &mut [f32]) {
        let out = &mut out[..self.dim];
        let cells = self.cells(i);
        let done = wide::load(cells, out);
        for (o, c) in out[done..].iter_mut().zip(&cells[done..]) {
            *o = f32::from_bits(c.load(Relaxed));
        }
    }

    /// Writes `v[..dim]` over row `i`.
    ///
    /// # Panics
    /// If `i >= rows()` or `v` is shorter than a row.
    #[inline(always)]
    pub fn store(&self, i: usize, v: &[f32]) {
        let v = &v[..self.dim];
        let cells = self.cells(i);
        let done = wide::store(cells, v);
        for (c, &x) in cells[done..].iter().zip(&v[done..]) {
            c.store(x.to_bits(), Relaxed);
        }
    }

    /// Adds `delta[..dim]` to row `i`, element by element (a load and a store each: an update
    /// by another thread between the two is lost, as in Hogwild).
    ///
    /// # Panics
    /// If `i >= rows()` or `delta` is shorter than a row.
    #[inline(always)]
    pub fn add(&self, i: usize, delta: &[f32]) {
        let delta = &delta[..self.dim];
        for (c, &d) in self.cells(i).iter().zip(delta) {
            c.store((f32::from_bits(c.load(Relaxed)) + d).to_bits(), Relaxed);
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

/// Whole-row copies four cells at a time.
///
/// Rust's atomics have no vector loads or stores, and the compiler never merges atomic
/// accesses, so a row copied cell by cell costs one load and one store per value — in the
/// skip-gram's kernel, where rows are read and written several times per update, that is
/// more than the arithmetic (measured: 2.4× slower on a corpus that fits in the caches).
/// On x86-64 the copies are therefore 16-byte `movups` in inline assembly. What each of them
/// does is what four relaxed atomic accesses to the cells do: the x86 memory model makes an
/// access to a naturally aligned 32-bit value atomic, a 16-byte access is at worst split at a
/// cache-line boundary (64-byte aligned, so never inside a cell), and an x86 load or store
/// already has (more than) relaxed ordering. The assembly touches only the cells of `cells`,
/// through a pointer derived from that shared reference to atomics, so it is a sound
/// implementation of per-cell relaxed accesses. Under Miri (which cannot run assembly) and
/// on other architectures nothing is copied here, and the callers' per-cell atomics do it
/// all.
mod wide {
    use std::sync::atomic::AtomicU32;

    /// Copies the first `4 · ⌊len / 4⌋` cells into `out`; returns how many were copied.
    #[inline(always)]
    pub(super) fn load(cells: &[AtomicU32], out: &mut [f32]) -> usize {
        let n = cells.len().min(out.len()) / 4 * 4;
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        {
            use std::arch::x86_64::{__m128, _mm_storeu_ps};
            let (src, dst) = (cells.as_ptr(), out.as_mut_ptr());
            let mut k = 0;
            while k < n {
                let v: __m128;
                // SAFETY: reads the 16 bytes of cells k..k + 4 (k + 4 <= cells.len()) through a
                // pointer derived from `cells`; per-cell relaxed atomic loads (see the module);
                // SSE is part of x86-64.
                unsafe {
                    std::arch::asm!(
                        "movups {v}, xmmword ptr [{p}]",
                        p = in(reg) src.add(k),
                        v = out(xmm_reg) v,
                        options(nostack, readonly, preserves_flags),
                    );
                    // SAFETY: k + 4 <= out.len().
                    _mm_storeu_ps(dst.add(k), v);
                }
                k += 4;
            }
            n
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        {
            let _ = (cells, out, n);
            0
        }
    }

    /// Writes the first `4 · ⌊len / 4⌋` values of `v` to the cells; returns how many.
    #[inline(always)]
    pub(super) fn store(cells: &[AtomicU32], v: &[f32]) -> usize {
        let n = cells.len().min(v.len()) / 4 * 4;
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        {
            use std::arch::x86_64::_mm_loadu_ps;
            let (dst, src) = (cells.as_ptr(), v.as_ptr());
            let mut k = 0;
            while k < n {
                // SAFETY: k + 4 <= v.len(); then writes the 16 bytes of cells k..k + 4 through
                // a pointer derived from `cells` (atomics may be written through a shared
                // reference); per-cell relaxed atomic stores (see the module).
                unsafe {
                    let x = _mm_loadu_ps(src.add(k));
                    std::arch::asm!(
                        "movups xmmword ptr [{p}], {x}",
                        p = in(reg) dst.add(k),
                        x = in(xmm_reg) x,
                        options(nostack, preserves_flags),
                    );
                }
                k += 4;
            }
            n
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        {
            let _ = (cells, v, n);
            0
        }
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
