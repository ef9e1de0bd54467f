//! The hot loop: one skip-gram-with-negative-sampling update, written so that the compiler
//! vectorises it (fixed-width accumulators, slices of equal length, no allocation), plus the
//! random-number generator, the logistic function and the negative-sampling table it uses.
//!
//! Everything here is `#[inline(always)]` so that it is compiled once per instruction set:
//! a portable build (SSE2 on x86-64) and, where the CPU has them, an AVX + FMA build selected
//! at run time.

/// `a * b + c`, fused or not.
pub(crate) trait Arith {
    fn madd(a: f32, b: f32, c: f32) -> f32;
}

/// Separate multiply and add: what every x86-64 CPU has.
pub(crate) struct Plain;
impl Arith for Plain {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

/// Fused multiply-add; only used inside functions compiled with the `fma` target feature
/// (elsewhere `mul_add` would be a slow library call).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Fused;
impl Arith for Fused {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

const LANES: usize = 16;

/// Dot product with 16 independent accumulators (two AVX registers, four SSE registers).
#[inline(always)]
pub(crate) fn dot<A: Arith>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len();
    let b = &b[..n];
    let mut acc = [0f32; LANES];
    let (ac, at) = a.split_at(n / LANES * LANES);
    let (bc, bt) = b.split_at(n / LANES * LANES);
    for (x, y) in ac.chunks_exact(LANES).zip(bc.chunks_exact(LANES)) {
        for j in 0..LANES {
            acc[j] = A::madd(x[j], y[j], acc[j]);
        }
    }
    let mut tail = 0f32;
    for (x, y) in at.iter().zip(bt) {
        tail = A::madd(*x, *y, tail);
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

/// `y += a * x`.
#[inline(always)]
pub(crate) fn axpy<A: Arith>(y: &mut [f32], a: f32, x: &[f32]) {
    let x = &x[..y.len()];
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = A::madd(a, *xi, *yi);
    }
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
/// *before* the update (with [`Logistic::SKIP_SATURATED`], a target whose logit is beyond
/// ±[`MAX_EXP`] is not updated). With `g = alpha · (label − σ(h·out))` the steps are
/// `Δh = g · out` and `Δout = g · h`: minus `alpha` times the gradient of the loss.
#[inline(always)]
pub(crate) fn sgns_target<A: Arith, L: Logistic>(
    logistic: &L,
    h: &[f32],
    work: &mut [f32],
    out: &mut [f32],
    label: f32,
    alpha: f32,
) -> f32 {
    let f = dot::<A>(h, out);
    let loss = if label > 0.5 {
        -logistic.log_sigmoid(f)
    } else {
        -logistic.log_sigmoid(-f)
    };
    if L::SKIP_SATURATED && (f >= MAX_EXP || f <= -MAX_EXP) {
        return loss;
    }
    let g = (label - logistic.sigmoid(f)) * alpha;
    axpy::<A>(work, g, out);
    axpy::<A>(out, g, h);
    loss
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

    #[inline(always)]
    pub(crate) fn sample(&self, rng: &mut Rng) -> u32 {
        let r = rng.next_u64();
        let i = (((r >> 32) * self.cells.len() as u64) >> 32) as usize;
        let c = &self.cells[i];
        if (r as u32) < c.threshold || c.threshold == u32::MAX {
            c.item
        } else {
            c.alias
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_axpy_match_naive_for_all_lengths() {
        let mut rng = Rng::new(3);
        for n in [0, 1, 7, 15, 16, 17, 33, 64, 100] {
            let a: Vec<f32> = (0..n).map(|_| rng.unit_f32() - 0.5).collect();
            let b: Vec<f32> = (0..n).map(|_| rng.unit_f32() - 0.5).collect();
            let naive: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!((dot::<Plain>(&a, &b) as f64 - naive).abs() < 1e-5, "{n}");
            assert!((dot::<Fused>(&a, &b) as f64 - naive).abs() < 1e-5, "{n}");
            let mut y = b.clone();
            axpy::<Plain>(&mut y, 0.5, &a);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() < 1e-6);
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
