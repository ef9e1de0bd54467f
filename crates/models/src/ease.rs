//! EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the closed-form
//! artist × artist model `B = I − P·diag(1/diag(P))`, `P = (XᵀX + λI)⁻¹`, `diag(B) = 0`.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::topk::TopK;
use artist2vec_core::{
    CoreError, Fit, Interactions, Neighbor, Observer, Query, Recommender, SimilarArtists,
    check_query,
};
use artist2vec_sparse::{Csr, Weighting, transpose};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::base::{DecodeError, TrainData, check_index, elementwise, history_row, ptr};
use crate::common::{config_setters, model_common, recommender_common};
use crate::dense;
use crate::error::check;
use crate::kernels::multiversion;
use crate::persist::Stored;
use crate::{ModelError, Result};

/// How [`Ease`] computes `P = (XᵀX + λI)⁻¹` (the same matrix either way, up to rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum EaseSolver {
    /// The cheaper of the two for the data's shape, among those that fit in
    /// [`max_memory_gb`](EaseConfig::max_memory_gb) (default).
    #[default]
    Auto,
    /// Cholesky of the `n × n` artist Gram matrix `XᵀX + λI`, then its inverse:
    /// `n³/2` multiply-adds for `n` artists.
    ArtistGram,
    /// The same `P` through the `m × m` listener Gram matrix (Woodbury identity):
    /// `P = (I − Cᵀ·C)/λ` with `C = L⁻¹X` and `L·Lᵀ = XXᵀ + λI`: `m³/6 + m²n/2 + n²m/2`
    /// multiply-adds for `m` listeners, far less when listeners are fewer than artists (hetrec:
    /// 1,892 listeners, 15,358 artists). Needs `n·m + m²` more floats.
    UserGram,
}

/// Configuration of [`Ease`].
///
/// The model is the artist × artist matrix `B` that minimises `‖X − X·B‖² + λ‖B‖²` subject to
/// `diag(B) = 0`, for the weighted listeners × artists matrix `X`; its closed form is
/// `B = I − P·diag(1/diag(P))` with `P = (XᵀX + λI)⁻¹`. A listener with weighted history `x`
/// gets the scores `x·B`, so new listeners are scored without refitting.
///
/// **Memory**: `B` is dense, `n² · 4` bytes for `n` kept artists (hetrec-seed42: 15,358
/// artists, 0.94 GB; with `min_listeners = 2`, 5,943 artists, 0.14 GB), checked against
/// [`max_memory_gb`](Self::max_memory_gb) before anything large is allocated; model files hold
/// half of it (the symmetric `P`). Pruning with [`min_listeners`](Self::min_listeners) shrinks
/// it quadratically.
///
/// Defaults (λ = 3000 on log1p, artists with at least 2 listeners) are the best setting of a
/// grid over λ and pruning on hetrec-seed42-val; see `docs/results.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EaseConfig {
    /// The L2 penalty λ on `B` (added to the diagonal of `XᵀX`). Default 3000.
    pub lambda: f32,
    /// Weighting of the play counts in `X` and in a listener's history; element-wise (raw,
    /// binary, log1p, confidence). Default [`Weighting::Log1p`].
    pub weighting: Weighting,
    /// Artists with fewer training listeners get no row or column of `B`: they are never
    /// recommended and their plays contribute nothing (0 and 1 keep every trained artist).
    /// Default 2.
    pub min_listeners: u32,
    /// The most memory the fit may use for its dense matrices, in GB (10⁹ bytes); a larger
    /// problem is refused with [`ModelError::TooLarge`] before allocating. Default 8.
    pub max_memory_gb: f32,
    /// How `P` is computed. Default [`EaseSolver::Auto`].
    pub solver: EaseSolver,
}

impl Default for EaseConfig {
    fn default() -> Self {
        Self {
            lambda: 3000.0,
            weighting: Weighting::Log1p,
            min_listeners: 2,
            max_memory_gb: 8.0,
            solver: EaseSolver::Auto,
        }
    }
}

impl EaseConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    config_setters!(
        with_lambda: lambda: f32,
        with_weighting: weighting: Weighting,
        with_min_listeners: min_listeners: u32,
        with_max_memory_gb: max_memory_gb: f32,
        with_solver: solver: EaseSolver
    );
}

/// A fitted EASE model.
///
/// It keeps `P = (XᵀX + λI)⁻¹` over the kept artists (symmetric, dense, diagonal stored apart)
/// and computes `B_ij = −P_ij / P_jj` on the fly: a listener's score for artist `j` is
/// `Σ_i x_i·B_ij = −(Σ_{i≠j} x_i·P_ij) / P_jj`.
///
/// Similar artists: artist `a`'s neighbours are the `j` with the largest partial correlation
/// `−P_aj / √(P_aa·P_jj)`, the correlation of the two artists' columns of `X` once every other
/// artist is accounted for (symmetric, in `[−1, 1]`). It ranks like a column of `B` scaled so
/// that popular artists do not take every list: `B_aj = −P_aj/P_jj` (what a listener of `a`
/// is recommended) favours artists with small `P_jj`, the most played, and the column
/// `B_ja ∝ −P_aj` ignores how much is known about `j`.
#[derive(Debug, Clone)]
pub struct Ease {
    config: EaseConfig,
    data: TrainData,
    /// The artists with a row and column, in the order of the rows of `p` (dense artist
    /// indices).
    kept: Vec<u32>,
    /// For every artist, its index among `kept`, or `u32::MAX` (derived).
    slot: Vec<u32>,
    /// `P` over the kept artists, row-major `n × n`, symmetric, diagonal set to 0.
    p: Vec<f32>,
    /// The diagonal of `P` (positive).
    pdiag: Vec<f32>,
    /// `−1 / P_jj` (derived).
    scale: Vec<f32>,
}

model_common!(
    Ease,
    EaseConfig,
    "EASE: closed-form artist × artist autoencoder (Steck 2019)",
    ["ease-r"],
    similar
);

const NONE: u32 = u32::MAX;

impl Ease {
    /// The artists the model keeps (a row and column of `B`), in the order of its rows:
    /// ascending for [`EaseSolver::ArtistGram`], by first listener for
    /// [`EaseSolver::UserGram`].
    pub fn kept_artists(&self) -> &[u32] {
        &self.kept
    }

    /// The weight `B_ij` with which a play of artist `from` scores artist `to`; `None` when
    /// either was pruned (or has no training plays). `B_ii = 0`.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist.
    pub fn weight(&self, from: u32, to: u32) -> Result<Option<f32>, CoreError> {
        check_index("artist", from, self.n_items())?;
        check_index("artist", to, self.n_items())?;
        let (i, j) = (self.slot[from as usize], self.slot[to as usize]);
        if i == NONE || j == NONE {
            return Ok(None);
        }
        let n = self.kept.len();
        Ok(Some(
            self.p[i as usize * n + j as usize] * self.scale[j as usize],
        ))
    }

    fn from_parts(
        config: EaseConfig,
        data: TrainData,
        kept: Vec<u32>,
        p: Vec<f32>,
        pdiag: Vec<f32>,
    ) -> Self {
        let mut slot = vec![NONE; data.n_items()];
        for (k, &g) in kept.iter().enumerate() {
            slot[g as usize] = k as u32;
        }
        let scale = pdiag.iter().map(|&d| -1.0 / d).collect();
        Self {
            config,
            data,
            kept,
            slot,
            p,
            pdiag,
            scale,
        }
    }

    /// Scores from (artist, raw weight) pairs: `x·B` on the kept artists, NaN elsewhere.
    fn score_row(&self, row: impl Iterator<Item = (u32, f32)>, scores: &mut [f32]) {
        let n = self.kept.len();
        let w = &self.config.weighting;
        let rows: Vec<(usize, f32)> = row
            .filter_map(|(i, x)| {
                let s = self.slot[i as usize];
                (s != NONE).then(|| (s as usize, elementwise(w, x).unwrap_or(x)))
            })
            .collect();
        let mut acc = vec![0f32; n];
        add_rows(&self.p, n, &rows, &mut acc);
        scores.fill(f32::NAN);
        for ((&g, &a), &s) in self.kept.iter().zip(&acc).zip(&self.scale) {
            scores[g as usize] = a * s;
        }
    }
}

multiversion! {
    /// `acc += Σ w · p_r` over the (row `r`, weight `w`) pairs, `p` row-major with rows of
    /// length `n`.
    fn add_rows<const FMA: bool>(p: &[f32], n: usize, rows: &[(usize, f32)], acc: &mut [f32]) {
        for &(r, w) in rows {
            crate::kernels::axpy::<FMA>(w, &p[r * n..(r + 1) * n], acc);
        }
    }
}

/// The bytes of `count` f32 values, as u128 (no overflow for any `usize` sizes).
fn f32_bytes(count: u128) -> u128 {
    count * 4
}

/// The plan of a fit: the solver and the bytes its dense matrices take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    solver: EaseSolver,
    bytes: u128,
}

/// Picks the solver for `n` kept artists and `m` listeners with plays of them, or explains
/// why none fits in `limit` bytes.
fn plan(config: &EaseConfig, n: usize, m: usize, limit: u128) -> Result<Plan> {
    let (n128, m128) = (n as u128, m as u128);
    let artist = Plan {
        solver: EaseSolver::ArtistGram,
        bytes: f32_bytes(n128 * n128),
    };
    let user = Plan {
        solver: EaseSolver::UserGram,
        bytes: f32_bytes(n128 * n128 + n128 * m128 + m128 * m128),
    };
    // Multiply-adds of each (see `EaseSolver`).
    let artist_cost = n128 * n128 * n128 / 2;
    let user_cost = m128 * m128 * m128 / 6 + m128 * m128 * n128 / 2 + n128 * n128 * m128 / 2;
    let candidates: Vec<Plan> = match config.solver {
        EaseSolver::ArtistGram => vec![artist],
        EaseSolver::UserGram => vec![user],
        EaseSolver::Auto if user_cost < artist_cost => vec![user, artist],
        EaseSolver::Auto => vec![artist],
    };
    if let Some(p) = candidates.iter().find(|p| p.bytes <= limit) {
        return Ok(*p);
    }
    let p = candidates
        .iter()
        .min_by_key(|p| p.bytes)
        .copied()
        .unwrap_or(artist);
    let what = match p.solver {
        EaseSolver::UserGram => format!(
            "{n} artists and {m} listeners need (n² + n·m + m²) × 4 bytes = {:.2} GB",
            p.bytes as f64 / 1e9
        ),
        _ => format!(
            "{n} artists need n² × 4 bytes = {} bytes ({:.2} GB) for the dense artist × artist \
             matrix",
            p.bytes,
            p.bytes as f64 / 1e9
        ),
    };
    Err(ModelError::TooLarge {
        model: Ease::KIND,
        needed_bytes: u64::try_from(p.bytes).unwrap_or(u64::MAX),
        limit_bytes: u64::try_from(limit).unwrap_or(u64::MAX),
        message: format!(
            "{what}, more than max_memory_gb = {} allows; keep fewer artists (raise \
             min_listeners, now {}) or raise max_memory_gb",
            config.max_memory_gb, config.min_listeners
        ),
    })
}

/// A zeroed `f32` buffer of `len` values, or [`ModelError::TooLarge`] when the allocator
/// refuses it.
fn zeroed(len: usize, what: &str) -> Result<Vec<f32>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        let bytes = f32_bytes(len as u128);
        ModelError::TooLarge {
            model: Ease::KIND,
            needed_bytes: u64::try_from(bytes).unwrap_or(u64::MAX),
            limit_bytes: 0,
            message: format!(
                "the allocator refused {bytes} bytes ({:.2} GB) for {what}",
                bytes as f64 / 1e9
            ),
        }
    })?;
    v.resize(len, 0.0);
    Ok(v)
}

/// The lower triangle (diagonal included) of `R·Rᵀ + λI` for the rows of the CSR matrix `r`
/// (`rt` its transpose), into the row-major `rows × rows` `out`; each row summed in `f64`, in
/// parallel over rows.
fn gram_plus_ridge(r: &Csr, rt: &Csr, lambda: f32, out: &mut [f32]) {
    let nr = r.rows();
    let (rp, ri, rd) = (ptr(r), r.indices(), r.data());
    let (tp, ti, td) = (ptr(rt), rt.indices(), rt.data());
    out.par_chunks_mut(nr).enumerate().for_each_init(
        || vec![0f64; nr],
        |acc, (i, row)| {
            acc[..=i].fill(0.0);
            for p in rp[i]..rp[i + 1] {
                let (f, v) = (ri[p] as usize, f64::from(rd[p]));
                for q in tp[f]..tp[f + 1] {
                    let j = ti[q] as usize;
                    if j > i {
                        break;
                    }
                    acc[j] += v * f64::from(td[q]);
                }
            }
            acc[i] += f64::from(lambda);
            for (o, &a) in row[..=i].iter_mut().zip(acc.iter()) {
                *o = a as f32;
            }
        },
    );
}

/// The kept artists in order of their first listener among the listeners with a kept artist
/// (ties by index), the order in which [`solve_user_gram`] skips the most zeros.
fn by_first_listener(data: &TrainData, kept: &[u32]) -> Vec<u32> {
    let m = &data.matrix;
    let p = ptr(m);
    let mut first = vec![usize::MAX; data.n_items()];
    let mut kept_mask = vec![false; data.n_items()];
    for &g in kept {
        kept_mask[g as usize] = true;
    }
    let mut active = 0;
    for u in 0..m.rows() {
        let row = &m.indices()[p[u]..p[u + 1]];
        if row.iter().any(|&i| kept_mask[i as usize]) {
            for &i in row {
                let f = &mut first[i as usize];
                *f = (*f).min(active);
            }
            active += 1;
        }
    }
    let mut order = kept.to_vec();
    order.sort_by_key(|&g| (first[g as usize], g));
    order
}

/// The weighted listeners × kept-artists matrix (only listeners with a kept artist; column `k`
/// is the artist with `slot` `k`).
fn kept_matrix(data: &TrainData, slot: &[u32], n: usize, w: &Weighting) -> Csr {
    let m = &data.matrix;
    let p = ptr(m);
    let mut indptr = vec![0usize];
    let (mut idx, mut dat) = (Vec::new(), Vec::new());
    let mut row: Vec<(u32, f32)> = Vec::new();
    for u in 0..m.rows() {
        row.clear();
        for q in p[u]..p[u + 1] {
            let s = slot[m.indices()[q] as usize];
            if s != NONE {
                row.push((s, elementwise(w, m.data()[q]).unwrap_or(m.data()[q])));
            }
        }
        if !row.is_empty() {
            row.sort_unstable_by_key(|e| e.0);
            idx.extend(row.iter().map(|e| e.0));
            dat.extend(row.iter().map(|e| e.1));
            indptr.push(idx.len());
        }
    }
    Csr::new((indptr.len() - 1, n), indptr, idx, dat)
}

fn not_definite(what: &str, index: usize, lambda: f32) -> ModelError {
    ModelError::Numerical {
        model: Ease::KIND,
        message: format!(
            "{what} is not positive definite in f32 arithmetic (pivot {index}); raise lambda \
             (now {lambda})"
        ),
    }
}

/// What `P` is computed from: the weighted listeners × kept-artists matrix `x`, its transpose
/// and λ.
struct Problem<'a> {
    x: &'a Csr,
    xt: &'a Csr,
    lambda: f32,
}

/// `P` over the artist Gram matrix: `p` becomes `(XᵀX + λI)⁻¹` (full, symmetric).
fn solve_artist_gram(pr: &Problem<'_>, p: &mut [f32], step: &mut dyn FnMut(usize)) -> Result<()> {
    let Problem { x, xt, lambda } = *pr;
    let n = xt.rows();
    gram_plus_ridge(xt, x, lambda, p);
    step(1);
    dense::inverse_spd(p, n, &mut |k| step(1 + k)).map_err(|j| not_definite("XᵀX + λI", j, lambda))
}

/// `P` through the listener Gram matrix: `p` becomes `(XᵀX + λI)⁻¹` (full, symmetric) as
/// `(I − Cᵀ·C)/λ` with `C = L⁻¹X`, `L·Lᵀ = XXᵀ + λI`.
///
/// Column `i` of `C` is zero above the first listener of artist `i`, and the forward
/// substitution and `Cᵀ·C` skip those zeros when the artists come in order of their first
/// listener ([`by_first_listener`]): on hetrec that halves the work.
fn solve_user_gram(pr: &Problem<'_>, p: &mut [f32], step: &mut dyn FnMut(usize)) -> Result<()> {
    let Problem { x, xt, lambda } = *pr;
    let (m, n) = (x.rows(), x.cols());
    let mut k = zeroed(m * m, "the listener Gram matrix")?;
    gram_plus_ridge(x, xt, lambda, &mut k);
    step(1);
    dense::cholesky_lower(&mut k, m).map_err(|j| not_definite("XXᵀ + λI", j, lambda))?;
    step(2);
    // Row i of Cᵀ = L⁻¹ · (column i of X), zero before `starts[i]` (a nondecreasing lower
    // bound of the artist's first listener).
    let mut ct = zeroed(n * m, "C = L⁻¹X")?;
    let (tp, ti, td) = (ptr(xt), xt.indices(), xt.data());
    for (i, row) in ct.chunks_exact_mut(m).enumerate() {
        for q in tp[i]..tp[i + 1] {
            row[ti[q] as usize] = td[q];
        }
    }
    let mut starts: Vec<usize> = (0..n)
        .map(|i| {
            ti.get(tp[i])
                .filter(|_| tp[i] < tp[i + 1])
                .map_or(m, |&u| u as usize)
        })
        .collect();
    for i in (0..n.saturating_sub(1)).rev() {
        starts[i] = starts[i].min(starts[i + 1]);
    }
    dense::solve_lower_rows(&k, m, &mut ct, &starts);
    drop(k);
    step(3);
    let h: Vec<&[f32]> = ct
        .chunks_exact(m)
        .zip(&starts)
        .map(|(r, &s)| &r[s..])
        .collect();
    let mut sdiag = vec![0f32; n];
    {
        let mut lows: Vec<&mut [f32]> = p
            .chunks_exact_mut(n)
            .enumerate()
            .map(|(i, r)| &mut r[..i])
            .collect();
        dense::gram_lower(&h, &starts, m, &mut lows, &mut sdiag);
    }
    // P = (I − CᵀC)/λ; the diagonal 1 − ‖c_i‖² in f64 (it is small for much-played artists).
    let inv_l = 1.0 / f64::from(lambda);
    let mut pdiag = vec![0f32; n];
    for (i, (d, c)) in pdiag.iter_mut().zip(&h).enumerate() {
        let s: f64 = c.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let v = ((1.0 - s) * inv_l) as f32;
        if !(v > 0.0 && v.is_finite()) {
            return Err(not_definite("I − CᵀC", i, lambda));
        }
        *d = v;
    }
    let scale = -(inv_l as f32);
    p.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for v in &mut row[..i] {
            *v *= scale;
        }
    });
    dense::mirror_lower(p, n, &pdiag);
    step(4);
    Ok(())
}

impl Fit<Interactions> for EaseConfig {
    type Model = Ease;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = Ease::KIND;
        check::positive(m, "lambda", self.lambda)?;
        check::elementwise(m, "weighting", &self.weighting)?;
        check::positive(m, "max_memory_gb", self.max_memory_gb)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<Ease> {
        self.validate()?;
        let data = TrainData::new(Ease::KIND, data)?;
        let listeners = data.item_users();
        let min = self.min_listeners.max(1);
        let kept: Vec<u32> = (0..data.n_items() as u32)
            .filter(|&i| listeners[i as usize] >= min)
            .collect();
        if kept.is_empty() {
            return Err(ModelError::InvalidData {
                model: Ease::KIND,
                message: format!(
                    "no artist has {min} or more listeners; lower min_listeners (now {})",
                    self.min_listeners
                ),
            });
        }
        let n = kept.len();
        let slots = |kept: &[u32]| {
            let mut slot = vec![NONE; data.n_items()];
            for (k, &g) in kept.iter().enumerate() {
                slot[g as usize] = k as u32;
            }
            slot
        };
        let mut x = kept_matrix(&data, &slots(&kept), n, &self.weighting);
        let limit = (f64::from(self.max_memory_gb) * 1e9).round() as u128;
        let plan = plan(self, n, x.rows(), limit)?;
        let kept = if plan.solver == EaseSolver::UserGram {
            let order = by_first_listener(&data, &kept);
            x = kept_matrix(&data, &slots(&order), n, &self.weighting);
            order
        } else {
            kept
        };
        let mut p = zeroed(n * n, "the artist × artist matrix")?;
        let xt = transpose(&x);
        // Four steps: the Gram matrix, its Cholesky factor, `L⁻ᵀ` (artist Gram) or `L⁻¹X`
        // (listener Gram), then `P`.
        let stage = match plan.solver {
            EaseSolver::UserGram => "ease (listener Gram)",
            _ => "ease (artist Gram)",
        };
        let report = |done: usize| crate::base::report(observer, stage, done as u64, 4);
        report(0);
        let mut step = |k: usize| report(k);
        let problem = Problem {
            x: &x,
            xt: &xt,
            lambda: self.lambda,
        };
        match plan.solver {
            EaseSolver::UserGram => solve_user_gram(&problem, &mut p, &mut step)?,
            _ => solve_artist_gram(&problem, &mut p, &mut step)?,
        }
        let mut pdiag = vec![0f32; n];
        for (i, d) in pdiag.iter_mut().enumerate() {
            *d = std::mem::take(&mut p[i * n + i]);
        }
        if let Some(bad) = p.iter().chain(&pdiag).find(|v| !v.is_finite()) {
            return Err(ModelError::Numerical {
                model: Ease::KIND,
                message: format!("non-finite entry {bad} in (XᵀX + λI)⁻¹"),
            });
        }
        if let Some(i) = pdiag.iter().position(|&d| d <= 0.0) {
            return Err(not_definite("XᵀX + λI", i, self.lambda));
        }
        Ok(Ease::from_parts(self.clone(), data, kept, p, pdiag))
    }
}

impl Recommender for Ease {
    recommender_common!();

    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        match query {
            Query::User(u) => {
                let (items, w) = self.data.row(*u as usize);
                self.score_row(items.iter().copied().zip(w.iter().copied()), scores);
            }
            Query::History(h) => {
                let h = history_row(h)?;
                self.score_row(h.into_iter(), scores);
            }
        }
        Ok(())
    }
}

impl SimilarArtists for Ease {
    /// The kept artists with the largest partial correlation `−P_aj / √(P_aa·P_jj)` with
    /// `artist`, best first; empty for an artist that was pruned.
    fn similar(&self, artist: u32, k: usize) -> Result<Vec<Neighbor>, CoreError> {
        check_index("artist", artist, self.n_items())?;
        let a = self.slot[artist as usize];
        if a == NONE {
            return Ok(Vec::new());
        }
        let n = self.kept.len();
        let row = &self.p[a as usize * n..(a as usize + 1) * n];
        let da = self.pdiag[a as usize].sqrt();
        let mut top = TopK::new(k);
        for (j, (&v, &d)) in row.iter().zip(&self.pdiag).enumerate() {
            if j != a as usize {
                top.push(self.kept[j], -v / (da * d.sqrt()));
            }
        }
        Ok(top.into_sorted())
    }
}

impl Stored for Ease {
    const KIND: &'static str = "ease";
    const VERSION: u32 = 1;
    type Config = EaseConfig;

    /// The kept artists, the diagonal of `P`, then its strict lower triangle row by row.
    fn encode(&self, e: &mut Encoder) {
        let n = self.kept.len();
        e.u32s(&self.kept);
        e.f32s(&self.pdiag);
        let mut lower = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for i in 0..n {
            lower.extend_from_slice(&self.p[i * n..i * n + i]);
        }
        e.f32s(&lower);
    }

    fn decode(
        config: EaseConfig,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let kept = d.u32s()?;
        let mut seen = vec![false; data.n_items()];
        for &g in &kept {
            match seen.get_mut(g as usize) {
                Some(s) if !*s => *s = true,
                _ => {
                    return Err(DecodeError(format!(
                        "kept artists must be distinct indices below {}, found {g}",
                        data.n_items()
                    )));
                }
            }
        }
        let n = kept.len();
        let pdiag = d.f32s()?;
        if pdiag.len() != n || pdiag.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(DecodeError(format!(
                "diagonal of P: {} values for {n} artists, all finite and positive expected",
                pdiag.len()
            )));
        }
        let lower = d.f32s()?;
        if lower.len() as u128 != n as u128 * (n as u128).saturating_sub(1) / 2
            || lower.iter().any(|v| !v.is_finite())
        {
            return Err(DecodeError(format!(
                "lower triangle of P: {} values for {n} artists",
                lower.len()
            )));
        }
        let mut p = vec![0f32; n * n];
        let mut at = 0;
        for i in 0..n {
            p[i * n..i * n + i].copy_from_slice(&lower[at..at + i]);
            at += i;
        }
        drop(lower);
        dense::mirror_lower(&mut p, n, &vec![0.0; n]);
        Ok(Self::from_parts(config, data, kept, p, pdiag))
    }
}

#[cfg(test)]
mod tests;
