//! The hot loop: one skip-gram-with-negative-sampling update (fixed-width accumulators, slices
//! of equal length, no allocation; AVX + FMA intrinsics where the CPU has them), plus the
//! random-number generator, the logistic function, the negative-sampling table and the queue
//! that draws negatives ahead of use so that their rows can be prefetched.
//!
//! Everything here is `#[inline(always)]` so that it is compiled once per instruction set:
//! a portable build (SSE2 on x86-64) and, where the CPU has them, an AVX + FMA build selected
//! at run time.
//!
//! The loop is bound by memory latency, not arithmetic: every update reads and writes rows at
//! random places in two matrices far larger than the caches. What makes it fast is asking for
//! those rows early ([`prefetch_bytes`], [`NegativeQueue`], and the trainer's prefetches of
//! the next centre and context rows) and backing the matrices with huge pages.

use artist2vec_core::hogwild::{HogwildRows, Lanes, LanesMut};

/// The arithmetic of the loop: `a * b + c`, and the dot product and `y += a * x` built on it.
///
/// The kernels are generic over where the values are ([`Lanes`]): local buffers or rows of
/// the shared matrices ([`SharedRow`](artist2vec_core::hogwild::SharedRow)), which they read
/// and write in place (relaxed atomic accesses, vector instructions on x86-64). The arithmetic
/// and its order are the same either way.
pub(crate) trait Arith {
    fn madd(a: f32, b: f32, c: f32) -> f32;

    /// Copies row `i` of `rows` into `out`.
    #[inline(always)]
    fn load(rows: &HogwildRows<'_>, i: usize, out: &mut [f32]) {
        rows.load(i, out);
    }

    /// Dot product of `a` and `b[..a.len()]` with 16 independent accumulators (two AVX
    /// registers, four SSE registers).
    #[inline(always)]
    fn dot<X: Lanes + ?Sized, Y: Lanes + ?Sized>(a: &X, b: &Y) -> f32 {
        let n = a.len();
        assert!(b.len() >= n);
        let mut acc = [0f32; LANES];
        let mut i = 0;
        while i + LANES <= n {
            for q in 0..LANES / 4 {
                // SAFETY: i + 4q + 4 <= n, inside both.
                let (x, y) = unsafe { (a.get4(i + 4 * q), b.get4(i + 4 * q)) };
                for j in 0..4 {
                    acc[4 * q + j] = Self::madd(x[j], y[j], acc[4 * q + j]);
                }
            }
            i += LANES;
        }
        let mut tail = 0f32;
        while i < n {
            // SAFETY: i < n, inside both.
            tail = unsafe { Self::madd(a.get1(i), b.get1(i), tail) };
            i += 1;
        }
        // Pairwise reduction of the accumulators.
        let mut w = LANES;
        while w > 1 {
            w /= 2;
            for j in 0..w {
                acc[j] += acc[j + w];
            }
        }
        acc[0] + tail
    }

    /// `y += a * x[..y.len()]`.
    #[inline(always)]
    fn axpy<Y: LanesMut + ?Sized, X: Lanes + ?Sized>(y: &mut Y, a: f32, x: &X) {
        let n = y.len();
        assert!(x.len() >= n);
        let mut i = 0;
        while i + 4 <= n {
            // SAFETY: i + 4 <= n, inside both.
            unsafe {
                let (xv, yv) = (x.get4(i), y.get4(i));
                y.set4(i, std::array::from_fn(|j| Self::madd(a, xv[j], yv[j])));
            }
            i += 4;
        }
        while i < n {
            // SAFETY: i < n, inside both.
            unsafe { y.set1(i, Self::madd(a, x.get1(i), y.get1(i))) };
            i += 1;
        }
    }

    /// The update of one target, in one pass over the output row `out` (read and written
    /// once): `work += g * out`, then `out += g * h`, element by element — what `axpy(work, g,
    /// out)` followed by `axpy(out, g, h)` computes, since `out` aliases neither.
    #[inline(always)]
    fn update<O: LanesMut + ?Sized>(work: &mut [f32], out: &mut O, g: f32, h: &[f32]) {
        let n = work.len();
        assert!(out.len() >= n && h.len() >= n);
        let mut i = 0;
        while i + 4 <= n {
            // SAFETY: i + 4 <= n, inside all three.
            unsafe {
                let (o, w, x) = (out.get4(i), work.get4(i), h.get4(i));
                work.set4(i, std::array::from_fn(|j| Self::madd(g, o[j], w[j])));
                out.set4(i, std::array::from_fn(|j| Self::madd(g, x[j], o[j])));
            }
            i += 4;
        }
        while i < n {
            // SAFETY: i < n, inside all three.
            unsafe {
                let o = out.get1(i);
                work.set1(i, Self::madd(g, o, work.get1(i)));
                out.set1(i, Self::madd(g, h.get1(i), o));
            }
            i += 1;
        }
    }
}

/// Separate multiply and add: what every x86-64 CPU has.
pub(crate) struct Plain;
impl Arith for Plain {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

/// Fused multiply-add, with the dot product, `axpy` and the target update written in AVX +
/// FMA intrinsics on x86-64 (the compiler's own vectorisation of the generic loops splits them
/// into 64-bit pieces there).
///
/// Only used inside functions compiled with the `avx` and `fma` target features, run on CPUs
/// that have them (elsewhere `mul_add` would be a slow library call, and the intrinsics
/// illegal instructions).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Fused;

#[cfg(target_arch = "x86_64")]
impl Arith for Fused {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }

    #[inline(always)]
    fn load(rows: &HogwildRows<'_>, i: usize, out: &mut [f32]) {
        // SAFETY: `Fused` only runs on CPUs with AVX and FMA (see the type).
        unsafe { rows.load_avx(i, out) };
    }

    /// Four 8-lane accumulators over blocks of 32, then blocks of 8 and 4, then single values.
    #[inline(always)]
    fn dot<X: Lanes + ?Sized, Y: Lanes + ?Sized>(a: &X, b: &Y) -> f32 {
        use std::arch::x86_64::*;
        let n = a.len();
        assert!(b.len() >= n);
        // SAFETY: `Fused` only runs on CPUs with AVX and FMA (see the type); every access
        // reads `i..i + width` with `i + width <= n`, inside both.
        unsafe {
            let mut acc = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            while i + 32 <= n {
                for (k, r) in acc.iter_mut().enumerate() {
                    let o = i + 8 * k;
                    *r = _mm256_fmadd_ps(a.avx8(o), b.avx8(o), *r);
                }
                i += 32;
            }
            while i + 8 <= n {
                acc[0] = _mm256_fmadd_ps(a.avx8(i), b.avx8(i), acc[0]);
                i += 8;
            }
            let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
            let mut q = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
            if i + 4 <= n {
                q = _mm_fmadd_ps(a.avx4(i), b.avx4(i), q);
                i += 4;
            }
            q = _mm_add_ps(q, _mm_movehl_ps(q, q));
            q = _mm_add_ss(q, _mm_movehdup_ps(q));
            let mut r = _mm_cvtss_f32(q);
            while i < n {
                r = a.get1(i).mul_add(b.get1(i), r);
                i += 1;
            }
            r
        }
    }

    #[inline(always)]
    fn axpy<Y: LanesMut + ?Sized, X: Lanes + ?Sized>(y: &mut Y, a: f32, x: &X) {
        use std::arch::x86_64::*;
        let n = y.len();
        assert!(x.len() >= n);
        // SAFETY: as in `dot`: AVX + FMA are there, and every access is inside both.
        unsafe {
            let va = _mm256_set1_ps(a);
            let mut i = 0;
            while i + 8 <= n {
                y.set_avx8(i, _mm256_fmadd_ps(va, x.avx8(i), y.avx8(i)));
                i += 8;
            }
            if i + 4 <= n {
                y.set_avx4(
                    i,
                    _mm_fmadd_ps(_mm256_castps256_ps128(va), x.avx4(i), y.avx4(i)),
                );
                i += 4;
            }
            while i < n {
                y.set1(i, a.mul_add(x.get1(i), y.get1(i)));
                i += 1;
            }
        }
    }

    #[inline(always)]
    fn update<O: LanesMut + ?Sized>(work: &mut [f32], out: &mut O, g: f32, h: &[f32]) {
        use std::arch::x86_64::*;
        let n = work.len();
        assert!(out.len() >= n && h.len() >= n);
        // SAFETY: as in `dot`: AVX + FMA are there, and every access is inside all three.
        unsafe {
            let vg = _mm256_set1_ps(g);
            let mut i = 0;
            while i + 8 <= n {
                let o = out.avx8(i);
                work.set_avx8(i, _mm256_fmadd_ps(vg, o, work.avx8(i)));
                out.set_avx8(i, _mm256_fmadd_ps(vg, h.avx8(i), o));
                i += 8;
            }
            if i + 4 <= n {
                let g4 = _mm256_castps256_ps128(vg);
                let o = out.avx4(i);
                work.set_avx4(i, _mm_fmadd_ps(g4, o, work.avx4(i)));
                out.set_avx4(i, _mm_fmadd_ps(g4, h.avx4(i), o));
                i += 4;
            }
            while i < n {
                let o = out.get1(i);
                work.set1(i, g.mul_add(o, work.get1(i)));
                out.set1(i, g.mul_add(h.get1(i), o));
                i += 1;
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Arith for Fused {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

const LANES: usize = 16;

/// Dot product of `a` and `b[..a.len()]`.
#[inline(always)]
pub(crate) fn dot<A: Arith>(a: &(impl Lanes + ?Sized), b: &(impl Lanes + ?Sized)) -> f32 {
    A::dot(a, b)
}

/// `y += a * x`.
#[inline(always)]
pub(crate) fn axpy<A: Arith>(y: &mut (impl LanesMut + ?Sized), a: f32, x: &(impl Lanes + ?Sized)) {
    A::axpy(y, a, x)
}

/// The logistic function σ and `ln σ`.
pub(crate) trait Logistic: Sync {
    /// Whether targets with `|logit| >= MAX_EXP` are left without an update (gensim).
    const SKIP_SATURATED: bool = false;
    fn sigmoid(&self, x: f32) -> f32;
    /// `ln σ(x)`, i.e. minus the loss of predicting label 1 with logit `x`.
    fn log_sigmoid(&self, x: f32) -> f32;
}

/// Exact evaluation in `f32`.
pub(crate) struct ExactLogistic;
impl Logistic for ExactLogistic {
    #[inline(always)]
    fn sigmoid(&self, x: f32) -> f32 {
        1.0 / (1.0 + (-x).exp())
    }
    #[inline(always)]
    fn log_sigmoid(&self, x: f32) -> f32 {
        // ln σ(x) = -softplus(-x), computed without overflow.
        -((-x).max(0.0) + (-x.abs()).exp().ln_1p())
    }
}

/// Beyond ±`MAX_EXP` the table saturates (σ = 0 or 1), as in word2vec.c.
pub(crate) const MAX_EXP: f32 = 6.0;
const TABLE_SIZE: usize = 1024;

/// Tabulated σ and ln σ over `[-MAX_EXP, MAX_EXP]`, midpoints of 1024 cells.
pub(crate) struct TableLogistic {
    sig: Vec<f32>,
    logsig: Vec<f32>,
}

impl TableLogistic {
    pub(crate) fn new() -> Self {
        let cell = 2.0 * MAX_EXP as f64 / TABLE_SIZE as f64;
        let xs = (0..TABLE_SIZE).map(|i| (i as f64 + 0.5) * cell - MAX_EXP as f64);
        let sig = xs
            .clone()
            .map(|x| (1.0 / (1.0 + (-x).exp())) as f32)
            .collect();
        let logsig = xs
            .map(|x| (-((-x).max(0.0) + (-x.abs()).exp().ln_1p())) as f32)
            .collect();
        Self { sig, logsig }
    }

    #[inline(always)]
    fn index(x: f32) -> usize {
        let i = ((x + MAX_EXP) * (TABLE_SIZE as f32 / (2.0 * MAX_EXP))) as usize;
        i.min(TABLE_SIZE - 1)
    }
}

impl Logistic for TableLogistic {
    #[inline(always)]
    fn sigmoid(&self, x: f32) -> f32 {
        if x >= MAX_EXP {
            1.0
        } else if x <= -MAX_EXP {
            0.0
        } else {
            self.sig[Self::index(x)]
        }
    }
    #[inline(always)]
    fn log_sigmoid(&self, x: f32) -> f32 {
        if x >= MAX_EXP {
            0.0
        } else if x <= -MAX_EXP {
            x
        } else {
            self.logsig[Self::index(x)]
        }
    }
}

/// [`TableLogistic`] that skips saturated targets, as gensim does.
pub(crate) struct SkippingTable<'a>(pub &'a TableLogistic);

impl Logistic for SkippingTable<'_> {
    const SKIP_SATURATED: bool = true;
    #[inline(always)]
    fn sigmoid(&self, x: f32) -> f32 {
        self.0.sigmoid(x)
    }
    #[inline(always)]
    fn log_sigmoid(&self, x: f32) -> f32 {
        self.0.log_sigmoid(x)
    }
}

/// One target of an update: the output vector `out` of an artist is pulled towards (label 1)
/// or pushed away from (label 0) the input vector `h`.
///
/// Adds the gradient step for `h` into `work` (applied by the caller after all targets, as
/// word2vec does), updates `out` in place, and returns the loss `-ln σ(±h·out)` of this target
/// *before* the update and whether `out` was changed (with [`Logistic::SKIP_SATURATED`], a
/// target whose logit is beyond ±[`MAX_EXP`] is not updated). With `g = alpha · (label − σ(h·out))` the steps are
/// `Δh = g · out` and `Δout = g · h`: minus `alpha` times the gradient of the loss.
#[inline(always)]
pub(crate) fn sgns_target<A: Arith, L: Logistic>(
    logistic: &L,
    h: &[f32],
    work: &mut [f32],
    out: &mut (impl LanesMut + ?Sized),
    label: f32,
    alpha: f32,
) -> (f32, bool) {
    let f = dot::<A>(h, out);
    let loss = if label > 0.5 {
        -logistic.log_sigmoid(f)
    } else {
        -logistic.log_sigmoid(-f)
    };
    if L::SKIP_SATURATED && (f >= MAX_EXP || f <= -MAX_EXP) {
        return (loss, false);
    }
    let g = (label - logistic.sigmoid(f)) * alpha;
    A::update(work, out, g, h);
    (loss, true)
}

/// SplitMix64: small, fast and good enough for sampling; every stream is seeded explicitly.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    #[cfg(test)]
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator for one purpose (`stream`) derived from a seed.
    pub(crate) fn derived(seed: u64, stream: u64) -> Self {
        let mut r = Self(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    #[inline(always)]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[inline(always)]
    pub(crate) fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; bias below 2⁻³² · n, irrelevant here).
    #[inline(always)]
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next_u32() as u64 * n as u64) >> 32) as usize
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Fisher–Yates shuffle.
    #[inline(always)]
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// One cell of Walker's alias table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AliasCell {
    /// Keep `item` when a uniform `u32` is below this.
    threshold: u32,
    item: u32,
    alias: u32,
}

/// Negative sampling in O(1) per draw from `count^exponent` (Walker/Vose alias method): exact
/// probabilities, 12 bytes per artist, instead of word2vec's 10⁸-entry table.
#[derive(Debug, Clone)]
pub(crate) struct AliasTable {
    cells: Vec<AliasCell>,
}

impl AliasTable {
    /// A table over `(item, weight)` pairs; weights must be positive and finite.
    pub(crate) fn new(items: &[(u32, f64)]) -> Self {
        let n = items.len();
        let total: f64 = items.iter().map(|p| p.1).sum();
        let mut scaled: Vec<f64> = items.iter().map(|p| p.1 * n as f64 / total).collect();
        let mut alias: Vec<u32> = items.iter().map(|p| p.0).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, &s) in scaled.iter().enumerate() {
            if s < 1.0 {
                small.push(i)
            } else {
                large.push(i)
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s] = items[l].0;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers (rounding) keep themselves with probability 1.
        for i in small.into_iter().chain(large) {
            scaled[i] = 1.0;
        }
        let cells = items
            .iter()
            .zip(scaled)
            .zip(alias)
            .map(|((p, s), a)| AliasCell {
                threshold: if s >= 1.0 {
                    u32::MAX
                } else {
                    (s * 4_294_967_296.0) as u32
                },
                item: p.0,
                alias: a,
            })
            .collect();
        Self { cells }
    }

    /// One draw, from a uniform random word `r`.
    #[inline(always)]
    pub(crate) fn pick(&self, r: u64) -> u32 {
        let c = &self.cells[self.cell(r)];
        if (r as u32) < c.threshold || c.threshold == u32::MAX {
            c.item
        } else {
            c.alias
        }
    }

    /// The cell a random word `r` looks at.
    #[inline(always)]
    fn cell(&self, r: u64) -> usize {
        (((r >> 32) * self.cells.len() as u64) >> 32) as usize
    }

    /// Asks for the cell that [`pick`](Self::pick)`(r)` will read to be brought into cache.
    #[inline(always)]
    pub(crate) fn prefetch(&self, r: u64) {
        prefetch_bytes(
            self.cells.as_ptr().wrapping_add(self.cell(r)).cast(),
            size_of::<AliasCell>(),
        );
    }

    /// One draw.
    #[cfg(test)]
    pub(crate) fn sample(&self, rng: &mut Rng) -> u32 {
        self.pick(rng.next_u64())
    }
}

/// Asks the CPU to bring the cache lines of `bytes` bytes from `ptr` into L1 (a hint: it never
/// faults, whatever the address; a no-op where there is no prefetch instruction).
#[inline(always)]
pub(crate) fn prefetch_bytes(ptr: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        if bytes == 0 {
            return;
        }
        // One address per 64-byte step plus the last byte reaches every line of the range.
        let mut off = 0;
        while off < bytes {
            // SAFETY: SSE is part of x86-64; a prefetch reads nothing and never faults.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.wrapping_add(off).cast()) };
            off += 64;
        }
        // SAFETY: as above.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.wrapping_add(bytes - 1).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (ptr, bytes);
}

/// Size of the ring of [`NegativeQueue`] (a power of two, more than `2 * AHEAD`).
const RING: usize = 32;

/// Negative samples drawn ahead of their use, so that the memory they will touch can be
/// prefetched: a draw's random word is made `2 · AHEAD` draws before its use (and its alias
/// cell prefetched), resolved to an artist `AHEAD` draws before its use (and the artist's row
/// prefetched by the caller).
///
/// The queue has its own random stream and hands out draws strictly in order, so the sequence
/// of negatives, and with it the training result, does not depend on `AHEAD`.
#[derive(Debug, Clone)]
pub(crate) struct NegativeQueue {
    rng: Rng,
    raw: [u64; RING],
    items: [u32; RING],
    next: usize,
}

impl NegativeQueue {
    /// Draws between resolving a negative and using it: at 5 negatives per pair about one and a
    /// half pairs of work, enough to hide a miss to memory. (Measured on the 30Music-like
    /// corpus, AMD EPYC: 6–8 is best; 3 leaves misses exposed, 12–24 keeps so many rows in
    /// flight that the prefetches wait for miss buffers.)
    pub(crate) const AHEAD: usize = 8;

    /// A queue drawing from `table` with its own stream `rng`; `prefetch` is called with the
    /// first `AHEAD` artists.
    pub(crate) fn new(mut rng: Rng, table: &AliasTable, mut prefetch: impl FnMut(u32)) -> Self {
        let mut raw = [0u64; RING];
        let mut items = [0u32; RING];
        for p in 0..2 * Self::AHEAD {
            raw[p] = rng.next_u64();
        }
        for p in 0..Self::AHEAD {
            items[p] = table.pick(raw[p]);
            prefetch(items[p]);
        }
        Self {
            rng,
            raw,
            items,
            next: 0,
        }
    }

    /// The next negative. Resolves the draw `AHEAD` places later (calling `prefetch` with its
    /// artist) and makes the random word of the draw `2 · AHEAD` places later.
    #[inline(always)]
    pub(crate) fn pop(&mut self, table: &AliasTable, prefetch: impl FnOnce(u32)) -> u32 {
        const { assert!(RING.is_power_of_two() && 2 * NegativeQueue::AHEAD < RING) };
        let k = self.next;
        self.next = k.wrapping_add(1);
        let resolve = k.wrapping_add(Self::AHEAD) % RING;
        let item = table.pick(self.raw[resolve]);
        self.items[resolve] = item;
        prefetch(item);
        let r = self.rng.next_u64();
        self.raw[k.wrapping_add(2 * Self::AHEAD) % RING] = r;
        table.prefetch(r);
        self.items[k % RING]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Whether this CPU can run [`Fused`] (its intrinsics need AVX and FMA).
    pub(crate) fn fused_available() -> bool {
        #[cfg(target_arch = "x86_64")]
        return artist2vec_core::cpu::has_avx_fma();
        #[cfg(not(target_arch = "x86_64"))]
        true
    }

    #[test]
    fn dot_and_axpy_match_naive_for_all_lengths() {
        let mut rng = Rng::new(3);
        for n in [
            0, 1, 3, 4, 5, 7, 8, 12, 15, 16, 17, 31, 32, 33, 36, 64, 100, 103,
        ] {
            let a: Vec<f32> = (0..n).map(|_| rng.unit_f32() - 0.5).collect();
            let b: Vec<f32> = (0..n).map(|_| rng.unit_f32() - 0.5).collect();
            let naive: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!(
                (dot::<Plain>(&a[..], &b[..]) as f64 - naive).abs() < 1e-5,
                "{n}"
            );
            let mut y = b.clone();
            axpy::<Plain>(&mut y[..], 0.5, &a[..]);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-6);
            }
            if fused_available() {
                assert!(
                    (dot::<Fused>(&a[..], &b[..]) as f64 - naive).abs() < 1e-5,
                    "{n}"
                );
                let mut y = b.clone();
                axpy::<Fused>(&mut y[..], 0.5, &a[..]);
                for i in 0..n {
                    assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-6, "{n} {i}");
                }
            }
        }
    }

    #[test]
    fn table_logistic_is_close_to_exact() {
        let t = TableLogistic::new();
        let e = ExactLogistic;
        let mut x = -8.0f32;
        while x < 8.0 {
            assert!((t.sigmoid(x) - e.sigmoid(x)).abs() < 3e-3, "{x}");
            // ln σ saturates to x below -6 and to 0 above 6: error ≤ ln(1+e^-6) ≈ 2.5e-3.
            assert!((t.log_sigmoid(x) - e.log_sigmoid(x)).abs() < 6e-3, "{x}");
            x += 0.01;
        }
        assert_eq!(e.log_sigmoid(-100.0), -100.0);
        assert!(e.log_sigmoid(100.0).abs() < 1e-30);
    }

    #[test]
    fn alias_table_draws_in_proportion() {
        let items = [(10u32, 1.0), (20, 2.0), (30, 7.0), (40, 0.5)];
        let t = AliasTable::new(&items);
        let mut rng = Rng::new(11);
        let mut hist = std::collections::HashMap::new();
        let n = 400_000;
        for _ in 0..n {
            *hist.entry(t.sample(&mut rng)).or_insert(0usize) += 1;
        }
        let total: f64 = items.iter().map(|p| p.1).sum();
        for (item, w) in items {
            let got = hist[&item] as f64 / n as f64;
            let want = w / total;
            // Binomial standard error ≤ 0.0008; allow five of them.
            assert!((got - want).abs() < 0.004, "{item}: {got} vs {want}");
        }
        assert_eq!(hist.len(), 4);
    }

    #[test]
    fn negative_queue_hands_out_the_stream_of_its_generator_in_order() {
        let items: Vec<(u32, f64)> = (0..50u32).map(|i| (i * 3, 1.0 + i as f64)).collect();
        let t = AliasTable::new(&items);
        let mut prefetched = Vec::new();
        let mut q = NegativeQueue::new(Rng::new(5), &t, |a| prefetched.push(a));
        let mut direct = Rng::new(5);
        let want: Vec<u32> = (0..1000).map(|_| t.sample(&mut direct)).collect();
        let got: Vec<u32> = (0..1000)
            .map(|_| q.pop(&t, |a| prefetched.push(a)))
            .collect();
        assert_eq!(got, want);
        // Every artist is announced AHEAD draws before it is handed out.
        assert_eq!(&prefetched[..1000], &want[..]);
        assert_eq!(prefetched.len(), 1000 + NegativeQueue::AHEAD);
        // Prefetching any address is harmless.
        prefetch_bytes(std::ptr::null(), 1000);
        prefetch_bytes(usize::MAX as *const u8, 64);
    }

    #[test]
    fn rng_streams_differ_and_shuffle_is_a_permutation() {
        let mut a = Rng::derived(1, 0);
        let mut b = Rng::derived(1, 1);
        assert_ne!(a.next_u64(), b.next_u64());
        let mut v: Vec<u32> = (0..100).collect();
        a.shuffle(&mut v);
        assert_ne!(v, (0..100).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..100).collect::<Vec<_>>());
        for _ in 0..1000 {
            assert!(a.below(7) < 7);
            let u = a.unit_f32();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
