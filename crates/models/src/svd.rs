//! Artist co-occurrence reduced by a randomized truncated SVD — the seed notebooks' embedding.
//!
//! Two artists co-occur once for every listener who played both. The artists × artists matrix
//! of counts (optionally transformed: `ln(1 + c)` or positive PMI) is symmetric, so its
//! truncated SVD is its eigen-decomposition by magnitude: `C ≈ U·Σ·Uᵀ`. Artist vectors are
//! `U·Σ^p` (`p` = [`SvdConfig::exponent`]; `p = ½` makes `v_i·v_j ≈ C_ij`). A listener's score
//! for artist `j` is `(Σ_i w(plays_i)·v_i)·v_j` over the artists `i` they played.

use artist2vec_core::modelfile::{Decoder, Encoder};
use artist2vec_core::topk_full::dot_scores;
use artist2vec_core::{
    CoreError, Embeddings, Fit, Interactions, Neighbor, Observer, Query, Recommender, check_query,
};
use artist2vec_sparse::{CooccurrenceConfig, Weighting, cooccurrence};
use serde::{Deserialize, Serialize};

use crate::base::{DecodeError, TrainData, decode_table, elementwise, history_row};
use crate::common::{model_common, recommender_common, vectors_common};
use crate::error::check;
use crate::factors::recommend_batch;
use crate::persist::Stored;
use crate::{ModelError, Result};

/// How co-occurrence counts are transformed before the SVD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CoocTransform {
    /// The counts themselves (the notebooks).
    Count,
    /// `ln(1 + count)`.
    Log1p,
    /// Positive pointwise mutual information `max(0, ln(c_ij·D / (c_i·c_j)))`, with `c_i` the
    /// row sums and `D` the total.
    #[default]
    Ppmi,
}

/// Configuration of [`Svd`].
///
/// Defaults won on hetrec-seed42-val (positive PMI, 300 factors, `σ^0.75`: NDCG@10 0.1739;
/// raw counts reach 0.1293 and 150 factors 0.1645); see `docs/results.md` for the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvdConfig {
    /// Dimension of the artist vectors. Default 300 (the notebooks used 150).
    pub factors: usize,
    /// Transform of the counts. Default [`CoocTransform::Ppmi`].
    pub transform: CoocTransform,
    /// Singular values enter the vectors as `σ^exponent` (>= 0). Default 0.75.
    pub exponent: f32,
    /// Extra random columns of the range finder. Default 10.
    pub oversample: usize,
    /// Power iterations of the range finder. Default 4.
    pub power_iterations: usize,
    /// Element-wise weighting of a listener's play counts when scoring. Default log1p.
    pub history_weighting: Weighting,
    /// Seed of the random test matrix.
    pub seed: u64,
}

impl Default for SvdConfig {
    fn default() -> Self {
        Self {
            factors: 300,
            transform: CoocTransform::Ppmi,
            exponent: 0.75,
            oversample: 10,
            power_iterations: 4,
            history_weighting: Weighting::Log1p,
            seed: 42,
        }
    }
}

impl SvdConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`factors`](Self::factors).
    pub fn with_factors(mut self, v: usize) -> Self {
        self.factors = v;
        self
    }
    /// Sets [`transform`](Self::transform).
    pub fn with_transform(mut self, v: CoocTransform) -> Self {
        self.transform = v;
        self
    }
    /// Sets [`exponent`](Self::exponent).
    pub fn with_exponent(mut self, v: f32) -> Self {
        self.exponent = v;
        self
    }
    /// Sets [`power_iterations`](Self::power_iterations).
    pub fn with_power_iterations(mut self, v: usize) -> Self {
        self.power_iterations = v;
        self
    }
    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, v: u64) -> Self {
        self.seed = v;
        self
    }
}

/// A fitted co-occurrence SVD model: artist vectors.
#[derive(Debug, Clone)]
pub struct Svd {
    config: SvdConfig,
    data: TrainData,
    item_vectors: Embeddings,
    singular_values: Vec<f32>,
}

model_common!(
    Svd,
    SvdConfig,
    "artist co-occurrence reduced by randomized truncated SVD",
    ["cooc-svd"],
    vectors
);
vectors_common!(Svd, item_vectors);

impl Svd {
    /// The singular values kept, largest first (`|λ|` of the symmetric matrix's eigenvalues).
    pub fn singular_values(&self) -> &[f32] {
        &self.singular_values
    }

    /// The profile of a checked query: of the training user's row, or of the history.
    fn query_profile(&self, query: &Query<'_>) -> Result<Vec<f32>, CoreError> {
        Ok(match query {
            Query::User(u) => {
                let (items, w) = self.data.row(*u as usize);
                self.profile(items.iter().copied().zip(w.iter().copied()))
            }
            Query::History(h) => self.profile(history_row(h)?.into_iter()),
        })
    }

    fn profile(&self, row: impl Iterator<Item = (u32, f32)>) -> Vec<f32> {
        let d = self.item_vectors.dim();
        let v = self.item_vectors.as_slice();
        let mut p = vec![0f32; d];
        for (i, x) in row {
            let w = elementwise(&self.config.history_weighting, x).unwrap_or(x);
            for (a, b) in p.iter_mut().zip(&v[i as usize * d..][..d]) {
                *a += w * b;
            }
        }
        p
    }
}

impl Fit<Interactions> for SvdConfig {
    type Model = Svd;
    type Error = ModelError;

    fn validate(&self) -> Result<()> {
        let m = Svd::KIND;
        check::at_most(m, "factors", self.factors, crate::error::MAX_FACTORS)?;
        check::non_negative(m, "exponent", self.exponent)?;
        check::elementwise(m, "history_weighting", &self.history_weighting)
    }

    fn fit_observed(&self, data: &Interactions, observer: &dyn Observer) -> Result<Svd> {
        self.validate()?;
        let data = TrainData::new(Svd::KIND, data)?;
        let n = data.n_items();
        check::factor_memory(Svd::KIND, self.factors, self.factors, 0, n, 4)?;
        crate::base::report(observer, "svd co-occurrence", 0, 1);
        let mut c = cooccurrence(
            crate::base::ptr(&data.matrix),
            data.matrix.indices(),
            n,
            &CooccurrenceConfig::default(),
        )?;
        match self.transform {
            CoocTransform::Count => {}
            CoocTransform::Log1p => c.data_mut().iter_mut().for_each(|v| *v = v.ln_1p()),
            CoocTransform::Ppmi => {
                let ptr = crate::base::ptr(&c).to_vec();
                let row_sum: Vec<f64> = (0..n)
                    .map(|r| c.data()[ptr[r]..ptr[r + 1]].iter().map(|&v| v as f64).sum())
                    .collect();
                let total: f64 = row_sum.iter().sum();
                let idx = c.indices().to_vec();
                let data_mut = c.data_mut();
                for r in 0..n {
                    for p in ptr[r]..ptr[r + 1] {
                        let pmi = (data_mut[p] as f64 * total
                            / (row_sum[r] * row_sum[idx[p] as usize]))
                            .ln();
                        data_mut[p] = pmi.max(0.0) as f32;
                    }
                }
            }
        }
        crate::base::report(observer, "svd co-occurrence", 1, 1);
        let (vals, u) = crate::linalg::randomized_eigh(
            &c,
            self.factors,
            self.oversample,
            self.power_iterations,
            self.seed,
            |done, total| {
                crate::base::report(observer, "svd range finder", done as u64, total as u64)
            },
        );
        let k = vals.len();
        // Row-major n × factors; columns beyond the rank of C stay zero.
        let f = self.factors;
        let mut v = vec![0f32; n * f];
        for (col, &lambda) in vals.iter().enumerate() {
            let s = lambda.abs().powf(self.exponent as f64);
            for i in 0..n {
                v[i * f + col] = (u[i * k + col] * s) as f32;
            }
        }
        let mut singular_values: Vec<f32> = vals.iter().map(|x| x.abs() as f32).collect();
        singular_values.resize(f.max(k), 0.0);
        singular_values.truncate(f);
        let item_vectors = Embeddings::new(data.items.clone(), f, v)?;
        Ok(Svd {
            config: self.clone(),
            data,
            item_vectors,
            singular_values,
        })
    }
}

impl Recommender for Svd {
    recommender_common!();

    fn score_into(&self, query: &Query<'_>, scores: &mut [f32]) -> Result<(), CoreError> {
        check_query(query, self.n_users(), self.n_items())?;
        dot_scores(
            &self.query_profile(query)?,
            self.item_vectors.as_slice(),
            scores,
        );
        self.data.mask_untrained(scores);
        Ok(())
    }

    /// The blocked full-catalogue top-k: the lists of
    /// [`recommend`](Recommender::recommend), query by query.
    fn recommend_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        exclude_seen: bool,
    ) -> Result<Vec<Vec<Neighbor>>, CoreError> {
        let vector = |q: &Query<'_>, out: &mut [f32]| {
            out.copy_from_slice(&self.query_profile(q)?);
            Ok(())
        };
        let (items, dim) = (self.item_vectors.as_slice(), self.item_vectors.dim());
        recommend_batch(&self.data, items, dim, queries, k, exclude_seen, vector)
    }
}

impl Stored for Svd {
    const KIND: &'static str = "svd";
    const VERSION: u32 = 1;
    type Config = SvdConfig;

    fn encode(&self, e: &mut Encoder) {
        e.f32s(self.item_vectors.as_slice());
        e.f32s(&self.singular_values);
    }

    fn decode(
        config: SvdConfig,
        data: TrainData,
        d: &mut Decoder<'_>,
    ) -> Result<Self, DecodeError> {
        let f = config.factors;
        check::factor_memory(Svd::KIND, f, f, 0, data.n_items(), 4)
            .map_err(|e| DecodeError(e.to_string()))?;
        let v = decode_table(d, data.n_items(), f, "artist vectors")?;
        let singular_values = decode_table(d, f, 1, "singular values")?;
        let item_vectors = Embeddings::new(data.items.clone(), f, v)?;
        Ok(Self {
            config,
            data,
            item_vectors,
            singular_values,
        })
    }
}
