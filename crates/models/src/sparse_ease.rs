//! Sparse EASE: EASE's ridge regression of every artist's column on the other artists, with
//! the regressors of each column restricted to its `k` most co-played artists — the support
//! of Ning & Karypis's fsSLIM (2012, "Sparse linear methods with side information for top-N
//! recommender systems"), solved in closed form with EASE's L2 penalty instead of SLIM's
//! elastic net. Memory and time grow with `n·k` and `n·k³` instead of dense EASE's `n²` and
//! `n³`, so it serves catalogues (100 K artists and more) where dense EASE cannot.

use artist2vec_core::{Fit, Interactions, Neighbor, Observer};
use artist2vec_sparse::{Csr, Weighting, from_rows, transpose};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::base::{TrainData, ptr};
use crate::common::{config_setters, item_item_common, model_common};
use crate::dense;
use crate::error::{MAX_NEIGHBOURS, check};
use crate::persist::Stored;
use crate::{ModelError, Result};

/// How [`SparseEase`] picks the `k` regressors (support) of an artist's column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SparseEaseSupport {
    /// The artists with the largest cosine `G_ij / √(G_ii·G_jj)` of their weighted columns
    /// (default): fsSLIM's item-kNN support.
    #[default]
    Cosine,
    /// The artists with the largest weighted co-play `G_ij = Σ_u x_ui·x_uj` (favours popular
    /// artists).
    Cooccurrence,
}

/// Configuration of [`SparseEase`].
///
/// For every artist `j` the model keeps the set `S_j` of the `k` artists whose weighted
/// columns of `X` are closest to `j`'s (see [`support`](Self::support)), and fits
/// `b = argmin ‖X_j − X_S·b‖² + λ‖b‖² = (G_SS + λI)⁻¹·G_Sj` with `G = XᵀX`: column `j` of the
/// artist × artist matrix `B` holds `b` on `S_j` and zeros elsewhere (`B_jj = 0`, as in
/// EASE). Only artists co-played with `j` are candidates, so with `k` at least the number of
/// artists and every two artists co-played this is EASE exactly (up to rounding). A
/// listener with weighted history `x` gets the scores `x·B`, so new listeners are scored
/// without refitting.
///
/// **Cost**: for `n` artists, `n·k` stored weights (8 bytes each, twice during the fit), and
/// per artist the co-play row of `G` (as item-kNN), the `k × k` block `G_SS` (from the
/// listeners of `S_j`) and one `k × k` Cholesky solve in `f64` — `n·k³/6` multiply-adds in
/// all, in parallel over artists. Memory is checked against
/// [`max_memory_gb`](Self::max_memory_gb) before anything large is allocated.
///
/// Defaults (λ = 3000, `k` = 200, cosine support, log1p) are the best setting of a grid on
/// hetrec-seed42-val (NDCG@10 0.1743; dense EASE's default 0.1763); see `docs/results.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SparseEaseConfig {
    /// The L2 penalty λ (added to the diagonal of every `G_SS`). Default 3000.
    pub lambda: f32,
    /// Regressors per artist (the size of `S_j`); an artist co-played with fewer artists uses
    /// them all. Default 200.
    pub k: usize,
    /// How `S_j` is chosen. Default [`SparseEaseSupport::Cosine`].
    pub support: SparseEaseSupport,
    /// Weighting of the play counts in `X` and in a listener's history; element-wise (raw,
    /// binary, log1p, confidence). Default [`Weighting::Log1p`].
    pub weighting: Weighting,
    /// The most memory the fit may use, in GB (10⁹ bytes); a larger problem is refused with
    /// [`ModelError::TooLarge`] before allocating. Default 8.
    pub max_memory_gb: f32,
}

impl Default for SparseEaseConfig {
    fn default() -> Self {
        Self {
            lambda: 3000.0,
            k: 200,
            support: SparseEaseSupport::Cosine,
            weighting: Weighting::Log1p,
            max_memory_gb: 8.0,
        }
    }
}

impl SparseEaseConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    config_setters!(
        with_lambda: lambda: f32,
        with_k: k: usize,
        with_support: support: SparseEaseSupport,
        with_weighting: weighting: Weighting,
        with_max_memory_gb: max_memory_gb: f32
    );
}

/// A fitted sparse EASE model: the sparse artist × artist matrix `B`, row `i` holding the
/// weights with which a play of artist `i` scores the others.
#[derive(Debug, Clone)]
pub struct SparseEase {
    config: SparseEaseConfig,
    data: TrainData,
    /// Artists × artists; row `i` holds `B_i·` (columns ascending).
    b: Csr,
}

model_common!(
    SparseEase,
    SparseEaseConfig,
    "sparse EASE: each artist's ridge regression on its k nearest artists (fsSLIM support, \
     EASE's closed form)",
    ["ease-sparse", "fsslim"],
    similar
);

impl SparseEase {
    /// The artists × artists weight matrix `B`; row `i` holds the weights `B_ij` with which a
    /// play of artist `i` scores artist `j`.
    pub fn weights(&self) -> &Csr {
        &self.b
    }
}

/// The bytes a fit needs for `n` artists, `m` listeners, `k` regressors and `threads`
/// workers, overflow-safe: the weights three times (per-column lists, the CSR, its transpose)
/// at 8 bytes, plus per worker an `n`-long `f64` accumulator, `n + m` `u32` marks, the `k × k`
/// system in `f64` and the (listener, regressor, value) triples of one column (bounded by
/// the plays).
fn fit_bytes(n: usize, m: usize, nnz: usize, k: usize, threads: usize) -> Option<u128> {
    let (n, m, nnz, k, t) = (
        n as u128,
        m as u128,
        nnz as u128,
        k as u128,
        threads as u128,
    );
    let weights = n.checked_mul(k)?.checked_mul(24)?;
    let worker = n
        .checked_mul(8 + 4 + 8)?
        .checked_add(m.checked_mul(8)?)?
        .checked_add(k.checked_mul(k)?.checked_add(k)?.checked_mul(8)?)?
        .checked_add(nnz.min(n.checked_mul(k)?.max(1)).checked_mul(8)?)?;
    weights.checked_add(worker.checked_mul(t)?)
}

/// Per-worker scratch space of a fit.
struct Scratch {
    /// Co-play accumulator over artists (`f64`), zero outside a column's work.
    acc: Vec<f64>,
    /// Artists touched in `acc`.
    touched: Vec<u32>,
    /// Candidates: (ranking score, artist, `G_ij`).
    cand: Vec<(f64, u32, f64)>,
    /// Plays of the support's artists per listener, then the running fill position; zero
    /// outside a column's work.
    count: Vec<u32>,
    /// Listeners with a play of a support artist.
    users: Vec<u32>,
    /// Start of every listener's group in `pairs` (indexed like `users`).
    start: Vec<u32>,
    /// (regressor index, value) of every play of a support artist, grouped by listener.
    pairs: Vec<(u32, f32)>,
    /// The `k × k` system, row-major lower triangle.
    g: Vec<f64>,
    /// Right-hand side, then the solution.
    rhs: Vec<f64>,
}

impl Scratch {
    fn new(n: usize, m: usize) -> Self {
        Self {
            acc: vec![0.0; n],
            touched: Vec::new(),
            cand: Vec::new(),
            count: vec![0; m],
            users: Vec::new(),
            start: Vec::new(),
            pairs: Vec::new(),
            g: Vec::new(),
            rhs: Vec::new(),
        }
    }
}

/// The inputs shared by every column's regression.
struct Problem<'a> {
    /// Weighted listeners × artists.
    x: &'a Csr,
    /// Its transpose (artists × listeners).
    xt: &'a Csr,
    /// `G_ii` for every artist.
    diag: &'a [f64],
    k: usize,
    lambda: f64,
    support: SparseEaseSupport,
}

impl Problem<'_> {
    /// Column `j` of `B`: (artist, weight) of its regressors, or the first non-positive pivot
    /// of `G_SS + λI` (only possible through rounding for λ > 0).
    fn column(&self, j: usize, s: &mut Scratch) -> std::result::Result<Vec<Neighbor>, usize> {
        let (xp, xi, xd) = (ptr(self.x), self.x.indices(), self.x.data());
        let (tp, ti, td) = (ptr(self.xt), self.xt.indices(), self.xt.data());
        // Row j of G over every artist co-played with j.
        for q in tp[j]..tp[j + 1] {
            let (u, v) = (ti[q] as usize, f64::from(td[q]));
            for p in xp[u]..xp[u + 1] {
                let i = xi[p] as usize;
                if s.acc[i] == 0.0 {
                    s.touched.push(i as u32);
                }
                s.acc[i] += v * f64::from(xd[p]);
            }
        }
        s.cand.clear();
        for &i in &s.touched {
            let g = std::mem::take(&mut s.acc[i as usize]);
            if i as usize != j && g != 0.0 {
                let score = match self.support {
                    SparseEaseSupport::Cosine => g / self.diag[i as usize].sqrt(),
                    SparseEaseSupport::Cooccurrence => g,
                };
                s.cand.push((score, i, g));
            }
        }
        s.touched.clear();
        // The k best, by score then index (a total order: the same support on any machine).
        let better =
            |a: &(f64, u32, f64), b: &(f64, u32, f64)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if s.cand.len() > self.k {
            s.cand.select_nth_unstable_by(self.k - 1, better);
            s.cand.truncate(self.k);
        }
        s.cand.sort_unstable_by_key(|c| c.1);
        let w = s.cand.len();
        if w == 0 {
            return Ok(Vec::new());
        }
        // Group the plays of the support's artists by listener (a counting sort): every
        // listener's group lists its regressors in ascending order.
        s.users.clear();
        for &(_, a, _) in &s.cand {
            for q in tp[a as usize]..tp[a as usize + 1] {
                let u = ti[q] as usize;
                if s.count[u] == 0 {
                    s.users.push(u as u32);
                }
                s.count[u] += 1;
            }
        }
        s.start.clear();
        let mut at = 0u32;
        for &u in &s.users {
            s.start.push(at);
            let c = std::mem::replace(&mut s.count[u as usize], at);
            at += c;
        }
        s.pairs.clear();
        s.pairs.resize(at as usize, (0, 0.0));
        for (t, &(_, a, _)) in s.cand.iter().enumerate() {
            for q in tp[a as usize]..tp[a as usize + 1] {
                let u = ti[q] as usize;
                s.pairs[s.count[u] as usize] = (t as u32, td[q]);
                s.count[u] += 1;
            }
        }
        // G_SS + λI (lower triangle).
        s.g.clear();
        s.g.resize(w * w, 0.0);
        for (ix, &u) in s.users.iter().enumerate() {
            let group = &s.pairs[s.start[ix] as usize..s.count[u as usize] as usize];
            s.count[u as usize] = 0;
            for (c, &(tc, vc)) in group.iter().enumerate() {
                let row = &mut s.g[tc as usize * w..];
                let vc = f64::from(vc);
                for &(tr, vr) in &group[..c] {
                    row[tr as usize] += vc * f64::from(vr);
                }
            }
        }
        for (t, &(_, a, _)) in s.cand.iter().enumerate() {
            s.g[t * w + t] = self.diag[a as usize] + self.lambda;
        }
        dense::factor_f64(&mut s.g, w)?;
        s.rhs.clear();
        s.rhs.extend(s.cand.iter().map(|c| c.2));
        dense::solve_factored_f64(&s.g, w, &mut s.rhs);
        Ok(s.cand
            .iter()
            .zip(&s.rhs)
            .map(|(c, &b)| Neighbor {
                item: c.1,
                score: b as f32,
            })
            .collect())
    }
}

impl Fit<Interactions> for SparseEaseConfig {
    type Model = SparseEase;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = SparseEase::KIND;
        check::positive(m, "lambda", self.lambda)?;
        check::at_most(m, "k", self.k, MAX_NEIGHBOURS)?;
        check::elementwise(m, "weighting", &self.weighting)?;
        check::positive(m, "max_memory_gb", self.max_memory_gb)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<SparseEase> {
        self.validate()?;
        let data = TrainData::new(SparseEase::KIND, data)?;
        let (n, m) = (data.n_items(), data.n_users());
        let k = self.k.min(n.saturating_sub(1)).max(1);
        let threads = rayon::current_num_threads().max(1);
        let nnz = data.matrix.nnz();
        let limit = (f64::from(self.max_memory_gb) * 1e9).round() as u128;
        let bytes = fit_bytes(n, m, nnz, k, threads);
        if bytes.is_none_or(|b| b > limit) {
            let needed = bytes.map_or(u64::MAX, |b| u64::try_from(b).unwrap_or(u64::MAX));
            return Err(ModelError::TooLarge {
                model: SparseEase::KIND,
                needed_bytes: needed,
                limit_bytes: u64::try_from(limit).unwrap_or(u64::MAX),
                message: format!(
                    "{n} artists with k = {k} regressors each, on {threads} threads, need about \
                     {:.2} GB (n·k·24 bytes for the weights plus each thread's scratch), more \
                     than max_memory_gb = {} allows; lower k or raise max_memory_gb",
                    needed as f64 / 1e9,
                    self.max_memory_gb
                ),
            });
        }
        let x = artist2vec_sparse::weight(&data.matrix, self.weighting);
        let xt = transpose(&x);
        let tp = ptr(&xt);
        let diag: Vec<f64> = (0..n)
            .map(|i| {
                xt.data()[tp[i]..tp[i + 1]]
                    .iter()
                    .map(|&v| f64::from(v) * f64::from(v))
                    .sum()
            })
            .collect();
        let problem = Problem {
            x: &x,
            xt: &xt,
            diag: &diag,
            k,
            lambda: f64::from(self.lambda),
            support: self.support,
        };
        let stage = "sparse-ease regressions";
        let report = |done: u64| crate::base::report(observer, stage, done, n as u64);
        report(0);
        let done = AtomicU64::new(0);
        let step = (n as u64 / 100).max(1);
        let columns: Vec<std::result::Result<Vec<Neighbor>, usize>> = (0..n)
            .into_par_iter()
            .map_init(
                || Scratch::new(n, m),
                |s, j| {
                    let col = problem.column(j, s);
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if d % step == 0 || d == n as u64 {
                        report(d);
                    }
                    col
                },
            )
            .collect();
        let mut cols = Vec::with_capacity(n);
        for (j, c) in columns.into_iter().enumerate() {
            cols.push(c.map_err(|pivot| ModelError::Numerical {
                model: SparseEase::KIND,
                message: format!(
                    "the system of artist {} is not positive definite (pivot {pivot}); raise \
                     lambda (now {})",
                    data.items.id(j as u32),
                    self.lambda
                ),
            })?);
        }
        if let Some(bad) = cols.iter().flatten().find(|e| !e.score.is_finite()) {
            return Err(ModelError::Numerical {
                model: SparseEase::KIND,
                message: format!("non-finite weight {} in B", bad.score),
            });
        }
        // Column j of B as row j, then transposed: row i scores from artist i.
        let b = transpose(&from_rows((n, n), cols));
        Ok(SparseEase {
            config: self.clone(),
            data,
            b,
        })
    }
}

item_item_common!(
    SparseEase,
    SparseEaseConfig,
    "sparse-ease",
    b,
    weighting,
    "weight matrix",
    "The artists a play of `artist` scores highest (the largest `B_aj`), best first; `B_aj` is \
     non-zero only where `artist` is among the `k` regressors of `j`."
);

#[cfg(test)]
mod tests;
