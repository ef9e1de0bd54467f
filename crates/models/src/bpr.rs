//! Bayesian personalised ranking (Rendle et al. 2009) with matrix factorisation and an item
//! bias, trained by SGD exactly as `implicit`'s `BayesianPersonalizedRanking` samples: a random
//! (listener, artist) pair, a random negative drawn from the same pairs (so proportionally to
//! popularity), skipped when the listener played it.

use artist2vec_core::hogwild::{HogwildRows, Lanes, LanesMut, SharedRow};
use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::{CoreError, Embeddings, Fit, Interactions, Observer, Progress};
use serde::{Deserialize, Serialize};

use crate::base::{DecodeError, TrainData, check_finite, effective_threads, hogwild, share};
use crate::common::{factor_recommender, model_common, vectors_common};
use crate::error::check;
use crate::factors::{Tables, decode_tables};
use crate::kernels::multiversion;
use crate::kernels::{dot_rows, madd, prefetch, prefetch_row};
use crate::persist::Stored;
use crate::rng::Rng;
use crate::{ModelError, Result};

/// Where negative artists are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NegativeSampling {
    /// In proportion to the number of listeners (`implicit`'s choice).
    #[default]
    Popularity,
    /// Uniformly over the artists with training plays.
    Uniform,
}

/// Configuration of [`Bpr`].
///
/// Defaults won on hetrec-seed42-val (learning rate 0.003, 300 epochs: NDCG@10 0.1337, against
/// 0.1279 with `implicit`'s hetrec settings of 0.005 and 200); see `docs/results.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BprConfig {
    /// Dimension of the vectors (an item bias is added on top). Default 64.
    pub factors: usize,
    /// SGD step size (> 0). Default 0.003.
    pub learning_rate: f32,
    /// L2 regularisation (>= 0). Default 0.01.
    pub regularization: f32,
    /// Epochs; each draws as many samples as there are (listener, artist) pairs. Default 300.
    pub iterations: usize,
    /// Where negatives come from. Default [`NegativeSampling::Popularity`].
    pub negative_sampling: NegativeSampling,
    /// Skip a negative that the listener played. Default `true`.
    pub verify_negatives: bool,
    /// Epochs over a new listener's history when folding them in. Default 50.
    pub fold_in_epochs: usize,
    /// Seed of the initial vectors and of the sampling. With `threads = 1` the seed alone
    /// fixes the result.
    pub seed: u64,
    /// Training threads; 0 = all available cores (default). Several threads update the shared
    /// vectors without locks (Hogwild, through relaxed atomics), each drawing its share of an
    /// epoch's samples from its own stream: results then vary slightly from run to run. With
    /// 1 thread training is deterministic.
    pub threads: usize,
    /// Consecutive (listener, artist) pairs taken per random draw (>= 1). A draw picks a pair
    /// uniformly and takes it and the next `sample_run − 1` pairs of the listener-sorted
    /// matrix, so every pair stays equally likely to be sampled while one listener's vector
    /// and row of artists stay in cache across those samples (on large matrices the step is
    /// bound by memory latency). 1 = independent draws, as `implicit` samples. Default 8.
    pub sample_run: usize,
}

impl Default for BprConfig {
    fn default() -> Self {
        Self {
            factors: 64,
            learning_rate: 0.003,
            regularization: 0.01,
            iterations: 300,
            negative_sampling: NegativeSampling::Popularity,
            verify_negatives: true,
            fold_in_epochs: 50,
            seed: 42,
            threads: 0,
            sample_run: 8,
        }
    }
}

impl BprConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`factors`](Self::factors).
    pub fn with_factors(mut self, v: usize) -> Self {
        self.factors = v;
        self
    }
    /// Sets [`learning_rate`](Self::learning_rate).
    pub fn with_learning_rate(mut self, v: f32) -> Self {
        self.learning_rate = v;
        self
    }
    /// Sets [`regularization`](Self::regularization).
    pub fn with_regularization(mut self, v: f32) -> Self {
        self.regularization = v;
        self
    }
    /// Sets [`iterations`](Self::iterations).
    pub fn with_iterations(mut self, v: usize) -> Self {
        self.iterations = v;
        self
    }
    /// Sets [`negative_sampling`](Self::negative_sampling).
    pub fn with_negative_sampling(mut self, v: NegativeSampling) -> Self {
        self.negative_sampling = v;
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
    /// Sets [`sample_run`](Self::sample_run).
    pub fn with_sample_run(mut self, v: usize) -> Self {
        self.sample_run = v;
        self
    }
}

/// A fitted BPR model.
#[derive(Debug, Clone)]
pub struct Bpr {
    config: BprConfig,
    data: TrainData,
    /// `n_users × (factors + 1)`, last column 1 (multiplies the item bias).
    user_factors: Vec<f32>,
    /// `n_items × (factors + 1)`, last column the item bias.
    item_factors: Vec<f32>,
    /// The first `factors` columns of `item_factors` (derived): the artist vectors without the
    /// bias column, for [`ArtistVectors`](artist2vec_core::ArtistVectors) and cosine
    /// [`SimilarArtists`](artist2vec_core::SimilarArtists).
    item_vectors: Embeddings,
}

model_common!(
    Bpr,
    BprConfig,
    "Bayesian personalised ranking, SGD",
    [],
    vectors
);
vectors_common!(Bpr, item_vectors);

impl Bpr {
    /// User vectors, row-major `n_users × (factors + 1)`; the last column is 1.
    pub fn user_factors(&self) -> &[f32] {
        &self.user_factors
    }

    /// Artist vectors, row-major `n_items × (factors + 1)`; the last column is the artist bias.
    pub fn item_factors(&self) -> &[f32] {
        &self.item_factors
    }

    /// The vector (with the trailing 1) of a new listener: SGD on their vector alone, the
    /// artist vectors fixed, [`BprConfig::fold_in_epochs`] passes over their history.
    ///
    /// # Errors
    /// [`CoreError::IndexOutOfRange`] for an unknown artist; [`CoreError::Invalid`] for a bad
    /// play count.
    pub fn fold_in(&self, history: &[(u32, f32)]) -> Result<Vec<f32>, CoreError> {
        let h = self.data.history(history)?;
        let items: Vec<u32> = h.iter().map(|p| p.0).collect();
        let f1 = self.config.factors + 1;
        let mut x = vec![0f32; f1];
        x[f1 - 1] = 1.0;
        if items.is_empty() {
            return Ok(x);
        }
        let mut rng = Rng::new(self.config.seed, 3);
        let pool = negative_pool(&self.data, self.config.negative_sampling);
        let (lr, reg) = (self.config.learning_rate, self.config.regularization);
        for _ in 0..self.config.fold_in_epochs * items.len() {
            let i = items[rng.below(items.len())] as usize;
            let j = pool[rng.below(pool.len())];
            if items.binary_search(&j).is_ok() {
                continue;
            }
            let (yi, yj) = (
                &self.item_factors[i * f1..][..f1],
                &self.item_factors[j as usize * f1..][..f1],
            );
            let mut score = 0f32;
            for t in 0..f1 {
                score += x[t] * (yi[t] - yj[t]);
            }
            let z = 1.0 / (1.0 + score.exp());
            for t in 0..f1 - 1 {
                x[t] += lr * (z * (yi[t] - yj[t]) - reg * x[t]);
            }
        }
        Ok(x)
    }

    /// The user and artist tables, `factors + 1` columns each.
    fn tables(&self) -> Tables<'_> {
        Tables {
            users: &self.user_factors,
            items: &self.item_factors,
            dim: self.config.factors + 1,
        }
    }
}

/// The artists negatives are drawn from: one entry per (listener, artist) pair for popularity
/// sampling, one per trained artist for uniform sampling.
fn negative_pool(data: &TrainData, s: NegativeSampling) -> Vec<u32> {
    match s {
        NegativeSampling::Popularity => data.matrix.indices().to_vec(),
        NegativeSampling::Uniform => data.trained_items(),
    }
}

multiversion! {
    /// One thread's share of a BPR epoch: `samples` draws from `rng`, the updates written to
    /// the shared tables; returns (correctly ordered samples, skipped samples).
    fn bpr_epoch<const FMA: bool>(
        x: HogwildRows<'_>,
        y: HogwildRows<'_>,
        userids: &[u32],
        indptr: &[usize],
        indices: &[u32],
        pool: &[u32],
        samples: usize,
        lr: f32,
        reg: f32,
        verify: bool,
        run: usize,
        rng: &mut Rng,
    ) -> (u64, u64) {
        let nnz = indices.len();
        let (mut correct, mut skipped) = (0u64, 0u64);
        // Samples are drawn a batch ahead (in the same order as one at a time), so that the vectors
        // of upcoming samples can be prefetched while the current one is updated: the updates are
        // bound by the latency of these random reads.
        let mut batch = [(0usize, 0usize); SAMPLE_BATCH];
        let mut done = 0;
        let mut runs = RunSampler::new(nnz, run);
        while done < samples {
            let len = SAMPLE_BATCH.min(samples - done);
            for (s, b) in batch[..len].iter_mut().enumerate() {
                let li = runs.draw(rng);
                *b = (li, pool[rng.below(pool.len())] as usize);
                if s < ENTRY_AHEAD {
                    prefetch(&userids[li..li + 1]);
                    prefetch(&indices[li..li + 1]);
                }
            }
            for s in 0..len {
                // Two stages: the sample's entry (listener and artist ids, random places in
                // the pair arrays) `ENTRY_AHEAD` samples ahead, then, `PREFETCH_AHEAD` ahead,
                // its three vectors and the listener's row of artists that the negative is
                // looked up in.
                if s + ENTRY_AHEAD < len {
                    let li = batch[s + ENTRY_AHEAD].0;
                    prefetch(&userids[li..li + 1]);
                    prefetch(&indices[li..li + 1]);
                }
                if s + PREFETCH_AHEAD < len {
                    let (li, j) = batch[s + PREFETCH_AHEAD];
                    let u = userids[li] as usize;
                    prefetch_row(&x, u);
                    prefetch_row(&y, indices[li] as usize);
                    prefetch_row(&y, j);
                    if verify {
                        let row = &indices[indptr[u]..indptr[u + 1]];
                        prefetch(&row[..row.len().min(MAX_ROW_PREFETCH)]);
                    }
                }
                let (li, j) = batch[s];
                let u = userids[li] as usize;
                let i = indices[li] as usize;
                let step = bpr_step::<FMA>(&x, &y, u, i, j, indptr, indices, lr, reg, verify);
                if let Some(ok) = step {
                    correct += ok as u64;
                } else {
                    skipped += 1;
                }
            }
            done += len;
        }
        (correct, skipped)
    }
}

/// Draws entries of the listener-sorted pair arrays in runs ([`BprConfig::sample_run`]): a
/// uniform start, then the entries after it (wrapping around), so every entry is equally
/// likely at every draw. With runs of 1 it draws `rng.below(nnz)` each time.
struct RunSampler {
    nnz: usize,
    run: usize,
    next: usize,
    left: usize,
}

impl RunSampler {
    fn new(nnz: usize, run: usize) -> Self {
        Self {
            nnz,
            run: run.max(1),
            next: 0,
            left: 0,
        }
    }

    #[inline(always)]
    fn draw(&mut self, rng: &mut Rng) -> usize {
        if self.left == 0 {
            (self.next, self.left) = (rng.below(self.nnz), self.run);
        }
        let li = self.next;
        self.next = if li + 1 == self.nnz { 0 } else { li + 1 };
        self.left -= 1;
        li
    }
}

/// Samples drawn ahead in [`bpr_epoch`].
const SAMPLE_BATCH: usize = 64;
/// How far ahead the vectors of a sample are prefetched.
const PREFETCH_AHEAD: usize = 4;
/// How far ahead the entry (listener, artist) of a sample is prefetched.
const ENTRY_AHEAD: usize = 12;
/// The most artists of a listener's row prefetched for the negative's lookup (the binary
/// search of longer rows starts in the middle anyway).
const MAX_ROW_PREFETCH: usize = 256;

/// One BPR update for listener `u`, played artist `i` and negative `j`; `None` when the
/// sample is skipped, else whether it was already ranked correctly. The three rows are read
/// and updated in place in the shared tables ([`SharedRow`]), with the arithmetic of the
/// single-threaded trainer.
#[inline(always)]
fn bpr_step<const FMA: bool>(
    x: &HogwildRows<'_>,
    y: &HogwildRows<'_>,
    u: usize,
    i: usize,
    j: usize,
    indptr: &[usize],
    indices: &[u32],
    lr: f32,
    reg: f32,
    verify: bool,
) -> Option<bool> {
    if verify
        && indices[indptr[u]..indptr[u + 1]]
            .binary_search(&(j as u32))
            .is_ok()
    {
        return None;
    }
    if i == j {
        return None;
    }
    let (mut xu, mut yi, mut yj) = (x.row(u), y.row(i), y.row(j));
    let score = dot_rows::<FMA>(&xu, &yi) - dot_rows::<FMA>(&xu, &yj);
    let z = 1.0 / (1.0 + score.exp());
    bpr_update::<FMA>(&mut xu, &mut yi, &mut yj, z, lr, reg);
    Some(z < 0.5)
}

/// The gradient step of [`bpr_step`] on the three rows (`i != j`, so they are distinct), with
/// `z = σ(−score)`: every factor of the three vectors, then the two artist biases (the last
/// column; the listener's is the constant 1). Element by element, in blocks of 8 (AVX) or 4.
#[inline(always)]
fn bpr_update<const FMA: bool>(
    xu: &mut SharedRow<'_>,
    yi: &mut SharedRow<'_>,
    yj: &mut SharedRow<'_>,
    z: f32,
    lr: f32,
    reg: f32,
) {
    let f = xu.len() - 1;
    assert!(yi.len() == f + 1 && yj.len() == f + 1);
    let step = |xt: f32, it: f32, jt: f32| {
        (
            madd::<FMA>(lr, madd::<FMA>(z, it - jt, -reg * xt), xt),
            madd::<FMA>(lr, madd::<FMA>(z, xt, -reg * it), it),
            madd::<FMA>(lr, madd::<FMA>(-z, xt, -reg * jt), jt),
        )
    };
    let mut t = 0;
    #[cfg(target_arch = "x86_64")]
    if FMA {
        use std::arch::x86_64::*;
        // SAFETY: `FMA = true` only runs with AVX2 and FMA (`multiversion!`); `t + 8 <= f` is
        // inside all three rows.
        unsafe {
            let (vlr, vz, vnz) = (_mm256_set1_ps(lr), _mm256_set1_ps(z), _mm256_set1_ps(-z));
            let vnreg = _mm256_set1_ps(-reg);
            while t + 8 <= f {
                let (xt, it, jt) = (xu.avx8(t), yi.avx8(t), yj.avx8(t));
                let gx = _mm256_fmadd_ps(vz, _mm256_sub_ps(it, jt), _mm256_mul_ps(vnreg, xt));
                let gi = _mm256_fmadd_ps(vz, xt, _mm256_mul_ps(vnreg, it));
                let gj = _mm256_fmadd_ps(vnz, xt, _mm256_mul_ps(vnreg, jt));
                xu.set_avx8(t, _mm256_fmadd_ps(vlr, gx, xt));
                yi.set_avx8(t, _mm256_fmadd_ps(vlr, gi, it));
                yj.set_avx8(t, _mm256_fmadd_ps(vlr, gj, jt));
                t += 8;
            }
        }
    }
    while t + 4 <= f {
        // SAFETY: `t + 4 <= f`, inside all three rows.
        unsafe {
            let (xt, it, jt) = (xu.get4(t), yi.get4(t), yj.get4(t));
            let (mut xn, mut inew, mut jn) = ([0f32; 4], [0f32; 4], [0f32; 4]);
            for l in 0..4 {
                (xn[l], inew[l], jn[l]) = step(xt[l], it[l], jt[l]);
            }
            xu.set4(t, xn);
            yi.set4(t, inew);
            yj.set4(t, jn);
        }
        t += 4;
    }
    // SAFETY (all accesses below): `t < f`, and `f` is the last column of all three rows.
    unsafe {
        while t < f {
            let (xn, inew, jn) = step(xu.get1(t), yi.get1(t), yj.get1(t));
            xu.set1(t, xn);
            yi.set1(t, inew);
            yj.set1(t, jn);
            t += 1;
        }
        let (bi, bj) = (yi.get1(f), yj.get1(f));
        yi.set1(f, bi + lr * (z - reg * bi));
        yj.set1(f, bj + lr * (-z - reg * bj));
    }
}

fn vectors_without_bias(data: &TrainData, y: &[f32], f: usize) -> Result<Embeddings, CoreError> {
    let v: Vec<f32> = y
        .chunks_exact(f + 1)
        .flat_map(|r| r[..f].iter().copied())
        .collect();
    Embeddings::new(data.items.clone(), f, v)
}

impl Fit<Interactions> for BprConfig {
    type Model = Bpr;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = Bpr::KIND;
        check::at_most(m, "factors", self.factors, crate::error::MAX_FACTORS)?;
        check::positive(m, "learning_rate", self.learning_rate)?;
        check::non_negative(m, "regularization", self.regularization)?;
        check::at_least_one(m, "iterations", self.iterations)?;
        check::at_least_one(m, "fold_in_epochs", self.fold_in_epochs)?;
        check::at_least_one(m, "sample_run", self.sample_run)?;
        if self.threads > 0 {
            check::at_most(m, "threads", self.threads, crate::error::MAX_THREADS)?;
        }
        Ok(())
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<Bpr> {
        self.validate()?;
        let data = TrainData::new(Bpr::KIND, data)?;
        let (f, f1) = (self.factors, self.factors + 1);
        let (nu, ni) = (data.n_users(), data.n_items());
        check::factor_memory(Bpr::KIND, f, f1, nu, ni, 0)?;
        let mut rng = Rng::new(self.seed, 1);
        let mut init =
            |n: usize| -> Vec<f32> { (0..n * f1).map(|_| (rng.f32() - 0.5) / f as f32).collect() };
        let mut y = init(ni);
        let mut x = init(nu);
        data.zero_untrained_rows(&mut x, &mut y, f1);
        // The last user column multiplies the artist bias.
        x.chunks_exact_mut(f1).for_each(|row| row[f] = 1.0);
        let ptr = crate::base::ptr(&data.matrix);
        let userids = data.entry_users();
        let pool = negative_pool(&data, self.negative_sampling);
        let nnz = data.matrix.nnz();
        let threads = effective_threads(self.threads).min(nnz).max(1);
        // Thread 0 draws from the stream a single-threaded fit has always used.
        let mut rngs: Vec<Rng> = (0..threads)
            .map(|t| Rng::new(self.seed, if t == 0 { 2 } else { 0x4250_5200 + t as u64 }))
            .collect();
        for it in 0..self.iterations {
            let (xs, ys) = (HogwildRows::new(&mut x, f1), HogwildRows::new(&mut y, f1));
            let run = |t: usize, rng: &mut Rng| {
                bpr_epoch(
                    xs,
                    ys,
                    &userids,
                    ptr,
                    data.matrix.indices(),
                    &pool,
                    share(nnz, threads, t).len(),
                    self.learning_rate,
                    self.regularization,
                    self.verify_negatives,
                    self.sample_run,
                    rng,
                )
            };
            let (correct, skipped) = hogwild(&mut rngs, run)
                .into_iter()
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            check_finite(
                Bpr::KIND,
                ("epoch", it + 1),
                &x,
                &y,
                "lower `learning_rate`",
            )?;
            let used = (data.matrix.nnz() as u64 - skipped).max(1);
            observer.progress(&Progress {
                stage: "bpr epoch",
                done: it as u64 + 1,
                total: Some(self.iterations as u64),
                value: Some(("train_auc", correct as f64 / used as f64)),
            });
        }
        let item_vectors = vectors_without_bias(&data, &y, f)?;
        Ok(Bpr {
            config: self.clone(),
            data,
            user_factors: x,
            item_factors: y,
            item_vectors,
        })
    }
}

factor_recommender!(Bpr, |m| m.tables());

impl Stored for Bpr {
    const KIND: &'static str = "bpr";
    const VERSION: u32 = 1;
    type Config = BprConfig;

    fn encode(&self, e: &mut Encoder) {
        self.tables().encode(e);
    }

    fn decode(
        config: BprConfig,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let f = config.factors;
        check::factor_memory(Bpr::KIND, f, f + 1, data.n_users(), data.n_items(), 0)
            .map_err(|e| DecodeError(e.to_string()))?;
        let (user_factors, item_factors) = decode_tables(d, &data, f + 1)?;
        let item_vectors = vectors_without_bias(&data, &item_factors, f)?;
        Ok(Self {
            config,
            data,
            user_factors,
            item_factors,
            item_vectors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_are_independent_draws() {
        let (mut a, mut b) = (Rng::new(9, 2), Rng::new(9, 2));
        let mut runs = RunSampler::new(1000, 1);
        for _ in 0..500 {
            assert_eq!(runs.draw(&mut a), b.below(1000));
        }
    }

    #[test]
    fn runs_take_consecutive_entries_wrap_around_and_stay_uniform() {
        let nnz = 50;
        let mut rng = Rng::new(3, 2);
        let mut runs = RunSampler::new(nnz, 8);
        let mut counts = vec![0u32; nnz];
        let draws: Vec<usize> = (0..80_000).map(|_| runs.draw(&mut rng)).collect();
        let mut wrapped = false;
        for run in draws.chunks(8) {
            for w in run.windows(2) {
                assert_eq!(w[1], (w[0] + 1) % nnz, "{run:?}");
                wrapped |= w[1] == 0;
            }
        }
        assert!(wrapped, "no run wrapped around the end");
        draws.iter().for_each(|&li| counts[li] += 1);
        // 1,600 expected per entry; runs of 8 make the count's sd about √8 × 40 ≈ 113.
        for (li, &c) in counts.iter().enumerate() {
            assert!((1100..=2100).contains(&c), "entry {li} drawn {c} times");
        }
    }
}
