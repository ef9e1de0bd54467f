//! Full-catalogue top-k by dot product: score every item for every user, drop each user's seen
//! items, keep the best `k`.
//!
//! The scores are never stored: a register tile of users × items is computed by a
//! SIMD-friendly kernel and pushed straight into small per-user heaps, so memory stays
//! `O(user_block × (dim + k))` per thread on top of one packed copy of the item matrix and the
//! output. Users are processed in blocks in parallel with rayon; within a block, items are
//! visited in blocks of `item_block` (kept in L2) and, for each tile of users, in panels of 16
//! items (kept in L1).
//!
//! # Determinism
//!
//! Each score is the dot product summed over dimensions in order `0..dim`, whatever the block
//! sizes or the number of threads, and ties are broken by lower item id, so a given machine
//! always returns the same lists. On x86-64 CPUs with AVX2 and FMA the products are fused
//! (one rounding per step), elsewhere they are not; scores can therefore differ in the last bit
//! between such machines, and so can the order of items whose scores differ by one ulp.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};

/// Items per panel (one register tile is `MR` users × `NR` items).
const NR: usize = 16;

/// Users per register tile without AVX2: SSE2 has 16 registers of 4 lanes, so 2 × 16
/// accumulators fit; other targets (NEON: 32 registers) take 4.
#[cfg(target_arch = "x86_64")]
const FALLBACK_MR: usize = 2;
#[cfg(not(target_arch = "x86_64"))]
const FALLBACK_MR: usize = 4;

/// One entry of a top-k list: an item and its score, best first in every list.
///
/// Mirrors `artist2vec_core::Neighbor`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Neighbor {
    /// Item (artist) index: its row in the item matrix.
    pub item: u32,
    /// Dot product of the user and item vectors.
    pub score: f32,
}

/// The fast filter: whether `score` deserves a look by the heap of a row whose threshold is
/// `thr`. True when `score > thr`, and also when either is NaN — a NaN threshold marks a heap
/// that is not full yet (everything gets in), a NaN score must reach the heap to be reported.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the NaN behaviour is the point
fn beats(score: f32, thr: f32) -> bool {
    !(score <= thr)
}

/// Whether `a` ranks strictly before `b`: higher score, or equal score and lower item id.
#[inline]
fn better(a: Neighbor, b: Neighbor) -> bool {
    a.score > b.score || (a.score == b.score && a.item < b.item)
}

/// Settings of [`full_catalogue_top_k`].
///
/// ```
/// use artist2vec_metrics::TopKConfig;
/// let c = TopKConfig::new(10).with_user_block(128);
/// assert_eq!((c.k, c.user_block, c.item_block), (10, 128, TopKConfig::DEFAULT_ITEM_BLOCK));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopKConfig {
    /// Items kept per user (required, at least 1).
    pub k: usize,
    /// Users per parallel task (default [`Self::DEFAULT_USER_BLOCK`]); bounds the per-thread
    /// working set to `user_block × (dim + 2k)` values.
    pub user_block: usize,
    /// Items per cache block (default [`Self::DEFAULT_ITEM_BLOCK`]); `item_block × dim` floats
    /// should fit in L2.
    pub item_block: usize,
}

impl TopKConfig {
    /// Default users per task.
    pub const DEFAULT_USER_BLOCK: usize = 192;
    /// Default items per cache block.
    pub const DEFAULT_ITEM_BLOCK: usize = 1024;

    /// Keep `k` items per user; default block sizes.
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

    /// Sets the items per cache block.
    pub fn with_item_block(mut self, item_block: usize) -> Self {
        self.item_block = item_block;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidK`] if `k == 0`; [`MetricsError::InvalidConfig`] if a block size
    /// is 0.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(MetricsError::InvalidK(0));
        }
        for (name, v) in [
            ("user_block", self.user_block),
            ("item_block", self.item_block),
        ] {
            if v == 0 {
                return Err(MetricsError::InvalidConfig {
                    name,
                    value: "0".into(),
                    reason: "a block holds at least one row",
                });
            }
        }
        Ok(())
    }
}

/// Each user's seen items in compressed sparse row form: the items of user `u` are
/// `items[offsets[u]..offsets[u + 1]]`, sorted ascending.
///
/// ```
/// use artist2vec_metrics::SeenItems;
/// let seen = SeenItems::new(&[0, 2, 2, 3], &[1, 4, 0])?;
/// assert_eq!(seen.of(0), &[1, 4]);
/// assert!(seen.of(1).is_empty());
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SeenItems<'a> {
    offsets: &'a [usize],
    items: &'a [u32],
}

impl<'a> SeenItems<'a> {
    /// Wraps CSR arrays after checking them.
    ///
    /// # Errors
    ///
    /// [`MetricsError::InvalidSeen`] if `offsets` is empty, does not start at 0, decreases, does
    /// not end at `items.len()`, or a user's items are not sorted ascending.
    pub fn new(offsets: &'a [usize], items: &'a [u32]) -> Result<Self> {
        let bad = |m: String| Err(MetricsError::InvalidSeen(m));
        if offsets.first() != Some(&0) {
            return bad("offsets must start with 0".into());
        }
        if let Some(u) = offsets.windows(2).position(|w| w[0] > w[1]) {
            return bad(format!("offsets decrease at user {u}"));
        }
        if offsets[offsets.len() - 1] != items.len() {
            return bad(format!(
                "offsets end at {} but there are {} items",
                offsets[offsets.len() - 1],
                items.len()
            ));
        }
        let seen = SeenItems { offsets, items };
        for u in 0..seen.num_users() {
            if !seen.of(u).is_sorted() {
                return bad(format!("items of user {u} are not sorted ascending"));
            }
        }
        Ok(seen)
    }

    /// The number of users.
    pub fn num_users(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The seen items of `user`, ascending.
    ///
    /// # Panics
    ///
    /// If `user >= self.num_users()`.
    pub fn of(&self, user: usize) -> &'a [u32] {
        &self.items[self.offsets[user]..self.offsets[user + 1]]
    }
}

/// Top-k lists of all users: user `u`'s list is [`get(u)`](Self::get), best first; it is
/// shorter than `k` when fewer than `k` items are unseen.
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
    ///
    /// If `user >= self.num_users()`.
    pub fn get(&self, user: usize) -> &[Neighbor] {
        &self.entries[self.offsets[user]..self.offsets[user + 1]]
    }

    /// All lists, in user order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[Neighbor]> + '_ {
        self.offsets.windows(2).map(|w| &self.entries[w[0]..w[1]])
    }

    /// User `user`'s items only, best first.
    ///
    /// # Panics
    ///
    /// If `user >= self.num_users()`.
    pub fn items(&self, user: usize) -> Vec<u32> {
        self.get(user).iter().map(|n| n.item).collect()
    }
}

/// Scores every item for every user by dot product and keeps each user's `k` best unseen items.
///
/// `users` is a row-major `n_users × dim` matrix, `items` a row-major `n_items × dim` matrix.
/// `seen`, when given, lists for every user the items to exclude. Results are best first; equal
/// scores put the lower item id first.
///
/// # Errors
///
/// * [`MetricsError::InvalidK`] / [`MetricsError::InvalidConfig`] for a bad `config` or
///   `dim == 0`;
/// * [`MetricsError::Shape`] if a matrix length is not a multiple of `dim`, the item count does
///   not fit in `u32`, or `seen` has a different number of users;
/// * [`MetricsError::InvalidSeen`] if a seen item is not a row of `items`;
/// * [`MetricsError::NonFinite`] if a vector holds NaN or ±∞, or a dot product of finite vectors
///   overflows to NaN (∞ − ∞). A NaN is never ranked.
///
/// ```
/// use artist2vec_metrics::{full_catalogue_top_k, SeenItems, TopKConfig};
/// let users = [1.0, 0.0, /* user 1: */ 0.0, 1.0];
/// let items = [0.9, 0.1, 0.2, 0.8, 0.5, 0.5];
/// let seen = SeenItems::new(&[0, 1, 1], &[0])?; // user 0 has seen item 0
/// let top = full_catalogue_top_k(&users, &items, 2, Some(&seen), &TopKConfig::new(2))?;
/// assert_eq!(top.items(0), vec![2, 1]);
/// assert_eq!(top.items(1), vec![1, 2]);
/// # Ok::<(), artist2vec_metrics::MetricsError>(())
/// ```
pub fn full_catalogue_top_k(
    users: &[f32],
    items: &[f32],
    dim: usize,
    seen: Option<&SeenItems<'_>>,
    config: &TopKConfig,
) -> Result<TopKLists> {
    config.validate()?;
    if dim == 0 {
        return Err(MetricsError::InvalidConfig {
            name: "dim",
            value: "0".into(),
            reason: "vectors need at least one dimension",
        });
    }
    for (what, m) in [("user", users), ("item", items)] {
        if m.len() % dim != 0 {
            return Err(MetricsError::Shape(format!(
                "{what} matrix has {} values, not a multiple of dim {dim}",
                m.len()
            )));
        }
    }
    let n_users = users.len() / dim;
    let n_items = items.len() / dim;
    if u32::try_from(n_items).is_err() {
        return Err(MetricsError::Shape(format!(
            "{n_items} items do not fit u32 ids"
        )));
    }
    if let Some(s) = seen {
        if s.num_users() != n_users {
            return Err(MetricsError::Shape(format!(
                "seen items cover {} users, the user matrix has {n_users}",
                s.num_users()
            )));
        }
        if let Some(&i) = s.items.iter().find(|&&i| i as usize >= n_items) {
            return Err(MetricsError::InvalidSeen(format!(
                "item {i} is not a row of the {n_items}-item matrix"
            )));
        }
    }
    check_finite("user vectors", users, dim)?;
    check_finite("item vectors", items, dim)?;

    let packed = pack_items(items, dim);
    let ctx = Ctx {
        dim,
        n_items,
        // No list is longer than the catalogue: keeps the heaps small for a huge `k`.
        k: config.k.min(n_items),
        item_block_panels: config.item_block.div_ceil(NR),
        packed: &packed,
        seen,
    };
    let blocks: Vec<(Vec<usize>, Vec<Neighbor>)> = users
        .par_chunks(config.user_block.saturating_mul(dim))
        .enumerate()
        .map(|(b, block)| ctx.run_block(b * config.user_block, block))
        .collect::<Result<_>>()?;

    let mut offsets = Vec::with_capacity(n_users + 1);
    offsets.push(0);
    let mut entries = Vec::with_capacity(n_users * config.k.min(n_items));
    for (lens, lists) in blocks {
        for len in lens {
            offsets.push(offsets[offsets.len() - 1] + len);
        }
        entries.extend_from_slice(&lists);
    }
    debug_assert_eq!(offsets.len(), n_users + 1);
    Ok(TopKLists { offsets, entries })
}

fn check_finite(what: &'static str, m: &[f32], dim: usize) -> Result<()> {
    let bad = m
        .par_chunks(dim * 1024)
        .enumerate()
        .find_first(|(_, c)| !c.iter().fold(true, |ok, x| ok & x.is_finite()));
    if let Some((chunk, c)) = bad {
        let pos = c.iter().position(|x| !x.is_finite()).expect("found above");
        let row = chunk * 1024 + pos / dim;
        return Err(MetricsError::NonFinite {
            what,
            detail: format!("row {row}, column {} is {}", pos % dim, c[pos]),
        });
    }
    Ok(())
}

/// Packs items into panels of `NR` items, dimension-major inside a panel:
/// `packed[(p * dim + t) * NR + c] = items[(p * NR + c) * dim + t]`, zero-padded.
fn pack_items(items: &[f32], dim: usize) -> Vec<f32> {
    let n_items = items.len() / dim;
    let n_panels = n_items.div_ceil(NR);
    let mut packed = vec![0.0f32; n_panels * NR * dim];
    packed
        .par_chunks_mut(NR * dim)
        .enumerate()
        .for_each(|(p, panel)| {
            for c in 0..NR.min(n_items - p * NR) {
                let row = &items[(p * NR + c) * dim..][..dim];
                for (t, &x) in row.iter().enumerate() {
                    panel[t * NR + c] = x;
                }
            }
        });
    packed
}

/// Per-user list lengths and the concatenated lists of one block of users.
type BlockLists = (Vec<usize>, Vec<Neighbor>);

struct Ctx<'a> {
    dim: usize,
    n_items: usize,
    k: usize,
    item_block_panels: usize,
    packed: &'a [f32],
    seen: Option<&'a SeenItems<'a>>,
}

/// Per-block bounded heaps: for block row `r`, `heap[r*k .. r*k + len[r]]` is a binary heap
/// whose root is the worst kept entry; `thr[r]` is that root's score once the heap is full and
/// NaN before, so that [`beats`] lets through exactly the scores worth a look.
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

    /// Offers `item` with `score` to row `r`; returns false if the score is NaN.
    #[inline(never)]
    fn offer(&mut self, r: usize, item: u32, score: f32, seen: &[u32]) -> bool {
        if score.is_nan() {
            return false;
        }
        let k = self.k;
        let len = self.len[r];
        let heap = &mut self.heap[r * k..(r + 1) * k];
        let cand = Neighbor { item, score };
        if len == k && !better(cand, heap[0]) {
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
                if better(heap[parent], heap[i]) {
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
                if l < k && better(heap[worst], heap[l]) {
                    worst = l;
                }
                if rr < k && better(heap[worst], heap[rr]) {
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
}

/// The register-tile kernel: `MR` users (packed `[t][MR]`) × one panel of `NR` items (packed
/// `[t][NR]`), summed over `t` in order.
#[inline(always)]
fn kernel<const MR: usize, const FMA: bool>(u: &[f32], p: &[f32], dim: usize) -> [[f32; NR]; MR] {
    let mut acc = [[0.0f32; NR]; MR];
    // Iterating over exact chunks (rather than indexing) leaves no bounds checks in the loop, so
    // LLVM keeps all MR × NR accumulators in registers: with MR = 6 and AVX2 the loop is 6
    // broadcasts, 2 loads and 12 FMAs.
    for (pv, uv) in p[..dim * NR]
        .chunks_exact(NR)
        .zip(u[..dim * MR].chunks_exact(MR))
    {
        let pv: &[f32; NR] = pv.try_into().expect("chunk of NR");
        let uv: &[f32; MR] = uv.try_into().expect("chunk of MR");
        for r in 0..MR {
            for c in 0..NR {
                acc[r][c] = if FMA {
                    uv[r].mul_add(pv[c], acc[r][c])
                } else {
                    acc[r][c] + uv[r] * pv[c]
                };
            }
        }
    }
    acc
}

impl Ctx<'_> {
    /// Top-k of one block of users starting at `first_user`: the list length of every user of
    /// the block, and the lists (best first) one after the other.
    fn run_block(&self, first_user: usize, block: &[f32]) -> Result<BlockLists> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                return unsafe { self.run_block_avx2(first_user, block) };
            }
        }
        self.run_block_generic::<FALLBACK_MR, false>(first_user, block)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_block_avx2(&self, first_user: usize, block: &[f32]) -> Result<BlockLists> {
        self.run_block_generic::<6, true>(first_user, block)
    }

    #[inline(always)]
    fn run_block_generic<const MR: usize, const FMA: bool>(
        &self,
        first_user: usize,
        block: &[f32],
    ) -> Result<BlockLists> {
        let dim = self.dim;
        let rows = block.len() / dim;
        let n_tiles = rows.div_ceil(MR);
        // Pack the block's users tile by tile, dimension-major: upack[(tile*dim + t)*MR + r].
        let mut upack = vec![0.0f32; n_tiles * dim * MR];
        for (u, row) in block.chunks_exact(dim).enumerate() {
            let (tile, r) = (u / MR, u % MR);
            for (t, &x) in row.iter().enumerate() {
                upack[(tile * dim + t) * MR + r] = x;
            }
        }
        let empty: &[u32] = &[];
        let seen_of = |r: usize| self.seen.map_or(empty, |s| s.of(first_user + r));
        let mut heaps = Heaps::new(rows, self.k);
        let n_panels = self.n_items.div_ceil(NR);
        let mut p0 = 0;
        while p0 < n_panels {
            let p1 = (p0 + self.item_block_panels).min(n_panels);
            for tile in 0..n_tiles {
                let up = &upack[tile * dim * MR..(tile + 1) * dim * MR];
                let valid_rows = MR.min(rows - tile * MR);
                for p in p0..p1 {
                    let panel = &self.packed[p * dim * NR..(p + 1) * dim * NR];
                    let acc = kernel::<MR, FMA>(up, panel, dim);
                    for (r, scores) in acc.iter().enumerate().take(valid_rows) {
                        let row = tile * MR + r;
                        let thr = heaps.thr[row];
                        let mut pass = false;
                        for &s in scores {
                            pass |= beats(s, thr);
                        }
                        if pass {
                            let base = p * NR;
                            for (c, &s) in scores.iter().enumerate().take(self.n_items - base) {
                                if beats(s, heaps.thr[row])
                                    && !heaps.offer(row, (base + c) as u32, s, seen_of(row))
                                {
                                    return Err(MetricsError::NonFinite {
                                        what: "scores",
                                        detail: format!(
                                            "user {} item {} scores NaN (overflow in the dot product)",
                                            first_user + row,
                                            base + c
                                        ),
                                    });
                                }
                            }
                        }
                    }
                }
            }
            p0 = p1;
        }
        let mut out = Vec::with_capacity(rows * self.k);
        let mut lens = Vec::with_capacity(rows);
        for r in 0..rows {
            let len = heaps.len[r];
            let list = &mut heaps.heap[r * self.k..r * self.k + len];
            // `better` is a strict total order here (no NaN is kept; -0.0 ties with 0.0).
            list.sort_unstable_by(|&a, &b| {
                if better(a, b) {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                }
            });
            lens.push(len);
            out.extend_from_slice(list);
        }
        Ok((lens, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_keeps_best_and_breaks_ties_by_lower_id() {
        let mut h = Heaps::new(1, 3);
        for (item, score) in [(5, 1.0), (1, 2.0), (2, 1.0), (9, 3.0), (0, 1.0), (3, 1.0)] {
            assert!(h.offer(0, item, score, &[]));
        }
        let mut kept: Vec<_> = h.heap[..h.len[0]].to_vec();
        kept.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        assert_eq!(
            kept.iter().map(|n| n.item).collect::<Vec<_>>(),
            vec![9, 1, 0]
        );
        assert_eq!(h.thr[0], 1.0);
        assert!(!h.offer(0, 7, f32::NAN, &[]));
    }

    #[test]
    fn overflow_to_nan_is_an_error_without_fma() {
        // Without FMA, MAX*MAX + MAX*(-MAX) = inf - inf = NaN. (With FMA the exact product is
        // finite and the sum stays inf: see the integration test.)
        let items = [f32::MAX, -f32::MAX];
        let packed = pack_items(&items, 2);
        let ctx = Ctx {
            dim: 2,
            n_items: 1,
            k: 1,
            item_block_panels: 1,
            packed: &packed,
            seen: None,
        };
        let e = ctx
            .run_block_generic::<4, false>(0, &[f32::MAX, f32::MAX])
            .unwrap_err();
        assert!(e.to_string().contains("user 0 item 0 scores NaN"), "{e}");
        let ok = ctx.run_block_generic::<4, false>(0, &[1.0, 1.0]).unwrap();
        assert_eq!(ok.0, vec![1]);
    }

    #[test]
    fn portable_path_equals_the_dispatched_path_on_exact_data() {
        // Small integers: every product and sum is exact, so FMA or not, any tile shape gives
        // the same scores and the same lists.
        let (n_users, n_items, dim) = (23, 101, 5);
        let val = |i: usize| ((i * 7919) % 5) as f32 - 2.0;
        let users: Vec<f32> = (0..n_users * dim).map(val).collect();
        let items: Vec<f32> = (0..n_items * dim).map(|i| val(i * 31 + 3)).collect();
        let packed = pack_items(&items, dim);
        let ctx = Ctx {
            dim,
            n_items,
            k: 9,
            item_block_panels: 2,
            packed: &packed,
            seen: None,
        };
        let dispatched = ctx.run_block(0, &users).unwrap();
        assert_eq!(dispatched.0, vec![9; n_users]);
        assert_eq!(
            ctx.run_block_generic::<FALLBACK_MR, false>(0, &users)
                .unwrap(),
            dispatched
        );
        assert_eq!(
            ctx.run_block_generic::<3, true>(0, &users).unwrap(),
            dispatched
        );
        assert_eq!(
            ctx.run_block_generic::<1, false>(0, &users).unwrap(),
            dispatched
        );
    }

    #[test]
    fn seen_items_are_validated() {
        assert!(SeenItems::new(&[], &[]).is_err());
        assert!(SeenItems::new(&[1, 1], &[0]).is_err());
        assert!(SeenItems::new(&[0, 2], &[0]).is_err());
        assert!(SeenItems::new(&[0, 2, 1], &[0, 1]).is_err());
        assert!(SeenItems::new(&[0, 2], &[3, 1]).is_err());
        assert_eq!(SeenItems::new(&[0], &[]).unwrap().num_users(), 0);
    }

    #[test]
    fn packing_is_dimension_major_and_zero_padded() {
        let dim = 2;
        let items: Vec<f32> = (0..(NR + 1) * dim).map(|x| x as f32).collect();
        let p = pack_items(&items, dim);
        assert_eq!(p.len(), 2 * NR * dim);
        assert_eq!(p[0], 0.0); // item 0, t 0
        assert_eq!(p[1], 2.0); // item 1, t 0
        assert_eq!(p[NR], 1.0); // item 0, t 1
        assert_eq!(p[NR * dim], (NR * dim) as f32); // item NR, t 0
        assert_eq!(p[NR * dim + 1], 0.0); // padding
    }
}
