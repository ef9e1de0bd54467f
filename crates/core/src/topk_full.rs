//! Full-catalogue top-k by dot product: score every artist for every user, drop each user's
//! seen artists, keep the best `k` — the serving path of every factor model, of skip-gram and of
//! the metrics crate's `full_catalogue_top_k`.
//!
//! The scores are never stored: a register tile of users × artists is computed by a
//! SIMD-friendly kernel and pushed straight into small per-user heaps, so memory stays
//! `O(user_block × (dim + k))` per thread on top of one packed copy of the artist matrix and the
//! output. Users are processed in blocks in parallel with rayon; within a block, artists are
//! visited in blocks of `item_block` (kept in L2) and, for each tile of users, in panels of 16
//! artists (kept in L1).
//!
//! # Summation order
//!
//! Every score — of the blocked kernel and of [`dot_scores`], which scores one vector against a
//! row-major table — is computed in one fixed order, the *8-lane order*: with `f8` the dimension
//! rounded down to a multiple of 8, lane `l` (0..8) sums `x[t]·y[t]` over `t = l, l + 8, … < f8`
//! in that order; the lanes are reduced as `((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7))`;
//! then the remaining dimensions `f8..dim` are added in order. On x86-64 CPUs with AVX2 and FMA
//! ([`cpu::has_avx2_fma`]) every multiply-add is fused, elsewhere none
//! is. So on one machine the blocked top-k of a model returns exactly what scoring each user with
//! [`dot_scores`] and selecting with [`top_k`](crate::topk::top_k) returns — whatever the block
//! sizes or the number of threads — and ties are broken the same way (lower artist id first,
//! `f32::total_cmp` order).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::topk::{Neighbor, better};
use crate::{CoreError, cpu};

/// Artists per panel (one register tile is `MR` users × `NR` artists).
const NR: usize = 16;

/// Users per register tile with AVX2: 6 × 2 accumulators of 8 lanes, 2 loads and a broadcast
/// fill the 16 registers.
#[cfg(target_arch = "x86_64")]
const AVX2_MR: usize = 6;

/// Users per register tile without AVX2: SSE2 has 16 registers of 4 lanes, so 2 × 16
/// accumulators fit; other targets (NEON: 32 registers) take 4.
#[cfg(target_arch = "x86_64")]
const FALLBACK_MR: usize = 2;
#[cfg(not(target_arch = "x86_64"))]
const FALLBACK_MR: usize = 4;

/// `a * b + c`, fused when `FMA`.
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// The reduction of the eight lanes.
#[inline(always)]
fn reduce(p: [f32; 8]) -> f32 {
    ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]))
}

/// The dot product of `x` and `y` (same length) in the 8-lane order.
#[inline(always)]
fn dot_lanes<const FMA: bool>(x: &[f32], y: &[f32]) -> f32 {
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    let mut p = [0f32; 8];
    for (a, b) in xc.zip(yc) {
        for l in 0..8 {
            p[l] = madd::<FMA>(a[l], b[l], p[l]);
        }
    }
    let mut s = reduce(p);
    for (&a, &b) in xr.iter().zip(yr) {
        s = madd::<FMA>(a, b, s);
    }
    s
}

#[inline(always)]
fn dot_scores_generic<const FMA: bool>(x: &[f32], rows: &[f32], out: &mut [f32]) {
    for (o, r) in out.iter_mut().zip(rows.chunks_exact(x.len())) {
        *o = dot_lanes::<FMA>(x, r);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_scores_avx2(x: &[f32], rows: &[f32], out: &mut [f32]) {
    dot_scores_generic::<true>(x, rows, out);
}

/// `out[j] = x · rows[j]` for every row `j` of the row-major table `rows`
/// (`rows.len() == out.len() * x.len()`), in the 8-lane order of this module: the scores of one
/// user, bit for bit what the blocked top-k computes.
///
/// # Panics
/// When the lengths do not fit.
pub fn dot_scores(x: &[f32], rows: &[f32], out: &mut [f32]) {
    assert_eq!(
        rows.len(),
        out.len() * x.len(),
        "dot_scores: {} table values for {} rows of dimension {}",
        rows.len(),
        out.len(),
        x.len()
    );
    if x.is_empty() {
        out.fill(0.0);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if cpu::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA, just checked.
        unsafe { dot_scores_avx2(x, rows, out) };
        return;
    }
    dot_scores_generic::<false>(x, rows, out);
}

/// The dimension stored at position `t` of the packed (8-lane) order: lane `l`'s dimensions
/// `l, l + 8, …` one after the other, lane after lane, then the remaining dimensions in order.
#[inline]
fn source_dim(t: usize, dim: usize) -> usize {
    let q = dim / 8;
    if t < 8 * q { 8 * (t % q) + t / q } else { t }
}

/// An artist matrix packed for the blocked kernel: panels of 16 artists, dimensions in the
/// 8-lane order inside a panel, zero-padded; optionally a set of *masked* artists whose score is
/// a constant (NaN: never recommended; `-inf`: ranked last).
#[derive(Debug, Clone)]
pub struct PackedItems {
    dim: usize,
    n_items: usize,
    /// `panels[(p * dim + t) * NR + c]` = dimension `source_dim(t)` of artist `p * NR + c`.
    panels: Vec<f32>,
    /// Per panel, a bit per masked artist; empty without a mask.
    masked: Vec<u16>,
    mask_score: f32,
}

impl PackedItems {
    /// Packs the row-major `n_items × dim` matrix `items`.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `dim == 0`, `items.len()` is not a multiple of `dim`, or the
    /// artists do not fit `u32` ids.
    pub fn new(items: &[f32], dim: usize) -> Result<Self, CoreError> {
        if dim == 0 {
            return Err(CoreError::Shape(
                "vectors need at least one dimension".into(),
            ));
        }
        if items.len() % dim != 0 {
            return Err(CoreError::Shape(format!(
                "artist matrix has {} values, not a multiple of dim {dim}",
                items.len()
            )));
        }
        let n_items = items.len() / dim;
        if u32::try_from(n_items).is_err() {
            return Err(CoreError::Shape(format!(
                "{n_items} artists do not fit u32 ids"
            )));
        }
        let mut panels = vec![0.0f32; n_items.div_ceil(NR) * NR * dim];
        panels
            .par_chunks_mut(NR * dim)
            .enumerate()
            .for_each(|(p, panel)| {
                for c in 0..NR.min(n_items - p * NR) {
                    let row = &items[(p * NR + c) * dim..][..dim];
                    for t in 0..dim {
                        panel[t * NR + c] = row[source_dim(t, dim)];
                    }
                }
            });
        Ok(PackedItems {
            dim,
            n_items,
            panels,
            masked: Vec::new(),
            mask_score: f32::NAN,
        })
    }

    /// Gives the artists of `items` the constant score `score` for every user: with NaN they
    /// are never recommended, with `-inf` they come after every finite score.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an artist that is not a row of the matrix.
    pub fn with_masked(mut self, items: &[u32], score: f32) -> Result<Self, CoreError> {
        let mut masked = vec![0u16; self.n_items.div_ceil(NR)];
        for &i in items {
            if i as usize >= self.n_items {
                return Err(CoreError::IndexOutOfRange {
                    kind: "artist",
                    index: i as usize,
                    len: self.n_items,
                });
            }
            masked[i as usize / NR] |= 1 << (i as usize % NR);
        }
        self.masked = if masked.iter().any(|&m| m != 0) {
            masked
        } else {
            Vec::new()
        };
        self.mask_score = score;
        Ok(self)
    }

    /// Number of artists.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }
}

/// Block sizes and list length of the blocked top-k.
///
/// ```
/// use artist2vec_core::topk_full::TopKConfig;
/// let c = TopKConfig::new(10).with_user_block(128);
/// assert_eq!((c.k, c.user_block, c.item_block), (10, 128, TopKConfig::DEFAULT_ITEM_BLOCK));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopKConfig {
    /// Artists kept per user.
    pub k: usize,
    /// Users per parallel task (default [`Self::DEFAULT_USER_BLOCK`]); bounds the per-thread
    /// working set to `user_block × (dim + 2k)` values. Lowered for a `k` so large that a
    /// block's lists would exceed 4 M entries.
    pub user_block: usize,
    /// Artists per cache block (default [`Self::DEFAULT_ITEM_BLOCK`]); `item_block × dim`
    /// floats should fit in L2.
    pub item_block: usize,
}

impl TopKConfig {
    /// Default users per task.
    pub const DEFAULT_USER_BLOCK: usize = 192;
    /// Default artists per cache block.
    pub const DEFAULT_ITEM_BLOCK: usize = 1024;

    /// Keep `k` artists per user; default block sizes.
    pub fn new(k: usize) -> Self {
        TopKConfig {
            k,
            user_block: Self::DEFAULT_USER_BLOCK,
            item_block: Self::DEFAULT_ITEM_BLOCK,
        }
    }

    /// Sets the users per parallel task.
    pub fn with_user_block(mut self, user_block: usize) -> Self {
        self.user_block = user_block;
        self
    }

    /// Sets the artists per cache block.
    pub fn with_item_block(mut self, item_block: usize) -> Self {
        self.item_block = item_block;
        self
    }

    /// Checks the block sizes (`k = 0` is allowed: empty lists).
    ///
    /// # Errors
    /// [`CoreError::Invalid`] naming a block size of 0.
    pub fn validate(&self) -> Result<(), CoreError> {
        for (name, v) in [
            ("user_block", self.user_block),
            ("item_block", self.item_block),
        ] {
            if v == 0 {
                return Err(CoreError::Invalid(format!(
                    "{name} is 0; a block holds at least one row"
                )));
            }
        }
        Ok(())
    }
}

/// What the blocked top-k does with a NaN score (a dot product of finite vectors that overflows
/// to `inf - inf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanScores {
    /// Leave the artist out of the list, as [`top_k`](crate::topk::top_k) does.
    Skip,
    /// Fail with [`CoreError::Invalid`] naming the user and artist.
    Error,
}

/// Top-k lists of all users: user `u`'s list is [`get(u)`](Self::get), best first; it is
/// shorter than `k` when fewer than `k` artists are unseen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopKLists {
    offsets: Vec<usize>,
    entries: Vec<Neighbor>,
}

impl TopKLists {
    /// The number of users.
    pub fn num_users(&self) -> usize {
        self.offsets.len() - 1
    }

    /// User `user`'s list, best first.
    ///
    /// # Panics
    /// If `user >= self.num_users()`.
    pub fn get(&self, user: usize) -> &[Neighbor] {
        &self.entries[self.offsets[user]..self.offsets[user + 1]]
    }

    /// All lists, in user order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[Neighbor]> + '_ {
        self.offsets.windows(2).map(|w| &self.entries[w[0]..w[1]])
    }

    /// User `user`'s artists only, best first.
    ///
    /// # Panics
    /// If `user >= self.num_users()`.
    pub fn items(&self, user: usize) -> Vec<u32> {
        self.get(user).iter().map(|n| n.item).collect()
    }

    /// One vector per user, in user order.
    pub fn into_vecs(self) -> Vec<Vec<Neighbor>> {
        self.iter().map(<[Neighbor]>::to_vec).collect()
    }
}

/// The `k` best unseen artists of `n_users` users by dot product with the artists of `items`,
/// best first, computed in parallel blocks of users.
///
/// `vector(u, out)` writes user `u`'s vector (`items.dim()` values) into `out`; it is called
/// once per user, from the worker that scores the user's block (so it may be costly: a fold-in,
/// a profile). `seen(u)` lists the artists to leave out for user `u`, sorted ascending. Scores
/// are in the 8-lane order (module docs); ties put the lower artist id first. A list is shorter
/// than `k` when fewer artists are left; masked artists with a NaN score and NaN scores under
/// [`NanScores::Skip`] are never listed.
///
/// # Errors
/// [`CoreError::Invalid`] for a block size of 0, or a NaN score under [`NanScores::Error`];
/// the first error `vector` returns.
pub fn top_k_dot<'s, V, S>(
    items: &PackedItems,
    n_users: usize,
    vector: V,
    seen: S,
    config: &TopKConfig,
    nan: NanScores,
) -> Result<TopKLists, CoreError>
where
    V: Fn(usize, &mut [f32]) -> Result<(), CoreError> + Sync,
    S: Fn(usize) -> &'s [u32] + Sync,
{
    config.validate()?;
    let ctx = Ctx {
        items,
        // No list is longer than the catalogue: keeps the heaps small for a huge `k`.
        k: config.k.min(items.n_items),
        item_block_panels: config.item_block.div_ceil(NR),
        nan,
    };
    // A huge `k` shrinks the blocks so that one block's heaps stay within HEAP_BUDGET entries
    // (results do not depend on block sizes).
    let ub = config.user_block.min((HEAP_BUDGET / ctx.k.max(1)).max(1));
    let dim = items.dim;
    let blocks: Vec<BlockLists> = (0..n_users.div_ceil(ub))
        .into_par_iter()
        .map(|b| {
            let first = b * ub;
            let rows = ub.min(n_users - first);
            let mut block = vec![0.0f32; rows * dim];
            for (r, out) in block.chunks_exact_mut(dim).enumerate() {
                vector(first + r, out)?;
            }
            let seen: Vec<&[u32]> = (first..first + rows).map(&seen).collect();
            ctx.run_block(first, &block, &seen)
        })
        .collect::<Result<_, CoreError>>()?;

    let mut offsets = Vec::with_capacity(n_users + 1);
    offsets.push(0);
    let mut entries = Vec::with_capacity(blocks.iter().map(|b| b.1.len()).sum());
    for (lens, lists) in blocks {
        for len in lens {
            offsets.push(offsets[offsets.len() - 1] + len);
        }
        entries.extend_from_slice(&lists);
    }
    debug_assert_eq!(offsets.len(), n_users + 1);
    Ok(TopKLists { offsets, entries })
}

/// Most heap entries one block of users may hold (32 MiB of entries).
const HEAP_BUDGET: usize = 1 << 22;

/// Per-user list lengths and the concatenated lists of one block of users.
type BlockLists = (Vec<usize>, Vec<Neighbor>);

struct Ctx<'a> {
    items: &'a PackedItems,
    k: usize,
    item_block_panels: usize,
    nan: NanScores,
}

/// The fast filter: whether `score` deserves a look by the heap of a row whose threshold is
/// `thr`. True unless `score < thr` — an equal score may win its tie on the artist id — and
/// also when either is NaN: a NaN threshold marks a heap that is not full yet (everything gets
/// in), a NaN score must reach the heap to be skipped or reported.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the NaN behaviour is the point
fn passes(score: f32, thr: f32) -> bool {
    !(score < thr)
}

/// Per-block bounded heaps: for block row `r`, `heap[r*k .. r*k + len[r]]` is a binary heap
/// whose root is the worst kept entry; `thr[r]` is that root's score once the heap is full and
/// NaN before, so that [`passes`] lets through exactly the scores worth a look.
struct Heaps {
    k: usize,
    heap: Vec<Neighbor>,
    len: Vec<usize>,
    thr: Vec<f32>,
}

impl Heaps {
    fn new(rows: usize, k: usize) -> Self {
        Heaps {
            k,
            heap: vec![
                Neighbor {
                    item: 0,
                    score: 0.0
                };
                rows * k
            ],
            len: vec![0; rows],
            thr: vec![f32::NAN; rows],
        }
    }

    /// Offers `item` with `score` to row `r` (`k > 0`) unless it is in `seen`; returns false if
    /// the score is NaN (nothing is kept).
    #[inline(never)]
    fn offer(&mut self, r: usize, item: u32, score: f32, seen: &[u32]) -> bool {
        if score.is_nan() {
            return false;
        }
        let k = self.k;
        let len = self.len[r];
        let heap = &mut self.heap[r * k..(r + 1) * k];
        let cand = Neighbor { item, score };
        if len == k && !better(&cand, &heap[0]) {
            return true;
        }
        if seen.binary_search(&item).is_ok() {
            return true;
        }
        if len < k {
            // Sift up: a parent is never better than its children.
            let mut i = len;
            heap[i] = cand;
            while i > 0 {
                let parent = (i - 1) / 2;
                if better(&heap[parent], &heap[i]) {
                    heap.swap(parent, i);
                    i = parent;
                } else {
                    break;
                }
            }
            self.len[r] = len + 1;
            if len + 1 == k {
                self.thr[r] = heap[0].score;
            }
        } else {
            heap[0] = cand;
            let mut i = 0;
            loop {
                let (l, rr) = (2 * i + 1, 2 * i + 2);
                let mut worst = i;
                if l < k && better(&heap[worst], &heap[l]) {
                    worst = l;
                }
                if rr < k && better(&heap[worst], &heap[rr]) {
                    worst = rr;
                }
                if worst == i {
                    break;
                }
                heap.swap(i, worst);
                i = worst;
            }
            self.thr[r] = heap[0].score;
        }
        true
    }

    /// Row `r`'s list, best first.
    fn sorted(&mut self, r: usize) -> &[Neighbor] {
        let list = &mut self.heap[r * self.k..r * self.k + self.len[r]];
        // `better` is a strict total order on the kept entries (no NaN; distinct artists).
        list.sort_unstable_by(|a, b| {
            if better(a, b) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        list
    }
}

/// One lane's chain of the register-tile kernel: the `q` packed dimensions of lane `l`.
#[inline(always)]
fn lane<const MR: usize, const FMA: bool>(
    u: &[f32],
    p: &[f32],
    q: usize,
    l: usize,
) -> [[f32; NR]; MR] {
    let mut acc = [[0.0f32; NR]; MR];
    // Exact chunks (rather than indexing) leave no bounds checks in the loop, so LLVM keeps
    // all MR × NR accumulators in registers: with MR = 6 and AVX2 the loop is 6 broadcasts,
    // 2 loads and 12 FMAs.
    for (pv, uv) in p[l * q * NR..(l + 1) * q * NR]
        .chunks_exact(NR)
        .zip(u[l * q * MR..(l + 1) * q * MR].chunks_exact(MR))
    {
        let pv: &[f32; NR] = pv.try_into().expect("chunk of NR");
        let uv: &[f32; MR] = uv.try_into().expect("chunk of MR");
        for r in 0..MR {
            for c in 0..NR {
                acc[r][c] = madd::<FMA>(uv[r], pv[c], acc[r][c]);
            }
        }
    }
    acc
}

/// `a += b` element-wise.
#[inline(always)]
fn add_to<const MR: usize>(a: &mut [[f32; NR]; MR], b: &[[f32; NR]; MR]) {
    for r in 0..MR {
        for c in 0..NR {
            a[r][c] += b[r][c];
        }
    }
}

/// The register-tile kernel: `MR` users (packed `[t][MR]`) × one panel of `NR` artists (packed
/// `[t][NR]`), both in the 8-lane order.
#[inline(always)]
fn kernel<const MR: usize, const FMA: bool>(u: &[f32], p: &[f32], dim: usize) -> [[f32; NR]; MR] {
    let q = dim / 8;
    // The reduction ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)), lane by lane, so that
    // few tiles are live at a time.
    let mut u0 = lane::<MR, FMA>(u, p, q, 0);
    add_to(&mut u0, &lane::<MR, FMA>(u, p, q, 4));
    let mut t = lane::<MR, FMA>(u, p, q, 2);
    add_to(&mut t, &lane::<MR, FMA>(u, p, q, 6));
    add_to(&mut u0, &t);
    let mut acc = lane::<MR, FMA>(u, p, q, 1);
    add_to(&mut acc, &lane::<MR, FMA>(u, p, q, 5));
    let mut t = lane::<MR, FMA>(u, p, q, 3);
    add_to(&mut t, &lane::<MR, FMA>(u, p, q, 7));
    add_to(&mut acc, &t);
    // u0 + u1 (addition commutes bit for bit).
    add_to(&mut acc, &u0);
    for (pv, uv) in p[8 * q * NR..dim * NR]
        .chunks_exact(NR)
        .zip(u[8 * q * MR..dim * MR].chunks_exact(MR))
    {
        for r in 0..MR {
            for c in 0..NR {
                acc[r][c] = madd::<FMA>(uv[r], pv[c], acc[r][c]);
            }
        }
    }
    acc
}

impl Ctx<'_> {
    /// Top-k of one block of users starting at `first_user` (their vectors row-major in
    /// `block`, their seen lists in `seen`): the list length of every user of the block, and
    /// the lists (best first) one after the other.
    fn run_block(
        &self,
        first_user: usize,
        block: &[f32],
        seen: &[&[u32]],
    ) -> Result<BlockLists, CoreError> {
        #[cfg(target_arch = "x86_64")]
        if cpu::has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { self.run_block_avx2(first_user, block, seen) };
        }
        self.run_block_generic::<FALLBACK_MR, false>(first_user, block, seen)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_block_avx2(
        &self,
        first_user: usize,
        block: &[f32],
        seen: &[&[u32]],
    ) -> Result<BlockLists, CoreError> {
        self.run_block_generic::<AVX2_MR, true>(first_user, block, seen)
    }

    #[inline(always)]
    fn run_block_generic<const MR: usize, const FMA: bool>(
        &self,
        first_user: usize,
        block: &[f32],
        seen: &[&[u32]],
    ) -> Result<BlockLists, CoreError> {
        let items = self.items;
        let dim = items.dim;
        let rows = block.len() / dim;
        let mut heaps = Heaps::new(rows, self.k);
        if self.k > 0 {
            self.scan::<MR, FMA>(first_user, block, seen, &mut heaps)?;
        }
        let mut out = Vec::with_capacity(rows * self.k);
        let mut lens = Vec::with_capacity(rows);
        for r in 0..rows {
            let list = heaps.sorted(r);
            lens.push(list.len());
            out.extend_from_slice(list);
        }
        Ok((lens, out))
    }

    /// Offers every unmasked score of the block's users to their heaps.
    #[inline(always)]
    fn scan<const MR: usize, const FMA: bool>(
        &self,
        first_user: usize,
        block: &[f32],
        seen: &[&[u32]],
        heaps: &mut Heaps,
    ) -> Result<(), CoreError> {
        let items = self.items;
        let (dim, n_items) = (items.dim, items.n_items);
        let rows = block.len() / dim;
        let n_tiles = rows.div_ceil(MR);
        // Pack the block's users tile by tile in the 8-lane order: upack[(tile*dim + t)*MR + r].
        let mut upack = vec![0.0f32; n_tiles * dim * MR];
        for (u, row) in block.chunks_exact(dim).enumerate() {
            let (tile, r) = (u / MR, u % MR);
            for t in 0..dim {
                upack[(tile * dim + t) * MR + r] = row[source_dim(t, dim)];
            }
        }
        let nan_error = |row: usize, item: usize| {
            CoreError::Invalid(format!(
                "user {} item {item} scores NaN (overflow in the dot product)",
                first_user + row
            ))
        };
        let n_panels = n_items.div_ceil(NR);
        let mut p0 = 0;
        while p0 < n_panels {
            let p1 = (p0 + self.item_block_panels).min(n_panels);
            for tile in 0..n_tiles {
                let up = &upack[tile * dim * MR..(tile + 1) * dim * MR];
                let valid_rows = MR.min(rows - tile * MR);
                for p in p0..p1 {
                    let panel = &items.panels[p * dim * NR..(p + 1) * dim * NR];
                    let acc = kernel::<MR, FMA>(up, panel, dim);
                    let base = p * NR;
                    let width = NR.min(n_items - base);
                    let mask = items.masked.get(p).copied().unwrap_or(0);
                    for (r, scores) in acc.iter().enumerate().take(valid_rows) {
                        let row = tile * MR + r;
                        if mask == 0 {
                            let thr = heaps.thr[row];
                            let mut pass = false;
                            for &s in scores {
                                pass |= passes(s, thr);
                            }
                            if !pass {
                                continue;
                            }
                        }
                        for (c, &s) in scores.iter().enumerate().take(width) {
                            let s = if mask & (1 << c) != 0 {
                                if items.mask_score.is_nan() {
                                    continue;
                                }
                                items.mask_score
                            } else {
                                s
                            };
                            if passes(s, heaps.thr[row])
                                && !heaps.offer(row, (base + c) as u32, s, seen[row])
                                && self.nan == NanScores::Error
                            {
                                return Err(nan_error(row, base + c));
                            }
                        }
                    }
                }
            }
            p0 = p1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
