//! The seed notebooks' weighted matrix factorisation: played artists are positives with weight
//! `1 + α·ln(1 + β·plays)`, randomly drawn unplayed artists are negatives with weight 1, squared
//! loss with L2 regularisation, trained by SGD.
//!
//! For every (listener `u`, artist `i`) pair in a random order, one step on
//! `w_ui (1 − x_u·y_i)² + λ(‖x_u‖² + ‖y_i‖²)` is followed by [`WmfConfig::negatives`] steps on
//! `(0 − x_u·y_j)² + λ(‖x_u‖² + ‖y_j‖²)` for artists `j` drawn uniformly among those `u` did not
//! play.

use artist2vec_core::hogwild::HogwildRows;
use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::{CoreError, Fit, Interactions, Observer, Progress};
use serde::{Deserialize, Serialize};

use crate::base::{DecodeError, TrainData, check_finite, effective_threads, hogwild, share};
use crate::common::{factor_recommender, model_common, vectors_common};
use crate::error::check;
use crate::factors::Factors;
use crate::kernels::multiversion;
use crate::kernels::{axpy, cholesky, cholesky_solve, dot, load_row, madd, store_row};
use crate::persist::Stored;
use crate::rng::Rng;
use crate::{ModelError, Result};

/// Configuration of [`Wmf`].
///
/// Defaults won on hetrec-seed42-val (`α = 0.5`, 10 negatives, `λ = 0.07`: NDCG@10 0.1649,
/// against 0.0829 with `α = 1`, 4 negatives, `λ = 0.01`); see `docs/results.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WmfConfig {
    /// Dimension of the vectors. Default 64.
    pub factors: usize,
    /// `α` of the weight `1 + α·ln(1 + β·plays)` (>= 0). Default 0.5.
    pub alpha: f32,
    /// `β` of the weight (>= 0). Default 1.
    pub beta: f32,
    /// Negatives drawn per positive (>= 1). Default 10.
    pub negatives: usize,
    /// L2 regularisation (>= 0). Default 0.07.
    pub regularization: f32,
    /// SGD step size (> 0). Default 0.02.
    pub learning_rate: f32,
    /// Passes over the positives. Default 30.
    pub epochs: usize,
    /// Standard deviation of the normal initial vectors (> 0). Default 0.1.
    pub init_std: f32,
    /// Seed of the initial vectors and of the sampling. With `threads = 1` the seed alone
    /// fixes the result.
    pub seed: u64,
    /// Training threads; 0 = all available cores (default). Each thread takes a contiguous
    /// part of an epoch's shuffled positives and updates the shared vectors without locks
    /// (Hogwild, through relaxed atomics): results then vary slightly from run to run. With 1
    /// thread training is deterministic.
    pub threads: usize,
}

impl Default for WmfConfig {
    fn default() -> Self {
        Self {
            factors: 64,
            alpha: 0.5,
            beta: 1.0,
            negatives: 10,
            regularization: 0.07,
            learning_rate: 0.02,
            epochs: 30,
            init_std: 0.1,
            seed: 42,
            threads: 0,
        }
    }
}

impl WmfConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`factors`](Self::factors).
    pub fn with_factors(mut self, v: usize) -> Self {
        self.factors = v;
        self
    }
    /// Sets [`alpha`](Self::alpha) and [`beta`](Self::beta).
    pub fn with_weight(mut self, alpha: f32, beta: f32) -> Self {
        self.alpha = alpha;
        self.beta = beta;
        self
    }
    /// Sets [`negatives`](Self::negatives).
    pub fn with_negatives(mut self, v: usize) -> Self {
        self.negatives = v;
        self
    }
    /// Sets [`regularization`](Self::regularization).
    pub fn with_regularization(mut self, v: f32) -> Self {
        self.regularization = v;
        self
    }
    /// Sets [`learning_rate`](Self::learning_rate).
    pub fn with_learning_rate(mut self, v: f32) -> Self {
        self.learning_rate = v;
        self
    }
    /// Sets [`epochs`](Self::epochs).
    pub fn with_epochs(mut self, v: usize) -> Self {
        self.epochs = v;
        self
    }
    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, v: u64) -> Self {
        self.seed = v;
        self
    }
    /// Sets [`threads`](Self::threads).
    pub fn with_threads(mut self, v: usize) -> Self {
        self.threads = v;
        self
    }

    fn weight(&self, plays: f32) -> f32 {
        1.0 + self.alpha * (self.beta * plays).ln_1p()
    }
}

/// A fitted weighted-MF model.
#[derive(Debug, Clone)]
pub struct Wmf {
    config: WmfConfig,
    data: TrainData,
    factors: Factors,
    /// Artists with training plays (derived): where negatives are drawn from.
    trained: Vec<u32>,
}

model_common!(
    Wmf,
    WmfConfig,
    "weighted matrix factorisation with sampled negatives, SGD",
    ["mf"],
    vectors
);
vectors_common!(Wmf, factors.items);

impl Wmf {
    /// User vectors, row-major `n_users × factors`.
    pub fn user_factors(&self) -> &[f32] {
        &self.factors.users
    }

    /// The vector of a new listener: the exact minimiser of the training objective for that
    /// listener alone (their plays as weighted positives, `negatives` seeded random unplayed
    /// artists per play, the regularisation SGD would have applied), artist vectors fixed.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a bad
    /// play count.
    pub fn fold_in(&self, history: &[(u32, f32)]) -> Result<Vec<f32>, CoreError> {
        let h = self.data.history(history)?;
        let f = self.config.factors;
        let mut x = vec![0f32; f];
        if h.is_empty() {
            return Ok(x);
        }
        let y = self.factors.items.as_slice();
        let mut a = vec![0f32; f * f];
        let add = |i: u32, w: f32, target: f32, a: &mut [f32], b: &mut [f32]| {
            let yi = &y[i as usize * f..][..f];
            for j in 0..f {
                axpy::<false>(w * yi[j], &yi[j..], &mut a[j * f + j..(j + 1) * f]);
            }
            axpy::<false>(w * target, yi, b);
        };
        let mut rng = Rng::new(self.config.seed, 3);
        let mut steps = 0usize;
        for &(i, plays) in &h {
            add(i, self.config.weight(plays), 1.0, &mut a, &mut x);
            steps += 1;
            for _ in 0..self.config.negatives {
                let j = self.trained[rng.below(self.trained.len())];
                if h.binary_search_by_key(&j, |p| p.0).is_err() {
                    add(j, 1.0, 0.0, &mut a, &mut x);
                    steps += 1;
                }
            }
        }
        let reg = self.config.regularization * steps as f32;
        for j in 0..f {
            a[j * f + j] += reg.max(1e-6);
        }
        if !cholesky::<false>(&mut a, f) {
            return Err(CoreError::Invalid(
                "the fold-in system is not positive definite".into(),
            ));
        }
        cholesky_solve::<false>(&a, f, &mut x);
        Ok(x)
    }
}

multiversion! {
    /// One thread's part of an SGD pass: the positives `order` (with their negatives), the
    /// updates written to the shared tables; returns the summed weighted squared error of the
    /// positive steps.
    fn wmf_epoch<const FMA: bool>(
        x: HogwildRows<'_>,
        y: HogwildRows<'_>,
        order: &[u32],
        userids: &[u32],
        indptr: &[usize],
        indices: &[u32],
        weights: &[f32],
        trained: &[u32],
        negatives: usize,
        lr: f32,
        reg: f32,
        rng: &mut Rng,
    ) -> f64 {
        let f = y.dim();
        let mut rows = vec![0f32; 2 * f];
        let (xu, yi) = rows.split_at_mut(f);
        let mut loss = 0f64;
        for &p in order {
            let p = p as usize;
            let u = userids[p] as usize;
            let i = indices[p] as usize;
            // The listener's vector stays in `xu` through the positive and its negatives.
            load_row::<FMA>(&x, u, xu);
            load_row::<FMA>(&y, i, yi);
            let e = sgd_step::<FMA>(xu, yi, weights[p], 1.0, lr, reg);
            store_row::<FMA>(&y, i, yi);
            loss += (weights[p] * e * e) as f64;
            let row = &indices[indptr[u]..indptr[u + 1]];
            for _ in 0..negatives {
                let j = trained[rng.below(trained.len())] as usize;
                if row.binary_search(&(j as u32)).is_ok() {
                    continue;
                }
                load_row::<FMA>(&y, j, yi);
                sgd_step::<FMA>(xu, yi, 1.0, 0.0, lr, reg);
                store_row::<FMA>(&y, j, yi);
            }
            store_row::<FMA>(&x, u, xu);
        }
        loss
    }
}

/// One SGD step on `w·(target − x·y)² + reg·(‖x‖² + ‖y‖²)`; returns the error before the step.
#[inline(always)]
fn sgd_step<const FMA: bool>(
    xu: &mut [f32],
    yi: &mut [f32],
    w: f32,
    target: f32,
    lr: f32,
    reg: f32,
) -> f32 {
    let e = target - dot::<FMA>(xu, yi);
    let g = lr * w * e;
    for (xt, yt) in xu.iter_mut().zip(yi.iter_mut()) {
        let (xo, yo) = (*xt, *yt);
        *xt = madd::<FMA>(g, yo, madd::<FMA>(-lr * reg, xo, xo));
        *yt = madd::<FMA>(g, xo, madd::<FMA>(-lr * reg, yo, yo));
    }
    e
}

impl Fit<Interactions> for WmfConfig {
    type Model = Wmf;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = Wmf::KIND;
        check::at_most(m, "factors", self.factors, crate::error::MAX_FACTORS)?;
        check::non_negative(m, "alpha", self.alpha)?;
        check::non_negative(m, "beta", self.beta)?;
        check::at_least_one(m, "negatives", self.negatives)?;
        check::non_negative(m, "regularization", self.regularization)?;
        check::positive(m, "learning_rate", self.learning_rate)?;
        check::at_least_one(m, "epochs", self.epochs)?;
        check::positive(m, "init_std", self.init_std)?;
        if self.threads > 0 {
            check::at_most(m, "threads", self.threads, crate::error::MAX_THREADS)?;
        }
        Ok(())
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<Wmf> {
        self.validate()?;
        let data = TrainData::new(Wmf::KIND, data)?;
        let f = self.factors;
        let (nu, ni) = (data.n_users(), data.n_items());
        check::factor_memory(Wmf::KIND, f, f, nu, ni, 0)?;
        let mut rng = Rng::new(self.seed, 1);
        let mut x: Vec<f32> = (0..nu * f)
            .map(|_| (rng.normal() * self.init_std as f64) as f32)
            .collect();
        let mut y: Vec<f32> = (0..ni * f)
            .map(|_| (rng.normal() * self.init_std as f64) as f32)
            .collect();
        data.zero_untrained_rows(&mut x, &mut y, f);
        let ptr = crate::base::ptr(&data.matrix);
        let nnz = data.matrix.nnz();
        let userids = data.entry_users();
        let weights: Vec<f32> = data.matrix.data().iter().map(|&c| self.weight(c)).collect();
        let trained = data.trained_items();
        let mut order: Vec<u32> = (0..nnz as u32).collect();
        let threads = effective_threads(self.threads).min(nnz).max(1);
        // Thread 0 shuffles and draws negatives from the stream a single-threaded fit has
        // always used; the others draw negatives from their own streams.
        let mut rngs: Vec<Rng> = (0..threads)
            .map(|t| Rng::new(self.seed, if t == 0 { 2 } else { 0x574d_4600 + t as u64 }))
            .collect();
        for epoch in 0..self.epochs {
            rngs[0].shuffle(&mut order);
            let (xs, ys) = (HogwildRows::new(&mut x, f), HogwildRows::new(&mut y, f));
            let run = |t: usize, rng: &mut Rng| {
                wmf_epoch(
                    xs,
                    ys,
                    &order[share(nnz, threads, t)],
                    &userids,
                    ptr,
                    data.matrix.indices(),
                    &weights,
                    &trained,
                    self.negatives,
                    self.learning_rate,
                    self.regularization,
                    rng,
                )
            };
            let loss: f64 = hogwild(&mut rngs, run).into_iter().sum();
            if !loss.is_finite() {
                return Err(ModelError::Diverged {
                    model: Wmf::KIND,
                    step: "epoch",
                    epoch: epoch + 1,
                    message: format!("loss {loss}; lower `learning_rate`"),
                });
            }
            check_finite(
                Wmf::KIND,
                ("epoch", epoch + 1),
                &x,
                &y,
                "lower `learning_rate`",
            )?;
            observer.progress(&Progress {
                stage: "wmf epoch",
                done: epoch as u64 + 1,
                total: Some(self.epochs as u64),
                value: Some(("positive_loss", loss / nnz as f64)),
            });
        }
        let factors = Factors::new(&data, f, x, y)?;
        Ok(Wmf {
            config: self.clone(),
            data,
            factors,
            trained,
        })
    }
}

factor_recommender!(Wmf, |m| m.factors.tables());

impl Stored for Wmf {
    const KIND: &'static str = "wmf";
    const VERSION: u32 = 1;
    type Config = WmfConfig;

    fn encode(&self, e: &mut Encoder) {
        self.factors.tables().encode(e);
    }

    fn decode(
        config: WmfConfig,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        check::factor_memory(
            Wmf::KIND,
            config.factors,
            config.factors,
            data.n_users(),
            data.n_items(),
            0,
        )
        .map_err(|e| DecodeError(e.to_string()))?;
        let factors = Factors::decode(d, &data, config.factors)?;
        let trained = data.trained_items();
        Ok(Self {
            config,
            data,
            factors,
            trained,
        })
    }
}
