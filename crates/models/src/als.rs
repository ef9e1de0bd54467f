//! Implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008), with the
//! conjugate-gradient solver of Takács, Pilászy & Tikk (2011) — the algorithm of `implicit`'s
//! `AlternatingLeastSquares` — and an exact Cholesky solver.
//!
//! For every user `u` the model minimises
//! `Σ_i c_ui (p_ui − x_u·y_i)² + λ‖x_u‖²` over all artists `i`, where `p_ui = 1` for played
//! artists and `0` otherwise, and the confidence `c_ui` is 1 for artists not played. Because
//! `Σ_i c_ui y_i y_iᵀ = YᵀY + Σ_{i played} (c_ui − 1) y_i y_iᵀ`, each solve costs
//! `O(n_u·f²)` (exact) or `O(steps·(f² + n_u·f))` (CG) with `YᵀY` computed once per sweep.
//!
//! Implementation: row-major contiguous `f32` factor tables; rows are solved in parallel in
//! fixed blocks, each with its scratch allocated once per block; `YᵀY` is reduced over fixed row
//! blocks in a fixed order. No floating-point result depends on the thread count, so reruns with
//! the same seed are bit-identical (on one machine and build).

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::{CoreError, Fit, Interactions, Observer};
use artist2vec_sparse::{Csr, Weighting, transpose};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::base::{DecodeError, TrainData, check_finite, elementwise};
use crate::common::{factor_recommender, model_common, vectors_common};
use crate::error::check;
use crate::factors::Factors;
use crate::kernels::multiversion;
use crate::kernels::{axpy, axpys, cholesky, cholesky_solve, dot, dots, madd, prefetch, symv};
use crate::persist::Stored;
use crate::rng::Rng;
use crate::{ModelError, Result};

/// How the per-user linear systems are solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AlsSolver {
    /// A few conjugate-gradient steps per sweep, warm-started from the previous factors
    /// (`implicit`'s default; [`AlsConfig::cg_steps`] steps).
    #[default]
    Cg,
    /// The exact solution by Cholesky factorisation.
    Cholesky,
}

/// How the confidence `c_ui` of a played artist is made from its weighted play count `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceScale {
    /// `c = alpha · w`, as `implicit` does (its input matrix *is* the confidence).
    #[default]
    Implicit,
    /// `c = 1 + alpha · w`, as in Hu, Koren & Volinsky's paper.
    Hkv,
}

/// The L2 regularisation `λ` of [`Als`]: a fixed value, or one that scales with the data.
///
/// In JSON a number is a fixed `λ` (`"regularization": 0.05`, as `implicit` takes it);
/// `{"per_confidence": r}` makes `λ = r × c̄`, where `c̄` is the mean confidence of the training
/// rows (`alpha × weighting(plays)` averaged over the stored user × artist pairs).
///
/// Why the mean confidence: each observed pair adds its confidence to the normal equations of
/// its user and its artist, so the data term grows with the confidences while `λ` does not.
/// A `λ` tuned on one data set is too strong on data whose play counts are smaller: the value
/// tuned on hetrec (λ 60, where `c̄ = 3 × mean ln(1 + plays) = 16.5`) flattens every user onto
/// the popular artists on the demo's generated sessions (`c̄ = 3.2`), NDCG@10 0.097 against
/// item-kNN's 0.195; scaled, it is 11.8 there and ALS scores 0.20. The default,
/// `per_confidence` 3.64, is hetrec's tuned λ 60 divided by hetrec-seed42's `c̄`, so hetrec
/// keeps its tuned result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Regularization {
    /// A fixed `λ` (>= 0).
    Fixed(f32),
    /// `λ = per_confidence × c̄`, the mean confidence of the training rows.
    Scaled {
        /// The factor `r` (>= 0).
        per_confidence: f32,
    },
}

impl Default for Regularization {
    fn default() -> Self {
        Regularization::Scaled {
            per_confidence: 3.64,
        }
    }
}

impl Regularization {
    /// The number given (the fixed `λ` or the factor `r`).
    pub fn value(&self) -> f32 {
        match *self {
            Regularization::Fixed(v) => v,
            Regularization::Scaled { per_confidence } => per_confidence,
        }
    }
}

/// Configuration of [`Als`].
///
/// Defaults won the grid on hetrec-seed42-val (see `docs/results.md`): log1p input, 64 factors,
/// 15 iterations, CG with 3 steps as `implicit`'s hetrec reference, but a much stronger
/// regularisation with a larger confidence scale (`λ = 60`, `alpha = 3`: NDCG@10 0.1875 against
/// 0.1664 with `implicit`'s `λ = 0.05`, `alpha = 1`). The regularisation scales with the data
/// ([`Regularization`]): `λ = 3.64 ×` the mean confidence of the training rows, which is 60 on
/// hetrec-seed42 and keeps the model from collapsing onto popular artists on data with smaller
/// play counts. Use
/// `AlsConfig::new().with_regularization(0.05).with_alpha(1.0)` for `implicit`'s settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlsConfig {
    /// Dimension of the user and artist vectors. Default 64.
    pub factors: usize,
    /// L2 regularisation `λ`: a number (a fixed `λ` >= 0), or `{"per_confidence": r}` for
    /// `λ = r ×` the mean confidence of the training rows. Default `{"per_confidence": 3.64}`
    /// (λ 60 on hetrec-seed42); see [`Regularization`].
    pub regularization: Regularization,
    /// Confidence scale `alpha` (> 0). Default 3.
    pub alpha: f32,
    /// Sweeps (users, then artists). Default 15.
    pub iterations: usize,
    /// Element-wise weighting of play counts before the confidence. Default log1p.
    pub weighting: Weighting,
    /// Confidence formula. Default [`ConfidenceScale::Implicit`].
    pub confidence: ConfidenceScale,
    /// Solver. Default [`AlsSolver::Cg`].
    pub solver: AlsSolver,
    /// Conjugate-gradient steps per row and sweep (>= 1). Default 3.
    pub cg_steps: usize,
    /// Initial factors are uniform in `[0, init_scale)` (> 0). Default 0.01 (`implicit`'s).
    pub init_scale: f32,
    /// Seed of the initial factors.
    pub seed: u64,
}

impl Default for AlsConfig {
    fn default() -> Self {
        Self {
            factors: 64,
            regularization: Regularization::default(),
            alpha: 3.0,
            iterations: 15,
            weighting: Weighting::Log1p,
            confidence: ConfidenceScale::Implicit,
            solver: AlsSolver::Cg,
            cg_steps: 3,
            init_scale: 0.01,
            seed: 42,
        }
    }
}

impl AlsConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`factors`](Self::factors).
    pub fn with_factors(mut self, v: usize) -> Self {
        self.factors = v;
        self
    }
    /// Sets a fixed [`regularization`](Self::regularization) `λ`.
    pub fn with_regularization(mut self, v: f32) -> Self {
        self.regularization = Regularization::Fixed(v);
        self
    }
    /// Sets a [`regularization`](Self::regularization) that scales with the data:
    /// `λ = r ×` the mean confidence of the training rows.
    pub fn with_regularization_per_confidence(mut self, r: f32) -> Self {
        self.regularization = Regularization::Scaled { per_confidence: r };
        self
    }

    /// The `λ` this configuration uses on training rows `matrix` (raw play counts).
    pub fn lambda(&self, matrix: &Csr) -> f32 {
        match self.regularization {
            Regularization::Fixed(v) => v,
            Regularization::Scaled { per_confidence } => {
                let v = matrix.data();
                if v.is_empty() {
                    return per_confidence;
                }
                let sum: f64 = v.iter().map(|&x| f64::from(self.confidence_of(x))).sum();
                per_confidence * (sum / v.len() as f64) as f32
            }
        }
    }
    /// Sets [`alpha`](Self::alpha).
    pub fn with_alpha(mut self, v: f32) -> Self {
        self.alpha = v;
        self
    }
    /// Sets [`iterations`](Self::iterations).
    pub fn with_iterations(mut self, v: usize) -> Self {
        self.iterations = v;
        self
    }
    /// Sets [`weighting`](Self::weighting).
    pub fn with_weighting(mut self, v: Weighting) -> Self {
        self.weighting = v;
        self
    }
    /// Sets [`confidence`](Self::confidence).
    pub fn with_confidence(mut self, v: ConfidenceScale) -> Self {
        self.confidence = v;
        self
    }
    /// Sets [`solver`](Self::solver).
    pub fn with_solver(mut self, v: AlsSolver) -> Self {
        self.solver = v;
        self
    }
    /// Sets [`cg_steps`](Self::cg_steps).
    pub fn with_cg_steps(mut self, v: usize) -> Self {
        self.cg_steps = v;
        self
    }
    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, v: u64) -> Self {
        self.seed = v;
        self
    }

    /// The confidence of a raw play count.
    fn confidence_of(&self, x: f32) -> f32 {
        let w = elementwise(&self.weighting, x).unwrap_or(x);
        match self.confidence {
            ConfidenceScale::Implicit => self.alpha * w,
            ConfidenceScale::Hkv => 1.0 + self.alpha * w,
        }
    }
}

/// A fitted ALS model: user and artist vectors.
#[derive(Debug, Clone)]
pub struct Als {
    config: AlsConfig,
    data: TrainData,
    factors: Factors,
    /// `YᵀY + λI` of the final artist vectors (derived), for folding in new listeners.
    gram_reg: Vec<f32>,
}

model_common!(
    Als,
    AlsConfig,
    "implicit-feedback ALS (Hu, Koren & Volinsky), CG or Cholesky",
    ["ials", "implicit-als"],
    vectors
);
vectors_common!(Als, factors.items);

impl Als {
    /// The user vectors, row-major `n_users × factors` (zero for users without training plays).
    pub fn user_factors(&self) -> &[f32] {
        &self.factors.users
    }

    /// The vector of a new listener, given only what they played (dense artist index, play
    /// count): the exact solution of that listener's least-squares problem against the fixed
    /// artist vectors — what training would have given them.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a
    /// negative or non-finite play count.
    pub fn fold_in(&self, history: &[(u32, f32)]) -> Result<Vec<f32>, CoreError> {
        let h = self.data.history(history)?;
        let f = self.config.factors;
        let indices: Vec<u32> = h.iter().map(|p| p.0).collect();
        let conf: Vec<f32> = h.iter().map(|p| self.config.confidence_of(p.1)).collect();
        let mut x = vec![0f32; f];
        let ok = solve_block(
            &mut x,
            0,
            &[0, indices.len()],
            &indices,
            &conf,
            self.factors.items.as_slice(),
            &self.gram_reg,
            None,
            f,
            0,
        );
        if !ok {
            return Err(CoreError::Invalid(
                "the fold-in system is not positive definite (regularization 0?)".into(),
            ));
        }
        Ok(x)
    }
}

/// Rows solved per parallel task.
const SOLVE_BLOCK: usize = 32;
/// How many entries ahead the vectors of a row are prefetched.
const PREFETCH: usize = 6;
/// Rows of at most this many entries are solved exactly from `(YᵀY + λI)⁻¹` (Woodbury),
/// which costs fewer products with an `f × f` matrix than the CG steps (one per entry against
/// four).
const SMALL_ROW: usize = 3;
/// Entries per chunk of [`RowSystem::add_outer`] (64 KB of vectors at 64 factors).
const OUTER_CHUNK: usize = 256;
/// Rows per partial sum of `YᵀY`.
const GRAM_BLOCK: usize = 1024;

multiversion! {
    /// Solves rows `first..` of one side; `cg_steps == 0` means the exact solver. Returns false
    /// when a Cholesky factorisation failed.
    fn solve_block<const FMA: bool>(
        x: &mut [f32],
        first: usize,
        indptr: &[usize],
        indices: &[u32],
        conf: &[f32],
        y: &[f32],
        gram: &[f32],
        inv: Option<&[f32]>,
        f: usize,
        cg_steps: usize,
    ) -> bool {
        let mut ok = true;
        // The matrix of the exact solver, or the residual, direction and product of CG.
        let mut scratch = vec![0f32; if cg_steps == 0 { f * f } else { 3 * f }];
        let mut weights = vec![0f32; if cg_steps == 0 { 0 } else { OUTER_CHUNK }];
        for (r, xu) in x.chunks_exact_mut(f).enumerate() {
            let u = first + r;
            let (s, e) = (indptr[u], indptr[u + 1]);
            let row = RowSystem {
                idx: &indices[s..e],
                conf: &conf[s..e],
                y,
                gram,
                f,
            };
            if s == e {
                xu.fill(0.0);
            } else if cg_steps == 0 {
                ok &= row.solve_exact::<FMA>(xu, &mut scratch);
            } else if !(e - s <= SMALL_ROW
                && inv.is_some_and(|z| row.solve_small::<FMA>(xu, z, &mut scratch)))
            {
                row.solve_cg::<FMA>(xu, cg_steps, &mut scratch, &mut weights);
            }
        }
        ok
    }
}

/// The normal equations of one row: its entries (other side's indices `idx`, confidences
/// `conf`) against the other side's vectors `y` (row-major, `f` wide), with `gram = YᵀY + λI`.
#[derive(Clone, Copy)]
struct RowSystem<'a> {
    idx: &'a [u32],
    conf: &'a [f32],
    y: &'a [f32],
    gram: &'a [f32],
    f: usize,
}

impl RowSystem<'_> {
    /// The vector of entry `k`, prefetching the one `PREFETCH` entries ahead.
    #[inline(always)]
    fn vector(&self, k: usize) -> &[f32] {
        if let Some(&i) = self.idx.get(k + PREFETCH) {
            prefetch(&self.y[i as usize * self.f..][..self.f]);
        }
        &self.y[self.idx[k] as usize * self.f..][..self.f]
    }

    /// Solves the row exactly, `x = (YᵀY + λI + Σ (c − 1) y yᵀ)⁻¹ Σ c y`, factorising in `a`
    /// (`f × f`). False, with `x = 0`, when the matrix is not positive definite.
    #[inline(always)]
    fn solve_exact<const FMA: bool>(&self, xu: &mut [f32], a: &mut [f32]) -> bool {
        let f = self.f;
        a.copy_from_slice(self.gram);
        xu.fill(0.0);
        for (k, &c) in self.conf.iter().enumerate() {
            let yi = self.vector(k);
            if c > 0.0 {
                axpy::<FMA>(c, yi, xu);
            }
            let cm1 = c - 1.0;
            // Upper triangle of A += (c − 1) y yᵀ.
            for j in 0..f {
                axpy::<FMA>(cm1 * yi[j], &yi[j..], &mut a[j * f + j..(j + 1) * f]);
            }
        }
        if cholesky::<FMA>(a, f) {
            cholesky_solve::<FMA>(a, f, xu);
            true
        } else {
            xu.fill(0.0);
            false
        }
    }

    /// Solves a row of at most [`SMALL_ROW`] entries exactly with `z = (YᵀY + λI)⁻¹`: with
    /// `A = G + U D Uᵀ` (`U` the row's vectors, `D = diag(c − 1)`), `V = Z U`, `W = Uᵀ V` and
    /// `b = U β` (`β = max(c, 0)`), `x = V (β − D t)` where `(I + W D) t = W β` (Woodbury).
    /// `scratch` (`3 f`) holds `V`. False (and `xu` untouched) when the small system is
    /// singular or the result not finite; the caller then runs CG.
    #[inline(always)]
    fn solve_small<const FMA: bool>(&self, xu: &mut [f32], z: &[f32], scratch: &mut [f32]) -> bool {
        let (f, n) = (self.f, self.idx.len());
        debug_assert!(n <= SMALL_ROW && scratch.len() >= SMALL_ROW * f);
        for k in 0..n {
            let yk = self.vector(k);
            symv::<FMA>(z, yk, &mut scratch[k * f..(k + 1) * f]);
        }
        let v = &*scratch;
        let mut w = [[0f64; SMALL_ROW]; SMALL_ROW];
        for (k, wk) in w.iter_mut().enumerate().take(n) {
            let yk = &self.y[self.idx[k] as usize * f..][..f];
            for (l, wkl) in wk.iter_mut().enumerate().take(n) {
                *wkl = dot::<FMA>(yk, &v[l * f..(l + 1) * f]) as f64;
            }
        }
        let beta: [f64; SMALL_ROW] =
            std::array::from_fn(|k| self.conf.get(k).map_or(0.0, |&c| c.max(0.0) as f64));
        let d: [f64; SMALL_ROW] =
            std::array::from_fn(|k| self.conf.get(k).map_or(0.0, |&c| c as f64 - 1.0));
        // m = I + W D and t = W β, then m t = W β solved in place (partial pivoting).
        let mut m = [[0f64; SMALL_ROW]; SMALL_ROW];
        let mut t = [0f64; SMALL_ROW];
        for k in 0..n {
            for l in 0..n {
                m[k][l] = f64::from(u8::from(k == l)) + w[k][l] * d[l];
                t[k] += w[k][l] * beta[l];
            }
        }
        if !solve_dense_small(&mut m, &mut t, n) {
            return false;
        }
        let coef: [f64; SMALL_ROW] = std::array::from_fn(|k| beta[k] - d[k] * t[k]);
        if !coef[..n].iter().all(|c| c.is_finite()) {
            return false;
        }
        xu.fill(0.0);
        for (k, &c) in coef.iter().enumerate().take(n) {
            axpy::<FMA>(c as f32, &v[k * f..(k + 1) * f], xu);
        }
        true
    }

    /// `out += Σ_k weight(c_k, y_k · v) y_k` over the row's entries, in chunks of
    /// [`OUTER_CHUNK`]: the chunk's dot products four at a time, then its sum of vectors with
    /// `out` in registers while the chunk's vectors are still in cache (`weights` holds a
    /// chunk's weights).
    #[inline(always)]
    fn add_outer<const FMA: bool>(
        &self,
        v: &[f32],
        out: &mut [f32],
        weights: &mut [f32],
        weight: impl Fn(f32, f32) -> f32,
    ) {
        for (idx, conf) in self
            .idx
            .chunks(OUTER_CHUNK)
            .zip(self.conf.chunks(OUTER_CHUNK))
        {
            let w = &mut weights[..idx.len()];
            dots::<FMA>(self.y, idx, v, w);
            for (wk, &c) in w.iter_mut().zip(conf) {
                *wk = weight(c, *wk);
            }
            axpys::<FMA>(self.y, idx, w, out);
        }
    }

    /// Improves `xu` by `steps` conjugate-gradient steps, with `scratch` (`3 f`) for the
    /// residual, the direction and the product of the matrix with the direction, and `weights`
    /// ([`OUTER_CHUNK`]) for [`Self::add_outer`].
    #[inline(always)]
    fn solve_cg<const FMA: bool>(
        &self,
        xu: &mut [f32],
        steps: usize,
        scratch: &mut [f32],
        weights: &mut [f32],
    ) {
        let f = self.f;
        let (r, rest) = scratch.split_at_mut(f);
        let (p, ap) = rest.split_at_mut(f);
        // The first pass gathers the row's vectors from memory, prefetched ahead; later passes
        // find most of them in cache.
        for k in 0..self.idx.len().min(PREFETCH) {
            prefetch(&self.y[self.idx[k] as usize * f..][..f]);
        }
        // r = b − A x, with A x = (YᵀY + λI) x + Σ (c − 1)(y·x) y and b = Σ max(c, 0) y.
        symv::<FMA>(self.gram, xu, r);
        r.iter_mut().for_each(|v| *v = -*v);
        self.add_outer::<FMA>(xu, r, weights, |c, d| {
            madd::<FMA>(-(c - 1.0), d, c.max(0.0))
        });
        p.copy_from_slice(r);
        let mut rsold = dot::<FMA>(r, r);
        if rsold < 1e-20 {
            return;
        }
        for _ in 0..steps {
            symv::<FMA>(self.gram, p, ap);
            self.add_outer::<FMA>(p, ap, weights, |c, d| (c - 1.0) * d);
            let alpha = rsold / dot::<FMA>(p, ap);
            axpy::<FMA>(alpha, p, xu);
            axpy::<FMA>(-alpha, ap, r);
            let rsnew = dot::<FMA>(r, r);
            if rsnew < 1e-20 {
                break;
            }
            let beta = rsnew / rsold;
            for (pi, &ri) in p.iter_mut().zip(&*r) {
                *pi = madd::<FMA>(beta, *pi, ri);
            }
            rsold = rsnew;
        }
    }
}

multiversion! {
    /// Adds the lower triangle of `Σ y yᵀ` over the rows of `rows` into `out` (`f × f`).
    fn gram_block<const FMA: bool>(rows: &[f32], f: usize, out: &mut [f32]) {
        let mut quads = rows.chunks_exact(4 * f);
        for q in &mut quads {
            let (y0, rest) = q.split_at(f);
            let (y1, rest) = rest.split_at(f);
            let (y2, y3) = rest.split_at(f);
            for j in 0..f {
                let (a0, a1, a2, a3) = (y0[j], y1[j], y2[j], y3[j]);
                let o = &mut out[j * f..j * f + j + 1];
                for (t, o) in o.iter_mut().enumerate() {
                    let mut v = madd::<FMA>(a0, y0[t], *o);
                    v = madd::<FMA>(a1, y1[t], v);
                    v = madd::<FMA>(a2, y2[t], v);
                    *o = madd::<FMA>(a3, y3[t], v);
                }
            }
        }
        for yr in quads.remainder().chunks_exact(f) {
            for j in 0..f {
                axpy::<FMA>(yr[j], &yr[..=j], &mut out[j * f..j * f + j + 1]);
            }
        }
    }
}

/// `YᵀY + reg·I` (full symmetric `f × f`), reduced over fixed blocks in a fixed order.
pub(crate) fn gram(y: &[f32], f: usize, reg: f32) -> Vec<f32> {
    let partials: Vec<Vec<f32>> = y
        .par_chunks(GRAM_BLOCK * f)
        .map(|blk| {
            let mut a = vec![0f32; f * f];
            gram_block(blk, f, &mut a);
            a
        })
        .collect();
    let mut g = vec![0f32; f * f];
    for p in &partials {
        for (a, b) in g.iter_mut().zip(p) {
            *a += b;
        }
    }
    for j in 0..f {
        for t in 0..j {
            g[t * f + j] = g[j * f + t];
        }
        g[j * f + j] += reg;
    }
    g
}

/// Solves `m t = rhs` (`n × n`, `n <= SMALL_ROW`) in place by Gaussian elimination with
/// partial pivoting; false when a pivot is (nearly) zero.
fn solve_dense_small(
    m: &mut [[f64; SMALL_ROW]; SMALL_ROW],
    rhs: &mut [f64; SMALL_ROW],
    n: usize,
) -> bool {
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .unwrap_or(col);
        if !(m[piv][col].abs() > 1e-12) {
            return false;
        }
        m.swap(col, piv);
        rhs.swap(col, piv);
        for r in col + 1..n {
            let k = m[r][col] / m[col][col];
            for c in col..n {
                m[r][c] -= k * m[col][c];
            }
            rhs[r] -= k * rhs[col];
        }
    }
    for r in (0..n).rev() {
        let mut acc = rhs[r];
        for c in r + 1..n {
            acc -= m[r][c] * rhs[c];
        }
        rhs[r] = acc / m[r][r];
    }
    true
}

/// The inverse of the symmetric positive definite `f × f` matrix `g` (EASE's blocked
/// [`crate::dense::inverse_spd`]), or `None` when it is not positive definite.
fn spd_inverse(g: &[f32], f: usize) -> Option<Vec<f32>> {
    let mut z = g.to_vec();
    crate::dense::inverse_spd(&mut z, f, &mut |_| {}).ok()?;
    Some(z)
}

/// Solves every row of one side in parallel; false when a Cholesky factorisation failed.
fn solve_side(m: &Csr, x: &mut [f32], y: &[f32], gram: &[f32], f: usize, cg_steps: usize) -> bool {
    // The inverse for the rows CG would spend more on than an exact solve.
    let inv = if cg_steps > 0 {
        spd_inverse(gram, f)
    } else {
        None
    };
    let inv = inv.as_deref();
    let indptr = crate::base::ptr(m);
    let (indices, conf) = (m.indices(), m.data());
    x.par_chunks_mut(SOLVE_BLOCK * f)
        .enumerate()
        .map(|(b, blk)| {
            solve_block(
                blk,
                b * SOLVE_BLOCK,
                indptr,
                indices,
                conf,
                y,
                gram,
                inv,
                f,
                cg_steps,
            )
        })
        .reduce(|| true, |a, b| a && b)
}

/// Refuses factor tables (and the per-thread Gram matrices) over [`crate::MAX_MODEL_BYTES`].
fn als_memory(f: usize, users: usize, items: usize) -> Result<()> {
    let grams = rayon::current_num_threads() + 2;
    check::factor_memory(Als::KIND, f, f, users, items, grams)
}

impl Fit<Interactions> for AlsConfig {
    type Model = Als;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = Als::KIND;
        check::at_most(m, "factors", self.factors, crate::error::MAX_FACTORS)?;
        check::non_negative(m, "regularization", self.regularization.value())?;
        check::positive(m, "alpha", self.alpha)?;
        check::at_least_one(m, "iterations", self.iterations)?;
        check::elementwise(m, "weighting", &self.weighting)?;
        check::at_least_one(m, "cg_steps", self.cg_steps)?;
        check::positive(m, "init_scale", self.init_scale)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<Als> {
        self.validate()?;
        let data = TrainData::new(Als::KIND, data)?;
        let f = self.factors;
        let (nu, ni) = (data.n_users(), data.n_items());
        als_memory(f, nu, ni)?;
        let mut cu = data.matrix.clone();
        cu.data_mut()
            .iter_mut()
            .for_each(|v| *v = self.confidence_of(*v));
        let ci = transpose(&cu);
        let mut x = vec![0f32; nu * f];
        let mut y = vec![0f32; ni * f];
        let mut rng = Rng::new(self.seed, 1);
        x.iter_mut().for_each(|v| *v = rng.f32() * self.init_scale);
        let mut rng = Rng::new(self.seed, 2);
        y.iter_mut().for_each(|v| *v = rng.f32() * self.init_scale);
        let steps = match self.solver {
            AlsSolver::Cg => self.cg_steps,
            AlsSolver::Cholesky => 0,
        };
        let lambda = self.lambda(&data.matrix);
        for it in 0..self.iterations {
            let g = gram(&y, f, lambda);
            let ok_u = solve_side(&cu, &mut x, &y, &g, f, steps);
            let g = gram(&x, f, lambda);
            let ok_i = solve_side(&ci, &mut y, &x, &g, f, steps);
            if !(ok_u && ok_i) {
                return Err(ModelError::Diverged {
                    model: Als::KIND,
                    step: "iteration",
                    epoch: it + 1,
                    message: "a normal-equation matrix is not positive definite; \
                              increase `regularization` or lower `alpha`"
                        .into(),
                });
            }
            check_finite(
                Als::KIND,
                ("iteration", it + 1),
                &x,
                &y,
                "increase `regularization` or lower `alpha`",
            )?;
            crate::base::report(
                observer,
                "als iteration",
                it as u64 + 1,
                self.iterations as u64,
            );
        }
        let gram_reg = gram(&y, f, lambda);
        let factors = Factors::new(&data, f, x, y)?;
        Ok(Als {
            config: self.clone(),
            data,
            factors,
            gram_reg,
        })
    }
}

factor_recommender!(Als, |m| m.factors.tables());

impl Stored for Als {
    const KIND: &'static str = "als";
    const VERSION: u32 = 1;
    type Config = AlsConfig;

    fn encode(&self, e: &mut Encoder) {
        self.factors.tables().encode(e);
    }

    fn decode(
        config: AlsConfig,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        als_memory(config.factors, data.n_users(), data.n_items())
            .map_err(|e| DecodeError(e.to_string()))?;
        let factors = Factors::decode(d, &data, config.factors)?;
        let gram_reg = gram(
            factors.items.as_slice(),
            config.factors,
            config.lambda(&data.matrix),
        );
        Ok(Self {
            config,
            data,
            factors,
            gram_reg,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `YᵀY + λI` of `n` random `f`-vectors, and the vectors.
    fn system(n: usize, f: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
        let mut rng = Rng::new(seed, 1);
        let y: Vec<f32> = (0..n * f).map(|_| rng.f32() - 0.5).collect();
        (gram(&y, f, 0.1), y)
    }

    #[test]
    fn the_inverse_of_the_gram_matrix_is_an_inverse() {
        let f = 16;
        let (g, _) = system(40, f, 3);
        let z = spd_inverse(&g, f).unwrap();
        for i in 0..f {
            for j in 0..f {
                let v: f32 = (0..f).map(|k| g[i * f + k] * z[k * f + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-4, "({i}, {j}): {v}");
            }
        }
        let mut bad = g.clone();
        bad[0] = -1.0;
        assert!(spd_inverse(&bad, f).is_none());
    }

    #[test]
    fn small_rows_solved_by_woodbury_match_the_exact_solver() {
        let f = 16;
        let (g, y) = system(50, f, 7);
        let z = spd_inverse(&g, f).unwrap();
        for (idx, conf) in [
            (vec![4u32], vec![3.5f32]),
            (vec![1, 30], vec![1.0, 9.0]),
            (vec![2, 17, 44], vec![2.0, 0.5, 40.0]),
            (vec![5, 6, 7], vec![-1.0, 4.0, 1.0]),
        ] {
            let row = RowSystem {
                idx: &idx,
                conf: &conf,
                y: &y,
                gram: &g,
                f,
            };
            let (mut exact, mut small) = (vec![0f32; f], vec![0.25f32; f]);
            assert!(row.solve_exact::<false>(&mut exact, &mut vec![0f32; f * f]));
            assert!(row.solve_small::<false>(&mut small, &z, &mut vec![0f32; 3 * f]));
            for (a, b) in exact.iter().zip(&small) {
                assert!(
                    (a - b).abs() < 1e-3 * (1.0 + a.abs()),
                    "{exact:?}\n{small:?}"
                );
            }
        }
    }

    #[test]
    fn a_singular_small_system_is_refused() {
        let mut m = [[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]];
        let mut t = [1.0, 2.0, 3.0];
        assert!(!solve_dense_small(&mut m, &mut t, 3));
        let mut m = [[2.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]];
        let mut t = [3.0, 5.0, 7.0];
        assert!(solve_dense_small(&mut m, &mut t, 3));
        assert!((t[0] - 0.8).abs() < 1e-12 && (t[1] - 1.4).abs() < 1e-12 && t[2] == 7.0);
    }
}
